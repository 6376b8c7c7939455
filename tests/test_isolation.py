"""The isolation the database fixtures promise (tests/conftest.py, tests/support/rollback.py):
what one test writes through `isolated_client` or `db_session` (here a registered version and an
alias on it) is seen inside that test, by the API too, and by nobody else: not by the session's
shared client while the test runs, and not by the next test."""

from __future__ import annotations

import uuid

import pytest

from app.artifacts import make_store
from tests.support.registry_db import register
from tests.support.tiny_model import store_model

MODEL = f"isolation-{uuid.uuid4().hex[:8]}"
WINDOW = [[1.0, 0.5]] * 4  # the tiny model reads 4 steps of (y, x)
_written: list[str] = []


def test_an_alias_set_in_one_test_is_seen_inside_it(
    pg_settings, db_session, isolated_client, client
):
    stored = store_model(make_store(pg_settings), model=MODEL, job_id=uuid.uuid4().hex)
    register(db_session, MODEL, stored)
    db_session.commit()  # a savepoint of the test's transaction, not a commit
    moved = isolated_client.put(f"/models/{MODEL}/aliases/production", json={"version": 1})
    assert moved.status_code == 200, moved.text
    assert isolated_client.get(f"/models/{MODEL}").json()["aliases"] == {"production": 1}
    served = isolated_client.post(
        "/predict", json={"model": MODEL, "alias": "production", "inputs": [WINDOW]}
    )
    assert served.status_code == 200 and served.json()["version"] == 1, served.text
    assert client.get(f"/models/{MODEL}").status_code == 404  # another connection: not there
    _written.append(MODEL)


def test_and_is_gone_for_the_next_test(client, isolated_client):
    if not _written:
        pytest.skip("shows what the test before it left behind: run the whole module")
    for seen_by in (client, isolated_client):
        assert seen_by.get(f"/models/{MODEL}").status_code == 404
        by_alias = seen_by.post(
            "/predict", json={"model": MODEL, "alias": "production", "inputs": [WINDOW]}
        )
        assert by_alias.status_code == 404, by_alias.text
