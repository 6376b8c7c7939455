"""Serving load: seqcast's POST /predict against reference servers, under wrk, in one run.

Phase 1 starts `seqcast serve` on the backend (--backend: the embedded default in a temporary
folder, or --data-dir to reuse one; or `postgres`: a fresh PostgreSQL database on 127.0.0.1:5432,
migrated, with Redis 127.0.0.1:6379 as broker and stream store and auth on, dropped at the end)
and trains one model per architecture (LSTM/GRU/RNN 2 × 64, Transformer d_model 64, 4 heads,
feed-forward 128; window 48 × 3 → forecast 12 × 2; a few epochs: only serving speed matters),
downloads each .onnx from the registry, then stops it, worker included.
Phase 2 times each model's own batch-1 onnxruntime run in this process (1 thread, median).
Phase 3 starts `seqcast api` alone (no worker competing for the 2 cores) on the same backend,
once per variant asked for (--batcher on: the adaptive batcher, seqcast's default; off:
SEQCAST_BATCH_MAX_SIZE=1, each request runs alone; both: the two side by side; --api-workers N:
`seqcast api --workers N`, shown as "seqcast ×N"), and the reference servers of
`reference_servers.py`, each a uvicorn process on a free loopback port, checks that
each answers 200 with a [1][12][2] forecast, and drives each with wrk (`-t1 -c{1,16,64}`, a Lua
script posting the same body everywhere: one 48 × 3 window, and with postgres the run's
predict-scoped key as `Authorization: Bearer`). Servers are interleaved per concurrency so drift
on a shared machine hits all of them alike.

Prints one markdown table (req/s, p50, p99, req/s as a multiple of the floor's, non-2xx and
socket errors) and pass/fail for the serving targets of issue 12, per seqcast variant, each a
ratio to figures of the same run (the floor, the model's own batch-1 run, FastAPI +
onnxruntime); raw figures go to
results/predict_load.json, with the CPU each run gave the server, wrk and anything else on the
machine (a shared 2-core box: a run where "other" is well above 0 is disturbed). Every child is
stopped on exit, error or Ctrl-C included. wrk shares the cores with the servers unless
--server-cpus/--wrk-cpus pin them (taskset).

    .venv/bin/python benchmarks/predict_load.py --duration 8           # full run: ~11 min
    .venv/bin/python benchmarks/predict_load.py --duration 3 --archs lstm --concurrency 1 64
    # issue 12's measurement: PostgreSQL + Redis, auth on, batcher on and off, 1 and 2 workers
    .venv/bin/python benchmarks/predict_load.py --duration 8 --backend postgres --batcher both \
        --api-workers 1 2                                               # ~17 min

Needs wrk (`apt-get install wrk`); loopback only; postgres needs PostgreSQL (trust auth for user
postgres) and Redis on their default loopback ports.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import numpy as np
from _common import (
    BENCH_DIR,
    HORIZON,
    PG_SERVER,
    REDIS_URL,
    RESULTS_DIR,
    TARGETS,
    Backend,
    backend,
    clean_env,
    free_port,
    last_window,
    series,
    spawn,
    start_server,
    stop,
    train,
    wait_ready,
)
from _common import data_dir as make_data_dir

from app.contract import ARCHITECTURES

SERVERS = ("seqcast", "floor", "fastapi_pydantic", "fastapi_ort", "fastapi_torch")
REFERENCES = SERVERS[1:]
PER_ARCH = ("fastapi_ort", "fastapi_torch")  # the others serve every architecture unchanged
LABELS = {
    "seqcast": "seqcast (`seqcast api`)",
    "floor": "floor: Starlette, orjson → numpy, constant",
    "fastapi_pydantic": "FastAPI + pydantic body, constant",
    "fastapi_ort": "FastAPI + onnxruntime per request",
    "fastapi_torch": "FastAPI + torch eager per request",
}


@dataclass(frozen=True)
class Variant:
    """One `seqcast api` process of phase 3: its uvicorn workers and whether it batches."""

    workers: int
    batcher: bool

    @property
    def name(self) -> str:
        """The row key: `seqcast`, `seqcast_x2`, `seqcast_nobatch`, `seqcast_x2_nobatch`."""
        return (
            "seqcast"
            + (f"_x{self.workers}" if self.workers > 1 else "")
            + ("" if self.batcher else "_nobatch")
        )

    @property
    def label(self) -> str:
        base = f"seqcast ×{self.workers}" if self.workers > 1 else "seqcast"
        if self.batcher:
            return LABELS["seqcast"] if self.workers == 1 else base
        return f"{base} (batcher off)"

    @property
    def env(self) -> dict[str, str]:
        return {} if self.batcher else {"SEQCAST_BATCH_MAX_SIZE": "1"}

    @property
    def args(self) -> list[str]:
        return ["--workers", str(self.workers)] if self.workers > 1 else []


def variants(batcher: str, workers: list[int]) -> list[Variant]:
    modes = {"on": [True], "off": [False], "both": [True, False]}[batcher]
    return [Variant(w, b) for w in dict.fromkeys(workers) for b in modes]


def api_has_workers_option() -> bool:
    """Whether this checkout's `seqcast api` takes --workers."""
    out = subprocess.run(
        [sys.executable, "-m", "app.cli", "api", "--help"],
        cwd=BENCH_DIR.parent,
        env=clean_env(COLUMNS="200"),
        capture_output=True,
        text=True,
    )
    return "--workers" in out.stdout


