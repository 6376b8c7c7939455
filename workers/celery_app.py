"""The worker's Celery app: the shared broker configuration plus the settings that make training
safe to redeliver (late acks, reject on worker loss, one message at a time), and the worker's
log format and metrics exporter (workers.telemetry)."""

from __future__ import annotations

from app.config import get_settings
from app.queue import make_celery
from workers import telemetry
from workers.allocator import pin_malloc_thresholds

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
