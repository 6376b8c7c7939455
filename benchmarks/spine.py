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
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from _common import (
    RESULTS_DIR,
    last_window,
    machine,
    series,
    start_server,
    stop,
    train,
)

from app.contract import ARCHITECTURES


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
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "spine.json")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="seqcast-bench-") as tmp:
        proc, url = start_server(Path(tmp))
        try:
            with httpx.Client(base_url=url, timeout=600) as client:
                data = series()
                dataset = client.post("/datasets", json={"name": "bench", "columns": data})
                dataset_id = dataset.raise_for_status().json()["id"]
                trained = [train(client, dataset_id, arch, args.epochs) for arch in ARCHITECTURES]
                window = last_window(data)
                served = [
                    latency(client, f"bench-{arch}", window, batch, args.requests)
                    for arch in ("lstm", "gru", "transformer")
                    for batch in (1, 64)
                ]
        finally:
            stop(proc)

    result = {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "training": trained,
        "predict_sequential": served,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(
        "| architecture | epochs | training s | export s | POST→registered s "
        "| POST→registered minus training s | windows/s |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in trained:
        print(
            f"| {r['architecture']} | {r['epochs']} | {r['training_s']:.1f} | {r['export_s']:.2f} "
            f"| {r['wall_s']:.1f} | {r['wall_s'] - r['training_s']:.2f} "
            f"| {r['windows_per_s']:.0f} |"
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