# wrk prints its figures rounded, with units (us/ms/s); its Lua `done` hook gets the exact
# histogram, so the script prints one JSON line with microseconds and error counts instead.
LUA = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
{headers}wrk.body = [==[{body}]==]

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_JSON {{\\"requests\\": %d, \\"duration_us\\": %d, \\"bytes\\": %d, "
    .. "\\"p50_us\\": %.1f, \\"p90_us\\": %.1f, \\"p99_us\\": %.1f, \\"mean_us\\": %.1f, "
    .. "\\"max_us\\": %.1f, \\"non_2xx\\": %d, \\"connect\\": %d, \\"read\\": %d, "
    .. "\\"write\\": %d, \\"timeout\\": %d}}\\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean,
    latency.max, e.status, e.connect, e.read, e.write, e.timeout))
end
"""


@dataclass
class Row:
    """One wrk run against one server."""

    arch: str
    server: str
    concurrency: int
    req_per_s: float
    p50_us: float
    p90_us: float
    p99_us: float
    mean_us: float
    max_us: float
    requests: int
    non_2xx: int
    socket_errors: int
    duration_s: float
    server_cpu_cores: float  # CPU the server (all its processes) used during the run, in cores
    wrk_cpu_cores: float
    other_cpu_cores: float  # everything else on the machine: should be ~0 on a quiet machine
    rows_per_run: float | None = None
    """seqcast only (1 worker): mean windows per onnxruntime run, from its /metrics."""


@dataclass
class Running:
    name: str
    proc: subprocess.Popen
    url: str


def fmt_latency(us: float) -> str:
    return f"{us:.0f} µs" if us < 1000 else f"{us / 1000:.2f} ms"


def taskset(cpus: str | None) -> list[str]:
    """Command prefix pinning a process (and the threads it starts) to cpus, or nothing."""
    return ["taskset", "-c", cpus] if cpus else []


def run_wrk(url: str, lua: Path, concurrency: int, duration: int, cpus: str | None = None) -> dict:
    cmd = [
        *taskset(cpus),
        "wrk",
        "-t1",
        f"-c{concurrency}",
        f"-d{duration}s",  # wrk takes whole seconds only
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(lua),
        f"{url}/predict",
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    match = re.search(r"^WRK_JSON (\{.*\})$", out.stdout, re.MULTILINE)
    if out.returncode or not match:
        raise SystemExit(f"{' '.join(cmd)}: exit {out.returncode}\n{out.stdout}\n{out.stderr}")
    return json.loads(match.group(1))


CLK_TCK = os.sysconf("SC_CLK_TCK")


def busy_seconds() -> float:
    """CPU seconds spent busy by the whole machine (all cores) since boot, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def group_seconds(pgid: int) -> float:
    """CPU seconds of every live process in a process group: a server and the workers it
    forked (`seqcast api --workers N`); each server is started as its own group (`spawn`)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[2]) == pgid:
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK
    return total


def children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def batch_totals(url: str, model: str) -> tuple[float, float]:
    """(rows, runs) so far of `model` in seqcast's seqcast_batch_size histogram (/metrics)."""
    text = httpx.get(f"{url}/metrics", timeout=10).raise_for_status().text
    totals = {"sum": 0.0, "count": 0.0}
    label = f'model="{model}"'
    for line in text.splitlines():
        for kind in totals:
            if line.startswith(f"seqcast_batch_size_{kind}{{") and label in line:
                totals[kind] += float(line.rsplit(" ", 1)[1])
    return totals["sum"], totals["count"]


