"""Refreshes: a warm-start job from the version an alias points at, on its dataset's newest
data. `POST /models/{name}/refresh` and the schedules' Celery task both call `submit_refresh`;
no web framework here, so a worker-side task can import it."""

from __future__ import annotations

from typing import Any

from celery import Celery
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.artifacts import make_store
from app.config import Settings
from app.errors import InvalidInput
from app.jobs import submit_once
from app.queue import TRAIN_TASK, make_celery
from app.registry import service as registry
from app.training import service
from app.training.models import TrainingJob
from app.training.schemas import (
    PROMOTE_POLICIES,
    FromVersion,
    Hyperparameters,
    RefreshRequest,
    TrainRequest,
)


def _hyperparameters(parent: dict[str, Any], overrides: dict[str, Any]) -> Hyperparameters:
    """The parent version's hyperparameters with `overrides` over them, validated (422 naming
    the field); a structural one that differs is refused later by app.training.warm."""
    try:
        return Hyperparameters.model_validate({"baseline": "none", **parent, **overrides})
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(str(part) for part in error["loc"])
        raise InvalidInput(("hyperparameters", *loc), error["msg"]) from None


def submit_refresh(
    session: Session,
    settings: Settings,
    *,
    model_name: str,
    alias: str = "production",
    promote: str = "never",
    trigger: dict | None = None,
    owner: int | None = None,
    overrides: dict | None = None,
    idempotency_key: str | None = None,
    celery: Celery | None = None,
) -> TrainingJob:
    """Queue a warm start of the version `alias` points at (404 naming the alias when unset),
    as `POST /train` with `from_version` would, recording `promote` and `trigger` on the job.

    Flushes only: the job's task is published after the caller commits with app.db.commit (the
    after-commit hook; a broker that is down then undoes the row and raises
    ServiceUnavailable). `overrides` are hyperparameters over the version's (epochs,
    learning_rate, ...). `celery`: the app to publish with (default: one made from
    `settings`). `trigger` defaults to {"kind": "refresh", "alias": alias}.
    """
    if promote not in PROMOTE_POLICIES:
        raise InvalidInput("promote", f"must be one of {', '.join(PROMOTE_POLICIES)}")
    registry.check_alias_name(alias)
    parent = registry.resolve(session, model_name, version=None, alias=alias)
    request = TrainRequest(
        model_name=model_name,
        from_version=FromVersion(model=model_name, version=parent.version),
        hyperparameters=_hyperparameters(parent.hyperparameters, overrides or {}),
    )
    recorded = trigger if trigger is not None else {"kind": "refresh", "alias": alias}

    def create() -> TrainingJob:
        job = service.create_job(
            session,
            make_store(settings),
            settings,
            request,
            idempotency_key=idempotency_key,
            owner=owner,
        )
        job.promote = promote
        job.trigger = recorded
        session.flush()
        return job

    return submit_once(
        session,
        celery if celery is not None else make_celery(settings),
        settings,
        task=TRAIN_TASK,
        idempotency_key=idempotency_key,
        owner=owner,
        model=TrainingJob,
        create=create,
        discard=lambda created: service.discard(session, created, with_dataset=False),
    )


def overrides_of(body: RefreshRequest) -> dict[str, Any]:
    """A refresh request's hyperparameter overrides (`epochs` among them when given)."""
    overrides = dict(body.hyperparameters or {})
    if body.epochs is not None:
        overrides["epochs"] = body.epochs
    return overrides
