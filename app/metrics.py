"""Prometheus metrics of the API, served at `GET /metrics` (no key: Prometheus scrapes without
one; keep the port on a private network), and the request-id / metrics middleware.

Recorded on the request path (a pure ASGI middleware and direct calls; no database):
- `seqcast_http_requests_total{method, route, status}` and
  `seqcast_http_request_duration_seconds{method, route}`: per route template
  (`/models/{name}`), never the raw path;
- `seqcast_inference_requests_total{model, protocol, status}` and
  `seqcast_inference_request_duration_seconds{model, protocol}`: /predict (`protocol="rest"`)
  and the Open Inference Protocol's infer (`"v2"`), once the model name resolved (a name that
  does not exist never becomes a label);
- `seqcast_batch_size{model, version}` (rows per onnxruntime run) and
  `seqcast_onnxruntime_run_seconds{model, version}`.
Read when scraped: `seqcast_queue_depth{model, version}` (rows waiting),
`seqcast_batches_running{model, version}`, `seqcast_loaded_sessions`,
`seqcast_loaded_session_bytes`, and `seqcast_training_jobs{state}`: one GROUP BY on the
indexed job status, at most every few seconds (the same numbers on every API replica: aggregate
with max, not sum).
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.accuracy.service import live_ratios
from app.logs import request_id
from app.training.models import JobStatus, TrainingJob

log = logging.getLogger("seqcast.metrics")

LATENCY_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0
)  # fmt: skip
RUN_BUCKETS = (
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5
)  # fmt: skip
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048)

HTTP_REQUESTS = Counter(
    "seqcast_http_requests_total",
    "HTTP requests by route template, method and status code.",
    ["method", "route", "status"],
)
HTTP_SECONDS = Histogram(
    "seqcast_http_request_duration_seconds",
    "HTTP request latency by route template, from the first byte in to the last byte out.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
INFERENCE_REQUESTS = Counter(
    "seqcast_inference_requests_total",
    "Inference requests by model, protocol (rest: /predict, v2: Open Inference Protocol) and "
    "status code.",
    ["model", "protocol", "status"],
)
INFERENCE_SECONDS = Histogram(
    "seqcast_inference_request_duration_seconds",
    "Inference request latency by model and protocol.",
    ["model", "protocol"],
    buckets=LATENCY_BUCKETS,
)
BATCH_SIZE = Histogram(
    "seqcast_batch_size",
    "Rows (windows) per onnxruntime run, by model and version.",
    ["model", "version"],
    buckets=BATCH_BUCKETS,
)
ORT_RUN_SECONDS = Histogram(
    "seqcast_onnxruntime_run_seconds",
    "onnxruntime run time per batch, by model and version.",
    ["model", "version"],
    buckets=RUN_BUCKETS,
)

INFERENCE_ROUTES = {
    "/predict": "rest",
    "/v2/models/{name}/infer": "v2",
    "/v2/models/{name}/versions/{version}/infer": "v2",
}
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
REQUEST_ID_HEADER = b"x-request-id"
REQUEST_ID = re.compile(rb"[!-~]{1,128}")
"""An X-Request-ID taken as is: 1 to 128 printable ASCII characters, no spaces."""

inference_model: ContextVar[list[str | None] | None] = ContextVar(
    "seqcast_inference_model", default=None
)
"""A per-request slot the data plane fills with the model name once it resolved."""


def note_model(model: str) -> None:
    """Called by the data plane: label this request's inference metrics with `model`."""
    slot = inference_model.get()
    if slot is not None:
        slot[0] = model


_ID_PREFIX = os.urandom(6).hex()
_id_counter = itertools.count(1)


def _new_request_id() -> str:
    """A fresh request id: a random per-process prefix and a counter (os.urandom per request
    cost 20 µs on the /predict hot path; these are unique, not secret). A plain counter, not a
    generator: apps served from several threads of one process (the tests) share it, and a
    generator raises when two threads advance it at once."""
    return f"{_ID_PREFIX}-{next(_id_counter):x}"


