"""Known-future, calendar and static covariates through every transport (issue 15), on tiny real
ONNX models registered in the session's database (tests/support/tiny_model.py; no training):
/predict with `future`, the calendar computed from the forecast's own timestamps and the static
covariates looked up by `series_id`; every new 4xx; concurrent covariate requests batched
together equal per-request answers; the Open Inference Protocol's metadata and infer (by the real
tritonclient) with the extra input tensors; streams and OIP sequences on such a version.

The tiny model's forecast is the window's mean of `y` plus, per step, the sum of the future and
calendar values, plus the sum of the series' static values: every part of the answer is checked.
"""

from __future__ import annotations

import asyncio
import uuid

import httpx
import numpy as np
import pytest
import tritonclient.http as triton
from prometheus_client import REGISTRY
from tritonclient.utils import InferenceServerException

from app.artifacts import make_store
from app.covariates import calendar_values
from app.db import make_engine, make_sessionmaker
from app.serving.dataplane import INLINE_CALENDAR_STEPS
from tests.support.registry_db import register
from tests.support.tiny_model import expected_forecast, store_model

HORIZON = 3
CALENDAR = ("day_of_week", "month")
STATIC = ("size", "region=1", "region=2")
STATIC_VALUES = {"store-1": [10.0, 1.0, 0.0], "store-2": [20.0, 0.0, 1.0]}
SERIES = {"store-1": "2024-06-01", "store-2": "2024-06-03"}
DAYS = {  # the forecast's days after each series' end
    "store-1": ["2024-06-02", "2024-06-03", "2024-06-04"],
    "store-2": ["2024-06-04", "2024-06-05", "2024-06-06"],
}
WINDOWS = np.array(
    [
        [[1.0, 0.5], [2.0, 0.5], [3.0, 0.5], [4.0, 0.5]],
        [[5.0, 1.0], [5.0, 1.0], [8.0, 1.0], [2.0, 1.0]],
    ],
    np.float32,
)
FUTURE = np.array(
    [[[1.0, 9.5], [0.0, 9.5], [1.0, 8.0]], [[0.0, 7.0], [0.0, 7.0], [1.0, 6.0]]], np.float32
)


def _register(settings, name: str, **covariates) -> str:
    stored = store_model(
        make_store(settings),
        model=name,
        job_id=uuid.uuid4().hex,
        horizon=HORIZON,
        frequency="D",
        series=SERIES,
        **covariates,
    )
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            register(session, name, stored)
            session.commit()
    finally:
        engine.dispose()
    return name


@pytest.fixture(scope="module")
def full(pg_settings) -> str:
    """A version with all three kinds of covariates."""
    return _register(
        pg_settings,
        f"cov-full-{uuid.uuid4().hex[:6]}",
        future_columns=("promo", "price"),
        calendar=CALENDAR,
        static_features=STATIC,
        static_values=STATIC_VALUES,
    )


@pytest.fixture(scope="module")
def future_only(pg_settings) -> str:
    return _register(
        pg_settings, f"cov-future-{uuid.uuid4().hex[:6]}", future_columns=("promo", "price")
    )


@pytest.fixture(scope="module")
def plain(pg_settings) -> str:
    return _register(pg_settings, f"cov-plain-{uuid.uuid4().hex[:6]}")


def expected(series: list[str], windows=WINDOWS, future=FUTURE) -> np.ndarray:
    calendar = np.stack([calendar_values(DAYS[s], CALENDAR) for s in series])
    static = np.array([STATIC_VALUES[s] for s in series], np.float32)
    return expected_forecast(windows, HORIZON, future, calendar, static)


def predict(client, **body):
    return client.post("/predict", json=body)


def test_predict_with_future_calendar_and_static(client, full):
    series = ["store-1", "store-2"]
    response = predict(
        client, model=full, inputs=WINDOWS.tolist(), future=FUTURE.tolist(), series_id=series
    )
    assert response.status_code == 200, response.text
    doc = response.json()
    assert doc["timestamps"] == [DAYS["store-1"], DAYS["store-2"]]
    np.testing.assert_allclose(doc["predictions"], expected(series), rtol=1e-5)


def test_last_timestamp_dates_the_calendar(client, full):
    response = predict(
        client,
        model=full,
        inputs=WINDOWS[:1].tolist(),
        future=FUTURE[:1].tolist(),
        series_id="store-2",
        last_timestamp="2024-12-30",
    )
    assert response.status_code == 200, response.text
    days = ["2024-12-31", "2025-01-01", "2025-01-02"]
    calendar = calendar_values(days, CALENDAR)[None]
    static = np.array([STATIC_VALUES["store-2"]], np.float32)
    want = expected_forecast(WINDOWS[:1], HORIZON, FUTURE[:1], calendar, static)
    np.testing.assert_allclose(response.json()["predictions"], want, rtol=1e-5)


