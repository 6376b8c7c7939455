"""The graph inputs a version with covariates takes beside its windows (app.contract: `future`,
`calendar`, `static`), made from what a request sends and checked against the version, so a
refused request costs no model run.

- `future` [batch, horizon, n_future]: raw known-future values, sent with every request (/predict,
  an OIP tensor, each stream observe). Required by a version with future columns, refused by one
  without.
- `calendar` [batch, horizon, n_calendar]: computed here from the forecast's own timestamps
  (app.serving.series dates them from `last_timestamp` or `series_id`); an Open Inference
  Protocol client may send the tensor itself instead.
- `static` [batch, n_static]: each window's series' encoded vector, looked up in the manifest by
  `series_id`; an OIP client may send the tensor itself.

A version without covariates never comes here unless a request sends one (then it is refused):
its requests stay one array on the hot path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.contract import CALENDAR_INPUT_NAME, FUTURE_INPUT_NAME, STATIC_INPUT_NAME
from app.covariates import calendar_windows
from app.errors import InvalidInput
from app.serving.inputs import NOT_FINITE, Field
from app.serving.series import SHOWN, loc_of, per_window, show
from app.serving.sessions import ArtifactCorrupt
from app.serving.version_info import VersionInfo


@dataclass(frozen=True, slots=True)
class KnownInputs:
    """What a request sends for a version's covariates, each with a leading batch axis (one
    row per window, or one for a stream). Calendar and static come as tensors from OIP clients
    only; everywhere else the server computes them."""

    future: np.ndarray | None = None
    calendar: np.ndarray | None = None
    static: np.ndarray | None = None
    tensors: bool = False
    """The request names graph tensors (OIP): a missing covariate is asked for as a tensor."""


def check_block(
    values: np.ndarray,
    field: Field,
    windows: int,
    shape: Sequence[int],
    names: Sequence[str],
    what: str,
) -> np.ndarray:
    """float32 [windows, *shape] (the last axis may be left out when it has one column), or a
    422 naming `field` and what is wrong: the batch, the horizon or the number of columns."""
    layout = "[batch]" + "".join(["[horizon]"] * (len(shape) - 1)) + f"[{len(names)}]"
    columns = ", ".join(names)
    if values.ndim == len(shape) and len(names) == 1:
        values = values[..., None]
    if values.ndim != len(shape) + 1:
        raise InvalidInput(
            field, f"expected {layout} ({what}: {columns}), got a {values.ndim}-D array"
        )
    if values.shape[0] != windows:
        raise InvalidInput(
            field,
            f"has {values.shape[0]} rows for {windows} windows in inputs: give one per window",
        )
    if len(shape) == 2 and values.shape[1] != shape[0]:
        raise InvalidInput(
            field,
            f"expected {shape[0]} steps per window (the version's horizon), got {values.shape[1]}",
        )
    if values.shape[-1] != len(names):
        raise InvalidInput(
            field,
            f"expected {len(names)} values per step ({what}: {columns}), got {values.shape[-1]}",
        )
    if not np.isfinite(values).all():
        raise InvalidInput(field, NOT_FINITE)
    return np.ascontiguousarray(values, dtype=np.float32)


def extra_inputs(
    info: VersionInfo,
    horizon: int,
    windows: int,
    label: str,
    given: KnownInputs | None,
    series_id: str | list[str] | None,
    timestamps: list[list[str]] | None,
) -> tuple[np.ndarray, ...]:
    """The version's extra graph inputs for `windows` windows, in graph order (empty for a
    version without covariates), or a 422 naming the field that is missing or wrong."""
    given = given or KnownInputs()
    extras: list[np.ndarray] = []
    if given.future is not None and not info.future_columns:
        raise InvalidInput(
            FUTURE_INPUT_NAME, f"{label} has no known-future columns; leave {FUTURE_INPUT_NAME} out"
        )
    if given.calendar is not None and not info.calendar:
        raise InvalidInput(
            CALENDAR_INPUT_NAME,
            f"{label} has no calendar features; leave {CALENDAR_INPUT_NAME} out",
        )
    if given.static is not None and not info.static_features:
        raise InvalidInput(
            STATIC_INPUT_NAME,
            f"{label} has no static covariates; leave {STATIC_INPUT_NAME} out",
        )
    if info.future_columns:
        if given.future is None:
            columns = ", ".join(info.future_columns)
            raise InvalidInput(
                FUTURE_INPUT_NAME,
                f"required: {label} takes known-future columns ({columns}) over the forecast's "
                f"{horizon} steps: send [batch][{horizon}][{len(info.future_columns)}]",
            )
        extras.append(
            check_block(
                given.future,
                FUTURE_INPUT_NAME,
                windows,
                (horizon, len(info.future_columns)),
                info.future_columns,
                "the known-future columns",
            )
        )
    if info.calendar:
        extras.append(_calendar(info, horizon, windows, label, given, timestamps))
    if info.static_features:
        extras.append(_static(info, windows, label, given, series_id))
    return tuple(extras)


def _calendar(
    info: VersionInfo,
    horizon: int,
    windows: int,
    label: str,
    given: KnownInputs,
    timestamps: list[list[str]] | None,
) -> np.ndarray:
    if given.calendar is not None:
        return check_block(
            given.calendar,
            CALENDAR_INPUT_NAME,
            windows,
            (horizon, len(info.calendar)),
            info.calendar,
            "the calendar features",
        )
    features = ", ".join(info.calendar)
    if timestamps is None:
        if given.tensors:
            raise InvalidInput(
                CALENDAR_INPUT_NAME,
                f"required: {label} takes calendar features ({features}) of the forecast's "
                f"timestamps: send the {CALENDAR_INPUT_NAME!r} input [batch, {horizon}, "
                f"{len(info.calendar)}]",
            )
        raise InvalidInput(
            "last_timestamp",
            f"required: {label} takes calendar features ({features}) of the forecast's "
            "timestamps, so the forecast must be dated: give last_timestamp, or series_id of "
            "a series whose training data had timestamps",
        )
    return calendar_block(timestamps, info.calendar, label)


def calendar_block(timestamps: list[list[str]], features: Sequence[str], label: str) -> np.ndarray:
    """float32 [windows, horizon, n_calendar] of the forecast timestamps, each distinct
    timestamp computed once (windows of one series end, or ending a step apart, share most)."""
    try:
        return calendar_windows(timestamps, features)
    except ValueError as exc:  # the manifest's features, or timestamps the server made
        raise ArtifactCorrupt(f"{label}: cannot compute its calendar features: {exc}") from None


def _static(
    info: VersionInfo,
    windows: int,
    label: str,
    given: KnownInputs,
    series_id: str | list[str] | None,
) -> np.ndarray:
    if given.static is not None:
        return check_block(
            given.static,
            STATIC_INPUT_NAME,
            windows,
            (len(info.static_features),),
            info.static_features,
            "the encoded static covariates",
        )
    values = info.static_values
    if series_id is None:
        if list(values) == [""]:  # one unnamed series: its vector is the only one
            return np.broadcast_to(values[""], (windows, len(info.static_features))).copy()
        if given.tensors:
            raise InvalidInput(
                STATIC_INPUT_NAME,
                f"required: {label} takes static covariates: send the {STATIC_INPUT_NAME!r} "
                f"input [batch, {len(info.static_features)}]",
            )
        raise InvalidInput(
            "series_id",
            f"required: {label} looks up its static covariates "
            f"({', '.join(info.static_features[:SHOWN])}"
            f"{', ...' if len(info.static_features) > SHOWN else ''}) by series: give series_id",
        )
    ids = per_window(series_id, "series_id", windows)
    assert ids is not None
    rows = []
    for i, name in enumerate(ids):
        row = values.get(name)
        if row is None:
            known = [s for s in values if s]
            listed = ", ".join(show(s) for s in known[:SHOWN])
            more = f" and {len(known) - SHOWN} more" if len(known) > SHOWN else ""
            raise InvalidInput(
                loc_of("series_id", series_id, i),
                f"unknown series {show(name)}: {label} has static covariates for {listed}{more}",
            )
        rows.append(row)
    return np.stack(rows)
