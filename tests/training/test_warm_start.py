"""Warm start (issue 16 item 2) with a real worker: a version keeps its weights, a `from_version`
job starts from them (its predictions before any learning are the parent's), a contract change
is a 422 naming the field and both values, a version without weights is a 409, and a refresh
warm-starts the version an alias points at, recording its policy, trigger and lineage, on the
dataset's newest revision. Unit tests of the worker's side (warm_config, warm_net, fit's
keep_initial) need no worker."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
import torch

from app.artifacts import make_store
from app.contract import model_artifact_key, split_plan
from app.training.schemas import Hyperparameters
from tests.support.data import seasonal_series
from tests.support.registry_db import register
from tests.support.stack import train_and_wait, wait_for_job
from tests.support.tiny_model import store_model
from workers.training.data import TrainingData, prepare
from workers.training.export import save_checkpoint
from workers.training.loop import fit, seed_everything, validation_loss
from workers.training.nets import build_net, net_config
from workers.training.warm import WarmStartMismatch, load_weights, warm_config, warm_net

PARENT_HP = {"hidden_size": 8, "num_layers": 1, "epochs": 12, "seed": 3}


def _data(n_rows: int, input_length: int = 24) -> TrainingData:
    t = np.arange(n_rows)
    y = 50 + 10 * np.sin(2 * np.pi * t / 12) + 0.1 * np.random.default_rng(0).normal(size=n_rows)
    plan = split_plan(n_rows, input_length, 6, 0.2)
    return prepare(y[:, None], ["y"], ["y"], ["y"], plan, torch.device("cpu"))


def _stored_parent(tmp_path, data: TrainingData) -> tuple[dict, object]:
    """A trained network written and read back as the worker stores a version's weights."""
    hp = Hyperparameters(hidden_size=8, num_layers=1, epochs=3, seed=1)
    cfg = net_config("gru", hp, data, horizon=6, season=12)
    seed_everything(1)
    net = build_net(cfg)
    fit(net, data, epochs=3, batch_size=16, learning_rate=3e-3, early_stopping_patience=0, seed=1)
    save_checkpoint(net, cfg, tmp_path / "weights.pt")
    return load_weights((tmp_path / "weights.pt").read_bytes()), net


def test_warm_net_is_the_parent_with_its_statistics(tmp_path):
    """On longer data (other statistics) the warm network still forecasts as the parent: the
    parent's normalization statistics are kept; the new data's are taken only when asked."""
    checkpoint, parent = _stored_parent(tmp_path, _data(200))
    longer = _data(220)
    hp = Hyperparameters(hidden_size=8, num_layers=1, dropout=0.0)
    fresh = net_config("gru", hp, longer, horizon=6, season=12)
    net = warm_net(checkpoint, warm_config(checkpoint, fresh)).eval()
    window = longer.x_val[:4]
    with torch.no_grad():
        torch.testing.assert_close(net(window), parent.eval()(window))
    np.testing.assert_allclose(net.feature_mean, checkpoint["config"]["feature_mean"], 1e-6)
    re_estimated = warm_config(checkpoint, fresh, keep_statistics=False)
    assert re_estimated.feature_mean == fresh.feature_mean != checkpoint["config"]["feature_mean"]
    wider = net_config("gru", hp.model_copy(update={"hidden_size": 16}), longer, horizon=6)
    with pytest.raises(WarmStartMismatch, match="hidden_size was 8, the data gives 16"):
        warm_config(checkpoint, wider)


