"""The worker's Celery app: the shared broker configuration plus the settings that make training
safe to redeliver (late acks, reject on worker loss, one message at a time), the worker's log
format and metrics exporter (workers.telemetry), and each pool process's warm export process."""

from __future__ import annotations

import time
from queue import Empty
from typing import Any

from celery import signals
from celery.worker import state as worker_state
from kombu.transport import filesystem

from app.config import get_settings
from app.queue import make_celery
from workers import telemetry
from workers.allocator import pin_malloc_thresholds
from workers.export_process import export_process


class FilesystemTransport(filesystem.Transport):
    """kombu's filesystem transport, with a `drain_events` that stops listing the folder once the
    worker is shutting down.

    The transport is not asynchronous, so Celery's consumer runs `synloop`, which calls
    `drain_events(timeout=2.0)`: kombu's loop polls the folder until a message comes or the 2 s
    are up, and does not look at the shutdown flag that SIGTERM's handler sets. The flag is only
    checked between calls, and then one more call runs (`finally: _loop_cycle()`, there for its
    pending acks), so an idle worker began to stop 2-4 s after SIGTERM (measured: 2.5, 3.0 and
    3.8 s for signals 1.5, 1.0 and 0.2 s before a call's end). Here each poll first checks the
    flag and, once it is set, returns as "nothing arrived" (TimeoutError = socket.timeout, the
    loop's usual case), so the stop begins within one polling interval. The check comes before
    a poll, never between taking a message and delivering it, so no message is taken and
    dropped; none is taken after SIGTERM (it stays in the folder for the next worker), and a
    running task is waited for and acked by Celery's warm shutdown as before.
    """

    def drain_events(self, connection: Any, timeout: float | None = None) -> None:
        # kombu.transport.virtual.Transport.drain_events, plus the stopping check.
        time_start = time.monotonic()
        get = self.cycle.get
        polling_interval = self.polling_interval
        if timeout and polling_interval and polling_interval > timeout:
            polling_interval = timeout
        while True:
            if _worker_stopping():
                raise TimeoutError()
            try:
                get(self._deliver, timeout=timeout)
            except Empty:
                if timeout is not None and time.monotonic() - time_start >= timeout:
                    raise TimeoutError() from None
                if polling_interval is not None:
                    time.sleep(polling_interval)
            else:
                break


def _worker_stopping() -> bool:
    """Celery's warm or cold shutdown flag is set (EX_OK, 0, counts: Celery's own test)."""
    return any(
        flag is not None and flag is not False
        for flag in (worker_state.should_stop, worker_state.should_terminate)
    )


pin_malloc_thresholds()
settings = get_settings()
celery = make_celery(settings)
if settings.broker_url.startswith("filesystem"):
    celery.conf.broker_transport = "workers.celery_app:FilesystemTransport"
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
