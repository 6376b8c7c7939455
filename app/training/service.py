"""Training jobs: validate a request against its data, record the job, follow and cancel it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.artifacts import ArtifactStore
from app.config import Settings
from app.contract import segment_plans, split_plan
from app.covariates import MAX_CALENDAR_FEATURES, calendar_problem
from app.datasets import service as datasets
from app.datasets.models import Dataset
from app.db import new_id, utcnow
from app.errors import Conflict, InvalidInput, NotFound
from app.registry.models import Model, ModelVersion
from app.training import auto, budget, warm
from app.training.models import JobStatus, TrainingJob
from app.training.schemas import (
    AutoSearch,
    AutoSpec,
    CandidateRead,
    Hyperparameters,
    JobRead,
    JobSpec,
    TrainRequest,
)


def default_input_length(horizon: int) -> int:
    return max(3 * horizon, 16)


def min_rows(input_length: int, horizon: int, validation_fraction: float) -> int:
    """The fewest rows a series needs for one training and one validation window (the plans'
    window counts never shrink as a series grows, so a binary search finds it)."""

    def enough(n: int) -> bool:
        plan = split_plan(n, input_length, horizon, validation_fraction)
        return plan.n_train_windows >= 1 and plan.n_val_windows >= 1

    high = input_length + horizon
    while not enough(high):
        high *= 2
    low = 1
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if enough(middle) else (middle + 1, high)
    return high


def _check_lengths(request: TrainRequest, dataset: Dataset, input_length: int) -> None:
    """Every series must give at least one training and one validation window; the error names
    the shortest series (the window counts grow with a series' length, so it binds)."""
    horizon, fraction = request.horizon, request.validation_fraction
    segments = segment_plans(dataset.series_rows(), input_length, horizon, fraction)
    short = [s for s in segments if s.plan.n_train_windows < 1 or s.plan.n_val_windows < 1]
    if not short:
        return
    shortest = min(short, key=lambda s: s.plan.n_rows)
    n_rows = shortest.plan.n_rows
    field = "horizon" if 2 * horizon >= n_rows else "input_length"
    if len(segments) == 1 and not shortest.series_id:
        raise InvalidInput(
            field,
            f"input_length {input_length} + horizon {horizon} is too long for "
            f"{n_rows} rows with validation_fraction {fraction}: "
            f"the training part ({shortest.plan.cut} rows) holds no complete window "
            f"(it needs at least {input_length + horizon} rows)",
        )
    raise InvalidInput(
        field,
        f"input_length {input_length} + horizon {horizon} is too long for series "
        f"{shortest.series_id!r}, the shortest ({n_rows} rows), with validation_fraction "
        f"{fraction}: every series needs at least "
        f"{min_rows(input_length, horizon, fraction)} rows for one training and one validation "
        f"window; {len(short)} of {len(segments)} series are shorter",
    )


def _check_covariates(
    request: TrainRequest, dataset: Dataset, targets: list[str]
) -> dict[str, list[str]]:
    """The request's covariate lists, each checked against the dataset (JobSpec's fields)."""
    columns = list(dataset.columns)
    lists = {
        "future_columns": request.future_columns or [],
        "static_columns": request.static_columns or [],
        "categorical_columns": request.categorical_columns or [],
        "calendar": request.calendar or [],
    }
    for field in ("future_columns", "static_columns", "categorical_columns"):
        names = lists[field]
        for i, name in enumerate(names):
            if name not in columns:
                raise InvalidInput(
                    (field, i), f"unknown column {name!r}; the dataset has {', '.join(columns)}"
                )
            if name in targets:
                raise InvalidInput(
                    (field, i),
                    f"{name!r} is a target: a forecast cannot be given the values it forecasts",
                )
        if len(set(names)) != len(names):
            raise InvalidInput(field, "a column is listed twice")
    for i, name in enumerate(lists["categorical_columns"]):
        if name not in lists["static_columns"]:
            raise InvalidInput(("categorical_columns", i), f"{name!r} is not among static_columns")
    for i, name in enumerate(lists["static_columns"]):
        if name in lists["future_columns"]:
            raise InvalidInput(
                ("static_columns", i), f"{name!r} is also a future column; choose one"
            )
    if len(lists["calendar"]) > MAX_CALENDAR_FEATURES:
        raise InvalidInput("calendar", f"at most {MAX_CALENDAR_FEATURES} calendar features")
    if len(set(lists["calendar"])) != len(lists["calendar"]):
        raise InvalidInput("calendar", "a feature is listed twice")
    for i, name in enumerate(lists["calendar"]):
        if problem := calendar_problem(name):
            raise InvalidInput(("calendar", i), problem)
    if lists["calendar"] and not dataset.has_timestamps:
        raise InvalidInput(
            "calendar",
            "calendar features come from timestamps, and this dataset has none: upload it "
            "with a `timestamps` column",
        )
    return lists


def shape_of(request: TrainRequest, spec: JobSpec, dataset: Dataset) -> budget.Shape:
    hp = spec.hyperparameters
    return budget.Shape(
        architecture=request.architecture,
        n_features=len(spec.feature_columns),
        n_targets=len(spec.target_columns),
        n_levels=max(len(spec.quantiles), 1),
        input_length=spec.input_length,
        horizon=spec.horizon,
        hidden_size=hp.hidden_size,
        num_layers=hp.num_layers,
        d_model=hp.d_model,
        nhead=hp.nhead,
        dim_feedforward=hp.dim_feedforward,
        batch_size=hp.batch_size,
        dropout=hp.dropout,
        varied=hp.window_lengths == "varied",
        series_rows=tuple(rows for _, rows in dataset.series_rows()),
        n_future=len(spec.future_columns),
        n_calendar=len(spec.calendar),
        n_static=len(spec.static_columns),
    )


def _season_in_window(
    hp: Hyperparameters, season_length: int | None, input_length: int
) -> Hyperparameters:
    """A seasonal skip reads the value one season back inside the window, and its layer is a
    season (or the window) wide: a season_length longer than the window leaves it nothing to
    read, and a huge one would have the worker allocate a layer that size. Left out, the skip
    is dropped (the user never chose it); asked for, a 422. Detected seasons never exceed the
    window."""
    if hp.baseline == "none" or season_length is None or season_length <= input_length:
        return hp
    if "baseline" not in hp.model_fields_set:
        return hp.model_copy(update={"baseline": "none"})
    raise InvalidInput(
        "season_length",
        f"{season_length} is longer than input_length {input_length}: baseline {hp.baseline} "
        f"reads one season back inside the window; give an input_length of at least "
        f"{season_length}, or baseline none",
    )


def resolve_spec(request: TrainRequest, dataset: Dataset, settings: Settings) -> JobSpec:
    """Fill in defaults and refuse what cannot be trained on this dataset, or what exceeds the
    training ceilings (app.training.budget), naming the field."""
    columns = list(dataset.columns)
    targets = request.target_columns or columns
    features = request.feature_columns or targets
    covariates = _check_covariates(request, dataset, targets)
    for field, names in (("target_columns", targets), ("feature_columns", features)):
        for i, name in enumerate(names):
            if name not in columns:
                raise InvalidInput(
                    (field, i), f"unknown column {name!r}; the dataset has {', '.join(columns)}"
                )
        if len(set(names)) != len(names):
            raise InvalidInput(field, "a column is listed twice")
    hp = request.hyperparameters
    reads_targets = set(targets) <= set(features)
    if "normalization" not in hp.model_fields_set and not reads_targets:
        # Instance scaling needs the window's own targets; a model that does not read them
        # gets the one that works instead of a 422 for a value the user never chose.
        hp = hp.model_copy(update={"normalization": "global"})
    if "baseline" not in hp.model_fields_set and (
        hp.normalization != "instance" or not reads_targets
    ):
        # The seasonal skip was measured (and is the default) with instance normalization; a
        # globally normalized recurrent version keeps its step graph, so streams step.
        hp = hp.model_copy(update={"baseline": "none"})
    if hp.baseline != "none" and not reads_targets:
        raise InvalidInput(
            ("hyperparameters", "baseline"),
            f"baseline {hp.baseline} starts from the window's own past targets, so the targets "
            "must be among feature_columns",
        )
    if hp.normalization == "instance" and not reads_targets:
        unread = [t for t in targets if t not in features]
        raise InvalidInput(
            ("hyperparameters", "normalization"),
            "instance normalization scales each forecast by its window's own target "
            f"statistics, so the targets must be among feature_columns; add {', '.join(unread)}",
        )
    input_length = request.input_length or default_input_length(request.horizon)
    hp = _season_in_window(hp, request.season_length, input_length)
    spec = JobSpec(
        target_columns=list(targets),
        feature_columns=list(features),
        input_length=input_length,
        horizon=request.horizon,
        validation_fraction=request.validation_fraction,
        season_length=request.season_length,
        quantiles=request.quantiles or [],
        hyperparameters=hp,
        **covariates,
    )
    shape = shape_of(request, spec, dataset)
    defaults = {name: field.default for name, field in Hyperparameters.model_fields.items()}
    knobs = budget.knobs(defaults, default_input_length(request.horizon))
    budget.check(shape, settings, budget.PARAMETERS, knobs)
    _check_lengths(request, dataset, input_length)
    budget.check(shape, settings, budget.DATA, knobs)
    return spec


def create_job(
    session: Session,
    store: ArtifactStore,
    settings: Settings,
    request: TrainRequest,
    *,
    idempotency_key: str | None = None,
    owner: int | None = None,
) -> TrainingJob:
    """The job, owned by the API key `owner` (app.jobs.submit_once checks its job quota; inline
    `data` is a dataset, within its dataset quotas). With `from_version`, a warm start: what the
    request leaves out comes from that version, and its contract must hold (app.training.warm)."""
    warm_start = None
    if request.from_version is not None:
        if request.architecture == auto.AUTO:
            raise InvalidInput(
                "architecture", "a warm start trains the version's own architecture, not auto"
            )
        request, warm_start = warm.merged_request(session, request)
    if request.data is not None:
        table = datasets.table_from_json(
            request.data, field=("data",), limits=datasets.limits(settings)
        )
        datasets.check_limits(table, settings, "data")
        dataset = datasets.create(
            session,
            store,
            settings,
            name=request.data.name or f"{request.model_name}-data",
            table=table,
            owner=owner,
        )
    else:
        assert request.dataset_id is not None
        dataset = session.get(Dataset, request.dataset_id)
        if dataset is None:
            raise InvalidInput("dataset_id", f"dataset {request.dataset_id!r} does not exist")
    if request.architecture == auto.AUTO:
        return _create_auto(session, settings, request, dataset, idempotency_key, owner)
    spec = resolve_spec(request, dataset, settings)
    if warm_start is not None:
        warm.check_spec(session, spec, warm_start)
        spec = spec.model_copy(update={"warm_start": warm_start})
    job = TrainingJob(
        model_name=request.model_name,
        architecture=request.architecture,
        dataset_id=dataset.id,
        dataset_revision=dataset.revision,
        spec=spec.model_dump(),
        epochs_total=spec.hyperparameters.epochs,
        status=JobStatus.queued,
        idempotency_key=idempotency_key,
        owner_key_id=owner,
    )
    session.add(job)
    session.flush()
    return job


def _create_auto(
    session: Session,
    settings: Settings,
    request: TrainRequest,
    dataset: Dataset,
    idempotency_key: str | None,
    owner: int | None,
) -> TrainingJob:
    """The auto job (the row its task and the client follow) and one queued job per candidate,
    each resolved and checked against the training ceilings as a job of its own. The
    candidates' messages are the parent's to publish (workers.auto fans them out as a group),
    so they count as published with it: the reconciler publishes a parent whose message was
    lost, never a candidate behind its back."""
    search = request.auto or AutoSearch()
    made = auto.candidates(search, request.hyperparameters)
    specs: list[JobSpec] = []
    for candidate, hp in made:
        single = request.model_copy(
            update={"architecture": candidate.architecture, "hyperparameters": hp, "auto": None}
        )
        try:
            specs.append(resolve_spec(single, dataset, settings))
        except InvalidInput as exc:
            name = auto.candidate_name(candidate.architecture, candidate.overrides)
            raise InvalidInput(exc.loc[1:], f"candidate {name}: {exc.message}") from None
        candidate.job_id = new_id()
    # The job's own spec: the candidates' common fields, the request's hyperparameters (with
    # the normalization resolve_spec chose, unless the grid varies it) and the search.
    hp = request.hyperparameters
    for chosen in ("normalization", "baseline"):
        if chosen not in hp.model_fields_set:
            hp = hp.model_copy(update={chosen: getattr(specs[0].hyperparameters, chosen)})
    search_spec = AutoSpec(candidates=[c for c, _ in made], budget_seconds=search.budget_seconds)
    base = specs[0].model_copy(update={"hyperparameters": hp, "auto": search_spec})
    parent = TrainingJob(
        id=new_id(),
        model_name=request.model_name,
        architecture=auto.AUTO,
        dataset_id=dataset.id,
        dataset_revision=dataset.revision,
        spec=base.model_dump(),
        epochs_total=sum(spec.hyperparameters.epochs for spec in specs),
        status=JobStatus.queued,
        idempotency_key=idempotency_key,
        owner_key_id=owner,
    )
    session.add(parent)
    session.flush()
    now = utcnow()
    for (candidate, _), spec in zip(made, specs, strict=True):
        session.add(
            TrainingJob(
                id=candidate.job_id,
                parent_id=parent.id,
                model_name=request.model_name,
                architecture=candidate.architecture,
                dataset_id=dataset.id,
                dataset_revision=dataset.revision,
                spec=spec.model_dump(),
                epochs_total=spec.hyperparameters.epochs,
                status=JobStatus.queued,
                owner_key_id=owner,
                published_at=now,
            )
        )
    session.flush()
    return parent


def candidates_of(session: Session, parent_id: str) -> dict[str, TrainingJob]:
    """An auto job's candidate rows by id."""
    rows = session.scalars(select(TrainingJob).where(TrainingJob.parent_id == parent_id))
    return {row.id: row for row in rows}


def discard(session: Session, job: TrainingJob, *, with_dataset: bool) -> None:
    """Undo a job whose task could not be published (and the inline dataset made for it)."""
    dataset = session.get(Dataset, job.dataset_id) if with_dataset else None
    for candidate in candidates_of(session, job.id).values():
        session.delete(candidate)
    session.flush()
    session.delete(job)
    session.flush()
    if dataset is not None:
        session.delete(dataset)
        session.flush()


def get(session: Session, job_id: str) -> TrainingJob:
    job = session.get(TrainingJob, job_id)
    if job is None:
        raise NotFound(f"job {job_id!r} not found")
    return job


def get_all(
    session: Session, *, status: JobStatus | None, model_name: str | None, limit: int, offset: int
) -> list[TrainingJob]:
    # An auto job's candidates are listed in it, not beside it.
    query = (
        select(TrainingJob)
        .where(TrainingJob.parent_id.is_(None))
        .order_by(TrainingJob.created_at.desc())
    )
    if status is not None:
        query = query.where(TrainingJob.status == status)
    if model_name is not None:
        query = query.where(TrainingJob.model_name == model_name)
    return list(session.scalars(query.limit(limit).offset(offset)))


def cancel(session: Session, job_id: str) -> TrainingJob:
    """A queued job is cancelled at once; a running one stops at the end of its current epoch.
    An auto job cancels every candidate so, and is cancelled once none is left running (its
    selection, called by the last one, does it)."""
    job = session.get(TrainingJob, job_id, with_for_update=True)
    if job is None:
        raise NotFound(f"job {job_id!r} not found")
    if job.status.terminal:
        raise Conflict(f"job {job_id!r} already {job.status.value}; nothing to cancel")
    job.cancel_requested = True
    if job.architecture == auto.AUTO:
        candidates = candidates_of(session, job.id)
        for candidate in candidates.values():
            if not candidate.status.terminal:
                _cancel_one(candidate)
        if all(c.status.terminal for c in candidates.values()):
            job.status = JobStatus.cancelled
            job.finished_at = utcnow()
            job.error = "cancelled before any candidate was running"
    else:
        _cancel_one(job)
    session.flush()
    return job


def _cancel_one(job: TrainingJob) -> None:
    job.cancel_requested = True
    if job.status == JobStatus.queued:
        job.status = JobStatus.cancelled
        job.finished_at = utcnow()
        job.error = "cancelled before it started"


def to_read(session: Session, job: TrainingJob) -> JobRead:
    produced = session.execute(
        select(Model.name, ModelVersion.version)
        .join(ModelVersion.model)
        .where(ModelVersion.job_id == job.id)
    ).first()
    fields = {k: getattr(job, k) for k in JobRead.model_fields if hasattr(job, k)}
    progress = {"epoch": job.epochs_done, "epochs": job.epochs_total}
    if job.architecture == auto.AUTO:
        fields["candidates"] = _candidates_read(session, job)
        progress = {
            "epoch": sum(c.progress.epoch for c in fields["candidates"]),
            "epochs": sum(c.progress.epochs for c in fields["candidates"]),
        }
    return JobRead.model_validate(
        {
            **fields,
            "progress": progress,
            "model_version": (
                {"model": produced.name, "version": produced.version} if produced else None
            ),
        }
    )


def _candidates_read(session: Session, job: TrainingJob) -> list[CandidateRead]:
    """An auto job's candidates with their status, metrics and rank so far."""
    search = JobSpec.model_validate(job.spec).auto
    if search is None:
        return []
    rows = candidates_of(session, job.id)
    ids = [c.job_id for c in search.candidates]
    ranked = [o.id for o in auto.ranking(auto.outcomes(ids, rows))]
    chosen = ranked[0] if ranked and job.status == JobStatus.succeeded else None
    return [
        CandidateRead(
            id=row.id,
            architecture=c.architecture,
            overrides=c.overrides,
            status=row.status,
            progress={"epoch": row.epochs_done, "epochs": row.epochs_total},
            metrics=row.metrics,
            rank=ranked.index(row.id) + 1 if row.id in ranked else None,
            selected=row.id == chosen,
            error=row.error,
            attempts=row.attempts,
            started_at=row.started_at,
            finished_at=row.finished_at,
        )
        for c in search.candidates
        if (row := rows.get(c.job_id)) is not None
    ]
