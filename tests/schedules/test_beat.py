"""Schedules fired by a real `celery beat` process (workers.beat.ModelScheduler) into the real
worker: the job a fire starts says so in its trigger; a schedule changed while beat runs takes
effect without a restart; a run missed while beat was down fires once at its start, and a
restarted beat does not fire again what it already fired. The fire task itself: no pile-up
while the previous refresh runs, nothing when the alias is unset. And beat imports neither torch
nor FastAPI."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.accuracy.models import ForecastRecord
from app.config import Settings
from app.db import make_engine, make_sessionmaker, utcnow
from app.main import create_app
from app.models import Model, ModelSchedule, ModelVersion
from app.queue import make_celery
from tests.support.schedules import running_beat, train_small, wait_until
from tests.support.stack import ROOT, Worker, settings_env, wait_for_job
from workers.beat import ALIVE_FILE, ModelScheduler
from workers.schedules import fire

MODEL = "beat-lstm"


@pytest.fixture(scope="module")
def short(pg_settings: Settings, auth_headers: dict[str, str]) -> Iterator[TestClient]:
    """The app with schedules allowed down to 1 s, on the session's database and broker."""
    settings = pg_settings.model_copy(update={"schedule_min_interval_seconds": 1})
    with TestClient(create_app(settings), headers=auth_headers) as c:
        yield c


@pytest.fixture(scope="module")
def refreshable(short: TestClient, pg_worker: Worker, dataset: dict) -> None:
    """A small model with production on its only version."""
    train_small(short, MODEL, dataset["id"], good=False)
    assert short.put(f"/models/{MODEL}/aliases/production", json={"version": 1}).status_code == 200


def _schedule(client: TestClient) -> dict:
    response = client.get(f"/models/{MODEL}/schedule")
    assert response.status_code == 200, response.text
    return response.json()


def _schedule_row(settings: Settings, **values: object) -> str:
    """The model's schedule id, after writing `values` to its row."""
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            row = session.scalars(
                select(ModelSchedule).join(Model).where(Model.name == MODEL)
            ).one()
            if values:
                session.execute(
                    update(ModelSchedule).where(ModelSchedule.id == row.id).values(**values)
                )
                session.commit()
            return row.id
    finally:
        engine.dispose()


def test_beat_fires_schedules(
    short: TestClient, refreshable: None, pg_settings: Settings, tmp_path: Path
):
    body = {"interval_seconds": 3600, "promote": "never"}
    assert short.put(f"/models/{MODEL}/schedule", json=body).status_code == 200
    # as if beat had been down since a run fell due an hour ago
    _schedule_row(pg_settings, last_run_at=utcnow() - timedelta(hours=2))
    log = tmp_path / "beat.log"
    try:
        with running_beat(pg_settings, log):
            # the run missed while beat was down fires once, at its start
            wait_until(lambda: _schedule(short)["last_job_id"], 30, log.read_text)
            first = _schedule(short)
            assert first["runs"] == 1 and first["last_outcome"].startswith("started refresh job")
            job = wait_for_job(short, first["last_job_id"])
            assert job["status"] == "succeeded", job
            assert job["trigger"] == {
                "kind": "schedule",
                "schedule_id": job["trigger"]["schedule_id"],
                "alias": "production",
            }
            assert job["promote"] == "never"

            # a short interval put while beat runs: picked up and fired within seconds
            put = short.put(f"/models/{MODEL}/schedule", json={"interval_seconds": 1})
            assert put.status_code == 200, put.text
            wait_until(lambda: _schedule(short)["runs"] >= 3, 30, log.read_text)
            assert _schedule(short)["last_job_id"] != first["last_job_id"]

            put = short.put(f"/models/{MODEL}/schedule", json={"interval_seconds": 3600})
            assert put.status_code == 200, put.text
            wait_for_job(short, _schedule(short)["last_job_id"])
            fired = _schedule(short)
        # a restarted beat reads the runs it made: nothing fires again
        with running_beat(pg_settings, log):
            wait_until(lambda: log.read_text().count("beat: Starting") == 2, 30, log.read_text)
            time.sleep(2.5)  # five reloads
            assert _schedule(short)["runs"] == fired["runs"], log.read_text()
    finally:
        short.delete(f"/models/{MODEL}/schedule")
    assert "Sending due task schedule:" in log.read_text()


