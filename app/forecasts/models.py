from __future__ import annotations

from sqlalchemy import BigInteger, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.datasets.models import Dataset
from app.db import Base
from app.registry.models import ModelVersion
from app.training.models import JobStatus, QueuedJob


class ForecastJob(QueuedJob, Base):
    """A whole-dataset forecast: one version's ONNX artifact run on the latest window of every
    selected series of a dataset, written to one file in the artifact store.

    The tasks are keyed by this id and re-read the row: `forecast.run` plans the chunks,
    `forecast.chunk` forecasts one chunk of series into a chunk file and records it in
    `chunks_done` (under the row's lock, so a redelivered chunk counts once), and the chunk that
    completes the set publishes `forecast.merge`, which writes the one file and marks the job
    succeeded.
    """

    __tablename__ = "forecast_jobs"

    status: Mapped[JobStatus] = mapped_column(
        Enum(JobStatus, name="forecast_status", native_enum=False, length=16),
        default=JobStatus.queued,
        index=True,
    )
    version_id: Mapped[int] = mapped_column(
        ForeignKey("model_versions.id", ondelete="CASCADE"), index=True
    )
    """Deleting a version deletes its forecast jobs (their files stay in the store)."""
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"), index=True)
    dataset_revision: Mapped[int] = mapped_column(default=1, server_default="1")
    """The dataset's revision when the forecast was submitted: every chunk reads it."""
    future_dataset_id: Mapped[str | None] = mapped_column(ForeignKey("datasets.id"))
    """Where a version with known-future columns gets them over the horizon."""
    series: Mapped[list | None]
    """The requested subset of series ids, in dataset order; None: every series."""
    format: Mapped[str] = mapped_column(String(16))
    """parquet, csv or json (JSON lines)."""
    chunk_size: Mapped[int]
    """Series per chunk task."""
    series_total: Mapped[int]
    series_done: Mapped[int] = mapped_column(default=0)
    series_short: Mapped[int] = mapped_column(default=0)
    """Series with fewer rows than the version's input_length, forecast from all they have."""
    chunks_total: Mapped[int] = mapped_column(default=0)
    chunks_done: Mapped[list] = mapped_column(default=list)
    """Indexes of the chunks whose files are stored."""
    rows: Mapped[int | None] = mapped_column(BigInteger)
    """Rows of the result file (series × horizon), once it succeeded."""
    result_uri: Mapped[str | None] = mapped_column(String(1024))
    result_bytes: Mapped[int | None] = mapped_column(BigInteger)
    timings: Mapped[dict] = mapped_column(default=dict)
    """Seconds: queued, forecast (first chunk start to last chunk end), merge, total; and
    series_per_second."""

    version: Mapped[ModelVersion] = relationship()
    dataset: Mapped[Dataset] = relationship(foreign_keys=[dataset_id])
    future_dataset: Mapped[Dataset | None] = relationship(foreign_keys=[future_dataset_id])