def test_fit_keeps_the_loaded_weights_when_no_epoch_beats_them(tmp_path):
    """A warm start whose training only makes validation worse (here a learning rate that
    wrecks the network) returns the loaded weights, best_epoch 0."""
    data = _data(220)
    checkpoint, _ = _stored_parent(tmp_path, _data(200))
    fresh = net_config("gru", Hyperparameters(hidden_size=8, num_layers=1), data, horizon=6)
    net = warm_net(checkpoint, warm_config(checkpoint, fresh))
    loaded = validation_loss(net, data, 16)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    options = dict(epochs=3, batch_size=16, early_stopping_patience=0, seed=0)
    result = fit(net, data, learning_rate=5.0, keep_initial=True, **options)
    assert result.best_epoch == 0 and result.best_val_loss == loaded
    assert all(h.val_loss > loaded for h in result.history)
    for name, value in net.state_dict().items():
        torch.testing.assert_close(value, before[name])


@pytest.fixture(scope="module")
def parent(client, pg_worker, dataset) -> dict:
    """Version 1 of a small LSTM, trained from scratch."""
    name = f"warm-{uuid.uuid4().hex[:8]}"
    job = train_and_wait(
        client,
        {
            "model_name": name,
            "architecture": "lstm",
            "dataset_id": dataset["id"],
            "target_columns": ["y"],
            "feature_columns": ["y", "x"],
            "input_length": 24,
            "horizon": 6,
            "hyperparameters": PARENT_HP,
        },
    )
    assert job["status"] == "succeeded", job
    return job


def _window(dataset_rows: int = 24) -> list[list[list[float]]]:
    t = np.arange(dataset_rows)
    y = 10 + 3 * np.sin(2 * np.pi * t / 12)
    return [np.stack([y, np.cos(t)], axis=1).tolist()]


def _forecast(client, model: str, version: int) -> np.ndarray:
    response = client.post(
        "/predict", json={"model": model, "version": version, "inputs": _window()}
    )
    assert response.status_code == 200, response.text
    return np.asarray(response.json()["predictions"])


def test_a_version_keeps_its_weights(client, pg_settings, parent):
    name = parent["model_name"]
    read = client.get(f"/models/{name}/versions/1").json()
    assert read["weights_uri"] and read["weights_uri"].endswith("/weights.pt")
    assert read["parent"] is None
    assert make_store(pg_settings).exists(read["weights_uri"])


def test_from_version_starts_from_the_parents_weights(client, parent):
    """With a learning rate that moves nothing, the warm-started version forecasts exactly as
    its parent (fit and refit both start from the loaded weights); a from-scratch network with
    the same seed would not."""
    name = parent["model_name"]
    job = train_and_wait(
        client,
        {
            "model_name": name,
            "from_version": {"model": name, "version": 1},
            "hyperparameters": {"epochs": 1, "learning_rate": 1e-12},
        },
    )
    assert job["status"] == "succeeded", job
    assert job["architecture"] == "lstm"
    assert job["spec"]["horizon"] == 6 and job["spec"]["input_length"] == 24
    assert job["spec"]["warm_start"]["version"] == 1
    assert job["spec"]["hyperparameters"]["hidden_size"] == 8
    version = job["model_version"]["version"]
    read = client.get(f"/models/{name}/versions/{version}").json()
    assert read["parent"] == {"model": name, "version": 1}
    assert read["weights_uri"] != client.get(f"/models/{name}/versions/1").json()["weights_uri"]
    np.testing.assert_allclose(_forecast(client, name, version), _forecast(client, name, 1), 1e-4)
    # Its one epoch's validation loss is the parent's trained model's, far below what the
    # parent's own first epoch from scratch reached.
    assert job["history"][0]["val_loss"] < 0.8 * parent["history"][0]["val_loss"]


