"""The training loop: Adam on MSE in normalized space, early stopping on validation loss.

Batches are index slices of a seeded permutation of windows that already live on the device, so
an epoch is a handful of gathers and kernel launches, with one host sync for its loss.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from workers.training.data import TrainingData
from workers.training.nets import Forecaster


class TrainingDiverged(FloatingPointError):
    """The loss became NaN/inf before any epoch produced a usable model."""


@dataclass
class EpochStats:
    epoch: int  # 1-based
    train_loss: float  # mean MSE over training windows, normalized space
    val_loss: float
    seconds: float


@dataclass
class FitResult:
    best_epoch: int
    best_val_loss: float
    history: list[EpochStats]
    stopped_early: bool
    windows_per_second: float  # training windows per second of training (validation excluded)


def seed_everything(seed: int) -> None:
    """Seed every RNG the run touches: weight init, dropout and anything numpy-based."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def _train_epoch(
    net: Forecaster,
    optimizer: torch.optim.Optimizer,
    x: torch.Tensor,
    y: torch.Tensor,
    batch_size: int,
    generator: torch.Generator,
) -> float:
    net.train()
    n = x.shape[0]
    # The permutation is drawn on the CPU generator so the order is the same on any device.
    order = torch.randperm(n, generator=generator).to(x.device, non_blocking=True)
    total = torch.zeros((), device=x.device)
    for start in range(0, n, batch_size):
        idx = order[start : start + batch_size]
        loss = nn.functional.mse_loss(net.forward_normalized(x[idx]), y[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        total += loss.detach() * idx.numel()
    return (total / n).item()


@torch.no_grad()
def _evaluate(net: Forecaster, x: torch.Tensor, y: torch.Tensor, batch_size: int) -> float:
    net.eval()
    total = torch.zeros((), device=x.device)
    for start in range(0, x.shape[0], batch_size):
        pred = net.forward_normalized(x[start : start + batch_size])
        total += nn.functional.mse_loss(pred, y[start : start + batch_size], reduction="sum")
    return (total / y.numel()).item()


def fit(
    net: Forecaster,
    data: TrainingData,
    *,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    early_stopping_patience: int,
    seed: int,
    on_epoch: Callable[[EpochStats], None] | None = None,
    on_checkpoint: Callable[[dict], None] | None = None,
    resume: dict | None = None,
) -> FitResult:
    """Train `net` in place and leave it in eval mode holding the best-validation weights.

    Stops after `early_stopping_patience` epochs without a better validation loss (0 disables
    early stopping), or when a loss turns non-finite. Exceptions from `on_epoch` (cancellation)
    propagate; the weights are then whatever the last epoch left.

    `on_checkpoint` receives, after every epoch, everything needed to continue exactly where the
    run stands (weights, optimizer, RNG states, best weights, history); passing that dict back as
    `resume` continues the run, so a job whose worker died resumes instead of starting over.
    """
    if epochs < 1 or batch_size < 1:
        raise ValueError("epochs and batch_size must be at least 1")
    seed_everything(seed)
    generator = torch.Generator().manual_seed(seed)
    device = data.x_train.device
    net.to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=learning_rate)
    with torch.no_grad():
        y_train = net.normalize_targets(data.y_train)
        y_val = net.normalize_targets(data.y_val)

    history: list[EpochStats] = []
    best_epoch, best_val, best_state = 0, math.inf, None
    since_best, stopped_early, train_seconds = 0, False, 0.0
    first_epoch = 1
    if resume is not None:
        net.load_state_dict(resume["model"])
        optimizer.load_state_dict(resume["optimizer"])
        generator.set_state(resume["generator"])
        torch.set_rng_state(resume["torch_rng"])
        history = [EpochStats(**h) for h in resume["history"]]
        best_epoch, best_val = resume["best_epoch"], resume["best_val"]
        best_state, since_best = resume["best_state"], resume["since_best"]
        train_seconds, first_epoch = resume["train_seconds"], resume["epoch"] + 1
    for epoch in range(first_epoch, epochs + 1):
        start = time.perf_counter()
        train_loss = _train_epoch(net, optimizer, data.x_train, y_train, batch_size, generator)
        train_seconds += time.perf_counter() - start
        val_loss = _evaluate(net, data.x_val, y_val, batch_size)
        stats = EpochStats(epoch, train_loss, val_loss, time.perf_counter() - start)
        history.append(stats)
        finite = math.isfinite(train_loss) and math.isfinite(val_loss)
        if finite and val_loss < best_val:
            best_epoch, best_val, since_best = epoch, val_loss, 0
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        else:
            since_best += 1
        if on_checkpoint is not None:
            on_checkpoint(
                {
                    "epoch": epoch,
                    "model": {k: v.detach().cpu().clone() for k, v in net.state_dict().items()},
                    "optimizer": optimizer.state_dict(),
                    "generator": generator.get_state(),
                    "torch_rng": torch.get_rng_state(),
                    "history": [asdict(h) for h in history],
                    "best_epoch": best_epoch,
                    "best_val": best_val,
                    "best_state": best_state,
                    "since_best": since_best,
                    "train_seconds": train_seconds,
                }
            )
        if on_epoch is not None:
            on_epoch(stats)
        if not finite or (early_stopping_patience > 0 and since_best >= early_stopping_patience):
            stopped_early = epoch < epochs
            break

    if best_state is None:
        raise TrainingDiverged(f"loss is not finite (train {train_loss}, validation {val_loss})")
    net.load_state_dict(best_state)
    net.eval()
    windows = data.x_train.shape[0] * len(history)
    return FitResult(
        best_epoch=best_epoch,
        best_val_loss=best_val,
        history=history,
        stopped_early=stopped_early,
        windows_per_second=windows / train_seconds if train_seconds > 0 else 0.0,
    )
