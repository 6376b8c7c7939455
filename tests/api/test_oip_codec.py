"""The Open Inference Protocol codec (app.api.oip.codec): JSON and binary (Triton's binary
tensor extension) requests, every malformed one an OIPError (a 400) before anything is allocated,
and responses that decode back to the tensors encoded."""

from __future__ import annotations

import numpy as np
import orjson
import pytest

from app.api.oip import codec
from app.api.oip.codec import HEADER_LENGTH, OIPError
from app.api.oip.routes import decode_infer, version_or_alias
from app.contract import INPUT_NAME, OUTPUT_NAME, QUANTILES_NAME
from app.errors import InvalidInput
from app.http.errors import render_oip
from app.names import MAX_VERSION

WINDOWS = np.arange(12, dtype=np.float32).reshape(2, 3, 2) / 4


def json_request(array: np.ndarray, datatype: str = "FP32", **extra) -> bytes:
    tensor = {
        "name": INPUT_NAME,
        "datatype": datatype,
        "shape": list(array.shape),
        "data": array.reshape(-1).tolist(),
    }
    return orjson.dumps({"inputs": [tensor], **extra})


def binary_request(
    array: np.ndarray, datatype: str = "FP32", size: int | None = None, **extra
) -> tuple[bytes, str]:
    """The body and its Inference-Header-Content-Length."""
    data = array.astype(codec.DATATYPES[datatype]).tobytes()
    tensor = {
        "name": INPUT_NAME,
        "datatype": datatype,
        "shape": list(array.shape),
        "parameters": {"binary_data_size": len(data) if size is None else size},
    }
    header = orjson.dumps({"inputs": [tensor], **extra})
    return header + data, str(len(header))


def tensor_doc(**fields) -> bytes:
    return orjson.dumps({"inputs": [{"name": INPUT_NAME, "datatype": "FP32", **fields}]})


def refused(body: bytes, header_length: str | None = None) -> OIPError:
    with pytest.raises(OIPError) as caught:
        codec.decode(body, header_length)
    error = caught.value
    assert error.status_code == 400
    rendered = render_oip(error)
    assert rendered is not None and rendered[0] == 400
    assert orjson.loads(rendered[1]) == {"error": error.message}
    return error


def test_a_json_request_decodes_to_float32():
    request = codec.decode(json_request(WINDOWS, id="r-1"), None)
    assert request.id == "r-1"
    assert request.inputs.dtype == np.float32 and request.inputs.shape == (2, 3, 2)
    np.testing.assert_array_equal(request.inputs, WINDOWS)
    assert request.binary_output is False and request.outputs is None
    assert request.select([OUTPUT_NAME]) == [(OUTPUT_NAME, False)]


def test_nested_json_data_is_taken_as_well_as_flat():
    body = tensor_doc(shape=[2, 3, 2], data=WINDOWS.tolist())
    np.testing.assert_array_equal(codec.decode(body, None).inputs, WINDOWS)


@pytest.mark.parametrize("datatype", ["FP32", "FP64", "FP16"])
def test_a_binary_request_decodes_every_supported_datatype(datatype):
    body, length = binary_request(WINDOWS, datatype)
    request = codec.decode(body, length)
    assert request.inputs.dtype == np.float32
    np.testing.assert_array_equal(request.inputs, WINDOWS)


def test_binary_data_size_must_match_the_shape():
    body, length = binary_request(WINDOWS, size=WINDOWS.nbytes - 4)
    error = refused(body, length)
    assert "binary_data_size 44 does not match shape [2, 3, 2]" in error.message


def test_binary_data_beyond_the_body_is_refused():
    body, length = binary_request(WINDOWS)
    error = refused(body[:-4], length)
    assert "only 44 bytes of binary data" in error.message


def test_binary_data_no_input_claims_is_refused():
    body, length = binary_request(WINDOWS)
    assert "4 bytes of binary data" in refused(body + b"\0" * 4, length).message


def test_binary_data_without_the_header_length_header_is_refused():
    body, _ = binary_request(WINDOWS)
    refused(body, None)  # the whole body is then taken as JSON


@pytest.mark.parametrize("length", ["abc", "0", "-5", "99999", "1.5"])
def test_a_bad_header_length_is_refused(length):
    body, _ = binary_request(WINDOWS)
    assert HEADER_LENGTH in refused(body, length).message


@pytest.mark.parametrize("size", [-1, True, "8", 1.5])
def test_binary_data_size_must_be_a_non_negative_integer(size):
    body = tensor_doc(shape=[1, 2, 1], parameters={"binary_data_size": size})
    assert "binary_data_size must be a non-negative integer" in refused(body).message


def test_a_65_dimension_shape_is_an_oip_error_not_a_value_error():
    error = refused(tensor_doc(shape=[1] * 65, data=[1.0]))
    assert "at most 8 dimensions" in error.message


