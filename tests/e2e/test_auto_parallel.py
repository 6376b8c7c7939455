"""`"architecture": "auto"` on real parts: two Celery worker processes on a queue of their own
train the candidates at the same time (their rows' running intervals overlap), and the version
registered is the best candidate by validation MASE, with the leaderboard on it and on the job."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.support.stack import Worker, start_worker, train_and_wait

CANDIDATES = ["gru", "rnn"]
TINY = {
    "hidden_size": 8,
    "num_layers": 1,
    "epochs": 4,
    "early_stopping_patience": 50,
    "refit": False,
    "seed": 3,
}


@pytest.fixture
def two_workers(
    pg_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """Two worker processes (one pool process each) on a queue of their own, started at once,
    with one torch thread each: two training at once on two cores do not fight over them."""
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    queue = f"auto-{uuid.uuid4().hex[:8]}"
    settings = pg_settings.model_copy(update={"task_queue": queue, "worker_metrics_port": 0})
    with ThreadPoolExecutor(2) as pool:
        started = [pool.submit(start_worker, settings, tmp_path / f"w{i}.log") for i in (1, 2)]
        workers: list[Worker] = [f.result() for f in started]
    try:
        yield settings
    finally:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(Worker.stop, workers))


def test_candidates_train_in_parallel_and_the_best_is_registered(
    two_workers: Settings, auth_headers: dict[str, str], dataset: dict
):
    body = {
        "model_name": "auto-e2e",
        "architecture": "auto",
        "auto": {"candidates": CANDIDATES},
        "dataset_id": dataset["id"],
        "target_columns": ["y"],
        "input_length": 24,
        "horizon": 6,
        "hyperparameters": TINY,
    }
    with TestClient(create_app(two_workers), headers=auth_headers) as client:
        job = train_and_wait(client, body, timeout=180)
        assert job["status"] == "succeeded", job["error"]
        candidates = job["candidates"]
        assert [c["architecture"] for c in candidates] == CANDIDATES
        assert all(c["status"] == "succeeded" for c in candidates), candidates

        # Both trained at the same time, each on its own worker.
        starts = [datetime.fromisoformat(c["started_at"]) for c in candidates]
        ends = [datetime.fromisoformat(c["finished_at"]) for c in candidates]
        overlap = (min(ends) - max(starts)).total_seconds()
        assert overlap > 0, f"candidates ran one after the other: {starts} {ends}"

        best = min(candidates, key=lambda c: c["metrics"]["mase"])
        assert best["rank"] == 1 and best["selected"]
        ref = job["model_version"]
        version = client.get(f"/models/{ref['model']}/versions/{ref['version']}").json()
        assert version["architecture"] == best["architecture"]
        assert version["metrics"]["model"]["mase"] == best["metrics"]["mase"]
        board = version["leaderboard"]
        assert [e["job_id"] for e in board] == [
            c["id"] for c in sorted(candidates, key=lambda c: c["rank"])
        ]
        assert [e["selected"] for e in board] == [True, False]
        # One version for the auto job; its candidates are inside it, not in the job list.
        model = client.get(f"/models/{ref['model']}").json()
        assert len(model["versions"]) == 1
        listed = {j["id"] for j in client.get("/jobs", params={"model_name": "auto-e2e"}).json()}
        assert listed == {job["id"]}
        candidate = client.get(f"/jobs/{best['id']}").json()
        assert candidate["parent_id"] == job["id"] and candidate["model_version"] is None
        rows = [client.get(f"/jobs/{c['id']}").json() for c in candidates]
        timings = [{**r["timings"], "epochs": [h["seconds"] for h in r["history"]]} for r in rows]
        print(f"overlap {overlap:.1f} s; auto job {job['timings']}; candidates {timings}")