def _incoming_request_id(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The client's X-Request-ID, if it is short, printable ASCII without spaces."""
    for name, value in headers:
        if name == REQUEST_ID_HEADER:
            return value.decode("ascii") if REQUEST_ID.fullmatch(value) else None
    return None


class RequestTelemetry:
    """Pure ASGI middleware: a request id for the logs (the client's `X-Request-ID` or a new
    one, returned in the `X-Request-ID` response header) and the per-route and per-model
    metrics. A few microseconds a request: label children are looked up once and cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._http: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._inference: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _incoming_request_id(scope["headers"]) or _new_request_id()
        header = (REQUEST_ID_HEADER, rid.encode("ascii"))
        rid_token = request_id.set(rid)
        slot: list[str | None] = [None]
        slot_token = inference_model.set(slot)
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        start = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            inference_model.reset(slot_token)
            request_id.reset(rid_token)
            self._record(scope, status, elapsed, slot[0])

    def _record(self, scope: Scope, status: int, elapsed: float, model: str | None) -> None:
        route = scope.get("route")
        path = getattr(route, "path", None) or "unmatched"
        method = scope["method"] if scope["method"] in METHODS else "other"
        key = (method, path, status)
        children = self._http.get(key)
        if children is None:
            children = self._http[key] = (
                HTTP_REQUESTS.labels(method, path, str(status)),
                HTTP_SECONDS.labels(method, path),
            )
        children[0].inc()
        children[1].observe(elapsed)
        protocol = INFERENCE_ROUTES.get(path)
        if model is None or protocol is None:
            return
        key = (model, protocol, status)
        children = self._inference.get(key)
        if children is None:
            children = self._inference[key] = (
                INFERENCE_REQUESTS.labels(model, protocol, str(status)),
                INFERENCE_SECONDS.labels(model, protocol),
            )
        children[0].inc()
        children[1].observe(elapsed)


class StateCollector(Collector):
    """What one app holds, read at scrape time: the serving cache's queues and sessions, and the
    job table's counts by state (cached for `jobs_ttl` seconds; skipped while the database is
    down, so a scrape never fails on it)."""

    def __init__(self, app_state: Any, sessions: sessionmaker[Session], jobs_ttl: float = 5.0):
        self._state = app_state
        self._sessions = sessions
        self._jobs_ttl = jobs_ttl
        self._jobs: tuple[float, dict[str, int]] | None = None

    def collect(self) -> Iterator[Metric]:
        cache = self._state.dataplane.models.cache
        queue = GaugeMetricFamily(
            "seqcast_queue_depth",
            "Rows queued for a batch (not yet running), by model and version.",
            labels=["model", "version"],
        )
        running = GaugeMetricFamily(
            "seqcast_batches_running",
            "Batches in onnxruntime now, by model and version.",
            labels=["model", "version"],
        )
        loaded = cache.loaded()
        for served in loaded:
            labels = version_labels(served.key)
            queue.add_metric(labels, served.batcher.queued_rows)
            running.add_metric(labels, served.batcher.inflight)
        yield queue
        yield running
        yield GaugeMetricFamily(
            "seqcast_loaded_sessions", "onnxruntime sessions loaded.", value=len(loaded)
        )
        yield GaugeMetricFamily(
            "seqcast_loaded_session_bytes",
            "Bytes of ONNX models loaded.",
            value=sum(m.size_bytes for m in loaded),
        )
        counts = self._job_counts()
        if counts is not None:
            jobs = GaugeMetricFamily(
                "seqcast_training_jobs",
                "Training jobs by state, from the database.",
                labels=["state"],
            )
            for state in JobStatus:
                jobs.add_metric([state.value], counts.get(state.value, 0))
            yield jobs

    def _job_counts(self) -> dict[str, int] | None:
        now = time.monotonic()
        if self._jobs is not None and now - self._jobs[0] < self._jobs_ttl:
            return self._jobs[1]
        try:
            with self._sessions() as session:
                rows = session.execute(
                    select(TrainingJob.status, func.count()).group_by(TrainingJob.status)
                ).all()
        except Exception as exc:
            log.debug("job counts unavailable: %s", type(exc).__name__)
            return None
        counts = {JobStatus(status).value: n for status, n in rows}
        self._jobs = (now, counts)
        return counts


class LiveAccuracyCollector(Collector):
    """seqcast_live_mase_ratio{model,version}: each version's live MAE over seasonal naive's on
    the actuals scored so far (app.accuracy). Read from the database at scrape time, so every
    API process reports the same value whichever of them scored the rows; cached for `ttl`
    seconds (one aggregate query per process per window), skipped while the database is down."""

    def __init__(self, sessions: sessionmaker[Session], ttl: float = 5.0) -> None:
        self._sessions = sessions
        self._ttl = ttl
        self._cached: tuple[float, list[tuple[str, int, float]]] | None = None

    def collect(self) -> Iterator[Metric]:
        ratios = self._ratios()
        if ratios is None:
            return
        gauge = GaugeMetricFamily(
            "seqcast_live_mase_ratio",
            "Live MASE of a version over seasonal naive's at the same origins (below 1: it "
            "beats naive), on the actuals that arrived.",
            labels=["model", "version"],
        )
        for model, version, ratio in ratios:
            gauge.add_metric([model, str(version)], ratio)
        yield gauge

    def _ratios(self) -> list[tuple[str, int, float]] | None:
        now = time.monotonic()
        if self._cached is not None and now - self._cached[0] < self._ttl:
            return self._cached[1]
        try:
            with self._sessions() as session:
                ratios = live_ratios(session)
        except Exception as exc:
            log.debug("live accuracy unavailable: %s", type(exc).__name__)
            return None
        self._cached = (now, ratios)
        return ratios


def version_labels(key: Any) -> list[str]:
    """[model, version] of a VersionKey."""
    return [key.model or key.label, str(key.version) if key.version else ""]


def app_registry(app_state: Any, sessions: sessionmaker[Session]) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StateCollector(app_state, sessions))
    registry.register(LiveAccuracyCollector(sessions))
    return registry


def render(registry: CollectorRegistry) -> bytes:
    """The process-wide metrics (requests, batches, runs, Python process) and the app's own."""
    return generate_latest(REGISTRY) + generate_latest(registry)


router = APIRouter(tags=["health"])


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus text format; open like /healthz (see the module docstring)."""
    body = await run_in_threadpool(render, request.app.state.metrics_registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