@pytest.mark.parametrize(
    "shape",
    [[0, 2**63, 1], [0, 2**31, 1], [2**31 - 1] * 8],
)
def test_impossible_sizes_are_oip_errors_before_allocation(shape):
    refused(tensor_doc(shape=shape, data=[]))
    header = tensor_doc(shape=shape, parameters={"binary_data_size": 4})
    refused(header + b"abcd", str(len(header)))


def test_a_shape_beyond_64_bits_is_an_oip_error():
    body = b'{"inputs":[{"name":"inputs","datatype":"FP32","shape":[0,%d,1],"data":[]}]}' % (
        2**64 + 1
    )
    refused(body)


def test_a_huge_declared_binary_size_is_an_oip_error():
    header = tensor_doc(shape=[1, 2, 1], parameters={"binary_data_size": 2**63})
    assert "does not match shape" in refused(header + b"x" * 8, str(len(header))).message


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"shape": [], "data": []}, "'shape' must be a list"),
        ({"shape": [-1, 1, 1], "data": []}, "'shape' must be a list"),
        ({"shape": [True, 1], "data": [1]}, "'shape' must be a list"),
        ({"shape": [1.0], "data": [1]}, "'shape' must be a list"),
        ({"shape": "1,2", "data": [1, 2]}, "'shape' must be a list"),
        ({"shape": [1, 2, 1], "data": [1.0]}, "'data' has 1 values"),
        ({"shape": [1, 2, 1], "data": [1, [2]]}, "'data' must be numbers"),
        ({"shape": [1], "data": {"a": 1}}, "'data' must be numbers"),
        ({"shape": [1]}, "give 'data' or parameters.binary_data_size"),
        ({"shape": [1], "data": [1], "parameters": 5}, "'parameters' must be an object"),
    ],
)
def test_malformed_tensors_are_oip_errors(fields, says):
    assert says in refused(tensor_doc(**fields)).message


@pytest.mark.parametrize(
    ("doc", "says"),
    [
        ({"inputs": []}, "must list the input tensors"),
        ({"inputs": "x"}, "must list the input tensors"),
        ({}, "must list the input tensors"),
        ({"inputs": [{"name": "other", "datatype": "FP32", "shape": [1]}]}, "unknown input"),
        ({"inputs": [{"name": INPUT_NAME, "datatype": "INT8", "shape": [1]}]}, "INT8"),
        ({"id": 5, "inputs": []}, "'id' must be a string"),
    ],
)
def test_malformed_requests_are_oip_errors(doc, says):
    assert says in refused(orjson.dumps(doc)).message


@pytest.mark.parametrize("body", [b"{", b"[]", b"null", b"[" * 5000, b"\xff", b""])
def test_a_body_that_is_not_a_json_object_is_an_oip_error(body):
    refused(body)


def test_requested_outputs_and_their_binary_flags():
    body = json_request(
        WINDOWS,
        parameters={"binary_data_output": True},
        outputs=[{"name": QUANTILES_NAME}, {"name": OUTPUT_NAME, "parameters": {"binary_data": 0}}],
    )
    request = codec.decode(body, None)
    assert request.binary_output is True
    assert request.output_names == (QUANTILES_NAME, OUTPUT_NAME)
    assert request.select([OUTPUT_NAME, QUANTILES_NAME]) == [
        (QUANTILES_NAME, True),
        (OUTPUT_NAME, False),
    ]
    every = codec.decode(json_request(WINDOWS, outputs=[]), None)
    assert every.output_names is None


@pytest.mark.parametrize(
    ("outputs", "says"),
    [
        ("forecast", "'outputs' must be a list"),
        (["forecast"], "needs a 'name' string"),
        ([{"name": 1}], "needs a 'name' string"),
        ([{"name": "forecast"}, {"name": "forecast"}], "requested twice"),
    ],
)
def test_malformed_output_requests_are_oip_errors(outputs, says):
    assert says in refused(json_request(WINDOWS, outputs=outputs)).message


def test_encode_json_outputs_round_trip():
    point = np.random.default_rng(0).normal(size=(2, 3, 1)).astype(np.float32)
    body, headers = codec.encode("demand", 3, "r-9", [(OUTPUT_NAME, point, False)])
    assert headers == {}
    doc = orjson.loads(body)
    assert doc["model_name"] == "demand" and doc["model_version"] == "3" and doc["id"] == "r-9"
    (output,) = doc["outputs"]
    assert output["name"] == OUTPUT_NAME and output["datatype"] == "FP32"
    assert output["shape"] == [2, 3, 1]
    decoded = np.asarray(output["data"], np.float32).reshape(output["shape"])
    np.testing.assert_array_equal(decoded, point)


