"""/predict and the Open Inference Protocol with quantiles, series ids and forecast timestamps,
through the real stack: a small LSTM trained with quantiles on a monthly dataset of two series,
and the shared point-forecast LSTM (no timestamps, one series) for what it must refuse."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import numpy as np
import pytest
import tritonclient.http as triton
from tritonclient.utils import InferenceServerException

from app.api.predict_schemas import PredictResponse, QuantileForecast
from app.api.requests import PredictRequest
from app.artifacts import make_store
from app.contract import Manifest, manifest_uri_for
from app.serving.batcher import BatchConfig
from app.serving.sessions import SessionCache, VersionKey
from tests.support.data import seasonal_series
from tests.support.stack import train_and_wait

LEVELS = [0.1, 0.5, 0.9]
HORIZON = 6
LENGTH = 24
ROWS = {"north": (date(2010, 1, 1), 120), "south": (date(2011, 6, 1), 110)}
"""Series id -> (first month, months): the two series end in different months."""


def _month(start: date, months: int) -> date:
    year, month = divmod(start.year * 12 + start.month - 1 + months, 12)
    return date(year, month + 1, 1)


def _last(series_id: str) -> date:
    start, n = ROWS[series_id]
    return _month(start, n - 1)


def _following(last: date) -> list[str]:
    return [_month(last, k).isoformat() for k in range(1, HORIZON + 1)]


def _values(series_id: str) -> list[float]:
    seed = list(ROWS).index(series_id)
    return seasonal_series(ROWS[series_id][1], period=12, seed=seed)["y"]


def _windows(series_id: str = "north", batch: int = 3) -> list[list[float]]:
    y = _values(series_id)
    return [y[len(y) - LENGTH - i : len(y) - i] for i in range(batch)]


@pytest.fixture(scope="module")
def quantile_model(client, pg_worker) -> dict:
    """The trained version's read model (name "quantile-lstm")."""
    series, timestamps, y = [], [], []
    for series_id, (start, n) in ROWS.items():
        series += [series_id] * n
        timestamps += [_month(start, k).isoformat() for k in range(n)]
        y += _values(series_id)
    body = {"name": "monthly-two", "columns": {"y": y}, "timestamps": timestamps, "series": series}
    dataset = client.post("/datasets", json=body)
    assert dataset.status_code == 201, dataset.text
    job = train_and_wait(
        client,
        {
            "model_name": "quantile-lstm",
            "architecture": "lstm",
            "dataset_id": dataset.json()["id"],
            "horizon": HORIZON,
            "input_length": LENGTH,
            "quantiles": LEVELS,
            "hyperparameters": {"hidden_size": 16, "num_layers": 1, "epochs": 5, "seed": 1},
        },
    )
    assert job["status"] == "succeeded", job["error"]
    ref = job["model_version"]
    return client.get(f"/models/{ref['model']}/versions/{ref['version']}").json()


def _predict(client, **body) -> dict:
    response = client.post("/predict", json={"model": "quantile-lstm", **body})
    assert response.status_code == 200, response.text
    return response.json()


def test_quantiles_come_with_the_forecast(client, quantile_model):
    got = _predict(client, inputs=_windows())
    assert got["quantiles"]["levels"] == LEVELS
    point = np.asarray(got["predictions"])
    values = np.asarray(got["quantiles"]["values"])
    assert point.shape == (3, HORIZON, 1) and values.shape == (3, HORIZON, 1, len(LEVELS))
    assert (np.diff(values, axis=-1) >= 0).all(), "quantiles cross"
    assert (values[..., 0] < values[..., 2]).all(), "an interval of zero width"
    np.testing.assert_allclose(values[..., LEVELS.index(0.5)], point, rtol=1e-6, atol=1e-5)
    assert got["timestamps"] is None  # nothing says when the windows end


def test_the_documented_schemas_match_the_fast_path(client, quantile_model):
    """The HTTP edge answers /predict; the OpenAPI schemas (and the SDK) must say the same."""
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["$ref"] == "#/components/schemas/PredictRequest"
    schema = spec["components"]["schemas"]["PredictRequest"]
    assert set(schema["properties"]) == set(PredictRequest.__struct_fields__)
    assert set(schema["required"]) == {"model", "inputs"}
    got = _predict(client, inputs=_windows(batch=1), series_id="north")
    assert set(got) == set(PredictResponse.model_fields)
    assert set(got["quantiles"]) == set(QuantileForecast.model_fields)
    PredictResponse.model_validate(got)


