"""The paper study's nets, data, training, lesions and landscape, checked against independent computations."""

import copy

import pytest
import torch
from torch import nn

from resnet_viz.study.data import CLASSES, make_study_data
from resnet_viz.study.landscape import filter_normalised_direction, landscape
from resnet_viz.study.lesions import forward_without, lesioned_error
from resnet_viz.study.models import DEPTHS, KINDS, PadShortcut, StudyNet, parameter_count, weighted_layers
from resnet_viz.study.train import Schedule, evaluate_loss, train_run

# He et al. 2015, Table 6: parameters of the CIFAR-10 ResNets (option A shortcuts), in millions.
TABLE_6 = {20: 0.27, 32: 0.46, 44: 0.66, 56: 0.85, 110: 1.7}


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # bit-for-bit repeatable float sums
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("kind", KINDS)
def test_every_depth_has_6n_plus_2_weighted_layers_and_table_6_parameters(kind):
    for depth in DEPTHS:
        model = StudyNet(kind, depth)
        assert weighted_layers(model) == depth
        assert parameter_count(model) / 1e6 == pytest.approx(TABLE_6[depth], abs=0.005 if depth < 110 else 0.05)
        blocks = model.blocks()
        assert len(blocks) == 3 * (depth - 2) // 6 and [len(s) for s in model.stages] == [(depth - 2) // 6] * 3
        assert [b.downsampling for b in blocks].count(True) == 2  # the first block of stages 2 and 3
        for block in blocks:
            if kind == "plain":
                assert block.shortcut is None
            else:
                assert isinstance(block.shortcut, PadShortcut if block.downsampling else nn.Identity)
            assert isinstance(block.post, nn.Identity if kind == "preact" else nn.ReLU)


def test_a_depth_that_is_not_6n_plus_2_is_refused_with_a_message():
    with pytest.raises(Exception, match="6n\\+2"):
        StudyNet("residual", 21)


def test_make_study_data_is_deterministic_per_seed_and_differs_between_seeds():
    images, labels = make_study_data(40, seed=3)
    again, labels_again = make_study_data(40, seed=3)
    other, _ = make_study_data(40, seed=4)
    assert images.shape == (40, 3, 16, 16) and images.dtype == torch.float32 and labels.dtype == torch.int64
    assert torch.equal(images, again) and torch.equal(labels, labels_again)
    assert not torch.equal(images, other)
    assert sorted(labels.tolist()) == sorted([i % len(CLASSES) for i in range(40)])


def _independent_skip(block, x):
    """What flows past a deleted block, written out without PadShortcut or the block's own modules."""
    convs = [m for m in block.residual.modules() if isinstance(m, nn.Conv2d)]
    stride, extra = convs[0].stride[0], convs[-1].out_channels - convs[0].in_channels
    x = x[:, :, ::stride, ::stride]
    if extra:
        x = torch.cat([x, torch.zeros(x.shape[0], extra, *x.shape[2:])], dim=1)
    return torch.relu(x) if isinstance(block.post, nn.ReLU) else x


class _Deleted(nn.Module):
    def __init__(self, block):
        super().__init__()
        self.block = block

    def forward(self, x):
        return _independent_skip(self.block, x)


@pytest.mark.parametrize("kind", KINDS)
def test_every_single_block_lesion_equals_a_net_with_that_block_swapped_out(kind):
    torch.manual_seed(0)
    model = StudyNet(kind, 20).eval()
    x = torch.randn(6, 3, 16, 16)
    n = len(model.stages[0])
    for index in range(3 * n):
        stage, position = divmod(index, n)
        swapped = copy.deepcopy(model)
        swapped.stages[stage][position] = _Deleted(swapped.stages[stage][position])
        with torch.no_grad():
            assert torch.allclose(forward_without(model, {index}, x), swapped(x), atol=1e-6), index
    with torch.no_grad():
        assert torch.equal(forward_without(model, set(), x), model(x))


def test_lesioned_error_counts_wrong_predictions_of_the_lesioned_net():
    torch.manual_seed(1)
    model = StudyNet("residual", 20).eval()
    images, labels = make_study_data(30, seed=5)
    with torch.no_grad():
        wrong = (forward_without(model, {2, 5}, images).argmax(1) != labels).sum().item()
    assert lesioned_error(model, {2, 5}, images, labels, batch=7) == pytest.approx(100 * wrong / 30)


def test_a_short_seeded_training_run_reproduces_its_own_first_logged_points():
    (images, labels) = make_study_data(160, seed=0)
    train, test = (images[:128], labels[:128]), (images[128:], labels[128:])
    long, _ = train_run("residual", 20, 7, train, test, Schedule(iterations=6, batch=16, log_every=2))
    short, _ = train_run("residual", 20, 7, train, test, Schedule(iterations=6, batch=16, log_every=2), deadline=None)
    assert long["iterations"] == [2, 4, 6] and long["completed"]
    for key in ("train_error", "test_error", "train_loss"):
        assert short[key] == long[key]
    other, _ = train_run("residual", 20, 8, train, test, Schedule(iterations=2, batch=16, log_every=2))
    assert other["train_loss"][0] != long["train_loss"][0]  # the seed matters


def test_a_run_past_its_deadline_stops_and_says_so():
    images, labels = make_study_data(40, seed=0)
    record, _ = train_run(
        "plain", 20, 0, (images, labels), (images, labels), Schedule(iterations=4, batch=8), deadline=0.0
    )
    assert record["completed"] is False and record["iterations"] == []


def test_landscape_at_the_origin_is_the_trained_models_loss_and_leaves_the_weights_alone():
    images, labels = make_study_data(96, seed=2)
    _, model = train_run(
        "residual",
        20,
        0,
        (images[:64], labels[:64]),
        (images[64:], labels[64:]),
        Schedule(iterations=3, batch=16, log_every=3),
    )
    before = [p.detach().clone() for p in model.parameters()]
    result = landscape(model, images[64:], labels[64:], grid=3, span=0.5)
    assert result["loss"][1][1] == pytest.approx(evaluate_loss(model, images[64:], labels[64:]), rel=1e-5)
    assert result["center_loss"] == result["loss"][1][1]
    assert result["loss"][0][0] != result["loss"][1][1]
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_directions_are_filter_normalised_and_skip_batchnorm():
    model = StudyNet("plain", 20)
    for p, d in zip(model.parameters(), filter_normalised_direction(model, seed=1)):
        if p.dim() <= 1:
            assert not d.any()
        else:
            assert torch.allclose(d.flatten(1).norm(dim=1), p.detach().flatten(1).norm(dim=1), rtol=1e-4)