def test_encode_binary_outputs_round_trip_in_listed_order():
    rng = np.random.default_rng(1)
    point = rng.normal(size=(2, 3, 1)).astype(np.float32)
    quantiles = rng.normal(size=(2, 3, 1, 3)).astype(np.float32)
    body, headers = codec.encode(
        "demand",
        1,
        None,
        [(QUANTILES_NAME, quantiles, True), (OUTPUT_NAME, point, True)],
    )
    length = int(headers[HEADER_LENGTH])
    doc = orjson.loads(body[:length])
    assert "id" not in doc
    payload = body[length:]
    offset, decoded = 0, {}
    for output in doc["outputs"]:
        size = output["parameters"]["binary_data_size"]
        decoded[output["name"]] = np.frombuffer(payload[offset : offset + size], "<f4").reshape(
            output["shape"]
        )
        offset += size
    assert offset == len(payload)
    assert [o["name"] for o in doc["outputs"]] == [QUANTILES_NAME, OUTPUT_NAME]
    np.testing.assert_array_equal(decoded[OUTPUT_NAME], point)
    np.testing.assert_array_equal(decoded[QUANTILES_NAME], quantiles)


def test_an_encoded_tensor_sent_back_as_a_request_decodes_to_itself():
    """Encode a tensor as a binary output, then send the same bytes as an input tensor."""
    body, headers = codec.encode("demand", 1, None, [(INPUT_NAME, WINDOWS, True)])
    length = int(headers[HEADER_LENGTH])
    (spec,) = orjson.loads(body[:length])["outputs"]
    header = orjson.dumps({"inputs": [spec]})
    request = codec.decode(header + body[length:], str(len(header)))
    np.testing.assert_array_equal(request.inputs, WINDOWS)


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        (None, (None, None)),
        ("1", (1, None)),
        ("12", (12, None)),
        (str(MAX_VERSION), (MAX_VERSION, None)),
        ("production", (None, "production")),
        ("v2", (None, "v2")),
    ],
)
def test_version_or_alias_reads_the_url_segment(segment, expected):
    assert version_or_alias(segment) == expected


@pytest.mark.parametrize("segment", ["²", "٣", "0", str(MAX_VERSION + 1), "-1", "a b", ""])
def test_version_or_alias_refuses_what_is_neither(segment):
    with pytest.raises(InvalidInput) as caught:
        version_or_alias(segment)
    assert caught.value.loc == ("body", "version")
    rendered = render_oip(caught.value)
    assert rendered is not None and rendered[0] == 400
    assert orjson.loads(rendered[1])["error"].startswith("version: ")


def test_decode_infer_reads_the_header_length_from_the_headers():
    body, length = binary_request(WINDOWS)
    scope = {HEADER_LENGTH.lower(): length}
    call = decode_infer(body, {"name": "demand", "version": "production"}, scope)
    assert (call.model, call.version, call.alias) == ("demand", None, "production")
    assert call.sequence is None
    np.testing.assert_array_equal(call.request.inputs, WINDOWS)
    with pytest.raises(OIPError, match="not a model name"):
        decode_infer(body, {"name": "no such/model"}, scope)


def test_extra_input_tensors_decode_by_name_with_binary_data_in_listed_order():
    future = np.arange(12, dtype=np.float32).reshape(2, 3, 2) + 100
    static = np.array([[1.0], [2.0]], np.float32)
    specs = [
        {"name": "future", "datatype": "FP32", "shape": [2, 3, 2]},
        {"name": INPUT_NAME, "datatype": "FP64", "shape": list(WINDOWS.shape)},
        {"name": "static", "datatype": "FP32", "shape": [2, 1], "data": [1.0, 2.0]},
    ]
    specs[0]["parameters"] = {"binary_data_size": future.nbytes}
    windows = WINDOWS.astype("<f8").tobytes()
    specs[1]["parameters"] = {"binary_data_size": len(windows)}
    header = orjson.dumps({"inputs": specs})
    request = codec.decode(header + future.tobytes() + windows, str(len(header)))
    np.testing.assert_array_equal(request.inputs, WINDOWS)
    assert request.extras is not None and set(request.extras) == {"future", "static"}
    known = request.known()
    assert known is not None and known.tensors and known.calendar is None
    np.testing.assert_array_equal(known.future, future)
    np.testing.assert_array_equal(known.static, static)
    assert codec.decode(json_request(WINDOWS), None).known() is None


@pytest.mark.parametrize(
    ("inputs", "says"),
    [
        ([{"name": "future", "datatype": "FP32", "shape": [1], "data": [1]}], "'inputs' (the"),
        (
            [{"name": INPUT_NAME, "datatype": "FP32", "shape": [1], "data": [1]}] * 2,
            "listed twice",
        ),
        ([{"name": INPUT_NAME, "datatype": "FP32", "shape": [1], "data": [1]}] * 5, "must list"),
        ([{"name": "extra", "datatype": "FP32", "shape": [1], "data": [1]}], "unknown input"),
    ],
)
def test_malformed_input_lists_are_oip_errors(inputs, says):
    assert says in refused(orjson.dumps({"inputs": inputs})).message
