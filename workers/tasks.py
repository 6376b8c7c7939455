"""Celery tasks. Kept free of torch at import time: the prefork parent imports this module and
forks children, and torch must be first imported in the child that uses it."""

from __future__ import annotations

from app.queue import BACKTEST_TASK, SELECT_TASK, TRAIN_TASK
from workers import schedules as schedule_tasks
from workers.celery_app import celery, settings
from workers.forecast import tasks as forecast_tasks


@celery.task(name=TRAIN_TASK)
def run_training(job_id: str) -> None:
    """Train, export and register one job. Idempotent: a finished job is left alone. An auto
    job's message publishes its candidates (a group); a candidate trains without registering and
    the last one publishes the selection (workers.auto)."""
    from workers import auto

    role = auto.role(job_id, settings)
    if role == "auto":  # before the runner's import (torch): the candidates go out at once
        auto.fan_out(job_id, settings, celery)
        return
    from workers.runner import run_job

    if role == "candidate":
        auto.run_candidate(job_id, settings, celery, run_job)
    else:
        run_job(job_id, settings)
        from workers.gate import after_registration

        after_registration(job_id, settings)  # a refresh's promote policy, once registered


@celery.task(name=SELECT_TASK)
def select_candidate(job_id: str) -> None:
    """Register an auto job's best candidate once none is left running (the chord's callback).
    Idempotent: does nothing while a candidate runs or once the job has finished."""
    from workers.auto import select_best

    select_best(job_id, settings)


@celery.task(name=BACKTEST_TASK)
def run_backtest(backtest_id: str) -> None:
    """Evaluate one version at rolling origins. Idempotent: a finished backtest is left alone."""
    from workers.backtest import run_backtest_job

    run_backtest_job(backtest_id, settings)


__all__ = [
    "forecast_tasks",  # registered with the others: forecast.run, .chunk, .merge
    "schedule_tasks",  # schedules.fire, which beat sends
]
