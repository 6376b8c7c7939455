"""The worker's Celery app: the shared broker configuration plus the settings that make training
safe to redeliver (late acks, reject on worker loss, one message at a time), the worker's log
format and metrics exporter (workers.telemetry), and each pool process's warm export process."""

from __future__ import annotations

from typing import Any

from celery import signals

from app.config import get_settings
from app.queue import make_celery
from workers import telemetry
from workers.allocator import pin_malloc_thresholds
from workers.export_process import export_process

pin_malloc_thresholds()
settings = get_settings()
celery = make_celery(settings)
celery.conf.update(
    imports=("workers.tasks",),
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    # The job's deadline: the soft limit fails it with the reason, the hard limit kills it.
    # Both stay below Redis' visibility timeout (app.queue.visibility_timeout), so a live job
    # is never handed to a second worker.
    task_soft_time_limit=settings.job_deadline_seconds,
    task_time_limit=settings.job_deadline_seconds + 60,
    worker_hijack_root_logger=False,
    worker_send_task_events=True,  # Flower and the metrics see tasks from the start
)
telemetry.connect(settings)


def _start_export_process(**_: Any) -> None:
    """A pool process starts its export process at once, so that it has warmed up (imported the
    exporters) by the first job's export."""
    if settings.export_process == "warm":
        export_process().start()


def _stop_export_process(**_: Any) -> None:
    """Stop this process's export process, if it started one (a pool process on its way out; the
    main process of a solo pool)."""
    export_process().stop()


signals.worker_process_init.connect(_start_export_process, weak=False)
signals.worker_process_shutdown.connect(_stop_export_process, weak=False)
signals.worker_shutdown.connect(_stop_export_process, weak=False)
