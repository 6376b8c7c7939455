"""Prometheus metrics: the API's /metrics (per route template, per model, batches, onnxruntime,
queues, sessions, jobs by state) and the worker's own exporter, scraped from a real prefork
worker after a real training job."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.config import Settings
from tests.support.data import seasonal_series


def scrape(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Sample name -> [(labels, value)]."""
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def value(samples: dict, name: str, **labels: str) -> float:
    """The sum of `name` over the samples whose labels include `labels` (0 when none)."""
    return sum(v for lbl, v in samples.get(name, []) if labels.items() <= lbl.items())


def api_metrics(client: TestClient) -> dict:
    response = client.get("/metrics", headers={"Authorization": ""})  # no key needed
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return scrape(response.text)


def window() -> list[list[float]]:
    s = seasonal_series()
    return [[y, x] for y, x in zip(s["y"][-24:], s["x"][-24:], strict=True)]


def test_api_metrics(client: TestClient, trained_lstm: dict):
    name = trained_lstm["model_version"]["model"]
    version = trained_lstm["model_version"]["version"]
    before = api_metrics(client)

    for _ in range(3):
        assert client.post("/predict", json={"model": name, "inputs": [window()]}).is_success
    v2 = {"inputs": [{"name": "inputs", "shape": [2, 24, 2], "datatype": "FP32", "data": [
        window(), window()
    ]}]}  # fmt: skip
    assert client.post(f"/v2/models/{name}/versions/{version}/infer", json=v2).is_success
    assert client.post("/predict", json={"model": name, "inputs": [[[1.0]]]}).status_code == 422
    unknown = client.post("/predict", json={"model": "no-such-model", "inputs": [window()]})
    assert unknown.status_code == 404
    assert client.get(f"/models/{name}").status_code == 200
    assert client.get("/no/such/route").status_code == 404

    after = api_metrics(client)

    def delta(metric: str, **labels: str) -> float:
        return value(after, metric, **labels) - value(before, metric, **labels)

    # Per route template, never the raw path.
    assert delta("seqcast_http_requests_total", method="POST", route="/predict", status="200") == 3
    assert delta("seqcast_http_requests_total", route="/predict", status="422") == 1
    assert delta("seqcast_http_requests_total", route="/predict", status="404") == 1
    assert delta("seqcast_http_requests_total", method="GET", route="/models/{name}") == 1
    assert delta("seqcast_http_requests_total", route="unmatched", status="404") == 1
    assert delta("seqcast_http_request_duration_seconds_count", route="/predict") == 5
    routes = {lbl["route"] for lbl, _ in after["seqcast_http_requests_total"]}
    assert not [r for r in routes if name in r], routes

    # Per model: served requests, and inputs the model refused; an unknown name is no label.
    rest = {"model": name, "protocol": "rest"}
    assert delta("seqcast_inference_requests_total", **rest, status="200") == 3
    assert delta("seqcast_inference_requests_total", **rest, status="422") == 1
    assert delta("seqcast_inference_requests_total", model=name, protocol="v2") == 1
    assert delta("seqcast_inference_request_duration_seconds_count", **rest) == 4
    models = {lbl["model"] for lbl, _ in after.get("seqcast_inference_requests_total", [])}
    assert "no-such-model" not in models

    # Batches and onnxruntime runs, per model and version.
    labels = {"model": name, "version": str(version)}
    assert delta("seqcast_batch_size_count", **labels) == 4
    assert delta("seqcast_batch_size_sum", **labels) == 5  # 3 single windows and a pair
    assert delta("seqcast_onnxruntime_run_seconds_count", **labels) == 4
    assert value(after, "seqcast_onnxruntime_run_seconds_sum", **labels) > 0

    # Read at scrape time.
    assert value(after, "seqcast_queue_depth", **labels) == 0
    assert ({"model": name, "version": str(version)}, 0.0) in after["seqcast_queue_depth"]
    assert value(after, "seqcast_loaded_sessions") >= 1
    assert value(after, "seqcast_loaded_session_bytes") > 0
    assert value(after, "seqcast_training_jobs", state="succeeded") >= 1
    states = {lbl["state"] for lbl, _ in after["seqcast_training_jobs"]}
    assert states == {"queued", "running", "succeeded", "failed", "cancelled"}
    assert "process_cpu_seconds_total" in after  # the process collector, too


def test_metrics_route_is_not_an_api_operation(client: TestClient):
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]


def test_worker_exports_training_metrics(pg_settings: Settings, trained_lstm: dict):
    """The prefork pool process trained the job; the worker's main process serves the merged
    multiprocess metrics on SEQCAST_WORKER_METRICS_PORT."""
    url = f"http://127.0.0.1:{pg_settings.worker_metrics_port}/metrics"
    samples = scrape(httpx.get(url, timeout=10).text)
    epochs = trained_lstm["progress"]["epoch"]
    assert value(samples, "seqcast_training_epoch_seconds_count", architecture="lstm") >= epochs
    assert value(samples, "seqcast_training_epoch_seconds_sum", architecture="lstm") > 0
    assert {lbl["device"] for lbl, _ in samples["seqcast_training_epoch_seconds_count"]} <= {
        "cpu",
        "cuda",
    }
    finished = {"architecture": "lstm", "status": "succeeded"}
    assert value(samples, "seqcast_training_jobs_finished_total", **finished) >= 1
    assert value(samples, "seqcast_training_job_seconds_count", **finished) >= 1
    assert value(samples, "seqcast_training_export_seconds_count", architecture="lstm") >= 1
    assert "seqcast_training_jobs_running" in samples
