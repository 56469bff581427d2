"""The residual lab's numbers against independent references (hooks, hand-written forwards)."""

import copy

import pytest
import torch
from conftest import hook_counts
from torch.fx import symbolic_trace
from torchvision import models as tv_models

from resnet_viz.lab.arch import compare_depths, module_flops
from resnet_viz.lab.blocks import residual_blocks, walk
from resnet_viz.lab.gradients import input_grad_norms, plain_copy, shattering
from resnet_viz.lab.lesion import lesion_copy, lesion_sweep, lesioned
from resnet_viz.lab.norms import block_norms


def _model(name="resnet18", seed=0):
    torch.manual_seed(seed)
    model = tv_models.get_model(name, weights=None).eval()
    # Random BN statistics so BNs are not identities and the test can tell paths apart.
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
    return model


def _batch(size=64, seed=1):
    return torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(seed))


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("name", ["resnet18", "resnet50"])
def test_norms_match_hooks_on_the_last_bn_and_downsample(name):
    model, x = _model(name), _batch()
    last_bn = "bn3" if name == "resnet50" else "bn2"
    # Clones: the block adds the shortcut into the BN output in place (out += identity).
    seen: dict[str, torch.Tensor] = {}
    handles = []
    for info, block in residual_blocks(model):
        handles.append(
            getattr(block, last_bn).register_forward_hook(
                lambda m, i, o, n=info.name: seen.__setitem__(n + ".F", o.clone())
            )
        )
        handles.append(
            block.register_forward_hook(lambda m, i, o, n=info.name: seen.__setitem__(n + ".x", i[0].clone()))
        )
        if block.downsample is not None:
            handles.append(
                block.downsample.register_forward_hook(
                    lambda m, i, o, n=info.name: seen.__setitem__(n + ".s", o.clone())
                )
            )
    with torch.no_grad():
        model(x)
    for h in handles:
        h.remove()
    norms = block_norms(model, x)
    assert len(norms) == (8 if name == "resnet18" else 16)
    for n in norms:
        residual = seen[n.info.name + ".F"]
        skip = seen.get(n.info.name + ".s", seen[n.info.name + ".x"])
        assert (n.info.shortcut == "projection") == (n.info.name + ".s" in seen)
        assert n.residual_norm == pytest.approx(float(residual.norm()), rel=1e-4)
        assert n.shortcut_norm == pytest.approx(float(skip.norm()), rel=1e-4)
        cos = torch.nn.functional.cosine_similarity(residual.flatten(), skip.flatten(), dim=0)
        assert n.cosine == pytest.approx(float(cos), abs=1e-4)
        assert n.ratio == pytest.approx(n.residual_norm / n.shortcut_norm)
    assert sum(n.info.shortcut == "projection" for n in norms) == (3 if name == "resnet18" else 4)


def test_lesion_equals_hand_computed_output_and_restores():
    model, x = _model(), _batch()
    before, hooks_before = _state(model), hook_counts(model)
    # By hand: run layer2.1 as relu(x) (identity shortcut, branch zeroed), every other block as is.
    with torch.no_grad():
        h = model.maxpool(model.relu(model.bn1(model.conv1(x))))
        for stage in ("layer1", "layer2", "layer3", "layer4"):
            for i, block in enumerate(getattr(model, stage)):
                h = torch.relu(h) if (stage, i) == ("layer2", 1) else block(h)
        expected = model.fc(torch.flatten(model.avgpool(h), 1))
        with lesioned(model, ["layer2.1"]) as hurt:
            got = hurt(x)
        # A projection block: relu(downsample(x)).
        h = model.layer1(model.maxpool(model.relu(model.bn1(model.conv1(x)))))
        h = model.layer4(model.layer3(model.layer2[1](torch.relu(model.layer2[0].downsample(h)))))
        expected_proj = model.fc(torch.flatten(model.avgpool(h), 1))
        got_proj = lesion_copy(model, ["layer2.0"])(x)
    torch.testing.assert_close(got, expected)
    torch.testing.assert_close(got_proj, expected_proj)
    assert not torch.allclose(got, model(x))  # the lesion changed something
    with pytest.raises(RuntimeError, match="boom"):
        with lesioned(model, ["layer1.0", "layer4.1"]):
            raise RuntimeError("boom")
    after = _state(model)
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert hook_counts(model) == hooks_before
    assert all(type(b).__name__ == "BasicBlock" for _, b in residual_blocks(model))
    assert all("forward" not in m.__dict__ for m in model.modules())
    with pytest.raises(KeyError, match="layer9.0"):
        with lesioned(model, ["layer9.0"]):
            pass


