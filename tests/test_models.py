import bad_inputs
import pytest
import torch
from torchvision import models as tv_models

import resnet_viz
from resnet_viz import models


@pytest.fixture()
def three_class_checkpoint(tmp_path):
    torch.manual_seed(1)
    model = tv_models.resnet18(num_classes=3)
    path = tmp_path / "pets.pt"
    torch.save(model.state_dict(), path)
    names = tmp_path / "names.txt"
    names.write_text("cat\ndog\nbird\n")
    return model, path, names


def test_checkpoint_round_trip(three_class_checkpoint, chelsea):
    original, path, names = three_class_checkpoint
    loaded = resnet_viz.load_model(None, weights=str(path), device="cpu", class_names=str(names))
    assert (loaded.name, loaded.weights_status, loaded.categories) == ("resnet18", "checkpoint", ("cat", "dog", "bird"))
    for key, value in original.state_dict().items():
        torch.testing.assert_close(loaded.module.state_dict()[key], value)
    result = resnet_viz.analyze(loaded, chelsea, top_k=5)
    assert len(result.predictions) == 3
    assert {label for label, _ in result.predictions} == {"cat", "dog", "bird"}
    assert abs(sum(p for _, p in result.predictions) - 1) < 1e-5
    assert result.stage("layer4").cam.shape == (224, 224)


def test_checkpoint_in_a_training_wrapper_without_names(tmp_path):
    model = tv_models.resnet34(num_classes=10)
    path = tmp_path / "wrapped.pth"
    torch.save({"epoch": 3, "state_dict": {f"module.{k}": v for k, v in model.state_dict().items()}}, path)
    loaded = resnet_viz.load_model("resnet34", weights=str(path), device="cpu")
    assert loaded.categories[:2] == ("class 0", "class 1") and loaded.num_classes == 10


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_bytes(b"not a checkpoint at all"), "is not a readable PyTorch file"),
        (lambda p: p.write_bytes(b""), "is not a readable PyTorch file"),
        (bad_inputs.checkpoint_with_objects, "refused: it holds Python objects"),
        (bad_inputs.raw_pickle, "is not a readable PyTorch file|refused"),
        (lambda p: torch.save(tv_models.vgg11().state_dict(), p), "is not a torchvision ResNet"),
        (lambda p: torch.save([torch.zeros(3)], p), "is not a state_dict"),
    ],
    ids=["garbage", "empty", "pickled-object", "raw-pickle", "vgg", "list"],
)
def test_bad_checkpoints_name_the_file_and_the_problem(tmp_path, make, message):
    path = tmp_path / "bad.pt"
    make(path)
    with pytest.raises(resnet_viz.CheckpointError, match=message) as info:
        resnet_viz.load_model(None, weights=str(path), device="cpu")
    assert "bad.pt" in str(info.value)


def test_checkpoint_for_another_architecture(three_class_checkpoint):
    _, path, _ = three_class_checkpoint
    with pytest.raises(resnet_viz.CheckpointError, match="holds a resnet18, not a resnet50"):
        resnet_viz.load_model("resnet50", weights=str(path), device="cpu")


def test_class_names_that_do_not_match_the_checkpoint(three_class_checkpoint, tmp_path):
    _, path, _ = three_class_checkpoint
    names = tmp_path / "four.txt"
    names.write_text("a\nb\nc\nd\n")
    with pytest.raises(resnet_viz.CheckpointError, match="has 4 names, but checkpoint pets.pt has 3 classes"):
        resnet_viz.load_model(None, weights=str(path), device="cpu", class_names=str(names))


def test_offline_falls_back_to_random_weights_and_says_why(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    models.clear_model_cache()
    loaded = resnet_viz.load_model("resnet18", device="cpu")
    assert loaded.weights_status == "untrained" and not loaded.is_pretrained
    assert "resnet-viz weights fetch resnet18" in loaded.weights_note
    assert len(loaded.categories) == 1000  # torchvision's category names are still there
    assert not resnet_viz.is_available_offline("resnet18")
    models.clear_model_cache()


def test_corrupt_cached_weights_file_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    models.clear_model_cache()
    cached = models.cached_weights_path(tv_models.ResNet18_Weights.DEFAULT)
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"\x00garbage")
    assert resnet_viz.is_available_offline("resnet18")
    loaded = resnet_viz.load_model("resnet18", device="cpu")
    assert loaded.weights_status == "untrained"
    assert str(cached) in loaded.weights_note and "Delete it" in loaded.weights_note
    models.clear_model_cache()


def test_cached_weights_are_used(monkeypatch, tmp_path, chelsea):
    """The real path users get: torchvision's weights from the hub cache, here a file we made."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    models.clear_model_cache()
    cached = models.cached_weights_path(tv_models.ResNet18_Weights.DEFAULT)
    cached.parent.mkdir(parents=True)
    torch.manual_seed(7)
    source = tv_models.resnet18()
    torch.save(source.state_dict(), cached)
    loaded = resnet_viz.load_model("resnet18", device="cpu")
    assert loaded.weights_status == "pretrained" and loaded.weights_label == "IMAGENET1K_V1"
    torch.testing.assert_close(loaded.module.fc.weight, source.fc.weight)
    models.clear_model_cache()


def test_models_are_cached_and_bounded():
    models.clear_model_cache()
    first = resnet_viz.load_model("resnet18", device="cpu")
    assert resnet_viz.load_model("resnet18", device="cpu") is first
    for name in ("resnet34", "resnet50", "resnet101"):
        resnet_viz.load_model(name, weights="random", device="cpu")
    assert len(models._cache) == models._MODEL_CACHE_SIZE
    assert resnet_viz.load_model("resnet18", device="cpu") is not first
    models.clear_model_cache()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "resnet42"}, "Unknown model 'resnet42'"),
        ({"name": "resnet18", "weights": "IMAGENET1K_V2"}, "resnet18 has no weights 'IMAGENET1K_V2'"),
        ({"name": "resnet18", "device": "cuda:0" if not torch.cuda.is_available() else "tpu"}, "cuda|Unknown device"),
    ],
)
def test_bad_model_choices(kwargs, message):
    with pytest.raises(resnet_viz.ModelChoiceError, match=message):
        resnet_viz.load_model(**kwargs)


def test_weights_enums_and_transforms():
    assert models.weights_choices("resnet50") == ["DEFAULT", "IMAGENET1K_V1", "IMAGENET1K_V2"]
    loaded = resnet_viz.load_model("resnet50", weights="IMAGENET1K_V1", device="cpu")
    assert loaded.transforms.resize_size == [256]
    assert resnet_viz.load_model("resnet50", device="cpu").transforms.resize_size == [232]  # V2
    models.clear_model_cache()
