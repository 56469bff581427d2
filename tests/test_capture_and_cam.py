"""Numbers against independent references: torchvision's feature extractor and grad-cam's own classes."""

import copy

import numpy as np
import pytest
import torch
from conftest import hook_counts
from pytorch_grad_cam import EigenCAM
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
from pytorch_grad_cam.utils.svd_on_activations import get_2d_projection, get_2d_projection_with_sign_correction
from torchvision.models.feature_extraction import create_feature_extractor

import resnet_viz
from resnet_viz.analysis import preprocess
from resnet_viz.cam import CAM_METHODS
from resnet_viz.capture import capture_stage_outputs
from resnet_viz.stages import CAM_STAGES, STAGES


def _trainable_copy(loaded):
    # grad-cam's reference path needs parameters that require grad; ours are frozen.
    model = copy.deepcopy(loaded.module).requires_grad_(True)
    return model.eval()


class SignCorrectedEigenCAM(EigenCAM):
    """grad-cam's EigenCAM with grad-cam's own sign correction (Seg-Eigen-CAM eq. 13): the convention
    we state. Plain EigenCAM keeps whatever sign LAPACK's SVD returns."""

    def get_cam_image(self, input_tensor, target_layer, targets, activations, grads, eigen_smooth=False):
        return get_2d_projection_with_sign_correction(activations)


def reference_class(method):
    return SignCorrectedEigenCAM if method == "eigencam" else CAM_METHODS[method].cam_class


def test_capture_equals_create_feature_extractor(resnet18, chelsea):
    _, batch = preprocess(resnet18.transforms, resnet_viz.load_image(chelsea))
    extractor = create_feature_extractor(resnet18.module, return_nodes=[s.name for s in STAGES])
    with torch.no_grad():
        expected = extractor(batch)
    result = resnet_viz.analyze(resnet18, chelsea)
    for stage in result.stages:
        assert stage.activation.shape == expected[stage.name].shape[1:]
        torch.testing.assert_close(stage.activation, expected[stage.name][0], rtol=1e-5, atol=1e-5)
    with torch.no_grad(), capture_stage_outputs(resnet18.module) as captured:
        resnet18.module(batch)
    assert set(captured) == {s.name for s in STAGES}


def test_preprocess_equals_weights_transforms(resnet18, chelsea):
    image = resnet_viz.load_image(chelsea)
    shown, batch = preprocess(resnet18.transforms, image)
    assert shown.size == (224, 224)
    torch.testing.assert_close(batch[0], resnet18.transforms(image))


@pytest.mark.parametrize("method", list(CAM_METHODS))
def test_each_stage_cam_equals_single_layer_gradcam(resnet18, chelsea, method):
    target = 281  # tabby: a class other than top-1, so targeting is exercised too
    result = resnet_viz.analyze(resnet18, chelsea, target=target, method=method)
    _, batch = preprocess(resnet18.transforms, resnet_viz.load_image(chelsea))
    reference_model = _trainable_copy(resnet18)
    cam_class = reference_class(method)
    for name in CAM_STAGES:
        with cam_class(reference_model, target_layers=[getattr(reference_model, name)]) as reference:
            expected = reference(batch, targets=[ClassifierOutputTarget(target)])[0]
        got = result.stage(name).cam
        assert got.shape == expected.shape == (224, 224)
        np.testing.assert_allclose(got, expected, atol=1e-4, err_msg=f"{method} {name}")
        assert got.min() >= 0 and got.max() <= 1 + 1e-6


def test_resnet50_layer4_gradcam_matches_reference(chelsea):
    loaded = resnet_viz.load_model("resnet50", device="cpu")
    result = resnet_viz.analyze(loaded, chelsea)
    _, batch = preprocess(loaded.transforms, resnet_viz.load_image(chelsea))
    model = _trainable_copy(loaded)
    with CAM_METHODS["gradcam"].cam_class(model, target_layers=[model.layer4]) as reference:
        expected = reference(batch, targets=[ClassifierOutputTarget(result.target.index)])[0]
    np.testing.assert_allclose(result.stage("layer4").cam, expected, atol=1e-4)


def test_predictions_are_the_softmax_of_the_models_output(resnet18, chelsea):
    result = resnet_viz.analyze(resnet18, chelsea, top_k=5)
    _, batch = preprocess(resnet18.transforms, resnet_viz.load_image(chelsea))
    with torch.no_grad():
        probabilities = torch.softmax(resnet18.module(batch)[0], 0)
    top = torch.topk(probabilities, 5)
    assert [label for label, _ in result.predictions] == [resnet18.categories[i] for i in top.indices.tolist()]
    np.testing.assert_allclose([p for _, p in result.predictions], top.values.numpy(), rtol=1e-5)
    assert result.target.index == int(top.indices[0])


