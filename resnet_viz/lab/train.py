"""`train-demo`: a torchvision resnet18 trained here on drawn shapes, saved as a checkpoint the app loads."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torchvision import models as tv_models

from .shapes import SHAPES, dataset

# The app normalises every checkpoint's input with ImageNet's statistics (models._imagenet_defaults).
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


@dataclass(frozen=True)
class DemoConfig:
    steps: int = 240
    batch: int = 32
    train_images: int = 3000
    held_out: int = 250
    draw_size: int = 128
    # Each step trains at one of these sizes: the app shows the model 224×224 crops, so the model
    # must not depend on one pixel scale. Small sizes keep the CPU budget.
    sizes: tuple[int, ...] = (48, 64, 80)
    lr: float = 2e-3
    seed: int = 0


@dataclass(frozen=True)
class DemoResult:
    held_out_accuracy: float  # at the training resolution's middle size
    seconds: float
    steps: int
    config: dict


def to_batch(images: np.ndarray, size: int) -> torch.Tensor:
    """uint8 (n, h, w, 3) -> normalised float (n, 3, size, size)."""
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255
    if x.shape[-1] != size:
        x = F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    return (x - MEAN) / STD


def new_model(seed: int) -> torch.nn.Module:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return tv_models.resnet18(num_classes=len(SHAPES))


@torch.no_grad()
def accuracy(model: torch.nn.Module, images: np.ndarray, labels: np.ndarray, size: int) -> float:
    model.eval()
    correct = 0
    for start in range(0, len(images), 64):
        logits = model(to_batch(images[start:start + 64], size))
        correct += int((logits.argmax(1).numpy() == labels[start:start + 64]).sum())
    return correct / len(images)


def train_demo(config: DemoConfig = DemoConfig(), log=print) -> tuple[torch.nn.Module, DemoResult]:
    """Train from a fixed seed for a fixed number of steps; the held-out set has its own seed."""
    started = time.perf_counter()
    images, labels, _ = dataset(config.train_images, config.draw_size, seed=config.seed)
    test_images, test_labels, _ = dataset(config.held_out, config.draw_size, seed=config.seed + 10_000)
    model = new_model(config.seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr, total_steps=config.steps, pct_start=0.15)
    rng = np.random.default_rng(config.seed + 1)
    targets = torch.from_numpy(labels)
    for step in range(config.steps):
        model.train()
        pick = rng.choice(len(images), config.batch, replace=False)
        x = to_batch(images[pick], int(rng.choice(config.sizes)))
        if rng.random() < 0.5:
            x = x.flip(-1)
        loss = F.cross_entropy(model(x), targets[pick])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 40 == 0 or step == config.steps - 1:
            log(f"step {step + 1}/{config.steps}  loss {loss.item():.3f}  {time.perf_counter() - started:.0f} s")
    middle = config.sizes[len(config.sizes) // 2]
    held_out = accuracy(model, test_images, test_labels, middle)
    model.eval()
    return model, DemoResult(held_out, time.perf_counter() - started, config.steps, asdict(config))


def save_demo(model: torch.nn.Module, result: DemoResult, out: str | Path, extra: dict | None = None) -> dict[str, Path]:
    """model.pt (a state_dict), classes.txt (one name a line), train.json (what was measured)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"weights": out / "model.pt", "classes": out / "classes.txt", "report": out / "train.json"}
    torch.save(model.state_dict(), paths["weights"])
    paths["classes"].write_text("\n".join(SHAPES) + "\n", encoding="utf-8")
    paths["report"].write_text(json.dumps({**asdict(result), **(extra or {})}, indent=2), encoding="utf-8")
    return paths