@pytest.mark.parametrize(
    ("change", "loc", "values"),
    [
        ({"horizon": 12}, ["body", "horizon"], ("12", "6")),
        ({"input_length": 36}, ["body", "input_length"], ("36", "24")),
        ({"feature_columns": ["y"]}, ["body", "feature_columns"], ("['y']", "['y', 'x']")),
        ({"architecture": "gru"}, ["body", "architecture"], ("'gru'", "'lstm'")),
        (
            {"hyperparameters": {"hidden_size": 16}},
            ["body", "hyperparameters", "hidden_size"],
            ("16", "8"),
        ),
        ({"quantiles": [0.1, 0.9]}, ["body", "quantiles"], ("[0.1, 0.5, 0.9]", "[]")),
    ],
)
def test_a_contract_change_is_a_422_naming_the_field(client, parent, change, loc, values):
    name = parent["model_name"]
    body = {"model_name": name, "from_version": {"model": name, "version": 1}, **change}
    response = client.post("/train", json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"][0]
    assert detail["loc"] == loc, detail
    for value in values:
        assert value in detail["msg"], detail


def test_training_hyperparameters_may_change_and_a_missing_version_is_named(client, parent):
    name = parent["model_name"]
    missing = client.post(
        "/train", json={"model_name": name, "from_version": {"model": name, "version": 99}}
    )
    assert missing.status_code == 422, missing.text
    assert missing.json()["detail"][0]["loc"] == ["body", "from_version"]
    assert "no version 99" in missing.json()["detail"][0]["msg"]
    plain = client.post("/train", json={"model_name": name, "dataset_id": parent["dataset_id"]})
    assert plain.status_code == 422, plain.text  # without from_version: architecture, horizon


def test_a_version_without_weights_is_a_409(pg_settings, db_session, isolated_client):
    model = f"weightless-{uuid.uuid4().hex[:8]}"
    stored = store_model(make_store(pg_settings), model=model, job_id=uuid.uuid4().hex)
    register(db_session, model, stored)  # registered as versions were before they kept weights
    db_session.commit()
    trained = isolated_client.post(
        "/train", json={"model_name": model, "from_version": {"model": model, "version": 1}}
    )
    assert trained.status_code == 409, trained.text
    assert "no stored weights" in trained.json()["detail"]
    isolated_client.put(f"/models/{model}/aliases/production", json={"version": 1})
    refreshed = isolated_client.post(f"/models/{model}/refresh", json={})
    assert refreshed.status_code == 409, refreshed.text


def test_refresh_warm_starts_the_aliased_version(client, parent):
    name = parent["model_name"]
    unset = client.post(f"/models/{name}/refresh", json={"alias": "staging"})
    assert unset.status_code == 404 and "'staging'" in unset.json()["detail"], unset.text
    moved = client.put(f"/models/{name}/aliases/staging", json={"version": 1})
    assert moved.status_code == 200, moved.text
    body = {"alias": "staging", "promote": "never", "epochs": 3, "hyperparameters": {"seed": 5}}
    headers = {"Idempotency-Key": f"refresh-{name}"}
    first = client.post(f"/models/{name}/refresh", json=body, headers=headers)
    assert first.status_code == 202, first.text
    again = client.post(f"/models/{name}/refresh", json=body, headers=headers)
    assert again.json()["id"] == first.json()["id"]
    assert first.headers["location"] == f"/jobs/{first.json()['id']}"
    queued = first.json()
    assert queued["promote"] == "never"
    assert queued["trigger"] == {"kind": "refresh", "alias": "staging"}
    assert queued["spec"]["warm_start"]["version"] == 1
    assert queued["spec"]["hyperparameters"]["epochs"] == 3
    assert queued["spec"]["hyperparameters"]["seed"] == 5
    job = wait_for_job(client, queued["id"])
    assert job["status"] == "succeeded", job
    assert job["trigger"] == {"kind": "refresh", "alias": "staging"}
    version = job["model_version"]["version"]
    read = client.get(f"/models/{name}/versions/{version}").json()
    assert read["parent"] == {"model": name, "version": 1}
    assert job["history"][0]["val_loss"] < 0.8 * parent["history"][0]["val_loss"]
    assert client.get(f"/models/{name}").json()["aliases"]["staging"] == 1  # promote: never


def test_refresh_refuses_a_structural_override(client, parent):
    name = parent["model_name"]
    client.put(f"/models/{name}/aliases/production", json={"version": 1})
    response = client.post(f"/models/{name}/refresh", json={"hyperparameters": {"num_layers": 2}})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "hyperparameters", "num_layers"]
    unknown = client.post(f"/models/{name}/refresh", json={"hyperparameters": {"bogus": 1}})
    assert unknown.status_code == 422, unknown.text
    assert unknown.json()["detail"][0]["loc"] == ["body", "hyperparameters", "bogus"]


