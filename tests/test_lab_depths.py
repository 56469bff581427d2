"""Gradient flow across depths at a seeded init, and the per-block architecture rows, against
independent references (hooks and autograd; torch's FlopCounterMode; torchvision's own modules)."""

import warnings

import pytest
import torch
from torchvision import models as tv_models

from resnet_viz.lab.arch import module_flops
from resnet_viz.lab.blockrows import block_table, block_table_html
from resnet_viz.lab.charts import chart_png, depth_flow_chart
from resnet_viz.lab.depths import depth_gradient_flow, seeded_resnet


def _batch(size=96, seed=1):
    return torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(seed))


def _reference_norms(model, x, target):
    """‖∂ logit / ∂ block input‖ by forward pre-hooks on the blocks and one autograd call."""
    inputs = []
    blocks = [b for stage in (model.layer1, model.layer2, model.layer3, model.layer4) for b in stage]
    handles = [b.register_forward_pre_hook(lambda m, a: inputs.append(a[0])) for b in blocks]
    try:
        logits = model(x.clone().requires_grad_(True))
    finally:
        for h in handles:
            h.remove()
    return [float(g.norm()) for g in torch.autograd.grad(logits[0, target], inputs)]


def test_depth_flow_is_seeded_and_equals_hooks_on_a_train_mode_model():
    x = _batch()
    before = torch.get_rng_state()
    first = depth_gradient_flow(x, 1281, depths=(18, 50))
    assert torch.equal(torch.get_rng_state(), before)  # the global generator is left as it was
    assert depth_gradient_flow(x, 1281, depths=(18, 50)) == first  # same seed, same numbers
    assert first.target == 281 and first.batch_statistics
    flow18 = first.flows[0]
    assert flow18.depth == 18 and len(flow18.names) == 8 and len(first.flows[1].names) == 16
    # Reference: the same seeded init built here, BatchNorm on batch statistics (train mode).
    torch.manual_seed(0)
    reference = tv_models.resnet18().train()
    assert flow18.residual == pytest.approx(_reference_norms(reference, x, 281), rel=1e-4)
    # The running-statistics variant is a different measurement, not a relabelling.
    running = depth_gradient_flow(x, 281, depths=(18,), batch_statistics=False)
    assert running.flows[0].residual != pytest.approx(flow18.residual, rel=1e-2)
    assert depth_gradient_flow(x, 281, depths=(18,), seed=1).flows[0].residual != pytest.approx(
        flow18.residual, rel=1e-3
    )


def test_seeded_resnet_is_the_same_init_every_time_and_frozen():
    a, b = seeded_resnet(18, 3), seeded_resnet(18, 3)
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))
    assert not any(p.requires_grad for p in a.parameters())


def test_depth_chart_draws_in_english_and_korean_without_missing_glyphs():
    flows = depth_gradient_flow(_batch(64), 3, depths=(18, 34))
    for lang in ("en", "ko"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a missing glyph is a warning: fail on it
            png = chart_png(depth_flow_chart, flows, lang=lang)
        assert png.startswith(b"\x89PNG") and len(png) > 20_000
    assert chart_png(depth_flow_chart, flows) == chart_png(depth_flow_chart, flows)  # same input, same bytes


@pytest.mark.parametrize("name", ["resnet18", "resnet50"])
def test_block_rows_mark_shortcuts_and_add_up(name):
    model = tv_models.get_model(name)
    stages = block_table(model)
    blocks = [row for stage in stages for row in stage.blocks]
    for row in blocks:  # the mark says what the module has
        stage, index = row.name.split(".")
        module = getattr(model, stage)[int(index)]
        assert (row.shortcut == "projection") == (module.downsample is not None)
        if module.downsample is not None:
            assert f"stride {module.downsample[0].stride[0]}" in row.projection
    projections = [(row.name, row.projection) for row in blocks if row.shortcut == "projection"]
    if name == "resnet50":  # the bottleneck's first block projects 64 → 256 without striding
        assert projections[0] == ("layer1.0", "1×1 conv 64→256, stride 1 + BN")
        assert projections[1] == ("layer2.0", "1×1 conv 256→512, stride 2 + BN")
        assert [s.out_shape for s in stages] == [(256, 56, 56), (512, 28, 28), (1024, 14, 14), (2048, 7, 7)]
        assert blocks[3].convs == "1×1, 128 → 3×3, 128, stride 2 → 1×1, 512"
    else:
        assert [row.shortcut for row in stages[0].blocks] == ["identity", "identity"]
        assert [p[0] for p in projections] == ["layer2.0", "layer3.0", "layer4.0"]
    assert len(projections) == (4 if name == "resnet50" else 3)
    flops = module_flops(model)
    stem_and_head = sum(p.numel() for m in (model.conv1, model.bn1, model.fc) for p in m.parameters())
    assert sum(s.parameters for s in stages) + stem_and_head == sum(p.numel() for p in model.parameters())
    for stage in stages:
        assert stage.parameters == sum(p.numel() for p in getattr(model, stage.name).parameters())
        assert 2 * stage.macs == flops[stage.name]  # torch's FlopCounterMode (2 per multiply-add) on a real forward
    # One unit: the stages plus the stem conv and the fc add up to the model's total multiply-adds.
    stem_and_fc = model.conv1.out_channels * 112 * 112 * 3 * 49 + model.fc.in_features * model.fc.out_features
    assert sum(s.macs for s in stages) + stem_and_fc == flops["total"] // 2
    total_gmacs = round(flops["total"] / 2e9, 2)
    assert total_gmacs == {"resnet18": 1.81, "resnet50": 4.09}[name]  # torchvision's meta: 1.814 and 4.089


def test_block_rows_html_opens_per_stage_with_marks_in_both_languages():
    stages = block_table(tv_models.resnet50())
    english = block_table_html(stages, "en")
    assert english.count("<details>") == 4 and "conv3_x · layer2" in english
    assert english.count('class="rv-projection"') == 4 and english.count('class="rv-identity"') == 12
    korean = block_table_html(stages, "ko")
    assert "프로젝션" in korean and "항등" in korean and "매개변수" in korean and "사영" not in korean
    # GMACs, one unit, named; the V1.5 stride placement is said where the strides are printed.
    assert "GFLOPs</" not in english and english.count(" GMACs</summary>") == 4 and "multiply-adds" in english
    assert "“V1.5”" in english and "3.8 GFLOPs" in english and "4.1 GMACs" in english
    assert "“V1.5”" in korean and "4.1 GMACs" in korean
    assert "V1.5" not in block_table_html(block_table(tv_models.resnet18()), "en")  # BasicBlock: as in the paper
    assert "stride 2" in english and "스트라이드 2" in korean and "stride" not in korean