def measure(
    arch: str,
    server: Running,
    lua: Path,
    concurrency: int,
    duration: int,
    cpus: str | None,
    batch_model: str | None = None,
) -> Row:
    """One wrk run, and how much CPU went to anything but the server, wrk and this script;
    with batch_model, also the mean rows per onnxruntime run of that model during it."""
    batches = batch_totals(server.url, batch_model) if batch_model else None
    before = busy_seconds(), group_seconds(server.proc.pid), children_seconds()
    own = time.process_time()
    w = run_wrk(server.url, lua, concurrency, duration, cpus)
    own = time.process_time() - own
    busy = busy_seconds() - before[0]
    server_cpu = group_seconds(server.proc.pid) - before[1]
    wrk_cpu = children_seconds() - before[2]
    seconds = w["duration_us"] / 1e6
    rows_per_run = None
    if batch_model and batches is not None:
        after = batch_totals(server.url, batch_model)
        runs = after[1] - batches[1]
        rows_per_run = (after[0] - batches[0]) / runs if runs else None
    return Row(
        arch=arch,
        server=server.name,
        concurrency=concurrency,
        req_per_s=w["requests"] / seconds,
        p50_us=w["p50_us"],
        p90_us=w["p90_us"],
        p99_us=w["p99_us"],
        mean_us=w["mean_us"],
        max_us=w["max_us"],
        requests=w["requests"],
        non_2xx=w["non_2xx"],
        socket_errors=w["connect"] + w["read"] + w["write"] + w["timeout"],
        duration_s=seconds,
        server_cpu_cores=server_cpu / seconds,
        wrk_cpu_cores=wrk_cpu / seconds,
        other_cpu_cores=max(0.0, busy - server_cpu - wrk_cpu - own) / seconds,
        rows_per_run=rows_per_run,
    )


