"""The Alembic migrations are the only way the schema is made: they must go up, down and up
again on PostgreSQL, match the ORM models exactly, and carry rows written by older revisions
across (0005's new columns get their values from temporary server defaults)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, MetaData, create_engine, inspect

from app.migrate import downgrade, upgrade
from app.models import Base
from tests.support.servers import PG_SERVER

TABLES = {
    "datasets",
    "training_jobs",
    "models",
    "model_versions",
    "model_aliases",
    "api_keys",
    "backtests",
    "forecast_jobs",
    "dataset_revisions",
    "forecast_records",
    "model_schedules",
    "alias_events",
}
SERIES_COLUMNS = {"datasets": {"n_series", "series", "frequency"}, "model_versions": {"quantiles"}}
"""What 0005 adds."""


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


def _columns(url: str, table: str) -> dict[str, dict]:
    engine = create_engine(url)
    try:
        return {c["name"]: c for c in inspect(engine).get_columns(table)}
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
    assert _tables(empty_pg) == TABLES == set(Base.metadata.tables)
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


def _filler(column) -> object:
    """A value for a NOT NULL column the test does not care about."""
    if isinstance(column.type, JSON):
        return {}
    if isinstance(column.type, Boolean):
        return False
    if isinstance(column.type, Integer):
        return 1
    if isinstance(column.type, Float):
        return 0.0
    if isinstance(column.type, DateTime):
        return datetime.now(UTC)
    return "x"


def _insert_at_0004(url: str) -> None:
    """One dataset and one model version as revision 0004 stored them (no series columns)."""
    engine = create_engine(url)
    try:
        tables = MetaData()
        tables.reflect(engine)
        rows = [
            ("datasets", {"id": "d1"}),
            ("models", {"id": 1, "name": "m"}),
            ("training_jobs", {"id": "j1", "dataset_id": "d1", "status": "succeeded"}),
            ("model_versions", {"id": 1, "model_id": 1, "job_id": "j1", "dataset_id": "d1"}),
        ]
        with engine.begin() as conn:
            for name, given in rows:
                table = tables.tables[name]
                assert not SERIES_COLUMNS.get(name, set()) & set(table.columns.keys())
                values = {
                    c.name: _filler(c)
                    for c in table.columns
                    if not c.nullable and c.server_default is None
                }
                conn.execute(table.insert().values({**values, **given}))
    finally:
        engine.dispose()


def _read(url: str, query: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.exec_driver_sql(query)]
    finally:
        engine.dispose()


@pytest.fixture(params=["postgresql", "sqlite"])
def any_db(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'series.db'}"
    return request.getfixturevalue("empty_pg")


def test_0005_fills_older_rows_and_goes_back_down(any_db):
    upgrade(any_db, "0004")
    _insert_at_0004(any_db)
    upgrade(any_db)
    datasets = _read(any_db, "SELECT id, n_series, series, frequency FROM datasets")
    assert datasets == [("d1", 1, None, None)]
    (quantiles,) = _read(any_db, "SELECT quantiles FROM model_versions")[0]
    assert quantiles in ([], "[]")  # JSON: decoded on PostgreSQL, text on SQLite
    for table, added in SERIES_COLUMNS.items():
        columns = _columns(any_db, table)
        assert added <= set(columns)
        # the defaults only filled the old rows: the application always sets these itself
        assert all(columns[c]["default"] is None for c in added), columns

    downgrade(any_db, "0004")
    for table, added in SERIES_COLUMNS.items():
        assert not added & set(_columns(any_db, table))
    assert _read(any_db, "SELECT id FROM datasets") == [("d1",)]
    assert _read(any_db, "SELECT id, model_id FROM model_versions") == [(1, 1)]


def test_0006_gives_older_rows_no_owner_and_an_estimated_size(any_db):
    """Rows from before per-key quotas belong to no key, and a dataset's size is estimated
    from its shape: 8 bytes per value, 80 per timestamp."""
    upgrade(any_db, "0005")
    engine = create_engine(any_db)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO datasets (id, name, n_rows, columns, has_timestamps, n_series, "
                "sha256, artifact_uri, created_at) VALUES ('d1', 'd', 100, '[\"y\", \"x\"]', "
                "true, 1, 's', 'u', CURRENT_TIMESTAMP)"
            )
    finally:
        engine.dispose()
    upgrade(any_db)
    assert _read(any_db, "SELECT size_bytes, owner_key_id FROM datasets") == [
        (100 * (2 * 8 + 80), None)
    ]
    for table in ("datasets", "training_jobs", "backtests"):
        assert _columns(any_db, table)["owner_key_id"]["nullable"]
    assert _columns(any_db, "datasets")["size_bytes"]["default"] is None
    downgrade(any_db, "0005")
    assert "size_bytes" not in _columns(any_db, "datasets")
    assert "owner_key_id" not in _columns(any_db, "training_jobs")
    assert _read(any_db, "SELECT id FROM datasets") == [("d1",)]
