"""The streams routes: thin over app.streams.service; replies are serialized from numpy by orjson
(the response models document them)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Path, Request, Response

from app.auth.deps import require
from app.auth.service import Scope
from app.inference.serving.resolver import Resolved
from app.streams.schemas import StreamCreate, StreamForecast, StreamObserve, StreamRead
from app.streams.service import STREAM_ID_PATTERN, Observed, StreamService
from app.streams.state import StreamRecord

router = APIRouter(prefix="/streams", tags=["streams"], dependencies=[require(Scope.predict)])

StreamId = Annotated[
    str,
    Path(pattern=STREAM_ID_PATTERN, description="A stream id (an OIP sequence: `model:sequence`)."),
]


async def _streams(request: Request) -> StreamService:
    """Async on purpose: FastAPI runs a sync dependency on the thread pool (a hop per call)."""
    return request.app.state.streams


StreamsDep = Annotated[StreamService, Depends(_streams)]

_GONE = {404: {"description": "Unknown stream: it expired, was deleted, or never existed."}}
_BAD = {422: {"description": "Observations this version cannot take; the message says why."}}


def _time(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def describe(streams: StreamService, record: StreamRecord, resolved: Resolved) -> dict[str, Any]:
    return {
        "id": record.id,
        "model": record.model,
        "version": record.version,
        "mode": record.mode,
        "observations": record.observations,
        "sequence": record.sequence,
        "feature_columns": resolved.feature_columns,
        "target_columns": resolved.target_columns,
        "created_at": _time(record.created_at),
        "updated_at": _time(record.updated_at),
        "expires_at": _time(streams.expires_at(record)),
    }


def with_forecast(streams: StreamService, observed: Observed) -> dict[str, Any]:
    doc = describe(streams, observed.record, observed.resolved)
    doc["forecast"] = observed.forecast
    if observed.quantiles is not None:
        doc["quantiles"] = observed.quantiles
        doc["quantile_levels"] = observed.quantile_levels
    return doc


def _json(doc: dict, status_code: int = 200, headers: dict | None = None) -> Response:
    body = orjson.dumps(doc, option=orjson.OPT_SERIALIZE_NUMPY)
    return Response(body, status_code=status_code, media_type="application/json", headers=headers)


@router.post(
    "",
    status_code=201,
    response_model=StreamForecast,
    operation_id="create_stream",
    summary="Start a stream pinned to one version; optional warm-up history",
    responses={404: {"description": "Unknown model, version or alias."}, **_BAD},
)
async def create_stream(body: StreamCreate, streams: StreamsDep) -> Response:
    observed = await streams.create(body.model, body.version, body.alias, body.history)
    doc = with_forecast(streams, observed)
    return _json(doc, 201, {"Location": f"/streams/{observed.record.id}"})


@router.post(
    "/{stream_id}/observe",
    response_model=StreamForecast,
    operation_id="observe_stream",
    summary="Add observations; the forecast from the updated state",
    responses={**_GONE, **_BAD, 503: {"description": "The model's queue is full; retry."}},
)
async def observe_stream(stream_id: StreamId, body: StreamObserve, streams: StreamsDep) -> Response:
    observed = await streams.observe(stream_id, body.values)
    return _json(with_forecast(streams, observed))


@router.get(
    "/{stream_id}",
    response_model=StreamRead,
    operation_id="get_stream",
    summary="A stream's version, mode, counters and expiry",
    responses=_GONE,
)
async def get_stream(stream_id: StreamId, streams: StreamsDep) -> Response:
    record = await streams.get(stream_id)
    return _json(describe(streams, record, await streams.pinned(record)))


@router.delete(
    "/{stream_id}",
    status_code=204,
    operation_id="delete_stream",
    summary="Drop a stream and its state",
    responses=_GONE,
)
async def delete_stream(stream_id: StreamId, streams: StreamsDep) -> Response:
    await streams.delete(stream_id)
    return Response(status_code=204)
