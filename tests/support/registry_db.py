"""A real registry database for unit tests: SQLite in a temporary folder, created by the Alembic
migrations (app.migrate.upgrade, the only way the schema is ever made), with versions registered
through app.registry.service as the worker registers them."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.datasets.models import Dataset
from app.db import make_engine, make_sessionmaker
from app.migrate import upgrade
from app.registry import service as registry
from app.registry.models import ModelVersion
from app.training.models import JobStatus, TrainingJob
from app.training.schemas import Hyperparameters, JobSpec
from tests.support.tiny_model import StoredModel

FILENAME = "registry.db"


def migrated_database(
    folder: Path, template: Path | None = None
) -> tuple[Engine, sessionmaker[Session]]:
    """A migrated database in `folder`: by the migrations, or as a copy of `template` (a
    database file this function made before), which saves the migrations' time per test."""
    path = folder / FILENAME
    if template is None:
        upgrade(f"sqlite:///{path}")
    else:
        shutil.copyfile(template, path)
    engine = make_engine(f"sqlite:///{path}")
    return engine, make_sessionmaker(engine)


def register(session: Session, model: str, stored: StoredModel) -> ModelVersion:
    """One version of `model` serving `stored`, with the dataset and job rows it refers to."""
    manifest = stored.manifest
    dataset = Dataset(
        name=f"{model}-data",
        n_rows=100,
        columns=list(manifest.feature_columns),
        sha256="0" * 64,
        artifact_uri="file:///nowhere.npz",
    )
    session.add(dataset)
    session.flush()
    job = TrainingJob(
        model_name=model,
        architecture=manifest.architecture,
        dataset_id=dataset.id,
        spec=spec_of(stored).model_dump(),
        epochs_total=1,
        status=JobStatus.succeeded,
    )
    session.add(job)
    session.flush()
    return register_stored(session, model, stored, job_id=job.id, dataset_id=dataset.id)


def spec_of(stored: StoredModel) -> JobSpec:
    """A job spec that could have trained `stored` (jobs are listed and read through JobRead,
    so a job row must hold a valid one)."""
    manifest = stored.manifest
    return JobSpec(
        target_columns=list(manifest.target_columns),
        feature_columns=list(manifest.feature_columns),
        input_length=manifest.input_length,
        horizon=manifest.horizon,
        validation_fraction=0.2,
        season_length=None,
        quantiles=list(manifest.quantiles),
        future_columns=list(manifest.future_columns),
        calendar=list(manifest.calendar),
        static_columns=list(manifest.static_columns),
        hyperparameters=Hyperparameters(),
    )


def register_stored(
    session: Session, model: str, stored: StoredModel, *, job_id: str, dataset_id: str
) -> ModelVersion:
    """A version of `model` serving `stored`, for a job and dataset row that exist."""
    manifest = stored.manifest
    return registry.register_version(
        session,
        model_name=model,
        architecture=manifest.architecture,
        hyperparameters={},
        feature_columns=list(manifest.feature_columns),
        target_columns=list(manifest.target_columns),
        input_length=manifest.input_length,
        horizon=manifest.horizon,
        metrics={},
        quantiles=list(manifest.quantiles),
        artifact_uri=stored.uri,
        sha256=stored.key.sha256,
        size_bytes=manifest.size_bytes,
        opset=manifest.opset,
        parity_error=manifest.parity_error,
        device="cpu",
        job_id=job_id,
        dataset_id=dataset_id,
    )
