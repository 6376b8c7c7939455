"""Open Inference Protocol (KServe v2) request/response codec, with Triton's binary tensor data
extension: the JSON header, then raw little-endian tensors (in the order the inputs are listed),
its length in the `Inference-Header-Content-Length` header and each tensor's in
`binary_data_size`. A request carries the windows as INPUT_NAME and, for a version with
covariates, its other graph inputs by name (FUTURE_INPUT_NAME, CALENDAR_INPUT_NAME,
STATIC_INPUT_NAME; app.contract); the data plane checks them against the version. A version with
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

from app.contract import CALENDAR_INPUT_NAME, FUTURE_INPUT_NAME, INPUT_NAME, STATIC_INPUT_NAME
from app.errors import BadRequest
from app.serving.known_inputs import KnownInputs

HEADER_LENGTH = "Inference-Header-Content-Length"
DATATYPES = {"FP32": np.dtype("<f4"), "FP64": np.dtype("<f8"), "FP16": np.dtype("<f2")}
MAX_DIMS = 8
MAX_DIM = 2**31 - 1
EXTRA_INPUTS = (FUTURE_INPUT_NAME, CALENDAR_INPUT_NAME, STATIC_INPUT_NAME)
INPUTS = (INPUT_NAME, *EXTRA_INPUTS)
"""Every input tensor a seqcast graph may take (app.contract.input_names)."""


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
    extras: dict[str, np.ndarray] | None = None
    """The other input tensors by name (covariates), float32; None: only INPUT_NAME."""

    @property
    def output_names(self) -> tuple[str, ...] | None:
        return None if self.outputs is None else tuple(name for name, _ in self.outputs)

    def known(self) -> KnownInputs | None:
        """The covariate tensors for the data plane (None when only the windows came)."""
        extras = self.extras
        if extras is None:
            return None
        return KnownInputs(
            future=extras.get(FUTURE_INPUT_NAME),
            calendar=extras.get(CALENDAR_INPUT_NAME),
            static=extras.get(STATIC_INPUT_NAME),
            tensors=True,
        )

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
    if (
        not isinstance(inputs, list)
        or not 1 <= len(inputs) <= len(INPUTS)
        or not all(isinstance(spec, dict) for spec in inputs)
    ):
        raise OIPError(
            f"'inputs' must list the input tensors: {INPUT_NAME!r}, and for a version with "
            f"covariates those of {', '.join(repr(n) for n in EXTRA_INPUTS)} it takes"
        )
    tensors: dict[str, np.ndarray] = {}
    used = 0
    for spec in inputs:
        name = spec.get("name")
        if name in tensors:
            raise OIPError(f"input {name!r} is listed twice")
        tensors[name], size = _input_tensor(spec, binary, used)
        used += size
    tensor = tensors.pop(INPUT_NAME, None)
    if tensor is None:
        raise OIPError(f"input {INPUT_NAME!r} (the windows) is missing")
    if used != len(binary):
        raise OIPError(
            f"{len(binary) - used} bytes of binary data follow the JSON header but no input "
            "claims them (check binary_data_size and Inference-Header-Content-Length)"
        )
    binary_default, outputs = _requested_outputs(doc)
    return InferRequest(request_id, tensor, binary_default, outputs, tensors or None)


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


def _input_tensor(spec: dict, binary: bytes, offset: int) -> tuple[np.ndarray, int]:
    """The tensor and the bytes of binary data it took, from `offset` on."""
    name = spec.get("name")
    if name not in INPUTS:
        listed = ", ".join(repr(n) for n in INPUTS)
        raise OIPError(f"unknown input {name!r:.80}; seqcast's graphs take {listed}")
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
        if size > len(binary) - offset:
            raise OIPError(
                f"input {name!r}: binary_data_size is {size} but only {len(binary) - offset} "
                "bytes of binary data are left after the JSON header and the inputs before it"
            )
        array = np.frombuffer(binary[offset : offset + size], dtype=dtype).reshape(shape)
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