def test_future_only_with_one_column_may_be_flat(client, pg_settings):
    name = _register(pg_settings, f"cov-one-{uuid.uuid4().hex[:6]}", future_columns=("promo",))
    response = predict(client, model=name, inputs=WINDOWS[:1].tolist(), future=[[1.0, 2.0, 3.0]])
    assert response.status_code == 200, response.text
    want = expected_forecast(WINDOWS[:1], HORIZON, np.array([[[1.0], [2.0], [3.0]]]))
    np.testing.assert_allclose(response.json()["predictions"], want, rtol=1e-5)


def _bad(**changes) -> dict:
    body = {"inputs": WINDOWS.tolist(), "future": FUTURE.tolist(), "series_id": "store-1"}
    return {k: v for k, v in {**body, **changes}.items() if v is not None}


@pytest.mark.parametrize(
    ("body", "loc", "says"),
    [
        (_bad(future=None), ["body", "future"], "required"),
        (_bad(future=FUTURE[:, :2].tolist()), ["body", "future"], "horizon"),
        (_bad(future=FUTURE[:, :, :1].tolist()), ["body", "future"], "2 values per step"),
        (_bad(future=FUTURE[:1].tolist()), ["body", "future"], "1 rows for 2 windows"),
        (_bad(future=[[[1, 2]] * 3, [[1, 2], [1, 2], [1]]]), ["body", "future"], "rectangular"),
        (_bad(future=[[["x", 1]] * 3] * 2), ["body", "future", 0, 0, 0], "only numbers"),
        (
            b'{"model": "MODEL", "inputs": %s, "future": [[[NaN, 1], [1, 1], [1, 1]], '
            b'[[1, 1], [1, 1], [1, 1]]], "series_id": "store-1"}' % str(WINDOWS.tolist()).encode(),
            ["body", "future"],
            "NaN",
        ),
        (_bad(series_id=None), ["body", "last_timestamp"], "calendar features"),
        (_bad(series_id=["store-1", "nope"]), ["body", "series_id", 1], "unknown series"),
        (
            _bad(series_id=None, last_timestamp="2024-06-01"),
            ["body", "series_id"],
            "static covariates",
        ),
    ],
)
def test_every_covariate_refusal_is_a_422_naming_the_field(client, full, body, loc, says):
    if isinstance(body, bytes):
        response = client.post(
            "/predict",
            content=body.replace(b"MODEL", full.encode()),
            headers={"content-type": "application/json"},
        )
    else:
        response = predict(client, model=full, **body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"][0]
    assert detail["loc"] == loc, detail
    assert says in detail["msg"], detail


def test_future_is_refused_by_a_version_without_future_columns(client, plain):
    response = predict(client, model=plain, inputs=WINDOWS.tolist(), future=FUTURE.tolist())
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", "future"] and "no known-future columns" in detail["msg"]
    plain_answer = predict(client, model=plain, inputs=WINDOWS.tolist())
    assert plain_answer.status_code == 200  # and the version serves without it


async def _concurrently(url: str, bodies: list[dict], headers: dict) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as http:
        return await asyncio.gather(*(http.post("/predict", json=b) for b in bodies))


def test_concurrent_covariate_requests_batch_and_equal_their_own_answers(
    client, live_url, full, auth_headers
):
    settings = {"max_batch_size": 64, "max_queue_delay_ms": 200}
    assert client.put(f"/models/{full}/serving", json=settings).status_code == 200
    rng = np.random.default_rng(7)
    bodies, wants = [], []
    for i in range(12):
        rows = 1 + i % 3
        windows = rng.normal(5, 2, (rows, 4 + 4 * (i % 2), 2)).astype(np.float32)
        future = rng.normal(0, 1, (rows, HORIZON, 2)).astype(np.float32)
        series = [("store-1", "store-2")[(i + r) % 2] for r in range(rows)]
        bodies.append(
            {
                "model": full,
                "inputs": windows.tolist(),
                "future": future.tolist(),
                "series_id": series,
            }
        )
        wants.append(expected(series, windows, future))
    labels = {"model": full, "version": "1"}

    def batches() -> tuple[float, float]:
        """(rows, runs) of the version so far (earlier tests ran it too)."""
        rows = REGISTRY.get_sample_value("seqcast_batch_size_sum", labels) or 0.0
        return rows, REGISTRY.get_sample_value("seqcast_batch_size_count", labels) or 0.0

    rows_before, runs_before = batches()
    try:
        responses = asyncio.run(_concurrently(live_url, bodies, auth_headers))
    finally:
        client.put(f"/models/{full}/serving", json={})
    for response, want in zip(responses, wants, strict=True):
        assert response.status_code == 200, response.text
        np.testing.assert_allclose(response.json()["predictions"], want, rtol=1e-5, atol=1e-5)
    rows_after, runs_after = batches()
    rows, runs = rows_after - rows_before, runs_after - runs_before
    assert rows == sum(len(b["inputs"]) for b in bodies), (rows, runs)
    assert runs < len(bodies), (rows, runs)  # fewer runs than requests: batched


@pytest.fixture(scope="module")
def triton_client(live_url):
    client = triton.InferenceServerClient(live_url.removeprefix("http://"))
    yield client
    client.close()


def test_oip_metadata_lists_every_input(triton_client, full, future_only, auth_headers):
    meta = triton_client.get_model_metadata(full, headers=auth_headers)
    assert meta["inputs"] == [
        {"name": "inputs", "datatype": "FP32", "shape": [-1, -1, 2]},
        {"name": "future", "datatype": "FP32", "shape": [-1, HORIZON, 2]},
        {"name": "calendar", "datatype": "FP32", "shape": [-1, HORIZON, 2]},
        {"name": "static", "datatype": "FP32", "shape": [-1, 3]},
    ]
    assert meta["parameters"]["future_columns"] == ["promo", "price"]
    assert meta["parameters"]["calendar"] == list(CALENDAR)
    assert meta["parameters"]["static_features"] == list(STATIC)
    names = [
        i["name"]
        for i in triton_client.get_model_metadata(future_only, headers=auth_headers)["inputs"]
    ]
    assert names == ["inputs", "future"]


def _tensor(name: str, array: np.ndarray, binary: bool) -> triton.InferInput:
    tensor = triton.InferInput(name, list(array.shape), "FP32")
    tensor.set_data_from_numpy(np.ascontiguousarray(array, np.float32), binary_data=binary)
    return tensor


@pytest.mark.parametrize("binary", [False, True], ids=["json", "binary"])
def test_tritonclient_infers_with_the_extra_inputs(
    triton_client, client, full, binary, auth_headers
):
    series = ["store-1", "store-2"]
    calendar = np.stack([calendar_values(DAYS[s], CALENDAR) for s in series])
    static = np.array([STATIC_VALUES[s] for s in series], np.float32)
    inputs = [
        _tensor("inputs", WINDOWS, binary),
        _tensor("future", FUTURE, binary),
        _tensor("calendar", calendar, not binary),  # mixed: JSON and binary in one request
        _tensor("static", static, binary),
    ]
    result = triton_client.infer(full, inputs, headers=dict(auth_headers))
    forecast = result.as_numpy("forecast")
    np.testing.assert_allclose(forecast, expected(series), rtol=1e-5)
    by_predict = predict(
        client, model=full, inputs=WINDOWS.tolist(), future=FUTURE.tolist(), series_id=series
    )
    np.testing.assert_allclose(forecast, by_predict.json()["predictions"], atol=1e-6)


def test_tritonclient_errors_name_the_missing_or_wrong_tensor(
    triton_client, full, plain, auth_headers
):
    headers = dict(auth_headers)
    with pytest.raises(InferenceServerException, match="future: required"):
        triton_client.infer(full, [_tensor("inputs", WINDOWS, True)], headers=dict(headers))
    with pytest.raises(InferenceServerException, match="calendar: required"):
        triton_client.infer(
            full,
            [_tensor("inputs", WINDOWS, True), _tensor("future", FUTURE, True)],
            headers=dict(headers),
        )
    with pytest.raises(InferenceServerException, match="future: expected 3 steps"):
        triton_client.infer(
            full,
            [_tensor("inputs", WINDOWS, True), _tensor("future", FUTURE[:, :2], True)],
            headers=dict(headers),
        )
    with pytest.raises(InferenceServerException, match="no known-future columns"):
        triton_client.infer(
            plain,
            [_tensor("inputs", WINDOWS, True), _tensor("future", FUTURE, True)],
            headers=dict(headers),
        )
    with pytest.raises(InferenceServerException, match="listed twice"):
        triton_client.infer(
            full,
            [_tensor("inputs", WINDOWS, True), _tensor("inputs", WINDOWS, True)],
            headers=dict(headers),
        )


def test_a_stream_of_a_covariate_version(client, full):
    """Window mode (no step graph); each observe carries `future`; the stream's series gives
    the static covariates and, stepped one day per observation, the calendar."""
    history = WINDOWS[1].tolist()
    created = client.post(
        "/streams",
        json={
            "model": full,
            "history": history,
            "series_id": "store-2",
            "future": FUTURE[1].tolist(),
        },
    )
    assert created.status_code == 201, created.text
    doc = created.json()
    assert doc["mode"] == "window" and doc["series_id"] == "store-2"
    assert doc["last_timestamp"] == "2024-06-03" and doc["timestamps"] == DAYS["store-2"]
    np.testing.assert_allclose(
        doc["forecast"], expected(["store-2"], WINDOWS[1:], FUTURE[1:])[0], rtol=1e-5
    )

    new = [[6.0, 1.0], [7.0, 1.0]]
    observed = client.post(
        f"/streams/{doc['id']}/observe", json={"values": new, "future": FUTURE[0].tolist()}
    )
    assert observed.status_code == 200, observed.text
    after = observed.json()
    days = ["2024-06-06", "2024-06-07", "2024-06-08"]
    assert after["last_timestamp"] == "2024-06-05" and after["timestamps"] == days
    window = np.array(history + new, np.float32)[-4:][None]
    calendar = calendar_values(days, CALENDAR)[None]
    static = np.array([STATIC_VALUES["store-2"]], np.float32)
    want = expected_forecast(window, HORIZON, FUTURE[:1], calendar, static)[0]
    np.testing.assert_allclose(after["forecast"], want, rtol=1e-5)

    missing = client.post(f"/streams/{doc['id']}/observe", json={"values": new})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "future"]
    short = client.post(
        f"/streams/{doc['id']}/observe", json={"values": new, "future": FUTURE[0, :2].tolist()}
    )
    assert short.status_code == 422 and "horizon" in short.json()["detail"][0]["msg"]
    assert client.get(f"/streams/{doc['id']}").json()["observations"] == 6  # refusals wrote nothing


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"last_timestamp": "2024-06-01"}, ["body", "series_id"]),
        ({"series_id": "nope"}, ["body", "series_id"]),
        ({}, ["body", "last_timestamp"]),
    ],
)
def test_a_covariate_stream_must_name_its_series_and_be_dated(client, full, body, loc):
    response = client.post("/streams", json={"model": full, **body})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == loc


