"""Real services for the tests: a fresh PostgreSQL database migrated with Alembic, Redis as the
broker, a real Celery worker process, and the real app behind Starlette's TestClient. The same
stack also runs on the embedded default (SQLite + filesystem broker) in test_embedded.py.

Override the servers with SEQCAST_TEST_POSTGRES (a server URL without database) and
SEQCAST_TEST_REDIS. Where nothing answers there, the session starts private servers from the
installed binaries (tests/private_services.py) and stops them at its end.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psycopg
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.auth import service as keys
from app.auth.service import Scope
from app.cli.server import worker_command
from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.main import create_app
from app.migrate import upgrade
from tests.private_services import CannotStartServer, free_port, session_servers

PG_SERVER = os.environ.get("SEQCAST_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("SEQCAST_TEST_REDIS", "redis://127.0.0.1:6379/0")
_SERVERS = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    """Private servers for the session where the configured ones are down. The URLs go into the
    environment too: test modules import them from `tests.conftest`, a second copy of this module
    read after this hook, and worker processes inherit them."""
    global PG_SERVER, REDIS_URL
    if config.option.help or config.option.version:
        return
    try:
        servers = session_servers(PG_SERVER, REDIS_URL)
    except CannotStartServer as exc:
        raise pytest.UsageError(str(exc)) from None
    config.add_cleanup(servers.close)
    config.stash[_SERVERS] = servers.notes
    PG_SERVER = os.environ["SEQCAST_TEST_POSTGRES"] = servers.postgres
    REDIS_URL = os.environ["SEQCAST_TEST_REDIS"] = servers.redis


def pytest_report_header(config: pytest.Config) -> list[str]:
    return config.stash.get(_SERVERS, [])


ROOT = Path(__file__).resolve().parents[1]


def seasonal_series(n: int = 320, period: int = 12, seed: int = 0) -> dict[str, list[float]]:
    """A seasonal sine with a slow drift and noise, plus a cosine covariate."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = 10 + 3 * np.sin(2 * np.pi * t / period) + 0.01 * t + rng.normal(0, 0.2, n)
    x = np.cos(2 * np.pi * t / period)
    return {"y": np.round(y, 4).tolist(), "x": np.round(x, 4).tolist()}


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


def wait_for_job(client: TestClient, job_id: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.25)
    raise AssertionError(f"job {job_id} still {job['status']} after {timeout} s: {job}")


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new PostgreSQL database created with the real migrations, dropped afterwards."""
    name = f"seqcast_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_SERVER.replace('postgresql://', 'postgresql+psycopg://')}/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """The database of this test session."""
    with fresh_database() as url:
        yield url


@pytest.fixture(scope="session")
def pg_settings(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir = tmp_path_factory.mktemp("pg-stack")
    return Settings(
        data_dir=data_dir,
        database_url=pg_url,
        broker_url=REDIS_URL,
        artifact_root=data_dir / "artifacts",
        task_queue=f"seqcast-test-{uuid.uuid4().hex[:8]}",
        worker_metrics_port=free_port(),  # pg_worker's exporter (tests/test_metrics.py)
        worker_metrics_host="127.0.0.1",
    )


@pytest.fixture(scope="session")
def pg_worker(pg_settings: Settings) -> Iterator[Worker]:
    worker = start_worker(pg_settings, pg_settings.data_dir / "worker.log")
    yield worker
    worker.stop()


def make_key(settings: Settings, *scopes: Scope, name: str = "tests") -> str:
    """A real API key, created the way `seqcast keys create` creates one."""
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            _, key = keys.create(session, name=name, scopes=list(scopes))
            session.commit()
    finally:
        engine.dispose()
    return key


@pytest.fixture(scope="session")
def admin_key(pg_settings: Settings) -> str:
    return make_key(pg_settings, Scope.admin, name="test-admin")


@pytest.fixture(scope="session")
def auth_headers(admin_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {admin_key}"}


@pytest.fixture(scope="session")
def client(pg_settings: Settings, auth_headers: dict[str, str]) -> Iterator[TestClient]:
    """The app on PostgreSQL + Redis, authenticated as admin (a shared deployment requires
    keys). Tests that need training also request `pg_worker`."""
    with TestClient(create_app(pg_settings), headers=auth_headers) as c:
        yield c


@pytest.fixture(scope="session")
def live_url(pg_settings: Settings) -> Iterator[str]:
    """The same app behind a real uvicorn server (in a thread), for real HTTP clients and
    real concurrency."""
    with serve_in_thread(create_app(pg_settings)) as url:
        yield url


@contextmanager
def serve_in_thread(app: FastAPI) -> Iterator[str]:
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


@pytest.fixture(scope="session")
def dataset(client: TestClient) -> dict:
    response = client.post("/datasets", json={"name": "seasonal", "columns": seasonal_series()})
    assert response.status_code == 201, response.text
    return response.json()


def train_and_wait(client: TestClient, body: dict, timeout: float = 240) -> dict:
    response = client.post("/train", json=body)
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/jobs/{response.json()['id']}"
    return wait_for_job(client, response.json()["id"], timeout)


@pytest.fixture(scope="session")
def trained_lstm(client: TestClient, pg_worker: Worker, dataset: dict) -> dict:
    """One small trained model that the registry and predict tests share."""
    job = train_and_wait(
        client,
        {
            "model_name": "shared-lstm",
            "architecture": "lstm",
            "dataset_id": dataset["id"],
            "target_columns": ["y"],
            "feature_columns": ["y", "x"],
            "input_length": 24,
            "horizon": 6,
            "hyperparameters": {"hidden_size": 16, "num_layers": 1, "epochs": 5, "seed": 1},
        },
    )
    assert job["status"] == "succeeded", job
    return job
