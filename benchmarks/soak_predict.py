"""Serving soak: POST /predict at concurrency 64 for 60 s, zero errors, API memory flat.

Why: a short benchmark shows speed; a soak shows what only time does — a leak per request (a
queue, a cache, a buffer that never shrinks) or an error that appears once something fills up.

Trains one model with `seqcast serve` (embedded default, temporary folder or --data-dir; the same
2 × 64 net, window 48 × 3 → 12 × 2, as predict_load.py), stops it, then starts `seqcast api`
alone (no worker competing for the cores), checks a forecast, warms it up with wrk (so lazy
allocations — sessions, arenas, buffers — settle before the baseline), and drives it with wrk
(`-t1 -c64`, one 48 × 3 window per request) for --duration seconds while sampling the API
process's VmRSS from /proc every --sample-every seconds.

Passes when there is no non-2xx answer and no socket error, and the RSS at the end of the load is
less than 5 % above the RSS at its start. Prints a summary, writes results/soak_predict.json,
exits 1 on a failed criterion. Every child is stopped on exit, error or Ctrl-C included.

    .venv/bin/python benchmarks/soak_predict.py                     # ~2 min in all
    .venv/bin/python benchmarks/soak_predict.py --duration 10 --warmup 3

Needs wrk (`apt-get install wrk`); loopback only.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import threading
import time
from pathlib import Path

from _common import RESULTS_DIR, last_window, series, start_server, stop
from _common import data_dir as make_data_dir
from predict_load import (
    LUA,
    Running,
    check_predict,
    fmt_latency,
    log,
    machine,
    prepare_models,
    process_seconds,
    run_wrk,
    terminate_as_exit,
)

from app.contract import ARCHITECTURES

MAX_RSS_GROWTH_PERCENT = 5.0
SETTLE_S = 2.0


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM (KiB) and thread count of a process, from /proc/PID/status."""
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "Threads"):
            fields[key] = int(value.split()[0])
    return {"rss_kib": fields["VmRSS"], "hwm_kib": fields["VmHWM"], "threads": fields["Threads"]}


def open_fds(pid: int) -> int:
    """File descriptors the process holds: a socket or file leak shows here before RSS does."""
    return len(os.listdir(f"/proc/{pid}/fd"))


def sample(pid: int, t0: float) -> dict[str, float]:
    return {"t_s": round(time.monotonic() - t0, 2), **proc_status(pid), "fds": open_fds(pid)}


