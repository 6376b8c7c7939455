"""The gateway application: create_app(settings) wires the engine, artifact store, Celery
publisher and onnxruntime session cache, and mounts one router per domain."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import health
from app.artifacts import LocalArtifactStore
from app.config import Settings, get_settings
from app.datasets.router import router as datasets_router
from app.db import make_engine, make_sessionmaker
from app.errors import install_error_handlers
from app.inference.router import router as inference_router
from app.inference.serving.sessions import SessionCache
from app.queue import make_celery
from app.registry.router import router as registry_router
from app.training.router import router as training_router

log = logging.getLogger("seqcast")

DESCRIPTION = """Train RNN, LSTM, GRU and Transformer forecasters on your series and serve them.

Upload a series (`POST /datasets`), queue training (`POST /train`), follow the job
(`GET /jobs/{id}`), then forecast (`POST /predict`). Models are exported to ONNX, checked
against PyTorch, versioned in the registry and served by onnxruntime."""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    store = LocalArtifactStore(settings.artifact_root)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(title="seqcast", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.store = store
    app.state.celery = make_celery(settings)
    app.state.sessions = SessionCache(
        store,
        max_sessions=settings.session_cache_size,
        device=settings.inference_device,
        intra_op_threads=settings.ort_intra_op_threads,
    )
    install_error_handlers(app)
    for router in (
        datasets_router,
        training_router,
        registry_router,
        inference_router,
        health.router,
    ):
        app.include_router(router)
    return app
