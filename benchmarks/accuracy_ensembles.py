"""Would `auto` forecast better as an ensemble of its candidates than as its best one? Reads an
accuracy.py result file whose runs kept their holdout forecasts, and scores, per seed, the mean
(or median) of the k candidates with the lowest validation MASE, beside `auto`'s single pick.

    .venv/bin/python benchmarks/accuracy_ensembles.py results/accuracy-issue15-forecasts.json \\
        --statsforecast results/accuracy-issue15-window.json

`--statsforecast`: a result file of the same series and origin with statsforecast's scores (for
the within-10 % count). Results: benchmarks/RESULTS.md, "Ensembles of auto's candidates".
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from collections.abc import Callable
from pathlib import Path

import numpy as np
from devdata import best_statsforecast, load, score

ENSEMBLES: dict[str, tuple[int | None, Callable[..., np.ndarray]]] = {
    "auto (best by validation)": (1, np.mean),
    "mean of best 2": (2, np.mean),
    "mean of best 3": (3, np.mean),
    "mean of all": (None, np.mean),
    "median of all": (None, np.median),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("result")
    parser.add_argument("--statsforecast", default=None)
    args = parser.parse_args()
    result = json.loads(Path(args.result).read_text())
    stats = json.loads(Path(args.statsforecast or args.result).read_text()).get("statsforecast", {})
    runs = [r for r in result["runs"] if "forecast" in r and r["architecture"] != "auto"]
    if not runs:
        raise SystemExit(f"{args.result}: no run kept its forecast (accuracy.py records them)")
    print(
        f"origin {result['origin']}; geometric mean of MASE ÷ seasonal naive; series beating "
        "naive; worst seed ÷ naive; series within 10 % of the best statsforecast model"
    )
    for label, (k, combine) in ENSEMBLES.items():
        medians, worst = {}, 0.0
        for dataset, naive in result["seasonal_naive"].items():
            series = load(dataset, result["origin"])  # type: ignore[arg-type]
            scores = []
            for seed in sorted({r["seed"] for r in runs}):
                cell = [r for r in runs if r["dataset"] == dataset and r["seed"] == seed]
                chosen = sorted(cell, key=lambda r: r["validation_mase"])[:k]
                forecast = combine(np.array([r["forecast"] for r in chosen]), axis=0)
                scores.append(score(forecast, series.actual, series.train, series.season)["mase"])
            medians[dataset] = statistics.median(scores)
            worst = max(worst, max(scores) / naive["mase"])
        naive_of = {d: n["mase"] for d, n in result["seasonal_naive"].items()}
        geomean = math.exp(statistics.mean(math.log(m / naive_of[d]) for d, m in medians.items()))
        beats = sum(m < naive_of[d] for d, m in medians.items())
        within = 0
        for dataset, found in medians.items():
            best = best_statsforecast(stats, dataset)
            within += best is not None and found <= 1.1 * best[1]
        cells = " ".join(f"{d}={m:.3f}" for d, m in medians.items())
        print(
            f"{label:<26} {geomean:.3f}, {beats}/{len(medians)}, worst {worst:.2f}×, "
            f"within 10 % {within}/{len(medians)}   {cells}"
        )


if __name__ == "__main__":
    main()