def test_fire_does_not_pile_up_and_needs_the_alias(
    short: TestClient, refreshable: None, pg_settings: Settings
):
    """Two fires in a row: the second starts nothing while the first one's refresh is queued
    or running. A broker that is down, an unset alias: nothing started, said in last_outcome."""
    put = short.put(f"/models/{MODEL}/schedule", json={"interval_seconds": 3600})
    assert put.status_code == 200, put.text
    schedule_id = _schedule_row(pg_settings)
    celery = make_celery(pg_settings)
    try:
        started = fire(schedule_id, pg_settings, celery)
        assert started is not None
        assert fire(schedule_id, pg_settings, celery) is None
        outcome = _schedule(short)["last_outcome"]
        assert outcome.startswith(f"skipped: its refresh job {started} is still"), outcome
        assert _schedule(short)["last_job_id"] == started
        assert wait_for_job(short, started)["status"] == "succeeded"

        # a broker that is down: no job is left behind, and the outcome says why
        down = make_celery(pg_settings.model_copy(update={"broker_url": "redis://127.0.0.1:1/0"}))
        assert fire(schedule_id, pg_settings, down) is None
        assert "broker is unreachable" in _schedule(short)["last_outcome"]
        assert _schedule(short)["last_job_id"] is None
        jobs = short.get("/jobs", params={"model_name": MODEL}).json()
        assert [j["id"] for j in jobs if j["status"] == "queued"] == []

        body = {"interval_seconds": 3600, "alias": "gone"}
        assert short.put(f"/models/{MODEL}/schedule", json=body).status_code == 200
        assert fire(schedule_id, pg_settings, celery) is None
        assert "alias 'gone' is not set" in _schedule(short)["last_outcome"]
    finally:
        short.delete(f"/models/{MODEL}/schedule")


def test_beat_imports_neither_torch_nor_fastapi(pg_settings: Settings):
    """The scheduler as `celery beat` makes it, reading the table and ticking once."""
    code = (
        "import sys\n"
        "from workers.beat import ModelScheduler, celery\n"
        "scheduler = ModelScheduler(app=celery)\n"
        "scheduler.tick()\n"
        "print(sorted(m for m in ('torch', 'fastapi', 'workers.celery_app') if m in sys.modules))\n"
    )
    started = time.time() - 1  # file times may be coarser than time.time()
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=settings_env(pg_settings),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout
    assert ALIVE_FILE.stat().st_mtime >= started  # what the deployments' health checks read


def _record_live_errors(settings: Settings, version: int, *, model_error: float) -> None:
    """Scored forecasts of `version` (as appended rows leave them, app.accuracy): the model off
    by `model_error`, seasonal naive by 1, so its live MASE ratio is `model_error`."""
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as session:
        target = session.scalars(
            select(ModelVersion)
            .join(Model)
            .where(Model.name == MODEL, ModelVersion.version == version)
        ).one()
        origin = utcnow()
        session.add_all(
            ForecastRecord(
                version_id=target.id,
                dataset_id=target.dataset_id,
                series_id="",
                origin=origin,
                step=step,
                target="y",
                forecast_at=origin + timedelta(days=step),
                forecast=10.0 + model_error,
                naive=11.0,
                actual=10.0,
                scored_at=origin,
                source="predict",
            )
            for step in range(1, 7)
        )
        session.commit()
    engine.dispose()


def test_refresh_when_live_accuracy_is_poor(
    short: TestClient, refreshable: None, pg_settings: Settings
):
    """`refresh_when`: beat gets a watch entry for the schedule; its fire starts a refresh only
    when the alias version's live MASE ratio is over the threshold, once per version."""
    body = {"interval_seconds": 3600, "promote": "never", "refresh_when": {"mase_ratio_above": 2}}
    put = short.put(f"/models/{MODEL}/schedule", json=body)
    assert put.status_code == 200, put.text
    assert put.json()["refresh_when"] == {"mase_ratio_above": 2.0}
    schedule_id = _schedule_row(pg_settings)
    holder = short.get(f"/models/{MODEL}").json()["aliases"]["production"]
    celery = make_celery(pg_settings)
    try:
        entries = ModelScheduler(app=celery, settings=pg_settings).schedule
        watch = entries[f"schedule:{schedule_id}:watch"]
        assert watch.kwargs == {"early": True} and watch.args == (schedule_id,)
        assert watch.schedule.run_every == timedelta(seconds=pg_settings.schedule_watch_seconds)

        assert fire(schedule_id, pg_settings, celery, early=True) is None  # no live accuracy yet
        _record_live_errors(pg_settings, holder, model_error=1.5)  # ratio 1.5: under 2
        assert fire(schedule_id, pg_settings, celery, early=True) is None
        _record_live_errors(pg_settings, holder, model_error=10.0)  # ratio (1.5 + 10) / 2
        started = fire(schedule_id, pg_settings, celery, early=True)
        assert started is not None
        job = wait_for_job(short, started)
        assert job["status"] == "succeeded", job
        early = job["trigger"]["early"]
        assert early["mase_ratio"] == pytest.approx(5.75) and early["version"] == holder
        assert "early (live MASE ratio 5.750)" in _schedule(short)["last_outcome"]
        # the alias still points at the same version (promote never): no second early refresh
        assert fire(schedule_id, pg_settings, celery, early=True) is None
        assert _schedule(short)["last_job_id"] == started

        bad = short.put(
            f"/models/{MODEL}/schedule",
            json={"interval_seconds": 3600, "refresh_when": {"mase_ratio_above": 0}},
        )
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["loc"][-2:] == ["refresh_when", "mase_ratio_above"]
    finally:
        short.delete(f"/models/{MODEL}/schedule")
