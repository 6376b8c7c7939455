"""Open Inference Protocol (KServe v2) request/response codec, with Triton's binary tensor data
extension: the JSON header, then raw little-endian tensors, its length in the
`Inference-Header-Content-Length` header and each tensor's in `binary_data_size`. A version with
quantiles has two outputs (OUTPUT_NAME and QUANTILES_NAME); a request gets all of them unless
it lists the ones it wants, each in JSON or binary.

Pure functions of bytes in, arrays out; every malformed request raises `OIPError` (a 400),
including shapes that cannot be real (more than MAX_DIMS dimensions, or more elements than the
body could carry) before anything is allocated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from app.contract import INPUT_NAME
from app.errors import BadRequest

HEADER_LENGTH = "Inference-Header-Content-Length"
DATATYPES = {"FP32": np.dtype("<f4"), "FP64": np.dtype("<f8"), "FP16": np.dtype("<f2")}
MAX_DIMS = 8
MAX_DIM = 2**31 - 1


class OIPError(BadRequest):
    """A malformed inference request (rendered as `{"error": ...}` by app.http.errors)."""


@dataclass(frozen=True)
class InferRequest:
    id: str | None
    inputs: np.ndarray
    binary_output: bool
    """The request's `binary_data_output`: the default for every output."""
    outputs: tuple[tuple[str, bool | None], ...] | None = None
    """The outputs asked for, each with its own `binary_data` when given; None: all of them."""

    @property
    def output_names(self) -> tuple[str, ...] | None:
        return None if self.outputs is None else tuple(name for name, _ in self.outputs)

    def select(self, available: list[str]) -> list[tuple[str, bool]]:
        """(name, binary) of each output to return (the data plane has checked the names)."""
        if self.outputs is None:
            return [(name, self.binary_output) for name in available]
        return [(n, self.binary_output if b is None else b) for n, b in self.outputs]


