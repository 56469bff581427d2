"""The ResNet family: torchvision's ResNeXt and Wide ResNet, and timm's ResNets (the [timm] extra),
through every path resnet50 takes. Random weights, 64×64 inputs, all offline."""

import sys
import threading
from dataclasses import replace

import numpy as np
import pytest
import torch
from pytorch_grad_cam import GradCAM
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
from torchvision.models.feature_extraction import create_feature_extractor
from torchvision.transforms import InterpolationMode

import resnet_viz
from resnet_viz.analysis import preprocess
from resnet_viz.architecture import markdown_table
from resnet_viz.errors import CheckpointError, ModelChoiceError
from resnet_viz.lab.blocks import after_addition, residual_blocks, residual_branch, shortcut, walk
from resnet_viz.models import FAMILY_NAMES, check_model_name, load_model
from resnet_viz.timm_models import TimmPreprocessing

TIMM_NAMES = ("timm/resnet50.a1_in1k", "timm/resnetv2_50", "timm/resnet50d", "timm/seresnet50")
SIZE = 64  # small inputs keep resnext101_64x4d and wide_resnet101_2 quick on a CPU


def _small(loaded):
    """The model with a 64×64 centre crop (same mean and std); its own lock."""
    t = loaded.transforms
    return replace(
        loaded,
        transforms=TimmPreprocessing([SIZE], [SIZE, SIZE], list(t.mean), list(t.std), InterpolationMode.BILINEAR),
        lock=threading.Lock(),
    )


def _needs_timm(name):
    if name.startswith("timm/"):
        pytest.importorskip("timm")


def _reference_features(name, loaded, batch):
    """Stage outputs by the library's own extractor: create_feature_extractor, or timm's features_only."""
    names = [s.name for s in loaded.stages]
    if not name.startswith("timm/"):
        extractor = create_feature_extractor(loaded.module, return_nodes=names)
        with torch.no_grad():
            return extractor(batch)
    import timm

    features = timm.create_model(name.removeprefix("timm/"), pretrained=False, features_only=True).eval()
    own = loaded.module.state_dict()

    def own_key(key):  # features_only flattens the nesting it cuts at: 'stages_0.…' is 'stages.0.…'
        top, _, rest = key.partition(".")
        return key if top in own or hasattr(loaded.module, top) else f"{top.replace('_', '.')}.{rest}"

    features.load_state_dict({k: own[own_key(k)] for k in features.state_dict()})
    assert [i["module"] for i in features.feature_info] == names
    with torch.no_grad():
        return dict(zip(names, features(batch)))


@pytest.mark.parametrize("name", FAMILY_NAMES + TIMM_NAMES)
def test_every_family_member_through_stages_cams_lab_and_checkpoints(name, chelsea, tmp_path):
    _needs_timm(name)
    loaded = _small(load_model(name, "random", "cpu"))
    assert loaded.weights_status == "untrained" and loaded.num_classes == 1000
    image = resnet_viz.load_image(chelsea)
    _, batch = preprocess(loaded.transforms, image)
    target = 281
    result = resnet_viz.analyze(loaded, image, target=target)

    # stage outputs equal the library's own feature extractor
    expected = _reference_features(name, loaded, batch)
    assert [s.name for s in result.stages] == list(expected)
    assert [s.paper_name for s in result.stages] == ["conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x"]
    for stage in result.stages:
        torch.testing.assert_close(stage.activation, expected[stage.name][0], rtol=1e-4, atol=1e-4)

    # each stage CAM equals grad-cam's single-layer GradCAM on the same module
    reference_model = loaded.module.requires_grad_(True)  # grad-cam needs trainable weights (no copy: 500 MB)
    try:
        for spec in loaded.stages[1:]:
            with GradCAM(reference_model, target_layers=[reference_model.get_submodule(spec.name)]) as cam:
                want = cam(batch, targets=[ClassifierOutputTarget(target)])[0]
            got = result.stage(spec.name).cam
            assert got.shape == want.shape == (SIZE, SIZE)
            np.testing.assert_allclose(got, want, atol=1e-4, err_msg=f"{name} {spec.name}")
    finally:
        loaded.module.requires_grad_(False).eval()

    # the lab's decomposition: after_addition(F(x) + shortcut(x)) is each block's own output
    def decomposed(info, block, x):
        return after_addition(block, residual_branch(block, x) + shortcut(block, x))

    with torch.no_grad():
        logits = loaded.module(batch)
        torch.testing.assert_close(walk(loaded.module, batch, decomposed)[0], logits, rtol=1e-4, atol=1e-4)
    assert len(residual_blocks(loaded.module)) == (33 if "101" in name else 16)  # 3-4-23-3 or 3-4-6-3: every block
    markdown_table(loaded.module, name)  # reads the module without error

    # a checkpoint of it loads and gives the same logits
    path = tmp_path / "own.pth"
    torch.save(loaded.module.state_dict(), path)
    again = load_model(name, str(path), "cpu")
    assert again.weights_status == "checkpoint" and again.name == name
    with torch.no_grad():
        torch.testing.assert_close(again.module(batch), logits, rtol=1e-4, atol=1e-4)
    if not name.startswith("timm/"):
        assert load_model(None, str(path), "cpu").name == name  # the architecture is read off the file