def test_lesion_sweep_rows_match_single_lesions():
    model, x = _model(), _batch()
    intact, top1, rows = lesion_sweep(model, x, target=3)
    with torch.no_grad():
        assert intact == pytest.approx(float(torch.softmax(model(x)[0], 0)[3]), rel=1e-5)
        p = torch.softmax(lesion_copy(model, ["layer3.1"])(x)[0], 0)
    row = next(r for r in rows if r.info.name == "layer3.1")
    assert row.target_prob == pytest.approx(float(p[3]), rel=1e-5)
    assert row.top1 == int(p.argmax())


def _count_adds(module):
    graph = symbolic_trace(module).graph
    return sum(1 for n in graph.nodes if n.op in ("call_function", "call_method") and "add" in str(n.target))


def test_plain_model_has_no_additions_and_keeps_the_weights():
    model = _model()
    before = _state(model)
    plain = plain_copy(model)
    assert _count_adds(model) == 8  # one ⊕ per BasicBlock
    assert _count_adds(plain) == 0
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    plain_weights = {k.replace(".block.", "."): v for k, v in plain.state_dict().items()}
    assert all(torch.equal(plain_weights[k], before[k]) for k in before)


def test_input_grad_norms_match_autograd_with_hooks():
    model, x = _model(), _batch()
    norms = input_grad_norms(model, x, target=5)
    # Reference: retain each block input through forward pre-hooks on a copy.
    ref = copy.deepcopy(model)
    inputs = []
    handles = [b.register_forward_pre_hook(lambda m, a: inputs.append(a[0])) for _, b in residual_blocks(ref)]
    xin = x.clone().requires_grad_(True)
    logits = ref(xin)
    for h in handles:
        h.remove()
    grads = torch.autograd.grad(logits[0, 5], inputs)
    assert norms == pytest.approx([float(g.norm()) for g in grads], rel=1e-4)
    logits_walk, _ = walk(model, x)
    torch.testing.assert_close(logits_walk, model(x))


def test_shattering_is_seeded_and_starts_at_one():
    model, x = _model(), _batch(size=32)
    a = shattering(model, x, target=0, points=4, span=0.4, seed=3)
    b = shattering(model, x, target=0, points=4, span=0.4, seed=3)
    assert a == b
    assert a.residual[0] == pytest.approx(1.0) and a.plain[0] == pytest.approx(1.0)
    assert all(-1 <= c <= 1 + 1e-9 for c in a.residual + a.plain)


def test_flops_and_params_match_torchvision_meta():
    rows = compare_depths()
    assert [r.name for r in rows] == ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"]
    for row in rows:
        assert row.parameters == pytest.approx(row.meta_params, rel=0.01)
        assert row.gflops == pytest.approx(row.meta_gflops, rel=0.01)
        assert 60 < row.acc1 < 90
    assert rows[2].layers_formula == "50 = 1 + 3·(3+4+6+3) + 1"
    assert rows[0].blocks == (2, 2, 2, 2) and rows[4].blocks == (3, 8, 36, 3)
    flops = module_flops(_model())
    assert flops["total"] / 2e9 == pytest.approx(1.814, rel=0.01)
    parts = sum(v for k, v in flops.items() if k != "total")
    assert parts == pytest.approx(flops["total"], rel=1e-3)  # every FLOP belongs to one top-level module
