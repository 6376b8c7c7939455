"""Fixtures for the serving unit tests: a tiny real ONNX model (tests/support/tiny_model.py) in
a local artifact store, a thread pool for onnxruntime to run on, and a registry database."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.artifacts import ArtifactStore
from tests.support.registry_db import FILENAME, migrated_database
from tests.support.tiny_model import local_store


@pytest.fixture
def store(tmp_path: Path) -> ArtifactStore:
    return local_store(tmp_path)


@pytest.fixture
def executor() -> Iterator[ThreadPoolExecutor]:
    pool = ThreadPoolExecutor(4, thread_name_prefix="ort-test")
    yield pool
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The migrations run once; each test gets a copy of the file."""
    folder = tmp_path_factory.mktemp("migrated")
    engine, _ = migrated_database(folder)
    engine.dispose()
    return folder / FILENAME


@pytest.fixture
def database(
    tmp_path: Path, migrated_template: Path
) -> Iterator[tuple[Engine, sessionmaker[Session]]]:
    """A SQLite registry made by the Alembic migrations (a fresh copy per test)."""
    engine, sessions = migrated_database(tmp_path, migrated_template)
    yield engine, sessions
    engine.dispose()
