from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, new_id, utcnow
from app.registry.models import Model


class ModelSchedule(Base):
    """One model's refresh schedule: a cron (or an interval) that Celery beat times, and what
    the refresh it fires does with the version it trains (promote, alias).

    Beat keeps its own state here, not in a file beside it: `last_run_at` is written when an
    entry fires, so a restarted beat neither fires again nor forgets a run it missed."""

    __tablename__ = "model_schedules"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), unique=True)
    cron: Mapped[str | None] = mapped_column(String(100))
    """Five fields (minute hour day-of-month month day-of-week), UTC; or null with an interval."""
    interval_seconds: Mapped[int | None]
    promote: Mapped[str] = mapped_column(String(16))
    alias: Mapped[str] = mapped_column(String(64))
    refresh_when: Mapped[dict | None]
    """{"mase_ratio_above": x}: a refresh starts early when the alias version's live MASE ratio
    (app.accuracy) is over x; checked every `schedule_watch_seconds`."""
    early_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("model_versions.id", ondelete="SET NULL")
    )
    """The alias version the last early refresh was started for: one early refresh per version,
    so a refresh that is not promoted does not start another at every check."""
    last_run_at: Mapped[datetime]
    """When beat last fired it; set to the time of the put when its timing changes, so the
    next run is counted from then."""
    total_run_count: Mapped[int] = mapped_column(default=0)
    last_job_id: Mapped[str | None] = mapped_column(
        ForeignKey("training_jobs.id", ondelete="SET NULL")
    )
    """The refresh job its last fire started: a fire waits while that one is queued or running."""
    last_outcome: Mapped[str | None] = mapped_column(String(500))
    """What the last fire did: the job it started, or why it started none."""
    owner_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="SET NULL"), index=True
    )
    """The key that put it: the refresh jobs it starts count against that key's quota."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    model: Mapped[Model] = relationship(lazy="joined", innerjoin=True)
