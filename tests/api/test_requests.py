"""The hot routes' body decoding (app.api.requests, app.api.predict.decode_predict,
app.api.streams.decode_observe): every malformed body is an InvalidInput (a 422) naming the
field, never a 500, including bodies built to break a JSON parser."""

from __future__ import annotations

import numpy as np
import pytest

from app.api.predict import decode_predict
from app.api.requests import PredictRequest, StreamObserve, decode
from app.api.streams import decode_observe
from app.errors import InvalidInput
from app.http.errors import render_seqcast
from app.serving.batcher import BatchConfig
from app.serving.inputs import as_array, check_batch, check_rows
from app.serving.resolver import Resolved
from app.serving.sessions import VersionKey

MODEL = Resolved(
    key=VersionKey(1, "file:///m/model.onnx", "0" * 64, "demand v1", model="demand", version=1),
    model="demand",
    version=1,
    feature_columns=("y", "x"),
    target_columns=("y",),
    input_length=4,
    horizon=2,
    batch_config=BatchConfig(),
)


def refused(body: bytes, kind: type = PredictRequest) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        decode(body, kind)
    error = caught.value
    assert error.status_code == 422
    rendered = render_seqcast(error)
    assert rendered is not None and rendered[0] == 422
    return error


def predict(body: bytes):
    return decode_predict(body, {}, {})


def test_a_valid_body_decodes_into_a_float32_call():
    call = predict(b'{"model":"demand","alias":"production","inputs":[[[1,2],[3,4.5]]]}')
    assert (call.model, call.version, call.alias) == ("demand", None, "production")
    assert call.inputs.dtype == np.float32 and call.inputs.shape == (1, 2, 2)
    np.testing.assert_array_equal(call.inputs, [[[1, 2], [3, 4.5]]])


@pytest.mark.parametrize(
    ("inputs", "loc", "got"),
    [
        (b'[["1"]]', ("body", "inputs", 0, 0), "got `str`"),
        (b"[[true]]", ("body", "inputs", 0, 0), "got `bool`"),
        (b"[[[1.0, false]]]", ("body", "inputs", 0, 0, 1), "got `bool`"),
        (b'[[[1.0], ["2"]]]', ("body", "inputs", 0, 1, 0), "got `str`"),
        (b"[[null]]", ("body", "inputs", 0, 0), "got `null`"),
        (b'{"a": 1}', ("body", "inputs"), "got `object`"),
    ],
)
def test_strings_booleans_and_nulls_are_not_numbers(inputs, loc, got):
    error = refused(b'{"model":"demand","inputs":' + inputs + b"}")
    assert error.loc == loc
    assert error.message.startswith("must be an array containing only numbers")
    assert got in error.message
    detail = error.body()["detail"][0]
    assert detail["loc"] == list(loc) and detail["type"] == "value_error"
    assert detail["msg"].startswith(".".join(str(p) for p in loc[1:]) + ": ")


def test_unknown_fields_are_refused_by_name():
    error = refused(b'{"model":"demand","inputs":[[1]],"input":[[2]]}')
    assert error.loc == ("body", "input")
    assert "unknown field" in error.message and "inputs" in error.message


def test_a_missing_model_is_named():
    error = refused(b'{"inputs":[[1]]}')
    assert error.loc == ("body", "model")
    assert error.message.startswith("required: the model name")


def test_missing_inputs_are_named():
    assert refused(b'{"model":"demand"}').loc == ("body", "inputs")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("model", b'"not a name"'),
        ("model", b'""'),
        ("model", b"7"),
        ("version", b"0"),
        ("version", b'"1"'),
        ("version", b"1.5"),
        ("version", b"true"),
        ("alias", b'"has/slash"'),
    ],
)
def test_bad_names_and_versions_are_named(field, value):
    base = {"model": b'"demand"', "inputs": b"[[1]]", field: value}
    body = b"{" + b",".join(b'"%s":%s' % (k.encode(), v) for k, v in base.items()) + b"}"
    assert refused(body).loc == ("body", field)


