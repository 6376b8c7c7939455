from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow

SOURCE_PREDICT = "predict"
"""`source` of a record stored by /predict with `record: true`; a forecast job's id otherwise."""


class ForecastRecord(Base):
    """One stored point forecast (a series, an origin, a horizon step, a target) beside the
    seasonal-naive forecast made at the same origin from the same input window, waiting for its
    actual. Appended rows of the dataset set `actual` (app.accuracy.service.score_rows); live
    metrics aggregate the scored ones per version, step and series.

    Timestamps are UTC (a naive dataset timestamp is read as UTC), so a forecast dated
    `2025-01-01` matches an appended row written `2025-01-01T00:00:00`."""

    __tablename__ = "forecast_records"
    __table_args__ = (
        Index("ix_forecast_records_lookup", "dataset_id", "series_id", "forecast_at"),
        Index("ix_forecast_records_version_scored", "version_id", "scored_at"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id", ondelete="CASCADE"))
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    """Whose appended rows score it: the forecast job's dataset, or the version's training
    dataset for /predict."""
    series_id: Mapped[str] = mapped_column(String(100))
    origin: Mapped[datetime]
    """The timestamp of the input window's last row."""
    step: Mapped[int]
    """1..horizon."""
    target: Mapped[str] = mapped_column(String(200))
    forecast_at: Mapped[datetime]
    forecast: Mapped[float] = mapped_column(Float)
    naive: Mapped[float | None] = mapped_column(Float)
    """Seasonal naive at the same origin; null when the targets are not among the features (the
    window does not hold them)."""
    actual: Mapped[float | None] = mapped_column(Float)
    scored_at: Mapped[datetime | None]
    source: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
