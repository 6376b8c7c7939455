"""/predict with `record: true`: the forecast stored for live accuracy (app.accuracy), beside
the seasonal-naive forecast made from the same window. Runs in a thread (a database write), after
the forecast; the default path never comes here."""

from __future__ import annotations

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from app.accuracy import service as accuracy
from app.accuracy.models import SOURCE_PREDICT
from app.accuracy.naive import window_naive
from app.errors import InvalidInput, NotFound
from app.registry.models import ModelVersion
from app.serving.series import per_window
from app.serving.version_info import VersionInfo

FIELD = "record"
MAX_RECORDS = 100_000
"""Forecast points (windows × horizon × targets) one recorded request may store: what a caller
can make the database hold per request is bounded (1,024 windows of 24 steps fit four times)."""


UNNAMED = ""
"""The series id of a dataset without a series column (app.datasets.storage)."""


def check_recordable(info: VersionInfo, series_id: str | list[str] | None) -> None:
    """A 422 naming `record` unless the forecast can be stored: it needs a series (implied when
    the version was trained on one unnamed series) and a version that dates its forecasts, or no
    appended row could ever score it."""
    if series_id is None and info.named_series:
        raise InvalidInput(FIELD, "needs series_id: a stored forecast is scored by its series")
    if info.frequency is None:
        raise InvalidInput(
            FIELD,
            "this version was trained without timestamps, so its forecasts cannot be dated "
            "and scored; leave record out",
        )


def check_dated(timestamps: list[list[str]] | None, points: int) -> None:
    """After the forecast is dated, before it runs: it has dates, and not too many points."""
    if points > MAX_RECORDS:
        raise InvalidInput(
            FIELD,
            f"would store {points} forecast points (windows × horizon × targets), over the "
            f"limit of {MAX_RECORDS} per request; record fewer windows at a time",
        )
    if timestamps is None:
        raise InvalidInput(
            FIELD, "the forecast cannot be dated: give last_timestamp for every window"
        )


class Recorder:
    """Stores a recorded /predict's forecasts; one transaction per request."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def __call__(
        self,
        version_id: int,
        inputs: np.ndarray,
        series_id: str | list[str] | None,
        last_timestamp: str | list[str] | None,
        info: VersionInfo,
        feature_columns: tuple[str, ...],
        point: np.ndarray,
        timestamps: list[list[str]],
    ) -> int:
        windows, horizon = point.shape[:2]
        ids = per_window(UNNAMED if series_id is None else series_id, "series_id", windows) or []
        origins = per_window(last_timestamp, "last_timestamp", windows) or [
            info.series[s] for s in ids
        ]
        with self._sessions() as session:
            version = session.get(ModelVersion, version_id)
            if version is None:
                raise NotFound(f"version {version_id} was deleted")
            targets = list(version.target_columns)
            naive = None
            if set(targets) <= set(feature_columns):
                columns = [feature_columns.index(t) for t in targets]
                batch = inputs if inputs.ndim == 3 else inputs[..., None]
                season = accuracy.season_of(version.metrics)
                naive = np.stack([window_naive(w[:, columns], horizon, season) for w in batch])
            forecasts = accuracy.Forecasts(ids, origins, timestamps, point, naive, targets)  # type: ignore[arg-type]
            stored = accuracy.store(
                session,
                [forecasts],
                version_id=version_id,
                dataset_id=version.dataset_id,
                source=SOURCE_PREDICT,
            )
            session.commit()
        return stored