def decode(body: bytes, header_length: str | None) -> InferRequest:
    json_part, binary = _split(body, header_length)
    try:
        doc = orjson.loads(json_part)
    except (orjson.JSONDecodeError, RecursionError) as exc:
        raise OIPError(f"the inference request is not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise OIPError("the inference request must be a JSON object")
    request_id = doc.get("id")
    if request_id is not None and not isinstance(request_id, str):
        raise OIPError("'id' must be a string")
    inputs = doc.get("inputs")
    if not isinstance(inputs, list) or len(inputs) != 1 or not isinstance(inputs[0], dict):
        raise OIPError(f"'inputs' must list exactly one tensor, named {INPUT_NAME!r}")
    tensor, used = _input_tensor(inputs[0], binary)
    if used != len(binary):
        raise OIPError(
            f"{len(binary) - used} bytes of binary data follow the JSON header but no input "
            "claims them (check binary_data_size and Inference-Header-Content-Length)"
        )
    binary_default, outputs = _requested_outputs(doc)
    return InferRequest(request_id, tensor, binary_default, outputs)


def encode(
    model: str,
    version: int,
    request_id: str | None,
    outputs: list[tuple[str, np.ndarray, bool]],
) -> tuple[bytes, dict[str, str]]:
    """The response body and its extra headers, for (name, tensor, binary) outputs: binary
    tensors follow the JSON header in the order they are listed."""
    specs: list[dict[str, Any]] = []
    payloads: list[bytes] = []
    for name, tensor, binary in outputs:
        spec: dict[str, Any] = {"name": name, "datatype": "FP32", "shape": tensor.shape}
        data = np.ascontiguousarray(tensor, dtype="<f4")
        if binary:
            spec["parameters"] = {"binary_data_size": data.nbytes}
            payloads.append(data.tobytes())
        else:
            spec["data"] = data.reshape(-1)
        specs.append(spec)
    doc: dict[str, Any] = {"model_name": model, "model_version": str(version), "outputs": specs}
    if request_id is not None:
        doc["id"] = request_id
    header = orjson.dumps(doc, option=orjson.OPT_SERIALIZE_NUMPY)
    if not payloads:
        return header, {}
    return b"".join([header, *payloads]), {HEADER_LENGTH: str(len(header))}


def _split(body: bytes, header_length: str | None) -> tuple[bytes, bytes]:
    if header_length is None:
        return body, b""
    try:
        length = int(header_length)
    except ValueError:
        raise OIPError(f"{HEADER_LENGTH} must be an integer, got {header_length!r}") from None
    if not 0 < length <= len(body):
        raise OIPError(
            f"{HEADER_LENGTH} is {length} but the body has {len(body)} bytes: it must give the "
            "length of the JSON header that starts the body"
        )
    return body[:length], body[length:]


def _input_tensor(spec: dict, binary: bytes) -> tuple[np.ndarray, int]:
    name = spec.get("name")
    if name != INPUT_NAME:
        raise OIPError(f"unknown input {name!r}; this model takes one input, {INPUT_NAME!r}")
    shape = spec.get("shape")
    if (
        not isinstance(shape, list)
        or not shape
        or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)
    ):
        raise OIPError(f"input {name!r}: 'shape' must be a list of non-negative integers")
    if len(shape) > MAX_DIMS or max(shape) > MAX_DIM:
        raise OIPError(
            f"input {name!r}: shape {shape!r:.80} is not a tensor this server takes (at most "
            f"{MAX_DIMS} dimensions of at most {MAX_DIM} each)"
        )
    datatype = spec.get("datatype")
    if datatype not in DATATYPES:
        raise OIPError(
            f"input {name!r}: datatype {datatype!r} is not supported; use one of "
            f"{', '.join(DATATYPES)}"
        )
    dtype = DATATYPES[datatype]
    count = math.prod(shape)
    parameters = spec.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise OIPError(f"input {name!r}: 'parameters' must be an object")
    if "binary_data_size" in parameters:
        size = parameters["binary_data_size"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise OIPError(f"input {name!r}: binary_data_size must be a non-negative integer")
        if size != count * dtype.itemsize:
            raise OIPError(
                f"input {name!r}: binary_data_size {size} does not match shape {shape} of "
                f"{datatype} ({count * dtype.itemsize} bytes)"
            )
        if size > len(binary):
            raise OIPError(
                f"input {name!r}: binary_data_size is {size} but only {len(binary)} bytes of "
                "binary data follow the JSON header"
            )
        array = np.frombuffer(binary[:size], dtype=dtype).reshape(shape)
        return array.astype(np.float32), size
    if "data" not in spec:
        raise OIPError(f"input {name!r}: give 'data' or parameters.binary_data_size")
    try:
        with np.errstate(over="ignore"):
            array = np.asarray(spec["data"], dtype=dtype)
    except (ValueError, TypeError, OverflowError, RecursionError):
        raise OIPError(f"input {name!r}: 'data' must be numbers (flat or nested)") from None
    if array.size != count:
        raise OIPError(
            f"input {name!r}: 'data' has {array.size} values, shape {shape} needs {count}"
        )
    return array.reshape(shape).astype(np.float32), 0


def _requested_outputs(doc: dict) -> tuple[bool, tuple[tuple[str, bool | None], ...] | None]:
    """The request-wide binary default and the outputs listed (names are checked against the
    model by InferRequest.select, once the model is known)."""
    parameters = doc.get("parameters") or {}
    binary = (
        bool(parameters.get("binary_data_output", False)) if isinstance(parameters, dict) else False
    )
    outputs = doc.get("outputs")
    if not isinstance(outputs, list | None):
        raise OIPError("'outputs' must be a list of {'name': ...} objects")
    if not outputs:  # left out or empty: every output
        return binary, None
    requested: dict[str, bool | None] = {}
    for output in outputs:
        name = output.get("name") if isinstance(output, dict) else None
        if not isinstance(name, str):
            raise OIPError(f"each requested output needs a 'name' string, got {output!r:.60}")
        if name in requested:
            raise OIPError(f"output {name!r} is requested twice")
        params = output.get("parameters") or {}
        own = params.get("binary_data") if isinstance(params, dict) else None
        requested[name] = None if own is None else bool(own)
    return binary, tuple(requested.items())
