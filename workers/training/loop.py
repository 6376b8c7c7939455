"""The training loop: Adam on MSE (or the pinball loss, for a quantile head) in normalized
space, early stopping on validation loss.

Batches are index slices of a seeded permutation of windows that already live on the device, so
an epoch is a handful of gathers and kernel launches, with one host sync for its loss. A window's
covariates (TrainingData.covariates: input name -> tensor) are gathered with the same indices and
passed to the network by name.
"""

from __future__ import annotations

import copy
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from workers.training.data import TrainingData
from workers.training.metrics import pinball
from workers.training.nets import Forecaster


class TrainingDiverged(FloatingPointError):
    """The loss became NaN/inf before any epoch produced a usable model."""


@dataclass
class EpochStats:
    epoch: int  # 1-based
    train_loss: float  # mean loss (MSE, or pinball with quantiles) in normalized space
    val_loss: float
    seconds: float
    windows_per_second: float = 0.0  # training windows of this epoch per second of its training


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


Covariates = Mapping[str, torch.Tensor]
"""Input name (app.contract) -> a batch's values of that covariate; empty without covariates."""


def _rows(covariates: Covariates, index: torch.Tensor | slice) -> dict[str, torch.Tensor]:
    """The covariates of the windows `index` selects."""
    return {name: values[index] for name, values in covariates.items()}


def batch_loss(
    net: Forecaster, x: torch.Tensor, y: torch.Tensor, covariates: Covariates | None = None
) -> torch.Tensor:
    """MSE on the normalized point forecast, or the mean pinball loss over the quantile levels
    (the median included) when the net has a quantile head."""
    median, quantiles, target = net.training_outputs(x, y, **(covariates or {}))
    if quantiles is None:
        return nn.functional.mse_loss(median, target)
    return pinball(target.unsqueeze(-1) - quantiles, net.levels).mean()


@dataclass
class _Step:
    """What one optimizer step needs besides the batch: the optimizer, clipping, mixed precision."""

    optimizer: torch.optim.Optimizer
    gradient_clip: float | None
    scaler: torch.amp.GradScaler | None  # set when training under CUDA autocast

    def __call__(
        self, net: Forecaster, x: torch.Tensor, y: torch.Tensor, covariates: Covariates
    ) -> torch.Tensor:
        with torch.autocast("cuda", dtype=torch.float16, enabled=self.scaler is not None):
            loss = batch_loss(net, x, y, covariates)
        self.optimizer.zero_grad(set_to_none=True)
        if self.scaler is None:
            loss.backward()
            self._clip(net)
            self.optimizer.step()
        else:
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(self.optimizer)
            self._clip(net)
            self.scaler.step(self.optimizer)
            self.scaler.update()
        return loss.detach()

    def _clip(self, net: Forecaster) -> None:
        if self.gradient_clip is not None:
            nn.utils.clip_grad_norm_(net.parameters(), self.gradient_clip)


def _train_epoch(
    net: Forecaster,
    step: _Step,
    x: torch.Tensor,
    y: torch.Tensor,
    covariates: Covariates,
    batch_size: int,
    generator: torch.Generator,
) -> tuple[float, int]:
    """One pass over a seeded permutation of the windows; (mean loss, windows seen)."""
    net.train()
    n = x.shape[0]
    # The permutation is drawn on the CPU generator so the order is the same on any device.
    order = torch.randperm(n, generator=generator).to(x.device, non_blocking=True)
    total = torch.zeros((), device=x.device)
    for start in range(0, n, batch_size):
        idx = order[start : start + batch_size]
        total += step(net, x[idx], y[idx], _rows(covariates, idx)) * idx.numel()
    return (total / n).item(), n


