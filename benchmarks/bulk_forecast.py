"""Whole-dataset forecasts (issue 16, item 5): POST /forecasts over 10,000 series × 200 rows with an
LSTM 2 × 64, against 10,000 batch-1 POST /predict calls over loopback on the same windows.

One `seqcast serve` (API + a Celery worker of `--concurrency` pool processes) on PostgreSQL and
Redis (or the embedded default). The version is trained for one epoch on a small sample of the
series (the forecast's speed does not depend on the weights). Measured:

- forecast: POST /forecasts -> succeeded (planning, the chunk tasks, the merge), as the client
  sees it, and the job's own timings; series/s;
- predict: 10,000 sequential POST /predict calls, one window each (the latest window of each
  series, bodies encoded beforehand), on one keep-alive connection; series/s;
- worker RSS growth: the worker processes' resident memory (the Celery parent and its pool,
  summed, and the largest single process), sampled every 20 ms during the forecast, above where
  it was just before it;
- agreement: the file's forecasts of 200 series against /predict's (max abs difference).

Usage: python benchmarks/bulk_forecast.py [--series 10000] [--rows 200] [--backend postgres]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from _common import (
    FEATURES,
    HORIZON,
    INPUT_LENGTH,
    RESULTS_DIR,
    TARGETS,
    backend,
    data_dir,
    machine,
    start_server,
    stop,
    train,
)

START = datetime(2024, 1, 1, tzinfo=UTC)


def values(n_series: int, rows: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Hourly seasonal series with a phase and level per series (as _common.series, vectorized)."""
    rng = np.random.default_rng(seed)
    t = np.arange(rows)[None, :]
    phase = rng.uniform(0, 24, (n_series, 1))
    level = rng.uniform(5, 15, (n_series, 1))
    y1 = level + 3 * np.sin(2 * np.pi * (t + phase) / 24) + rng.normal(0, 0.3, (n_series, rows))
    y2 = level / 2 + np.cos(2 * np.pi * t / 12) + rng.normal(0, 0.2, (n_series, rows))
    x = np.broadcast_to(np.sin(2 * np.pi * t / 168), (n_series, rows))
    return {"y1": y1.round(4), "y2": y2.round(4), "x": x.round(4)}


def parquet_upload(n_series: int, rows: int) -> tuple[bytes, dict[str, np.ndarray]]:
    data = values(n_series, rows)
    ids = np.repeat(np.asarray([f"s{i:05d}" for i in range(n_series)]), rows)
    stamps = np.tile(
        np.datetime64("2024-01-01T00:00:00") + np.arange(rows).astype("m8[h]"), n_series
    )
    table = pa.table(
        {
            "series_id": pa.array(ids),
            "timestamp": pa.array(stamps.astype("datetime64[s]")),
            **{c: pa.array(data[c].reshape(-1)) for c in FEATURES},
        }
    )
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue(), data


def upload(client: httpx.Client, name: str, content: bytes) -> dict:
    files = {"file": (f"{name}.parquet", content, "application/vnd.apache.parquet")}
    response = client.post("/datasets", files=files, data={"name": name}, timeout=600)
    if response.status_code != 201:
        raise SystemExit(f"upload {name}: {response.status_code} {response.text[:500]}")
    return response.json()


def forecast(client: httpx.Client, body: dict, timeout: float = 900) -> dict:
    """POST /forecasts, then the job once it has succeeded."""
    started = time.perf_counter()
    job = client.post("/forecasts", json=body).raise_for_status().json()
    while job["status"] in ("queued", "running"):
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"forecast still {job['status']} after {timeout} s: {job}")
        time.sleep(0.05)
        job = client.get(f"/forecasts/{job['id']}").json()
    if job["status"] != "succeeded":
        raise SystemExit(f"forecast {job['status']}: {job['error']}")
    return job


