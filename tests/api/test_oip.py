"""The Open Inference Protocol routes, driven by the real `tritonclient.http` over real HTTP,
with JSON tensors and with the binary tensor data extension."""

from __future__ import annotations

import json

import httpx
import numpy as np
import pytest
import tritonclient.http as triton
from tritonclient.utils import InferenceServerException

from tests.support.data import seasonal_series


@pytest.fixture(scope="module")
def model(trained_lstm) -> tuple[str, int]:
    ref = trained_lstm["model_version"]
    return ref["model"], ref["version"]


@pytest.fixture(scope="module")
def triton_client(live_url):
    client = triton.InferenceServerClient(live_url.removeprefix("http://"))
    yield client
    client.close()


def _windows(batch: int = 3) -> np.ndarray:
    s = seasonal_series()
    values = np.column_stack([s["y"], s["x"]]).astype(np.float32)
    return np.stack([values[-24 - i : len(values) - i] for i in range(batch)])


def _predict(live_url: str, name: str, x: np.ndarray, headers: dict) -> np.ndarray:
    response = httpx.post(
        f"{live_url}/predict", json={"model": name, "inputs": x.tolist()}, headers=headers
    )
    assert response.status_code == 200, response.text
    return np.asarray(response.json()["predictions"], dtype=np.float32)


@pytest.mark.parametrize("binary", [False, True], ids=["json", "binary"])
def test_tritonclient_round_trip(triton_client, live_url, model, binary, auth_headers):
    name, version = model
    x = _windows()
    inputs = triton.InferInput("inputs", list(x.shape), "FP32")
    inputs.set_data_from_numpy(x, binary_data=binary)
    outputs = [triton.InferRequestedOutput("forecast", binary_data=binary)]
    result = triton_client.infer(
        name,
        [inputs],
        model_version=str(version),
        outputs=outputs,
        request_id="req-42",
        headers=dict(auth_headers),  # tritonclient adds its own headers to the dict it is given
    )
    forecast = result.as_numpy("forecast")
    assert forecast.shape == (3, 6, 1) and forecast.dtype == np.float32
    np.testing.assert_allclose(forecast, _predict(live_url, name, x, auth_headers), atol=1e-6)
    response = result.get_response()
    assert response["id"] == "req-42"
    assert response["model_version"] == str(version)


def test_tritonclient_defaults_and_metadata(triton_client, model, auth_headers):
    name, version = model
    assert triton_client.is_server_live() and triton_client.is_server_ready()
    assert triton_client.is_model_ready(name, headers=auth_headers)
    assert not triton_client.is_model_ready(name)  # no key: 401, so not ready for this caller
    assert "binary_tensor_data" in triton_client.get_server_metadata()["extensions"]
    meta = triton_client.get_model_metadata(name, headers=auth_headers)
    assert meta["inputs"] == [{"name": "inputs", "datatype": "FP32", "shape": [-1, -1, 2]}]
    assert meta["outputs"] == [{"name": "forecast", "datatype": "FP32", "shape": [-1, 6, 1]}]
    assert str(version) in meta["versions"]
    x = _windows(1)
    inputs = triton.InferInput("inputs", list(x.shape), "FP32")
    inputs.set_data_from_numpy(x)  # tritonclient's default: binary
    result = triton_client.infer(name, [inputs], headers=dict(auth_headers))
    assert result.as_numpy("forecast").shape == (1, 6, 1)


def test_tritonclient_errors(triton_client, model, auth_headers):
    with pytest.raises(InferenceServerException, match="model 'nope' not found"):
        triton_client.get_model_metadata("nope", headers=auth_headers)
    with pytest.raises(InferenceServerException, match="API key is required"):
        triton_client.get_model_metadata(model[0])
    x = _windows(1)[:, :, :1]  # one feature; the model reads two
    inputs = triton.InferInput("inputs", list(x.shape), "FP32")
    inputs.set_data_from_numpy(x)
    with pytest.raises(InferenceServerException, match="expected 2 features per step"):
        triton_client.infer(model[0], [inputs], headers=dict(auth_headers))


def _binary_request(x: np.ndarray, **overrides) -> tuple[bytes, dict]:
    header = {
        "inputs": [
            {
                "name": "inputs",
                "shape": list(x.shape),
                "datatype": "FP32",
                "parameters": {"binary_data_size": x.nbytes},
            }
        ]
    }
    header.update(overrides)
    head = json.dumps(header).encode()
    return head + x.tobytes(), {"Inference-Header-Content-Length": str(len(head))}


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda b, h: (b, {**h, "Inference-Header-Content-Length": "abc"}), "must be an integer"),
        (lambda b, h: (b, {**h, "Inference-Header-Content-Length": "999999"}), "the body has"),
        (lambda b, h: (b, {**h, "Inference-Header-Content-Length": "-5"}), "the body has"),
        (lambda b, h: (b[:-4], h), "only 188 bytes"),
        (lambda b, h: (b + b"\0" * 8, h), "8 bytes of binary data"),
        (lambda b, h: (b"{not json" + b[9:], h), "not valid JSON"),
    ],
)
def test_malformed_binary_requests_are_400(live_url, model, mutate, expected, auth_headers):
    body, headers = mutate(*_binary_request(_windows(1)[:, :, :]))
    headers = {**headers, **auth_headers}
    response = httpx.post(f"{live_url}/v2/models/{model[0]}/infer", content=body, headers=headers)
    assert response.status_code == 400, response.text
    assert expected in response.json()["error"]


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"inputs": []}, "must list the input tensors"),
        (
            {"inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": [1]}]},
            "unknown input",
        ),
        (
            {"inputs": [{"name": "inputs", "shape": [1, 2, 2], "datatype": "INT8", "data": [1]}]},
            "datatype 'INT8' is not supported",
        ),
        (
            {"inputs": [{"name": "inputs", "shape": [1, 2, 2], "datatype": "FP32", "data": [1]}]},
            "'data' has 1 values, shape [1, 2, 2] needs 4",
        ),
        (
            {
                "inputs": [
                    {"name": "inputs", "shape": [1, 1, 2], "datatype": "FP32", "data": [1, 2]}
                ],
                "outputs": [{"name": "other"}],
            },
            "unknown output 'other'",
        ),
    ],
)
def test_malformed_json_requests_are_400(live_url, model, doc, expected, auth_headers):
    response = httpx.post(f"{live_url}/v2/models/{model[0]}/infer", json=doc, headers=auth_headers)
    assert response.status_code == 400, response.text
    assert expected in response.json()["error"]


def test_json_infer_by_alias_and_unknown_version(live_url, model, auth_headers):
    name, version = model
    x = _windows(1)
    doc = {
        "inputs": [
            {
                "name": "inputs",
                "shape": list(x.shape),
                "datatype": "FP32",
                "data": x.ravel().tolist(),
            }
        ]
    }
    ok = httpx.post(
        f"{live_url}/v2/models/{name}/versions/{version}/infer", json=doc, headers=auth_headers
    )
    assert ok.status_code == 200, ok.text
    out = ok.json()["outputs"][0]
    assert out["shape"] == [1, 6, 1] and len(out["data"]) == 6
    missing = httpx.post(
        f"{live_url}/v2/models/{name}/versions/999/infer", json=doc, headers=auth_headers
    )
    assert missing.status_code == 404 and "no version 999" in missing.json()["error"]
