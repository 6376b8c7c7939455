"""Streaming drift (issue 7): does a recurrent model's forecast get worse as its history grows?

A stream's forecast is the recurrent model run over the stream's whole history (the step graph's
parity gate holds it to the window model within 1e-5), so a stream that has seen n observations
forecasts like /predict on a window of n. A network trained only on windows of `input_length`
has never seen its state after longer inputs. This script trains LSTMs and GRUs through the
worker's own code path (segment_plans -> prepare -> NetConfig -> fit, the product's default
hyperparameters with global normalization) on two seasonal series (SERIES), once with
`window_lengths="fixed"` and once with `"varied"` (random lengths up to MAX_LENGTH_FACTOR x
input_length), and measures forecast error against the true future on held-out rows for
histories of L, 2L, 4L, 8L (and, beyond the issue's range, 16L and 32L).

    .venv/bin/python benchmarks/stream_drift.py                 # 27 min on 1 busy core
    .venv/bin/python benchmarks/stream_drift.py --seeds 1 --epochs 5 --out /tmp/drift.json

Held-out rows follow the training series (which has its own validation split for early
stopping), so the scored forecasts were never used to pick weights. A history may reach back
into the training rows, as a stream's would.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
from _common import RESULTS_DIR, machine

from app.contract import MAX_LENGTH_FACTOR, segment_plans
from app.training.schemas import Hyperparameters
from workers.training.data import prepare
from workers.training.loop import fit, seed_everything, training_options
from workers.training.nets import Forecaster, build_net, net_config

INPUT_LENGTH, HORIZON = 24, 12
TRAIN_ROWS, HELD_OUT_ROWS = 3000, 600
VALIDATION_FRACTION = 0.2
HISTORY_FACTORS = (1, 2, 4, 8, 16, 32)
NOISE_STD = 0.3
COLUMNS = ["y"]
SERIES = {
    "daily": ("10 + 3 sin(2 pi t / 24) + N(0, 0.3)", 24),
    "daily+weekly": ("10 + 3 sin(2 pi t / 24) + 2 sin(2 pi t / 168) + N(0, 0.3)", 168),
}
"""name -> (formula, season of the seasonal-naive baseline). Hourly-like data: a window of 24
sees one day; only a longer history shows where in the week it is."""


def make_series(name: str, n: int, seed: int = 0) -> np.ndarray:
    """[n, 1] float64, the formula in SERIES."""
    t = np.arange(n)
    y = 10 + 3 * np.sin(2 * np.pi * t / 24) + np.random.default_rng(seed).normal(0, NOISE_STD, n)
    if name == "daily+weekly":
        y += 2 * np.sin(2 * np.pi * t / 168)
    return y[:, None]


def train(
    architecture: str, window_lengths: str, seed: int, values: np.ndarray, epochs: int
) -> tuple[Forecaster, dict]:
    """One model, the way workers/runner.py trains it (one series, CPU)."""
    hp = Hyperparameters(
        normalization="global", window_lengths=window_lengths, epochs=epochs, seed=seed
    )
    segments = segment_plans([("", len(values))], INPUT_LENGTH, HORIZON, VALIDATION_FRACTION)
    varied = hp.window_lengths == "varied"
    data = prepare(
        values,
        COLUMNS,
        COLUMNS,
        COLUMNS,
        segments,
        torch.device("cpu"),
        max_length=MAX_LENGTH_FACTOR * INPUT_LENGTH if varied else None,
    )
    seed_everything(hp.seed)
    net = build_net(net_config(architecture, hp, data, horizon=HORIZON))
    started = time.perf_counter()
    result = fit(
        net,
        data,
        epochs=hp.epochs,
        early_stopping_patience=hp.early_stopping_patience,
        **training_options(hp),
    )
    info = {
        "hyperparameters": hp.model_dump(),
        "epochs_run": len(result.history),
        "best_epoch": result.best_epoch,
        "best_val_loss": result.best_val_loss,
        "train_seconds": round(time.perf_counter() - started, 1),
    }
    return net.eval(), info


@torch.no_grad()
def errors_by_history(net: Forecaster, values: np.ndarray, origins: np.ndarray) -> list[dict]:
    """MAE and RMSE of the forecasts from each origin, per history length, in raw units."""
    targets = np.stack([values[t : t + HORIZON] for t in origins])  # [N, H, 1]
    rows = []
    for factor in HISTORY_FACTORS:
        length = factor * INPUT_LENGTH
        x = np.stack([values[t - length : t] for t in origins]).astype(np.float32)
        forecast = torch.cat([net(chunk) for chunk in torch.from_numpy(x).split(256)]).numpy()
        error = forecast - targets
        rows.append(
            {
                "history": length,
                "factor": factor,
                "mae": float(np.abs(error).mean()),
                "rmse": float(np.sqrt(np.square(error).mean())),
            }
        )
    return rows


def seasonal_naive_mae(values: np.ndarray, origins: np.ndarray, season: int) -> float:
    """The baseline the registry reports: repeat the last season."""
    errors = [
        values[t + h] - values[t - season + h % season] for t in origins for h in range(HORIZON)
    ]
    return float(np.abs(np.asarray(errors)).mean())


def summarize(runs: list[dict]) -> list[dict]:
    """Mean over seeds per (series, architecture, window_lengths, history), with the ratio of
    each MAE to the same models' MAE from a history of L."""
    table = []
    keys = {(r["series"], r["architecture"], r["window_lengths"]) for r in runs}
    for key in sorted(keys):
        group = [r for r in runs if (r["series"], r["architecture"], r["window_lengths"]) == key]
        base = float(np.mean([r["errors"][0]["mae"] for r in group]))
        for i, factor in enumerate(HISTORY_FACTORS):
            mae = float(np.mean([r["errors"][i]["mae"] for r in group]))
            rmse = float(np.mean([r["errors"][i]["rmse"] for r in group]))
            table.append(
                {
                    "series": key[0],
                    "architecture": key[1],
                    "window_lengths": key[2],
                    "factor": factor,
                    "mae": round(mae, 4),
                    "rmse": round(rmse, 4),
                    "mae_vs_L": round(mae / base, 3),
                    "seeds": len(group),
                }
            )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", nargs="+", default=list(SERIES), choices=list(SERIES))
    parser.add_argument("--architectures", nargs="+", default=["lstm", "gru"])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=Hyperparameters().epochs)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "stream_drift.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    origins = np.arange(TRAIN_ROWS, TRAIN_ROWS + HELD_OUT_ROWS - HORIZON + 1)
    assert origins[0] >= max(HISTORY_FACTORS) * INPUT_LENGTH
    baselines, runs = {}, []
    started = time.perf_counter()
    for name in args.series:
        full = make_series(name, TRAIN_ROWS + HELD_OUT_ROWS)
        baselines[name] = {
            "formula": SERIES[name][0],
            "seasonal_naive_season": SERIES[name][1],
            "seasonal_naive_mae": seasonal_naive_mae(full, origins, SERIES[name][1]),
        }
        for architecture in args.architectures:
            for window_lengths in ("fixed", "varied"):
                for seed in range(args.seeds):
                    net, info = train(
                        architecture, window_lengths, seed, full[:TRAIN_ROWS], args.epochs
                    )
                    errors = errors_by_history(net, full, origins)
                    runs.append(
                        {
                            "series": name,
                            "architecture": architecture,
                            "window_lengths": window_lengths,
                            "seed": seed,
                            **info,
                            "errors": errors,
                        }
                    )
                    maes = " ".join(f"{e['factor']}L={e['mae']:.3f}" for e in errors)
                    print(
                        f"{name} {architecture} {window_lengths} seed {seed}: "
                        f"{info['epochs_run']} epochs, {info['train_seconds']} s; MAE {maes}",
                        flush=True,
                    )
    doc = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": args.threads,
        "wall_seconds": round(time.perf_counter() - started),
        "input_length": INPUT_LENGTH,
        "horizon": HORIZON,
        "train_rows": TRAIN_ROWS,
        "held_out_origins": len(origins),
        "noise_floor_mae": float(NOISE_STD * np.sqrt(2 / np.pi)),
        "series": baselines,
        "summary": summarize(runs),
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    print(json.dumps(baselines, indent=2), f"noise floor MAE {doc['noise_floor_mae']:.3f}")
    for row in doc["summary"]:
        print(row)


if __name__ == "__main__":
    main()