def soak(
    server: Running, lua: Path, concurrency: int, duration: int, every: float
) -> tuple[dict, list[dict]]:
    """wrk for `duration` s in a thread; this thread samples the server's memory meanwhile.

    The first sample is taken just before wrk starts (the server idle, warmed up), the last just
    after it returns (64 connections still open): the growth between them is an upper bound."""
    result: dict = {}
    failure: list[BaseException] = []

    def drive() -> None:
        try:
            result.update(run_wrk(server.url, lua, concurrency, duration))
        except BaseException as exc:  # SystemExit from run_wrk included: re-raised below
            failure.append(exc)

    t0 = time.monotonic()
    samples = [sample(server.proc.pid, t0)]
    cpu0 = process_seconds(server.proc.pid)
    thread = threading.Thread(target=drive, name="wrk", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(timeout=every)
        if thread.is_alive():
            samples.append(sample(server.proc.pid, t0))
    samples.append(sample(server.proc.pid, t0))
    if failure:
        raise failure[0]
    result["server_cpu_cores"] = (process_seconds(server.proc.pid) - cpu0) / (
        result["duration_us"] / 1e6
    )
    return result, samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds of measured load")
    parser.add_argument("--concurrency", type=int, default=64, help="wrk connections")
    parser.add_argument(
        "--warmup", type=int, default=10, help="unmeasured wrk seconds at the same concurrency"
    )
    parser.add_argument("--sample-every", type=float, default=2.0, help="seconds between RSS reads")
    parser.add_argument("--arch", choices=ARCHITECTURES, default="lstm")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, help="reuse (or keep) the trained model here")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "soak_predict.json")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk")
    started = time.time()
    load_before = os.getloadavg()

    with contextlib.ExitStack() as stack, terminate_as_exit():
        data_dir = make_data_dir(stack, args.data_dir, "seqcast-soak-")
        model = prepare_models(data_dir, [args.arch], args.epochs)[args.arch]
        proc, url = start_server(data_dir, "api", "logs/soak-api.log")
        stack.callback(stop, proc, 15)
        server = Running("seqcast", proc, url)
        body = json.dumps({"model": f"bench-{args.arch}", "inputs": [last_window(series())]})
        lua = data_dir / f"soak-{args.arch}.lua"
        lua.write_text(LUA.format(body=body))
        check_predict(server, body.encode())
        before_warmup = proc_status(proc.pid)
        warm = run_wrk(url, lua, args.concurrency, args.warmup) if args.warmup > 0 else {}
        log(
            f"warm-up: {warm.get('requests', 0):,} requests in {args.warmup} s; RSS "
            f"{before_warmup['rss_kib'] / 1024:.1f} → {proc_status(proc.pid)['rss_kib'] / 1024:.1f}"
            f" MiB; soak: c={args.concurrency} for {args.duration} s …"
        )
        time.sleep(SETTLE_S)  # the warm-up's connections close: an idle, warmed-up baseline
        w, samples = soak(server, lua, args.concurrency, args.duration, args.sample_every)
        time.sleep(SETTLE_S)
        settled = proc_status(proc.pid)
        exited = proc.poll()

    start_rss, end_rss = samples[0]["rss_kib"], samples[-1]["rss_kib"]
    max_rss = max(s["rss_kib"] for s in samples)
    growth = 100 * (end_rss - start_rss) / start_rss
    seconds = w["duration_us"] / 1e6
    socket_errors = w["connect"] + w["read"] + w["write"] + w["timeout"]
    warm_errors = sum(warm.get(k, 0) for k in ("non_2xx", "connect", "read", "write", "timeout"))
    checks = {
        "zero errors (non-2xx + socket)": w["non_2xx"] + socket_errors == 0,
        "zero errors in the warm-up too": warm_errors == 0,
        f"RSS growth < {MAX_RSS_GROWTH_PERCENT:g} %": growth < MAX_RSS_GROWTH_PERCENT,
        "API process alive after the load": exited is None,
    }
    meta = machine()
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M", time.localtime(started)),
        "wall_s": round(time.time() - started, 1),
        "machine": meta,
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "model": {k: v for k, v in model.items() if k != "onnx"},
        "warmup": {
            "requests": warm.get("requests", 0),
            "errors": warm_errors,
            "rss_before_kib": before_warmup["rss_kib"],
        },
        "requests": w["requests"],
        "duration_s": seconds,
        "req_per_s": w["requests"] / seconds,
        "p50_us": w["p50_us"],
        "p90_us": w["p90_us"],
        "p99_us": w["p99_us"],
        "max_us": w["max_us"],
        "non_2xx": w["non_2xx"],
        "socket_errors": {k: w[k] for k in ("connect", "read", "write", "timeout")},
        "server_cpu_cores": w["server_cpu_cores"],
        "rss_start_kib": start_rss,
        "rss_end_kib": end_rss,
        "rss_max_kib": max_rss,
        "rss_growth_percent": growth,
        "rss_settled_kib": settled["rss_kib"],
        "rss_settled_growth_percent": 100 * (settled["rss_kib"] - start_rss) / start_rss,
        "fds_start": samples[0]["fds"],
        "fds_end": samples[-1]["fds"],
        "threads_start": samples[0]["threads"],
        "threads_end": samples[-1]["threads"],
        "samples": samples,
        "checks": checks,
        "passed": all(checks.values()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")

    print(
        f"/predict soak, bench-{args.arch}, c={args.concurrency}, {seconds:.1f} s "
        f"(after {result['warmup']['requests']:,} warm-up requests)\n"
        f"  requests {w['requests']:,}  {result['req_per_s']:,.0f} req/s  "
        f"p50 {fmt_latency(w['p50_us'])}  p99 {fmt_latency(w['p99_us'])}  "
        f"max {fmt_latency(w['max_us'])}  server CPU {w['server_cpu_cores']:.2f} cores\n"
        f"  errors: non-2xx {w['non_2xx']}, socket {socket_errors} "
        f"({', '.join(f'{k} {v}' for k, v in result['socket_errors'].items())})\n"
        f"  API RSS: start {start_rss / 1024:.1f} MiB, end {end_rss / 1024:.1f} MiB, "
        f"max {max_rss / 1024:.1f} MiB, growth {growth:+.2f} % "
        f"({settled['rss_kib'] / 1024:.1f} MiB {SETTLE_S:g} s after the load)  "
        f"(fds {samples[0]['fds']} → {samples[-1]['fds']}, "
        f"threads {samples[0]['threads']} → {samples[-1]['threads']})\n"
        "  RSS MiB every ~{:g} s: {}".format(
            args.sample_every, " ".join(f"{s['rss_kib'] / 1024:.1f}" for s in samples)
        )
    )
    for name, ok in checks.items():
        print(f"  {'pass' if ok else 'FAIL'}: {name}")
    sys.stdout.flush()  # the summary before the stderr lines that follow
    log(f"raw results: {args.out} ({result['wall_s']:.0f} s in all)")
    if not result["passed"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
