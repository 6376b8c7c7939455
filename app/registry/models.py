from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.datasets.models import Dataset
from app.db import Base, utcnow


class Model(Base):
    """A named forecaster; its versions are the trained, exported artifacts."""

    __tablename__ = "models"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    serving: Mapped[dict | None]
    """Batching overrides for this model (see app.serving.batcher.BatchConfig)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[ModelVersion]] = relationship(
        back_populates="model", order_by="ModelVersion.version"
    )
    aliases: Mapped[list[ModelAlias]] = relationship(
        back_populates="model", order_by="ModelAlias.alias"
    )


class ModelVersion(Base):
    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("model_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"))
    version: Mapped[int]
    architecture: Mapped[str] = mapped_column(String(16))
    hyperparameters: Mapped[dict]
    feature_columns: Mapped[list]
    target_columns: Mapped[list]
    input_length: Mapped[int]
    horizon: Mapped[int]
    metrics: Mapped[dict]
    """Validation metrics of the model and of the seasonal-naive baseline."""
    quantiles: Mapped[list] = mapped_column(default=list)
    """Quantile levels the ONNX graph also outputs, ascending (empty: point forecasts only)."""
    artifact_uri: Mapped[str] = mapped_column(String(1024))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    opset: Mapped[int]
    parity_error: Mapped[float] = mapped_column(Float)
    device: Mapped[str] = mapped_column(String(64))
    job_id: Mapped[str] = mapped_column(ForeignKey("training_jobs.id"), unique=True)
    """The job that produced it; unique, so a redelivered task can never register twice."""
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"), index=True)
    dataset_revision: Mapped[int] = mapped_column(default=1, server_default="1")
    """The revision of the dataset it was trained on (its job's)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    leaderboard: Mapped[list | None]
    """An auto job's version: every candidate's architecture, hyperparameters, status and
    validation metrics, best first (app.training.auto.leaderboard); null for other versions."""
    weights_uri: Mapped[str | None] = mapped_column(String(1024))
    """Its PyTorch checkpoint (app.contract.WEIGHTS_FILENAME) beside the ONNX file, which a
    warm start loads; null for versions registered before weights were kept."""
    parent_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("model_versions.id", ondelete="SET NULL"), index=True
    )
    """The version a warm start loaded its weights from (null: trained from scratch)."""

    model: Mapped[Model] = relationship(back_populates="versions")
    dataset: Mapped[Dataset] = relationship(lazy="joined")
    """Its training data: the version read takes the frequency and series ids from it."""
    parent: Mapped[ModelVersion | None] = relationship(remote_side="ModelVersion.id")
    """The version it was warm-started from (parent_version_id)."""


class ModelAlias(Base):
    """A movable name ("production") for one version of a model."""

    __tablename__ = "model_aliases"

    model_id: Mapped[int] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), primary_key=True
    )
    alias: Mapped[str] = mapped_column(String(64), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("model_versions.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    model: Mapped[Model] = relationship(back_populates="aliases")
    target: Mapped[ModelVersion] = relationship()
