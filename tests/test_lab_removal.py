"""Block removal ("Predict again without them") for every block of every depth and a checkpoint,
alone and in sets, through the app's path (Grad-CAM's backward included, where an in-place ReLU
crashed it), against a lesion computed here from torchvision's module attributes alone."""

import copy
import threading
from dataclasses import replace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from torchvision import models as tv_models
from torchvision.transforms._presets import ImageClassification

from resnet_viz.errors import ModelChoiceError
from resnet_viz.lab.lesion import lesion_copy
from resnet_viz.lab.removal import (
    RemovalResult,
    removal_gallery,
    removal_gallery_label,
    removal_top_label,
    remove_blocks,
)
from resnet_viz.models import load_model

SIZE = 64  # small input: the test is about paths through the net, not resolution
STAGES = ("layer1", "layer2", "layer3", "layer4")
DEPTHS = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "checkpoint")


def _image() -> Image.Image:
    pixels = np.random.default_rng(3).integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)
    return Image.fromarray(pixels)


def _perturb_bn(module: torch.nn.Module) -> None:
    """BNs that are not identities, so a missing or extra path shows in the output."""
    generator = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.copy_(torch.rand(m.running_mean.shape, generator=generator) * 0.4 - 0.2)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=generator) + 0.5)
                m.weight.copy_(torch.rand(m.weight.shape, generator=generator) + 0.5)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    torch.manual_seed(5)
    path = tmp_path_factory.mktemp("ckpt") / "shapes.pt"
    torch.save(tv_models.resnet18(weights=None, num_classes=3).state_dict(), path)
    names = path.with_name("classes.txt")
    names.write_text("circle\nsquare\ntriangle\n", encoding="utf-8")
    return str(path), str(names)


@pytest.fixture(scope="module", params=DEPTHS)
def loaded(request, checkpoint):
    if request.param == "checkpoint":
        shared = load_model("resnet18", checkpoint[0], "cpu", class_names=checkpoint[1])
    else:
        shared = load_model(request.param, "random", "cpu")
    module = copy.deepcopy(shared.module)  # the cached model stays as other tests expect it
    _perturb_bn(module)
    small = replace(
        shared, module=module, lock=threading.Lock(), transforms=ImageClassification(crop_size=SIZE, resize_size=SIZE)
    )
    # Random deep nets saturate the softmax (one-hot), which would hide any difference: logits of std ~2.
    with torch.no_grad():
        x = small.transforms(_image()).unsqueeze(0)
        module.fc.weight.mul_(2.0 / float(module(x).std()))
    return small


def _names(model) -> list[str]:
    return [f"{stage}.{i}" for stage in STAGES for i in range(len(getattr(model, stage)))]


@torch.no_grad()
def _reference(loaded, removed: set[str]) -> torch.Tensor:
    """Softmax of a forward written from torchvision's attributes: a removed block is relu(shortcut(x))."""
    model = loaded.module
    batch = loaded.transforms(_image()).unsqueeze(0)
    x = model.maxpool(model.relu(model.bn1(model.conv1(batch))))
    for stage in STAGES:
        for i, block in enumerate(getattr(model, stage)):
            if f"{stage}.{i}" in removed:
                x = F.relu(x if block.downsample is None else block.downsample(x))
            else:
                x = block(x)
    return torch.softmax(model.fc(torch.flatten(model.avgpool(x), 1))[0].double(), 0)


_INTACT: dict[int, torch.Tensor] = {}


def _intact(loaded) -> torch.Tensor:
    if id(loaded) not in _INTACT:
        _INTACT[id(loaded)] = _reference(loaded, set())
    return _INTACT[id(loaded)]


def _check(loaded, removed: list[str], method: str = "gradcam") -> None:
    result = remove_blocks(loaded, _image(), removed, method=method)
    want = _reference(loaded, set(removed))
    intact = _intact(loaded)
    got = np.array([p for _, p in result.analysis.predictions])
    top = want.sort(descending=True).values[: len(got)].numpy()
    assert got == pytest.approx(top, rel=1e-3, abs=1e-7), removed
    assert result.analysis.target.probability == pytest.approx(float(want[result.analysis.target.index]), rel=1e-3)
    # The removal is visible: the intact net would not pass the comparison above.
    assert float((want - intact).abs().max()) > 1e-4 * float(want.max()), removed
    assert result.removed == tuple(n for n in _names(loaded.module) if n in set(removed))
    assert result.method == method
    # The given model is untouched: its blocks are still torchvision's own.
    assert all(
        type(b).__name__ in ("BasicBlock", "Bottleneck") for stage in STAGES for b in getattr(loaded.module, stage)
    )
    cams = [s.cam for s in result.analysis.stages if s.cam is not None]
    assert len(cams) == 4 and all(np.isfinite(c).all() for c in cams), removed  # the backward ran


def test_every_single_block(loaded):
    for name in _names(loaded.module):
        _check(loaded, [name])


def test_sets_of_blocks(loaded):
    names = _names(loaded.module)
    model = loaded.module
    identity = [n for n in names if getattr(model, n.split(".")[0])[int(n.split(".")[1])].downsample is None]
    sets = [names, identity, names[1::2], names[::-1][:3]]
    sets += [[n for n in names if n.startswith(stage + ".")] for stage in STAGES]
    sets.append(list(np.random.default_rng(0).choice(names, len(names) // 2, replace=False)))
    for chosen in sets:
        _check(loaded, list(chosen))


def test_the_result_names_its_blocks_and_method():
    shared = load_model("resnet18", "random", "cpu")
    small = replace(shared, transforms=ImageClassification(crop_size=SIZE, resize_size=SIZE))
    result = remove_blocks(small, _image(), ["layer3.1", "layer2.1", "layer3.1"], method="layercam")
    assert isinstance(result, RemovalResult)
    assert (result.removed, result.method, result.method_label) == (("layer2.1", "layer3.1"), "layercam", "LayerCAM")
    assert removal_gallery_label(result, "en") == "LayerCAM per stage with layer2.1, layer3.1 removed"
    assert "LayerCAM" in removal_gallery_label(result, "ko") and "layer3.1" in removal_gallery_label(result, "ko")
    assert removal_top_label(result, "en") == "Top-5 with 2 block(s) removed: layer2.1, layer3.1"
    assert removal_top_label(result, "ko").startswith("블록 2개를 제거한 top-5")
    gallery = removal_gallery(result)
    assert [caption.split(" · ")[0] for _, caption in gallery] == ["layer1", "layer2", "layer3", "layer4"]
    assert all(caption.endswith("· LayerCAM") and image.size == (SIZE, SIZE) for image, caption in gallery)
    none = remove_blocks(small, _image(), [], method="gradcam")
    assert none.removed == () and removal_top_label(none) == "Top-5 with no block removed"


def test_a_block_the_model_lacks_is_refused_by_name():
    small = load_model("resnet18", "random", "cpu")
    with pytest.raises(ModelChoiceError, match=r"resnet18 has no block layer3\.5: choose among layer1\.0 … layer4\.1"):
        remove_blocks(small, _image(), ["layer3.5"])
    with pytest.raises(KeyError, match="layer3.5"):
        lesion_copy(small.module, ["layer3.5"])
