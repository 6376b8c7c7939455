"""API keys for the tests, made as the operator makes them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.auth import service as keys
from app.auth.service import Scope
from app.config import Settings
from app.db import make_engine, make_sessionmaker


def add_key(session: Session, *scopes: Scope, name: str = "tests") -> str:
    """A real API key, created in `session` the way `seqcast keys create` creates one, and
    committed (in a test's rolled-back transaction, only until the test ends)."""
    _, key = keys.create(session, name=name, scopes=list(scopes))
    session.commit()
    return key


def make_key(settings: Settings, *scopes: Scope, name: str = "tests") -> str:
    """A real API key in the database of `settings`, committed for good."""
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            return add_key(session, *scopes, name=name)
    finally:
        engine.dispose()
