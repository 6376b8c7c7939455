"""`seqcast serve` stopped by a signal (docker stop and systemd send SIGTERM, a terminal SIGINT)
stops its worker process too: nothing it started is left running."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.support.processes import alive, descendants
from tests.support.stack import start_serve


def start_training(client: httpx.Client) -> None:
    """A job long enough to be running when the signal comes: the worker's pool process is
    then busy in torch, and Celery's warm shutdown would wait for it."""
    wave = [float(i % 12) for i in range(400)]
    dataset = client.post("/datasets", json={"name": "busy", "columns": {"y": wave}})
    assert dataset.status_code == 201, dataset.text
    body = {
        "model_name": "busy",
        "architecture": "lstm",
        "dataset_id": dataset.json()["id"],
        "horizon": 3,
        "hyperparameters": {"epochs": 5000, "hidden_size": 32},
    }
    job = client.post("/train", json=body)
    assert job.status_code == 202, job.text
    deadline = time.monotonic() + 120
    while client.get(f"/jobs/{job.json()['id']}").json()["status"] != "running":
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.3)


@pytest.mark.parametrize(
    ("sig", "busy"),
    [(signal.SIGTERM, False), (signal.SIGINT, False), (signal.SIGTERM, True)],
    ids=["SIGTERM", "SIGINT", "SIGTERM-while-training"],
)
def test_serve_stops_its_worker_on_signal(sig: signal.Signals, busy: bool, tmp_path: Path):
    env = {"SEQCAST_WORKER_METRICS_PORT": "0"}
    process, url = start_serve(tmp_path, own_session=True, env=env)
    log_path = tmp_path / "serve.log"
    started: set[int] = set()
    try:
        with httpx.Client(base_url=url, timeout=5) as client:
            if busy:
                start_training(client)
        # the worker: a `celery worker` child (its pool processes are its own children)
        deadline = time.monotonic() + 60
        while not (started := descendants(process.pid)) or not any(
            b"celery" in Path(f"/proc/{pid}/cmdline").read_bytes() for pid in started if alive(pid)
        ):
            assert time.monotonic() < deadline, f"no worker child\n{log_path.read_text()}"
            time.sleep(0.3)
        time.sleep(1)
        started = descendants(process.pid)

        process.send_signal(sig)
        process.wait(timeout=30)
        deadline = time.monotonic() + 30
        while left := {pid for pid in started if alive(pid)}:
            assert time.monotonic() < deadline, f"still running: {left}\n{log_path.read_text()}"
            time.sleep(0.2)
        if sig == signal.SIGTERM:  # ended as the signal asks (systemd counts that as clean)
            assert process.returncode == -signal.SIGTERM, log_path.read_text()
    finally:
        if process.poll() is None:
            process.kill()
        for pid in started | descendants(process.pid):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
