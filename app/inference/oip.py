"""Open Inference Protocol (KServe v2) request/response codec, with Triton's binary tensor data
extension: the JSON header, then raw little-endian tensors, its length in the
`Inference-Header-Content-Length` header and each tensor's in `binary_data_size`.

Pure functions of bytes in, arrays out; every malformed request raises `OIPError` (a 400).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from app.contract import INPUT_NAME, OUTPUT_NAME
from app.errors import SeqcastError

HEADER_LENGTH = "Inference-Header-Content-Length"
DATATYPES = {"FP32": np.dtype("<f4"), "FP64": np.dtype("<f8"), "FP16": np.dtype("<f2")}


class OIPError(SeqcastError):
    status_code = 400

    def body(self) -> dict:
        return {"error": self.message}


@dataclass(frozen=True)
class InferRequest:
    id: str | None
    inputs: np.ndarray
    binary_output: bool


def decode(body: bytes, header_length: str | None) -> InferRequest:
    json_part, binary = _split(body, header_length)
    try:
        doc = orjson.loads(json_part)
    except orjson.JSONDecodeError as exc:
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
    return InferRequest(request_id, tensor, _binary_output(doc))


def encode(
    model: str, version: int, request_id: str | None, forecast: np.ndarray, binary: bool
) -> tuple[bytes, dict[str, str]]:
    """The response body and its extra headers."""
    output: dict[str, Any] = {"name": OUTPUT_NAME, "datatype": "FP32", "shape": forecast.shape}
    payload = np.ascontiguousarray(forecast, dtype="<f4")
    if binary:
        output["parameters"] = {"binary_data_size": payload.nbytes}
    else:
        output["data"] = payload.reshape(-1)
    doc: dict[str, Any] = {"model_name": model, "model_version": str(version), "outputs": [output]}
    if request_id is not None:
        doc["id"] = request_id
    header = orjson.dumps(doc, option=orjson.OPT_SERIALIZE_NUMPY)
    if not binary:
        return header, {}
    return header + payload.tobytes(), {HEADER_LENGTH: str(len(header))}


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
    except (ValueError, TypeError):
        raise OIPError(f"input {name!r}: 'data' must be numbers (flat or nested)") from None
    if array.size != count:
        raise OIPError(
            f"input {name!r}: 'data' has {array.size} values, shape {shape} needs {count}"
        )
    return array.reshape(shape).astype(np.float32), 0


def _binary_output(doc: dict) -> bool:
    parameters = doc.get("parameters") or {}
    binary = (
        bool(parameters.get("binary_data_output", False)) if isinstance(parameters, dict) else False
    )
    outputs = doc.get("outputs")
    if outputs is None:
        return binary
    if not isinstance(outputs, list):
        raise OIPError("'outputs' must be a list")
    for output in outputs:
        if not isinstance(output, dict) or output.get("name") != OUTPUT_NAME:
            name = output.get("name") if isinstance(output, dict) else output
            raise OIPError(f"unknown output {name!r}; this model has one output, {OUTPUT_NAME!r}")
        params = output.get("parameters") or {}
        if isinstance(params, dict) and "binary_data" in params:
            binary = bool(params["binary_data"])
    return binary
