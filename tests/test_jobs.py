"""The after-commit hook (app.db) and the task publication built on it (app.jobs), without a
broker or the app's schema: a throwaway table on in-memory SQLite and a Celery stand-in.

The routes' end of it (the 503 with nothing written, Idempotency-Key replays and races) is tested
on real parts in tests/e2e/test_faults.py and tests/backtests/test_backtests.py.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

from app.config import Settings
from app.db import after_commit, commit, new_id
from app.errors import ServiceUnavailable
from app.jobs import publish_after_commit
from tests.support.stack import ROOT


class _Base(DeclarativeBase):
    pass


class Queued(_Base):
    """A job-like row, as app.jobs.QueuedRow asks."""

    __tablename__ = "queued"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    published_at: Mapped[datetime | None]


class Broker:
    """Celery's `send_task`, recording what was sent, or failing like an unreachable broker."""

    def __init__(self, *, down: bool = False) -> None:
        self.down = down
        self.sent: list[tuple[str, list[str], str, str]] = []

    def send_task(self, name: str, *, args: list[str], task_id: str, queue: str) -> None:
        if self.down:
            raise ConnectionRefusedError("[Errno 111] Connection refused")
        self.sent.append((name, args, task_id, queue))


@pytest.fixture
def sessions() -> Iterator[sessionmaker[Session]]:
    engine = create_engine("sqlite://", poolclass=StaticPool)
    _Base.metadata.create_all(engine)  # a table of this test's own, not the app's schema
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, task_queue="unit")


def stored(sessions: sessionmaker[Session]) -> list[Queued]:
    with sessions() as other:
        return list(other.scalars(select(Queued)))


def test_actions_run_after_the_commit_in_order(sessions):
    seen: list[tuple[str, int]] = []
    with sessions() as session:
        session.add(Queued())
        session.flush()
        after_commit(session, lambda: seen.append(("first", len(stored(sessions)))))
        after_commit(session, lambda: seen.append(("second", len(stored(sessions)))))
        assert seen == []
        commit(session)
        assert seen == [("first", 1), ("second", 1)]  # the row was durable when they ran
        commit(session)  # each action runs once
    assert len(seen) == 2


def test_a_rollback_drops_the_actions(sessions):
    ran: list[str] = []
    with sessions() as session:
        session.add(Queued())
        session.flush()
        after_commit(session, lambda: ran.append("dropped"))
        session.rollback()
        session.add(Queued())
        after_commit(session, lambda: ran.append("kept"))
        commit(session)
    assert ran == ["kept"]
    assert len(stored(sessions)) == 1


def test_a_savepoint_rollback_keeps_the_outer_actions(sessions):
    ran: list[str] = []
    with sessions() as session:
        session.add(Queued())
        after_commit(session, lambda: ran.append("outer"))
        with session.begin_nested() as savepoint:
            session.add(Queued())
            session.flush()
            savepoint.rollback()
        commit(session)
    assert ran == ["outer"]


def test_the_task_is_published_after_the_commit_and_recorded(sessions, settings):
    broker = Broker()
    with sessions() as session:
        row = Queued()
        session.add(row)
        session.flush()
        publish_after_commit(
            session, broker, settings, task="training.run", row=row, undo=lambda: None
        )
        assert broker.sent == []  # not before the worker could find the row
        commit(session)
    assert broker.sent == [("training.run", [row.id], row.id, "unit")]
    [saved] = stored(sessions)
    assert saved.published_at is not None


def test_an_unreachable_broker_undoes_the_row_and_is_a_503(sessions, settings):
    with sessions() as session:
        row = Queued()
        session.add(row)
        session.flush()
        publish_after_commit(
            session,
            Broker(down=True),
            settings,
            task="backtest.run",
            row=row,
            undo=lambda: session.delete(row),
        )
        with pytest.raises(ServiceUnavailable, match="broker is unreachable") as refused:
            commit(session)
    assert refused.value.status_code == 503
    assert refused.value.headers == {"Retry-After": "5"}
    assert stored(sessions) == []


def test_jobs_is_framework_free():
    """The worker side may import it: no FastAPI or Starlette behind it."""
    probe = "import sys, app.jobs; print(sorted({'fastapi', 'starlette'} & set(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
