"""Accuracy with the default hyperparameters on the development series (issue 6, item 4).

Goes through seqcast's own training path -- prepare -> build_net -> fit (-> refit), with the
defaults of `Hyperparameters`, the gateway's default input_length and validation_fraction -- on
the series minus its holdout, then forecasts the holdout from the last window before it and
scores it with devdata.score (MASE scaled by the in-sample seasonal-naive MAE). Several seeds per
cell; the table shows the median MASE and its range, and the median MASE of the model fit
selected before the refit. In-process and single-threaded (the CPU is shared).

    .venv/bin/python benchmarks/accuracy.py --seeds 5
    .venv/bin/python benchmarks/accuracy.py --seeds 3 --set normalization=global --out global
    .venv/bin/python benchmarks/accuracy.py --input-length 2h --set hidden_size=32
    .venv/bin/python benchmarks/accuracy.py --seeds 3 --architectures rnn lstm gru transformer \
        --statsforecast      # issue 15's table: every series, `auto`, statsforecast
    .venv/bin/python benchmarks/accuracy.py --origin 1 ...   # the holdout before the usual one

`auto` is what `"architecture": "auto"` registers: per seed, the architecture with the lowest
validation MASE (measured before the refit, as the worker measures it) among those run.
`--statsforecast` runs AutoETS / AutoTheta / AutoARIMA in .venv-sf
(benchmarks/statsforecast_env.sh) on the same training parts and holdouts, twice: fit on the
whole training part (`best stats`), and fit on only the window seqcast forecasts the holdout
from (`stats@window`: the same information as the served model).

Writes benchmarks/results/accuracy[-OUT].json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import torch
from _common import RESULTS_DIR, machine
from devdata import (
    ACCURACY_NAMES,
    best_statsforecast,
    load,
    score,
    seasonal_naive_forecast,
)

from app.contract import MAX_LENGTH_FACTOR, split_plan
from app.training.schemas import Hyperparameters, TrainRequest
from app.training.service import default_input_length
from workers.training.data import prepare
from workers.training.loop import (
    fit,
    refit_served,
    seed_everything,
    training_options,
)
from workers.training.metrics import dataset_season, evaluate, mase_scale, scaled_metrics
from workers.training.nets import build_net, net_config

TARGETS = {"airpassengers": 0.7, "sunspots": None}  # None: below seasonal naive
VALIDATION_FRACTION = TrainRequest.model_fields["validation_fraction"].default


def input_length_for(rule: str, horizon: int, season: int) -> int:
    """'default' (the gateway's rule), a number, or '<k>h' / '<k>s' (k horizons / seasons)."""
    if rule == "default":
        return default_input_length(horizon)
    if rule.endswith("h"):
        return round(float(rule[:-1]) * horizon)
    if rule.endswith("s"):
        return round(float(rule[:-1]) * season)
    return int(rule)


def run_one(
    dataset: str, architecture: str, overrides: dict, rule: str, seed: int, origin: int = 0
) -> dict[str, Any]:
    """Train one model on the series minus its holdout; score its holdout forecast. A run that
    cannot train (e.g. a window too long for the series) is recorded with its error."""
    try:
        return _run_one(dataset, architecture, overrides, rule, seed, origin)
    except ValueError as exc:
        return {"dataset": dataset, "architecture": architecture, "seed": seed, "error": str(exc)}


def _run_one(
    dataset: str, architecture: str, overrides: dict, rule: str, seed: int, origin: int
) -> dict[str, Any]:
    torch.set_num_threads(1)
    series = load(dataset, origin)  # type: ignore[arg-type]
    hp = Hyperparameters(**{**overrides, "seed": seed})
    train, horizon = series.train, series.holdout
    input_length = input_length_for(rule, horizon, series.season)
    plan = split_plan(len(train), input_length, horizon, VALIDATION_FRACTION)
    max_length = MAX_LENGTH_FACTOR * input_length if hp.window_lengths == "varied" else None
    data = prepare(
        train[:, None], ["y"], ["y"], ["y"], plan, torch.device("cpu"), max_length=max_length
    )
    cfg = net_config(architecture, hp, data, horizon=horizon, season=dataset_season(data, None))
    seed_everything(hp.seed)
    net = build_net(cfg)
    common = training_options(hp)
    start = time.perf_counter()
    result = fit(
        net,
        data,
        epochs=hp.epochs,
        early_stopping_patience=hp.early_stopping_patience,
        **common,
    )
    validation_mase = evaluate(net, data, series.season)["model"]["mase"]
    window = torch.tensor(train[-input_length:], dtype=torch.float32)[None, :, None]
    selected = score(holdout_forecast(net, window), series.actual, train, series.season)
    averaged = None
    if hp.refit:  # as workers.runner does
        seed_everything(hp.seed)
        net, averaged = refit_served(
            net, build_net(cfg), data, epochs=result.best_epoch, average=hp.average_refit, **common
        )
    seconds = time.perf_counter() - start
    forecast = holdout_forecast(net, window)
    return {
        "dataset": dataset,
        "architecture": architecture,
        "seed": seed,
        "input_length": input_length,
        **score(forecast, series.actual, train, series.season),
        "forecast": forecast.tolist(),
        "selected_mase": selected["mase"],
        "validation_mase": validation_mase,
        "epochs_run": len(result.history),
        "best_epoch": result.best_epoch,
        "refit_averaged": averaged,
        "seconds": seconds,
        "windows_per_second": result.windows_per_second,
    }


def holdout_forecast(net: torch.nn.Module, window: torch.Tensor) -> np.ndarray:
    """The point forecast (the median, with quantiles) of one window [1, L, 1] -> [H]."""
    with torch.no_grad():
        outputs = net(window)
    median = outputs[0] if isinstance(outputs, tuple) else outputs
    return median[0, :, 0].numpy().astype(np.float64)


def summarize(runs: list[dict], dataset: str, architecture: str) -> dict[str, Any]:
    cell = [r for r in runs if r["dataset"] == dataset and r["architecture"] == architecture]
    mase = [r["mase"] for r in cell]
    return {
        "dataset": dataset,
        "architecture": architecture,
        "mase_median": statistics.median(mase),
        "mase_min": min(mase),
        "mase_max": max(mase),
        "smape_median": statistics.median(r["smape"] for r in cell),
        "mae_median": statistics.median(r["mae"] for r in cell),
        "selected_mase_median": statistics.median(r["selected_mase"] for r in cell),
        "epochs_median": statistics.median(r["epochs_run"] for r in cell),
        "seconds_median": statistics.median(r["seconds"] for r in cell),
    }


def auto_runs(runs: list[dict]) -> list[dict]:
    """Per (dataset, seed): the run whose architecture `auto` would have registered."""
    best: dict[tuple[str, int], dict] = {}
    for run in runs:
        key = (run["dataset"], run["seed"])
        if key not in best or run["validation_mase"] < best[key]["validation_mase"]:
            best[key] = run
    return [{**run, "architecture": "auto", "chose": run["architecture"]} for run in best.values()]


def statsforecast_scores(
    datasets: list[str],
    origin: int = 0,
    window_rule: str | None = None,
    forward: dict[str, int] | None = None,
    validate: bool = False,
) -> dict[str, dict[str, dict]]:
    """dataset -> model -> devdata.score of its holdout forecast (+ seconds), from .venv-sf.

    With `window_rule` (input_length_for's rule), each model is fit on the last input_length
    points only: the information seqcast's forecast of the holdout reads (the /predict window),
    where without it the models fit the whole training part. Scores keep the whole training
    part's MASE scale, so both are comparable. With `forward` (dataset -> window length), each
    score also has "forward": the score of the model fit on the whole training part and applied
    to the last that many points only (statsforecast_runner.py); with `validate` too, its
    "validation_mase": the validation MASE of the same, scored as workers.training.metrics
    scores a network's (what `auto` ranks candidates by)."""
    sf_python = Path(__file__).resolve().parent.parent / ".venv-sf" / "bin" / "python"
    if not sf_python.exists():
        raise SystemExit("no .venv-sf: run `bash benchmarks/statsforecast_env.sh` first")
    series = [load(d, origin) for d in datasets]  # type: ignore[arg-type]

    def seen(s: Any) -> np.ndarray:
        if window_rule is None:
            return s.train
        return s.train[-input_length_for(window_rule, s.holdout, s.season) :]

    request = {
        "series": [
            {
                "name": s.name,
                "train": seen(s).tolist(),
                "season": s.season,
                "horizon": s.holdout,
                **({"window": forward[s.name]} if forward else {}),
                **({"cut": cut_of(s, forward[s.name])} if forward and validate else {}),
            }
            for s in series
        ]
    }
    runner = Path(__file__).with_name("statsforecast_runner.py")
    done = subprocess.run(
        [str(sf_python), str(runner)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
    )
    forecasts = json.loads(done.stdout)
    scores: dict[str, dict[str, dict]] = {}
    for s in series:
        for model, result in forecasts[s.name].items():
            if "forecast" in result:
                scored = score(np.asarray(result["forecast"]), s.actual, s.train, s.season)
                scores.setdefault(s.name, {})[model] = {**scored, "seconds": result["seconds"]}
                if "forward" in result:
                    scores[s.name][model]["forward"] = score(
                        np.asarray(result["forward"]), s.actual, s.train, s.season
                    )
                if "validation" in result and forward:
                    scores[s.name][model]["forward"]["validation_mase"] = validation_mase(
                        s, forward[s.name], np.asarray(result["validation"])
                    )
            else:
                scores.setdefault(s.name, {})[model] = {"error": result["error"]}
    return scores


def cut_of(series: Any, window: int) -> int:
    """The first validation target row of seqcast's split of the series' training part."""
    return split_plan(len(series.train), window, series.holdout, VALIDATION_FRACTION).cut


def validation_mase(series: Any, window: int, forecasts: np.ndarray) -> float:
    """MASE of forecasts [n_val, horizon] of the validation windows, as `evaluate` scores a
    network's: every window scaled by the in-sample seasonal-naive MAE of the rows before the
    cut."""
    cut, h = cut_of(series, window), series.holdout
    origins = range(max(cut, window), len(series.train) - h + 1)
    actual = np.stack([series.train[t : t + h] for t in origins])[:, :, None]
    scale = mase_scale(series.train[:cut], max(1, min(series.season, cut - 1)))
    return float(scaled_metrics(forecasts[:, :, None], actual, scale[None, None, :])["mase"])


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """key=value pairs, values read as JSON when they parse (numbers, null, true), else strings."""
    overrides = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    Hyperparameters(**overrides)  # refuse a bad override before any training starts
    return overrides


def best_text(stats: dict[str, dict[str, dict]], dataset: str) -> str:
    """'<model> <MASE>' of the best statsforecast model on `dataset`, or '' when not run."""
    best = best_statsforecast(stats, dataset)
    return f"{best[0]} {best[1]:.3f}" if best else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--architectures", nargs="+", default=["lstm", "gru"])
    parser.add_argument(
        "--datasets", nargs="+", default=list(ACCURACY_NAMES), choices=ACCURACY_NAMES
    )
    parser.add_argument("--statsforecast", action="store_true", help="compare with .venv-sf")
    parser.add_argument("--set", nargs="*", default=[], help="Hyperparameters overrides k=v")
    parser.add_argument("--input-length", default="default", help="default, N, <k>h or <k>s")
    parser.add_argument("--jobs", type=int, default=1, help="processes (the CPU is shared)")
    parser.add_argument("--out", default="", help="suffix of the results file name")
    parser.add_argument(
        "--origin", type=int, default=0, help="k > 0: the holdout k holdouts before the usual one"
    )
    args = parser.parse_args()
    overrides = parse_overrides(args.set)

    tasks = [
        (dataset, architecture, overrides, args.input_length, seed, args.origin)
        for dataset in args.datasets
        for architecture in args.architectures
        for seed in range(args.seeds)
    ]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        runs = list(pool.map(run_one, *zip(*tasks, strict=True)))
    failed = [r for r in runs if "error" in r]
    for run in failed:
        print(f"FAILED {run['dataset']} {run['architecture']} seed {run['seed']}: {run['error']}")
    runs = [r for r in runs if "error" not in r]

    baselines = {}
    for dataset in args.datasets:
        series = load(dataset, args.origin)  # type: ignore[arg-type]
        naive = seasonal_naive_forecast(series.train, series.season, series.holdout)
        baselines[dataset] = score(naive, series.actual, series.train, series.season)
    architectures = list(args.architectures)
    if len(architectures) > 1:
        runs += auto_runs(runs)
        architectures.append("auto")
    cells = [
        summarize(runs, d, a)
        for d in args.datasets
        for a in architectures
        if any(r["dataset"] == d and r["architecture"] == a for r in runs)
    ]
    stats, stats_window = {}, {}
    if args.statsforecast:
        stats = statsforecast_scores(args.datasets, args.origin)
        stats_window = statsforecast_scores(args.datasets, args.origin, args.input_length)

    print(f"hyperparameters: {Hyperparameters(**overrides).model_dump()}")
    print(f"input_length: {args.input_length}; seeds 0..{args.seeds - 1}; origin {args.origin}")
    print(
        f"{'dataset':<14} {'arch':<12} {'MASE median':>11} {'range':>15} {'naive':>7} "
        f"{'sMAPE':>7} {'before refit':>12} {'epochs':>6} {'s/run':>6} {'best stats':>16} "
        f"{'stats@window':>16}"
    )
    for cell in cells:
        naive = baselines[cell["dataset"]]["mase"]
        print(
            f"{cell['dataset']:<14} {cell['architecture']:<12} {cell['mase_median']:>11.3f} "
            f"{cell['mase_min']:>7.3f}-{cell['mase_max']:<7.3f} {naive:>7.3f} "
            f"{cell['smape_median']:>7.2f} {cell['selected_mase_median']:>12.3f} "
            f"{cell['epochs_median']:>6.0f} "
            f"{cell['seconds_median']:>6.1f} {best_text(stats, cell['dataset']):>16} "
            f"{best_text(stats_window, cell['dataset']):>16}"
        )
    name = f"accuracy-{args.out}.json" if args.out else "accuracy.json"
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / name).write_text(
        json.dumps(
            {
                "machine": machine(),
                "hyperparameters": Hyperparameters(**overrides).model_dump(),
                "input_length": args.input_length,
                "seeds": args.seeds,
                "origin": args.origin,
                "seasonal_naive": baselines,
                "statsforecast": stats,
                "statsforecast_window": stats_window,
                "targets": TARGETS,
                "cells": cells,
                "runs": runs,
                "failed": failed,
            },
            indent=2,
        )
    )
    print(f"wrote {RESULTS_DIR / name}")


if __name__ == "__main__":
    main()
