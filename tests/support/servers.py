"""The PostgreSQL server and Redis the suite runs on, and fresh databases on that server.

`PG_SERVER` (a server URL without a database) and `REDIS_URL` come from SEQCAST_TEST_POSTGRES
and SEQCAST_TEST_REDIS. Where nothing answers there, tests/conftest.py's pytest_configure starts
private servers (tests/support/private_services.py) and points both names, here and in the
environment, at them before any test module is imported; read them from this module, never
copy them into a module of your own at import time before that hook has run."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from app.migrate import upgrade

PG_SERVER = os.environ.get("SEQCAST_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("SEQCAST_TEST_REDIS", "redis://127.0.0.1:6379/0")


def use(postgres: str, redis: str) -> None:
    """Point the suite, and the processes it starts, at these servers."""
    global PG_SERVER, REDIS_URL
    PG_SERVER = os.environ["SEQCAST_TEST_POSTGRES"] = postgres
    REDIS_URL = os.environ["SEQCAST_TEST_REDIS"] = redis


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
