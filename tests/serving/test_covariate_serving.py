"""A version with covariates (known-future values, calendar features, static covariates) on the
tiny real ONNX model: SessionCache loads it and feeds every graph input, the adaptive batcher
batches requests that carry extra inputs and splits the results exactly as per-request runs,
and app.serving.known_inputs makes and checks those inputs (every refusal a 422 naming the
field)."""

from __future__ import annotations

import asyncio
import dataclasses

import numpy as np
import pytest

from app.contract import MANIFEST_FILENAME, Manifest, model_artifact_key
from app.covariates import calendar_values
from app.errors import InvalidInput
from app.serving.batcher import BatchConfig
from app.serving.known_inputs import KnownInputs, extra_inputs
from app.serving.series import forecast_timestamps
from app.serving.sessions import ArtifactCorrupt, SessionCache
from tests.support.tiny_model import expected_forecast, store_model

HORIZON = 3
CALENDAR = ("day_of_week", "month")
STATIC = ("size", "region=1", "region=2")
STATIC_VALUES = {"store-1": [10.0, 1.0, 0.0], "store-2": [20.0, 0.0, 1.0]}
SERIES = {"store-1": "2024-06-01", "store-2": "2024-06-03"}


def covariate_model(store, **overrides):
    options = {
        "horizon": HORIZON,
        "quantiles": (0.1, 0.5, 0.9),
        "future_columns": ("promo", "price"),
        "calendar": CALENDAR,
        "static_features": STATIC,
        "static_values": STATIC_VALUES,
        "frequency": "D",
        "series": SERIES,
        **overrides,
    }
    return store_model(store, **options)


def sessions(store, executor, **config) -> SessionCache:
    return SessionCache(
        store,
        executor,
        max_sessions=4,
        max_bytes=1 << 30,
        device="cpu",
        intra_op_threads=1,
        batch_config=BatchConfig(**config),
    )


def request(rows: int, seed: int, length: int = 4) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    rng = np.random.default_rng(seed)
    f = np.float32
    return rng.normal(5, 2, (rows, length, 2)).astype(f), (
        rng.normal(0, 1, (rows, HORIZON, 2)).astype(f),
        rng.integers(0, 7, (rows, HORIZON, len(CALENDAR))).astype(f),
        rng.normal(0, 1, (rows, len(STATIC))).astype(f),
    )


def test_the_session_feeds_every_graph_input(store, executor):
    served = sessions(store, executor).get(covariate_model(store).key)
    info = served.info
    assert info.extra_inputs == ("future", "calendar", "static")
    assert info.future_columns == ("promo", "price") and info.calendar == CALENDAR
    np.testing.assert_array_equal(info.static_values["store-2"], STATIC_VALUES["store-2"])
    x, extras = request(2, seed=1)
    forecast = info.unpack(asyncio.run(served.batcher.predict(x, extras)))
    np.testing.assert_allclose(forecast.point, expected_forecast(x, HORIZON, *extras), rtol=1e-5)
    assert forecast.quantiles is not None and forecast.quantiles.shape == (2, HORIZON, 1, 3)


