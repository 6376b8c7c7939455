"""Datasets: store the values (content-addressed), record the row. Services flush; the request
commits."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.artifacts import ArtifactStore
from app.config import Settings
from app.contract import dataset_artifact_key
from app.datasets import storage
from app.datasets.models import Dataset
from app.datasets.schemas import SeriesData
from app.datasets.storage import SeriesTable
from app.errors import InvalidInput, NotFound


def table_from_json(data: SeriesData) -> SeriesTable:
    return SeriesTable(
        columns=list(data.columns),
        values=np.column_stack([np.asarray(v, dtype=np.float64) for v in data.columns.values()]),
        timestamps=data.timestamps,
    )


def check_limits(table: SeriesTable, settings: Settings, field: str) -> None:
    if table.n_rows > settings.max_dataset_rows:
        raise InvalidInput(
            field, f"{table.n_rows} rows exceed the limit of {settings.max_dataset_rows}"
        )
    if len(table.columns) > settings.max_dataset_columns:
        raise InvalidInput(
            field,
            f"{len(table.columns)} columns exceed the limit of {settings.max_dataset_columns}",
        )


def create(session: Session, store: ArtifactStore, *, name: str, table: SeriesTable) -> Dataset:
    """Write the values first (idempotent: same content, same key), then the row: a failure in
    between leaves at most an unreferenced file, never a row pointing at nothing."""
    sha = table.sha256()
    uri = store.put(dataset_artifact_key(sha), storage.encode(table))
    dataset = Dataset(
        name=name,
        n_rows=table.n_rows,
        columns=table.columns,
        has_timestamps=table.timestamps is not None,
        sha256=sha,
        artifact_uri=uri,
    )
    session.add(dataset)
    session.flush()
    return dataset


def get(session: Session, dataset_id: str) -> Dataset:
    dataset = session.get(Dataset, dataset_id)
    if dataset is None:
        raise NotFound(f"dataset {dataset_id!r} not found")
    return dataset


def get_all(session: Session, *, limit: int, offset: int) -> list[Dataset]:
    query = select(Dataset).order_by(Dataset.created_at.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))


def load_table(store: ArtifactStore, dataset: Dataset) -> SeriesTable:
    return storage.decode(store.get(dataset.artifact_uri))