@pytest.mark.parametrize("token", [b"NaN", b"Infinity", b"-Infinity"])
def test_a_nan_token_decodes_and_is_refused_by_the_finite_check(token):
    body = b'{"model":"demand","inputs":[[[1,2],[' + token + b",4],[5,6],[7,8]]]}"
    call = predict(body)  # not "invalid JSON": the standard library reads the token
    with pytest.raises(InvalidInput) as caught:
        check_batch(call.inputs, MODEL, 100, "inputs")
    assert caught.value.loc == ("body", "inputs")
    assert "NaN, infinity" in caught.value.message


def test_a_nan_body_keeps_the_type_checks():
    error = refused(b'{"model":"demand","inputs":[[NaN, "x"]]}')
    assert error.loc == ("body", "inputs", 0, 1) and "got `str`" in error.message
    assert refused(b'{"model":"demand","inputs":[[NaN]],"extra":1}').loc == ("body", "extra")


def test_a_two_thousand_deep_array_is_invalid_input_not_recursion():
    deep = b"[" * 2000 + b"]" * 2000
    error = refused(b'{"model":"demand","inputs":' + deep + b"}")
    assert error.loc == ("body", "inputs", 0, 0, 0)
    assert refused(b'{"model":' + deep + b',"inputs":[[1]]}').loc == ("body", "model")


def test_deep_nesting_on_the_lenient_path_is_invalid_input_not_recursion():
    """A NaN sends the body to the standard library's parser, which recurses."""
    deep = b"[" * 100_000 + b"]" * 100_000
    error = refused(b'{"model":"demand","inputs":[[NaN]],"series_id":' + deep + b"}")
    assert error.loc == ("body",) and "nested too deeply" in error.message
    unbalanced = b'{"model":"demand","inputs":[[NaN]],"x":' + b"[" * 100_000
    assert "not valid JSON" in refused(unbalanced).message


@pytest.mark.parametrize(
    "number",
    [b"1" + b"0" * 400, b"-1" + b"0" * 400, b"1e400", b"-1e400"],
)
def test_a_number_beyond_float64_is_invalid_input(number):
    error = refused(b'{"model":"demand","inputs":[[' + number + b"]]}")
    assert error.loc == ("body", "inputs", 0, 0) and "out of range" in error.message


def test_a_huge_integer_on_the_lenient_path_is_invalid_input():
    error = refused(b'{"model":"demand","inputs":[[NaN, 1' + b"0" * 400 + b"]]}")
    assert error.loc == ("body", "inputs", 0, 1)
    over_digits = b'{"model":"demand","inputs":[[NaN]],"version":' + b"9" * 5000 + b"}"
    assert refused(over_digits).loc == ("body",)  # beyond Python's int-string limit


def test_a_huge_version_is_named():
    error = refused(b'{"model":"demand","version":1' + b"0" * 400 + b',"inputs":[[1]]}')
    assert error.loc == ("body", "version")


def test_beyond_float32_becomes_infinite_and_is_refused():
    call = predict(b'{"model":"demand","inputs":[[[1e39,1],[1,1],[1,1],[1,1]]]}')
    assert np.isinf(call.inputs).any()
    with pytest.raises(InvalidInput, match="float32 range"):
        check_batch(call.inputs, MODEL, 100, "inputs")


@pytest.mark.parametrize(
    "body",
    [b'{"model":', b"", b"\xff\xfe", b"{'model': 'demand'}", b'{"model":"demand",}'],
)
def test_malformed_json_is_a_422_on_the_whole_body(body):
    error = refused(body)
    assert error.loc == ("body",) and "not valid JSON" in error.message


@pytest.mark.parametrize("body", [b"[1, 2]", b'"demand"', b"null", b"NaN"])
def test_a_body_that_is_not_an_object(body):
    error = refused(body)
    assert error.loc == ("body",) and error.message == "the body must be a JSON object"


def test_version_and_alias_together_are_refused():
    with pytest.raises(InvalidInput) as caught:
        predict(b'{"model":"demand","version":1,"alias":"production","inputs":[[1]]}')
    assert caught.value.loc == ("body", "alias")
    assert "not both" in caught.value.message