class VariedLengths:
    """Batches of one random length each, cut as suffixes of the long windows.

    A batch of length l draws (with replacement) among the windows with at least l rows of
    history: sorting the windows by history once makes those a prefix of one order, so a whole
    epoch of indices is drawn in a few tensor ops. Lengths are uniform in
    [input_length // 2, max_length], the range /predict and the parity gate use and beyond.
    """

    def __init__(self, data: TrainingData, n_windows: int) -> None:
        """Over the first `n_windows` windows of `data` (n_train, or all of them to refit)."""
        if data.x_long is None or data.history is None:
            raise ValueError("varied lengths need prepare(..., max_length=...)")
        self.x, self.y = data.x_long[:n_windows], data.y_all[:n_windows]
        self.covariates = _rows(data.covariates, slice(0, n_windows))
        history = data.history[:n_windows]
        self.longest = self.x.shape[1]
        self.shortest = min(max(1, data.x_all.shape[1] // 2), self.longest)
        self.by_history = torch.argsort(history, descending=True, stable=True)
        lengths = torch.arange(self.longest + 1)
        self.eligible = (history[None, :] >= lengths[:, None]).sum(dim=1)  # [longest + 1]

    def epoch(
        self, net: Forecaster, step: _Step, batch_size: int, generator: torch.Generator
    ) -> tuple[float, int]:
        net.train()
        n_batches = -(-self.x.shape[0] // batch_size)
        lengths = torch.randint(self.shortest, self.longest + 1, (n_batches,), generator=generator)
        draws = torch.rand(n_batches, batch_size, generator=generator, dtype=torch.float64)
        positions = (draws * self.eligible[lengths, None]).long()
        batches = self.by_history[positions].to(self.x.device, non_blocking=True)
        total = torch.zeros((), device=self.x.device)
        for idx, length in zip(batches, lengths.tolist(), strict=True):
            window = self.x[idx, self.longest - length :]
            total += step(net, window, self.y[idx], _rows(self.covariates, idx))
        return (total / n_batches).item(), n_batches * batch_size


@torch.no_grad()
def _evaluate(
    net: Forecaster,
    x: torch.Tensor,
    y: torch.Tensor,
    batch_size: int,
    covariates: Covariates | None = None,
) -> float:
    """The training loss over (x, y), in the same normalized space, weighted per window."""
    net.eval()
    total = torch.zeros((), device=x.device)
    for start in range(0, x.shape[0], batch_size):
        rows = slice(start, start + batch_size)
        loss = batch_loss(net, x[rows], y[rows], _rows(covariates or {}, rows))
        total += loss * x[rows].shape[0]
    return (total / x.shape[0]).item()


@torch.no_grad()
def average_with_refit(
    selected: Forecaster, refitted: Forecaster, data: TrainingData, batch_size: int
) -> Forecaster | None:
    """The network whose weights are the mean of the early-stopped one's and its refit's, or
    None when that average is worse than both on the data.

    The two start from one initialization (the job's seed, or a warm start's parent) and train
    for the same epochs, so their average usually lies in the same basin and forecasts better
    than either, as the weight averages of model soups and SWA do (benchmarks/RESULTS.md,
    "Averaged refit"). Two networks that trained into different basins average into a worse
    one; the loss over every window (those the refit trained on) tells, and the average is
    kept only when it is not above both networks' own.
    """
    mine, theirs = selected.state_dict(), refitted.state_dict()
    soup = copy.deepcopy(refitted)
    soup.load_state_dict(
        {k: (mine[k] + v) / 2 if v.is_floating_point() else v for k, v in theirs.items()}
    )
    losses = [
        _evaluate(net, data.x_all, data.y_all, batch_size, data.covariates)
        for net in (selected, refitted, soup)
    ]
    return soup if losses[2] <= max(losses[:2]) else None


def validation_loss(net: Forecaster, data: TrainingData, batch_size: int) -> float:
    """The validation loss an epoch of fit reports, of `net` as it stands (a warm start's
    loaded network before its first step: benchmarks/warm_start.py)."""
    with torch.no_grad():
        return _evaluate(net, data.x_val, data.y_val, batch_size, data.val_covariates)


def adam(net: Forecaster, learning_rate: float, device: torch.device) -> torch.optim.Adam:
    """Adam; on the CPU its fused kernel, one pass over every parameter instead of a loop over
    the tensors: ~4 % of a small LSTM's epoch (benchmarks/RESULTS.md, issue 14). CUDA keeps
    torch's default (foreach), which the gradient scaler is known to work with."""
    fused = True if device.type == "cpu" else None
    return torch.optim.Adam(net.parameters(), lr=learning_rate, fused=fused)


def training_options(hp: Any) -> dict[str, Any]:
    """fit()'s and refit()'s shared keyword arguments from a job's Hyperparameters
    (app.training.schemas), so every caller trains the same way."""
    return {
        "batch_size": hp.batch_size,
        "learning_rate": hp.learning_rate,
        "seed": hp.seed,
        "gradient_clip": hp.gradient_clip,
        "mixed_precision": hp.mixed_precision,
    }


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
    checkpoint_interval: float = 0.0,
    resume: dict | None = None,
    gradient_clip: float | None = None,
    mixed_precision: bool = False,
    clock: Callable[[], float] = time.monotonic,
    keep_initial: bool = False,
) -> FitResult:
    """Train `net` in place and leave it in eval mode holding the best-validation weights.

    Stops after `early_stopping_patience` epochs without a better validation loss (0 disables
    early stopping), or when a loss turns non-finite. Exceptions from `on_epoch` (cancellation)
    propagate; the weights are then whatever the last epoch left.

    When `data` holds long windows (prepare(..., max_length=...)), every batch is cut
    to a random length (see VariedLengths); validation always uses the trained input_length.
    `gradient_clip` caps the gradients' global norm; `mixed_precision` trains under float16
    autocast with a gradient scaler on CUDA and is ignored on the CPU.

    `keep_initial` (a warm start): the weights `net` comes with compete as epoch 0, so when no
    epoch beats them on validation, fit returns them unchanged with best_epoch 0 rather than the
    least bad epoch after them (benchmarks/warm_start.py: on sunspots the loaded parent is better
    than every epoch trained from it).

    `on_checkpoint` receives everything needed to continue exactly where the run stands (weights,
    optimizer, RNG states, best weights, history): after an epoch that ends at least
    `checkpoint_interval` seconds (of `clock`) after the previous checkpoint (0: every epoch), and
    always after the last epoch. Passing that dict back as `resume` continues the run, so a job
    whose worker died resumes from its last checkpoint instead of starting over, and the last
    checkpoint of a run resumes to its result without training. The interval: a checkpoint is a
    copy of the whole state that the worker serializes and stores, ~5 ms on a small LSTM whose
    epoch takes 12 ms (benchmarks/RESULTS.md).
    """
    if epochs < 1 or batch_size < 1:
        raise ValueError("epochs and batch_size must be at least 1")
    seed_everything(seed)
    generator = torch.Generator().manual_seed(seed)
    device = data.x_train.device
    net.to(device)
    optimizer = adam(net, learning_rate, device)
    scaler = torch.amp.GradScaler("cuda") if mixed_precision and device.type == "cuda" else None
    step = _Step(optimizer, gradient_clip, scaler)
    varied = VariedLengths(data, data.n_train) if data.x_long is not None else None

    history: list[EpochStats] = []
    best_epoch, best_val, best_state = 0, math.inf, None
    since_best, stopped_early, train_seconds, windows_seen = 0, False, 0.0, 0
    first_epoch, train_loss, val_loss = 1, math.nan, math.nan
    if resume is not None:
        net.load_state_dict(resume["model"])
        optimizer.load_state_dict(resume["optimizer"])
        if scaler is not None and resume.get("scaler"):
            scaler.load_state_dict(resume["scaler"])
        generator.set_state(resume["generator"])
        torch.set_rng_state(resume["torch_rng"])
        history = [EpochStats(**h) for h in resume["history"]]
        best_epoch, best_val = resume["best_epoch"], resume["best_val"]
        best_state, since_best = resume["best_state"], resume["since_best"]
        train_seconds, first_epoch = resume["train_seconds"], resume["epoch"] + 1
        windows_seen = resume.get("windows_seen", data.x_train.shape[0] * len(history))
        stopped_early = resume.get("stopped_early", False)
    elif keep_initial:
        val_loss = _evaluate(net, data.x_val, data.y_val, batch_size, data.val_covariates)
        if math.isfinite(val_loss):
            best_epoch, best_val = 0, val_loss
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
    # The last checkpoint of a run resumes to its result without training further.
    last_epoch = first_epoch - 1 if resume is not None and resume.get("finished") else epochs
    last_checkpoint = clock()
    for epoch in range(first_epoch, last_epoch + 1):
        start = time.perf_counter()
        if varied is None:
            train_loss, windows = _train_epoch(
                net, step, data.x_train, data.y_train, data.train_covariates, batch_size, generator
            )
        else:
            train_loss, windows = varied.epoch(net, step, batch_size, generator)
        epoch_train_seconds = time.perf_counter() - start
        train_seconds += epoch_train_seconds
        windows_seen += windows
        val_loss = _evaluate(net, data.x_val, data.y_val, batch_size, data.val_covariates)
        stats = EpochStats(
            epoch,
            train_loss,
            val_loss,
            time.perf_counter() - start,
            windows / epoch_train_seconds if epoch_train_seconds > 0 else 0.0,
        )
        history.append(stats)
        finite = math.isfinite(train_loss) and math.isfinite(val_loss)
        if finite and val_loss < best_val:
            best_epoch, best_val, since_best = epoch, val_loss, 0
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        else:
            since_best += 1
        stop = not finite or (early_stopping_patience > 0 and since_best >= early_stopping_patience)
        stopped_early, finished = stop and epoch < epochs, stop or epoch == epochs
        due = clock() - last_checkpoint >= checkpoint_interval
        if on_checkpoint is not None and (due or finished):
            on_checkpoint(
                {
                    "epoch": epoch,
                    "model": {k: v.detach().cpu().clone() for k, v in net.state_dict().items()},
                    "optimizer": optimizer.state_dict(),
                    "scaler": scaler.state_dict() if scaler is not None else None,
                    "generator": generator.get_state(),
                    "torch_rng": torch.get_rng_state(),
                    "history": [asdict(h) for h in history],
                    "best_epoch": best_epoch,
                    "best_val": best_val,
                    "best_state": best_state,
                    "since_best": since_best,
                    "train_seconds": train_seconds,
                    "windows_seen": windows_seen,
                    "finished": finished,
                    "stopped_early": stopped_early,
                }
            )
            last_checkpoint = clock()
        if on_epoch is not None:
            on_epoch(stats)
        if stop:
            break

    if best_state is None:
        raise TrainingDiverged(f"loss is not finite (train {train_loss}, validation {val_loss})")
    net.load_state_dict(best_state)
    net.eval()
    return FitResult(
        best_epoch=best_epoch,
        best_val_loss=best_val,
        history=history,
        stopped_early=stopped_early,
        windows_per_second=windows_seen / train_seconds if train_seconds > 0 else 0.0,
    )


def refit(
    net: Forecaster,
    data: TrainingData,
    *,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    seed: int,
    gradient_clip: float | None = None,
    mixed_precision: bool = False,
    on_epoch: Callable[[EpochStats], None] | None = None,
) -> list[EpochStats]:
    """Train a freshly built `net` on every window, validation ones included, for `epochs`.

    After fit has chosen the number of epochs (its best_epoch) on the training windows and the
    version's metrics have been measured on the validation windows, the model that is served is
    trained again on all of the data: on short series the most recent stretch, which validation
    withholds, is the one that matters most (measured in benchmarks/RESULTS.md). No early
    stopping, no checkpoints; the val_loss it reports is on windows it trains on.
    """
    if epochs < 1 or batch_size < 1:
        raise ValueError("epochs and batch_size must be at least 1")
    seed_everything(seed)
    generator = torch.Generator().manual_seed(seed)
    device = data.x_all.device
    net.to(device)
    optimizer = adam(net, learning_rate, device)
    scaler = torch.amp.GradScaler("cuda") if mixed_precision and device.type == "cuda" else None
    step = _Step(optimizer, gradient_clip, scaler)
    varied = VariedLengths(data, len(data.x_all)) if data.x_long is not None else None
    history = []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        if varied is None:
            loss, windows = _train_epoch(
                net, step, data.x_all, data.y_all, data.covariates, batch_size, generator
            )
        else:
            loss, windows = varied.epoch(net, step, batch_size, generator)
        seconds = time.perf_counter() - start
        val_loss = _evaluate(net, data.x_val, data.y_val, batch_size, data.val_covariates)
        rate = windows / seconds if seconds > 0 else 0.0
        stats = EpochStats(epoch, loss, val_loss, time.perf_counter() - start, rate)
        history.append(stats)
        if not math.isfinite(loss):
            raise TrainingDiverged(f"loss is not finite while refitting (epoch {epoch})")
        if on_epoch is not None:
            on_epoch(stats)
    net.eval()
    return history


def refit_served(
    selected: Forecaster,
    fresh: Forecaster,
    data: TrainingData,
    *,
    epochs: int,
    average: bool,
    on_epoch: Callable[[EpochStats], None] | None = None,
    **options: Any,
) -> tuple[Forecaster, bool | None]:
    """The network a job serves after fit chose `selected`: `fresh` (built from the same
    initialization) refit on every window, or its weight average with `selected` when
    `average` (Hyperparameters.average_refit) and average_with_refit keeps it. Also whether
    the average is served (None: not tried). The worker and benchmarks/accuracy.py both call
    this, so the benchmark measures what is served."""
    refit(fresh, data, epochs=epochs, on_epoch=on_epoch, **options)
    if not average:
        return fresh, None
    soup = average_with_refit(selected, fresh, data, options["batch_size"])
    return soup or fresh, soup is not None
