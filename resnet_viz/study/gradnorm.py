"""Gradient norm per block at initialisation, original (post-activation) against pre-activation blocks.

He et al. 2016: with an identity shortcut and nothing after the addition, ∂E/∂x_l = ∂E/∂x_L (1 + ∂ΣF/∂x_l),
so the gradient reaches every block at least through the identity term. The original block's ReLU after the
addition sits on that path. Measured on one seeded batch, BatchNorm with batch statistics (train mode), as
at the first step of training.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .data import make_study_data
from .models import StudyNet


def block_input_gradients(model: StudyNet, images: torch.Tensor, labels: torch.Tensor) -> list[float]:
    """‖∂loss/∂x_l‖ for the input x_l of every block, in forward order."""
    model.train()
    inputs = []
    x = model.stem(images)
    for block in model.blocks():
        x = x.detach().requires_grad_(True) if not inputs else x
        x.retain_grad()
        inputs.append(x)
        x = block(x)
    loss = F.cross_entropy(model.head(x), labels)
    loss.backward()
    return [float(t.grad.norm()) for t in inputs]


def gradient_norms(
    depths=(56, 110), kinds=("residual", "preact", "plain"), seed: int = 0, batch: int = 128, size: int = 16
) -> dict:
    images, labels = make_study_data(batch, seed=10_000 + seed, size=size)
    rows = []
    for depth in depths:
        for kind in kinds:
            torch.manual_seed(seed)
            model = StudyNet(kind, depth)
            rows.append(
                {"kind": kind, "depth": depth, "seed": seed, "grad_norm": block_input_gradients(model, images, labels)}
            )
    return {
        "batch": batch,
        "size": size,
        "data_seed": 10_000 + seed,
        "mode": "train (batch statistics), at init",
        "rows": rows,
    }


if __name__ == "__main__":
    import json
    import sys
    from pathlib import Path

    torch.set_num_threads(1)
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out.mkdir(parents=True, exist_ok=True)
    (out / "gradnorms.json").write_text(json.dumps(gradient_norms(), indent=1))
    print(f"wrote {out / 'gradnorms.json'}")
