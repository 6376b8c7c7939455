"""Known-future covariates (issue 15): validation MASE with and without `future_columns`, per
architecture, on a series whose target responds to a known-in-advance promotion flag and price
(tests/support/promotions.py). The target: at least 2× better with them, for every architecture.

Both runs read the same history (sales, promotion and price as feature_columns); the one with
future_columns is also given promotion and price over the horizon. Goes through seqcast's
training path (prepare -> net_config -> fit -> evaluate) with the default hyperparameters unless
--set overrides them; single-threaded (the CPU is shared). Not part of the test suite: a fast
version is tests/workers/test_covariate_training.py.

    .venv/bin/python benchmarks/covariates.py --seeds 3
    .venv/bin/python benchmarks/covariates.py --seeds 1 --set epochs=100

Writes benchmarks/results/covariates.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import torch
from _common import RESULTS_DIR, machine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support, run as a script

from app.contract import ARCHITECTURES, split_plan
from app.training.schemas import Hyperparameters
from tests.support.promotions import COLUMNS, promotion_series
from workers.training.data import prepare
from workers.training.loop import fit, seed_everything, training_options
from workers.training.metrics import evaluate
from workers.training.nets import build_net, net_config

HORIZON, INPUT_LENGTH, VALIDATION_FRACTION = 7, 28, 0.2
FUTURE = ["promotion", "price"]


def validation_mase(
    architecture: str, future: bool, seed: int, overrides: dict[str, Any], n_rows: int
) -> float:
    """Train one model on the promotion series; its validation MASE."""
    torch.set_num_threads(1)
    values, _ = promotion_series(n_rows, seed=seed)
    plan = split_plan(len(values), INPUT_LENGTH, HORIZON, VALIDATION_FRACTION)
    data = prepare(
        values,
        COLUMNS,
        COLUMNS,
        ["sales"],
        plan,
        torch.device("cpu"),
        future_columns=FUTURE if future else (),
    )
    hp = Hyperparameters(**{**overrides, "seed": seed})
    seed_everything(seed)
    net = build_net(net_config(architecture, hp, data, horizon=HORIZON))
    fit(
        net,
        data,
        epochs=hp.epochs,
        early_stopping_patience=hp.early_stopping_patience,
        **training_options(hp),
    )
    return evaluate(net, data, season_length=7)["model"]["mase"]


def parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--architectures", nargs="+", default=list(ARCHITECTURES))
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    overrides = {k: parse_value(v) for k, v in (item.split("=", 1) for item in args.set)}

    rows = []
    print(f"{'architecture':<12} {'without':>9} {'with':>9} {'ratio':>7}  seconds")
    for architecture in args.architectures:
        started = time.perf_counter()
        without = [
            validation_mase(architecture, False, s, overrides, args.rows) for s in range(args.seeds)
        ]
        with_future = [
            validation_mase(architecture, True, s, overrides, args.rows) for s in range(args.seeds)
        ]
        row = {
            "architecture": architecture,
            "mase_without": without,
            "mase_with": with_future,
            "median_without": statistics.median(without),
            "median_with": statistics.median(with_future),
            "worst_ratio": min(a / b for a, b in zip(without, with_future, strict=True)),
            "seconds": time.perf_counter() - started,
        }
        rows.append(row)
        print(
            f"{architecture:<12} {row['median_without']:>9.3f} {row['median_with']:>9.3f} "
            f"{row['median_without'] / row['median_with']:>6.1f}x  {row['seconds']:.0f}"
        )
    out = RESULTS_DIR / "covariates.json"
    out.write_text(
        json.dumps(
            {"machine": machine(), "overrides": overrides, "seeds": args.seeds, "rows": rows},
            indent=2,
        )
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
