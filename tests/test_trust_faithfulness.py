"""Faithfulness on a model that has really learned something: a small ResNet trained here, in a few
seconds, to say whether a red patch is in the picture. Its real maps must beat deliberately wrong ones."""

import math

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn
from torchvision.models.resnet import BasicBlock, ResNet
from torchvision.transforms._presets import ImageClassification

from resnet_viz import analyze
from resnet_viz.analysis import preprocess
from resnet_viz.models import LoadedModel
from resnet_viz.trust.faithfulness import deletion_curve, faithfulness, road_scores
from resnet_viz.trust.report import trust_json
from resnet_viz.trust.sanity import cascading_randomization, class_check

SIZE, PATCH = 64, 16
RED = torch.tensor([1.0, 0.1, 0.1])[:, None, None]


def _batch(count: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Grey noise; class 1 has a red square somewhere. (In [0, 1]: the model sees them as given.)"""
    images = torch.rand(count, 3, SIZE, SIZE, generator=generator) * 0.5 + 0.25
    labels = torch.randint(0, 2, (count,), generator=generator)
    for i in torch.nonzero(labels).flatten().tolist():
        row, col = torch.randint(0, SIZE - PATCH, (2,), generator=generator).tolist()
        images[i, :, row : row + PATCH, col : col + PATCH] = RED
    return images, labels


@pytest.fixture(scope="module")
def patch_model() -> LoadedModel:
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    model = ResNet(BasicBlock, [1, 1, 1, 1], num_classes=2)
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    for _ in range(16):
        images, labels = _batch(32, generator)
        loss = nn.functional.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    # Batch-norm statistics of the final weights (the running ones lag behind so short a training).
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None
    with torch.no_grad():
        for _ in range(3):
            model(_batch(64, generator)[0])
    model.eval().requires_grad_(False)
    images, labels = _batch(200, generator)
    with torch.no_grad():
        accuracy = float((model(images).argmax(1) == labels).float().mean())
    assert accuracy > 0.95, f"the test model did not learn the task (accuracy {accuracy:.2f})"
    # Identity normalisation: the pictures below are fed as they are.
    transforms = ImageClassification(crop_size=SIZE, resize_size=SIZE, mean=(0, 0, 0), std=(1, 1, 1))
    return LoadedModel(
        "resnet18", model, torch.device("cpu"), ("plain", "red patch"), transforms, "checkpoint", "trained in the test"
    )


def _picture(row: int, col: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    array = rng.uniform(0.25, 0.75, (SIZE, SIZE, 3))
    array[row : row + PATCH, col : col + PATCH] = (1.0, 0.1, 0.1)
    return Image.fromarray(np.uint8(np.round(array * 255)))


# Patches away from the centre, so the flipped map points somewhere else.
PLACES = [(4, 6), (42, 8), (6, 44)]


@pytest.mark.parametrize("stage", ["layer3", "layer4"])
def test_real_map_is_more_faithful_than_a_flipped_one(patch_model, stage):
    road_real, road_flipped, auc_real, auc_flipped = [], [], [], []
    for seed, (row, col) in enumerate(PLACES):
        picture = _picture(row, col, seed)
        result = analyze(patch_model, picture, target=1)
        assert result.target.probability > 0.9  # the model sees the patch
        cam = result.stage(stage).cam
        flipped = np.ascontiguousarray(cam[::-1, ::-1])
        _shown, batch = preprocess(patch_model.transforms, picture)
        for wanted, road, auc in ((cam, road_real, auc_real), (flipped, road_flipped, auc_flipped)):
            morf, lerf = road_scores(patch_model.module, batch, wanted, 1)
            road.append((lerf - morf) / 2)
            auc.append(deletion_curve(patch_model.module, batch, wanted, 1)[1])
    assert np.mean(road_real) > np.mean(road_flipped) + 0.1, (road_real, road_flipped)
    assert np.mean(auc_real) < np.mean(auc_flipped) - 0.1, (auc_real, auc_flipped)


def test_uniform_map_scores_worse_than_the_real_one_on_deletion(patch_model):
    picture = _picture(*PLACES[0], seed=0)
    result = analyze(patch_model, picture, target=1)
    _shown, batch = preprocess(patch_model.transforms, picture)
    # A uniform map ranks pixels by ties: grad-cam's percentile thresholds then remove all or nothing,
    # so a nearly uniform map (tiny noise, no information) stands in for it.
    uniform = np.float32(0.5 + 1e-3 * np.random.default_rng(0).random(result.stage("layer3").cam.shape))
    real_auc = deletion_curve(patch_model.module, batch, result.stage("layer3").cam, 1)[1]
    uniform_auc = deletion_curve(patch_model.module, batch, uniform, 1)[1]
    assert real_auc < uniform_auc - 0.1


def test_faithfulness_per_stage_is_repeatable_and_fills_trust_json(patch_model):
    picture = _picture(*PLACES[1], seed=1)
    first = faithfulness(patch_model, picture, target=1)
    again = faithfulness(patch_model, picture, target=1)
    assert [s.stage for s in first.stages] == ["layer1", "layer2", "layer3", "layer4"]
    assert first.stages == again.stages  # seeded imputation noise
    for stage in first.stages:
        assert len(stage.deletion) == 11 and stage.deletion[0] > 0.9  # nothing removed: the model's own p
        assert 0 <= stage.deletion_auc <= 1 and math.isfinite(stage.road_combined)
        assert stage.road_combined == pytest.approx((stage.road_lerf - stage.road_morf) / 2)
    assert first.forward_passes == 4 * (4 * 3 + 11) and first.sparse_solves == 4 * 2 * 3
    # trust.json's faithfulness entries, next to the sanity checks of the same (two-class) model
    sanity = cascading_randomization(patch_model, picture, "layer3", target=1)
    check = class_check(patch_model, picture, "layer3")
    assert (check.top1, check.random_class, check.least_likely) == (1, 0, 0)  # two classes: no third one
    report = trust_json("resnet18", sanity, check, first)
    assert report["faithfulness"] == [
        {"stage": s.stage, "road_combined": s.road_combined, "deletion_auc": s.deletion_auc} for s in first.stages
    ]
    assert report["target"] == 1 and report["stage"] == "layer3"
