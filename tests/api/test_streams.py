"""Streams (issue 7): the server keeps each stream's state, in Redis, with real trained versions.

The invariant: a step-mode stream's forecast after any sequence of observations equals /predict
on the whole history so far (within 1e-5 of the forecast's magnitude), however the history was
split into calls, whichever API instance served each call, and however many observes raced.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import numpy as np
import pytest
import tritonclient.http as triton
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from tritonclient.utils import InferenceServerException

from app.auth.service import Scope
from app.config import Settings
from app.main import create_app
from app.serving.stream_state import MemoryStreamStore, RedisStreamStore, StreamRecord
from tests.support.data import seasonal_series
from tests.support.keys import make_key
from tests.support.servers import REDIS_URL
from tests.support.stack import serve_in_thread, train_and_wait

INPUT_LENGTH = 24
HISTORY = np.column_stack([seasonal_series()["y"], seasonal_series()["x"]]).astype(np.float32)


def assert_matches(got, expected) -> None:
    """Equal within 1e-5 relative to the forecast's magnitude (at least 1), as the step gate."""
    got, expected = np.asarray(got, np.float32), np.asarray(expected, np.float32)
    assert got.shape == expected.shape
    scale = max(1.0, float(np.max(np.abs(expected))))
    assert float(np.max(np.abs(got - expected))) <= 1e-5 * scale, (got, expected)


def predict(client: TestClient | httpx.Client, model: str, version: int, rows) -> np.ndarray:
    body = {"model": model, "version": version, "inputs": [np.asarray(rows).tolist()]}
    response = client.post("/predict", json=body)
    assert response.status_code == 200, response.text
    return np.asarray(response.json()["predictions"][0], np.float32)


def create(client, model: str, **body) -> dict:
    response = client.post("/streams", json={"model": model, **body})
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/streams/{response.json()['id']}"
    return response.json()


def observe(client, stream_id: str, rows) -> dict:
    response = client.post(
        f"/streams/{stream_id}/observe", json={"values": np.asarray(rows).tolist()}
    )
    assert response.status_code == 200, response.text
    return response.json()


def train(client, dataset: dict, name: str, architecture: str, **hyperparameters) -> dict:
    job = train_and_wait(
        client,
        {
            "model_name": name,
            "architecture": architecture,
            "dataset_id": dataset["id"],
            "target_columns": ["y"],
            "feature_columns": ["y", "x"],
            "input_length": INPUT_LENGTH,
            "horizon": 6,
            "hyperparameters": hyperparameters,
        },
    )
    assert job["status"] == "succeeded", job
    return job["model_version"]


LSTM = {"hidden_size": 16, "num_layers": 2, "epochs": 4, "normalization": "global"}


@pytest.fixture(scope="module")
def lstm(client, pg_worker, dataset) -> tuple[str, int]:
    """A 2-layer LSTM with global normalization: it ships a step graph (state [4, 16])."""
    ref = train(client, dataset, f"streams-lstm-{uuid.uuid4().hex[:6]}", "lstm", seed=1, **LSTM)
    return ref["model"], ref["version"]


@pytest.fixture(scope="module")
def lstm_v2(client, dataset, lstm) -> int:
    """A second version of the same model (another seed): the alias test moves between them."""
    return train(client, dataset, lstm[0], "lstm", seed=2, **LSTM)["version"]


