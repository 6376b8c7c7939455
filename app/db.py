"""Database plumbing: the declarative Base (with a naming convention, so Alembic names constraints
predictably), the engine factory, and the after-commit hook.

Services only flush; a request's session (app.deps.SessionDep) commits once, with `commit`
below, when the route returned normally, and rolls back otherwise. What must wait for that commit
(publishing a task whose worker reads the row, forgetting a cached model, deleting its files) is
queued with `after_commit` and runs right after it. The worker imports this module, never FastAPI.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Engine,
    MetaData,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend (SQLite drops the zone and hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime; use app.db.utcnow()")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar = {dict: JSON, list: JSON, datetime: UTCDateTime}


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


def make_engine(url: str) -> Engine:
    """An engine that survives database restarts (pre-ping) and lets SQLite serve threads."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


_AFTER_COMMIT = "seqcast.after_commit"


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run `action` once `commit(session)` has committed the current transaction; a rollback
    drops it. Actions run in the order they were added; one that raises stops the rest, and its
    error is the request's answer (the transaction is committed by then, so an action that must
    not leave its rows behind undoes them itself, as app.jobs.publish_after_commit does)."""
    session.info.setdefault(_AFTER_COMMIT, []).append(action)


def commit(session: Session) -> None:
    """Commit, then run the actions `after_commit` queued for the transaction just committed."""
    session.commit()
    for action in session.info.pop(_AFTER_COMMIT, []):
        action()


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_commit(session: Session, previous_transaction: SessionTransaction) -> None:
    """What waited for a commit that will not happen is forgotten with the transaction (only
    the outermost transaction's rollback drops them, not a savepoint's)."""
    if not previous_transaction.nested:
        session.info.pop(_AFTER_COMMIT, None)
