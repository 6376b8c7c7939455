"""Helpers of the schedule and promotion-gate tests: a real `celery beat` process on the test
session's database and broker (as `seqcast beat` starts it), and small trainings to refresh."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient

from app.cli.server import beat_command
from app.config import Settings
from tests.support.stack import ROOT, settings_env, train_and_wait

BEAT_RELOAD_SECONDS = 0.5


@contextmanager
def running_beat(settings: Settings, log: Path) -> Iterator[subprocess.Popen]:
    """`celery beat` with workers.beat's scheduler, re-reading the schedules every
    BEAT_RELOAD_SECONDS; stopped (SIGTERM, as serve stops it) at the end."""
    env = settings_env(settings) | {"SEQCAST_SCHEDULE_RELOAD_SECONDS": str(BEAT_RELOAD_SECONDS)}
    with log.open("ab") as handle:
        process = subprocess.Popen(
            beat_command(), env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT
        )
    try:
        wait_until(lambda: b"beat: Starting" in log.read_bytes(), 60, lambda: log.read_text())
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until(
    condition: Callable[[], object], timeout: float, explain: Callable[[], str] = str
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s: {explain()}"
        time.sleep(0.2)


def train_small(client: TestClient, model: str, dataset_id: str, *, good: bool) -> dict:
    """A small LSTM version of `model` (hidden 8) of known quality: `good` learns a correction
    to the seasonal-naive forecast for 5 epochs (MASE under 1 on the seasonal test series);
    the other forecasts alone after 1 epoch (MASE several times naive's). A gate between the
    two has a clear answer, and both train in seconds."""
    job = train_and_wait(
        client,
        {
            "model_name": model,
            "architecture": "lstm",
            "dataset_id": dataset_id,
            "target_columns": ["y"],
            "feature_columns": ["y"],
            "input_length": 24,
            "horizon": 6,
            "hyperparameters": {
                "hidden_size": 8,
                "num_layers": 1,
                "epochs": 5 if good else 1,
                "seed": 3,
                "baseline": "seasonal_naive" if good else "none",
                "refit": False,
                "normalization": "instance",
            },
        },
    )
    assert job["status"] == "succeeded", job
    return job
