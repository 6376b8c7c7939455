"""Warm-start refresh vs training from scratch after 10 % more rows (issue 16 item 2).

For each series (sunspots, airpassengers) and seed, with the default LSTM settings
(app.training.schemas.Hyperparameters) and the gateway's default input_length:

1. version A is trained as the worker trains it (fit, then refit on every window) on the series
   minus its last rows, so that appending them is +10 % rows; its checkpoint is written and read
   back as the worker stores it (save_checkpoint -> bytes -> load_weights);
2. (a) from scratch on the whole series: the validation loss per epoch, its best L* and the epoch
   E* that reached it;
3. (b) warm start from A on the whole series, through the worker's own path
   (workers.training.warm.warm_config and warm_net, then fit): the first epoch whose validation
   loss is <= L*, epoch 0 being the loaded parent before any step (with E* = 1, as on sunspots,
   nothing else can be <= 0.30 of it).

Target: the median over seeds of (b) / E* <= 0.30. Both runs validate on the same windows (the
last 20 % of the whole series); A was refit on the rows before the appended ones, part of which
those windows cover, as a served version has always seen the data before an append.

    .venv/bin/python benchmarks/warm_start.py --seeds 3 --jobs 2
    .venv/bin/python benchmarks/warm_start.py --re-estimate-statistics   # the variant
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import torch
from _common import RESULTS_DIR, machine
from devdata import NAMES, load

from app.contract import split_plan
from app.training.schemas import Hyperparameters
from app.training.service import default_input_length
from workers.training.data import prepare
from workers.training.export import save_checkpoint
from workers.training.loop import (
    fit,
    refit,
    seed_everything,
    training_options,
    validation_loss,
)
from workers.training.metrics import dataset_season
from workers.training.nets import build_net, net_config
from workers.training.warm import load_weights, warm_config, warm_net

VALIDATION_FRACTION = 0.2
APPENDED = 0.10
TARGET = 0.30


def _data(values: torch.Tensor, input_length: int, horizon: int) -> Any:
    plan = split_plan(len(values), input_length, horizon, VALIDATION_FRACTION)
    return prepare(values[:, None], ["y"], ["y"], ["y"], plan, torch.device("cpu"))


def run_one(
    dataset: str, seed: int, keep_statistics: bool, overrides: dict, warm_lr: float | None
) -> dict[str, Any]:
    torch.set_num_threads(1)
    series = load(dataset)  # type: ignore[arg-type]
    values = series.values.astype("float32")
    n_full = len(values)
    n_a = round(n_full / (1 + APPENDED))
    hp = Hyperparameters(**{**overrides, "seed": seed})
    horizon = series.holdout
    input_length = default_input_length(horizon)
    options = training_options(hp)
    fit_options = {"epochs": hp.epochs, "early_stopping_patience": hp.early_stopping_patience}

    # Version A, as the worker trains and stores it.
    start = time.perf_counter()
    data_a = _data(values[:n_a], input_length, horizon)
    cfg_a = net_config("lstm", hp, data_a, horizon=horizon, season=dataset_season(data_a, None))
    seed_everything(hp.seed)
    net_a = build_net(cfg_a)
    result_a = fit(net_a, data_a, **fit_options, **options)
    if hp.refit:
        seed_everything(hp.seed)
        net_a = build_net(cfg_a)
        refit(net_a, data_a, epochs=result_a.best_epoch, **options)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "weights.pt"
        save_checkpoint(net_a.cpu(), cfg_a, path)
        checkpoint = load_weights(path.read_bytes())
    seconds_a = time.perf_counter() - start

    data = _data(values, input_length, horizon)
    fresh = net_config("lstm", hp, data, horizon=horizon, season=dataset_season(data, None))

    # (a) from scratch on the whole series.
    start = time.perf_counter()
    seed_everything(hp.seed)
    scratch = fit(build_net(fresh), data, **fit_options, **options)
    seconds_scratch = time.perf_counter() - start
    target_loss, target_epoch = scratch.best_val_loss, scratch.best_epoch

    # (b) warm start from A: the worker's path.
    start = time.perf_counter()
    cfg = warm_config(checkpoint, fresh, keep_statistics=keep_statistics)
    seed_everything(hp.seed)
    net = warm_net(checkpoint, cfg)
    loaded_loss = validation_loss(net, data, hp.batch_size)  # "epoch 0": the parent as served
    if warm_lr is not None:
        options = {**options, "learning_rate": warm_lr}
    warm = fit(net, data, **fit_options, **options, keep_initial=True)
    seconds_warm = time.perf_counter() - start
    curve = [(0, loaded_loss)] + [(s.epoch, s.val_loss) for s in warm.history]
    reached = next((epoch for epoch, loss in curve if loss <= target_loss), None)
    return {
        "dataset": dataset,
        "seed": seed,
        "rows_a": n_a,
        "rows_full": n_full,
        "horizon": horizon,
        "input_length": input_length,
        "a_best_epoch": result_a.best_epoch,
        "scratch_best_val_loss": target_loss,
        "scratch_best_epoch": target_epoch,
        "scratch_epochs_run": len(scratch.history),
        "scratch_val_loss": [s.val_loss for s in scratch.history],
        "warm_loaded_val_loss": loaded_loss,
        "warm_first_val_loss": warm.history[0].val_loss,
        "warm_best_val_loss": warm.best_val_loss,
        "warm_best_epoch": warm.best_epoch,
        "warm_epochs_run": len(warm.history),
        "warm_val_loss": [s.val_loss for s in warm.history],
        "warm_epochs_to_scratch_best": reached,
        "ratio": reached / target_epoch if reached is not None else None,
        "seconds": {"a": seconds_a, "scratch": seconds_scratch, "warm": seconds_warm},
    }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def summarize(runs: list[dict], dataset: str | None) -> dict[str, Any]:
    cell = [r for r in runs if dataset is None or r["dataset"] == dataset]
    ratios = [math.inf if r["ratio"] is None else r["ratio"] for r in cell]
    return {
        "dataset": dataset or "all",
        "ratio_median": _finite(statistics.median(ratios)),
        "ratios": [r["ratio"] for r in cell],  # null: never reached L*
        "scratch_best_epochs": [r["scratch_best_epoch"] for r in cell],
        "warm_epochs_to_scratch_best": [r["warm_epochs_to_scratch_best"] for r in cell],
        "met": statistics.median(ratios) <= TARGET,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--datasets", nargs="+", default=list(NAMES), choices=NAMES)
    parser.add_argument("--jobs", type=int, default=2, help="processes (the CPU is shared)")
    parser.add_argument(
        "--re-estimate-statistics",
        action="store_true",
        help="the variant: the new data's normalization statistics instead of the parent's",
    )
    parser.add_argument("--set", nargs="*", default=[], help="Hyperparameters overrides k=v")
    parser.add_argument(
        "--warm-learning-rate", type=float, default=None, help="the warm start's only"
    )
    parser.add_argument("--out", default="", help="suffix of the results file name")
    args = parser.parse_args()
    overrides = {k: json.loads(v) for k, v in (pair.split("=", 1) for pair in args.set)}
    keep = not args.re_estimate_statistics
    warm_lr = args.warm_learning_rate
    tasks = [(d, s, keep, overrides, warm_lr) for d in args.datasets for s in range(args.seeds)]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        runs = list(pool.map(run_one, *zip(*tasks, strict=True)))
    cells = [summarize(runs, d) for d in args.datasets] + [summarize(runs, None)]
    print(
        f"statistics: {'kept' if keep else 're-estimated'}; overrides {overrides}; "
        f"warm learning rate {warm_lr or 'as the rest'}"
    )
    header = ("dataset", "seed", "E*", "L*", "warm ep0", "warm ep1", "reach", "ratio")
    print("{:<14} {:>4} {:>5} {:>9} {:>9} {:>9} {:>6} {:>6}".format(*header))
    for r in runs:
        print(
            f"{r['dataset']:<14} {r['seed']:>4} {r['scratch_best_epoch']:>5} "
            f"{r['scratch_best_val_loss']:>9.4f} {r['warm_loaded_val_loss']:>9.4f} "
            f"{r['warm_first_val_loss']:>9.4f} "
            f"{r['warm_epochs_to_scratch_best']!s:>6} {r['ratio']!s:>6.6}"
        )
    for cell in cells:
        print(f"{cell['dataset']:<14} median ratio {cell['ratio_median']} met={cell['met']}")
    name = f"warm_start-{args.out}.json" if args.out else "warm_start.json"
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / name).write_text(
        json.dumps(
            {
                "machine": machine(),
                "hyperparameters": Hyperparameters(**overrides).model_dump(),
                "statistics": "kept" if keep else "re-estimated",
                "warm_learning_rate": warm_lr,
                "appended": APPENDED,
                "target": TARGET,
                "seeds": args.seeds,
                "cells": cells,
                "runs": runs,
            },
            indent=2,
        )
    )
    print(f"wrote {RESULTS_DIR / name}")


if __name__ == "__main__":
    main()
