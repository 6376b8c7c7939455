"""`seqcast` console script: serve (API + a real worker process), api, worker, migrate."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys

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


def cmd_migrate(_: argparse.Namespace) -> int:
    from app.migrate import upgrade

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    log.info("database at head: %s", _redact(settings.database_url))
    return 0


def cmd_api(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_level="info",
        access_log=settings.access_log,
    )
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    os.execv(sys.executable, worker_command(get_settings(), args.concurrency))
    return 0  # not reached


def cmd_serve(args: argparse.Namespace) -> int:
    """Migrate, start one worker process, run the API in the foreground; stop both together."""
    cmd_migrate(args)
    worker = subprocess.Popen(worker_command(get_settings(), args.concurrency))
    log.info("worker started (pid %s)", worker.pid)
    try:
        return cmd_api(args)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return url


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(prog="seqcast", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func, help_ in (
        ("serve", cmd_serve, "migrate, then run the API with a worker process"),
        ("api", cmd_api, "run the API only"),
        ("worker", cmd_worker, "run a Celery training worker"),
        ("migrate", cmd_migrate, "apply database migrations"),
    ):
        p = sub.add_parser(name, help=help_)
        p.set_defaults(func=func)
        if name in ("serve", "api"):
            p.add_argument("--host", default=None)
            p.add_argument("--port", type=int, default=None)
        if name in ("serve", "worker"):
            p.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
