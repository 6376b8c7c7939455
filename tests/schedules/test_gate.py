"""The promotion gate: a version of clearly better quality (5 epochs on the seasonal-naive
baseline) takes the alias from a poor one (1 epoch, no baseline), the poor one does not take it
back, and both decisions are in the alias history with both scores; a refresh job with a
promote policy is gated by the worker once it registers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.artifacts import make_store
from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.registry import service as registry
from tests.support.schedules import train_small, wait_until
from tests.support.stack import Worker, wait_for_job
from workers import gate

MODEL = "gate-lstm"


@pytest.fixture(scope="module")
def two_versions(client: TestClient, pg_worker: Worker, dataset: dict) -> None:
    """v1 poor, v2 good; production on v1."""
    train_small(client, MODEL, dataset["id"], good=False)
    train_small(client, MODEL, dataset["id"], good=True)
    put = client.put(f"/models/{MODEL}/aliases/production", json={"version": 1})
    assert put.status_code == 200, put.text


@pytest.fixture
def session(pg_settings: Settings) -> Iterator[Session]:
    engine = make_engine(pg_settings.database_url)
    with make_sessionmaker(engine)() as session:
        yield session
    engine.dispose()


def _decide(session: Session, settings: Settings, version: int, alias: str, policy: str):
    event = gate.decide(
        session,
        make_store(settings),
        settings,
        challenger=registry.get_version(session, MODEL, version),
        alias=alias,
        policy=policy,
        reason="refresh",
        job_id=None,
    )
    session.commit()
    return event


def test_gate_promotes_the_better_and_keeps_it(
    client: TestClient, two_versions: None, session: Session, pg_settings: Settings
):
    promoted = _decide(session, pg_settings, 2, "production", "if_better")
    assert promoted.decision == "promoted", promoted.detail
    assert (promoted.version, promoted.previous_version) == (2, 1)
    assert promoted.challenger_score < promoted.champion_score, promoted.detail
    assert (promoted.metric, promoted.folds) == ("mase", pg_settings.gate_folds)
    assert client.get(f"/models/{MODEL}").json()["aliases"]["production"] == 2

    kept = _decide(session, pg_settings, 1, "production", "if_better")
    assert kept.decision == "kept", kept.detail
    assert (kept.version, kept.challenger_version) == (2, 1)
    assert client.get(f"/models/{MODEL}").json()["aliases"]["production"] == 2
    # the same folds: v2 scored as champion now is the v2 scored as challenger before
    assert kept.champion_score == pytest.approx(promoted.challenger_score)
    assert kept.challenger_score == pytest.approx(promoted.champion_score)

    history = client.get(f"/models/{MODEL}/aliases/production/history").json()
    newest = [(e["decision"], e["version"], e["challenger_version"]) for e in history[:3]]
    assert newest == [("kept", 2, 1), ("promoted", 2, 2), ("set", 1, None)]
    for event in history[:2]:
        assert event["policy"] == "if_better" and event["reason"] == "refresh"
        assert event["challenger_score"] is not None and event["champion_score"] is not None
        assert "MASE" in event["detail"]


def test_no_holder_or_always_promotes_without_scores(
    two_versions: None, session: Session, pg_settings: Settings
):
    first = _decide(session, pg_settings, 1, "canary", "if_better")
    assert (first.decision, first.version, first.previous_version) == ("promoted", 1, None)
    assert first.champion_score is None and "had no version" in (first.detail or "")
    forced = _decide(session, pg_settings, 2, "canary", "always")
    assert (forced.decision, forced.version, forced.previous_version) == ("promoted", 2, 1)


def test_refresh_job_is_gated_by_the_worker(client: TestClient, two_versions: None):
    """POST /models/{name}/refresh with promote if_better: once the job registers, the worker's
    gate writes its decision, naming the job, with both scores."""
    response = client.post(
        f"/models/{MODEL}/refresh",
        json={"alias": "production", "promote": "if_better", "epochs": 2},
    )
    assert response.status_code == 202, response.text
    job = wait_for_job(client, response.json()["id"])
    assert job["status"] == "succeeded", job
    assert job["trigger"]["kind"] == "refresh"

    def decision() -> dict | None:
        history = client.get(f"/models/{MODEL}/aliases/production/history").json()
        return next((e for e in history if e["job_id"] == job["id"]), None)

    wait_until(decision, 30, lambda: str(client.get(f"/models/{MODEL}").json()))
    event = decision()
    assert event is not None
    assert event["decision"] in ("promoted", "kept") and event["policy"] == "if_better"
    assert event["challenger_score"] is not None and event["champion_score"] is not None
    holder = client.get(f"/models/{MODEL}").json()["aliases"]["production"]
    assert holder == (event["challenger_version"] if event["decision"] == "promoted" else 2)