@pytest.mark.parametrize(
    ("field", "value", "loc"),
    [
        ("series_id", b"[]", ("body", "series_id")),
        ("series_id", b"7", ("body", "series_id")),
        ("series_id", b'["a", 1]', ("body", "series_id", 1)),
        ("last_timestamp", b"[]", ("body", "last_timestamp")),
    ],
)
def test_per_window_fields_are_checked_while_decoding(field, value, loc):
    body = b'{"model":"demand","inputs":[[1]],"%s":%s}' % (field.encode(), value)
    with pytest.raises(InvalidInput) as caught:
        predict(body)
    assert caught.value.loc == loc


@pytest.mark.parametrize(
    "inputs",
    [
        [[[1.0, 2.0], [3.0]]],
        [[1.0, 2.0], [3.0]],
        [[1.0, [2.0]]],
    ],
)
def test_ragged_inputs_are_refused_by_as_array(inputs):
    with pytest.raises(InvalidInput) as caught:
        as_array(inputs, "inputs", "[batch][length][n_features]")
    assert caught.value.loc == ("body", "inputs")
    assert "rectangular" in caught.value.message


def test_a_ragged_body_is_refused_when_decoded():
    with pytest.raises(InvalidInput, match="rectangular"):
        predict(b'{"model":"demand","inputs":[[1.0,[1.0]]]}')


def test_check_batch_names_what_the_version_cannot_take():
    windows = np.ones((2, 4, 2), np.float32)
    assert check_batch(windows, MODEL, 100, "inputs").shape == (2, 4, 2)
    with pytest.raises(InvalidInput, match="expected 2 features"):
        check_batch(np.ones((1, 4, 3), np.float32), MODEL, 100, "inputs")
    with pytest.raises(InvalidInput, match="exceeds 16"):
        check_batch(np.ones((1, 17, 2), np.float32), MODEL, 100, "inputs")
    with pytest.raises(InvalidInput, match="exceed the limit of 1"):
        check_batch(windows, MODEL, 1, "inputs")
    with pytest.raises(InvalidInput, match="empty"):
        check_batch(np.ones((0,), np.float32), MODEL, 100, "inputs")
    with pytest.raises(InvalidInput, match="reads 2 features"):
        check_batch(np.ones((1, 4), np.float32), MODEL, 100, "inputs")


def test_observe_bodies_decode_the_same_way():
    call = decode_observe(b'{"values":[[1,2],[3,4]]}', {"stream_id": "s-1"}, {})
    assert call[0] == "s-1" and call[1].shape == (2, 2)
    assert refused(b'{"values":[["1"]]}', StreamObserve).loc == ("body", "values", 0, 0)
    assert refused(b'{"values":[[1]],"rows":1}', StreamObserve).loc == ("body", "rows")
    with pytest.raises(InvalidInput) as bad_id:
        decode_observe(b'{"values":[1]}', {"stream_id": "a b"}, {})
    assert bad_id.value.loc == ("path", "stream_id")
    rows = decode_observe(b'{"values":[NaN, 1]}', {"stream_id": "s"}, {})[1]
    with pytest.raises(InvalidInput, match="NaN"):
        check_rows(rows, 1, "values")


def test_future_decodes_with_the_windows_and_its_type_is_checked():
    call = decode_predict(b'{"model":"m","inputs":[[1,2]],"future":[[[1,2],[3,4],[5,6]]]}', {}, {})
    assert call.known is not None and call.known.future.shape == (1, 3, 2)
    assert call.known.future.dtype == np.float32 and call.known.calendar is None
    assert decode_predict(b'{"model":"m","inputs":[[1,2]]}', {}, {}).known is None
    assert refused(b'{"model":"m","inputs":[[1]],"future":[["x"]]}').loc == (
        "body",
        "future",
        0,
        0,
    )
    with pytest.raises(InvalidInput, match="rectangular") as ragged:
        decode_predict(b'{"model":"m","inputs":[[1]],"future":[[[1,2],[3]]]}', {}, {})
    assert ragged.value.loc == ("body", "future")
    _, _, known = decode_observe(b'{"values":[[1]],"future":[[1,2],[3,4]]}', {"stream_id": "s"}, {})
    assert known is not None and known.future.shape == (1, 2, 2)  # one stream's block
    assert decode_observe(b'{"values":[[1]]}', {"stream_id": "s"}, {})[2] is None