def worker_pids(root: int) -> list[int]:
    """The Celery processes below `root` (`seqcast serve`): the worker and its pool."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid:
                frontier.append(child)
                with contextlib.suppress(OSError):
                    if b"celery" in Path(f"/proc/{child}/cmdline").read_bytes():
                        found.append(child)
    return found


def rss(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class Sampler:
    """Peak RSS of each process, sampled in a thread until stopped."""

    def __init__(self, pids: list[int], interval: float = 0.02) -> None:
        self.pids = pids
        self.before = {p: rss(p) for p in pids}
        self.peak = dict(self.before)
        self.peak_sum = sum(self.before.values())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)
        self._thread.start()

    def _run(self, interval: float) -> None:
        while not self._stop.is_set():
            now = {p: rss(p) for p in self.pids}
            for p, v in now.items():
                self.peak[p] = max(self.peak[p], v)
            self.peak_sum = max(self.peak_sum, sum(now.values()))
            time.sleep(interval)

    def stop(self) -> dict:
        self._stop.set()
        self._thread.join()
        mb = 2**20
        return {
            "processes": len(self.pids),
            "rss_before_mb": round(sum(self.before.values()) / mb, 1),
            "growth_sum_mb": round((self.peak_sum - sum(self.before.values())) / mb, 1),
            "growth_max_process_mb": round(
                max(self.peak[p] - self.before[p] for p in self.pids) / mb, 1
            ),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--backend", choices=("postgres", "embedded"), default="postgres")
    parser.add_argument("--concurrency", type=int, default=2, help="worker pool processes")
    parser.add_argument("--chunk-size", type=int, default=2_000)
    parser.add_argument("--format", default="parquet", choices=("parquet", "csv", "json"))
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "bulk_forecast.json")
    args = parser.parse_args()

    with contextlib.ExitStack() as stack:
        folder = data_dir(stack, args.data_dir, "seqcast-bulk-")
        chosen = stack.enter_context(backend(args.backend, folder))
        env = {
            **chosen.env,
            "SEQCAST_MAX_DATASET_ROWS": str(max(args.series * args.rows, 1_000_000)),
            "SEQCAST_MAX_DATASET_BYTES": str(1 << 30),
        }
        proc, url = start_server(
            folder, "serve", env=env, args=["--concurrency", str(args.concurrency)]
        )
        stack.callback(stop, proc)
        trainer = stack.enter_context(
            httpx.Client(base_url=url, headers=chosen.bearer(chosen.train_key), timeout=60)
        )
        predictor = stack.enter_context(
            httpx.Client(base_url=url, headers=chosen.bearer(chosen.predict_key), timeout=60)
        )

        print(f"{args.series} series × {args.rows} rows; training bench-lstm on a sample ...")
        sample, _ = parquet_upload(20, args.rows)
        sample_id = upload(trainer, "bulk-sample", sample)["id"]
        trained = train(trainer, sample_id, "lstm", epochs=1)
        # A warm-up forecast in small chunks: each pool process imports onnxruntime and pyarrow
        # (~150 MB, once per process) before the measured run.
        warm = {"model": "bench-lstm", "dataset_id": sample_id, "chunk_size": 2}
        forecast(trainer, warm)
        content, data = parquet_upload(args.series, args.rows)
        started = time.perf_counter()
        big = upload(trainer, "bulk-big", content)
        upload_s = time.perf_counter() - started
        print(
            f"uploaded {big['n_series']} series ({len(content) / 2**20:.1f} MB) in {upload_s:.1f} s"
        )

        load_before = os.getloadavg()
        sampler = Sampler(worker_pids(proc.pid))
        started = time.perf_counter()
        body = {
            "model": "bench-lstm",
            "version": trained["version"],
            "dataset_id": big["id"],
            "format": args.format,
            "chunk_size": args.chunk_size,
        }
        job = forecast(trainer, body)
        forecast_s = time.perf_counter() - started
        memory = sampler.stop()
        result = trainer.get(job["result_url"], timeout=600)
        print(f"forecast: {forecast_s:.2f} s, {job['rows']} rows, worker RSS {memory}")

        windows = np.stack([data[c][:, -INPUT_LENGTH:] for c in FEATURES], axis=2)
        bodies = [
            json.dumps({"model": "bench-lstm", "version": trained["version"], "inputs": [w]})
            for w in windows.tolist()
        ]
        headers = {"content-type": "application/json"}
        answers = []
        started = time.perf_counter()
        for i, encoded in enumerate(bodies):
            response = predictor.post("/predict", content=encoded, headers=headers)
            if response.status_code != 200:
                raise SystemExit(f"/predict: {response.status_code} {response.text[:300]}")
            if i % 50 == 0:
                answers.append((i, response.json()["predictions"][0]))
        predict_s = time.perf_counter() - started
        print(f"/predict × {len(bodies)}: {predict_s:.2f} s")

        agreement = 0.0
        if args.format == "parquet":
            rows = pq.read_table(io.BytesIO(result.content)).to_pydict()
            for i, predicted in answers:
                got = np.column_stack([rows[t][i * HORIZON : (i + 1) * HORIZON] for t in TARGETS])
                assert rows["series_id"][i * HORIZON] == f"s{i:05d}"
                agreement = max(agreement, float(np.abs(got - np.asarray(predicted)).max()))

    record = {
        "machine": machine(),
        "cpus_allowed": len(os.sched_getaffinity(0)),
        "backend": chosen.describe(),
        "series": args.series,
        "rows": args.rows,
        "model": "LSTM 2 × 64, input 48 × 3, horizon 12 × 2 (1 epoch on 20 series)",
        "concurrency": args.concurrency,
        "chunk_size": args.chunk_size,
        "format": args.format,
        "forecast_s": round(forecast_s, 3),
        "forecast_series_per_s": round(args.series / forecast_s, 1),
        "job_timings": job["timings"],
        "result_bytes": job["result_bytes"],
        "predict_calls": len(bodies),
        "predict_s": round(predict_s, 3),
        "predict_series_per_s": round(len(bodies) / predict_s, 1),
        "speedup": round(predict_s / forecast_s, 2),
        "worker_rss": memory,
        "max_abs_difference_vs_predict": agreement,
        "upload_s": round(upload_s, 2),
        "load_average_before": [round(x, 2) for x in load_before],
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
