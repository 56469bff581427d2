"""How alike two maps are: Spearman rank correlation and SSIM, in numpy (no scipy/skimage at run time)."""

from __future__ import annotations

import math

import numpy as np


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n of the flattened values; ties share their mean rank (CAMs have many zeros)."""
    flat = np.asarray(values, dtype=np.float64).ravel()
    unique, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
    # Tied values occupy ranks start+1 .. start+count: their mean is start + (count + 1) / 2.
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    return (starts + (counts + 1) / 2.0)[inverse]


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rho of two maps of the same shape; NaN when one of them is constant."""
    if np.shape(a) != np.shape(b):
        raise ValueError(f"maps differ in shape: {np.shape(a)} and {np.shape(b)}")
    ra, rb = average_ranks(a), average_ranks(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    denominator = math.sqrt(float((ra * ra).sum() * (rb * rb).sum()))
    return float("nan") if denominator == 0 else float((ra * rb).sum() / denominator)


def _box_mean(image: np.ndarray, size: int) -> np.ndarray:
    """Mean over every size×size window that fits inside the image (a 'valid' box filter)."""
    padded = np.pad(np.cumsum(np.cumsum(image, axis=0), axis=1), ((1, 0), (1, 0)))
    sums = padded[size:, size:] - padded[:-size, size:] - padded[size:, :-size] + padded[:-size, :-size]
    return sums / (size * size)


def ssim(a: np.ndarray, b: np.ndarray, data_range: float = 1.0, window: int = 7) -> float:
    """Mean structural similarity (Wang et al. 2004) of two grey maps, as skimage's default:
    a uniform 7×7 window, K1 = 0.01, K2 = 0.03, sample covariance, the border of half a window left out."""
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 2:
        raise ValueError(f"need two 2-D maps of one shape, got {x.shape} and {y.shape}")
    if min(x.shape) < window:
        raise ValueError(f"maps of {x.shape} are smaller than the {window}×{window} window")
    n = window * window
    covariance_norm = n / (n - 1)  # sample, not population, (co)variance
    ux, uy = _box_mean(x, window), _box_mean(y, window)
    vx = covariance_norm * (_box_mean(x * x, window) - ux * ux)
    vy = covariance_norm * (_box_mean(y * y, window) - uy * uy)
    vxy = covariance_norm * (_box_mean(x * y, window) - ux * uy)
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    return float(s.mean())
