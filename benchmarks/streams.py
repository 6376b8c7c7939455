"""Streams (issue 7): 1,000 concurrent streams observing in turn, against resending the full window
to /predict, in one run.

Phase 1 starts `seqcast serve` on the embedded default (temporary folder, or --data-dir to reuse
one) and trains `bench-stream-lstm`: LSTM 2 × 64, global normalization (so it ships a step
graph), window 48 × 3 → forecast 12 × 2, a few epochs (only serving speed matters); then stops it.
Phase 2 times the compute of one observation in this process, onnxruntime with 1 thread at
batch 1 as seqcast configures it: one step of `step.onnx` against one 48-step window of
`model.onnx` (median of many runs).
Phase 3 starts `seqcast api` alone per stream store (Redis, the deployment's store, and
memory://), creates --streams streams with a 48-row warm-up each, and drives it with wrk at each
concurrency: `observe` (a Lua `request()` cycling through the streams in turn, one new 3-value
row per request, so in-flight requests always hit different streams) and `predict` (the batch-1
/predict call a stateless client makes instead: the whole 48 × 3 window), interleaved, --rounds
times each (the checks compare the medians of the rounds' p50s, so a burst of load from another
job on a shared machine skews one round, not the verdict). After the runs it reads every stream
back: the observations the server counted must cover every 2xx observe wrk saw (requests still
in flight when wrk stops may be counted too, at most the concurrency per run) — zero lost.
Phase 4 (in this process, Redis store): 64 concurrent observes on one stream, serialized by the
per-stream lock plus compare-and-set (the default), by compare-and-set alone, and split across
two app instances (two replicas: the compare-and-set decides): wall time and refused writes.

    .venv/bin/python benchmarks/streams.py --duration 8             # full run: ~4 min
    .venv/bin/python benchmarks/streams.py --duration 3 --concurrency 1 --stores redis --rounds 5

Needs wrk (`apt-get install wrk`) and Redis (--redis, default redis://127.0.0.1:6379/14).
Raw figures go to results/streams.json. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import httpx
import numpy as np
from _common import (
    FEATURES,
    HORIZON,
    INPUT_LENGTH,
    RESULTS_DIR,
    TARGETS,
    clean_env,
    free_port,
    series,
    spawn,
    start_server,
    stop,
    wait_ready,
)
from _common import data_dir as make_data_dir
from predict_load import LUA, Running, fmt_latency, log, machine, measure, terminate_as_exit

MODEL = "bench-stream-lstm"
OBSERVE_LUA = """
local ids = {{{ids}}}
local i = 0
local headers = {{["Content-Type"] = "application/json"}}
request = function()
  i = i % #ids + 1
  local body = string.format('{{"values": [[%.4f, %.4f, %.4f]]}}',
    10 + 3 * math.random(), 5 + math.random(), math.random() * 2 - 1)
  return wrk.format("POST", "/streams/" .. ids[i] .. "/observe", headers, body)
end
"""


def train_step_model(client: httpx.Client, epochs: int) -> int:
    """The benchmark LSTM (global normalization: a step graph); its version number."""
    dataset = client.post("/datasets", json={"name": "bench", "columns": series()})
    body = {
        "model_name": MODEL,
        "architecture": "lstm",
        "dataset_id": dataset.raise_for_status().json()["id"],
        "target_columns": list(TARGETS),
        "feature_columns": list(FEATURES),
        "input_length": INPUT_LENGTH,
        "horizon": HORIZON,
        "hyperparameters": {
            "hidden_size": 64,
            "num_layers": 2,
            "epochs": epochs,
            "early_stopping_patience": epochs,
            "normalization": "global",
        },
    }
    job = client.post("/train", json=body).raise_for_status().json()
    while job["status"] in ("queued", "running"):
        time.sleep(0.5)
        job = client.get(f"/jobs/{job['id']}").json()
    if job["status"] != "succeeded":
        raise SystemExit(f"training failed: {job['error']}")
    return job["model_version"]["version"]


def prepare(data_dir: Path, epochs: int) -> Path:
    """The version's artifact folder (model.onnx, step.onnx, manifest.json), training it once."""
    found = newest_step_graph(data_dir)
    if not found:
        log(f"training {MODEL} ({epochs} epochs) with `seqcast serve` …")
        proc, url = start_server(data_dir, "serve")
        try:
            with httpx.Client(base_url=url, timeout=600) as client:
                log(f"  version {train_step_model(client, epochs)}")
        finally:
            stop(proc)
        found = newest_step_graph(data_dir)
    if not found:
        raise SystemExit(f"{MODEL} has no step.onnx: is the step exporter (issue 7) in place?")
    return found.parent


