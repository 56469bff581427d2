"""Every chart's smallest text is >= 12 px on a 1280×720 page (resnet_viz.legibility: font size ·
dpi/72 · shown width / image width), in both languages, for 8 and for 50 blocks."""

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision import models as tv_models

from resnet_viz.lab import charts as lab
from resnet_viz.lab.blocks import BlockInfo
from resnet_viz.lab.depths import DepthFlow, DepthFlows
from resnet_viz.lab.diagram import block_diagram
from resnet_viz.lab.gradients import GradientFlow, Shattering
from resnet_viz.lab.lesion import LesionResult
from resnet_viz.lab.norms import BlockNorms
from resnet_viz.legibility import DISPLAYED, MIN_PX, rendered_px, smallest_text
from resnet_viz.plotting import style
from resnet_viz.trust import charts as trust
from resnet_viz.trust.faithfulness import DELETION_FRACTIONS, FaithfulnessResult, StageFaithfulness
from resnet_viz.trust.receptive import ReceptiveField
from resnet_viz.trust.sanity import RANDOMIZATION_STEPS, ClassCheck, SanityResult, SanityStep

LANGS = ("en", "ko")
IMAGE = Image.fromarray(np.random.default_rng(0).integers(0, 255, (224, 224, 3), dtype=np.uint8))
CAM = np.random.default_rng(1).random((224, 224)).astype(np.float32)
LONG = "Greater Swiss Mountain dog"


def _infos(n):
    per = n // 4
    return [
        BlockInfo(
            f"layer{1 + i // per}.{i % per}", f"layer{1 + i // per}", "projection" if i % per == 0 else "identity"
        )
        for i in range(n)
    ]


def _check(draw, shown, lang):
    with style(lang):
        figure = draw()
        px, text = smallest_text(figure, shown)
    assert px >= MIN_PX, (text, round(px, 1))


def test_rendered_px_is_points_scaled_to_the_shown_width():
    assert rendered_px(9, 100, 700, 682) == pytest.approx(9 * 100 / 72 * 682 / 700)
    assert rendered_px(9, 100, 600, 682) == pytest.approx(12.5)  # a smaller image is not enlarged


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("blocks", [8, 48])
def test_lab_charts(lang, blocks):
    infos = _infos(blocks)
    ramp = list(np.linspace(0.1, 2.0, blocks))
    norms = [BlockNorms(info, r, 1.0, r, 0.1) for info, r in zip(infos, ramp)]
    rows = [LesionResult(info, 10.0 ** -(i % 9), 0, i % 3 != 0) for i, info in enumerate(infos)]
    flow = GradientFlow([i.name for i in infos], ramp, ramp[::-1])
    shown = DISPLAYED["lab"]
    _check(lambda: lab.norms_chart(norms, lang), shown, lang)
    _check(lambda: lab.lesion_chart(0.9, rows, lang), shown, lang)
    _check(lambda: lab.gradient_chart(flow, [i.shortcut == "projection" for i in infos], lang), shown, lang)
    _check(lambda: lab.shattering_chart(Shattering([0, 0.1, 0.2], [1, 0.8, 0.6], [1, 0.3, 0.1]), lang), shown, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_lab_depth_and_degradation_charts(lang):
    flows = DepthFlows(
        0,
        3,
        True,
        [
            DepthFlow(d, [f"b{i}" for i in range(n)], list(np.linspace(1, 9, n)), list(np.linspace(1, 90, n)))
            for d, n in ((18, 8), (152, 50))
        ],
    )
    _check(lambda: lab.depth_flow_chart(flows, lang), DISPLAYED["lab"], lang)
    report = {
        "curves": [
            {"depth": d, "residual": r, "iterations": [0, 100, 200], "train_error": [0.8, 0.5, 0.3]}
            for d in (8, 14)
            for r in (False, True)
        ]
    }
    _check(lambda: lab.degradation_chart(report, lang), DISPLAYED["lab_degradation"], lang)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", ["resnet18", "resnet50", "resnet152"])
def test_block_diagram(lang, name):
    with torch.device("meta"):
        model = tv_models.get_model(name, weights=None)
    _check(lambda: block_diagram(model, name, lang), DISPLAYED["lab"], lang)


@pytest.mark.parametrize("lang", LANGS)
def test_trust_charts(lang):
    steps = tuple(SanityStep(name, CAM, 0.3, 0.2) for name, _ in RANDOMIZATION_STEPS)
    sanity = SanityResult("layer4", "Grad-CAM", 238, LONG, CAM, steps, IMAGE)
    check = ClassCheck(
        "layer4", 238, 5, 9, (LONG, "hand-held computer", "water snake"), (CAM, CAM, CAM), 0.2, 0.1, IMAGE
    )
    stages = tuple(
        StageFaithfulness(s, -0.01, 0.02, 0.015, tuple(np.linspace(0.5, 0.1, len(DELETION_FRACTIONS))), 0.2)
        for s in ("layer1", "layer2", "layer3", "layer4")
    )
    faith = FaithfulnessResult(238, LONG, "gradcam", stages, 17.0, 100, 24)
    field = ReceptiveField("layer2", 14, 14, (10, 10, 110, 110), 99, 224, (28, 28))
    _check(lambda: trust.sanity_strip(sanity, lang), DISPLAYED["trust_strip"], lang)
    _check(lambda: trust.class_check_figure(check, "Grad-CAM", lang), DISPLAYED["trust_class"], lang)
    _check(lambda: trust.road_figure(faith, lang), DISPLAYED["trust_road"], lang)
    _check(lambda: trust.deletion_figure(faith, lang), DISPLAYED["trust_deletion"], lang)
    _check(lambda: trust.receptive_field_figure(IMAGE, field, CAM, lang), DISPLAYED["trust_field"], lang)
