from __future__ import annotations

from sqlalchemy import Enum, ForeignKey
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from app.db import Base
from app.registry.models import ModelVersion
from app.training.models import JobStatus, QueuedJob


class Backtest(QueuedJob, Base):
    """A rolling-origin evaluation of one version's ONNX artifact on its dataset.

    The worker task is keyed by this id and re-reads the row; results are written once, at the
    end, so a row is either queued/running with no results or finished with all of them.
    """

    __tablename__ = "backtests"

    status: Mapped[JobStatus] = mapped_column(
        Enum(JobStatus, name="backtest_status", native_enum=False, length=16),
        default=JobStatus.queued,
        index=True,
    )
    version_id: Mapped[int] = mapped_column(
        ForeignKey("model_versions.id", ondelete="CASCADE"), index=True
    )
    """Deleting a version deletes its backtests: they describe that artifact only."""
    folds: Mapped[int]
    stride: Mapped[int]
    """Rows between consecutive forecast origins."""
    fold_metrics: Mapped[list] = mapped_column(default=list)
    """Per fold, oldest first: {fold, origins, model, seasonal_naive, beats_seasonal_naive,
    in_validation}."""
    metrics: Mapped[dict] = mapped_column(default=dict)
    """Over all folds: {model, seasonal_naive, season_length, series, ...}."""
    beats_seasonal_naive: Mapped[bool | None]

    version: Mapped[ModelVersion] = relationship(
        backref=backref(
            "backtests",
            order_by="Backtest.created_at",
            cascade="all, delete-orphan",
            passive_deletes=True,
        )
    )
    """Also gives `ModelVersion.backtests` (the registry lists them); deleting a version leaves
    the rows to the database's ON DELETE CASCADE."""