def newest_step_graph(data_dir: Path) -> Path | None:
    """The latest version's step graph (the streams and /predict calls all use "latest")."""
    found = (data_dir / "artifacts" / "models" / MODEL).glob("*/step.onnx")
    return max(found, key=lambda p: p.stat().st_mtime, default=None)


def ort_median_us(path: Path, feed: dict[str, np.ndarray], seconds: float) -> dict:
    """One session as seqcast configures it (1 thread), batch 1: median of many runs."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    for _ in range(200):
        session.run(None, feed)
    samples: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(samples) < 500:
        t0 = time.perf_counter_ns()
        session.run(None, feed)
        samples.append((time.perf_counter_ns() - t0) / 1000)
    samples.sort()
    return {
        "median_us": statistics.median(samples),
        "p10_us": samples[len(samples) // 10],
        "p90_us": samples[len(samples) * 9 // 10],
        "iterations": len(samples),
    }


def compute_per_observation(folder: Path, seconds: float) -> dict:
    manifest = json.loads((folder / "manifest.json").read_text())
    layers, hidden = manifest["step"]["state_shape"]
    rng = np.random.default_rng(0)
    window = rng.normal(size=(1, INPUT_LENGTH, len(FEATURES))).astype(np.float32)
    step = {
        "observation": window[:, -1],
        "state": np.zeros((layers, 1, hidden), np.float32),
    }
    result = {
        "step": ort_median_us(folder / "step.onnx", step, seconds),
        "window": ort_median_us(folder / "model.onnx", {"inputs": window}, seconds),
        "state_shape": [layers, hidden],
    }
    result["window_over_step"] = result["window"]["median_us"] / result["step"]["median_us"]
    return result


def start_api(data_dir: Path, streams_url: str) -> Running:
    port = free_port()
    log_path = data_dir / f"api-{streams_url.split(':', 1)[0]}.log"
    env = clean_env(SEQCAST_DATA_DIR=str(data_dir), SEQCAST_STREAMS_URL=streams_url)
    proc = spawn([sys.executable, "-m", "app.cli", "api", "--port", str(port)], env, log_path)
    url = f"http://127.0.0.1:{port}"
    wait_ready(proc, url, log_path)
    return Running(streams_url.split(":", 1)[0], proc, url)


def create_streams(client: httpx.Client, n: int) -> list[str]:
    history = np.column_stack([series()[c] for c in FEATURES])[-INPUT_LENGTH:].tolist()
    ids = []
    for _ in range(n):
        body = {"model": MODEL, "history": history}
        reply = client.post("/streams", json=body).raise_for_status().json()
        assert reply["mode"] == "step", reply
        ids.append(reply["id"])
    return ids


def load_runs(
    server: Running,
    ids: list[str],
    concurrencies: list[int],
    duration: int,
    workdir: Path,
    rounds: int = 1,
) -> tuple[list[dict], int]:
    """wrk per concurrency, observe and predict interleaved `rounds` times (each round's pair
    is one row each; `summarize` takes the medians); the 2xx observes wrk counted."""
    window = np.column_stack([series()[c] for c in FEATURES])[-INPUT_LENGTH:].tolist()
    body = json.dumps({"model": MODEL, "inputs": [window]})
    predict_lua = workdir / "predict.lua"
    predict_lua.write_text(LUA.format(headers="", body=body))
    observe_lua = workdir / "observe.lua"
    quoted = ", ".join(f'"{i}"' for i in ids)
    observe_lua.write_text(LUA.format(headers="", body="") + OBSERVE_LUA.format(ids=quoted))
    rows, observed = [], 0
    for concurrency in concurrencies:
        for kind, lua in [("observe", observe_lua), ("predict", predict_lua)] * rounds:
            row = asdict(measure(kind, server, lua, concurrency, duration, None))
            rows.append(row)  # its "arch" is the request kind, its "server" the store
            if kind == "observe":
                observed += row["requests"] - row["non_2xx"]
            log(
                f"  {server.name:6} c={concurrency:<3} {kind:8} {row['req_per_s']:8.0f} req/s  "
                f"p50 {fmt_latency(row['p50_us']):>9}  p99 {fmt_latency(row['p99_us']):>9}  "
                f"non-2xx {row['non_2xx']}  server {row['server_cpu_cores']:.2f} cores"
            )
    return rows, observed


def count_observations(client: httpx.Client, ids: list[str]) -> int:
    """Observations the server holds beyond the warm-ups; deletes the streams as it goes."""
    total = 0
    for stream_id in ids:
        total += client.get(f"/streams/{stream_id}").raise_for_status().json()["observations"]
        client.delete(f"/streams/{stream_id}").raise_for_status()
    return total - INPUT_LENGTH * len(ids)


async def contention(data_dir: Path, streams_url: str, n: int = 64) -> list[dict]:
    """n observes at once on one stream: lock + CAS, CAS alone, and two replicas (CAS decides)."""
    from app.config import Settings
    from app.main import create_app

    settings = Settings(data_dir=data_dir, streams_url=streams_url)
    first = create_app(settings).state.dataplane.streams
    second = create_app(settings).state.dataplane.streams
    row = np.column_stack([series()[c] for c in FEATURES])[-1:].astype(np.float32)
    results = []
    try:
        for label, services, local_lock in (
            ("per-stream lock + compare-and-set (default)", [first], True),
            ("compare-and-set alone", [first], False),
            ("two replicas, lock each + compare-and-set", [first, second], True),
        ):
            for service in (first, second):
                service.local_lock = local_lock
            stream = await first.create(MODEL, None, None, row)
            await first.observe(stream.record.id, row)  # the step graph is loaded: warm
            await second.observe(stream.record.id, row)
            conflicts = first.conflicts + second.conflicts
            t0 = time.perf_counter()
            outcomes = await asyncio.gather(
                *(services[i % len(services)].observe(stream.record.id, row) for i in range(n)),
                return_exceptions=True,
            )
            wall = time.perf_counter() - t0
            failed = [o for o in outcomes if isinstance(o, BaseException)]
            final = await first.get(stream.record.id)
            await first.delete(stream.record.id)
            results.append(
                {
                    "mode": label,
                    "observes": n,
                    "wall_ms": wall * 1000,
                    "per_observe_us": wall / n * 1e6,
                    "refused_writes": first.conflicts + second.conflicts - conflicts,
                    "failed_503": len(failed),
                    "lost": n - len(failed) + 3 - final.observations,
                }
            )
            log(f"  {label}: {results[-1]}")
    finally:
        await first.store.close()
        await second.store.close()
    return results


def evaluate(rows: list[dict], compute: dict) -> list[dict]:
    checks = []
    for store in sorted({r["server"] for r in rows}):
        for c in sorted({r["concurrency"] for r in rows}):
            p50 = {
                kind: statistics.median(
                    r["p50_us"]
                    for r in rows
                    if r["server"] == store and r["concurrency"] == c and r["arch"] == kind
                )
                for kind in ("observe", "predict")
            }
            ratio = p50["observe"] / p50["predict"]
            checks.append(
                {
                    "target": f"{store} c={c}: observe p50 ≤ 1.5 × batch-1 /predict p50 "
                    "(medians over the rounds)",
                    "value": f"{ratio:.2f} × ({fmt_latency(p50['observe'])} against "
                    f"{fmt_latency(p50['predict'])})",
                    "pass": ratio <= 1.5,
                }
            )
    ratio = compute["window_over_step"]
    checks.append(
        {
            "target": "compute per observation ≥ 4 × cheaper than the window (onnxruntime)",
            "value": f"{ratio:.1f} ×",
            "pass": ratio >= 4,
        }
    )
    return checks


def render(rows: list[dict], compute: dict, checks: list[dict], lost: dict) -> str:
    lines = [
        "| store | c | request | req/s | p50 | p99 | server CPU / request | server, other CPU "
        "| non-2xx |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        cpu_us = r["server_cpu_cores"] / r["req_per_s"] * 1e6 if r["req_per_s"] else 0
        name = "observe (1 row)" if r["arch"] == "observe" else "/predict (48 rows)"
        lines.append(
            f"| {r['server']} | {r['concurrency']} | {name} | {r['req_per_s']:,.0f} | "
            f"{fmt_latency(r['p50_us'])} | {fmt_latency(r['p99_us'])} | {cpu_us:.0f} µs | "
            f"{r['server_cpu_cores']:.2f}, {r['other_cpu_cores']:.2f} cores | {r['non_2xx']} |"
        )
    step, window = compute["step"]["median_us"], compute["window"]["median_us"]
    lines += [
        "",
        f"onnxruntime, 1 thread, batch 1: one step {step:.1f} µs, one 48-step window "
        f"{window:.1f} µs ({compute['window_over_step']:.1f} ×).",
        "",
        *(f"- {'PASS' if c['pass'] else 'FAIL'} {c['target']}: {c['value']}" for c in checks),
        *(f"- zero lost ({store}): {v}" for store, v in lost.items()),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 64])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="observe/predict alternations per concurrency (the checks take the medians)",
    )
    parser.add_argument("--stores", nargs="+", default=["redis", "memory"])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, help="reuse a trained model across runs")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "streams.json")
    args = parser.parse_args()

    with contextlib.ExitStack() as stack, terminate_as_exit():
        data_dir = make_data_dir(stack, args.data_dir, "seqcast-bench-streams-")
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="wrk-")))
        folder = prepare(data_dir, args.epochs)
        log("compute per observation (onnxruntime, 1 thread, batch 1) …")
        compute = compute_per_observation(folder, 3.0)
        log(
            f"  {compute['step']['median_us']:.1f} µs a step, "
            f"{compute['window']['median_us']:.1f} µs a window"
        )
        rows, lost = [], {}
        for store in args.stores:
            url = args.redis if store == "redis" else "memory://"
            server = start_api(data_dir, url)
            try:
                with httpx.Client(base_url=server.url, timeout=60) as client:
                    log(f"{store}: creating {args.streams} streams …")
                    ids = create_streams(client, args.streams)
                    runs, observed = load_runs(
                        server, ids, args.concurrency, args.duration, workdir, args.rounds
                    )
                    counted = count_observations(client, ids)
            finally:
                stop(server.proc)
            rows += runs
            slack = sum(args.concurrency) * args.rounds
            ok = observed <= counted <= observed + slack
            lost[store] = (
                f"{'PASS' if ok else 'FAIL'}: wrk saw {observed:,} observes answered 2xx; the "
                f"streams hold {counted:,} (in flight at wrk's stop: up to {slack} more)"
            )
            log(f"  {lost[store]}")
        log("one stream, 64 concurrent observes (Redis) …")
        lock_vs_cas = asyncio.run(contention(data_dir, args.redis))
    checks = evaluate(rows, compute)
    table = render(rows, compute, checks, lost)
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "machine": machine(),
                "streams": args.streams,
                "duration_s": args.duration,
                "compute_per_observation": compute,
                "runs": rows,
                "zero_lost": lost,
                "contention": lock_vs_cas,
                "checks": checks,
            },
            indent=2,
        )
    )
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