def test_one_forward_and_one_backward_per_analysis(resnet18, chelsea):
    """The design guard of issue 3: predictions, activations and CAMs share one pass each way."""
    forwards, backwards = [], []
    fc = resnet18.module.fc
    handles = [fc.register_forward_hook(lambda *a: forwards.append(1))]
    original = torch.autograd.grad
    calls = []

    def counting_grad(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    torch.autograd.grad = counting_grad
    try:
        handles.append(resnet18.module.layer1.register_full_backward_hook(lambda *a: backwards.append(1)))
        resnet_viz.analyze(resnet18, chelsea)
    finally:
        torch.autograd.grad = original
        for handle in handles:
            handle.remove()
    assert len(forwards) == 1
    assert len(calls) == 1
    # layer1's input is never differentiated: the backward stops at the stage outputs.
    assert backwards == []


def test_hooks_are_removed_after_analysis_and_after_errors(resnet18, chelsea):
    before = hook_counts(resnet18.module)
    resnet_viz.analyze(resnet18, chelsea)
    assert hook_counts(resnet18.module) == before
    with pytest.raises(resnet_viz.ModelChoiceError, match="out of range"):
        resnet_viz.analyze(resnet18, chelsea, target=5000)
    assert hook_counts(resnet18.module) == before
    with pytest.raises(RuntimeError, match="boom"), capture_stage_outputs(resnet18.module):
        raise RuntimeError("boom")
    assert hook_counts(resnet18.module) == before
    assert all(p.grad is None for p in resnet18.module.parameters())


def test_target_by_name_and_index(resnet18, chelsea):
    by_name = resnet_viz.analyze(resnet18, chelsea, target="Egyptian cat")
    by_index = resnet_viz.analyze(resnet18, chelsea, target=285)
    assert by_name.target.index == by_index.target.index == 285
    np.testing.assert_array_equal(by_name.stage("layer4").cam, by_index.stage("layer4").cam)
    with pytest.raises(resnet_viz.ModelChoiceError, match="No class is named 'unicorn'"):
        resnet_viz.analyze(resnet18, chelsea, target="unicorn")


def test_shared_normalisation_puts_stages_on_one_scale(resnet18, chelsea):
    per_stage = resnet_viz.analyze(resnet18, chelsea, normalization="per-stage")
    shared = resnet_viz.analyze(resnet18, chelsea, normalization="shared")
    per_stage_max = [per_stage.stage(n).cam.max() for n in CAM_STAGES]
    shared_max = [shared.stage(n).cam.max() for n in CAM_STAGES]
    assert all(abs(m - 1) < 1e-5 for m in per_stage_max)
    assert abs(max(shared_max) - 1) < 1e-5 and min(shared_max) < 0.99
    for name in CAM_STAGES:  # same maps up to scale
        a, b = per_stage.stage(name).cam, shared.stage(name).cam
        assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.999


def test_eigencam_projection_is_grad_cams_up_to_its_sign(resnet18, chelsea):
    """Our first component (from the small Gram matrix) equals grad-cam's full-SVD projection up to the
    sign, and its sign is the one grad-cam's sign correction picks."""
    from resnet_viz.cam import first_component_projection

    _, batch = preprocess(resnet18.transforms, resnet_viz.load_image(chelsea))
    batch = torch.nn.functional.interpolate(batch, size=(160, 160), mode="bilinear")  # grad-cam's full SVD is slow
    with torch.no_grad(), capture_stage_outputs(resnet18.module, CAM_STAGES) as captured:
        resnet18.module(batch)
    for name in CAM_STAGES:
        activations = captured[name]
        ours = first_component_projection(activations)[0].numpy()
        plain = get_2d_projection(activations.numpy())[0]
        corrected = get_2d_projection_with_sign_correction(activations.numpy())[0]
        scale = np.abs(plain).max()
        sign = 1 if np.abs(ours - plain).max() < np.abs(ours + plain).max() else -1
        np.testing.assert_allclose(ours / scale, sign * plain / scale, atol=1e-4, err_msg=name)
        np.testing.assert_allclose(ours / scale, corrected / scale, atol=1e-4, err_msg=name)
        assert abs(ours.max()) >= abs(ours.min())


def _per_layer_reference(loaded, batch, cam_class, target):
    """grad-cam's own per-layer maps for all four stages from one of its passes: each stage's map is
    what cam_class(target_layers=[stage]) returns (scale_cam_image re-normalises a one-layer mean)."""
    from pytorch_grad_cam.utils.image import scale_cam_image

    model = _trainable_copy(loaded)
    captured = []
    with cam_class(model, target_layers=[getattr(model, name) for name in CAM_STAGES]) as cam:
        cam.aggregate_multi_layers = lambda per_layer: captured.append(per_layer) or per_layer[0][:, 0]
        cam(batch, targets=[target])
    return {name: scale_cam_image(layer[:, 0])[0] for name, layer in zip(CAM_STAGES, captured[0])}


@pytest.mark.parametrize("method", [m for m in CAM_METHODS if CAM_METHODS[m].uses_gradients])
def test_contrastive_maps_equal_grad_cam_for_the_logit_difference(resnet18, chelsea, method):
    """analyze(target=A, contrast=B): every stage's map is grad-cam's for the target logit_A − logit_B."""
    a, b = 281, 285  # tabby vs Egyptian cat
    result = resnet_viz.analyze(resnet18, chelsea, target=a, contrast="Egyptian cat", method=method)
    assert (result.target.index, result.contrast.index, result.contrast.label) == (a, b, "Egyptian cat")
    _, batch = preprocess(resnet18.transforms, resnet_viz.load_image(chelsea))
    expected = _per_layer_reference(resnet18, batch, CAM_METHODS[method].cam_class, lambda out: out[a] - out[b])
    plain = resnet_viz.analyze(resnet18, chelsea, target=a, method=method)
    for name in CAM_STAGES:
        np.testing.assert_allclose(result.stage(name).cam, expected[name], atol=1e-4, err_msg=f"{method} {name}")
    assert any(np.abs(result.stage(n).cam - plain.stage(n).cam).max() > 0.05 for n in CAM_STAGES)


def test_contrast_is_refused_where_it_means_nothing(resnet18, chelsea):
    with pytest.raises(resnet_viz.ModelChoiceError, match="class-agnostic"):
        resnet_viz.analyze(resnet18, chelsea, method="eigencam", contrast=3)
    with pytest.raises(resnet_viz.ModelChoiceError, match="contrast class is the target class"):
        resnet_viz.analyze(resnet18, chelsea, target=7, contrast="7")
    with pytest.raises(resnet_viz.ModelChoiceError, match="No class is named 'unicorn'"):
        resnet_viz.analyze(resnet18, chelsea, contrast="unicorn")
    assert resnet_viz.analyze(resnet18, chelsea).contrast is None


def test_stage_result_holds_its_spec(resnet18, chelsea):
    result = resnet_viz.analyze(resnet18, chelsea)
    assert [s.spec for s in result.stages] == list(STAGES)
    layer3 = result.stage("conv4_x")
    assert (layer3.name, layer3.paper_name, layer3.level) == ("layer3", "conv4_x", "C4")
    assert layer3.label == "layer3 · conv4_x (C4)" and layer3.shape_text == "256×14×14"
    assert result.stage("C1").label == "conv1 · stem (C1)"


def test_uses_gradients_is_grad_cams_own():
    assert {k: m.uses_gradients for k, m in CAM_METHODS.items()} == {
        k: m.cam_class(torch.nn.Linear(1, 1), target_layers=[]).uses_gradients for k, m in CAM_METHODS.items()
    }
    assert not CAM_METHODS["eigencam"].uses_gradients and CAM_METHODS["gradcam"].uses_gradients


def test_top_eigenvector_matches_eigh_also_when_power_iteration_cannot_converge():
    from resnet_viz.cam import top_eigenvector

    generator = torch.Generator().manual_seed(1)
    basis, _ = torch.linalg.qr(torch.randn(100, 100, generator=generator, dtype=torch.float64))
    for spectrum in (
        torch.logspace(0, -6, 100, dtype=torch.float64),  # falls fast: iterates
        torch.linspace(1.0, 0.99, 100, dtype=torch.float64),
    ):  # no gap to speak of: falls back
        gram = (basis * spectrum) @ basis.T
        value, vector = top_eigenvector(gram[None])
        assert torch.isclose(value[0], spectrum[0])
        assert abs(float(vector[0] @ basis[:, 0])) > 1 - 1e-6