@pytest.fixture(scope="module")
def transformer(client, pg_worker, dataset) -> str:
    name = f"streams-transformer-{uuid.uuid4().hex[:6]}"
    train(client, dataset, name, "transformer", d_model=16, nhead=2, dim_feedforward=32, epochs=1)
    return name


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_step_stream_equals_predict_on_the_whole_history(client, lstm, data):
    name, version = lstm
    n = data.draw(st.integers(1, 4 * INPUT_LENGTH), label="history length")
    rows = data.draw(
        arrays(np.float32, (n, 2), elements=st.floats(-30, 50, width=32)), label="history"
    )
    cuts = data.draw(st.sets(st.integers(1, n - 1), max_size=6), label="cuts") if n > 1 else set()
    warm_up = data.draw(st.booleans(), label="first chunk as warm-up history")
    chunks = np.split(rows, sorted(cuts))

    stream = create(
        client, name, version=version, **({"history": chunks[0].tolist()} if warm_up else {})
    )
    assert stream["mode"] == "step" and stream["version"] == version
    seen = len(chunks[0]) if warm_up else 0
    if warm_up:
        assert_matches(stream["forecast"], predict(client, name, version, rows[:seen]))
    else:
        assert stream["forecast"] is None and stream["observations"] == 0
    for chunk in chunks[1:] if warm_up else chunks:
        reply = observe(client, stream["id"], chunk)
        seen += len(chunk)
        assert reply["observations"] == seen and reply["mode"] == "step"
        assert_matches(reply["forecast"], predict(client, name, version, rows[:seen]))
    assert client.delete(f"/streams/{stream['id']}").status_code == 204


def test_stream_reads_and_deletes(client, lstm):
    name = lstm[0]
    latest = max(v["version"] for v in client.get(f"/models/{name}").json()["versions"])
    stream = create(client, name, history=HISTORY[:5].tolist())
    assert stream["version"] == latest  # no version or alias: the latest at creation
    assert stream["feature_columns"] == ["y", "x"] and stream["target_columns"] == ["y"]
    assert len(stream["forecast"]) == 6 and stream["sequence"] == 0
    observe(client, stream["id"], HISTORY[5:7])
    read = client.get(f"/streams/{stream['id']}").json()
    assert read["observations"] == 7 and read["sequence"] == 1 and "forecast" not in read
    assert read["expires_at"] > read["updated_at"] >= read["created_at"]
    assert client.delete(f"/streams/{stream['id']}").status_code == 204
    gone = client.get(f"/streams/{stream['id']}")
    assert gone.status_code == 404 and "never existed" in gone.json()["detail"]
    assert client.delete(f"/streams/{stream['id']}").status_code == 404


def test_flat_rows_need_a_single_feature_model(client, lstm):
    """[rows] is one feature per row: a two-feature model needs [[y, x], ...]."""
    stream = create(client, lstm[0])
    flat = client.post(f"/streams/{stream['id']}/observe", json={"values": [1.0, 2.0]})
    assert flat.status_code == 422 and "2 features per row" in flat.text


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"values": [[1.0, 2.0, 3.0]]}, "2 features per row, got 3 per row"),
        ({"values": [[1.0], [1.0, 2.0]]}, "ragged"),
        ({"values": []}, "empty"),
        ({"values": [[1e39, 1.0]]}, "beyond float32"),
        (b'{"values": [[NaN, 1.0]]}', "NaN"),  # the token many clients write
        ({"values": [[1.0, 2.0]], "extra": 1}, "unknown field"),
        ({}, "required"),
        ({"values": [["a", 1.0]]}, "numbers"),
        (b"[1, 2]", "JSON object"),
        (b"{not json", "not valid JSON"),
    ],
)
def test_bad_observations_are_422_naming_the_field(client, lstm, body, fragment):
    stream = create(client, lstm[0])
    path = f"/streams/{stream['id']}/observe"
    if isinstance(body, bytes):
        response = client.post(path, content=body, headers={"content-type": "application/json"})
    else:
        response = client.post(path, json=body)
    assert response.status_code == 422, response.text
    assert fragment in response.text
    detail = response.json()["detail"][0]
    assert detail["loc"][:2] in (["body", "values"], ["body", "extra"], ["body"])
    after = client.get(f"/streams/{stream['id']}").json()
    assert after["observations"] == 0 and after["sequence"] == 0  # nothing half-written


def test_bad_creates(client, lstm):
    name, version = lstm
    cases = [
        ({"model": "no-such-model"}, 404, "no-such-model"),
        ({"model": name, "version": 999}, 404, "999"),
        ({"model": name, "alias": "nope"}, 404, "nope"),
        ({"model": name, "version": version, "alias": "a"}, 422, "not both"),
        ({"model": name, "history": [[1.0]]}, 422, "history"),
        ({"model": "bad name"}, 422, "model"),
    ]
    for body, status, fragment in cases:
        response = client.post("/streams", json=body)
        assert response.status_code == status, (body, response.text)
        assert fragment in response.text, (body, response.text)
    assert (
        client.post("/streams/not-a-stream/observe", json={"values": [[1, 2]]}).status_code == 404
    )
    assert client.get("/streams/bad%20id").status_code == 422


