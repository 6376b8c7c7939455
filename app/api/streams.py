"""The streams routes: thin over app.serving.streams; replies are serialized from numpy by orjson
(the response models document them). A stream belongs to the key that created it: another key
gets 404 for it, as for a stream that does not exist."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

import numpy as np
import orjson
from fastapi import APIRouter, Depends, Path, Request, Response

from app.api.requests import StreamObserve, decode, json_body
from app.api.stream_schemas import StreamCreate, StreamForecast, StreamRead
from app.auth.deps import OVER_QUOTA, PredictCaller, require
from app.auth.service import Caller, Scope
from app.contract import FUTURE_INPUT_NAME
from app.errors import InvalidInput
from app.http.edge import JSON, HotRoute
from app.http.errors import Headers, render_seqcast
from app.http.openapi import UNREADABLE_BODY
from app.serving.dataplane import DataPlane
from app.serving.inputs import as_array
from app.serving.known_inputs import KnownInputs
from app.serving.resolver import Resolved
from app.serving.stream_state import StreamRecord
from app.serving.streams import STREAM_ID_PATTERN, Observed, StreamService

router = APIRouter(prefix="/streams", tags=["streams"], dependencies=[require(Scope.predict)])

StreamId = Annotated[
    str,
    Path(pattern=STREAM_ID_PATTERN, description="A stream id (an OIP sequence: `model:sequence`)."),
]


async def _streams(request: Request) -> StreamService:
    """Async on purpose: FastAPI runs a sync dependency on the thread pool (a hop per call)."""
    return request.app.state.dataplane.streams


StreamsDep = Annotated[StreamService, Depends(_streams)]

_GONE = {
    404: {
        "description": "Unknown stream: it expired, was deleted, never existed, or belongs to "
        "another API key."
    }
}
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
        "series_id": record.series_id,
        "last_timestamp": record.last_timestamp,
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
    if observed.timestamps is not None:
        doc["timestamps"] = observed.timestamps
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
    responses={
        404: {"description": "Unknown model, version or alias."},
        **_BAD,
        **OVER_QUOTA,
        **UNREADABLE_BODY,
        503: {"description": "The model's queue is full (a warm-up history runs it); retry."},
    },
)
async def create_stream(body: StreamCreate, streams: StreamsDep, caller: PredictCaller) -> Response:
    history = None if body.history is None else as_array(body.history, "history", ROWS)
    observed = await streams.create(
        body.model,
        body.version,
        body.alias,
        history,
        owner=caller.tag,
        series_id=body.series_id,
        last_timestamp=body.last_timestamp,
        known=stream_future(body.future),
    )
    doc = with_forecast(streams, observed)
    return _json(doc, 201, {"Location": f"/streams/{observed.record.id}"})


@router.post(
    "/{stream_id}/observe",
    response_model=StreamForecast,
    operation_id="observe_stream",
    summary="Add observations; the forecast from the updated state",
    responses={**_GONE, **_BAD, 503: {"description": "The model's queue is full; retry."}},
    openapi_extra=json_body(
        StreamObserve, [{"values": [[3.0]]}, {"values": [[120.0, 1.0]], "future": [[1.0, 9.99]]}]
    ),
)
async def observe_stream(stream_id: StreamId) -> Response:
    """Answered by the HTTP edge (app.http.edge) before routing: this handler only documents
    the route."""
    raise AssertionError("POST /streams/{stream_id}/observe is served by app.http.edge")


@router.get(
    "/{stream_id}",
    response_model=StreamRead,
    operation_id="get_stream",
    summary="A stream's version, mode, counters and expiry",
    responses=_GONE,
)
async def get_stream(stream_id: StreamId, streams: StreamsDep, caller: PredictCaller) -> Response:
    record = await streams.get(stream_id, caller.tag)
    return _json(describe(streams, record, await streams.pinned(record)))


@router.delete(
    "/{stream_id}",
    status_code=204,
    operation_id="delete_stream",
    summary="Drop a stream and its state",
    responses=_GONE,
)
async def delete_stream(
    stream_id: StreamId, streams: StreamsDep, caller: PredictCaller
) -> Response:
    await streams.delete(stream_id, caller.tag)
    return Response(status_code=204)


ROWS = "[rows][n_features]"
FUTURE = "[horizon][n_future]"
_STREAM_ID = re.compile(STREAM_ID_PATTERN)


def stream_future(future: object) -> KnownInputs | None:
    """A stream's known-future values, [horizon][n_future], with the batch axis of one stream
    the data plane checks them with."""
    if future is None:
        return None
    return KnownInputs(future=as_array(future, FUTURE_INPUT_NAME, FUTURE)[None])


def decode_observe(
    body: bytes, params: Mapping[str, str], _: Mapping[str, str]
) -> tuple[str, np.ndarray, KnownInputs | None]:
    stream_id = params["stream_id"]
    if not _STREAM_ID.fullmatch(stream_id):
        error = InvalidInput("stream_id", "not a stream id (letters, digits, '.', '_', ':', '-')")
        error.loc = ("path", "stream_id")
        raise error
    request = decode(body, StreamObserve)
    return stream_id, as_array(request.values, "values", ROWS), stream_future(request.future)


async def serve_observe(
    plane: DataPlane, call: tuple[str, np.ndarray, KnownInputs | None], caller: Caller
) -> tuple[bytes, Headers]:
    stream_id, rows, known = call
    observed = await plane.observe(stream_id, rows, owner=caller.tag, known=known)
    doc = with_forecast(plane.streams, observed)
    return orjson.dumps(doc, option=orjson.OPT_SERIALIZE_NUMPY), JSON


HOT_OBSERVE = HotRoute(
    "POST",
    re.compile(r"/streams/(?P<stream_id>[^/]+)/observe"),
    "/streams/{stream_id}/observe",
    Scope.predict,
    decode_observe,
    serve_observe,
    render_seqcast,
)
