"""The Open Inference Protocol's sequence extension (Triton's `sequence_id`, `sequence_start`,
`sequence_end` request parameters) on the same streams as /streams.

Sequence `S` of model `M` is the stream `M:S` (sequence ids are per model, as in Triton).
`sequence_start` creates it (replacing an earlier one of that id), pinned to the version or alias
in the URL (default: latest); later requests continue it whatever the URL's version says;
`sequence_end` deletes it after answering. A sequence belongs to the API key that started it:
another key's requests do not see it (a continuation is a 404, as for a sequence never started)
and its `sequence_start` of the same id starts a sequence of its own. The `inputs` tensor
carries the new observations,
`[1, steps, n_features]`, and the `forecast` output is the stream's forecast `[1, horizon,
n_targets]`. A sequence id of 0 (or "") means "no sequence", as in Triton. For a version with
covariates, every request also carries the `future` tensor `[1, horizon, n_future]` and the
`calendar` and `static` tensors the version takes (a sequence names no series, so the client
sends them as it would to infer).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

import orjson

from app.api.oip.codec import InferRequest, OIPError
from app.contract import INPUT_NAME
from app.serving.dataplane import DataPlane
from app.serving.known_inputs import KnownInputs
from app.serving.streams import STREAM_ID_PATTERN, StreamNotFound
from app.serving.version_info import Forecast


@dataclass(frozen=True)
class Sequence:
    id: str
    start: bool
    end: bool


def sequence_of(body: bytes, header_length: str | None) -> Sequence | None:
    """The request's sequence parameters, or None (call after app.api.oip.codec.decode has
    checked the body; a request without "sequence_id" is not parsed again)."""
    head = body[: int(header_length)] if header_length else body
    if b"sequence_id" not in head:
        return None
    parameters = orjson.loads(head).get("parameters")
    return _sequence(parameters)


def _sequence(parameters: object) -> Sequence | None:
    if not isinstance(parameters, dict) or parameters.get("sequence_id") in (None, 0, ""):
        return None
    raw = parameters["sequence_id"]
    if isinstance(raw, bool) or not isinstance(raw, int | str) or str(raw).startswith("-"):
        raise OIPError("parameters.sequence_id must be a non-negative integer or a string")
    if not re.fullmatch(STREAM_ID_PATTERN, str(raw)) or len(str(raw)) > 100:
        raise OIPError(
            "parameters.sequence_id: a string id takes letters, digits, '.', '_', ':' and '-' "
            "(at most 100)"
        )
    flags = {}
    for name in ("sequence_start", "sequence_end"):
        flags[name] = parameters.get(name, False)
        if not isinstance(flags[name], bool):
            raise OIPError(f"parameters.{name} must be true or false")
    return Sequence(str(raw), flags["sequence_start"], flags["sequence_end"])


async def infer_sequence(
    plane: DataPlane,
    model: str,
    version: int | None,
    alias: str | None,
    call: InferRequest,
    sequence: Sequence,
    owner: str | None = None,
) -> tuple[int, Forecast, list[tuple[str, bool]]]:
    """The stream's version, its forecast after the new observations (batch axis of 1) and the
    outputs to return; the outputs asked for are checked before the stream is written. The
    stream is the API key `owner`'s."""
    inputs = call.inputs
    if inputs.ndim != 3 or inputs.shape[0] != 1:
        raise OIPError(
            f"a sequence request carries one stream's new observations: input shape "
            f"[1, steps, n_features], got {list(inputs.shape)}"
        )
    stream_id = f"{model}:{sequence.id}"
    streams = plane.streams
    if sequence.start:
        resolved = await plane.models.resolve(model, version, alias)
    else:
        try:
            resolved = await streams.pinned(await streams.get(stream_id, owner))
        except StreamNotFound:
            raise StreamNotFound(
                f"sequence {sequence.id} of model {model} has not started or has expired: send "
                "parameters.sequence_start = true first"
            ) from None
    wanted = call.select(await plane.outputs(resolved, call.output_names))
    known = call.known() or KnownInputs(tensors=True)  # what is missing is asked for as a tensor
    if sequence.start:
        observed = await streams.create(
            model,
            resolved.version,
            None,
            inputs[0],
            stream_id=stream_id,
            field=INPUT_NAME,
            owner=owner,
            known=known,
        )
    else:
        observed = await plane.observe(
            stream_id, inputs[0], field=INPUT_NAME, owner=owner, known=known
        )
    if sequence.end:
        with contextlib.suppress(StreamNotFound):  # a concurrent end got there first
            await streams.delete(stream_id, owner)
    assert observed.forecast is not None
    quantiles = None if observed.quantiles is None else observed.quantiles[None]
    return observed.record.version, Forecast(observed.forecast[None], quantiles), wanted
