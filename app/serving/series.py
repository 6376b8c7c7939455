"""Which series each /predict window belongs to and when it ends: the optional `series_id` and
`last_timestamp` fields, checked against the version, and the forecast timestamps they give.

Both fields are one string for every window or a list with one entry per window. A window is
dated from its `last_timestamp` when given, else from its series' last training timestamp (the
window is then taken to end where the training data ended). Forecasts are dated only when the
version knows its data's frequency; sending `last_timestamp` to a version trained without
timestamps is a 422, never silently ignored.
"""

from __future__ import annotations

from typing import Any

from app.datasets.calendar import future_timestamps
from app.errors import InvalidInput
from app.serving.sessions import ArtifactCorrupt
from app.serving.version_info import VersionInfo

SHOWN = 5
"""Series ids listed in an error message."""


def show(value: str, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 4]}...'"


def check_per_window(value: Any, field: str) -> str | list[str] | None:
    """The field's type, checked while parsing (before any lookup)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and value:
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise InvalidInput((field, i), f"must be a string, got {type(item).__name__}")
        return value
    raise InvalidInput(field, "must be a string, or a non-empty list with one string per window")


def per_window(value: str | list[str] | None, field: str, windows: int) -> list[str] | None:
    if value is None or (isinstance(value, list) and len(value) == windows):
        return value
    if isinstance(value, str):
        return [value] * windows
    raise InvalidInput(
        field,
        f"has {len(value)} entries for {windows} windows: give one per window, or one string "
        "for all of them",
    )


def loc_of(field: str, given: str | list[str], i: int) -> str | tuple[str, int]:
    """Where an error is: the field when one string was given for all windows, else its entry."""
    return field if isinstance(given, str) else (field, i)


def _check_series(ids: list[str], given: str | list[str], info: VersionInfo, label: str) -> None:
    known = info.named_series
    if not known:
        raise InvalidInput(
            "series_id", f"{label} was trained on a single unnamed series; leave series_id out"
        )
    for i, series_id in enumerate(ids):
        if series_id not in info.series:
            listed = ", ".join(show(s) for s in known[:SHOWN])
            more = f" and {len(known) - SHOWN} more" if len(known) > SHOWN else ""
            raise InvalidInput(
                loc_of("series_id", given, i),
                f"unknown series {show(series_id)}; {label} was trained on {listed}{more}",
            )


def forecast_timestamps(
    series_id: str | list[str] | None,
    last_timestamp: str | list[str] | None,
    info: VersionInfo,
    windows: int,
    horizon: int,
    label: str,
) -> list[list[str]] | None:
    """[windows][horizon] future timestamps, None when the request cannot be dated; a 422 for
    an unknown series, a list of the wrong length, or an unreadable timestamp."""
    ids = per_window(series_id, "series_id", windows)
    lasts = per_window(last_timestamp, "last_timestamp", windows)
    if ids is not None:
        _check_series(ids, series_id, info, label)
    if info.frequency is None:
        if lasts is not None:
            raise InvalidInput(
                "last_timestamp",
                f"{label} was trained without timestamps, so it cannot date forecasts; "
                "leave last_timestamp out",
            )
        return None
    if lasts is not None:
        return _dated(lasts, info.frequency, horizon, last_timestamp)
    if ids is None:
        return None
    ends = [end for s in ids if (end := info.series[s]) is not None]
    return _dated(ends, info.frequency, horizon, None) if len(ends) == windows else None


def _dated(
    lasts: list[str], frequency: str, horizon: int, given: str | list[str] | None
) -> list[list[str]]:
    """One future_timestamps call per distinct last timestamp; `given` is the request's field,
    for the error's location (None: the timestamps came from the manifest)."""
    known: dict[str, list[str]] = {}
    for i, last in enumerate(lasts):
        if last in known:
            continue
        try:
            known[last] = future_timestamps(last, frequency, horizon)
        except (ValueError, OverflowError) as exc:
            if given is None:
                raise ArtifactCorrupt(
                    f"the manifest's last timestamp {last!r} cannot be stepped by {frequency!r}"
                ) from exc
            raise InvalidInput(
                loc_of("last_timestamp", given, i),
                f"{show(last)} is not a timestamp this version can step from: {exc}",
            ) from None
    return [known[last] for last in lasts]


def stream_start(
    series_id: str | None, last_timestamp: str | None, info: VersionInfo, label: str
) -> str | None:
    """The timestamp of a new stream's latest row: `last_timestamp` when given, else the end of
    its series' training data (as for a /predict window); None when it cannot be dated. A 422
    for an unknown series or an unreadable timestamp."""
    if series_id is not None:
        _check_series([series_id], series_id, info, label)
    if info.frequency is None:
        if last_timestamp is not None:
            raise InvalidInput(
                "last_timestamp",
                f"{label} was trained without timestamps, so it cannot date forecasts; "
                "leave last_timestamp out",
            )
        return None
    if last_timestamp is not None:
        _dated([last_timestamp], info.frequency, 1, last_timestamp)  # readable and steppable
        return last_timestamp
    return None if series_id is None else info.series[series_id]


def stepped(last: str, frequency: str, steps: int) -> str:
    """`last` moved `steps` steps of `frequency` on (in its own style)."""
    try:
        return future_timestamps(last, frequency, steps)[-1]
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(
            "values", f"the stream's timestamps cannot be stepped past {show(last)}: {exc}"
        ) from None
