"""Sanity checks for saliency maps (Adebayo et al., 2018) on the app's own image and model:
cascading randomisation of a *copy* of the model, and the class check."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn

from ..analysis import analyze, preprocess
from ..errors import ModelChoiceError
from ..images import ImageSource, load_image
from ..models import LoadedModel
from ..stages import CAM_STAGES
from .similarity import spearman, ssim

# Cumulative, from the top: step k re-initialises these modules and keeps those of the steps before.
RANDOMIZATION_STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("fc", ("fc",)),
    ("layer4", ("layer4",)),
    ("layer3", ("layer3",)),
    ("layer2", ("layer2",)),
    ("layer1", ("layer1",)),
    ("conv1", ("conv1", "bn1")),  # the stem: its convolution and its batch norm
)
DEFAULT_SEED = 0
# Below this rank correlation we call a map "changed" (Adebayo et al. read the same curves by eye).
CHANGED_BELOW = 0.5
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class SanityStep:
    randomized_up_to: str  # the last group re-initialised: fc, layer4, …, conv1
    cam: np.ndarray  # (H, W) in [0, 1]
    spearman: float  # against the original map; NaN when a map is constant
    ssim: float


@dataclass(frozen=True)
class SanityResult:
    stage: str
    method: str
    target: int
    target_label: str
    original: np.ndarray
    steps: tuple[SanityStep, ...]
    image: object  # PIL image, as the network sees it

    def _below(self, step: SanityStep) -> bool:
        return bool(np.isnan(step.spearman) or step.spearman < CHANGED_BELOW)

    @property
    def first_changed(self) -> str | None:
        """The first step whose map no longer ranks pixels like the original (ρ below CHANGED_BELOW, or flat)."""
        return next((s.randomized_up_to for s in self.steps if self._below(s)), None)

    @property
    def pattern(self) -> str:
        """What the whole cascade says, every step read: "same" (ρ ≥ CHANGED_BELOW at every step),
        "changed" (below from first_changed on, to the end) or "mixed" (below, then back above)."""
        below = [self._below(s) for s in self.steps]
        if not any(below):
            return "same"
        first = below.index(True)
        return "changed" if all(below[first:]) else "mixed"

    @property
    def changed(self) -> bool:
        """True when the map changed and stayed changed down the cascade (pattern "changed")."""
        return self.pattern == "changed"

    @property
    def recovered(self) -> str | None:
        """For a "mixed" cascade: the first step after first_changed whose map ranks like the original again."""
        seen = False
        for step in self.steps:
            seen = seen or self._below(step)
            if seen and not self._below(step):
                return step.randomized_up_to
        return None

    @property
    def lowest(self) -> SanityStep | None:
        """The step with the lowest defined ρ (None when every map was flat)."""
        defined = [s for s in self.steps if not np.isnan(s.spearman)]
        return min(defined, key=lambda s: s.spearman) if defined else None

    @property
    def highest(self) -> SanityStep | None:
        defined = [s for s in self.steps if not np.isnan(s.spearman)]
        return max(defined, key=lambda s: s.spearman) if defined else None

    def _repr_png_(self) -> bytes:  # Jupyter shows the randomisation strip (resnet_viz/notebook.py)
        from ..notebook import sanity_png

        return sanity_png(self)


def check_stage(stage: str) -> str:
    if stage not in CAM_STAGES:
        raise ModelChoiceError("no_cam_stage", stage=stage, choices=", ".join(CAM_STAGES))
    return stage


@torch.no_grad()
def reinitialize(module: nn.Module, generator: torch.Generator) -> None:
    """Draw fresh weights as torchvision's ResNet initialises them: He-normal (fan-out) convolutions,
    batch norms at identity with fresh statistics, PyTorch's default for the linear layer."""
    for sub in module.modules():
        if isinstance(sub, nn.Conv2d):
            std = (2.0 / (sub.out_channels * sub.kernel_size[0] * sub.kernel_size[1])) ** 0.5
            sub.weight.copy_(torch.randn(sub.weight.shape, generator=generator) * std)
            if sub.bias is not None:
                sub.bias.zero_()
        elif isinstance(sub, nn.BatchNorm2d):
            sub.reset_parameters()
        elif isinstance(sub, nn.Linear):
            bound = 1.0 / sub.in_features**0.5
            sub.weight.copy_(torch.rand(sub.weight.shape, generator=generator) * 2 * bound - bound)
            if sub.bias is not None:
                sub.bias.copy_(torch.rand(sub.bias.shape, generator=generator) * 2 * bound - bound)


def randomize_step(model: nn.Module, step: int, seed: int = DEFAULT_SEED) -> None:
    """Re-initialise the modules of step `step` (0 = fc) of `model` in place, with a seed per step."""
    generator = torch.Generator().manual_seed(seed * 1000 + step)
    for name in RANDOMIZATION_STEPS[step][1]:
        module = _step_module(model, name)
        if module is not None:
            reinitialize(module, generator)


