"""The whole-dataset forecast tasks (workers.forecast.job), registered through workers.tasks.
Kept free of torch like every task module."""

from __future__ import annotations

from celery import group

from app.queue import FORECAST_CHUNK_TASK, FORECAST_MERGE_TASK, FORECAST_TASK
from workers.celery_app import celery, settings


@celery.task(name=FORECAST_TASK)
def run_forecast(forecast_id: str) -> None:
    """Plan a whole-dataset forecast; forecast one chunk here, or publish a group of chunks."""
    from workers.forecast.job import run_forecast_job

    def chunks(indexes: list[int]) -> None:
        group(run_forecast_chunk.si(forecast_id, k) for k in indexes).apply_async(
            queue=settings.task_queue
        )

    def merge() -> None:
        run_forecast_merge.apply_async(args=[forecast_id], queue=settings.task_queue)

    run_forecast_job(forecast_id, settings, chunks, merge)


@celery.task(name=FORECAST_CHUNK_TASK)
def run_forecast_chunk(forecast_id: str, index: int) -> None:
    """Forecast one chunk; the chunk that completes the set publishes the merge."""
    from workers.forecast.job import run_chunk

    if run_chunk(forecast_id, index, settings):
        run_forecast_merge.apply_async(args=[forecast_id], queue=settings.task_queue)


@celery.task(name=FORECAST_MERGE_TASK)
def run_forecast_merge(forecast_id: str) -> None:
    """Merge the chunk files into the one result file, in series order."""
    from workers.forecast.job import merge

    merge(forecast_id, settings)
