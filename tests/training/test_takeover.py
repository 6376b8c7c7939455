"""A worker whose job was re-queued under it stops: when the reconciler takes a job from a worker
it believed dead (the database was out of reach longer than the heartbeat timeout, or the
clocks disagree) the first worker, still alive, sees it at its next epoch and leaves the row to
the new owner instead of training a second copy beside it."""

from __future__ import annotations

import time

from app.db import make_engine, make_sessionmaker
from app.training.models import JobStatus, TrainingJob

SPEC = {
    "model_name": "taken-over",
    "architecture": "gru",
    "target_columns": ["y"],
    "input_length": 24,
    "horizon": 6,
    "hyperparameters": {"hidden_size": 16, "epochs": 2000, "early_stopping_patience": 5000},
}


def test_a_worker_stops_a_job_taken_over_under_it(client, pg_worker, pg_settings, dataset):
    created = client.post("/train", json={**SPEC, "dataset_id": dataset["id"]})
    assert created.status_code == 202, created.text
    job_id = created.json()["id"]
    deadline = time.monotonic() + 90
    while (job := client.get(f"/jobs/{job_id}").json())["progress"]["epoch"] < 1:
        assert job["status"] in ("queued", "running") and time.monotonic() < deadline, job
        time.sleep(0.1)

    engine = make_engine(pg_settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:  # what the reconciler's re-queue writes
            row = session.get_one(TrainingJob, job_id)
            row.status, row.worker, row.heartbeat_at = JobStatus.queued, "elsewhere:1", None
            session.commit()
        log = pg_worker.log
        deadline = time.monotonic() + 30
        while b"was re-queued and taken over" not in log.read_bytes():
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        epochs = client.get(f"/jobs/{job_id}").json()["progress"]["epoch"]
        time.sleep(1.0)  # nothing more is written by the stopped copy, heartbeat included
        with make_sessionmaker(engine)() as session:
            row = session.get_one(TrainingJob, job_id)
            assert (row.status, row.worker, row.heartbeat_at) == (
                JobStatus.queued,
                "elsewhere:1",
                None,
            )
            assert row.epochs_done == epochs
            row.status = JobStatus.cancelled  # nobody is to train it: the test's message is gone
            session.commit()
    finally:
        engine.dispose()
