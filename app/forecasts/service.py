"""Whole-dataset forecasts: check a request against the version and the dataset, record the job,
read it back. Services flush; the request commits (and only then is the task published)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.artifacts import ArtifactStore
from app.contract import Manifest, manifest_uri_for
from app.datasets.calendar import future_timestamps, parse_timestamp
from app.datasets.models import Dataset
from app.db import after_commit, utcnow
from app.errors import Conflict, InvalidInput, NotFound
from app.forecasts.models import ForecastJob
from app.forecasts.plan import chunk_key
from app.forecasts.schemas import ForecastProgress, ForecastRead, ForecastRequest
from app.registry import service as registry
from app.registry.models import ModelVersion
from app.training.models import JobStatus

SHOWN = 5
"""Names a 422 lists before it says how many more there are."""


def _listed(names: list[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:SHOWN])
    return shown + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")


def resolve_version(session: Session, request: ForecastRequest) -> ModelVersion:
    """The version to run; an unknown model, version or alias is a 422 on that field."""
    try:
        registry.get_model(session, request.model)
    except NotFound as exc:
        raise InvalidInput("model", exc.message) from exc
    try:
        return registry.resolve(
            session, request.model, version=request.version, alias=request.alias
        )
    except NotFound as exc:
        field = "version" if request.version is not None else "alias" if request.alias else "model"
        raise InvalidInput(field, exc.message) from exc


def check_inputs(manifest: Manifest, dataset: Dataset, label: str) -> None:
    """The dataset must hold what the version's graph reads for every series: its feature
    columns, timestamps and a frequency for calendar features (known-future columns come from
    another dataset: check_future)."""
    missing = [c for c in manifest.feature_columns if c not in dataset.columns]
    if missing:
        raise InvalidInput(
            "dataset_id",
            f"dataset {dataset.id!r} lacks the column(s) {label} reads: {_listed(missing)} "
            f"(it has {', '.join(dataset.columns)})",
        )
    if manifest.calendar and not (dataset.has_timestamps and dataset.frequency):
        raise InvalidInput(
            "dataset_id",
            f"{label} takes calendar features ({', '.join(manifest.calendar)}) of the forecast's "
            f"timestamps, but dataset {dataset.id!r} has no regular timestamps to date it from",
        )


def check_future(
    future: Dataset | None,
    manifest: Manifest,
    dataset: Dataset,
    ids: list[str],
    label: str,
    requested: bool,
) -> None:
    """A version with known-future columns needs `future_dataset_id`: a dataset with those
    columns whose series each have `horizon` rows, starting one step after the series' end in
    the forecast's dataset when both are dated; a version without them refuses one."""
    columns = manifest.future_columns
    if not columns:
        if requested:
            raise InvalidInput(
                "future_dataset_id", f"{label} has no known-future columns; leave it out"
            )
        return
    horizon = manifest.horizon
    if future is None:
        if requested:
            raise InvalidInput("future_dataset_id", "no such dataset")
        raise InvalidInput(
            "model",
            f"{label} takes known-future columns ({', '.join(columns)}) over the forecast's "
            f"{horizon} steps: give future_dataset_id, a dataset with them for the {horizon} "
            "steps after each series' end",
        )
    missing = [c for c in columns if c not in future.columns]
    if missing:
        raise InvalidInput(
            "future_dataset_id",
            f"dataset {future.id!r} lacks the known-future column(s) {_listed(missing)}",
        )
    rows = {s["id"]: s for s in future.series_summary()}
    short = [s for s in ids if s not in rows or rows[s]["rows"] < horizon]
    if short:
        raise InvalidInput(
            "future_dataset_id",
            f"dataset {future.id!r} needs at least {horizon} rows (the horizon) of series "
            f"{_listed(short)}",
        )
    if not (dataset.frequency and future.has_timestamps):
        return
    ends = {s["id"]: s["last"] for s in dataset.series_summary()}
    off = []
    for series_id in ids:
        first, last = rows[series_id]["first"], ends.get(series_id)
        if first is None or last is None:
            continue
        wanted = future_timestamps(last, dataset.frequency, 1)[0]
        if parse_timestamp(first) != parse_timestamp(wanted):
            off.append(f"{series_id!r} starts at {first}, not {wanted}")
    if off:
        raise InvalidInput(
            "future_dataset_id",
            f"its rows must start one step after each series' end: {'; '.join(off[:SHOWN])}"
            + (f" and {len(off) - SHOWN} more" if len(off) > SHOWN else ""),
        )


