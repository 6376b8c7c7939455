"""Structured logs: one JSON object per line carrying the request id (API) and the job id
(worker), the X-Request-ID header, and the format's defaults. The API and the worker are also
checked as real processes."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.logs import JsonFormatter, TextFormatter, apply_format, job_context, request_id
from tests.support.private_services import free_port
from tests.support.stack import ROOT, Worker


def record(message: str = "hello %s", args: tuple = ("world",), exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("seqcast.test", logging.WARNING, __file__, 1, message, args, exc_info)


def test_json_formatter():
    plain = json.loads(JsonFormatter().format(record()))
    assert plain.keys() == {"time", "level", "logger", "message", "pid"}
    assert plain["message"] == "hello world" and plain["level"] == "WARNING"
    assert plain["logger"] == "seqcast.test" and plain["time"].endswith("Z")

    token = request_id.set("req-1")
    try:
        with job_context("job-1"):
            try:
                raise RuntimeError("boom")
            except RuntimeError:
                line = JsonFormatter().format(record(exc_info=sys.exc_info()))
    finally:
        request_id.reset(token)
    assert "\n" not in line  # one object per line, even with a traceback
    entry = json.loads(line)
    assert entry["request_id"] == "req-1" and entry["job_id"] == "job-1"
    assert "RuntimeError: boom" in entry["exception"]
    # Ids a record brings itself (logger.warning(..., extra={"job_id": ...})) win.
    own = record()
    own.job_id = "job-2"
    assert json.loads(JsonFormatter().format(own))["job_id"] == "job-2"


def test_text_formatter():
    formatter = TextFormatter(logging.Formatter("%(levelname)s %(message)s"))
    assert formatter.format(record()) == "WARNING hello world"
    with job_context("job-9"):
        assert formatter.format(record()) == "WARNING hello world [job_id=job-9]"


def test_apply_format_only_restyles_plain_handlers():
    """The API restyles the handlers it finds (the CLI's, uvicorn's), never a test runner's."""

    class Capture(logging.Handler):  # not a standard-library handler: left alone
        def emit(self, record: logging.LogRecord) -> None: ...

    original = logging.Formatter("%(message)s")
    plain, capture = logging.StreamHandler(io.StringIO()), Capture()
    for handler in (plain, capture):
        handler.setFormatter(original)
    logger = logging.getLogger("seqcast.test.apply")
    logger.addHandler(plain)
    logger.addHandler(capture)
    try:
        apply_format("json", loggers=(logger.name,))
        assert isinstance(plain.formatter, JsonFormatter) and capture.formatter is original
        apply_format("json", loggers=(logger.name,))  # idempotent
        apply_format("text", loggers=(logger.name,))  # back to the original, with the ids
        assert isinstance(plain.formatter, TextFormatter) and plain.formatter.inner is original
    finally:
        logger.removeHandler(plain)
        logger.removeHandler(capture)


def test_default_format(tmp_path: Path):
    assert Settings(data_dir=tmp_path).log_format == "text"  # a laptop
    shared = Settings(data_dir=tmp_path, database_url="postgresql+psycopg://db/x")
    assert shared.log_format == "json"
    assert Settings(data_dir=tmp_path, log_format="json").log_format == "json"


def test_request_id_header(client: TestClient):
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    fresh = client.get("/healthz").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{12}-[0-9a-f]+", fresh)
    assert fresh != client.get("/healthz").headers["x-request-id"]
    for bad in (b"has space", b"x" * 200, "é".encode()):
        response = client.get("/healthz", headers={"X-Request-ID": bad})
        assert re.fullmatch(r"[0-9a-f]{12}-[0-9a-f]+", response.headers["x-request-id"])
    refused = client.get("/models", headers={"Authorization": "", "X-Request-ID": "r-401"})
    assert refused.status_code == 401 and refused.headers["x-request-id"] == "r-401"


def test_request_id_reaches_log_lines(client: TestClient, trained_lstm: dict):
    """Loading a model logs from the thread pool: the request's id follows it there."""
    ref = trained_lstm["model_version"]
    route = f"/models/{ref['model']}/versions/{ref['version']}"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("seqcast")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        assert client.post(f"{route}/unload").status_code == 200
        loaded = client.post(f"{route}/load", headers={"X-Request-ID": "load-req-1"})
        assert loaded.status_code == 200, loaded.text
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [
        line
        for line in lines
        if line.get("request_id") == "load-req-1" and line["message"].startswith("loaded ")
    ], lines


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_worker_log_lines_carry_the_job_id(pg_worker: Worker, trained_lstm: dict):
    """The pool process that ran the job logged in JSON (PostgreSQL: not local), with its id."""
    lines = json_lines(pg_worker.log.read_text())
    assert any(line["message"].endswith(" ready.") for line in lines)
    mine = [line for line in lines if line.get("job_id") == trained_lstm["id"]]
    assert any("registered" in line["message"] for line in mine), lines


@pytest.mark.timeout(60)
def test_api_process_logs_json(tmp_path: Path):
    """`seqcast api` with SEQCAST_LOG_FORMAT=json: every line on stderr and stdout is a JSON
    object, uvicorn's included, and the access log line carries the request id."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEQCAST_")}
    env |= {
        "SEQCAST_DATA_DIR": str(tmp_path),
        "SEQCAST_LOG_FORMAT": "json",
        "SEQCAST_ACCESS_LOG": "true",
        "SEQCAST_RECONCILE_INTERVAL_SECONDS": "0",
    }
    log = tmp_path / "api.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "api", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                try:
                    response = httpx.get(
                        f"http://127.0.0.1:{port}/healthz", headers={"X-Request-ID": "proc-req-7"}
                    )
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            assert response.headers["x-request-id"] == "proc-req-7"
        finally:
            process.terminate()
            process.wait(timeout=20)
    text = log.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # all JSON
    assert any(line["logger"] == "uvicorn.error" for line in lines), text
    access = [line for line in lines if line["logger"] == "uvicorn.access"]
    assert any(
        line.get("request_id") == "proc-req-7" and "/healthz" in line["message"] for line in access
    ), text
