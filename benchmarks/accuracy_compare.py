"""Two configurations of benchmarks/accuracy.py side by side, as RESULTS.md's tables show them.

Each argument pair is (before, after) result files of the same series, seeds and origin; with
several pairs (several origins), a last table pools them: the geometric mean over the origins of
each architecture's geometric-mean MASE ratio, the number a default was chosen by.

    .venv/bin/python benchmarks/accuracy_compare.py \\
        results/accuracy-issue15-skip.json results/accuracy-issue15-drift.json \\
        results/accuracy-issue15-skip-origin1.json results/accuracy-issue15-drift-origin1.json
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from pathlib import Path
from typing import Any

from devdata import best_statsforecast

ARCHITECTURES = ("lstm", "gru", "rnn", "transformer", "auto")


def cell(result: dict, dataset: str, architecture: str) -> dict | None:
    return next(
        (
            c
            for c in result["cells"]
            if c["dataset"] == dataset and c["architecture"] == architecture
        ),
        None,
    )


def best_stats(
    result: dict, dataset: str, fit_on: str = "statsforecast"
) -> tuple[str, float] | None:
    """The best statsforecast model and its MASE: fit on the whole training part, or with
    fit_on="statsforecast_window" on the window seqcast forecasts from (absent from results
    written before accuracy.py recorded it)."""
    return best_statsforecast(result.get(fit_on, {}), dataset)


def summary(result: dict, architecture: str) -> dict[str, Any] | None:
    """Geometric mean of median MASE ÷ seasonal naive's, series beating naive, worst seed ÷
    naive, series within 10 % of the best statsforecast model (fit on the whole training part;
    and fit on the forecast's window, when the result has it)."""
    ratios, wins, worst, within, within_window = [], 0, 0.0, 0, 0
    for dataset, naive in result["seasonal_naive"].items():
        found = cell(result, dataset, architecture)
        if found is None:
            continue
        ratios.append(found["mase_median"] / naive["mase"])
        wins += found["mase_median"] < naive["mase"]
        worst = max(worst, found["mase_max"] / naive["mase"])
        best = best_stats(result, dataset)
        within += best is not None and found["mase_median"] <= 1.1 * best[1]
        windowed = best_stats(result, dataset, "statsforecast_window")
        within_window += windowed is not None and found["mase_median"] <= 1.1 * windowed[1]
    if not ratios:
        return None
    geomean = math.exp(statistics.mean(math.log(r) for r in ratios))
    return {
        "geomean": geomean,
        "wins": wins,
        "series": len(ratios),
        "worst": worst,
        "within": within,
        "within_window": within_window if result.get("statsforecast_window") else None,
    }


def series_table(before: dict, after: dict) -> list[str]:
    names = [a.upper() if a != "transformer" else "Transformer" for a in ARCHITECTURES]
    lines = [
        "| series (naive) | best statsforecast | "
        + " | ".join(f"{n} before → after" for n in names)
        + " |",
        "|---" * (len(ARCHITECTURES) + 2) + "|",
    ]
    for dataset, naive in before["seasonal_naive"].items():
        best = best_stats(before, dataset)

        def shown(found: dict | None, naive_mase: float = naive["mase"]) -> str:
            if found is None:
                return "-"
            text = f"{found['mase_median']:.3f}"
            return f"**{text}**" if found["mase_median"] < naive_mase else text

        cells = [
            f"{shown(cell(before, dataset, a))} → {shown(cell(after, dataset, a))}"
            for a in ARCHITECTURES
        ]
        stats = f"{best[0]} {best[1]:.3f}" if best else ""
        lines.append(f"| {dataset} ({naive['mase']:.3f}) | {stats} | " + " | ".join(cells) + " |")
    return lines


def summary_table(labelled: list[tuple[str, dict]]) -> list[str]:
    lines = ["| | " + " | ".join(ARCHITECTURES) + " |", "|---" * (len(ARCHITECTURES) + 1) + "|"]
    for label, result in labelled:
        row = []
        for architecture in ARCHITECTURES:
            s = summary(result, architecture)
            if s is None:
                row.append("-")
                continue
            text = f"{s['geomean']:.3f}, {s['wins']}/{s['series']}, worst {s['worst']:.2f}×"
            if architecture == "auto":
                text += f", sf±10 % {s['within']}/{s['series']}"
                if s["within_window"] is not None:
                    text += f", sf@window±10 % {s['within_window']}/{s['series']}"
            row.append(text)
        lines.append(f"| {label} | " + " | ".join(row) + " |")
    return lines


def pooled_table(pairs: list[tuple[dict, dict]]) -> list[str]:
    lines = ["| architecture | before | after | change |", "|---|---|---|---|"]
    for architecture in ARCHITECTURES:
        sides = []
        for side in (0, 1):
            means = [summary(pair[side], architecture) for pair in pairs]
            if any(m is None for m in means):
                break
            sides.append(math.exp(statistics.mean(math.log(m["geomean"]) for m in means)))
        if len(sides) == 2:
            change = 100 * (sides[1] / sides[0] - 1)
            lines.append(f"| {architecture} | {sides[0]:.3f} | {sides[1]:.3f} | {change:+.1f} % |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="before after [before after ...]")
    args = parser.parse_args()
    if len(args.files) % 2:
        parser.error("give the result files in (before, after) pairs")
    loaded = [json.loads(f.read_text()) for f in args.files]
    pairs = list(zip(loaded[::2], loaded[1::2], strict=True))
    out: list[str] = []
    for (before, after), name in zip(pairs, args.files[::2], strict=True):
        if before["seasonal_naive"].keys() != after["seasonal_naive"].keys():
            raise SystemExit(f"{name}: the pair holds different series")
        out += [f"### origin {before.get('origin', 0)}", "", *series_table(before, after), ""]
        out += [*summary_table([("before", before), ("after", after)]), ""]
    if len(pairs) > 1:
        out += ["### over all origins (geometric mean of the geometric means)", ""]
        out += pooled_table(pairs)
    print("\n".join(out))


if __name__ == "__main__":
    main()