def _state(name):
    return load_model(name, "random", "cpu").module.state_dict()


def test_mismatched_torchvision_checkpoints_name_the_model_they_hold(tmp_path):
    path = tmp_path / "resnext.pth"
    torch.save(_state("resnext50_32x4d"), path)
    with pytest.raises(
        CheckpointError, match=r"holds a resnext50_32x4d, not a wide_resnet50_2: choose resnext50_32x4d"
    ):
        load_model("wide_resnet50_2", str(path), "cpu")
    with pytest.raises(CheckpointError, match=r"holds a resnext50_32x4d, not a resnet50"):
        load_model("resnet50", str(path), "cpu")
    damaged = tmp_path / "damaged.pth"
    damaged.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(CheckpointError, match=r"damaged.pth is not a readable PyTorch file"):
        load_model("resnext50_32x4d", str(damaged), "cpu")


def test_mismatched_timm_checkpoints_name_the_model_they_hold(tmp_path):
    pytest.importorskip("timm")
    v2 = tmp_path / "v2.pth"
    torch.save(_state("timm/resnetv2_50"), v2)
    with pytest.raises(
        CheckpointError, match=r"v2.pth holds a timm ResNetV2 \(pre-activation, 3-4-6-3 blocks.*not a timm/resnet50d"
    ):
        load_model("timm/resnet50d", str(v2), "cpu")
    with pytest.raises(CheckpointError, match=r"not a torchvision ResNet.*holds a timm ResNetV2"):
        load_model("resnet50", str(v2), "cpu")
    se = tmp_path / "se.pth"
    torch.save(_state("timm/seresnet50"), se)
    with pytest.raises(CheckpointError, match=r"holds a resnet50 with squeeze-excitation \(timm seresnet\)"):
        load_model("resnet50", str(se), "cpu")
    tv = tmp_path / "tv.pth"
    torch.save(_state("wide_resnet50_2"), tv)
    with pytest.raises(CheckpointError, match=r"holds a wide_resnet50_2, not a timm/resnetv2_50"):
        load_model("timm/resnetv2_50", str(tv), "cpu")
    damaged = tmp_path / "damaged.pth"
    damaged.write_bytes(v2.read_bytes()[:5000])
    with pytest.raises(CheckpointError, match=r"damaged.pth is not a readable PyTorch file"):
        load_model("timm/resnetv2_50", str(damaged), "cpu")


def test_stage_table_shows_cardinality_width_and_preactivation():
    resnext = markdown_table(load_model("resnext50_32x4d", "random", "cpu").module, "resnext50_32x4d")
    assert "grouped 3×3: cardinality 32 × 4 channels (width 128)" in resnext and "**ResNeXt**" in resnext
    wide = markdown_table(load_model("wide_resnet50_2", "random", "cpu").module, "wide_resnet50_2", lang="ko")
    assert "width 128 (2× ResNet's 64)" in wide and "Wide ResNet" in wide and "두 배" in wide
    from resnet_viz.lab.blockrows import block_table

    rows = block_table(load_model("resnext50_32x4d", "random", "cpu").module)
    assert "3×3, 128, 32 groups" in rows[0].blocks[0].convs and "cardinality 32" in rows[0].block_type


def test_timm_preprocessing_is_timms_own_eval_transform(chelsea):
    timm = pytest.importorskip("timm")
    loaded = load_model("timm/resnetv2_50", "random", "cpu")
    config = timm.data.resolve_model_data_config(loaded.module)
    assert config["mean"] == (0.5, 0.5, 0.5) and config["crop_pct"] == 0.95
    image = resnet_viz.load_image(chelsea)
    expected = timm.data.create_transform(**config)(image)
    shown, batch = preprocess(loaded.transforms, image)
    assert shown.size == (224, 224) and loaded.transforms.resize_size == [235]
    torch.testing.assert_close(batch[0], expected, rtol=0, atol=1e-5)
    assert loaded.categories[281] == "tabby"  # ImageNet-1k, from timm's own label descriptions


