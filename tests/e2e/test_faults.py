"""Jobs survive faults, proven with real processes and real signals: a worker SIGKILLed in the
middle of training, a job whose message never reached the broker, a job past its deadline,
retries with an Idempotency-Key, and outages of the broker and of the database."""

from __future__ import annotations

import os
import re
import signal
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import make_engine, make_sessionmaker, utcnow
from app.main import create_app
from app.migrate import upgrade
from app.models import JobStatus, TrainingJob
from app.queue import make_celery
from app.training import service as training
from app.training.reconciler import reconcile
from app.training.schemas import TrainRequest
from tests.support.data import seasonal_series
from tests.support.keys import make_key
from tests.support.private_services import private_postgres, private_redis
from tests.support.processes import children
from tests.support.servers import REDIS_URL, fresh_database
from tests.support.stack import start_worker, wait_for_job

LONG_JOB = {
    "architecture": "lstm",
    "target_columns": ["y"],
    "input_length": 24,
    "horizon": 6,
    "hyperparameters": {
        "hidden_size": 16,
        "num_layers": 1,
        "epochs": 30,
        "batch_size": 16,
        "early_stopping_patience": 1000,
        "refit": False,  # these tests are about delivery and resuming; a refit only adds time
    },
}
KILLED_EPOCHS = 100
CHECKPOINT_INTERVAL = 0.5  # seconds (default 5): these jobs are killed a few seconds in


