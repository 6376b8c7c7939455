"""`seqcast serve` on the embedded default (SQLite, filesystem broker) runs beat beside its
worker: a schedule put through its API is fired there (through the filesystem broker, into the
worker, on SQLite), and SIGTERM stops beat with the rest."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx

from app.db import make_engine, make_sessionmaker
from app.models import Model
from tests.support.processes import alive, descendants
from tests.support.schedules import wait_until
from tests.support.stack import start_serve


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _add_model(database: Path, name: str) -> None:
    engine = make_engine(f"sqlite:///{database}")
    with make_sessionmaker(engine)() as session:
        session.add(Model(name=name))
        session.commit()
    engine.dispose()


def test_serve_runs_beat_on_the_embedded_default(tmp_path: Path):
    env = {
        "SEQCAST_WORKER_METRICS_PORT": "0",
        "SEQCAST_SCHEDULE_MIN_INTERVAL_SECONDS": "1",
        "SEQCAST_SCHEDULE_RELOAD_SECONDS": "0.5",
    }
    process, url = start_serve(tmp_path, own_session=True, env=env)
    log = tmp_path / "serve.log"
    started: set[int] = set()
    try:
        _add_model(tmp_path / "seqcast.db", "served")  # no training: an unset alias is enough
        with httpx.Client(base_url=url, timeout=10) as client:
            put = client.put("/models/served/schedule", json={"interval_seconds": 1})
            assert put.status_code == 200, put.text

            def outcome() -> str | None:
                return client.get("/models/served/schedule").json()["last_outcome"]

            # beat -> the filesystem broker -> the worker's fire task -> SQLite
            wait_until(outcome, 60, log.read_text)
            assert "alias 'production' is not set" in (outcome() or "")
            assert client.get("/models/served/schedule").json()["runs"] >= 1

        started = descendants(process.pid)
        assert any(b"workers.beat" in _cmdline(pid) for pid in started), log.read_text()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        deadline = time.monotonic() + 30
        while left := {pid for pid in started if alive(pid)}:
            assert time.monotonic() < deadline, f"still running: {left}\n{log.read_text()}"
            time.sleep(0.2)
        assert "stopping the beat" in log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
        for pid in started | descendants(process.pid):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