def test_streams_need_the_predict_scope(pg_settings, lstm):
    reader = make_key(pg_settings, Scope.read, name="streams-reader")
    predictor = make_key(pg_settings, Scope.predict, name="streams-predictor")
    with TestClient(create_app(pg_settings)) as anonymous:
        assert anonymous.post("/streams", json={"model": lstm[0]}).status_code == 401
        refused = anonymous.post(
            "/streams", json={"model": lstm[0]}, headers={"Authorization": f"Bearer {reader}"}
        )
        assert refused.status_code == 403 and "'predict' scope" in refused.text
        allowed = anonymous.post(
            "/streams", json={"model": lstm[0]}, headers={"Authorization": f"Bearer {predictor}"}
        )
        assert allowed.status_code == 201


@pytest.mark.parametrize("kind", ["transformer", "instance-normalized lstm"])
def test_window_mode_runs_the_window_model_on_the_last_input_length_rows(request, client, kind):
    """Versions without a step graph keep the last input_length rows and run the window model."""
    if kind == "transformer":
        name, version = request.getfixturevalue("transformer"), 1
    else:  # the shared LSTM is trained with the default, instance normalization
        ref = request.getfixturevalue("trained_lstm")["model_version"]
        name, version = ref["model"], ref["version"]
    stream = create(client, name, version=version, history=HISTORY[:30].tolist())
    assert stream["mode"] == "window" and stream["observations"] == 30
    assert_matches(stream["forecast"], predict(client, name, version, HISTORY[6:30]))
    short = create(client, name, version=version, history=HISTORY[:5].tolist())
    assert_matches(short["forecast"], predict(client, name, version, HISTORY[:5]))
    reply = observe(client, stream["id"], HISTORY[30:33])
    assert reply["mode"] == "window" and reply["observations"] == 33
    assert_matches(reply["forecast"], predict(client, name, version, HISTORY[9:33]))


def test_stream_stays_pinned_when_its_alias_moves(client, lstm, lstm_v2):
    name, v1 = lstm
    alias = "streaming"
    assert client.put(f"/models/{name}/aliases/{alias}", json={"version": v1}).is_success
    stream = create(client, name, alias=alias, history=HISTORY[:10].tolist())
    assert stream["version"] == v1 and stream["mode"] == "step"
    assert client.put(f"/models/{name}/aliases/{alias}", json={"version": lstm_v2}).is_success
    reply = observe(client, stream["id"], HISTORY[10:12])
    assert reply["version"] == v1
    assert_matches(reply["forecast"], predict(client, name, v1, HISTORY[:12]))
    other = predict(client, name, lstm_v2, HISTORY[:12])
    assert np.max(np.abs(other - np.asarray(reply["forecast"]))) > 1e-3  # v2 really differs
    assert create(client, name, alias=alias)["version"] == lstm_v2  # new streams follow it


def test_api_restart_loses_nothing(pg_settings, auth_headers, lstm):
    name, version = lstm
    with TestClient(create_app(pg_settings), headers=auth_headers) as first:
        stream = create(first, name, version=version, history=HISTORY[:20].tolist())
        observe(first, stream["id"], HISTORY[20:25])
    with TestClient(create_app(pg_settings), headers=auth_headers) as second:  # a new process
        reply = observe(second, stream["id"], HISTORY[25:30])
        assert reply["observations"] == 30 and reply["sequence"] == 2
        assert_matches(reply["forecast"], predict(second, name, version, HISTORY[:30]))


