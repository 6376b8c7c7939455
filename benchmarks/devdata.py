"""The development datasets of issue 6 and how forecasts on them are scored.

Both series ship inside installed packages (no download): statsmodels' yearly sunspots
(1700-2008, season 11, holdout the last 24 years) and pmdarima's monthly airpassengers
(1949-1960, season 12, holdout the last 12 months). Every benchmark scores the same holdout the
same way: MASE is scaled by the in-sample seasonal-naive MAE of the training part, so seasonal
naive itself scores about 1.67 on sunspots and 1.57 on airpassengers (the issue's numbers).

    from devdata import load, score, seasonal_naive_forecast
    d = load("airpassengers")
    train, actual = d.values[: -d.holdout], d.values[-d.holdout :]
    score(seasonal_naive_forecast(train, d.season, d.holdout), actual, train, d.season)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from workers.training.metrics import forecast_metrics, mase_scale, seasonal_naive

DevName = Literal["sunspots", "airpassengers"]
NAMES: tuple[DevName, ...] = ("sunspots", "airpassengers")


@dataclass(frozen=True)
class DevSeries:
    name: str
    values: np.ndarray
    """float64 [n]: the whole series, holdout included."""
    season: int
    holdout: int
    """The last `holdout` points are the test set; the model sees only what precedes them."""
    timestamps: list[str]

    @property
    def train(self) -> np.ndarray:
        return self.values[: -self.holdout]

    @property
    def actual(self) -> np.ndarray:
        return self.values[-self.holdout :]


def _sunspots() -> DevSeries:
    import statsmodels.api as sm

    frame = sm.datasets.sunspots.load_pandas().data
    years = frame["YEAR"].astype(int)
    return DevSeries(
        name="sunspots",
        values=frame["SUNACTIVITY"].to_numpy(dtype=np.float64),
        season=11,
        holdout=24,
        timestamps=[f"{y:04d}-01-01" for y in years],
    )


def _airpassengers() -> DevSeries:
    import pmdarima

    values = np.asarray(pmdarima.datasets.load_airpassengers(), dtype=np.float64)
    months = np.arange(len(values))
    return DevSeries(
        name="airpassengers",
        values=values,
        season=12,
        holdout=12,
        timestamps=[f"{1949 + m // 12:04d}-{m % 12 + 1:02d}-01" for m in months],
    )


def load(name: DevName) -> DevSeries:
    """One development series by name."""
    loaders = {"sunspots": _sunspots, "airpassengers": _airpassengers}
    if name not in loaders:
        raise ValueError(f"unknown dataset {name!r}; expected one of {NAMES}")
    return loaders[name]()


def seasonal_naive_forecast(train: np.ndarray, season: int, horizon: int) -> np.ndarray:
    """Repeat the last observed season of `train` over the next `horizon` points ([horizon])."""
    train = np.asarray(train, dtype=np.float64)
    return seasonal_naive(train, [len(train)], horizon, season)[0, :, 0]


def score(
    forecast: np.ndarray, actual: np.ndarray, train: np.ndarray, season: int
) -> dict[str, float]:
    """MAE, RMSE, sMAPE (percent) and MASE of one holdout forecast.

    MASE divides the MAE by the in-sample seasonal-naive MAE of `train` (the issue's definition),
    so it compares across series and against the baseline directly.
    """
    forecast = np.asarray(forecast, dtype=np.float64).reshape(1, -1, 1)
    actual = np.asarray(actual, dtype=np.float64).reshape(1, -1, 1)
    return forecast_metrics(forecast, actual, mase_scale(np.asarray(train), season))