def test_batched_covariate_requests_equal_per_request_runs(store, executor):
    """Requests with extra inputs batch together (each extra concatenated with the windows along
    the batch axis), windows of one length in one run, and every request gets its own rows."""
    served = sessions(store, executor, max_batch_size=64, max_queue_delay_ms=20).get(
        covariate_model(store, quantiles=()).key
    )
    requests = [
        request(rows, seed, length)
        for seed, (rows, length) in enumerate([(1, 4), (3, 4), (2, 8), (1, 4), (4, 8), (2, 4)])
    ]

    async def burst() -> list[np.ndarray]:
        return await asyncio.gather(*(served.batcher.predict(x, e) for x, e in requests))

    results = asyncio.run(burst())
    for (x, extras), got in zip(requests, results, strict=True):
        alone = served.session.run(
            None, {"inputs": x, "future": extras[0], "calendar": extras[1], "static": extras[2]}
        )[0]
        np.testing.assert_allclose(got, alone, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(got, expected_forecast(x, HORIZON, *extras), rtol=1e-5)
    assert served.batcher.rows_run == sum(len(x) for x, _ in requests)
    assert served.batcher.batches_run == 2  # one run per window length


def test_a_manifest_that_contradicts_the_graph_inputs_is_refused(store, executor):
    stored = covariate_model(store)
    manifest = dataclasses.replace(stored.manifest, calendar=[])
    store.put(f"{model_artifact_key('tiny', 'job-1')}/{MANIFEST_FILENAME}", manifest.to_json())
    with pytest.raises(ArtifactCorrupt, match="graph's inputs"):
        sessions(store, executor).get(stored.key)


def test_static_values_of_the_wrong_width_are_refused(store, executor):
    stored = covariate_model(store)
    doc = Manifest.from_json(stored.manifest.to_json())
    doc.static_values = {"store-1": [1.0]}
    store.put(f"{model_artifact_key('tiny', 'job-1')}/{MANIFEST_FILENAME}", doc.to_json())
    with pytest.raises(ArtifactCorrupt, match="static_values"):
        sessions(store, executor).get(stored.key)


@pytest.fixture
def info(store, executor):
    return sessions(store, executor).get(covariate_model(store).key).info


def _extras(info, windows=2, future="ok", series_id="store-1", last_timestamp=None, **known):
    if isinstance(future, str):
        future = np.zeros((windows, HORIZON, 2), np.float32)
    stamps = None
    if series_id is not None or last_timestamp is not None:
        stamps = forecast_timestamps(series_id, last_timestamp, info, windows, HORIZON, "tiny v1")
    given = KnownInputs(future=future, **known)
    return extra_inputs(info, HORIZON, windows, "tiny v1", given, series_id, stamps)


def test_calendar_and_static_come_from_the_series_and_its_timestamps(info):
    future, calendar, static = _extras(info, series_id=["store-1", "store-2"])
    assert future.shape == (2, HORIZON, 2)
    days = [["2024-06-02", "2024-06-03", "2024-06-04"], ["2024-06-04", "2024-06-05", "2024-06-06"]]
    expected = np.stack([calendar_values(d, CALENDAR) for d in days])
    np.testing.assert_array_equal(calendar, expected)
    np.testing.assert_array_equal(static, [STATIC_VALUES["store-1"], STATIC_VALUES["store-2"]])
    _, dated, _ = _extras(info, series_id="store-2", last_timestamp="2024-12-30")
    np.testing.assert_array_equal(dated[0, :, 1], [12, 1, 1])  # Dec 31, Jan 1, Jan 2


@pytest.mark.parametrize(
    ("case", "loc", "says"),
    [
        ({"future": None}, ("future",), "required"),
        ({"future": np.zeros((2, HORIZON + 1, 2), np.float32)}, ("future",), "horizon"),
        ({"future": np.zeros((2, HORIZON, 3), np.float32)}, ("future",), "2 values per step"),
        ({"future": np.zeros((1, HORIZON, 2), np.float32)}, ("future",), "1 rows for 2 windows"),
        ({"future": np.full((2, HORIZON, 2), np.nan, np.float32)}, ("future",), "NaN"),
        ({"future": np.zeros((2, 2), np.float32)}, ("future",), "2-D"),
        ({"series_id": None}, ("last_timestamp",), "calendar features"),
        ({"series_id": ["store-1", "nope"]}, ("series_id", 1), "unknown series"),
        (
            {"series_id": None, "last_timestamp": "2024-06-01"},
            ("series_id",),
            "static covariates",
        ),
    ],
)
def test_missing_or_wrong_covariates_are_422s_naming_the_field(info, case, loc, says):
    with pytest.raises(InvalidInput) as caught:
        _extras(info, **case)
    assert caught.value.loc == ("body", *loc)
    assert says in caught.value.message


def test_tensors_sent_by_an_oip_client_are_checked_and_asked_for_by_name(info):
    calendar = np.ones((2, HORIZON, 2), np.float32)
    static = np.ones((2, 3), np.float32)
    _, got_calendar, got_static = _extras(
        info, series_id=None, calendar=calendar, static=static, tensors=True
    )
    np.testing.assert_array_equal(got_calendar, calendar)
    np.testing.assert_array_equal(got_static, static)
    with pytest.raises(InvalidInput) as missing:
        _extras(info, series_id=None, static=static, tensors=True)
    assert missing.value.loc == ("body", "calendar")
    with pytest.raises(InvalidInput) as wrong:
        _extras(info, series_id=None, calendar=calendar, static=static[:, :2], tensors=True)
    assert wrong.value.loc == ("body", "static") and "3 values" in wrong.value.message


def test_a_version_without_covariates_refuses_them(store, executor):
    plain = sessions(store, executor).get(store_model(store).key).info
    assert plain.extra_inputs == ()
    for known, loc in [
        (KnownInputs(future=np.zeros((1, HORIZON, 1), np.float32)), "future"),
        (KnownInputs(calendar=np.zeros((1, HORIZON, 1), np.float32)), "calendar"),
        (KnownInputs(static=np.zeros((1, 1), np.float32)), "static"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            extra_inputs(plain, HORIZON, 1, "tiny v1", known, None, None)
        assert caught.value.loc == ("body", loc) and "leave" in caught.value.message
    assert extra_inputs(plain, HORIZON, 1, "tiny v1", None, None, None) == ()
