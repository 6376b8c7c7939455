"""API keys for the tests, made as the operator makes them."""

from __future__ import annotations

from app.auth import service as keys
from app.auth.service import Scope
from app.config import Settings
from app.db import make_engine, make_sessionmaker


def make_key(settings: Settings, *scopes: Scope, name: str = "tests") -> str:
    """A real API key, created the way `seqcast keys create` creates one."""
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            _, key = keys.create(session, name=name, scopes=list(scopes))
            session.commit()
    finally:
        engine.dispose()
    return key
