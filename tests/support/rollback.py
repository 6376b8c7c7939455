"""Per-test isolation on the shared PostgreSQL database, as polar and dispatch do it: each test
runs inside one transaction on one connection, rolled back at its end, so what it wrote (an
alias, a dataset, a serving setting) is never seen by the next test.

Sessions join that transaction with `join_transaction_mode="create_savepoint"`: a session's
commit (the request's one commit, app.db.commit) releases a savepoint instead of committing, and
the after-commit actions still run. What those actions do outside the database (a task
published, files deleted) is not rolled back, so tests that train, or delete what they did not
make, stay on the shared, committed database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI
from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from app.db import make_engine


@contextmanager
def rolled_back(database_url: str) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back when the block ends."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            transaction = connection.begin()
            try:
                yield connection
            finally:
                transaction.rollback()
    finally:
        engine.dispose()


def join(sessions: sessionmaker[Session], connection: Connection) -> None:
    """Make every session `sessions` opens from now on work inside `connection`'s transaction."""
    sessions.configure(bind=connection, join_transaction_mode="create_savepoint")


def join_app(app: FastAPI, connection: Connection) -> None:
    """Every session of `app` (requests, the version resolver, the key checker, the metrics and
    the reconciler, which all share create_app's one sessionmaker) inside `connection`'s
    transaction. One connection serves one request at a time: use it with TestClient, whose
    requests come one after another, not with a server under concurrent load."""
    join(app.state.sessionmaker, connection)
