"""Celery tasks. Kept free of torch at import time: the prefork parent imports this module and
forks children, and torch must be first imported in the child that uses it."""

from __future__ import annotations

from app.queue import BACKTEST_TASK, TRAIN_TASK
from workers.celery_app import celery, settings
from workers.forecast import tasks as forecast_tasks


@celery.task(name=TRAIN_TASK)
def run_training(job_id: str) -> None:
    """Train, export and register one job. Idempotent: a finished job is left alone."""
    from workers.runner import run_job

    run_job(job_id, settings)


@celery.task(name=BACKTEST_TASK)
def run_backtest(backtest_id: str) -> None:
    """Evaluate one version at rolling origins. Idempotent: a finished backtest is left alone."""
    from workers.backtest import run_backtest_job

    run_backtest_job(backtest_id, settings)


__all__ = ["forecast_tasks"]  # registered with the others: forecast.run, .chunk, .merge
