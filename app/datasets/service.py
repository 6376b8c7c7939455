"""Datasets: store the values (content-addressed), record the row. Services flush; the request
commits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accuracy.service import score_rows
from app.artifacts import ArtifactStore
from app.auth import service as auth
from app.config import Settings
from app.contract import dataset_artifact_key
from app.datasets import append as appending
from app.datasets import storage, tables
from app.datasets.append import OnConflict
from app.datasets.csv_parser import parse_csv
from app.datasets.gaps import FillMissing
from app.datasets.models import Dataset, DatasetRevision
from app.datasets.parquet_parser import is_parquet, parse_parquet
from app.datasets.schemas import (
    SERIES_PREVIEW,
    DatasetRead,
    DatasetRevisionRead,
    DatasetValues,
    SeriesData,
)
from app.datasets.storage import SeriesTable
from app.errors import Conflict, InvalidInput, NotFound, TooManyRequests

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
    min_rows: int = 2,
) -> SeriesTable:
    """A Parquet file (by its magic bytes) or else CSV text. With `limits`, a file over them is
    refused while it is read (before a Parquet file is decoded, as a CSV streams)."""
    if is_parquet(data):
        return parse_parquet(data, series_column, limits, fill_missing, min_rows)
    if (filename or "").lower().endswith(PARQUET_SUFFIXES):
        raise InvalidInput("file", f"{filename!r} is not a Parquet file (no PAR1 magic bytes)")
    return parse_csv(data, series_column, limits, fill_missing, min_rows)


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
    session: Session,
    settings: Settings,
    owner: int | None,
    adding_bytes: int = 0,
    *,
    new_dataset: bool = True,
) -> None:
    """Refuse (429) a dataset of `adding_bytes` that would take the API key `owner` past its
    dataset count or bytes; call it in the transaction that adds the dataset (and with 0 before
    an upload is read, to refuse it before any parsing). A new revision of a dataset
    (`new_dataset` False) adds bytes, not a dataset: every revision is a stored copy."""
    auth.lock(session, owner)
    count, stored = session.execute(
        select(func.count(), func.coalesce(func.sum(Dataset.size_bytes), 0)).where(
            auth.owned_by(Dataset.owner_key_id, owner)
        )
    ).one()
    retry = settings.quota_retry_after_seconds
    if new_dataset and count >= settings.max_datasets_per_key:
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
    session.add(_revision_row(dataset, appended=table.n_rows, replaced=0, size=len(encoded)))
    session.flush()
    return dataset


def _revision_row(dataset: Dataset, *, appended: int, replaced: int, size: int) -> DatasetRevision:
    """The dataset row's newest revision, as its own row."""
    return DatasetRevision(
        dataset_id=dataset.id,
        revision=dataset.revision,
        sha256=dataset.sha256,
        artifact_uri=dataset.artifact_uri,
        n_rows=dataset.n_rows,
        n_series=dataset.n_series,
        series=dataset.series,
        frequency=dataset.frequency,
        size_bytes=size,
        appended_rows=appended,
        replaced_rows=replaced,
    )


def charged_key(dataset: Dataset, caller: int | None) -> int | None:
    """The key whose byte quota a new revision counts against: the dataset's owner (its bytes
    sum on the dataset's row), or the caller for a dataset of no key."""
    return dataset.owner_key_id if dataset.owner_key_id is not None else caller


@dataclass(frozen=True)
class Appended:
    """A new revision: its number and the rows it appended or replaced (grouped by series, in
    time order, with their series ids and timestamps), e.g. to score forecasts that covered
    them."""

    revision: int
    rows: SeriesTable
    appended_rows: int
    replaced_rows: int


