"""The server commands: `serve` (migrate, then the API with a worker process, and beat on the
embedded default), `api`, `worker`, `beat`, `migrate`.

Neither this module nor the API ever imports torch or `workers`: `worker` and `beat` exec Celery
in a new process, and `serve` starts them as children, which it stops when it is stopped itself.
"""

import contextlib
import logging
import os
import signal
import subprocess
import sys
from typing import Annotated

import typer

from app.config import Settings, get_settings

log = logging.getLogger("seqcast")


def worker_command(settings: Settings, concurrency: int = 1, loglevel: str = "INFO") -> list[str]:
    """The Celery worker as its own process: the API process never imports workers or torch."""
    return [
        sys.executable,
        "-m",
        "celery",
        "--app",
        "workers.celery_app",
        "worker",
        f"--loglevel={loglevel}",
        f"--concurrency={concurrency}",
        "--queues",
        settings.task_queue,
        "--without-gossip",
        "--without-mingle",
    ]


def beat_command(loglevel: str = "INFO") -> list[str]:
    """Celery beat with the schedules table as its schedule (workers.beat), its own process."""
    return [
        sys.executable,
        "-m",
        "celery",
        "--app",
        "workers.beat",
        "beat",
        f"--loglevel={loglevel}",
    ]


def _server_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    from app.logs import apply_format

    apply_format(get_settings().log_format or "text")  # the same format the API will use


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return url


def _migrate() -> None:
    from app.migrate import upgrade

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    log.info("database at head: %s", _redact(settings.database_url))


def _run_api(host: str | None, port: int | None, workers: int | None = None) -> None:
    import uvicorn

    settings = get_settings()
    workers = workers or settings.api_workers
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers if workers > 1 else None,
        log_level="info",
        access_log=settings.access_log,
    )


Host = Annotated[
    str | None, typer.Option(help="Interface to listen on [default: SEQCAST_HOST or 127.0.0.1]")
]
Port = Annotated[int | None, typer.Option(help="Port [default: SEQCAST_PORT or 8000]")]
Concurrency = Annotated[int, typer.Option(min=1, help="Training jobs the worker runs at once.")]
ApiWorkers = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        help="API processes sharing the port, each with its own model cache and batchers "
        "(one per core is a good start) [default: SEQCAST_API_WORKERS or 1]",
        show_default=False,
    ),
]


def serve(
    host: Host = None, port: Port = None, concurrency: Concurrency = 1, workers: ApiWorkers = None
) -> None:
    """Migrate, then run the API with a worker process (and beat, on a local SQLite install);
    stop them together."""
    # uvicorn shuts down gracefully on SIGTERM, then re-raises it: with the default handler that
    # would kill this process before the worker is stopped (docker stop, systemd). Make it an
    # exception instead, so the `finally` below runs; re-raised once the worker is gone.
    received: list[int] = []

    def on_sigterm(signum: int, _frame: object) -> None:
        received.append(signum)
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_sigterm)
    _server_logging()
    _migrate()
    worker: subprocess.Popen | None = None
    beat: subprocess.Popen | None = None
    try:
        # Its own process group, so stopping it reaches its pool processes too: killing the
        # Celery main process alone would leave a training child running on its own.
        worker = subprocess.Popen(worker_command(get_settings(), concurrency), process_group=0)
        log.info("worker started (pid %s)", worker.pid)
        if get_settings().local:  # one machine, one beat; a shared deployment runs `seqcast beat`
            beat = subprocess.Popen(beat_command(), process_group=0)
            log.info("beat started (pid %s)", beat.pid)
        _run_api(host, port, workers)
    finally:
        if beat is not None:
            _stop_worker(beat, what="beat")
        if worker is not None:
            _stop_worker(worker)
        if received:  # end as the signal asked (systemd counts "killed by SIGTERM" as clean)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.raise_signal(signal.SIGTERM)


WORKER_GRACE_SECONDS = 8.0
"""How long Celery's warm shutdown may wait for a running task before the worker's whole
process group is killed: under `docker stop`'s 10 s. Nothing is lost by the kill: the job's
message is redelivered (acks_late) and training resumes from its last checkpoint."""


def _stop_worker(worker: subprocess.Popen, what: str = "worker") -> None:
    """SIGTERM (Celery's warm shutdown); SIGKILL to the worker's process group, pool processes
    included, after WORKER_GRACE_SECONDS or at a second SIGINT/SIGTERM."""

    def kill_group() -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)

    def force(_signum: int, _frame: object) -> None:
        kill_group()

    previous = {sig: signal.signal(sig, force) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if worker.poll() is None:
            log.info("stopping the %s (pid %s)", what, worker.pid)
            worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=WORKER_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            log.warning("the %s did not stop in %.0f s; killing it", what, WORKER_GRACE_SECONDS)
        kill_group()  # also any pool process the main process left behind
        worker.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def api(host: Host = None, port: Port = None, workers: ApiWorkers = None) -> None:
    """Run the API only."""
    _server_logging()
    _run_api(host, port, workers)


def worker(concurrency: Concurrency = 1) -> None:
    """Run a Celery training worker (replaces this process)."""
    os.execv(sys.executable, worker_command(get_settings(), concurrency))


def beat() -> None:
    """Run Celery beat on the refresh schedules (replaces this process); one per deployment."""
    os.execv(sys.executable, beat_command())


def migrate() -> None:
    """Apply the database migrations."""
    _server_logging()
    _migrate()
