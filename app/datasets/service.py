"""Datasets: store the values (content-addressed), record the row. Services flush; the request
commits."""

from __future__ import annotations

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.artifacts import ArtifactStore
from app.auth import service as auth
from app.config import Settings
from app.contract import dataset_artifact_key
from app.datasets import storage, tables
from app.datasets.csv_parser import parse_csv
from app.datasets.gaps import FillMissing
from app.datasets.models import Dataset
from app.datasets.parquet_parser import is_parquet, parse_parquet
from app.datasets.schemas import SERIES_PREVIEW, DatasetRead, DatasetValues, SeriesData
from app.datasets.storage import SeriesTable
from app.errors import InvalidInput, NotFound, TooManyRequests

PARQUET_SUFFIXES = (".parquet", ".pq")


def table_from_json(
    data: SeriesData, field: tuple[str, ...] = (), limits: tables.Limits | None = None
) -> SeriesTable:
    """`field` prefixes what a 422 names (("data",) for inline training data); `limits` bound
    the rows that filling gaps may make."""
    return tables.assemble(
        list(data.columns),
        # null -> NaN: a missing value, which data.fill_missing fills (its validator refused
        # them with "none")
        np.column_stack([np.asarray(v, dtype=np.float64) for v in data.columns.values()]),
        timestamps=data.timestamps,
        series=data.series,
        field=(*field, "timestamps"),
        where=lambda i: f"row {i}",
        fill_missing=data.fill_missing,
        limits=limits,
        fill_field=(*field, "fill_missing"),
    )


def limits(settings: Settings) -> tables.Limits:
    return tables.Limits(
        rows=settings.max_dataset_rows,
        columns=settings.max_dataset_columns,
        bytes=settings.max_dataset_bytes,
    )


def table_from_file(
    data: bytes,
    filename: str | None,
    series_column: str | None,
    limits: tables.Limits | None = None,
    fill_missing: FillMissing = "none",
) -> SeriesTable:
    """A Parquet file (by its magic bytes) or else CSV text. With `limits`, a file over them is
    refused while it is read (before a Parquet file is decoded, as a CSV streams)."""
    if is_parquet(data):
        return parse_parquet(data, series_column, limits, fill_missing)
    if (filename or "").lower().endswith(PARQUET_SUFFIXES):
        raise InvalidInput("file", f"{filename!r} is not a Parquet file (no PAR1 magic bytes)")
    return parse_csv(data, series_column, limits, fill_missing)


def check_limits(table: SeriesTable, settings: Settings, field: str) -> None:
    """Rows, columns and stored size; call before `create`, so nothing over them is stored."""
    caps = limits(settings)
    if table.n_rows > caps.rows:
        raise InvalidInput(field, caps.rows_message(table.n_rows))
    if len(table.columns) > caps.columns:
        raise InvalidInput(field, caps.columns_message(len(table.columns)))
    size = storage.encoded_size(table)
    if size > caps.bytes:
        raise InvalidInput(field, caps.bytes_message(size))


def check_quota(
    session: Session, settings: Settings, owner: int | None, adding_bytes: int = 0
) -> None:
    """Refuse (429) a dataset of `adding_bytes` that would take the API key `owner` past its
    dataset count or bytes; call it in the transaction that adds the dataset (and with 0 before
    an upload is read, to refuse it before any parsing)."""
    auth.lock(session, owner)
    count, stored = session.execute(
        select(func.count(), func.coalesce(func.sum(Dataset.size_bytes), 0)).where(
            auth.owned_by(Dataset.owner_key_id, owner)
        )
    ).one()
    retry = settings.quota_retry_after_seconds
    if count >= settings.max_datasets_per_key:
        raise TooManyRequests(
            f"this API key already stores {count} datasets, its limit "
            f"(SEQCAST_MAX_DATASETS_PER_KEY={settings.max_datasets_per_key})",
            retry,
        )
    limit = settings.max_dataset_bytes_per_key
    if stored + adding_bytes > limit or (adding_bytes == 0 and stored >= limit):
        adding = f" + {adding_bytes:,} bytes for this one" if adding_bytes else ""
        raise TooManyRequests(
            f"this API key stores {stored:,} bytes of datasets{adding}, over its limit of "
            f"{limit:,} (SEQCAST_MAX_DATASET_BYTES_PER_KEY)",
            retry,
        )


def create(
    session: Session,
    store: ArtifactStore,
    settings: Settings,
    *,
    name: str,
    table: SeriesTable,
    owner: int | None = None,
) -> Dataset:
    """A dataset owned by the API key `owner`, within its quotas. Write the values first
    (idempotent: same content, same key), then the row: a failure in between leaves at most an
    unreferenced file, never a row pointing at nothing."""
    encoded = storage.encode(table)
    check_quota(session, settings, owner, len(encoded))
    sha = table.sha256()
    uri = store.put(dataset_artifact_key(sha), encoded)
    summary = tables.summary(table)
    dataset = Dataset(
        name=name,
        n_rows=table.n_rows,
        columns=table.columns,
        has_timestamps=table.timestamps is not None,
        n_series=len(summary),
        series=summary,
        frequency=table.frequency,
        filled=table.filled or {},
        sha256=sha,
        artifact_uri=uri,
        size_bytes=len(encoded),
        owner_key_id=owner,
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


def to_read(dataset: Dataset) -> DatasetRead:
    """The dataset with the first SERIES_PREVIEW series (series_page lists the rest)."""
    return DatasetRead.model_validate(
        {
            **{k: getattr(dataset, k) for k in DatasetRead.model_fields if k != "series"},
            "series": dataset.series_summary()[:SERIES_PREVIEW],
        }
    )


def series_page(dataset: Dataset, *, limit: int, offset: int) -> list[dict]:
    return dataset.series_summary()[offset : offset + limit]


def load_table(store: ArtifactStore, dataset: Dataset) -> SeriesTable:
    return storage.decode(store.get(dataset.artifact_uri))


def values(store: ArtifactStore, dataset: Dataset, series_id: str | None) -> DatasetValues:
    """The stored rows, of one series or of all."""
    table = load_table(store, dataset)
    slices = dict(table.series_slices())
    if series_id is None:
        rows = slice(0, table.n_rows)
    elif series_id in slices:
        rows = slices[series_id]
    else:
        raise NotFound(f"dataset {dataset.id!r} has no series {series_id!r}")
    ids = None
    if table.series is not None:
        ids = [s for s, n in table.series_rows() for _ in range(n)][rows]
    return DatasetValues(
        columns={c: table.values[rows, i].tolist() for i, c in enumerate(table.columns)},
        timestamps=table.timestamps[rows] if table.timestamps is not None else None,
        series=ids,
    )