def test_the_version_read_agrees_with_the_manifest(client, quantile_model, pg_settings):
    assert quantile_model["quantiles"] == LEVELS
    store = make_store(pg_settings)
    manifest = Manifest.from_json(store.get(manifest_uri_for(quantile_model["artifact_uri"])))
    read = client.get(f"/models/{quantile_model['model']}/versions/{quantile_model['version']}")
    read = read.json()
    assert read["frequency"] == manifest.frequency == "MS"
    assert read["series"] == list(manifest.series) == list(ROWS)
    assert read["series_count"] == len(ROWS)
    assert read["quantiles"] == manifest.quantiles == LEVELS
    assert read["normalization"] == manifest.normalization["mode"]


def test_series_id_dates_the_forecast_from_the_series_end(client, quantile_model):
    one = _predict(client, inputs=_windows("south", 2), series_id="south")
    assert one["timestamps"] == [_following(_last("south"))] * 2
    each = _predict(client, inputs=_windows(batch=2), series_id=["north", "south"])
    assert each["timestamps"] == [_following(_last("north")), _following(_last("south"))]
    # the series id only dates the forecast: the model is global, the numbers are the same
    plain = _predict(client, inputs=_windows(batch=2))
    assert each["predictions"] == plain["predictions"]


def test_last_timestamp_dates_each_window(client, quantile_model):
    same = _predict(client, inputs=_windows(batch=2), last_timestamp="2030-11-01")
    assert same["timestamps"] == [_following(date(2030, 11, 1))] * 2
    each = _predict(
        client,
        inputs=_windows(batch=2),
        series_id="north",  # a given last_timestamp wins over the series' end
        last_timestamp=["2030-11-01", "1999-01-01"],
    )
    assert each["timestamps"] == [_following(date(2030, 11, 1)), _following(date(1999, 1, 1))]


@pytest.mark.parametrize(
    ("fields", "loc", "expected"),
    [
        ({"series_id": "east"}, ["series_id"], "unknown series 'east'"),
        ({"series_id": ["north", "west"]}, ["series_id", 1], "trained on 'north', 'south'"),
        ({"series_id": ["north"]}, ["series_id"], "has 1 entries for 2 windows"),
        ({"series_id": []}, ["series_id"], "non-empty list"),
        ({"series_id": 7}, ["series_id"], "must be a string"),
        ({"series_id": ["north", None]}, ["series_id", 1], "got `null`"),
        ({"last_timestamp": "soon"}, ["last_timestamp"], "'soon' is not a timestamp"),
        ({"last_timestamp": ["2020-01-01", "x"]}, ["last_timestamp", 1], "'x' is not a"),
        ({"last_timestamp": ["2020-01-01"] * 3}, ["last_timestamp"], "3 entries for 2"),
    ],
)
def test_bad_series_ids_and_timestamps_are_422s(client, quantile_model, fields, loc, expected):
    body = {"model": "quantile-lstm", "inputs": _windows(batch=2), **fields}
    response = client.post("/predict", json=body)
    assert response.status_code == 422, response.text
    (detail,) = response.json()["detail"]
    assert detail["loc"] == ["body", *loc] and expected in detail["msg"], detail


def test_a_point_version_without_timestamps(client, trained_lstm):
    name = trained_lstm["model_version"]["model"]
    s = seasonal_series()
    window = np.column_stack([s["y"], s["x"]])[-24:].tolist()
    got = client.post("/predict", json={"model": name, "inputs": [window]}).json()
    assert got["quantiles"] is None and got["timestamps"] is None
    for field, expected in (
        ("last_timestamp", "was trained without timestamps"),
        ("series_id", "single unnamed series"),
    ):
        body = {"model": name, "inputs": [window], field: "2020-01-01"}
        response = client.post("/predict", json=body)
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"] == ["body", field]
        assert expected in response.json()["detail"][0]["msg"]


