"""Fixtures on real services: a fresh PostgreSQL database migrated with Alembic, Redis as the
broker, a real Celery worker process, and the real app behind Starlette's TestClient. The same
stack also runs on the embedded default (SQLite + filesystem broker) in tests/e2e/test_embedded.py.

Only fixtures live here; the helpers tests import are in tests/support/. Override the servers
with SEQCAST_TEST_POSTGRES (a server URL without database) and SEQCAST_TEST_REDIS. Where nothing
answers there, the session starts private servers from the installed binaries
(tests/support/private_services.py) and stops them at its end.

Isolation: the session's database is shared by design (one trained model, `trained_lstm`, serves
dozens of tests). A test that changes registry or dataset rows without a worker takes
`isolated_client` or `db_session`, whose writes are rolled back at its end
(tests/support/rollback.py); one that trains uses names of its own.
"""

from __future__ import annotations

import gc
import itertools
import os
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from app.auth.service import Scope
from app.config import Settings
from app.db import make_sessionmaker
from app.main import create_app
from tests.support import servers
from tests.support.data import seasonal_series
from tests.support.keys import make_key
from tests.support.private_services import CannotStartServer, free_port, session_servers
from tests.support.rollback import join, join_app, rolled_back
from tests.support.stack import Worker, serve_in_thread, start_worker, train_and_wait

_SERVERS = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    """Private servers for the session where the configured ones are down. Their URLs go into
    tests.support.servers before any test module is imported, and into the environment, which
    worker processes inherit."""
    if config.option.help or config.option.version:
        return
    # One intra-op thread for torch in this process and every process the suite starts (Celery
    # workers, `seqcast serve`, export processes): the suite's nets are tiny, and on a 2-core
    # machine running two test sessions (`make test`: -n 2) torch's spinning thread pools
    # oversubscribe the cores and slow each training many times over. Set before torch loads.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:
        started = session_servers(servers.PG_SERVER, servers.REDIS_URL)
    except CannotStartServer as exc:
        raise pytest.UsageError(str(exc)) from None
    config.add_cleanup(started.close)
    config.stash[_SERVERS] = started.notes
    servers.use(started.postgres, started.redis)


def pytest_report_header(config: pytest.Config) -> list[str]:
    return config.stash.get(_SERVERS, [])


LONGEST_FIRST = (
    "e2e/test_faults.py",
    "e2e/test_embedded.py",
    "api/test_streams.py",
    "workers/test_export_process.py",
    "cli/test_serve_signals.py",
    "e2e/test_auto_parallel.py",
    "ui/test_ui.py",
    "e2e/test_end_to_end.py",
    "workers/test_training_export.py",
    "test_artifacts_s3.py",
)
"""The modules that take longest (12-50 s each with two workers on 2 cores; `--durations`),
relative to tests/. `make test` (-n 2 --dist loadfile --no-loadscope-reorder) hands modules out
in collection order: these go first, so the workers finish on short modules and together, not
one waiting ~30 s for the other's last long module."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every item a node id of its own, then, in a pytest-xdist worker, LONGEST_FIRST's modules
    first (a stable sort: each module's tests keep their order); a plain serial run keeps the
    file order.

    schemathesis (4.32 on pytest 9) names its items `test_x[GET /path]` but gives all of a
    test's items one node id, `test_x`; xdist hands tests out by node id, so it ran one
    operation of each fuzz test instead of all of them. Their ids take their names."""
    counts = Counter(item.nodeid for item in items)
    for item in items:
        if counts[item.nodeid] > 1 and "[" in item.name and hasattr(item, "_id"):
            params = item.name.partition("[")[2].removesuffix("]")
            item._id = item._id.with_params(params)  # pytest 9's NodeId, what .nodeid prints
    if not hasattr(config, "workerinput"):
        return
    tests = Path(__file__).parent
    first = {tests / name: rank for rank, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: first.get(item.path, len(first)))


FULL_COLLECTION_EVERY = 100
"""Tests between two full garbage collections of this process: see pytest_runtest_setup."""

_setups = itertools.count(1)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup() -> None:
    """Before each test's fixtures: this process' heap goes into the garbage collector's
    permanent generation (gc.freeze), so that an app the test starts collects only what is new.

    Every app start collects the whole process (its lifespan: app.gc_tuning.freeze, a
    gc.collect() then gc.freeze()), and its shutdown hands everything back (gc.unfreeze). In
    the API process that is one collection of a fresh heap; in the test process it walked ~1 M
    objects (torch, schemathesis, the session's fixtures): 0.5-1.5 s for each of the ~110 apps
    the suite starts (`isolated_client` and others), 115 s of a run's summed test time,
    measured. With the heap frozen, the app, its lifespan and its gc calls are the real ones and
    take milliseconds. Garbage frozen with the heap (cycles: apps whose engines were never
    disposed, ...) is collected every FULL_COLLECTION_EVERY tests, ~1 s each (every 50 freed
    50-300 k objects each time, measured). Nothing here may walk the heap on every test: the
    size of the frozen heap (gc.get_freeze_count, a walk of its list) cost ~0.15 s per test."""
    if next(_setups) % FULL_COLLECTION_EVERY == 0:
        gc.unfreeze()
        gc.collect()
    gc.freeze()


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
    keys). Tests that need training also request `pg_worker`. What a test writes through it
    stays for the session: see `isolated_client`."""
    with TestClient(create_app(pg_settings), headers=auth_headers) as c:
        yield c


@pytest.fixture(scope="session")
def live_url(pg_settings: Settings) -> Iterator[str]:
    """The same app behind a real uvicorn server (in a thread), for real HTTP clients and
    real concurrency."""
    with serve_in_thread(create_app(pg_settings)) as url:
        yield url


@pytest.fixture
def db_connection(pg_url: str) -> Iterator[Connection]:
    """A connection to the session's database inside a transaction rolled back after the test
    (tests/support/rollback.py); `db_session` and `isolated_client` share it."""
    with rolled_back(pg_url) as connection:
        yield connection


@pytest.fixture
def db_session(db_connection: Connection) -> Iterator[Session]:
    """A session whose commits are savepoints of the test's transaction: rows it writes are
    seen by `isolated_client` and gone after the test."""
    sessions = make_sessionmaker(db_connection.engine)
    join(sessions, db_connection)
    with sessions() as session:
        yield session


@pytest.fixture
def isolated_client(
    pg_settings: Settings, auth_headers: dict[str, str], db_connection: Connection
) -> Iterator[TestClient]:
    """As `client` (admin, the session's database and the shared trained models), but a new app
    whose every session works inside the test's transaction: what the test changes through it
    (aliases, serving settings, datasets, keys) is rolled back at its end, and its caches are
    its own. Requests only: nothing it queues is seen by the worker, and files it deletes stay
    deleted. No reconciler, and every alias resolved afresh, so nothing else uses the one
    connection between requests."""
    settings = pg_settings.model_copy(
        update={"reconcile_interval_seconds": 0, "resolve_ttl_seconds": 0}
    )
    app = create_app(settings)
    join_app(app, db_connection)
    with TestClient(app, headers=auth_headers) as c:
        yield c


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
