"""Warm start: a network built as its parent version was and loaded with its weights, to be
trained further on newer data (app.training.warm says what a request may change).

Normalization statistics are the parent's, not re-estimated on the new data. The loaded weights
are a function of inputs scaled by those statistics (and their head's output is unscaled by
them): re-estimating them would shift every input and forecast of the loaded network, so the
first epoch would start from a different model than the one that was served, not from where the
parent's training ended. Kept, the warm-started network before any epoch is exactly the parent
(its predictions match), and training only has to learn what the new rows change. With the
default instance normalization each window is scaled by its own statistics and the global ones
only floor the scale (and scale targets the model does not read), so keeping them costs nothing;
with global normalization a series that has moved far outside the parent's range is better
trained from scratch. The season of the seasonal skip is the parent's for the same reason.
"""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

import torch

from workers.training.nets import Forecaster, NetConfig, build_net

FIXED = (
    "architecture",
    "n_features",
    "n_targets",
    "input_length",
    "horizon",
    "hidden_size",
    "num_layers",
    "d_model",
    "nhead",
    "dim_feedforward",
    "normalization",
    "quantiles",
    "target_feature_index",
    "baseline",
    "n_future",
    "n_calendar",
    "n_static",
)
"""NetConfig fields that fix the weights' shapes and meaning: the new data must give the same."""

STATISTICS = tuple(
    name for name in NetConfig.__dataclass_fields__ if name.endswith(("_mean", "_std"))
)


class WarmStartMismatch(ValueError):
    """The new data does not fit the parent's network (e.g. a static category it never saw)."""


def load_weights(data: bytes) -> dict[str, Any]:
    """A stored checkpoint (workers.training.export.save_checkpoint's file): tensors and plain
    values only (weights_only), nothing that unpickles code."""
    return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)


def warm_config(
    checkpoint: dict[str, Any], fresh: NetConfig, *, keep_statistics: bool = True
) -> NetConfig:
    """The parent's config, checked against `fresh` (net_config of the new job on the new
    data), with the new job's dropout (it shapes nothing). `keep_statistics=False` takes the
    new data's normalization statistics instead (measured in benchmarks/warm_start.py)."""
    parent = NetConfig(**checkpoint["config"])
    for name in FIXED:
        had, has = getattr(parent, name), getattr(fresh, name)
        if had != has:
            raise WarmStartMismatch(
                f"the new data does not fit the parent version's network: {name} was {had!r}, "
                f"the data gives {has!r}"
            )
    update: dict[str, Any] = {"dropout": fresh.dropout}
    if not keep_statistics:
        update.update({name: getattr(fresh, name) for name in STATISTICS})
    return replace(parent, **update)


def warm_net(checkpoint: dict[str, Any], cfg: NetConfig) -> Forecaster:
    """The network of `cfg` holding the checkpoint's weights; its statistics buffers are
    `cfg`'s (the parent's, unless warm_config was told otherwise)."""
    net = build_net(cfg)
    net.load_state_dict(checkpoint["state_dict"])
    fresh = build_net(cfg).state_dict()  # buffers as cfg gives them
    with torch.no_grad():
        for name, buffer in net.named_buffers():
            if name.endswith(("_mean", "_std")) and name in fresh:
                buffer.copy_(fresh[name])
    return net
