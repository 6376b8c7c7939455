"""Timestamps and their frequency: parse ISO 8601, infer the step, extend a series into the future.

Pure Python (no pandas): the gateway uses it to validate uploads and to stamp forecasts. A
frequency is a short pandas-style alias, so users can hand it to `pandas.date_range` as is:

- a constant step: `[n]unit` with unit `D`, `h`, `min`, `s`, `ms` or `us` (e.g. `D`, `15min`,
  `7D`); the largest unit that divides the step is used, and `n` is left out when it is 1;
- calendar steps for month-start or month-end data, whose step in seconds varies: `MS`/`ME`
  (monthly), `QS`/`QE` (3 months), `YS`/`YE` (12 months), `[n]MS`/`[n]ME` otherwise (e.g. `2MS`).
  Calendar frequencies step from the last timestamp, so the anchor month is always the data's own.
"""

from __future__ import annotations

import calendar as _calendar
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import pairwise

_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_FREQUENCY = re.compile(r"^(\d*)(D|h|min|s|ms|us|MS|ME|QS|QE|YS|YE)$")
_FIXED_UNITS = (("D", 86_400_000_000), ("h", 3_600_000_000), ("min", 60_000_000))
_FIXED_UNITS += (("s", 1_000_000), ("ms", 1_000), ("us", 1))
_CALENDAR_UNITS = {"M": 1, "Q": 3, "Y": 12}


def parse_timestamp(text: str) -> datetime:
    """ISO 8601 date or date-time (`2024-01-31`, `2024-01-31T12:00:00+02:00`, `...Z`), or a
    year-month (`1949-01`, read as the first of the month). Raises ValueError otherwise."""
    text = text.strip()
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        if match := _YEAR_MONTH.match(text):
            return datetime(int(match[1]), int(match[2]), 1)
        raise


def _month_index(t: datetime) -> int:
    return t.year * 12 + t.month - 1


def _is_month_end(t: datetime) -> bool:
    return t.day == _calendar.monthrange(t.year, t.month)[1]


def _calendar_frequency(times: list[datetime]) -> str | None:
    """`MS`-style alias when every timestamp is a month start (or every one a month end) at the
    same time of day, a constant number of months apart."""
    if len({(t.time(), t.tzinfo) for t in times}) != 1:
        return None
    if all(t.day == 1 for t in times):
        anchor = "S"
    elif all(_is_month_end(t) for t in times):
        anchor = "E"
    else:
        return None
    steps = {_month_index(b) - _month_index(a) for a, b in pairwise(times)}
    if len(steps) != 1 or (months := steps.pop()) < 1:
        return None
    unit = next(u for u in ("Y", "Q", "M") if months % _CALENDAR_UNITS[u] == 0)
    n = months // _CALENDAR_UNITS[unit]
    return f"{n if n > 1 else ''}{unit}{anchor}"


def _fixed_frequency(times: list[datetime]) -> str | None:
    steps = {b - a for a, b in pairwise(times)}
    if len(steps) != 1 or (step := steps.pop()) <= timedelta(0):
        return None
    micros = step // timedelta(microseconds=1)
    unit, size = next((u, s) for u, s in _FIXED_UNITS if micros % s == 0)
    n = micros // size
    return f"{n if n > 1 else ''}{unit}"


def infer_frequency(timestamps: Sequence[str]) -> str | None:
    """The series' step as an alias (see the module docstring), or None when it has fewer than
    two timestamps, they cannot be parsed, or the steps are irregular."""
    try:
        return frequency_of([parse_timestamp(t) for t in timestamps])
    except ValueError:
        return None


def frequency_of(times: Sequence[datetime]) -> str | None:
    """infer_frequency for timestamps already parsed."""
    try:
        ordered = sorted(times)
    except TypeError:  # naive and aware mixed
        return None
    if len(ordered) < 2:
        return None
    return _calendar_frequency(ordered) or _fixed_frequency(ordered)


def _add_months(t: datetime, months: int, anchor: str) -> datetime:
    year, month = divmod(_month_index(t) + months, 12)
    day = 1 if anchor == "S" else _calendar.monthrange(year, month + 1)[1]
    return t.replace(year=year, month=month + 1, day=day)


def _format_like(t: datetime, last: str) -> str:
    """Write `t` in the style of `last`: year-month, date, or date-time with the same separator
    and `Z` suffix."""
    last = last.strip()
    midnight = t.hour == t.minute == t.second == t.microsecond == 0
    if _YEAR_MONTH.match(last) and midnight and t.day == 1:
        return f"{t.year:04d}-{t.month:02d}"
    if len(last) <= 10 and midnight and t.tzinfo is None:  # 2024-01-31, 20240131, 2024-W05-3
        return t.date().isoformat()
    sep = last[10] if len(last) > 10 and last[10] in " T" else "T"
    text = t.isoformat(sep=sep)
    if last.endswith("Z") and t.utcoffset() == timedelta(0):
        text = text.removesuffix("+00:00") + "Z"
    return text


def future_timestamps(last: str, frequency: str, horizon: int) -> list[str]:
    """The `horizon` timestamps after `last`, `frequency` apart, formatted like `last`.

    Raises ValueError for an unknown frequency or an unparseable `last`.
    """
    match = _FREQUENCY.match(frequency)
    if match is None:
        raise ValueError(f"unknown frequency {frequency!r}")
    n, unit = int(match[1] or 1), match[2]
    start = parse_timestamp(last)
    if unit[0] in _CALENDAR_UNITS and len(unit) == 2:
        months, anchor = n * _CALENDAR_UNITS[unit[0]], unit[1]
        times = [_add_months(start, months * i, anchor) for i in range(1, horizon + 1)]
    else:
        step = timedelta(microseconds=n * dict(_FIXED_UNITS)[unit])
        times = [start + step * i for i in range(1, horizon + 1)]
    return [_format_like(t, last) for t in times]


def is_aware(t: datetime) -> bool:
    """Naive and aware times cannot be compared: a series must use one kind."""
    return t.tzinfo is not None and t.utcoffset() is not None