def test_two_api_servers_alternate_on_one_stream(pg_settings, auth_headers, lstm):
    name, version = lstm
    with (
        serve_in_thread(create_app(pg_settings)) as url_a,
        serve_in_thread(create_app(pg_settings)) as url_b,
        httpx.Client(base_url=url_a, headers=auth_headers) as a,
        httpx.Client(base_url=url_b, headers=auth_headers) as b,
    ):
        stream = create(a, name, version=version)
        for i in range(12):
            reply = observe((a, b)[i % 2], stream["id"], HISTORY[3 * i : 3 * i + 3])
            assert reply["observations"] == 3 * i + 3 and reply["sequence"] == i + 1
            assert_matches(reply["forecast"], predict(a, name, version, HISTORY[: 3 * i + 3]))


async def _observe_all(urls: list[str], headers: dict, stream_id: str, n: int) -> list[dict]:
    clients = [httpx.AsyncClient(base_url=u, headers=headers, timeout=30) for u in urls]
    try:
        responses = await asyncio.gather(
            *(
                clients[i % len(clients)].post(
                    f"/streams/{stream_id}/observe", json={"values": [[float(i), 0.5]]}
                )
                for i in range(n)
            )
        )
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    return [r.json() for r in responses]


@pytest.mark.parametrize("servers", [1, 2], ids=["one-server", "two-servers"])
def test_concurrent_observes_are_serialized_never_lost(pg_settings, auth_headers, lstm, servers):
    """N observes at once (across two API instances: the compare-and-set decides): every one
    is applied exactly once, and the order the sequence numbers reveal is the history."""
    name, version = lstm
    n = 16
    with (
        serve_in_thread(create_app(pg_settings)) as url_a,
        serve_in_thread(create_app(pg_settings)) as url_b,
        httpx.Client(base_url=url_a, headers=auth_headers) as a,
    ):
        stream = create(a, name, version=version)
        replies = asyncio.run(_observe_all([url_a, url_b][:servers], auth_headers, stream["id"], n))
        values = [[float(i), 0.5] for i in range(n)]  # gather keeps order: reply i added value i
        order = sorted(range(n), key=lambda i: replies[i]["sequence"])
        assert [replies[i]["sequence"] for i in order] == list(range(1, n + 1))
        assert [replies[i]["observations"] for i in order] == list(range(1, n + 1))
        final = a.get(f"/streams/{stream['id']}").json()
        assert final["observations"] == n and final["sequence"] == n
        for k, i in enumerate(order):  # each forecast is /predict on the history in that order
            history = [values[j] for j in order[: k + 1]]
            assert_matches(replies[i]["forecast"], predict(a, name, version, history))


def test_memory_store_serves_streams_in_this_process_only(pg_settings, auth_headers, lstm):
    """The embedded default's store: the same streams API, in one process (lost on restart)."""
    name, version = lstm
    local = pg_settings.model_copy(update={"streams_url": "memory://"})
    with TestClient(create_app(local), headers=auth_headers) as client:
        stream = create(client, name, version=version, history=HISTORY[:8].tolist())
        reply = observe(client, stream["id"], HISTORY[8:10])
        assert reply["mode"] == "step" and reply["observations"] == 10
        assert_matches(reply["forecast"], predict(client, name, version, HISTORY[:10]))
    with TestClient(create_app(local), headers=auth_headers) as restarted:
        assert restarted.get(f"/streams/{stream['id']}").status_code == 404


def test_stream_expires_after_its_ttl_and_each_observe_refreshes_it(
    pg_settings, auth_headers, lstm
):
    short = pg_settings.model_copy(update={"stream_ttl_seconds": 1.0})
    with TestClient(create_app(short), headers=auth_headers) as client:
        stream = create(client, lstm[0])
        for i in range(3):  # 3 × 0.6 s > 1 s: alive only because each observe refreshes the TTL
            time.sleep(0.6)
            observe(client, stream["id"], HISTORY[i : i + 1])
        time.sleep(1.3)
        gone = client.post(f"/streams/{stream['id']}/observe", json={"values": [[1.0, 2.0]]})
        assert gone.status_code == 404 and "expired" in gone.json()["detail"]