def test_future_on_a_stream_of_a_plain_version_is_refused(client, plain):
    stream = client.post("/streams", json={"model": plain}).json()
    response = client.post(
        f"/streams/{stream['id']}/observe", json={"values": [[1.0, 2.0]], "future": [[1.0]] * 3}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "future"]


def test_an_oip_sequence_of_a_covariate_version(live_url, full, auth_headers):
    calendar = calendar_values(DAYS["store-1"], CALENDAR)[None]
    static = np.array([STATIC_VALUES["store-1"]], np.float32)

    def tensor(name: str, array: np.ndarray) -> dict:
        return {
            "name": name,
            "datatype": "FP32",
            "shape": list(array.shape),
            "data": array.reshape(-1).tolist(),
        }

    sequence = uuid.uuid4().hex[:8]
    body = {
        "inputs": [
            tensor("inputs", WINDOWS[:1]),
            tensor("future", FUTURE[:1]),
            tensor("calendar", calendar),
            tensor("static", static),
        ],
        "parameters": {"sequence_id": sequence, "sequence_start": True},
    }
    response = httpx.post(f"{live_url}/v2/models/{full}/infer", json=body, headers=auth_headers)
    assert response.status_code == 200, response.text
    forecast = np.asarray(response.json()["outputs"][0]["data"], np.float32).reshape(1, HORIZON, 1)
    want = expected_forecast(WINDOWS[:1], HORIZON, FUTURE[:1], calendar, static)
    np.testing.assert_allclose(forecast, want, rtol=1e-5)
    body["inputs"] = body["inputs"][:1]
    body["parameters"] = {"sequence_id": sequence, "sequence_end": True}
    missing = httpx.post(f"{live_url}/v2/models/{full}/infer", json=body, headers=auth_headers)
    assert missing.status_code == 400 and "future: required" in missing.json()["error"]


def test_a_large_calendar_request_is_computed_off_the_loop_alike(client, full):
    """Past INLINE_CALENDAR_STEPS forecast steps, dates and calendar features are computed in a
    thread: the same answer, and its refusals are still 422s."""
    windows = 700  # × HORIZON 3 = 2,100 steps
    assert windows * HORIZON > INLINE_CALENDAR_STEPS
    x = np.broadcast_to(WINDOWS[:1], (windows, 4, 2))
    future = np.broadcast_to(FUTURE[:1], (windows, HORIZON, 2))
    lasts = [f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(windows)]
    body = {"model": full, "inputs": x.tolist(), "future": future.tolist(), "series_id": "store-1"}
    response = predict(client, **body, last_timestamp=lasts)
    assert response.status_code == 200, response.text
    days = response.json()["timestamps"]
    calendar = np.stack([calendar_values(d, CALENDAR) for d in days])
    static = np.array([STATIC_VALUES["store-1"]] * windows, np.float32)
    want = expected_forecast(x, HORIZON, future, calendar, static)
    np.testing.assert_allclose(response.json()["predictions"], want, rtol=1e-5)
    refused = predict(client, **body, last_timestamp=[*lasts[:-1], "not a date"])
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "last_timestamp", windows - 1]