def _wait_for_epoch(client: TestClient, job_id: str, epoch: int, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while (job := client.get(f"/jobs/{job_id}").json())["progress"]["epoch"] < epoch:
        assert job["status"] in ("queued", "running"), job
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
    return job


def _wait_for_checkpoint(
    client: TestClient, settings: Settings, job_id: str, epoch: int, timeout: float = 90
) -> dict:
    """The job once it has trained `epoch` epochs and stored a checkpoint (written at most every
    checkpoint interval): what a kill then finds to resume from."""
    checkpoint = Path(settings.artifact_root) / "checkpoints" / job_id / "last.pt"
    deadline = time.monotonic() + timeout
    while not checkpoint.exists():
        job = _wait_for_epoch(client, job_id, epoch, timeout)
        assert job["status"] == "running" and time.monotonic() < deadline, job
        time.sleep(0.05)
    return _wait_for_epoch(client, job_id, epoch, timeout)


def _assert_resumed_once(
    client: TestClient, job: dict, killed_at: int, log: str, total: int = 30
) -> None:
    """Succeeded on the second attempt, resumed from the last checkpoint the first one wrote:
    the epochs after it were trained again (at most a checkpoint interval of work), and the
    history, rewritten from the checkpoint, holds every epoch once."""
    assert job["status"] == "succeeded", job["error"]
    assert job["attempts"] == 2
    resumed_after = int(re.findall(r"resumes after epoch (\d+)", log)[-1])
    assert 1 <= resumed_after < total
    print(f"killed after epoch {killed_at}+, resumed after epoch {resumed_after}")
    epochs = [h["epoch"] for h in job["history"]]
    assert epochs == list(range(1, total + 1)), epochs  # resumed, not restarted
    assert job["progress"]["epoch"] == total and killed_at < total
    model = client.get(f"/models/{job['model_name']}").json()
    assert [v["version"] for v in model["versions"]] == [1]  # exactly one version


@pytest.fixture
def queue_settings(pg_settings, tmp_path) -> Settings:
    """The shared database and Redis, with a queue of its own: only this test's workers train."""
    queue = f"faults-{uuid.uuid4().hex[:8]}"
    return pg_settings.model_copy(
        update={"task_queue": queue, "checkpoint_interval_seconds": CHECKPOINT_INTERVAL}
    )


@pytest.fixture
def fault_client(queue_settings, auth_headers) -> Iterator[TestClient]:
    with TestClient(create_app(queue_settings), headers=auth_headers) as client:
        yield client  # with its lifespan: the reconciler runs


def test_pool_process_killed_mid_training_is_redelivered_and_resumes(
    fault_client, queue_settings, dataset, tmp_path
):
    worker = start_worker(queue_settings, tmp_path / "worker.log")
    try:
        # 100 epochs: on this machine the kill comes 11-26 epochs in (the first checkpoint is
        # written 0.5 s into training); 30 left a faster machine none to kill the job in.
        hyperparameters = {**LONG_JOB["hyperparameters"], "epochs": KILLED_EPOCHS}
        body = {**LONG_JOB, "hyperparameters": hyperparameters}
        body |= {"model_name": "killed-child", "dataset_id": dataset["id"]}
        job_id = fault_client.post("/train", json=body).json()["id"]
        job = _wait_for_checkpoint(fault_client, queue_settings, job_id, 3)
        killed_at = job["progress"]["epoch"]
        (child,) = children(worker.process.pid)
        os.kill(child, signal.SIGKILL)  # the prefork pool process running the task
        job = wait_for_job(fault_client, job_id, timeout=120)
    finally:
        worker.stop()
    _assert_resumed_once(fault_client, job, killed_at, worker.log.read_text(), KILLED_EPOCHS)


@pytest.fixture
def recovery_stack(tmp_path) -> Iterator[tuple[TestClient, Settings, sessionmaker[Session]]]:
    """The API (with its reconciler) on a database of its own and the default heartbeat and
    reconcile settings. Its own database: other tests' APIs reconcile the shared one, each onto
    its own queue, and would take this test's silent job away from its workers."""
    with fresh_database() as url:
        settings = Settings(
            data_dir=tmp_path,
            database_url=url,
            broker_url=REDIS_URL,
            artifact_root=tmp_path / "artifacts",
            task_queue=f"recovery-{uuid.uuid4().hex[:8]}",
            checkpoint_interval_seconds=CHECKPOINT_INTERVAL,
        )
        engine = make_engine(url)
        headers = {"Authorization": f"Bearer {make_key(settings, 'admin')}"}
        try:
            with TestClient(create_app(settings), headers=headers) as client:
                yield client, settings, make_sessionmaker(engine)
        finally:
            engine.dispose()


EPOCHS = 200
"""Of the killed job: enough that the kill, at the first checkpoint, leaves epochs to train."""


def test_whole_worker_killed_trains_again_on_the_next_worker_within_a_minute(
    recovery_stack, tmp_path
):
    """The whole worker (Celery's main process and its pool) SIGKILLed mid-training, as when its
    host dies: nobody rejects the message and Redis would hold it for hours. With the default
    settings (a heartbeat every 5 s, presumed dead after 15 s, reconciled every 10 s) the job
    trains again on the next worker within 60 s, from its checkpoint, to one version."""
    client, settings, sessions = recovery_stack
    defaults = {
        "job_heartbeat_interval_seconds",
        "job_heartbeat_timeout_seconds",
        "reconcile_interval_seconds",
    }
    assert not defaults & settings.model_fields_set  # no shortened timeouts
    columns = seasonal_series()
    dataset = client.post("/datasets", json={"name": "seasonal", "columns": columns}).json()
    first = start_worker(settings, tmp_path / "first.log", own_group=True)
    # Shorter than LONG_JOB (larger batches, fewer epochs): only the recovery is timed.
    hyperparameters = {**LONG_JOB["hyperparameters"], "epochs": EPOCHS, "batch_size": 64}
    body = {**LONG_JOB, "hyperparameters": hyperparameters}
    body |= {"model_name": "killed-worker", "dataset_id": dataset["id"]}
    try:
        job_id = client.post("/train", json=body).json()["id"]
        killed_at = _wait_for_checkpoint(client, settings, job_id, 2)["progress"]["epoch"]
    finally:
        os.killpg(first.process.pid, signal.SIGKILL)  # mid-training (or the test failed)
    # Epochs left to train after the resume, or "training again" cannot be seen.
    assert killed_at < EPOCHS - 5, f"the job was past epoch {killed_at} when killed"
    killed = time.monotonic()
    first.process.wait()
    second = start_worker(settings, tmp_path / "second.log")
    try:
        running = resumed = None
        while resumed is None:
            since_kill = time.monotonic() - killed
            assert since_kill < 60, f"not training again {since_kill:.0f} s after the SIGKILL"
            with sessions() as session:
                row = session.get_one(TrainingJob, job_id)
            pid = int((row.worker or ":0").rpartition(":")[2])
            if row.status == JobStatus.running and pid in children(second.process.pid):
                running = running or since_kill
                after = re.search(r"resumes after epoch (\d+)", second.log.read_text())
                if after and row.epochs_done > int(after[1]):  # an epoch trained here
                    resumed = since_kill
            time.sleep(0.1)
        print(f"SIGKILL -> running on the next worker {running:.1f} s, training {resumed:.1f} s")
        job = wait_for_job(client, job_id, timeout=120)
    finally:
        second.stop()
    _assert_resumed_once(client, job, killed_at, second.log.read_text(), total=EPOCHS)


def test_idempotency_key_returns_the_same_job(client, pg_worker, dataset):
    body = {**LONG_JOB, "model_name": "idempotent", "dataset_id": dataset["id"]}
    body["hyperparameters"] = {"hidden_size": 4, "num_layers": 1, "epochs": 1}
    headers = {"Idempotency-Key": f"retry-{uuid.uuid4()}"}
    first = client.post("/train", json=body, headers=headers)
    second = client.post("/train", json=body, headers=headers)
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert second.headers["location"] == f"/jobs/{first.json()['id']}"
    other = client.post("/train", json=body, headers={"Idempotency-Key": f"other-{uuid.uuid4()}"})
    assert other.json()["id"] != first.json()["id"]
    for job_id in (first.json()["id"], other.json()["id"]):
        assert wait_for_job(client, job_id)["status"] == "succeeded"
    assert len(client.get("/jobs", params={"model_name": "idempotent"}).json()) == 2


def test_reconciler_publishes_a_job_whose_message_was_lost(client, pg_worker, pg_settings):
    """The API died between committing the job and publishing its task."""
    engine = make_engine(pg_settings.database_url)
    sessions = make_sessionmaker(engine)
    request = TrainRequest.model_validate(
        {
            "model_name": "never-published",
            "architecture": "gru",
            "data": {"columns": {"y": seasonal_series(120)["y"]}},
            "horizon": 3,
            "hyperparameters": {"hidden_size": 4, "num_layers": 1, "epochs": 1},
        }
    )
    with sessions() as session:
        job = training.create_job(session, client.app.state.store, pg_settings, request)
        job.created_at = utcnow() - timedelta(minutes=1)
        session.commit()
        job_id = job.id
    try:
        assert client.get(f"/jobs/{job_id}").json()["status"] == "queued"
        done = reconcile(sessions, make_celery(pg_settings), pg_settings)
        assert done["published"] == 1
        assert wait_for_job(client, job_id)["status"] == "succeeded"
        assert reconcile(sessions, make_celery(pg_settings), pg_settings)["published"] == 0
    finally:
        engine.dispose()


def test_reconciler_fails_a_job_past_its_deadline(client, pg_settings, dataset):
    """A job that has run for longer than its deadline (its start moved back in time)."""
    engine = make_engine(pg_settings.database_url)
    sessions = make_sessionmaker(engine)
    request = TrainRequest.model_validate(
        {**LONG_JOB, "model_name": "stuck", "dataset_id": dataset["id"]}
    )
    with sessions() as session:
        job = training.create_job(session, client.app.state.store, pg_settings, request)
        job.status = JobStatus.running
        job.published_at = job.heartbeat_at = utcnow()
        job.started_at = utcnow() - timedelta(seconds=pg_settings.job_deadline_seconds + 120)
        session.commit()
        job_id = job.id
    try:
        assert reconcile(sessions, make_celery(pg_settings), pg_settings)["expired"] == 1
    finally:
        engine.dispose()
    stuck = client.get(f"/jobs/{job_id}").json()
    assert stuck["status"] == "failed"
    assert "exceeded its deadline of 18000 s" in stuck["error"]


def test_broker_down_train_is_503_and_nothing_is_written(pg_settings, auth_headers, trained_lstm):
    with private_redis() as (redis_server, url):
        settings = pg_settings.model_copy(update={"broker_url": url, "task_queue": "nobody"})
        client = TestClient(create_app(settings), headers=auth_headers)
        assert client.get("/readyz").status_code == 200
        redis_server.kill()
        redis_server.wait()
        body = {
            "model_name": "broker-down",
            "architecture": "gru",
            "data": {"columns": {"y": seasonal_series(120)["y"]}},
            "horizon": 3,
        }
        refused = client.post("/train", json=body)
        assert refused.status_code == 503, refused.text
        assert refused.headers["retry-after"] == "5"
        assert "broker is unreachable" in refused.json()["detail"]
        assert client.get("/jobs", params={"model_name": "broker-down"}).json() == []
        names = [d["name"] for d in client.get("/datasets", params={"limit": 1000}).json()]
        assert "broker-down-data" not in names
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["database"] == "ok"
        window = [[1.0, 2.0]] * 24
        served = client.post("/predict", json={"model": "shared-lstm", "inputs": [window]})
        assert served.status_code == 200  # serving needs no broker


def test_database_down_predict_keeps_serving_and_the_api_recovers(
    client, trained_lstm, pg_settings
):
    ref = trained_lstm["model_version"]
    version = client.get(f"/models/{ref['model']}/versions/{ref['version']}").json()
    with private_postgres() as db:
        settings = pg_settings.model_copy(
            update={"database_url": db.url, "resolve_ttl_seconds": 0.2}
        )
        upgrade(settings.database_url)
        key = make_key(settings, "admin")
        api = TestClient(create_app(settings), headers={"Authorization": f"Bearer {key}"})
        # The same trained artifact, registered in this database through the registry service.
        dataset = api.post("/datasets", json={"name": "d", "columns": seasonal_series(60)}).json()
        engine = make_engine(settings.database_url)
        with make_sessionmaker(engine)() as session:
            from app.registry import service as registry

            job = TrainingJob(
                model_name="outage",
                architecture="lstm",
                dataset_id=dataset["id"],
                spec={},
                epochs_total=1,
                status=JobStatus.succeeded,
            )
            session.add(job)
            session.flush()
            fields = {
                k: version[k]
                for k in (
                    "architecture",
                    "hyperparameters",
                    "feature_columns",
                    "target_columns",
                    "input_length",
                    "horizon",
                    "metrics",
                    "artifact_uri",
                    "sha256",
                    "size_bytes",
                    "opset",
                    "parity_error",
                    "device",
                )
            }
            registry.register_version(
                session, model_name="outage", job_id=job.id, dataset_id=dataset["id"], **fields
            )
            session.commit()
        engine.dispose()
        assert api.put("/models/outage/aliases/production", json={"version": 1}).status_code == 200
        window = [[1.0, 2.0]] * 24
        by_version = {"model": "outage", "version": 1, "inputs": [window]}
        by_alias = {"model": "outage", "alias": "production", "inputs": [window]}
        expected = api.post("/predict", json=by_version).json()["predictions"]
        assert api.post("/predict", json=by_alias).json()["predictions"] == expected

        db.stop()
        time.sleep(0.3)  # past the alias' resolve TTL: the next lookup must try the database
        for body in (by_version, by_alias):
            response = api.post("/predict", json=body)
            assert response.status_code == 200, response.text
            assert response.json()["predictions"] == expected
        ready = api.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["database"] != "ok"
        down = api.get("/models")
        assert down.status_code == 503 and "database is unavailable" in down.json()["detail"]

        db.start()
        assert api.get("/readyz").status_code == 200  # pool pre-ping: no restart needed
        assert api.get("/models/outage").status_code == 200
        assert api.post("/predict", json=by_alias).status_code == 200