def test_oip_sequence_extension_drives_the_same_streams(live_url, auth_headers, lstm, client):
    name, version = lstm
    triton_client = triton.InferenceServerClient(live_url.removeprefix("http://"))
    sequence_id = int(uuid.uuid4().int % 1_000_000) + 1

    def infer(rows: np.ndarray, **flags) -> np.ndarray:
        x = triton.InferInput("inputs", [1, *rows.shape], "FP32")
        x.set_data_from_numpy(rows[None])
        result = triton_client.infer(
            name,
            [x],
            model_version=str(version),  # pinned at the start; later requests may leave it out
            sequence_id=sequence_id,
            headers=dict(auth_headers),
            **flags,
        )
        return result.as_numpy("forecast")[0]

    try:
        assert "sequence" in triton_client.get_server_metadata()["extensions"]
        first = infer(HISTORY[:10], sequence_start=True)
        assert_matches(first, predict(client, name, version, HISTORY[:10]))
        read = client.get(f"/streams/{name}:{sequence_id}").json()
        assert read["observations"] == 10 and read["mode"] == "step"
        rest = observe(client, f"{name}:{sequence_id}", HISTORY[10:12])  # REST continues it
        assert_matches(rest["forecast"], predict(client, name, version, HISTORY[:12]))
        last = infer(HISTORY[12:15], sequence_end=True)
        assert_matches(last, predict(client, name, version, HISTORY[:15]))
        assert client.get(f"/streams/{name}:{sequence_id}").status_code == 404  # ended
        with pytest.raises(InferenceServerException, match="has not started"):
            infer(HISTORY[:1])
        with pytest.raises(InferenceServerException, match=r"\[1, steps, n_features\]"):
            x = triton.InferInput("inputs", [2, 1, 2], "FP32")
            x.set_data_from_numpy(HISTORY[:2, None])
            triton_client.infer(
                name, [x], sequence_id=sequence_id, sequence_start=True, headers=dict(auth_headers)
            )
    finally:
        triton_client.close()


def _record(stream_id: str, sequence: int = 0, incarnation: str = "a") -> StreamRecord:
    now = time.time()
    return StreamRecord(
        id=stream_id,
        incarnation=incarnation,
        model="m",
        version=1,
        version_id=1,
        mode="step",
        observations=sequence,
        sequence=sequence,
        state=np.full((2, 3), sequence, np.float32),
        created_at=now,
        updated_at=now,
    )


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_store_compare_and_set_and_ttl(kind):
    """Both stores: a write based on a stale read is refused; a replaced stream (same id, new
    incarnation) refuses writes computed on the old one; expiry removes the stream."""

    async def scenario() -> None:
        store = MemoryStreamStore(0.5) if kind == "memory" else RedisStreamStore(REDIS_URL, 0.5)
        stream_id = f"test-{uuid.uuid4().hex}"
        try:
            first = _record(stream_id)
            await store.create(first)
            loaded = await store.get(stream_id)
            assert loaded is not None and loaded.token == first.token
            np.testing.assert_array_equal(loaded.state, first.state)
            assert await store.replace(_record(stream_id, 1), first) is True
            assert await store.replace(_record(stream_id, 1), first) is False  # stale
            await store.create(_record(stream_id, 1, incarnation="b"))  # replaced, same seq
            assert await store.replace(_record(stream_id, 2), _record(stream_id, 1)) is False
            await asyncio.sleep(0.7)
            assert await store.get(stream_id) is None
            assert await store.replace(_record(stream_id, 2), first) is None
            assert await store.delete(stream_id) is False
        finally:
            await store.delete(stream_id)
            await store.close()

    asyncio.run(scenario())


def test_stream_store_follows_the_broker_by_default(tmp_path):
    assert Settings(data_dir=tmp_path).streams_url == "memory://"
    assert Settings(data_dir=tmp_path, broker_url=REDIS_URL).streams_url == REDIS_URL
    explicit = Settings(data_dir=tmp_path, broker_url=REDIS_URL, streams_url="memory://")
    assert explicit.streams_url == "memory://"
    with pytest.raises(ValueError, match="STREAMS_URL"):
        Settings(data_dir=tmp_path, streams_url="postgresql://x")
