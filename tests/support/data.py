"""Series the tests upload and train on."""

from __future__ import annotations

import numpy as np


def seasonal_series(n: int = 320, period: int = 12, seed: int = 0) -> dict[str, list[float]]:
    """A seasonal sine with a slow drift and noise, plus a cosine covariate."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = 10 + 3 * np.sin(2 * np.pi * t / period) + 0.01 * t + rng.normal(0, 0.2, n)
    x = np.cos(2 * np.pi * t / period)
    return {"y": np.round(y, 4).tolist(), "x": np.round(x, 4).tolist()}
