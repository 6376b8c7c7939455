"""The Alembic migrations are the only way the schema is made: they must go up, down and up
again on PostgreSQL, and match the ORM models exactly."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from app.migrate import downgrade, upgrade
from app.models import Base
from tests.conftest import PG_SERVER

TABLES = {"datasets", "training_jobs", "models", "model_versions", "model_aliases", "api_keys"}


@pytest.fixture
def empty_pg() -> Iterator[str]:
    name = f"seqcast_migrate_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{PG_SERVER.replace('postgresql://', 'postgresql+psycopg://')}/{name}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _diff(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_on_postgres(empty_pg):
    upgrade(empty_pg)
    assert _tables(empty_pg) == TABLES
    assert _diff(empty_pg) == []
    downgrade(empty_pg, "base")
    assert _tables(empty_pg) == set()
    upgrade(empty_pg)
    assert _tables(empty_pg) == TABLES


def test_migrations_match_models_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    assert _diff(url) == []
    downgrade(url, "base")
    assert _tables(url) == set()
