"""Covariates both sides compute the same way: calendar features of timestamps (the worker for
training windows, the server for a forecast's own timestamps) and the encoding of static
covariates. Part of the ONNX/artifact contract (app.contract), so it must never import torch.

Calendar features are raw numbers (day of week 0-6, month 1-12, a holiday 0/1); the graph scales
them with the training rows' statistics, as it does every other input.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Container, Mapping, Sequence
from datetime import date, datetime

import numpy as np

from app.datasets.calendar import parse_timestamp

CALENDAR_FEATURES: dict[str, Callable[[datetime], float]] = {
    "day_of_week": lambda t: t.weekday(),  # Monday 0
    "day_of_month": lambda t: t.day,
    "day_of_year": lambda t: t.timetuple().tm_yday,
    "week_of_year": lambda t: t.isocalendar().week,
    "month": lambda t: t.month,
    "quarter": lambda t: (t.month - 1) // 3 + 1,
    "hour": lambda t: t.hour,
    "minute": lambda t: t.minute,
}
"""Name -> value of one timestamp, for `"calendar": [...]` in /train."""

HOLIDAYS_PREFIX = "holidays:"
"""`holidays:<ISO 3166 country code>` (e.g. `holidays:US`, `holidays:DE`): 1.0 on a public holiday
of that country (the `holidays` package), else 0.0."""

MAX_CALENDAR_FEATURES = 32
MAX_STATIC_FEATURES = 1_024
"""Encoded static columns (a categorical column counts one per distinct value)."""


@functools.cache
def _countries() -> frozenset[str]:
    import holidays  # imported on first use: a few ms, only for versions that ask for holidays

    return frozenset(holidays.list_supported_countries())


@functools.cache
def _holiday_calendar(country: str) -> Container[date]:
    import holidays

    return holidays.country_holidays(country)


def calendar_problem(name: str) -> str | None:
    """Why `name` is not a calendar feature, or None when it is one."""
    if name in CALENDAR_FEATURES:
        return None
    if name.startswith(HOLIDAYS_PREFIX):
        country = name.removeprefix(HOLIDAYS_PREFIX)
        if country in _countries():
            return None
        return (
            f"unknown country {country!r} for holidays: give an ISO 3166 alpha-2 code the "
            "`holidays` package supports, e.g. holidays:US, holidays:GB, holidays:DE"
        )
    known = ", ".join([*CALENDAR_FEATURES, f"{HOLIDAYS_PREFIX}<country>"])
    return f"unknown calendar feature {name!r}; choose from {known}"


def _feature(name: str) -> Callable[[datetime], float]:
    if name.startswith(HOLIDAYS_PREFIX):
        days = _holiday_calendar(name.removeprefix(HOLIDAYS_PREFIX))
        return lambda t: float(date(t.year, t.month, t.day) in days)
    return CALENDAR_FEATURES[name]


def calendar_values(timestamps: Sequence[str | datetime], features: Sequence[str]) -> np.ndarray:
    """float32 [len(timestamps), len(features)]: each timestamp's calendar features.

    Raises ValueError for a timestamp that does not parse or a feature that does not exist.
    """
    for name in features:
        if problem := calendar_problem(name):
            raise ValueError(problem)
    functions = [_feature(name) for name in features]
    out = np.empty((len(timestamps), len(features)), dtype=np.float32)
    for i, stamp in enumerate(timestamps):
        t = parse_timestamp(stamp) if isinstance(stamp, str) else stamp
        out[i] = [f(t) for f in functions]
    return out


def calendar_windows(timestamps: Sequence[Sequence[str]], features: Sequence[str]) -> np.ndarray:
    """float32 [windows, steps, len(features)]: calendar_values of each window's timestamps,
    every distinct timestamp computed once (windows of one series, or of series ending on the
    same day, share most of theirs). Raises ValueError as calendar_values does."""
    distinct: dict[str, int] = {}
    index = [[distinct.setdefault(t, len(distinct)) for t in stamps] for stamps in timestamps]
    return calendar_values(list(distinct), features)[np.asarray(index, dtype=np.intp)]


def encode_static(
    per_series: Mapping[str, Sequence[float]],
    columns: Sequence[str],
    categorical: Sequence[str] = (),
    known: Sequence[str] | None = None,
) -> tuple[list[str], dict[str, list[float]]]:
    """Series id -> its value of each static column  ->  (encoded feature names, series id ->
    encoded vector). A numeric column stays one feature; a categorical one becomes a 0/1
    indicator `column=value` per distinct value, in ascending order of the values.

    With `known` (the static_features of a version a warm start begins from), the features are
    those, whatever values this data has: its weights were trained for that layout, so a
    category it knew keeps its indicator, and one it never saw is a ValueError naming the column,
    the value and the series."""
    levels_of = _known_levels(known, columns, categorical) if known is not None else None
    names: list[str] = []
    encoders: list[Callable[[str, float], list[float]]] = []
    for j, column in enumerate(columns):
        if column in categorical:
            if levels_of is None:
                levels = sorted({float(values[j]) for values in per_series.values()})
            else:
                levels = levels_of[column]
            names += [f"{column}={_format(level)}" for level in levels]
            encoders.append(functools.partial(_indicators, column, levels, levels_of is not None))
        else:
            names.append(column)
            encoders.append(lambda series, v: [float(v)])
    if len(names) > MAX_STATIC_FEATURES:
        raise ValueError(
            f"static columns encode to {len(names)} features, more than {MAX_STATIC_FEATURES}: "
            "a categorical column has too many distinct values"
        )
    encoded = {
        series: [x for j, v in enumerate(values) for x in encoders[j](series, v)]
        for series, values in per_series.items()
    }
    return names, encoded


def _indicators(
    column: str, levels: list[float], fixed: bool, series: str, value: float
) -> list[float]:
    if fixed and float(value) not in levels:
        where = f"series {series!r}" if series else "the series"
        raise ValueError(
            f"static column {column!r} of {where} is {_format(value)}, a category the version "
            f"warm-started from never saw (it knows {', '.join(map(_format, levels))}): its "
            "network has no input for it; train from scratch to add a category"
        )
    return [float(value == level) for level in levels]


def _known_levels(
    known: Sequence[str], columns: Sequence[str], categorical: Sequence[str]
) -> dict[str, list[float]]:
    """Categorical column -> its levels, read back from encoded feature names in encode_static's
    layout (columns in order: a numeric one's own name, a categorical one's `column=value`s)."""
    levels: dict[str, list[float]] = {}
    i = 0
    for column in columns:
        if column not in categorical:
            if i >= len(known) or known[i] != column:
                break
            i += 1
            continue
        prefix = f"{column}="
        found = levels[column] = []
        while i < len(known) and known[i].startswith(prefix):
            try:
                found.append(float(known[i][len(prefix) :]))
            except ValueError:
                break
            i += 1
        if not found:  # every categorical column encodes to one indicator or more
            break
    else:
        if i == len(known):
            return levels
    raise ValueError(
        f"the static features {list(known)} are not an encoding of the static columns "
        f"{list(columns)} (categorical: {list(categorical)})"
    )


def _format(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)
