"""The development datasets and how forecasts on them are scored.

Every series ships inside an installed package (no download). Issue 6's two: statsmodels' yearly
sunspots (1700-2008, season 11, holdout the last 24 years) and pmdarima's monthly airpassengers
(1949-1960, season 12, holdout 12). Issue 15 adds eight more of other frequencies and lengths
(ACCURACY_NAMES): pmdarima's quarterly ausbeer, austres and woolyrnq, monthly wineind, yearly
lynx, heartrate (150 beats, no season) and half-hourly taylor (4,032 points, daily season 48),
and statsmodels' quarterly US real GDP (macrodata). Their holdouts: two seasons, 10 points
without one, lynx one season (two leave the default window no training window), taylor two days.

Every benchmark scores the same holdout the same way: MASE is scaled by the in-sample
seasonal-naive MAE of the training part, so seasonal naive itself scores about 1.67 on sunspots
and 1.57 on airpassengers (the issue's numbers).

    from devdata import load, score, seasonal_naive_forecast
    d = load("airpassengers")
    train, actual = d.values[: -d.holdout], d.values[-d.holdout :]
    score(seasonal_naive_forecast(train, d.season, d.holdout), actual, train, d.season)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal, get_args

import numpy as np

from workers.training.metrics import forecast_metrics, mase_scale, seasonal_naive

DevName = Literal[
    "sunspots",
    "airpassengers",
    "ausbeer",
    "austres",
    "woolyrnq",
    "wineind",
    "lynx",
    "heartrate",
    "taylor",
    "realgdp",
]
NAMES: tuple[DevName, ...] = ("sunspots", "airpassengers")
"""Issue 6's development pair (train_speed.py and the default accuracy run)."""
ACCURACY_NAMES: tuple[DevName, ...] = tuple(n for n in get_args(DevName) if n != "taylor")
"""The accuracy table of issue 15: every series but taylor, whose 4,032 points make one run at the
defaults (windows of 144 half-hours) take minutes on a shared 2-core machine; run it by name."""


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


def _monthly(start_year: int, start_month: int, n: int) -> list[str]:
    index = [start_year * 12 + start_month - 1 + i for i in range(n)]
    return [f"{m // 12:04d}-{m % 12 + 1:02d}-01" for m in index]


def _quarterly(start_year: int, start_quarter: int, n: int) -> list[str]:
    return _monthly(start_year, 3 * start_quarter - 2, 3 * n)[::3]


def _pmdarima(
    name: str, season: int, holdout: int, stamps: Callable[[int], list[str]]
) -> DevSeries:
    import pmdarima

    values = np.asarray(getattr(pmdarima.datasets, f"load_{name}")(), dtype=np.float64)
    values = values[: len(values) - np.argmax(np.isfinite(values[::-1]))]  # ausbeer ends in NaN
    return DevSeries(name, values, season, holdout, stamps(len(values)))


def _every(start: datetime, step: timedelta) -> Callable[[int], list[str]]:
    return lambda n: [(start + step * i).isoformat() for i in range(n)]


def _realgdp() -> DevSeries:
    import statsmodels.api as sm

    frame = sm.datasets.macrodata.load_pandas().data
    values = frame["realgdp"].to_numpy(dtype=np.float64)
    return DevSeries("realgdp", values, 4, 8, _quarterly(1959, 1, len(values)))


_LOADERS: dict[str, Callable[[], DevSeries]] = {
    "sunspots": _sunspots,
    "airpassengers": _airpassengers,
    "ausbeer": lambda: _pmdarima("ausbeer", 4, 8, lambda n: _quarterly(1956, 1, n)),
    "austres": lambda: _pmdarima("austres", 4, 8, lambda n: _quarterly(1971, 2, n)),
    "woolyrnq": lambda: _pmdarima("woolyrnq", 4, 8, lambda n: _quarterly(1965, 1, n)),
    "wineind": lambda: _pmdarima("wineind", 12, 24, lambda n: _monthly(1980, 1, n)),
    "lynx": lambda: _pmdarima("lynx", 10, 10, lambda n: [f"{1821 + i}-01-01" for i in range(n)]),
    # heartrate: beats of one subject, 0.5 s apart; taylor: England and Wales electricity demand,
    # half-hourly, 12 weeks from Monday 2000-06-05.
    "heartrate": lambda: _pmdarima(
        "heartrate", 1, 10, _every(datetime(2000, 1, 1), timedelta(seconds=0.5))
    ),
    "taylor": lambda: _pmdarima(
        "taylor", 48, 96, _every(datetime(2000, 6, 5), timedelta(minutes=30))
    ),
    "realgdp": _realgdp,
}


def load(name: DevName, origin: int = 0) -> DevSeries:
    """One development series by name; with `origin` k > 0, the series cut k holdouts before its
    end, so its holdout is the stretch that precedes the usual one (a second forecast origin:
    one holdout per series is a noisy judge of small differences between models)."""
    if name not in _LOADERS:
        raise ValueError(f"unknown dataset {name!r}; expected one of {ACCURACY_NAMES}")
    if origin < 0:
        raise ValueError(f"origin must be >= 0, not {origin}")
    series = _LOADERS[name]()
    if origin == 0:
        return series
    end = len(series.values) - origin * series.holdout
    return replace(series, values=series.values[:end], timestamps=series.timestamps[:end])


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


def best_statsforecast(
    scores: dict[str, dict[str, dict]], dataset: str
) -> tuple[str, float] | None:
    """The best statsforecast model on `dataset` and its MASE, out of statsforecast scores
    (dataset -> model -> score, as accuracy.statsforecast_scores returns and result files keep);
    None when none scored it."""
    scored = {m: r["mase"] for m, r in scores.get(dataset, {}).items() if "mase" in r}
    if not scored:
        return None
    model = min(scored, key=scored.__getitem__)
    return model, scored[model]
