"""Celery tasks. Kept free of torch at import time: the prefork parent imports this module and
forks children, and torch must be first imported in the child that uses it."""

from __future__ import annotations

from app.queue import TRAIN_TASK
from workers.celery_app import celery, settings


@celery.task(name=TRAIN_TASK)
def run_training(job_id: str) -> None:
    """Train, export and register one job. Idempotent: a finished job is left alone."""
    from workers.runner import run_job

    run_job(job_id, settings)