def start_reference(
    name: str, arch: str, onnx: Path, logs: Path, routes: str, cpus: str | None
) -> Running:
    """One reference app as its own uvicorn process (1 worker, no access log)."""
    port = free_port()
    log_path = logs / f"{name}-{arch}.log"
    cmd = [
        *taskset(cpus),
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(BENCH_DIR),
        "--factory",
        f"reference_servers:{name}",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    # OMP_NUM_THREADS: torch.set_num_threads(1) alone does not reach thread-pool threads.
    env = clean_env(REF_ARCH=arch, REF_ONNX=str(onnx), REF_ROUTES=routes, OMP_NUM_THREADS="1")
    proc = spawn(cmd, env, log_path)
    url = f"http://127.0.0.1:{port}"
    wait_ready(proc, url, log_path, timeout=60, path="/healthz")
    return Running(name, proc, url)


def check_predict(server: Running, body: bytes, headers: dict[str, str]) -> np.ndarray:
    """A 200 with a [1][HORIZON][n_targets] forecast, or stop: load on an erroring server is moot.

    The repeats also warm the server up (session load, first-call allocations)."""
    for _ in range(20):
        r = httpx.post(
            f"{server.url}/predict",
            content=body,
            headers={"content-type": "application/json", **headers},
            timeout=60,
        )
        if r.status_code != 200:
            raise SystemExit(f"{server.name}: /predict answered {r.status_code}: {r.text[:500]}")
    forecast = np.asarray(r.json()["predictions"], dtype=np.float32)
    if forecast.shape != (1, HORIZON, len(TARGETS)):
        raise SystemExit(f"{server.name}: forecast of shape {forecast.shape}")
    return forecast


def check_refused(server: Running, body: bytes) -> None:
    """With auth on, a /predict without a key must get 401."""
    r = httpx.post(
        f"{server.url}/predict",
        content=body,
        headers={"content-type": "application/json"},
        timeout=60,
    )
    if r.status_code != 401:
        raise SystemExit(f"{server.name}: /predict without a key answered {r.status_code}")


def ort_batch1_us(onnx: Path, window: list, seconds: float) -> dict:
    """The model's own cost: one session as seqcast configures it, batch 1, median of many runs."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(onnx), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    x = np.asarray([window], dtype=np.float32)
    for _ in range(200):
        session.run(None, {name: x})
    samples: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(samples) < 500:
        t0 = time.perf_counter_ns()
        session.run(None, {name: x})
        samples.append((time.perf_counter_ns() - t0) / 1000)
    samples.sort()
    return {
        "median_us": statistics.median(samples),
        "p10_us": samples[len(samples) // 10],
        "p90_us": samples[len(samples) * 9 // 10],
        "iterations": len(samples),
    }


def prepare_models(
    data_dir: Path, archs: list[str], epochs: int, store: Backend | None = None
) -> dict[str, dict]:
    """Trained versions and their .onnx files, training only what data_dir does not hold yet.

    On the embedded default, an index in data_dir remembers what was trained (so --data-dir
    reuses it); a PostgreSQL backend's database is new each run, so everything is trained into
    it (`seqcast serve` on the same database, with a Redis broker and its train key)."""
    store = store or Backend("embedded")
    if store.database is None:
        index_path, onnx_dir = data_dir / "predict_load_models.json", data_dir / "onnx"
        index: dict[str, dict] = json.loads(index_path.read_text()) if index_path.exists() else {}
    else:
        # Beside the run's artifacts, so they go when the database goes.
        index_path, onnx_dir = None, Path(store.env["SEQCAST_ARTIFACT_ROOT"]) / "bench-onnx"
        index = {}
    missing = [a for a in archs if a not in index or not Path(index[a]["onnx"]).exists()]
    if missing:
        log(f"training {', '.join(missing)} ({epochs} epochs) with `seqcast serve` …")
        proc, url = start_server(data_dir, "serve", f"logs/serve-{store.name}.log", env=store.env)
        try:
            headers = Backend.bearer(store.train_key)
            with httpx.Client(base_url=url, timeout=600, headers=headers) as client:
                dataset = client.post("/datasets", json={"name": "bench", "columns": series()})
                dataset_id = dataset.raise_for_status().json()["id"]
                for arch in missing:
                    info = train(client, dataset_id, arch, epochs, timeout=600)
                    onnx = onnx_dir / f"bench-{arch}-v{info['version']}.onnx"
                    onnx.parent.mkdir(parents=True, exist_ok=True)
                    artifact = f"/models/bench-{arch}/versions/{info['version']}/artifact"
                    onnx.write_bytes(client.get(artifact).raise_for_status().content)
                    index[arch] = {**info, "onnx": str(onnx)}
                    if index_path is not None:
                        index_path.write_text(json.dumps(index, indent=2))
                    log(f"  {arch}: version {info['version']}, {info['wall_s']:.1f} s")
        finally:
            stop(proc)
    return {a: index[a] for a in archs}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def machine() -> dict:
    """What the numbers depend on: CPU, memory, versions, and what else was loading the box."""
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gib = 0.0
    with contextlib.suppress(OSError, ValueError, IndexError):
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        mem_gib = int(meminfo[0].split()[1]) / 2**20
    versions = {}
    for pkg in ("onnxruntime", "torch", "fastapi", "starlette", "uvicorn", "pydantic", "orjson"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[pkg] = importlib.metadata.version(pkg)
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()
    git = ["git", "-C", str(BENCH_DIR.parent)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--", "app", "workers"], capture_output=True, text=True
    )
    checkout = f"commit {head.stdout.strip() or 'unknown'}" + (
        " + uncommitted changes under app/ or workers/" if dirty.stdout.strip() else ""
    )
    return {
        "arch": platform.machine(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_gib, 1),
        "gpu": "none" if not shutil.which("nvidia-smi") else "present (unused: CPU serving)",
        "python": platform.python_version(),
        "versions": versions,
        "uvloop": importlib.util.find_spec("uvloop") is not None,
        "httptools": importlib.util.find_spec("httptools") is not None,
        "wrk": wrk[0].split(" Copyright")[0] if wrk else "",
        "checkout": checkout,
    }


def evaluate(rows: list[Row], ort_times: dict[str, dict], seqcasts: list[str]) -> list[dict]:
    """Issue 12's targets, per architecture and seqcast variant, from this run's numbers only.

    Each bound is a ratio to a figure of the same run (the floor, the model's own batch-1 run,
    FastAPI + onnxruntime), so a slower or busier machine moves value and bound together."""
    by = {(r.arch, r.server, r.concurrency): r for r in rows}
    levels = sorted({r.concurrency for r in rows})
    targets = []
    for arch in dict.fromkeys(r.arch for r in rows):
        fl1, fl64 = by.get((arch, "floor", 1)), by.get((arch, "floor", 64))
        for server in seqcasts:

            def at(c: int, arch: str = arch, server: str = server) -> Row | None:
                return by.get((arch, server, c))

            sq1, sq64 = at(1), at(64)
            # (target, value, bound, "le"/"ge", unit)
            checks: list[tuple[str, float | None, float | None, str, str]] = [
                (
                    "c=1 p50 ≤ floor p50 + batch-1 onnxruntime + 100 µs",
                    sq1 and sq1.p50_us,
                    fl1 and fl1.p50_us + ort_times[arch]["median_us"] + 100,
                    "le",
                    "latency",
                ),
                (
                    "c=64 req/s ≥ 0.5 × floor",
                    sq64 and sq64.req_per_s,
                    fl64 and 0.5 * fl64.req_per_s,
                    "ge",
                    "rate",
                ),
                (
                    "c=64 p99 ≤ 3 × floor p99",
                    sq64 and sq64.p99_us,
                    fl64 and 3 * fl64.p99_us,
                    "le",
                    "latency",
                ),
            ]
            for c in levels:
                sq = at(c)
                ratio = sq.p99_us / sq.p50_us if sq and sq.p50_us > 0 else None
                checks.append((f"c={c} p99 ÷ p50 ≤ 4", ratio, 4.0, "le", "ratio"))
            for c in levels:
                sq, ort = at(c), by.get((arch, "fastapi_ort", c))
                for q in ("p50", "p99"):
                    checks.append(
                        (
                            f"c={c} {q} ≤ FastAPI + onnxruntime {q}",
                            sq and getattr(sq, f"{q}_us"),
                            ort and getattr(ort, f"{q}_us"),
                            "le",
                            "latency",
                        )
                    )
            for name, value, bound, op, unit in checks:
                if value is None or bound is None:
                    verdict = "n/a"
                else:
                    ok = value >= bound if op == "ge" else value <= bound
                    verdict = "pass" if ok else "FAIL"
                targets.append(
                    {
                        "arch": arch,
                        "server": server,
                        "target": name,
                        "value": value,
                        "bound": bound,
                        "unit": unit,
                        "verdict": verdict,
                    }
                )
    return targets


def render(
    rows: list[Row],
    targets: list[dict],
    ort_times: dict[str, dict],
    labels: dict[str, str],
    notes: list[str],
) -> str:
    floor = {(r.arch, r.concurrency): r.req_per_s for r in rows if r.server == "floor"}
    out = [
        "| architecture | server | c | req/s | p50 | p99 | req/s ÷ floor | rows/run | non-2xx "
        "| socket err |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ref = floor.get((r.arch, r.concurrency))
        ratio = f"{r.req_per_s / ref:.2f}×" if ref else "n/a"
        out.append(
            f"| {r.arch} | {labels[r.server]} | {r.concurrency} | {r.req_per_s:,.0f} "
            f"| {fmt_latency(r.p50_us)} | {fmt_latency(r.p99_us)} | {ratio} "
            f"| {'' if r.rows_per_run is None else f'{r.rows_per_run:.1f}'} "
            f"| {r.non_2xx} | {r.socket_errors} |"
        )
    out += [
        "",
        "Model's own batch-1 onnxruntime run (in-process, 1 thread, median):",
        "",
        "| architecture | median | p10 | p90 | runs |",
        "|---|---|---|---|---|",
    ]
    for arch, t in ort_times.items():
        out.append(
            f"| {arch} | {t['median_us']:.0f} µs | {t['p10_us']:.0f} µs | {t['p90_us']:.0f} µs "
            f"| {t['iterations']:,} |"
        )
    out += [
        "",
        "Targets of issue 12 (seqcast, bounds from this run):",
        "",
        "| architecture | server | target | seqcast | bound | |",
        "|---|---|---|---|---|---|",
    ]

    def show(v: float | None, unit: str) -> str:
        if v is None:
            return "n/a"
        if unit == "rate":
            return f"{v:,.0f} req/s"
        return f"{v:.2f}×" if unit == "ratio" else fmt_latency(v)

    for t in targets:
        out.append(
            f"| {t['arch']} | {labels[t['server']]} | {t['target']} "
            f"| {show(t['value'], t['unit'])} | {show(t['bound'], t['unit'])} | {t['verdict']} |"
        )
    verdicts = [t["verdict"] for t in targets]
    out += [
        "",
        f"Targets: {verdicts.count('pass')} pass, {verdicts.count('FAIL')} FAIL, "
        f"{verdicts.count('n/a')} n/a (a bound needs c=1/c=64 and the floor or fastapi_ort).",
    ]
    errors = [r for r in rows if r.non_2xx or r.socket_errors]
    out += ["", "Errors: " + ("none" if not errors else "")]
    for r in errors:
        out.append(
            f"- {r.arch} {r.server} c={r.concurrency}: {r.non_2xx} non-2xx, "
            f"{r.socket_errors} socket errors"
        )
    out += ["", "Notes:", *(f"- {n}" for n in notes)]
    return "\n".join(out)


@contextlib.contextmanager
def terminate_as_exit() -> Iterator[None]:
    """SIGTERM/SIGHUP raise SystemExit, so `finally` stops the children on a kill too."""

    def handler(signum: int, _frame: object) -> None:
        log(f"{signal.Signals(signum).name}: stopping every server started")
        raise SystemExit(128 + signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument(
        "--warmup", type=int, default=1, help="unmeasured wrk seconds (c=16) per server and arch"
    )
    parser.add_argument("--archs", nargs="+", choices=ARCHITECTURES, default=list(ARCHITECTURES))
    parser.add_argument("--concurrency", nargs="+", type=int, default=[1, 16, 64])
    parser.add_argument(
        "--servers",
        nargs="+",
        choices=SERVERS,
        default=list(SERVERS),
        help="seqcast stands for every variant that --batcher and --api-workers ask for",
    )
    parser.add_argument(
        "--backend",
        choices=("embedded", "postgres"),
        default="embedded",
        help="seqcast's state: the embedded default (SQLite, auth off), or a fresh PostgreSQL "
        "database + Redis, auth on (an API key made for the run), dropped afterwards",
    )
    parser.add_argument("--pg-server", default=PG_SERVER, help="with postgres: the server URL")
    parser.add_argument("--redis-url", default=REDIS_URL, help="with postgres: broker + streams")
    parser.add_argument(
        "--batcher",
        choices=("on", "off", "both"),
        default="on",
        help="seqcast's adaptive batcher; off: SEQCAST_BATCH_MAX_SIZE=1 (each request runs "
        "alone); both: one seqcast of each, interleaved with the others",
    )
    parser.add_argument(
        "--api-workers",
        nargs="+",
        type=int,
        default=[1],
        metavar="N",
        help="one seqcast per N (`seqcast api --workers N` when N > 1), e.g. 1 2",
    )
    parser.add_argument(
        "--ref-routes",
        choices=("async", "sync"),
        default="async",
        help="FastAPI references: `async def` inline on the loop, or `def` in the thread pool",
    )
    parser.add_argument("--server-cpus", help="pin every server, e.g. 0 (taskset -c); default: no")
    parser.add_argument("--wrk-cpus", help="pin wrk, e.g. 1 or 0 (same core as the servers)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--ort-seconds", type=float, default=2, help="batch-1 timing per arch")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="reuse (or keep) trained models here (embedded backend; postgres always trains)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "predict_load.json")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk")
    if any(n < 1 for n in args.api_workers):
        parser.error("--api-workers: each N must be ≥ 1")
    seqcasts = variants(args.batcher, args.api_workers) if "seqcast" in args.servers else []
    if any(v.workers > 1 for v in seqcasts) and not api_has_workers_option():
        raise SystemExit(
            "--api-workers > 1: this checkout's `seqcast api` has no --workers option yet"
        )
    labels = {**LABELS, **{v.name: v.label for v in seqcasts}}
    single = {v.name for v in seqcasts if v.workers == 1}
    # Fixed order, seqcast variants first: the interleaving is the same in every run.
    servers = [v.name for v in seqcasts] + [s for s in REFERENCES if s in args.servers]
    runs = len(args.archs) * len(args.concurrency) * len(servers)
    log(
        f"{runs} wrk runs × {args.duration} s (+ {args.warmup} s warm-up per server and "
        f"architecture): load phase ≈ {(runs * args.duration) / 60:.1f} min plus start-ups"
    )
    started = time.time()
    load_before = os.getloadavg()
    if load_before[0] > 0.5:
        log(
            f"warning: load average {load_before[0]:.2f} before the run: something else is using "
            "the CPUs, every number below will be lower and noisier"
        )

    with contextlib.ExitStack() as stack, terminate_as_exit():
        data_dir = make_data_dir(stack, args.data_dir, "seqcast-load-")
        if args.backend == "postgres":
            log(f"creating a PostgreSQL database on {args.pg_server} …")
        store = stack.enter_context(
            backend(args.backend, data_dir, pg_server=args.pg_server, redis_url=args.redis_url)
        )
        models = prepare_models(data_dir, args.archs, args.epochs, store)
        window = last_window(series())
        body = json.dumps({"model": "bench-ARCH", "inputs": [window]})
        auth = Backend.bearer(store.predict_key)
        lua_headers = "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in auth.items())

        log("timing each model's batch-1 onnxruntime run …")
        ort_times = {
            a: ort_batch1_us(Path(models[a]["onnx"]), window, args.ort_seconds) for a in args.archs
        }

        running: dict[str, Running] = {}

        def stop_all() -> None:
            for server in running.values():
                stop(server.proc, timeout=15)
            running.clear()

        stack.callback(stop_all)  # before the database is dropped (ExitStack: last in, first out)
        logs = data_dir / "logs"
        meta = machine()  # before any server starts: what they import is what is on disk now
        for v in seqcasts:
            proc, url = start_server(
                data_dir,
                "api",
                f"logs/{v.name}-api.log",
                prefix=taskset(args.server_cpus),
                env={**store.env, **v.env},
                args=v.args,
            )
            running[v.name] = Running(v.name, proc, url)
        for name in ("floor", "fastapi_pydantic"):  # the same for every architecture
            if name in servers:
                no_model = Path(os.devnull)
                running[name] = start_reference(
                    name, "any", no_model, logs, args.ref_routes, args.server_cpus
                )

        rows: list[Row] = []
        mismatch: dict[str, dict[str, float]] = {}
        for arch in args.archs:
            onnx = Path(models[arch]["onnx"])
            for name in PER_ARCH:
                if name in servers:
                    running[name] = start_reference(
                        name, arch, onnx, logs, args.ref_routes, args.server_cpus
                    )
            arch_body = body.replace("bench-ARCH", f"bench-{arch}")
            lua = data_dir / f"post-{arch}.lua"
            lua.write_text(LUA.format(headers=lua_headers, body=arch_body))
            forecasts = {n: check_predict(running[n], arch_body.encode(), auth) for n in servers}
            if auth:  # the key is really checked: without it, seqcast refuses
                for v in seqcasts:
                    check_refused(running[v.name], arch_body.encode())
            if "fastapi_ort" in forecasts:
                mismatch[arch] = {
                    v.name: float(np.abs(forecasts[v.name] - forecasts["fastapi_ort"]).max())
                    for v in seqcasts
                }
            if args.warmup > 0:
                for name in servers:
                    run_wrk(running[name].url, lua, 16, args.warmup, args.wrk_cpus)
            for c in args.concurrency:
                for name in servers:
                    # One worker only: with several, /metrics is whichever worker answers.
                    scrape = f"bench-{arch}" if name in single else None
                    row = measure(arch, running[name], lua, c, args.duration, args.wrk_cpus, scrape)
                    rows.append(row)
                    log(
                        f"  {arch:<11} {name:<18} c={c:<3} {row.req_per_s:>8,.0f} req/s  "
                        f"p50 {fmt_latency(row.p50_us):>9}  p99 {fmt_latency(row.p99_us):>9}  "
                        f"cpu server {row.server_cpu_cores:.2f} wrk {row.wrk_cpu_cores:.2f} "
                        f"other {row.other_cpu_cores:.2f}"
                        + (
                            f"  rows/run {row.rows_per_run:.1f}"
                            if row.rows_per_run is not None
                            else ""
                        )
                        + (f"  non-2xx {row.non_2xx}" if row.non_2xx else "")
                        + (f"  socket errors {row.socket_errors}" if row.socket_errors else "")
                    )
            for name in PER_ARCH:
                if name in running:
                    stop(running.pop(name).proc, timeout=15)
        backend_line = store.describe()

    load_after = os.getloadavg()
    noisy = [r for r in rows if r.other_cpu_cores > 0.1]
    targets = evaluate(rows, ort_times, [v.name for v in seqcasts])
    checkout_after = machine()["checkout"]
    diffs = [f"{a} {max(d.values()):.1e}" for a, d in mismatch.items() if d]
    variant_lines = [
        f"{v.label}: `seqcast api{' ' + ' '.join(v.args) if v.args else ''}`"
        + ("" if v.batcher else " with SEQCAST_BATCH_MAX_SIZE=1 (every request runs alone)")
        for v in seqcasts
    ]
    notes = [
        f"{meta['arch']}, {meta['cpu'] or 'unknown CPU'}, {meta['cores']} cores, "
        f"{meta['memory_gib']:.0f} GiB, GPU: {meta['gpu']}; Python {meta['python']}, "
        + ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
        + f"; uvloop {'yes' if meta['uvloop'] else 'no'}, httptools "
        f"{'yes' if meta['httptools'] else 'no'}"
        + (
            " (every server runs on uvicorn's asyncio + h11 fallback)."
            if not (meta["uvloop"] or meta["httptools"])
            else " (uvicorn picks them up for every server)."
        ),
        f"wrk ({meta['wrk']}) -t1, {args.duration} s per run, runs on the same cores as the "
        "servers: the same handicap for every server, so the ratios stay fair; absolute numbers "
        "are lower than a separate load machine would show. Pinning: servers "
        f"{args.server_cpus or 'none'}, wrk {args.wrk_cpus or 'none'}.",
        "Request body everywhere: one 48 × 3 window (batch 1) and seqcast's model name"
        + (", with the `Authorization: Bearer` header" if auth else "")
        + "; reference servers ignore the name and reply with seqcast's shape [1][12][2].",
        (
            "FastAPI reference routes are `async def`, run inline on the event loop"
            if args.ref_routes == "async"
            else "FastAPI reference routes are `def`, run in FastAPI's thread pool"
        )
        + " (--ref-routes); the floor is always an async Starlette route; fastapi_ort runs the "
        "same .onnx seqcast serves (max abs difference seqcast vs fastapi_ort per arch: "
        + (", ".join(diffs) or "not compared")
        + "); fastapi_torch uses the same architecture and size with random weights.",
        f"seqcast runs as `seqcast api`, no worker, on {backend_line}; otherwise default "
        f"settings. Variants: {'; '.join(variant_lines) or 'none'}. Its serving path is that "
        f"of this checkout: {meta['checkout']}"
        + (
            f" (HEAD moved to {checkout_after} during the run)."
            if checkout_after != meta["checkout"]
            else "."
        ),
        "Server CPU counts every process of the server's process group (uvicorn's workers "
        "too). rows/run: seqcast's mean windows per onnxruntime run during the wrk run, from its "
        "seqcast_batch_size histogram (1-worker variants only: with several workers /metrics "
        "answers for one of them).",
        f"Load average (1/5/15 min) before: {'/'.join(f'{x:.2f}' for x in load_before)}, after: "
        f"{'/'.join(f'{x:.2f}' for x in load_after)}. CPU taken by other processes during a wrk "
        f"run: at most {max((r.other_cpu_cores for r in rows), default=0):.2f} cores; "
        + (
            "runs above 0.1 core (numbers disturbed): "
            + ", ".join(f"{r.arch}/{r.server}/c={r.concurrency}" for r in noisy)
            if noisy
            else "no run above 0.1 core."
        ),
    ]
    print(render(rows, targets, ort_times, labels, notes))
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M", time.localtime(started)),
        "wall_s": round(time.time() - started, 1),
        "machine": meta,
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "backend": backend_line,
        "servers": {name: labels[name] for name in servers},
        "load_average_before": load_before,
        "load_average_after": load_after,
        "models": {a: {k: v for k, v in m.items() if k != "onnx"} for a, m in models.items()},
        "ort_batch1": ort_times,
        "seqcast_vs_ort_max_abs_diff": mismatch,
        "rows": [asdict(r) for r in rows],
        "targets": targets,
        "notes": notes,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    log(f"raw results: {args.out} ({result['wall_s']:.0f} s in all)")


if __name__ == "__main__":
    main()
