"""statsforecast's AutoETS, AutoTheta and AutoARIMA on the accuracy series, in their own
environment (`bash benchmarks/statsforecast_env.sh` builds .venv-sf), as Darts is kept apart.

Reads {"series": [{"name", "train": [...], "season", "horizon"}]} on stdin and writes
{"name": {"AutoETS": {"forecast": [...], "seconds": s}, ...}} on stdout; benchmarks/accuracy.py
runs it and scores the forecasts the same way as seqcast's (devdata.score).

A series with "window": L also gets "forward": the model fit on the whole of "train", applied to
its last L points only (statsforecast's `forward`: the fitted parameters, the state re-estimated
from those points), which is what a model served from the /predict window could keep
(benchmarks/ets_window.py). With "cut" as well, "validation" holds the forecasts of every
validation window (targets from row `cut` on, as seqcast's split has them) by the model fit on
the rows before `cut` and applied to each window the same way: what `auto` would rank it by.
"""

from __future__ import annotations

import json
import sys
import time
import warnings

import numpy as np
from statsforecast.models import AutoARIMA, AutoETS, AutoTheta

MODELS = {"AutoETS": AutoETS, "AutoTheta": AutoTheta, "AutoARIMA": AutoARIMA}


def main() -> None:
    warnings.filterwarnings("ignore")
    request = json.load(sys.stdin)
    results: dict[str, dict] = {}
    for series in request["series"]:
        y = np.asarray(series["train"], dtype=np.float64)
        cell = results[series["name"]] = {}
        for name, model in MODELS.items():
            start = time.perf_counter()
            try:
                mean = model(season_length=series["season"]).forecast(y=y, h=series["horizon"])
                forecast = np.asarray(mean["mean"], dtype=np.float64).tolist()
                cell[name] = {"forecast": forecast, "seconds": time.perf_counter() - start}
                if "window" in series:
                    fitted = model(season_length=series["season"]).fit(y=y)
                    window = y[-series["window"] :]
                    forward = fitted.forward(y=window, h=series["horizon"])["mean"]
                    cell[name]["forward"] = np.asarray(forward, dtype=np.float64).tolist()
                if "cut" in series:
                    cell[name]["validation"] = validation(model, series, y)
            except Exception as exc:  # a model that cannot fit a series is reported, not fatal
                cell[name] = {"error": f"{type(exc).__name__}: {exc}"}
    json.dump(results, sys.stdout)


def validation(model, series: dict, y: np.ndarray) -> list[list[float]]:
    """Forecasts of the validation windows, in origin order, by the model fit before the cut."""
    cut, window, horizon = series["cut"], series["window"], series["horizon"]
    fitted = model(season_length=series["season"]).fit(y=y[:cut])
    return [
        np.asarray(fitted.forward(y=y[t - window : t], h=horizon)["mean"]).tolist()
        for t in range(max(cut, window), len(y) - horizon + 1)
    ]


if __name__ == "__main__":
    main()
