"""The job heartbeat (workers.heartbeat) on a real migrated SQLite database, without a worker: it
beats at its interval whatever the task's thread is doing, writes nothing but `heartbeat_at` of a
row still running on its worker, and ends with the task however the task ends."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.datasets.models import Dataset
from app.db import utcnow
from app.training.models import JobStatus, TrainingJob
from tests.support.registry_db import migrated_database
from workers.heartbeat import Heartbeat

WORKER = "host-a:101"
LONG_AGO = utcnow() - timedelta(hours=1)


@pytest.fixture
def sessions(tmp_path: Path):
    engine, sessions = migrated_database(tmp_path)
    yield sessions
    engine.dispose()


def add_job(sessions: sessionmaker[Session], status: JobStatus = JobStatus.running) -> str:
    with sessions() as session:
        dataset = Dataset(
            name=f"d-{time.monotonic_ns()}",
            n_rows=100,
            columns=["y"],
            sha256="0" * 64,
            artifact_uri="file:///nowhere.npz",
        )
        session.add(dataset)
        session.flush()
        job = TrainingJob(
            model_name="m",
            architecture="gru",
            dataset_id=dataset.id,
            spec={},
            epochs_total=10,
            status=status,
            worker=WORKER,
            heartbeat_at=LONG_AGO,
        )
        session.add(job)
        session.commit()
        return job.id


def heartbeat_of(sessions: sessionmaker[Session], job_id: str) -> datetime | None:
    with sessions() as session:
        return session.get_one(TrainingJob, job_id).heartbeat_at


def heartbeat_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("heartbeat-")]


def test_beats_at_its_interval_and_stops(sessions):
    job_id = add_job(sessions)
    beats: list[datetime] = []
    with Heartbeat(sessions, job_id, WORKER, interval=0.1):
        deadline = time.monotonic() + 0.75
        while time.monotonic() < deadline:
            beat = heartbeat_of(sessions, job_id)
            if beat is not None and beat != LONG_AGO and (not beats or beat != beats[-1]):
                beats.append(beat)
            time.sleep(0.01)
    assert heartbeat_threads() == []  # stopped at the end of the block
    assert len(beats) >= 3, beats
    gaps = [(b - a).total_seconds() for a, b in pairwise(beats)]
    assert min(gaps) >= 0.09, gaps  # the interval, not faster
    last = heartbeat_of(sessions, job_id)
    time.sleep(0.3)
    assert heartbeat_of(sessions, job_id) == last  # nothing written after the stop


def test_stops_when_the_task_raises(sessions):
    job_id = add_job(sessions)
    with pytest.raises(RuntimeError), Heartbeat(sessions, job_id, WORKER, interval=0.05):
        time.sleep(0.2)
        raise RuntimeError("the training failed")
    assert heartbeat_threads() == []
    assert heartbeat_of(sessions, job_id) != LONG_AGO  # it did beat meanwhile


@pytest.mark.parametrize(
    ("status", "worker"),
    [
        (JobStatus.succeeded, WORKER),
        (JobStatus.cancelled, WORKER),
        (JobStatus.queued, WORKER),  # re-queued by the reconciler
        (JobStatus.running, "host-b:202"),  # taken over by another worker
    ],
)
def test_never_revives_a_job_that_is_not_running_here(sessions, status, worker):
    job_id = add_job(sessions, status)
    with sessions() as session:
        session.get_one(TrainingJob, job_id).worker = worker
        session.commit()
    heartbeat = Heartbeat(sessions, job_id, WORKER, interval=0.05)
    assert heartbeat.beat() is False
    with heartbeat:
        time.sleep(0.2)
    with sessions() as session:
        job = session.get_one(TrainingJob, job_id)
        assert (job.status, job.worker, job.heartbeat_at) == (status, worker, LONG_AGO)


def test_does_not_fight_the_epoch_hook(sessions):
    """The task's session writes progress on the same row while the thread beats: each keeps
    what the other wrote (the ORM updates only the columns it changed)."""
    job_id = add_job(sessions)
    with sessions() as session, Heartbeat(sessions, job_id, WORKER, interval=0.05):
        job = session.get_one(TrainingJob, job_id)
        for epoch in range(1, 6):
            time.sleep(0.06)
            session.refresh(job)
            job.epochs_done = epoch
            job.history = [*job.history, {"epoch": epoch}]
            session.commit()
        time.sleep(0.15)
    with sessions() as session:
        job = session.get_one(TrainingJob, job_id)
        assert job.epochs_done == 5 and [h["epoch"] for h in job.history] == [1, 2, 3, 4, 5]
        assert job.status == JobStatus.running
        assert job.heartbeat_at is not None and job.heartbeat_at > utcnow() - timedelta(seconds=5)


def test_the_runner_stops_it_when_the_job_fails(tmp_path):
    """A job that fails inside the task (its stored spec is unreadable): the heartbeat started
    with it ends with it."""
    from workers.runner import run_job

    engine, sessions = migrated_database(tmp_path)
    settings = Settings(
        data_dir=tmp_path,
        database_url=str(engine.url),
        job_heartbeat_interval_seconds=0.05,
        worker_metrics_port=0,
    )
    job_id = add_job(sessions, JobStatus.queued)
    try:
        run_job(job_id, settings)
        with sessions() as session:
            job = session.get_one(TrainingJob, job_id)
            assert job.status == JobStatus.failed and job.attempts == 1, job.error
            assert "ValidationError" in (job.error or "")
    finally:
        engine.dispose()
    assert heartbeat_threads() == []


@pytest.mark.parametrize(("silent", "dropped"), [(1.0, True), (16.0, False)])
def test_a_redelivery_is_dropped_while_the_job_beats_elsewhere(tmp_path, silent, dropped):
    """A second delivery of a job running on another host: dropped while its heartbeat is
    fresh, taken over once it is older than 3 intervals (15 s by default)."""
    from workers.runner import run_job

    engine, sessions = migrated_database(tmp_path)
    settings = Settings(data_dir=tmp_path, database_url=str(engine.url), worker_metrics_port=0)
    job_id = add_job(sessions)
    with sessions() as session:
        job = session.get_one(TrainingJob, job_id)
        job.worker, job.attempts = "another-host:7", 1
        job.heartbeat_at = utcnow() - timedelta(seconds=silent)
        session.commit()
    try:
        run_job(job_id, settings)
        with sessions() as session:
            job = session.get_one(TrainingJob, job_id)
    finally:
        engine.dispose()
    if dropped:
        assert (job.status, job.attempts, job.worker) == (JobStatus.running, 1, "another-host:7")
    else:  # taken over here (and failed at once: its stored spec is unreadable)
        assert (job.status, job.attempts) == (JobStatus.failed, 2)
        assert job.worker != "another-host:7"


def test_the_reconciler_requeues_a_job_silent_for_three_intervals(tmp_path):
    """With the default settings: 16 s of silence is a dead worker, 14 s is not."""
    from app.queue import make_celery
    from app.training.reconciler import reconcile

    engine, sessions = migrated_database(tmp_path)
    settings = Settings(data_dir=tmp_path, database_url=str(engine.url))
    silent = {add_job(sessions): 14.0, add_job(sessions): 16.0}
    with sessions() as session:
        for job_id, seconds in silent.items():
            job = session.get_one(TrainingJob, job_id)
            job.started_at = job.published_at = utcnow() - timedelta(minutes=5)
            job.heartbeat_at = utcnow() - timedelta(seconds=seconds)
        session.commit()
    try:
        assert reconcile(sessions, make_celery(settings), settings)["requeued"] == 1
        with sessions() as session:
            status = {s: session.get_one(TrainingJob, j).status for j, s in silent.items()}
    finally:
        engine.dispose()
    assert status == {14.0: JobStatus.running, 16.0: JobStatus.queued}


def test_heartbeat_settings():
    default = Settings()
    assert default.job_heartbeat_interval_seconds == 5.0
    assert default.heartbeat_timeout == 15.0  # 3 intervals
    assert default.reconcile_interval_seconds == 10.0
    assert Settings(job_heartbeat_interval_seconds=2).heartbeat_timeout == 6.0
    assert Settings(job_heartbeat_timeout_seconds=120).heartbeat_timeout == 120.0
    with pytest.raises(ValidationError, match="under 2 heartbeat intervals"):
        Settings(job_heartbeat_interval_seconds=10, job_heartbeat_timeout_seconds=15)
    with pytest.raises(ValidationError):
        Settings(job_heartbeat_interval_seconds=0)
