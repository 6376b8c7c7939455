"""The real parts the end-to-end tests run on: a Celery worker process as `seqcast worker` starts
it, the app behind a real uvicorn server, and training jobs followed to the end."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.cli.server import worker_command
from app.config import Settings
from tests.support.private_services import free_port

ROOT = Path(__file__).resolve().parents[2]
"""The repository's root."""


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment a separate process needs to see the same settings."""
    # Several test workers run at once: only one whose settings name a port exports metrics.
    metrics_port = (
        settings.worker_metrics_port if "worker_metrics_port" in settings.model_fields_set else 0
    )
    return {
        **os.environ,
        "SEQCAST_DATA_DIR": str(settings.data_dir),
        "SEQCAST_DATABASE_URL": settings.database_url,
        "SEQCAST_BROKER_URL": settings.broker_url,
        "SEQCAST_ARTIFACT_ROOT": str(settings.artifact_root),
        "SEQCAST_TASK_QUEUE": settings.task_queue,
        "SEQCAST_PARITY_TOLERANCE": str(settings.parity_tolerance),
        "SEQCAST_CHECKPOINT_INTERVAL_SECONDS": str(settings.checkpoint_interval_seconds),
        "SEQCAST_S3_ENDPOINT_URL": settings.s3_endpoint_url,
        "SEQCAST_LOG_FORMAT": str(settings.log_format),
        "SEQCAST_WORKER_METRICS_PORT": str(metrics_port),
        "SEQCAST_WORKER_METRICS_HOST": settings.worker_metrics_host,
    }


def start_worker(settings: Settings, log: Path, *, own_group: bool = False) -> Worker:
    """A real `celery worker` process, as `seqcast worker` starts it; waits until it is ready.
    With `own_group`, the worker and its pool are a process group of their own (os.killpg)."""
    env = settings_env(settings)
    command = worker_command(settings)
    handle = log.open("wb")
    process = subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=own_group,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"worker exited early:\n{log.read_text()}")
        if b" ready." in log.read_bytes():
            return Worker(process, log)
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"worker not ready after 90 s:\n{log.read_text()}")


@contextmanager
def serve_in_thread(app: FastAPI) -> Iterator[str]:
    """`app` behind a real uvicorn server in a thread, for real HTTP clients and real
    concurrency; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)


def wait_for_job(client: TestClient, job_id: str, timeout: float = 240) -> dict:
    """The job once it has finished, however it finished (polled every 0.1 s: a read of one
    row, while most of the suite's jobs take a second or two)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {job['status']} after {timeout} s: {job}")


def train_and_wait(client: TestClient, body: dict, timeout: float = 240) -> dict:
    """POST /train with `body` (202 and its Location checked), then the finished job."""
    response = client.post("/train", json=body)
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/jobs/{response.json()['id']}"
    return wait_for_job(client, response.json()["id"], timeout)


def start_serve(
    data_dir: Path, *, own_session: bool = False, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen, str]:
    """`seqcast serve` on the embedded default in `data_dir` (its output in serve.log there),
    once it answers /readyz: the process and its base URL. `own_session`: a signal sent to it
    reaches `serve` alone, as `docker stop` sends one."""
    import httpx

    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SEQCAST_")}
    environment |= {"SEQCAST_DATA_DIR": str(data_dir), **(env or {})}
    log_path = data_dir / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=own_session,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            try:
                if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                    return process, url
            except httpx.TransportError:
                pass
            time.sleep(0.3)
    except BaseException:
        process.kill()
        process.wait()
        raise
