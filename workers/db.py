"""The worker process's database sessions, torch-free so that the backtest task (onnxruntime
only) and the training runner share one engine per database without importing torch."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import make_engine, make_sessionmaker

_sessionmakers: dict[str, sessionmaker[Session]] = {}


def worker_sessions(settings: Settings) -> sessionmaker[Session]:
    """One engine per worker process and database, first made in the task, i.e. after Celery's
    fork: a connection is never inherited from the parent."""
    url = settings.database_url
    if url not in _sessionmakers:
        _sessionmakers[url] = make_sessionmaker(make_engine(url))
    return _sessionmakers[url]
