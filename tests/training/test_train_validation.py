"""Impossible training requests are refused with a 422 naming the field, before anything is
queued (no job row exists afterwards)."""

import pytest

from app.training.schemas import TrainRequest


def _base(dataset: str, **overrides) -> dict:
    body = {
        "model_name": "refused",
        "architecture": "lstm",
        "dataset_id": dataset,
        "target_columns": ["y"],
        "horizon": 6,
    }
    body.update(overrides)
    return body


CASES = [
    ({"target_columns": ["nope"]}, ("target_columns", 0), "unknown column 'nope'"),
    ({"feature_columns": ["y", "zz"]}, ("feature_columns", 1), "unknown column 'zz'"),
    ({"input_length": 300}, ("input_length",), "too long for 320 rows"),
    ({"horizon": 200}, ("horizon",), "too long for 320 rows"),
    ({"horizon": 0}, ("horizon",), "greater than or equal to 1"),
    ({"input_length": -3}, ("input_length",), "greater than or equal to 1"),
    ({"architecture": "cnn"}, ("architecture",), "'gru', 'transformer' or 'auto'"),
    (
        {"architecture": "auto", "auto": {"candidates": ["transformer"], "grid": {"nhead": [3]}}},
        ("auto", "grid"),
        "transformer with {'nhead': 3}: Value error, d_model (64) must be divisible by nhead (3)",
    ),
    (
        {
            "architecture": "auto",
            "auto": {"candidates": ["gru"], "grid": {"hidden_size": [8]}},
            "horizon": 200,
        },
        ("horizon",),
        "candidate gru hidden_size=8: input_length 600 + horizon 200 is too long",
    ),
    ({"architecture": "auto", "auto": {"candidates": []}}, ("auto", "candidates"), "at least 1"),
    ({"auto": {}}, (), "`auto` applies to `architecture: auto` only"),
    (
        {"architecture": "transformer", "hyperparameters": {"d_model": 30, "nhead": 4}},
        ("hyperparameters",),
        "d_model (30) must be divisible by nhead (4)",
    ),
    ({"hyperparameters": {"hidden_size": 0}}, ("hyperparameters", "hidden_size"), ">= 1"),
    ({"hyperparameters": {"epochs": 0}}, ("hyperparameters", "epochs"), ">= 1"),
    ({"hyperparameters": {"batch_size": -1}}, ("hyperparameters", "batch_size"), ">= 1"),
    ({"hyperparameters": {"learning_rate": 0}}, ("hyperparameters", "learning_rate"), "> 0"),
    ({"hyperparameters": {"hidden": 3}}, ("hyperparameters", "hidden"), "Extra inputs"),
    ({"validation_fraction": 1.5}, ("validation_fraction",), "less than 0.9"),
    ({"model_name": "../../etc"}, ("model_name",), "pattern"),
    ({"dataset_id": "missing"}, ("dataset_id",), "does not exist"),
    ({"dataset_id": "a\x00b"}, ("dataset_id",), "should match pattern"),
    ({"quantiles": [0.1, 1.0]}, ("quantiles",), "quantile 1.0 must be strictly between 0 and 1"),
    ({"quantiles": [0.0]}, ("quantiles",), "strictly between 0 and 1"),
    # a skip season-wide: a huge season would be a huge layer in the worker
    (
        {"season_length": 10**9, "hyperparameters": {"baseline": "seasonal_drift"}},
        ("season_length",),
        "1000000000 is longer than input_length 18",
    ),
    (
        {"season_length": 19, "hyperparameters": {"baseline": "seasonal_naive"}},
        ("season_length",),
        "give an input_length of at least 19, or baseline none",
    ),
    ({"quantiles": [0.2, 0.2]}, ("quantiles",), "a quantile is listed twice"),
    ({"quantiles": []}, ("quantiles",), "at least 1 item"),
    (
        {"feature_columns": ["x"], "hyperparameters": {"normalization": "instance"}},
        ("hyperparameters", "normalization"),
        "the targets must be among feature_columns; add y",
    ),
    ({"hyperparameters": {"normalization": "robust"}}, ("hyperparameters", "normalization"), ""),
    (
        {"feature_columns": ["x"], "hyperparameters": {"baseline": "seasonal_naive"}},
        ("hyperparameters", "baseline"),
        "the targets must be among feature_columns",
    ),
    ({"hyperparameters": {"baseline": "drift"}}, ("hyperparameters", "baseline"), ""),
    ({"data": {"columns": {"y": [1, 2, 3]}}}, (), "exactly one of dataset_id or data"),
    # beyond the database's integer (the fuzzer's 500): refused as the version paths are
    (
        {"from_version": {"model": "m", "version": 2**64}},
        ("from_version", "version"),
        "less than or equal to 2147483647",
    ),
]