def _step_module(model: nn.Module, name: str) -> nn.Module | None:
    """The module a step names, in any ResNet: timm's classifier and stage modules (ResNetV2's
    'head.fc', 'stages.3', 'stem'); None for a part the model has not (ResNetV2's stem has no BN)."""
    from ..stages import model_stages

    if not hasattr(model, "feature_info"):
        return getattr(model, name)
    if name == "fc":
        return model.get_classifier()
    if name.startswith("layer"):
        return model.get_submodule(model_stages(model)[int(name[5:])].name)
    if hasattr(model, name):
        return getattr(model, name)
    return model.stem if name == "conv1" and hasattr(model, "stem") else None


def private_copy(loaded: LoadedModel) -> LoadedModel:
    """A LoadedModel on a deep copy of the module, with its own lock: changing it cannot touch the shared one."""
    with loaded.lock:  # no hooks of another request are copied along
        module = copy.deepcopy(loaded.module)
    return replace(loaded, module=module, lock=threading.Lock())


def cascading_randomization(
    loaded: LoadedModel,
    image: ImageSource,
    stage: str = "layer4",
    target: int | str | None = None,
    method: str = "gradcam",
    seed: int = DEFAULT_SEED,
    progress: Progress | None = None,
) -> SanityResult:
    """The stage's CAM for one class, after each cumulative re-initialisation of a copy of the model."""
    check_stage(stage)
    picture = load_image(image)
    report = progress or (lambda _f, _d: None)
    report(0.0, "original")
    original = analyze(loaded, picture, target=target, method=method)
    index = original.target.index
    base = original.stage(stage).cam
    work = private_copy(loaded)
    steps = []
    for number, (name, _modules) in enumerate(RANDOMIZATION_STEPS):
        report((number + 1) / (len(RANDOMIZATION_STEPS) + 1), name)
        randomize_step(work.module, number, seed)
        cam = analyze(work, picture, target=index, method=method).stage(stage).cam
        steps.append(SanityStep(name, cam, spearman(base, cam), ssim(base, cam)))
    return SanityResult(stage, original.method, index, original.target.label, base, tuple(steps), original.image)


@dataclass(frozen=True)
class ClassCheck:
    stage: str
    top1: int
    random_class: int
    least_likely: int
    labels: tuple[str, str, str]  # top-1, random, least likely
    cams: tuple[np.ndarray, np.ndarray, np.ndarray]
    spearman_random: float
    spearman_least: float
    image: object

    def _repr_png_(self) -> bytes:  # Jupyter shows the three classes' maps (resnet_viz/notebook.py)
        from ..notebook import class_check_png

        return class_check_png(self)


def class_probabilities(loaded: LoadedModel, image: ImageSource) -> np.ndarray:
    """Softmax over the classes for one image; a plain forward (no hooks) on the shared model."""
    _shown, batch = preprocess(loaded.transforms, load_image(image))
    with loaded.lock, torch.no_grad():
        logits = loaded.module(batch.to(loaded.device))
    return torch.softmax(logits[0].float(), dim=0).cpu().numpy()


def pick_classes(probabilities: np.ndarray, seed: int = DEFAULT_SEED) -> tuple[int, int, int]:
    """Top-1, a random other class (fixed seed) and the least likely class. With two classes
    there is no third one: the random class is then the other class too."""
    top1, least = int(probabilities.argmax()), int(probabilities.argmin())
    if top1 == least:  # one class, or all equally likely
        raise ModelChoiceError("class_check_flat")
    others = [i for i in range(len(probabilities)) if i not in (top1, least)] or [least]
    return top1, int(np.random.default_rng(seed).choice(others)), least


def class_check(
    loaded: LoadedModel, image: ImageSource, stage: str = "layer4", method: str = "gradcam", seed: int = DEFAULT_SEED
) -> ClassCheck:
    """Does the map depend on the class? The top-1 map beside a random class's and the least likely's."""
    check_stage(stage)
    picture = load_image(image)
    top1, random_class, least = pick_classes(class_probabilities(loaded, picture), seed)
    results = [analyze(loaded, picture, target=index, method=method) for index in (top1, random_class, least)]
    cams = tuple(r.stage(stage).cam for r in results)
    return ClassCheck(
        stage,
        top1,
        random_class,
        least,
        tuple(r.target.label for r in results),
        cams,  # type: ignore[arg-type]
        spearman(cams[0], cams[1]),
        spearman(cams[0], cams[2]),
        results[0].image,
    )


def changed_parameters(before: nn.Module, after: nn.Module) -> list[str]:
    """Names of parameters and buffers whose values differ between two models of one architecture."""
    old = dict(before.state_dict())
    return [name for name, value in after.state_dict().items() if not torch.equal(old[name], value)]


def step_parameters(model: nn.Module, steps: Sequence[int]) -> list[str]:
    """The parameter and buffer names the given randomisation steps re-initialise."""
    prefixes = tuple(f"{name}." for step in steps for name in RANDOMIZATION_STEPS[step][1])
    return [name for name in model.state_dict() if name.startswith(prefixes)]
