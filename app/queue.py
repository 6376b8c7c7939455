"""The Celery application as both sides configure it. The gateway only publishes by task name
(`training.run`), so it never imports the workers package or torch."""

from __future__ import annotations

from celery import Celery

from app.config import Settings

TRAIN_TASK = "training.run"
SELECT_TASK = "training.select"
"""An auto job's selection: registers its best candidate once all have finished (workers.auto)."""
BACKTEST_TASK = "backtest.run"
FORECAST_TASK = "forecast.run"
FORECAST_CHUNK_TASK = "forecast.chunk"
FORECAST_MERGE_TASK = "forecast.merge"


def visibility_timeout(settings: Settings) -> int:
    """Redis redelivers an unacknowledged message after this long. It must exceed the longest
    job (the hard time limit, `job_deadline_seconds` + 60 s) or a live job would run twice; a
    job whose worker died sooner is re-queued by the reconciler from its stale heartbeat."""
    return settings.job_deadline_seconds + 3600


def make_celery(settings: Settings) -> Celery:
    celery = Celery("seqcast", broker=settings.broker_url, set_as_current=False)
    options: dict = {}
    if settings.broker_url.startswith("filesystem"):
        folder = settings.broker_folder
        for sub in ("processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        options = {
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
            # The worker lists the folder this often when idle (kombu's default 1 s was most of
            # a small job's POST /train -> registered: benchmarks/RESULTS.md, issue 14).
            "polling_interval": 0.1,
        }
    elif settings.broker_url.startswith(("redis", "rediss")):
        options = {"visibility_timeout": visibility_timeout(settings)}
    celery.conf.update(
        broker_transport_options=options,
        broker_connection_retry_on_startup=True,
        task_default_queue=settings.task_queue,
        task_ignore_result=True,
        task_serializer="json",
        # Fail fast when the broker is down: POST /train answers 503 instead of hanging.
        broker_connection_timeout=3,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
        accept_content=["json"],
        # The filesystem transport has no fanout exchange, so no remote control there.
        worker_enable_remote_control=not settings.broker_url.startswith("filesystem"),
    )
    return celery


def enqueue(celery: Celery, settings: Settings, task: str, row_id: str) -> None:
    """Publish after the row is committed; the task id is the row's id, its only argument."""
    celery.send_task(task, args=[row_id], task_id=row_id, queue=settings.task_queue)


def enqueue_training(celery: Celery, settings: Settings, job_id: str) -> None:
    enqueue(celery, settings, TRAIN_TASK, job_id)


def enqueue_selection(celery: Celery, settings: Settings, job_id: str) -> None:
    """An auto job's selection; its task id is not the job's (that is the job's own message)."""
    celery.send_task(SELECT_TASK, args=[job_id], queue=settings.task_queue)


def enqueue_backtest(celery: Celery, settings: Settings, backtest_id: str) -> None:
    enqueue(celery, settings, BACKTEST_TASK, backtest_id)


def enqueue_forecast(celery: Celery, settings: Settings, forecast_id: str) -> None:
    enqueue(celery, settings, FORECAST_TASK, forecast_id)


def broker_reachable(celery: Celery, timeout: float) -> str | None:
    """None when the broker answers, else the reason."""
    try:
        with celery.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
    except Exception as exc:  # any transport error means "not ready"
        return f"{type(exc).__name__}: {exc}"
    return None
