"""Receptive fields: the box walked from the modules' geometry equals an independent computation —
the support of the input gradient of that unit when every weight is positive — and the effective
field of the real model lies inside it."""

import copy

import numpy as np
import pytest
import torch
from conftest import hook_counts
from torch import nn

import resnet_viz
from resnet_viz.capture import capture_stage_outputs
from resnet_viz.errors import ModelChoiceError
from resnet_viz.trust.receptive import effective_field

UNITS = [
    ("maxpool", 0, 0),
    ("maxpool", 30, 55),
    ("layer1", 20, 3),
    ("layer2", 14, 14),
    ("layer2", 27, 0),
    ("layer3", 0, 13),
    ("layer3", 7, 6),
    ("layer4", 3, 3),
    ("layer4", 6, 0),
]
# Published values (e.g. Araujo et al., 2019, "Computing receptive fields of CNNs"): a cross-check only.
LAYER4_SIZE = {"resnet18": 435, "resnet50": 427}


def _positive_copy(module: nn.Module) -> nn.Module:
    """Every path from input to unit carries a positive gradient: positive weights, identity batch
    norms, and the max-pool replaced by an average pool of the same geometry (max-pool routes the
    gradient to one input per window, which would hide the rest of its field)."""
    model = copy.deepcopy(module).double()
    with torch.no_grad():
        for sub in model.modules():
            if isinstance(sub, nn.Conv2d):
                sub.weight.fill_(1.0 / sub.weight[0].numel())  # keeps activations of order 1
            elif isinstance(sub, nn.BatchNorm2d):
                sub.weight.fill_(1.0), sub.bias.fill_(0.0), sub.running_mean.zero_(), sub.running_var.fill_(1.0)
    pool = model.maxpool
    model.maxpool = nn.AvgPool2d(pool.kernel_size, pool.stride, pool.padding, count_include_pad=True)
    return model


@pytest.mark.parametrize("name", ["resnet18", "resnet50"])
def test_theoretical_field_equals_positive_gradient_support(name):
    loaded = resnet_viz.load_model(name, "DEFAULT", "cpu")
    model = _positive_copy(loaded.module)
    image = torch.rand(1, 3, 224, 224, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) + 0.5
    image.requires_grad_(True)
    with capture_stage_outputs(model) as outputs:
        model(image)
    for stage, row, col in UNITS:
        field = resnet_viz.receptive_field(loaded, stage, row, col)
        (gradient,) = torch.autograd.grad(outputs[stage][0, :, row, col].sum(), image, retain_graph=True)
        support = gradient[0].abs().sum(0).numpy() > 0
        rows, cols = np.nonzero(support)
        x0, y0, x1, y1 = field.box
        assert (cols.min(), rows.min(), cols.max() + 1, rows.max() + 1) == field.box, (stage, row, col)
        assert support[y0:y1, x0:x1].all()  # the whole box, not only its corners
        assert outputs[stage].shape[2:] == field.grid
    assert resnet_viz.receptive_field(loaded, "layer4", 3, 3).size == LAYER4_SIZE[name]
    assert resnet_viz.receptive_field(loaded, "conv1", 0, 0).size == 11  # the stem: 7×7/2 conv, 3×3/2 pool


def test_box_is_clipped_and_size_is_not(resnet18):
    corner = resnet_viz.receptive_field(resnet18, "layer3", 0, 0)
    assert corner.box[:2] == (0, 0) and corner.size == 211
    assert corner.box[2] - corner.box[0] < corner.size  # clipped at the image's edge
    middle = resnet_viz.receptive_field(resnet18.module, "C2", 28, 28, image_size=224)  # paper names work
    assert middle.box[2] - middle.box[0] == middle.size == 43
    with pytest.raises(ModelChoiceError, match="0 to 13"):
        resnet_viz.receptive_field(resnet18, "layer3", 14, 0)


@pytest.mark.parametrize("stage, row, col", [("layer1", 10, 40), ("layer3", 2, 11)])
def test_effective_field_lies_inside_the_box(resnet18, chelsea, stage, row, col):
    hooks = hook_counts(resnet18.module)
    erf = effective_field(resnet18, chelsea, stage, row, col)
    assert hook_counts(resnet18.module) == hooks
    field = resnet_viz.receptive_field(resnet18, stage, row, col)
    x0, y0, x1, y1 = field.box
    assert erf.shape == (224, 224) and erf.sum() > 0
    assert erf[y0:y1, x0:x1].sum() / erf.sum() > 0.999
    # and it is concentrated: the inner half of the box holds more than its share of the mass
    cy, cx, quarter = (y0 + y1) // 2, (x0 + x1) // 2, max(1, field.size // 4)
    inner = erf[max(0, cy - quarter) : cy + quarter, max(0, cx - quarter) : cx + quarter]
    assert inner.sum() / erf.sum() > inner.size / ((x1 - x0) * (y1 - y0))


def test_a_click_maps_to_the_unit_under_it():
    from resnet_viz.trust.panels import unit_at

    # A 28×28 stage shown on a 448-pixel picture: 16 pixels per unit.
    assert unit_at((448, 448), (28, 28), 134.4, 112.0) == (7, 8)
    assert unit_at((448, 448), (28, 28), 0, 0) == (0, 0)
    assert unit_at((448, 448), (28, 28), 447.9, 447.9) == (27, 27)
    assert unit_at((448, 448), (7, 7), 448, 448) == (6, 6)  # the far edge stays inside the grid