def test_batched_quantiles_equal_unbatched(client, quantile_model, pg_settings):
    """The packed [B, H, T, 1 + Q] array is merged and split by the batcher like any other."""
    cache = SessionCache(
        make_store(pg_settings),
        ThreadPoolExecutor(2),
        max_sessions=1,
        max_bytes=1 << 30,
        device="cpu",
        intra_op_threads=1,
        batch_config=BatchConfig(max_batch_size=16, max_queue_delay_ms=20),
    )
    v = quantile_model
    served = cache.get(VersionKey(0, v["artifact_uri"], v["sha256"], "quantile-lstm"))
    rng = np.random.default_rng(0)
    windows = [
        (10 + 3 * rng.standard_normal((1, n, 1))).astype(np.float32) for n in [24, 12, 24, 48] * 6
    ]

    async def burst() -> list[np.ndarray]:
        return await asyncio.gather(*(served.batcher.predict(w) for w in windows))

    for window, packed in zip(windows, asyncio.run(burst()), strict=True):
        got = served.info.unpack(packed)
        point, quantiles = served.session.run(["forecast", "quantiles"], {"inputs": window})
        # a float32 step near 10 is ~1e-6; a row may round differently in a larger batch
        np.testing.assert_allclose(got.point, point, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(got.quantiles, quantiles, rtol=1e-6, atol=1e-6)
    assert served.batcher.batches_run < len(windows) / 3, served.batcher.batches_run


@pytest.fixture(scope="module")
def triton_client(live_url):
    client = triton.InferenceServerClient(live_url.removeprefix("http://"))
    yield client
    client.close()


def test_oip_metadata_lists_the_quantiles_output(triton_client, quantile_model, auth_headers):
    meta = triton_client.get_model_metadata("quantile-lstm", headers=dict(auth_headers))
    assert meta["outputs"] == [
        {"name": "forecast", "datatype": "FP32", "shape": [-1, HORIZON, 1]},
        {"name": "quantiles", "datatype": "FP32", "shape": [-1, HORIZON, 1, len(LEVELS)]},
    ]
    assert meta["parameters"]["quantiles"] == LEVELS and meta["parameters"]["frequency"] == "MS"


@pytest.mark.parametrize("binary", [False, True], ids=["json", "binary"])
def test_tritonclient_gets_both_outputs(
    triton_client, client, quantile_model, auth_headers, binary
):
    x = np.asarray(_windows(), dtype=np.float32)[:, :, None]
    inputs = triton.InferInput("inputs", list(x.shape), "FP32")
    inputs.set_data_from_numpy(x, binary_data=binary)
    outputs = [
        triton.InferRequestedOutput("forecast", binary_data=binary),
        triton.InferRequestedOutput("quantiles", binary_data=not binary),  # mixed on purpose
    ]
    result = triton_client.infer(
        "quantile-lstm", [inputs], outputs=outputs, headers=dict(auth_headers)
    )
    rest = _predict(client, inputs=_windows())
    np.testing.assert_allclose(result.as_numpy("forecast"), rest["predictions"], atol=1e-6)
    np.testing.assert_allclose(result.as_numpy("quantiles"), rest["quantiles"]["values"], atol=1e-6)
    alone = triton_client.infer(  # tritonclient's defaults: every output, binary
        "quantile-lstm", [inputs], headers=dict(auth_headers)
    )
    assert alone.as_numpy("quantiles").shape == (3, HORIZON, 1, len(LEVELS))
    only = triton_client.infer(
        "quantile-lstm",
        [inputs],
        outputs=[triton.InferRequestedOutput("quantiles")],
        headers=dict(auth_headers),
    )
    assert [o["name"] for o in only.get_response()["outputs"]] == ["quantiles"]


def test_oip_refuses_quantiles_of_a_point_version(triton_client, trained_lstm, auth_headers):
    x = np.zeros((1, 24, 2), np.float32)
    inputs = triton.InferInput("inputs", list(x.shape), "FP32")
    inputs.set_data_from_numpy(x)
    with pytest.raises(InferenceServerException, match="unknown output 'quantiles'"):
        triton_client.infer(
            trained_lstm["model_version"]["model"],
            [inputs],
            outputs=[triton.InferRequestedOutput("quantiles")],
            headers=dict(auth_headers),
        )
