"""The gateway application: create_app(settings) wires the engine, artifact store, Celery
publisher and onnxruntime session cache, and mounts one router per domain."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from celery import Celery
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import gc_tuning, health, metrics
from app.accuracy.router import router as accuracy_router
from app.api import predict, requests, streams
from app.api.oip import routes as oip
from app.artifacts import make_store
from app.auth.service import KeyChecker
from app.backtests.reconciler import publish_stranded
from app.backtests.router import router as backtests_router
from app.config import Settings, get_settings
from app.datasets.router import router as datasets_router
from app.db import make_engine, make_sessionmaker
from app.forecasts import reconciler as forecasts_reconciler
from app.forecasts.router import router as forecasts_router
from app.http.body import BodySizeLimit
from app.http.edge import Edge
from app.http.errors import install_error_handlers
from app.http.guard import LocalOnly, RouteScopes
from app.http.offload import ProcessDecoder
from app.http.openapi import complete
from app.logs import apply_format
from app.queue import make_celery
from app.registry.models import Model, ModelAlias
from app.registry.router import router as registry_router
from app.schedules.router import router as schedules_router
from app.serving.batcher import BatchConfig
from app.serving.dataplane import DataPlane
from app.serving.live import LiveModels
from app.serving.recording import Recorder
from app.serving.resolver import VersionResolver
from app.serving.sessions import SessionCache
from app.serving.steps import StepModels
from app.serving.stream_state import make_stream_store
from app.serving.streams import StreamService
from app.training.reconciler import reconcile
from app.training.router import router as training_router
from app.ui.router import install_ui

log = logging.getLogger("seqcast")

DESCRIPTION = """Train RNN, LSTM, GRU and Transformer forecasters on your series and serve them.

Upload a series (`POST /datasets`), queue training (`POST /train`), follow the job
(`GET /jobs/{id}`), then forecast (`POST /predict`). Models are exported to ONNX, checked
against PyTorch, versioned in the registry and served by onnxruntime."""

ROUTERS = (
    datasets_router,
    training_router,
    backtests_router,
    forecasts_router,
    registry_router,
    schedules_router,
    accuracy_router,
    predict.router,
    streams.router,
    oip.router,
    health.router,
    metrics.router,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    assert settings.log_format is not None
    apply_format(settings.log_format)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    store = make_store(settings)

    executor = ThreadPoolExecutor(
        max_workers=settings.inference_threads or os.cpu_count() or 1,
        thread_name_prefix="onnxruntime",
    )
    sessions = make_sessionmaker(engine)
    defaults = BatchConfig(
        max_batch_size=settings.batch_max_size,
        max_queue_delay_ms=settings.batch_max_delay_ms,
        max_queue_size=settings.batch_max_queue,
        max_concurrent_runs=settings.batch_concurrency,
        max_inline_run_ms=settings.batch_inline_run_ms,
    )
    cache = SessionCache(
        store,
        executor,
        max_sessions=settings.session_cache_size,
        max_bytes=settings.session_cache_bytes,
        device=settings.inference_device,
        intra_op_threads=settings.ort_intra_op_threads,
        batch_config=defaults,
    )
    resolver = VersionResolver(sessions, ttl=settings.resolve_ttl_seconds, defaults=defaults)
    celery = make_celery(settings)
    models = LiveModels(resolver, cache)
    stream_store = make_stream_store(settings.streams_url, settings.stream_ttl_seconds)
    stream_service = StreamService(
        models,
        StepModels(store, cache, settings.session_cache_size),
        stream_store,
        max_per_owner=settings.max_streams_per_key,
    )
    dataplane = DataPlane(
        models, stream_service, settings.max_predict_windows, recorder=Recorder(sessions)
    )
    keys = KeyChecker(sessions, settings.auth_cache_seconds, enabled=settings.auth)
    decoder = ProcessDecoder()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if not settings.auth:
            log.warning(
                "AUTHENTICATION IS OFF: anyone who can reach this port can train, predict and "
                "delete models. That is allowed only with a local SQLite database; a shared "
                "deployment requires API keys."
            )
        await asyncio.to_thread(preload_aliased, models, sessions)
        reconciler = asyncio.create_task(reconcile_forever(sessions, celery, settings))
        gc_tuning.install()
        gc_tuning.freeze()  # start-up's objects (and the preloaded models') leave the collector
        yield
        gc_tuning.unfreeze()
        reconciler.cancel()
        decoder.close()
        await stream_store.close()
        executor.shutdown(wait=False, cancel_futures=True)
        engine.dispose()

    app = FastAPI(
        title="seqcast",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        # FastAPI's built-in OpenTelemetry instrumentation: seqcast has its own Prometheus
        # metrics and JSON logs, and this layer costs ~20 µs on every /predict.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = sessions
    app.state.store = store
    app.state.celery = celery
    app.state.dataplane = dataplane
    app.state.keys = keys
    app.state.metrics_registry = metrics.app_registry(app.state, sessions)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        Edge,
        routes=[predict.HOT, streams.HOT_OBSERVE, *oip.HOT_INFER],
        plane=dataplane,
        keys=keys,
        max_bytes=min(settings.max_inference_body_bytes, settings.max_body_bytes),
        offload_bytes=settings.parse_offload_bytes,
        offload=decoder,
        scopes=RouteScopes([route for router in ROUTERS for route in router.routes]),
        local=None if settings.auth else LocalOnly(frozenset(settings.allowed_hosts)),
    )
    app.add_middleware(metrics.RequestTelemetry)  # outermost: 413s get an id and are counted
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    install_ui(app)

    def openapi() -> dict:
        """FastAPI's document plus the hot routes' body schemas, which msgspec writes, and the
        links and edge answers of app.http.openapi."""
        if app.openapi_schema is None:
            complete(FastAPI.openapi(app))["components"]["schemas"].update(requests.schemas())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def preload_aliased(models: LiveModels, sessions: sessionmaker[Session]) -> None:
    """Load every aliased version at start-up, so production traffic never waits for a load.
    A failure is logged, not fatal: the API must start even with a broken model or no database."""
    try:
        with sessions() as session:
            targets = session.execute(
                select(Model.name, ModelAlias.alias).join(ModelAlias.model)
            ).all()
    except Exception:
        log.exception("could not list aliases to preload; models will load on first use")
        return
    for name, alias in targets:
        try:
            resolved = models.resolver.resolve(name, None, alias)
            models.cache.get(resolved.key, resolved.batch_config)
        except Exception:
            log.exception("could not preload %s@%s; it will load on first use", name, alias)


async def reconcile_forever(
    sessions: sessionmaker[Session], celery: Celery, settings: Settings
) -> None:
    """The reconcilers (app.training.reconciler, app.backtests.reconciler,
    app.forecasts.reconciler), every
    `reconcile_interval_seconds`."""
    if not settings.reconcile_interval_seconds:
        return
    while True:
        await asyncio.sleep(settings.reconcile_interval_seconds)
        try:
            await asyncio.to_thread(reconcile, sessions, celery, settings)
            await asyncio.to_thread(publish_stranded, sessions, celery, settings)
            await asyncio.to_thread(
                forecasts_reconciler.publish_stranded, sessions, celery, settings
            )
        except Exception:
            log.exception("reconciler pass failed; retrying at the next interval")
