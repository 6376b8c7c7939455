"""Spine benchmark: training time per architecture and /predict latency, end to end over HTTP.

Starts `seqcast serve` on the embedded default in a temporary folder (or uses --url), uploads a
synthetic 3-column seasonal series, trains each architecture (LSTM/GRU/RNN 2×64, Transformer
d_model 64, window 48 × 3 → forecast 12 × 2, batch 32, a fixed number of epochs), then times
sequential /predict calls. Loopback only, bounded in time. Not part of the test suite.

    .venv/bin/python benchmarks/spine.py --epochs 20 --requests 1000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
INPUT_LENGTH, HORIZON = 48, 12


def series(n: int = 2000, seed: int = 0) -> dict[str, list[float]]:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y1 = 10 + 3 * np.sin(2 * np.pi * t / 24) + rng.normal(0, 0.3, n)
    y2 = 5 + np.cos(2 * np.pi * t / 12) + 0.002 * t + rng.normal(0, 0.2, n)
    x = np.sin(2 * np.pi * t / 168)
    return {"y1": y1.round(4).tolist(), "y2": y2.round(4).tolist(), "x": x.round(4).tolist()}


def start_server(data_dir: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEQCAST_")}
    env["SEQCAST_DATA_DIR"] = str(data_dir)
    log = (data_dir / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz").status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("server did not become ready")


def train(client: httpx.Client, dataset_id: str, architecture: str, epochs: int) -> dict:
    body = {
        "model_name": f"bench-{architecture}",
        "architecture": architecture,
        "dataset_id": dataset_id,
        "target_columns": ["y1", "y2"],
        "feature_columns": ["y1", "y2", "x"],
        "input_length": INPUT_LENGTH,
        "horizon": HORIZON,
        "hyperparameters": {
            "hidden_size": 64,
            "num_layers": 2,
            "epochs": epochs,
            "batch_size": 32,
            "learning_rate": 1e-3,
            "early_stopping_patience": epochs,
        },
    }
    started = time.perf_counter()
    job = client.post("/train", json=body).raise_for_status().json()
    while job["status"] in ("queued", "running"):
        time.sleep(0.2)
        job = client.get(f"/jobs/{job['id']}").json()
    wall = time.perf_counter() - started
    if job["status"] != "succeeded":
        raise SystemExit(f"{architecture}: {job['status']}: {job['error']}")
    version = client.get(
        f"/models/bench-{architecture}/versions/{job['model_version']['version']}"
    ).json()
    return {
        "architecture": architecture,
        "epochs": job["progress"]["epoch"],
        "training_s": job["timings"]["training"],
        "export_s": job["timings"]["export"],
        "wall_s": wall,
        "windows_per_s": version["metrics"]["windows_per_second"],
        "parity_error": version["parity_error"],
        "mase": version["metrics"]["model"]["mase"],
        "naive_mase": version["metrics"]["seasonal_naive"]["mase"],
    }


def latency(client: httpx.Client, model: str, window: list, batch: int, n: int) -> dict:
    body = json.dumps({"model": model, "inputs": [window] * batch}).encode()
    headers = {"content-type": "application/json"}
    for _ in range(20):  # warm-up: session load, connection
        client.post("/predict", content=body, headers=headers).raise_for_status()
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        client.post("/predict", content=body, headers=headers).raise_for_status()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return {
        "model": model,
        "batch": batch,
        "requests": n,
        "p50_ms": statistics.median(samples),
        "p99_ms": samples[int(0.99 * (n - 1))],
        "req_per_s": n / (sum(samples) / 1000),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "spine.json")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="seqcast-bench-") as tmp:
        proc, url = start_server(Path(tmp))
        try:
            with httpx.Client(base_url=url, timeout=600) as client:
                data = series()
                dataset = client.post("/datasets", json={"name": "bench", "columns": data})
                dataset_id = dataset.raise_for_status().json()["id"]
                trained = [
                    train(client, dataset_id, arch, args.epochs)
                    for arch in ("rnn", "lstm", "gru", "transformer")
                ]
                cols = np.column_stack([data["y1"], data["y2"], data["x"]])
                window = cols[-INPUT_LENGTH:].tolist()
                served = [
                    latency(client, f"bench-{arch}", window, batch, args.requests)
                    for arch in ("lstm", "gru", "transformer")
                    for batch in (1, 64)
                ]
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)

    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d"),
        "training": trained,
        "predict_sequential": served,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print("| architecture | epochs | training s | export s | POST→registered s | windows/s |")
    print("|---|---|---|---|---|---|")
    for r in trained:
        print(
            f"| {r['architecture']} | {r['epochs']} | {r['training_s']:.1f} | {r['export_s']:.1f} "
            f"| {r['wall_s']:.1f} | {r['windows_per_s']:.0f} |"
        )
    print()
    print("| model | batch | p50 ms | p99 ms | req/s (c=1) |")
    print("|---|---|---|---|---|")
    for r in served:
        print(
            f"| {r['model']} | {r['batch']} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} "
            f"| {r['req_per_s']:.0f} |"
        )


if __name__ == "__main__":
    main()
