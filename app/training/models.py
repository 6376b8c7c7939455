from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, new_id, utcnow


class JobStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in (JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled)


class QueuedJob:
    """The columns every job a worker runs has (training jobs, backtests): the id its task is
    keyed by, the Idempotency-Key, delivery (published_at, worker, attempts), the owner its
    quota counts against, and its times."""

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    error: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    """From the client's Idempotency-Key header: a retried POST returns this job."""
    published_at: Mapped[datetime | None]
    """When the task message reached the broker; null rows are re-published by the reconciler."""
    worker: Mapped[str | None] = mapped_column(String(200))
    """host:pid of the worker process running it, to tell a dead one from a live one."""
    owner_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="SET NULL"), index=True
    )
    """The API key that queued it (None with auth off): its jobs count against its quota."""
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class TrainingJob(QueuedJob, Base):
    """One request to train. The worker task is keyed by this id and re-reads the row."""

    __tablename__ = "training_jobs"

    status: Mapped[JobStatus] = mapped_column(
        Enum(JobStatus, name="job_status", native_enum=False, length=16),
        default=JobStatus.queued,
        index=True,
    )
    model_name: Mapped[str] = mapped_column(String(100), index=True)
    architecture: Mapped[str] = mapped_column(String(16))
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"), index=True)
    dataset_revision: Mapped[int] = mapped_column(default=1, server_default="1")
    """The dataset's revision when the job was submitted: the worker trains on exactly it."""
    spec: Mapped[dict]
    """The validated request: columns, lengths, hyperparameters (defaults filled in)."""
    epochs_total: Mapped[int]
    epochs_done: Mapped[int] = mapped_column(default=0)
    history: Mapped[list] = mapped_column(default=list)
    """Per epoch: {epoch, train_loss, val_loss, seconds}."""
    device: Mapped[str | None] = mapped_column(String(64))
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    heartbeat_at: Mapped[datetime | None]
    """Last sign of life from the worker running it (a thread of the task writes it every
    `job_heartbeat_interval_seconds`, workers.heartbeat)."""
    timings: Mapped[dict] = mapped_column(default=dict)
    """Seconds spent per phase: queued, training, export, total."""
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("training_jobs.id", ondelete="CASCADE"), index=True
    )
    """An `"architecture": "auto"` job's candidate names it (app.training.auto): it trains and
    stores its artifact like any job, and the parent's selection registers the best one."""
    metrics: Mapped[dict | None]
    """A candidate's validation metrics (app.training.auto.summary), once it has succeeded."""
    artifact: Mapped[dict | None]
    """A candidate's exported, stored and not yet registered version: the fields registering it
    writes (workers.registration)."""
    promote: Mapped[str | None] = mapped_column(String(16))
    """A refresh's promotion policy for the version it registers (never, always, if_better);
    null for plain jobs. Stored here; acted on after registration by the promotion gate."""
    trigger: Mapped[dict | None]
    """What started it, when not a plain /train: {"kind": "refresh", "alias": ...} or
    {"kind": "schedule", "schedule_id": ...}."""