def test_timm_offline_falls_back_to_random_weights_and_says_why():
    pytest.importorskip("timm")
    loaded = load_model("timm/resnet50.a1_in1k", "DEFAULT", "cpu")
    assert loaded.weights_status == "untrained" and loaded.weights_label == "random"
    assert loaded.weights_note == (
        "resnet50.a1_in1k is not in the Hugging Face hub cache (hf-hub:timm/resnet50.a1_in1k) "
        "and RESNET_VIZ_OFFLINE is set. Run `resnet-viz weights fetch timm/resnet50.a1_in1k` "
        "while online."
    )
    from resnet_viz.presenter import weights_banner

    assert "Hugging Face hub 캐시" in weights_banner(loaded, "ko")


def test_timm_names_are_checked(monkeypatch):
    pytest.importorskip("timm")
    with pytest.raises(ModelChoiceError, match="timm has no model 'resnet51x'"):
        check_model_name("timm/resnet51x")
    with pytest.raises(ModelChoiceError, match="timm/vit_base_patch16_224 is not a ResNet"):
        check_model_name("timm/vit_base_patch16_224")


def test_without_timm_the_message_names_the_extra(monkeypatch):
    from resnet_viz import timm_models

    timm_models.check_name.cache_clear()
    monkeypatch.setitem(sys.modules, "timm", None)  # import timm now raises ImportError
    try:
        with pytest.raises(ModelChoiceError, match=r'pip install "resnet-viz\[timm\]"'):
            check_model_name("timm/resnetv2_50")
        assert not timm_models.available()
        from resnet_viz.service import model_choices

        assert [v for _, v in model_choices()] == list(resnet_viz.MODEL_NAMES)
    finally:
        timm_models.check_name.cache_clear()


def test_family_comparison_names_recipes_and_counts_macs(chelsea, tmp_path):
    pytest.importorskip("timm")
    from torchvision import models as tv_models

    from resnet_viz.family import compare_family, family_figure, table_lines

    comparison = compare_family(chelsea, ["resnext50_32x4d", "timm/resnetv2_50"], device="cpu")
    resnext, v2 = comparison.rows
    meta = tv_models.ResNeXt50_32X4D_Weights.DEFAULT.meta
    assert resnext.acc1 == meta["_metrics"]["ImageNet-1K"]["acc@1"] and meta["recipe"] in resnext.recipe
    assert resnext.gmacs == pytest.approx(meta["_ops"], rel=0.02)  # our count against torchvision's own
    assert resnext.params == meta["num_params"]
    assert v2.acc1 is None and "a1h_in1k" in v2.recipe  # timm's config carries no accuracy: none is made up
    assert comparison.spans_recipes and "spans training recipes" in comparison.recipe_note()
    assert "서로 다른 학습 레시피" in comparison.recipe_note("ko")
    for row in comparison.rows:
        assert row.weights_status == "untrained" and "weights fetch" in row.note
        assert row.cam.shape == (row.image.height, row.image.width) == (224, 224) and len(row.top) == 3
    assert "UNTRAINED" in "\n".join(table_lines(comparison))
    assert family_figure(comparison, fmt="png").startswith(b"\x89PNG")


def test_preactivation_blocks_are_shown_and_measured_as_such():
    pytest.importorskip("timm")
    from resnet_viz.lab.diagram import block_diagram
    from resnet_viz.lab.gradients import PlainBlock
    from resnet_viz.lab.lesion import LesionedBlock

    model = load_model("timm/resnetv2_50", "random", "cpu").module
    # one text per box; a box's lines wrap at 1280×720 sizes, so newlines read as spaces
    texts = [
        t.get_text().replace("\n", " ")
        for t in block_diagram(model, "timm/resnetv2_50").findobj(match=lambda a: hasattr(a, "get_text"))
    ]
    assert sum("BN + ReLU + 1×1 conv" in t for t in texts) == 8 and sum("nothing after ⊕" in t for t in texts) == 5
    info, block = residual_blocks(model)[1]  # stages.0.blocks.1: an identity shortcut
    assert info.shortcut == "identity"
    x = torch.randn(1, 256, 8, 8)  # with negative values: a ReLU after ⊕ would change them
    with torch.no_grad():
        torch.testing.assert_close(LesionedBlock(block)(x), x, rtol=0, atol=0)  # the clean identity path
        torch.testing.assert_close(PlainBlock(block)(x), residual_branch(block, x))
        torch.testing.assert_close(block(x), residual_branch(block, x) + x)  # nothing after ⊕