@pytest.mark.parametrize(("overrides", "loc", "message"), CASES)
def test_refused_before_queueing(client, dataset, overrides, loc, message):
    response = client.post("/train", json=_base(dataset["id"], **overrides))
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert any(tuple(d["loc"][1 : 1 + len(loc)]) == loc for d in detail), detail
    text = " ".join(d["msg"] for d in detail)
    assert (
        message.replace(">= 1", "greater than or equal to 1").replace("> 0", "greater than 0")
        in text
    ), text
    assert client.get("/jobs", params={"model_name": "refused"}).json() == []


def test_inline_data_too_short(client):
    response = client.post(
        "/train",
        json={
            "model_name": "refused",
            "architecture": "gru",
            "data": {"columns": {"y": [1.0, 2.0, 3.0, 4.0, 5.0]}},
            "horizon": 2,
        },
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "input_length"]
    assert client.get("/jobs", params={"model_name": "refused"}).json() == []


def test_quantiles_are_completed_and_sorted():
    request = TrainRequest.model_validate(
        {"model_name": "m", "architecture": "gru", "dataset_id": "d", "horizon": 2,
         "quantiles": [0.9, 0.05]}
    )  # fmt: skip
    assert request.quantiles == [0.05, 0.5, 0.9]


def test_inline_series_too_short_names_the_series(client):
    days = [f"2024-01-{d:02d}" for d in range(1, 31)]
    response = client.post(
        "/train",
        json={
            "model_name": "refused",
            "architecture": "gru",
            "data": {
                "columns": {"y": [float(i % 7) for i in range(30 + 8)]},
                "timestamps": days + days[:8],
                "series": ["long"] * 30 + ["short"] * 8,
            },
            "horizon": 2,
            "input_length": 8,
        },
    )
    assert response.status_code == 422, response.text
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", "input_length"]
    assert "series 'short', the shortest (8 rows)" in detail["msg"]
    assert client.get("/jobs", params={"model_name": "refused"}).json() == []


def test_unknown_job_is_404(client):
    assert client.get("/jobs/nope").status_code == 404
    assert client.post("/jobs/nope/cancel").status_code == 404


def test_bad_status_filter_is_422(client):
    response = client.get("/jobs", params={"status": "sleeping"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "status"]


def test_normalization_left_out_follows_the_features(client, dataset):
    """Instance scaling needs the targets among the features: left out, it is chosen only then;
    a model that does not read its targets gets global scaling rather than a 422."""
    body = _base(dataset["id"], model_name="scaled", hyperparameters={"epochs": 1})
    reads_y = client.post("/train", json={**body, "feature_columns": ["y", "x"]})
    blind = client.post("/train", json={**body, "feature_columns": ["x"]})
    assert reads_y.status_code == blind.status_code == 202, (reads_y.text, blind.text)
    assert reads_y.json()["spec"]["hyperparameters"]["normalization"] == "instance"
    assert blind.json()["spec"]["hyperparameters"]["normalization"] == "global"
    for job in (reads_y.json(), blind.json()):
        client.post(f"/jobs/{job['id']}/cancel")


def test_baseline_left_out_is_the_seasonal_skip_only_with_instance_scaling(client, dataset):
    """The seasonal skip is the measured default with instance normalization; with global
    scaling (chosen, or forced by unread targets) it is left out, so a recurrent version keeps
    its step graph; asked for, it is kept."""
    body = _base(dataset["id"], model_name="skipped", hyperparameters={"epochs": 1})
    default = client.post("/train", json=body)
    glob = client.post(
        "/train", json={**body, "hyperparameters": {"epochs": 1, "normalization": "global"}}
    )
    blind = client.post("/train", json={**body, "feature_columns": ["x"]})
    asked = client.post(
        "/train",
        json={
            **body,
            "hyperparameters": {
                "epochs": 1,
                "normalization": "global",
                "baseline": "seasonal_naive",
            },
        },
    )
    # a season longer than the window: the skip would have nothing to read (see the 422s)
    long_season = client.post("/train", json={**body, "season_length": 10**9})
    in_window = client.post("/train", json={**body, "season_length": 18})
    answers = (default, glob, blind, asked, long_season, in_window)
    assert all(r.status_code == 202 for r in answers), [r.text for r in answers]
    chosen = [r.json()["spec"]["hyperparameters"]["baseline"] for r in answers]
    assert chosen == ["seasonal_drift", "none", "none", "seasonal_naive", "none", "seasonal_drift"]
    for job in answers:
        client.post(f"/jobs/{job.json()['id']}/cancel")
