"""The worker's logs and metrics, wired through Celery's signals (workers.celery_app).

Logs: Celery sets up its handlers; `SEQCAST_LOG_FORMAT` then formats them (app.logs), in the main
process and, inherited through the fork, in the pool processes, where the runner adds `job_id`.

Metrics: the jobs run in prefork pool processes, so prometheus_client's multiprocess mode is used.
Before the pool forks (`worker_init`), the main process points PROMETHEUS_MULTIPROC_DIR at a fresh
temporary folder (unless one is given) and starts the HTTP exporter on
`SEQCAST_WORKER_METRICS_PORT` (0: none) with a collector that merges every pool process's files;
a pool process that exits is marked dead (its live gauges drop out) and the folder is removed at
shutdown. Nothing here imports prometheus_client before the folder is set.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from typing import Any

from celery import signals

from app.config import Settings
from app.logs import format_logger

log = logging.getLogger("seqcast.worker")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

_state: dict[str, Any] = {}


def connect(settings: Settings) -> None:
    """Connect the handlers (once per process: the main process imports celery_app once)."""
    _state["settings"] = settings
    signals.after_setup_logger.connect(_format_logs, weak=False)
    signals.after_setup_task_logger.connect(_format_logs, weak=False)
    signals.worker_init.connect(_start_exporter, weak=False)
    signals.worker_ready.connect(_report, weak=False)
    signals.worker_process_shutdown.connect(_pool_process_gone, weak=False)
    signals.worker_shutdown.connect(_stop_exporter, weak=False)


def _format_logs(logger: logging.Logger, **_: Any) -> None:
    settings: Settings = _state["settings"]
    assert settings.log_format is not None
    format_logger(logger, settings.log_format)


def _start_exporter(**_: Any) -> None:
    settings: Settings = _state["settings"]
    if not settings.worker_metrics_port:
        return
    if MULTIPROC_ENV not in os.environ:
        if "prometheus_client" in sys.modules:
            log.warning(
                "prometheus_client was imported before the metrics folder was set: the pool "
                "processes' training metrics will be missing from port %d",
                settings.worker_metrics_port,
            )
        folder = tempfile.mkdtemp(prefix="seqcast-metrics-")
        os.environ[MULTIPROC_ENV] = folder
        _state["owned_folder"] = folder
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    try:
        server, _thread = start_http_server(
            settings.worker_metrics_port, addr=settings.worker_metrics_host, registry=registry
        )
    except OSError as exc:
        _state["report"] = (
            logging.WARNING,
            "worker metrics not exported: cannot listen on %s:%d (%s); set "
            "SEQCAST_WORKER_METRICS_PORT to a free port, or 0",
            (settings.worker_metrics_host, settings.worker_metrics_port, exc),
        )
        return
    _state["server"] = server
    _state["report"] = (
        logging.INFO,
        "worker metrics at http://%s:%d/metrics",
        (settings.worker_metrics_host, settings.worker_metrics_port),
    )


def _report(**_: Any) -> None:
    """Say where the metrics are once logging is set up (worker_init comes before it)."""
    report = _state.pop("report", None)
    if report is not None:
        level, message, args = report
        log.log(level, message, *args)


def _pool_process_gone(pid: int | None = None, **_: Any) -> None:
    if pid and MULTIPROC_ENV in os.environ:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def _stop_exporter(**_: Any) -> None:
    server = _state.pop("server", None)
    if server is not None:
        server.shutdown()
    folder = _state.pop("owned_folder", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