def select_series(
    dataset: Dataset, subset: list[str] | None, manifest: Manifest, label: str
) -> list[str]:
    """The ids to forecast, in dataset order; an id the dataset lacks is a 422 on `series`, and
    with static covariates a series the version has no vector for is a 422 too."""
    ids = [s["id"] for s in dataset.series_summary()]
    if subset is not None:
        known = set(ids)
        unknown = [s for s in dict.fromkeys(subset) if s not in known]
        if unknown:
            raise InvalidInput("series", f"dataset {dataset.id!r} has no series {_listed(unknown)}")
        wanted = set(subset)
        ids = [s for s in ids if s in wanted]
    if manifest.static_features:
        lacking = [s for s in ids if s not in manifest.static_values]
        if lacking:
            raise InvalidInput(
                "series" if subset is not None else "dataset_id",
                f"{label} has no static covariates for series {_listed(lacking)} (only for the "
                "series it was trained on)",
            )
    return ids


def create(
    session: Session,
    store: ArtifactStore,
    request: ForecastRequest,
    *,
    idempotency_key: str | None = None,
    owner: int | None = None,
) -> ForecastJob:
    """Checked against the dataset row and the version's manifest (the values are read by the
    worker); `owner` is the API key that queued it."""
    version = resolve_version(session, request)
    dataset = session.get(Dataset, request.dataset_id)
    if dataset is None:
        raise InvalidInput("dataset_id", f"dataset {request.dataset_id!r} does not exist")
    label = f"{version.model.name} version {version.version}"
    manifest = Manifest.from_json(store.get(manifest_uri_for(version.artifact_uri)))
    check_inputs(manifest, dataset, label)
    ids = select_series(dataset, request.series, manifest, label)
    future = None
    if request.future_dataset_id is not None:
        future = session.get(Dataset, request.future_dataset_id)
    check_future(future, manifest, dataset, ids, label, request.future_dataset_id is not None)
    job = ForecastJob(
        version_id=version.id,
        dataset_id=dataset.id,
        dataset_revision=dataset.revision,
        future_dataset_id=future.id if future is not None and manifest.future_columns else None,
        series=ids if request.series is not None else None,
        format=request.format,
        chunk_size=request.chunk_size,
        series_total=len(ids),
        status=JobStatus.queued,
        idempotency_key=idempotency_key,
        owner_key_id=owner,
    )
    session.add(job)
    session.flush()
    return job


def get(session: Session, forecast_id: str) -> ForecastJob:
    job = session.get(ForecastJob, forecast_id)
    if job is None:
        raise NotFound(f"forecast {forecast_id!r} not found")
    return job


def get_all(
    session: Session,
    *,
    limit: int,
    offset: int,
    status: JobStatus | None = None,
    dataset_id: str | None = None,
) -> list[ForecastJob]:
    """Newest first."""
    query = select(ForecastJob).order_by(ForecastJob.created_at.desc())
    if status is not None:
        query = query.where(ForecastJob.status == status)
    if dataset_id is not None:
        query = query.where(ForecastJob.dataset_id == dataset_id)
    return list(session.scalars(query.limit(limit).offset(offset)))


def cancel(session: Session, store: ArtifactStore, forecast_id: str) -> ForecastJob:
    """Cancelled at once, queued or running: a chunk task that has not started leaves it alone,
    one that is running finishes its chunk and deletes it, and nothing is merged. The chunk
    files already stored are deleted after the commit."""
    job = session.get(ForecastJob, forecast_id, with_for_update=True)
    if job is None:
        raise NotFound(f"forecast {forecast_id!r} not found")
    if job.status.terminal:
        raise Conflict(f"forecast {forecast_id!r} already {job.status.value}; nothing to cancel")
    job.status = JobStatus.cancelled
    job.finished_at = utcnow()
    job.error = "cancelled"
    stored = [chunk_key(job.id, k) for k in job.chunks_done or []]
    session.flush()
    after_commit(session, lambda: [store.delete(key) for key in stored])
    return job


def result(job: ForecastJob) -> str:
    """The result file's URI; a 409 until the job has succeeded."""
    if job.status != JobStatus.succeeded or job.result_uri is None:
        raise Conflict(
            f"forecast {job.id!r} is {job.status.value}; its file is there once it has succeeded"
        )
    return job.result_uri


def to_read(job: ForecastJob) -> ForecastRead:
    version = job.version
    done = job.status == JobStatus.succeeded
    return ForecastRead.model_validate(
        {
            **{k: getattr(job, k) for k in ForecastRead.model_fields if hasattr(job, k)},
            "model": version.model.name,
            "version": version.version,
            "progress": ForecastProgress(
                series_done=job.series_done,
                series_total=job.series_total,
                chunks_done=len(job.chunks_done or []),
                chunks_total=job.chunks_total,
            ),
            "result_url": f"/forecasts/{job.id}/result" if done else None,
        }
    )
