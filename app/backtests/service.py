"""Backtests: check a request against the version and its data, record the job, read results.
Services flush; the request commits (and only then is the task published)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.backtests.models import Backtest
from app.backtests.plan import FoldPlan
from app.backtests.schemas import BacktestRead, BacktestRequest
from app.datasets import service as datasets
from app.errors import InvalidInput, NotFound
from app.registry import service as registry
from app.registry.models import ModelVersion
from app.training.models import JobStatus


def fold_plan(version: ModelVersion, folds: int, stride: int | None) -> FoldPlan:
    return FoldPlan(
        folds=folds,
        stride=stride or version.horizon,
        horizon=version.horizon,
        input_length=version.input_length,
        season=int(version.metrics.get("season_length") or 1),
    )


def check_fits(plan: FoldPlan, rows: list[tuple[str, int]]) -> None:
    """Every series must hold every fold; otherwise name what is needed and what would fit."""
    series_id, n_rows = min(rows, key=lambda r: r[1])
    if n_rows >= plan.min_rows:
        return
    which = f"series {series_id!r}" if series_id else "the series"
    fits = plan.max_folds(n_rows)
    hint = f"at most {fits} fold(s) fit" if fits else "not even one fold fits"
    raise InvalidInput(
        "folds",
        f"{plan.folds} folds with stride {plan.stride} need at least {plan.min_rows} rows per "
        f"series (max(input_length {plan.input_length}, season {plan.season}) + horizon "
        f"{plan.horizon} + {plan.folds - 1} × stride); {which} has {n_rows}, so {hint}",
    )


def resolve_version(session: Session, request: BacktestRequest) -> ModelVersion:
    """The version to evaluate; an unknown model, version or alias is a 422 on that field."""
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


def create(
    session: Session,
    request: BacktestRequest,
    *,
    idempotency_key: str | None = None,
    owner: int | None = None,
) -> Backtest:
    """Checked against the dataset row's series lengths, so the values are not read here;
    `owner` is the API key that queued it."""
    version = resolve_version(session, request)
    plan = fold_plan(version, request.folds, request.stride)
    check_fits(plan, datasets.get(session, version.dataset_id).series_rows())
    backtest = Backtest(
        version_id=version.id,
        folds=plan.folds,
        stride=plan.stride,
        status=JobStatus.queued,
        idempotency_key=idempotency_key,
        owner_key_id=owner,
    )
    session.add(backtest)
    session.flush()
    return backtest


def get(session: Session, backtest_id: str) -> Backtest:
    backtest = session.get(Backtest, backtest_id)
    if backtest is None:
        raise NotFound(f"backtest {backtest_id!r} not found")
    return backtest


def of_version(
    session: Session, name: str, version: int, *, limit: int, offset: int
) -> list[Backtest]:
    target = registry.get_version(session, name, version)
    query = (
        select(Backtest)
        .where(Backtest.version_id == target.id)
        .order_by(Backtest.created_at.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(query))


def to_read(backtest: Backtest) -> BacktestRead:
    version = backtest.version
    finished = backtest.status == JobStatus.succeeded
    return BacktestRead.model_validate(
        {
            **{k: getattr(backtest, k) for k in BacktestRead.model_fields if hasattr(backtest, k)},
            "model": version.model.name,
            "version": version.version,
            "horizon": version.horizon,
            "metrics": backtest.metrics if finished else None,
        }
    )