def append(
    session: Session,
    store: ArtifactStore,
    settings: Settings,
    *,
    dataset: Dataset,
    table: SeriesTable,
    on_conflict: OnConflict = "error",
    owner: int | None = None,
    fill_missing: FillMissing = "none",
    fields: appending.Fields = appending.JSON_FIELDS,
) -> Appended:
    """Append the parsed upload `table` to `dataset` as its next revision (rules in
    app.datasets.append); `fill_missing` is the upload's method, also used for the gap before
    each series' new rows; `fields` are what a 422 names (FILE_FIELDS for a file upload).

    The dataset row is locked first, so two appends make revisions N+1 and N+2, never two N+1;
    limits and the byte quota are checked on the merged table before anything is stored. Its
    bytes count against the dataset's owner (the key that uploaded it); a dataset of no key
    (from before per-key quotas) is checked against the caller `owner`."""
    dataset_id = dataset.id  # readable after a failed flush, for its message
    locked = session.scalars(
        select(Dataset)
        .where(Dataset.id == dataset_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    merged = appending.merge(
        load_table(store, locked),
        table,
        on_conflict=on_conflict,
        fill_missing=fill_missing,
        max_rows=settings.max_dataset_rows,
        fields=fields,
    )
    check_limits(merged.table, settings, str(fields.columns))
    encoded = storage.encode(merged.table)
    charged = charged_key(locked, owner)
    check_quota(session, settings, charged, len(encoded), new_dataset=False)
    sha = merged.table.sha256()
    locked.artifact_uri = store.put(dataset_artifact_key(sha), encoded)
    summary = tables.summary(merged.table)
    locked.sha256 = sha
    locked.revision += 1
    locked.n_rows = merged.table.n_rows
    locked.n_series = len(summary)
    locked.series = summary
    locked.size_bytes += len(encoded)
    filled = dict(locked.filled or {})
    for column, n in merged.filled.items():
        if n:
            filled[column] = filled.get(column, 0) + n
    locked.filled = filled
    session.add(
        _revision_row(locked, appended=merged.appended, replaced=merged.replaced, size=len(encoded))
    )
    try:
        session.flush()
    except IntegrityError:  # SQLite takes no row lock: another append made this revision
        raise Conflict(
            f"dataset {dataset_id!r} was appended to at the same time; send the rows again"
        ) from None
    score_rows(session, locked.id, merged.rows)  # live accuracy: the forecasts these rows meet
    return Appended(
        revision=locked.revision,
        rows=merged.rows,
        appended_rows=merged.appended,
        replaced_rows=merged.replaced,
    )


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


def revision_read(revision: DatasetRevision) -> DatasetRevisionRead:
    """The revision with the first SERIES_PREVIEW series."""
    return DatasetRevisionRead.model_validate(
        {
            **{k: getattr(revision, k) for k in DatasetRevisionRead.model_fields if k != "series"},
            "series": revision.series_summary()[:SERIES_PREVIEW],
        }
    )


def series_page(dataset: Dataset | DatasetRevision, *, limit: int, offset: int) -> list[dict]:
    return dataset.series_summary()[offset : offset + limit]


def load_table(store: ArtifactStore, dataset: Dataset | DatasetRevision) -> SeriesTable:
    """The values of a dataset's newest revision (or of the revision given)."""
    return storage.decode(store.get(dataset.artifact_uri))


def get_revision(session: Session, dataset: Dataset, revision: int | None) -> DatasetRevision:
    """Revision `revision` of `dataset` (None: the newest). A dataset row written without its
    revision rows (tests build some by hand) still answers for its newest."""
    number = dataset.revision if revision is None else revision
    found = session.get(DatasetRevision, (dataset.id, number))
    if found is not None:
        return found
    if number == dataset.revision:
        return _revision_row(dataset, appended=dataset.n_rows, replaced=0, size=dataset.size_bytes)
    raise NotFound(
        f"dataset {dataset.id!r} has no revision {number} (revisions 1 to {dataset.revision})"
    )


def get_revisions(
    session: Session, dataset: Dataset, *, limit: int, offset: int
) -> list[DatasetRevision]:
    """Newest first."""
    query = (
        select(DatasetRevision)
        .where(DatasetRevision.dataset_id == dataset.id)
        .order_by(DatasetRevision.revision.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(query))


def as_of(session: Session, dataset: Dataset, revision: int | None) -> Dataset | DatasetRevision:
    """What describes one revision (None: the newest): its artifact_uri, frequency and
    series_summary(). The dataset row itself for the newest, so the usual case costs no query."""
    if revision is None or revision == dataset.revision:
        return dataset
    return get_revision(session, dataset, revision)


def load_revision(
    session: Session, store: ArtifactStore, dataset: Dataset, revision: int | None
) -> SeriesTable:
    """The values of one revision (None: the newest), e.g. the one a job was submitted with."""
    return load_table(store, as_of(session, dataset, revision))


def values(
    store: ArtifactStore, dataset: Dataset, series_id: str | None, table: SeriesTable | None = None
) -> DatasetValues:
    """The stored rows, of one series or of all (of `table`, a revision, when given)."""
    table = table if table is not None else load_table(store, dataset)
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
