"""VersionResolver over a real registry (SQLite made by the Alembic migrations): one lookup per
key however many requests wait on it (single flight), stale-while-revalidate past half the TTL
(an alias moved in the database is served within the TTL), and one shared lookup past it.

Real time with a TTL of a second: the checks sit in the middle of each window, hundreds of
milliseconds from either edge."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.errors import NotFound, ServiceUnavailable
from app.registry import service as registry
from app.registry.models import Model
from app.serving.batcher import BatchConfig
from app.serving.resolver import Resolved, VersionResolver
from tests.support.registry_db import register
from tests.support.tiny_model import store_model

TTL = 1.0
ALIAS = ("tiny", None, "production")
DEFAULTS = BatchConfig(max_batch_size=32)


@pytest.fixture
def sessions(database, store) -> sessionmaker[Session]:
    """Model `tiny` with versions 1 and 2; `production` points at version 1."""
    _, sessions = database
    with sessions() as session:
        for i in (1, 2):
            register(session, "tiny", store_model(store, job_id=f"job-{i}", version=i))
        registry.set_alias(session, "tiny", "production", 1)
        session.commit()
    return sessions


def move_alias(sessions: sessionmaker[Session], version: int) -> None:
    with sessions() as session:
        registry.set_alias(session, "tiny", "production", version)
        session.commit()


def resolver(sessions: sessionmaker[Session], ttl: float = TTL) -> VersionResolver:
    return VersionResolver(sessions, ttl=ttl, defaults=DEFAULTS)


async def served(resolver: VersionResolver, key=ALIAS) -> Resolved:
    """What LiveModels.resolve does: the cached answer, else one (shared) lookup."""
    return resolver.cached(*key) or await resolver.resolve_async(*key)


async def until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def test_fifty_concurrent_callers_of_an_uncached_alias_share_one_lookup(sessions):
    resolve = resolver(sessions)

    async def main() -> list[Resolved]:
        return await asyncio.gather(*(resolve.resolve_async(*ALIAS) for _ in range(50)))

    answers = asyncio.run(main())

    assert resolve.lookups == 1
    assert all(answer is answers[0] for answer in answers)
    first = answers[0]
    assert (first.model, first.version) == ("tiny", 1)
    assert first.key.label == "tiny v1" and first.key.model == "tiny" and first.key.version == 1
    assert first.feature_columns == ("y", "x") and first.target_columns == ("y",)
    assert (first.input_length, first.horizon) == (4, 3)
    assert first.batch_config == DEFAULTS
    assert resolve.cached(*ALIAS) is first  # and it is cached now


def test_a_lookup_that_fails_fails_every_waiter_once(sessions):
    resolve = resolver(sessions)
    missing = ("tiny", None, "nope")

    async def main() -> list:
        calls = (resolve.resolve_async(*missing) for _ in range(50))
        return await asyncio.gather(*calls, return_exceptions=True)

    outcomes = asyncio.run(main())

    assert resolve.lookups == 1
    assert all(isinstance(o, NotFound) and "no alias 'nope'" in o.message for o in outcomes)
    assert resolve.cached(*missing) is None


def test_stale_while_revalidate_serves_the_old_answer_and_refreshes_once(sessions):
    resolve = resolver(sessions)

    async def main() -> None:
        start = time.monotonic()
        first = await resolve.resolve_async(*ALIAS)
        resolved_at = time.monotonic()
        assert first.version == 1 and resolve.lookups == 1

        move_alias(sessions, 2)  # as another replica would
        assert resolve.cached(*ALIAS) is first  # young: served as is, no lookup
        await asyncio.sleep(0.05)
        assert resolve.lookups == 1

        await asyncio.sleep(max(0.0, resolved_at + 0.6 * TTL - time.monotonic()))
        # Past half the TTL, short of all of it: the old answer at once, and one refresh.
        answers = [resolve.cached(*ALIAS) for _ in range(20)]
        assert all(answer is first for answer in answers)
        await until(lambda: resolve.cached(*ALIAS) is not first)
        refreshed = resolve.cached(*ALIAS)
        assert refreshed is not None and refreshed.version == 2
        assert time.monotonic() - start < TTL  # the move was seen within the TTL
        assert resolve.lookups == 2  # one background lookup for the twenty stale hits

        # The refreshed answer is young again: no further lookups.
        for _ in range(20):
            assert resolve.cached(*ALIAS) is refreshed
        await asyncio.sleep(0.05)
        assert resolve.lookups == 2

    asyncio.run(main())


def test_a_deleted_alias_stops_being_served_after_the_refresh(sessions):
    resolve = resolver(sessions)

    async def main() -> None:
        await resolve.resolve_async(*ALIAS)
        resolved_at = time.monotonic()
        with sessions() as session:
            registry.delete_alias(session, "tiny", "production")
            session.commit()
        await asyncio.sleep(max(0.0, resolved_at + 0.6 * TTL - time.monotonic()))
        assert resolve.cached(*ALIAS) is not None  # stale, served while the refresh runs
        await until(lambda: resolve.cached(*ALIAS) is None)
        with pytest.raises(NotFound):
            await resolve.resolve_async(*ALIAS)

    asyncio.run(main())


def test_past_the_whole_ttl_concurrent_callers_share_one_lookup(sessions):
    ttl = 0.3
    resolve = resolver(sessions, ttl=ttl)

    async def main() -> None:
        first = await served(resolve)
        assert resolve.lookups == 1
        move_alias(sessions, 2)
        await asyncio.sleep(ttl + 0.2)
        assert resolve.cached(*ALIAS) is None  # too old to serve, even stale

        answers = await asyncio.gather(*(served(resolve) for _ in range(50)))

        assert resolve.lookups == 2
        assert all(answer is answers[0] for answer in answers)
        assert answers[0].version == 2 and first.version == 1

    asyncio.run(main())


def test_an_explicit_version_stays_cached_past_the_ttl(sessions):
    resolve = resolver(sessions, ttl=0.05)

    async def main() -> None:
        pinned = await resolve.resolve_async("tiny", 2, None)
        await asyncio.sleep(0.2)
        assert resolve.cached("tiny", 2, None) is pinned
        await asyncio.sleep(0.05)
        assert resolve.lookups == 1

    asyncio.run(main())


def test_latest_resolves_to_the_highest_version(sessions):
    resolve = resolver(sessions)
    assert asyncio.run(resolve.resolve_async("tiny", None, None)).version == 2


def test_invalidate_forgets_at_once(sessions):
    resolve = resolver(sessions)

    async def main() -> None:
        assert (await resolve.resolve_async(*ALIAS)).version == 1
        move_alias(sessions, 2)
        resolve.invalidate("tiny")  # this process moved it: no waiting for the TTL
        assert resolve.cached(*ALIAS) is None
        assert (await served(resolve)).version == 2

    asyncio.run(main())


def test_the_models_serving_overrides_apply_to_the_batch_config(sessions):
    with sessions() as session:
        model = registry.get_model(session, "tiny")
        model.serving = {"max_batch_size": 8, "max_queue_delay_ms": 2.5, "not_a_setting": 1}
        session.commit()
    resolved = resolver(sessions).resolve("tiny", 1, None)
    assert resolved.batch_config == BatchConfig(max_batch_size=8, max_queue_delay_ms=2.5)


def test_an_unreachable_database_serves_the_stale_answer(sessions, database, tmp_path):
    engine, _ = database
    resolve = resolver(sessions)
    cached = resolve.resolve(*ALIAS)

    engine.dispose()
    for suffix in ("", "-wal", "-shm"):  # the file goes; SQLite then sees an empty database
        path = Path(tmp_path / f"registry.db{suffix}")
        if path.exists():
            path.rename(path.with_name(path.name + ".gone"))

    assert resolve.resolve(*ALIAS) is cached
    with pytest.raises(ServiceUnavailable) as refused:
        resolve.resolve("tiny", None, "staging")
    assert refused.value.status_code == 503
    with sessions() as session, pytest.raises(OperationalError):  # really no registry there
        session.query(Model).count()
