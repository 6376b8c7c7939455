"""Fixtures on real services: a fresh PostgreSQL database migrated with Alembic, Redis as the
broker, a real Celery worker process, and the real app behind Starlette's TestClient. The same
stack also runs on the embedded default (SQLite + filesystem broker) in tests/e2e/test_embedded.py.

Only fixtures live here; the helpers tests import are in tests/support/. Override the servers
with SEQCAST_TEST_POSTGRES (a server URL without database) and SEQCAST_TEST_REDIS. Where nothing
answers there, the session starts private servers from the installed binaries
(tests/support/private_services.py) and stops them at its end.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.auth.service import Scope
from app.config import Settings
from app.main import create_app
from tests.support import servers
from tests.support.data import seasonal_series
from tests.support.keys import make_key
from tests.support.private_services import CannotStartServer, free_port, session_servers
from tests.support.stack import Worker, serve_in_thread, start_worker, train_and_wait

_SERVERS = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    """Private servers for the session where the configured ones are down. Their URLs go into
    tests.support.servers before any test module is imported, and into the environment, which
    worker processes inherit."""
    if config.option.help or config.option.version:
        return
    try:
        started = session_servers(servers.PG_SERVER, servers.REDIS_URL)
    except CannotStartServer as exc:
        raise pytest.UsageError(str(exc)) from None
    config.add_cleanup(started.close)
    config.stash[_SERVERS] = started.notes
    servers.use(started.postgres, started.redis)


def pytest_report_header(config: pytest.Config) -> list[str]:
    return config.stash.get(_SERVERS, [])


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """The database of this test session."""
    with servers.fresh_database() as url:
        yield url


@pytest.fixture(scope="session")
def pg_settings(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir = tmp_path_factory.mktemp("pg-stack")
    return Settings(
        data_dir=data_dir,
        database_url=pg_url,
        broker_url=servers.REDIS_URL,
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


@pytest.fixture(scope="session")
def dataset(client: TestClient) -> dict:
    response = client.post("/datasets", json={"name": "seasonal", "columns": seasonal_series()})
    assert response.status_code == 201, response.text
    return response.json()


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