def test_a_refresh_trains_on_the_newest_revision(client, pg_worker):
    """Rows appended after the parent was trained: the refresh's version records the new
    revision (the default dataset is the parent's, at its newest)."""
    columns = seasonal_series(220, seed=4)
    uploaded = client.post("/datasets", json={"name": "warm-append", "columns": columns})
    assert uploaded.status_code == 201, uploaded.text
    dataset_id = uploaded.json()["id"]
    name = f"warm-append-{uuid.uuid4().hex[:8]}"
    first = train_and_wait(
        client,
        {
            "model_name": name,
            "architecture": "gru",
            "dataset_id": dataset_id,
            "target_columns": ["y"],
            "input_length": 24,
            "horizon": 6,
            "hyperparameters": {**PARENT_HP, "epochs": 3, "refit": False},
        },
    )
    assert first["status"] == "succeeded", first
    more = {k: v[-22:] for k, v in seasonal_series(242, seed=4).items()}
    appended = client.post(f"/datasets/{dataset_id}/rows", json={"columns": more})
    assert appended.status_code == 201 and appended.json()["revision"] == 2, appended.text
    client.put(f"/models/{name}/aliases/production", json={"version": 1})
    queued = client.post(f"/models/{name}/refresh", json={"epochs": 2})
    assert queued.status_code == 202, queued.text
    job = wait_for_job(client, queued.json()["id"])
    assert job["status"] == "succeeded", job
    assert job["dataset_id"] == dataset_id
    read = client.get(f"/models/{name}/versions/2").json()
    assert read["dataset_revision"] == 2 and read["parent"] == {"model": name, "version": 1}
    assert client.get(f"/models/{name}/versions/1").json()["dataset_revision"] == 1


def test_an_auto_version_keeps_weights_and_warm_starts(client, pg_worker, pg_settings, dataset):
    """The auto job's registered candidate keeps its weights (the others' are deleted), and a
    warm start from it trains the chosen candidate's architecture and hyperparameters."""
    name = f"warm-auto-{uuid.uuid4().hex[:8]}"
    job = train_and_wait(
        client,
        {
            "model_name": name,
            "architecture": "auto",
            "auto": {"candidates": ["rnn", "gru"]},
            "dataset_id": dataset["id"],
            "target_columns": ["y"],
            "input_length": 24,
            "horizon": 6,
            "hyperparameters": {**PARENT_HP, "epochs": 2, "refit": False},
        },
    )
    assert job["status"] == "succeeded", job
    read = client.get(f"/models/{name}/versions/1").json()
    store = make_store(pg_settings)
    assert store.exists(read["weights_uri"])
    chosen = [c["id"] for c in job["candidates"] if c["selected"]]
    assert read["weights_uri"].endswith(f"{model_artifact_key(name, chosen[0])}/weights.pt")
    losers = [c["id"] for c in job["candidates"] if not c["selected"]]
    assert losers and not any(
        store.exists(f"{model_artifact_key(name, loser)}/weights.pt") for loser in losers
    )
    warm = train_and_wait(
        client,
        {
            "model_name": name,
            "from_version": {"model": name, "version": 1},
            "hyperparameters": {"epochs": 1},
        },
    )
    assert warm["status"] == "succeeded", warm
    assert warm["architecture"] == read["architecture"] in ("rnn", "gru")
    child = client.get(f"/models/{name}/versions/2").json()
    assert child["parent"] == {"model": name, "version": 1}
    assert child["hyperparameters"]["hidden_size"] == read["hyperparameters"]["hidden_size"]
