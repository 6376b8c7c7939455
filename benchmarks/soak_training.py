"""Training soak: 200 small jobs through two workers, one SIGKILLed halfway; none lost, none twice.

Why: the fault tests kill a worker under one job; a soak shows that the guarantees hold at
volume, with a queue behind the dead worker, a survivor that keeps consuming, and the API's
reconciler re-queueing the orphaned job among a hundred others.

Runs on PostgreSQL + Redis (loopback only): creates a fresh database `seqcast_soak_<random>`
migrated with `app.migrate.upgrade`, an admin API key (keys are required off SQLite), a task
queue of its own, then starts `seqcast api` (reconciler every 2 s, heartbeat timeout 10 s) and
two `seqcast worker` processes (`--concurrency 1`: a Celery main process and one pool child).
It uploads one short seasonal series, submits --jobs tiny GRU jobs (hidden 4, 1 layer, --epochs
epochs with no early stop, one model name per job, an Idempotency-Key each), and once --kill-at
jobs have finished SIGKILLs one worker's whole process group (main, pool child, any export
process) while it is running a job — preferably between two epochs. The survivor keeps going
(--replace starts a fresh worker instead); the reconciler sees the dead job's heartbeat go silent
and re-queues it, and a worker resumes it from its last epoch checkpoint.

Checks, once every job is terminal (or --timeout, or no job finished for --stall seconds):
every job `succeeded` (none lost); `attempts` is 1, and 2 for the job the killed worker was
running; every job's history has epochs 1..E exactly once; every model has exactly one version,
version 1, whose `job_id` is that job (so the versions' job ids are distinct and cover every job);
the database holds one model_versions row per job; the worker logs show one `registered` line
per job. Prints a summary, writes results/soak_training.json, exits 1 on any failure. The
database, the queue's Redis keys and every process started are removed at the end.

    .venv/bin/python benchmarks/soak_training.py                      # 200 jobs: ~6-10 min
    .venv/bin/python benchmarks/soak_training.py --jobs 20 --kill-at 10
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
import psycopg
import redis
from _common import RESULTS_DIR, clean_env, free_port, log_tail, spawn, stop, wait_ready
from predict_load import log, machine, terminate_as_exit

from app.auth import service as keys
from app.auth.service import Scope
from app.db import make_engine, make_sessionmaker
from app.migrate import upgrade

PG_SERVER = os.environ.get("SEQCAST_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("SEQCAST_TEST_REDIS", "redis://127.0.0.1:6379/0")
TERMINAL = ("succeeded", "failed", "cancelled")


@dataclass
class Worker:
    name: str
    proc: subprocess.Popen
    log: Path
    killed: bool = False
    pool: list[int] = field(default_factory=list)


@dataclass
class Kill:
    worker: str
    main_pid: int
    pool_pids: list[int]
    job_id: str | None
    job_epochs_done: int | None
    job_status_after: str | None
    finished_before: int
    at_s: float  # seconds after the first submission
    recovered_s: float | None = None  # kill → that job succeeded


def seasonal(n: int, period: int = 12) -> list[float]:
    """A short noisy sine: enough for a 4-unit GRU to learn something in a few epochs."""
    import numpy as np

    rng = np.random.default_rng(0)
    t = np.arange(n)
    y = 10 + 3 * np.sin(2 * np.pi * t / period) + 0.01 * t + rng.normal(0, 0.2, n)
    return np.round(y, 4).tolist()


def create_database(server: str) -> tuple[str, str]:
    """A fresh, migrated database: (its name, its SQLAlchemy URL)."""
    name = f"seqcast_soak_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{server.replace('postgresql://', 'postgresql+psycopg://')}/{name}"
    upgrade(url)
    return name, url


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def admin_key(url: str) -> str:
    """An admin key, created as tests/support/keys.py `make_key` does (keys are required off
    SQLite)."""
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            _, key = keys.create(session, name="soak-admin", scopes=[Scope.admin])
            session.commit()
    finally:
        engine.dispose()
    return key


def clean_redis(url: str, queue: str) -> int:
    """Remove what this run's queue left in Redis: its list and the messages still unacked
    (the killed worker's), which would otherwise be restored to it after the visibility timeout.
    Only entries routed to `queue` are touched: the Redis database is shared."""
    r = redis.Redis.from_url(url)
    removed = 0
    try:
        for tag, raw in r.hgetall("unacked").items():
            with contextlib.suppress(ValueError, TypeError, IndexError):
                _payload, exchange, routing_key = json.loads(raw)
                if queue in (exchange, routing_key):
                    removed += r.hdel("unacked", tag)
                    r.zrem("unacked_index", tag)
        names = [k for k in r.scan_iter(match=f"{queue}*") if k.decode().startswith(queue)]
        names += [f"_kombu.binding{kind}.{queue}".encode() for kind in ("", "_permanent")]
        removed += r.delete(*names)
    finally:
        r.close()
    return removed


def pool_children(pid: int) -> list[int]:
    """Direct children of a process (a prefork worker's pool processes), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def start_worker(name: str, env: dict[str, str], logs: Path, timeout: float = 120) -> Worker:
    """`seqcast worker` (it execs Celery, so the pid is Celery's main process), once ready."""
    log_path = logs / f"{name}.log"
    proc = spawn([sys.executable, "-m", "app.cli", "worker"], env, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{name} exited ({proc.returncode}):\n{log_tail(log_path)}")
        if b" ready." in log_path.read_bytes():
            return Worker(name, proc, log_path, pool=pool_children(proc.pid))
        time.sleep(0.2)
    stop(proc)
    raise SystemExit(f"{name} not ready after {timeout:.0f} s:\n{log_tail(log_path)}")


def status_counts(conn: psycopg.Connection) -> dict[str, int]:
    rows = conn.execute("SELECT status, count(*) FROM training_jobs GROUP BY status").fetchall()
    return {str(s): n for s, n in rows}


def running_jobs(conn: psycopg.Connection) -> list[tuple[str, str, int, int]]:
    """(id, worker "host:pid", epochs_done, epochs_total) of every running job."""
    return conn.execute(
        "SELECT id, worker, epochs_done, epochs_total FROM training_jobs WHERE status = 'running'"
    ).fetchall()


def kill_one(
    workers: list[Worker], conn: psycopg.Connection, wait_s: float, started: float, done: int
) -> Kill:
    """SIGKILL the process group of a worker that is running a job, preferably between two
    epochs (a checkpoint exists, so the resume path is exercised); any running job after wait_s.
    """
    alive = [w for w in workers if not w.killed]
    deadline = time.monotonic() + wait_s
    choice: tuple[Worker, str, int] | None = None
    while choice is None and time.monotonic() < deadline + wait_s:
        mid_epoch_only = time.monotonic() < deadline
        for job_id, where, done_epochs, total in running_jobs(conn):
            pid = int(where.rpartition(":")[2]) if where and where[-1].isdigit() else -1
            for w in alive:
                if pid in pool_children(w.proc.pid) and (
                    not mid_epoch_only or 1 <= done_epochs < total
                ):
                    choice = (w, job_id, done_epochs)
                    break
            if choice:
                break
        else:
            time.sleep(0.02)
    if choice is None:
        log("no worker caught running a job: killing the first one anyway")
        victim, job_id, epochs_done = alive[0], None, None
    else:
        victim, job_id, epochs_done = choice
    pool = pool_children(victim.proc.pid)
    os.killpg(victim.proc.pid, signal.SIGKILL)  # main + pool child + export child, at once
    at = time.monotonic() - started
    victim.proc.wait()
    victim.killed = True
    after = None
    if job_id:
        row = conn.execute("SELECT status FROM training_jobs WHERE id = %s", (job_id,)).fetchone()
        after = str(row[0]) if row else None
    return Kill(victim.name, victim.proc.pid, pool, job_id, epochs_done, after, done, at)


def count_lines(paths: list[Path], pattern: str) -> collections.Counter[str]:
    """Per job id (the regex's group 1): how many lines of these logs match."""
    counts: collections.Counter[str] = collections.Counter()
    rx = re.compile(pattern)
    for path in paths:
        for line in path.read_text(errors="replace").splitlines():
            if m := rx.search(line):
                counts[m.group(1)] += 1
    return counts


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)] if ordered else math.nan


def verify(
    client: httpx.Client,
    conn: psycopg.Connection,
    job_ids: dict[str, str],
    epochs: int,
    victim_job: str | None,
    logs: list[Path],
) -> tuple[list[str], dict]:
    """Every check, from the API (jobs, models, versions), the database and the worker logs.
    Returns the failures (empty: pass) and figures for the report."""
    failures: list[str] = []
    jobs = {}
    for name, job_id in job_ids.items():
        jobs[name] = client.get(f"/jobs/{job_id}").raise_for_status().json()
    by_status = collections.Counter(j["status"] for j in jobs.values())
    for name, job in jobs.items():
        if job["status"] != "succeeded":
            failures.append(f"{job['id']} ({name}): {job['status']} — {job['error']}")
        expected = 2 if job["id"] == victim_job else 1
        if job["attempts"] != expected:
            failures.append(
                f"{job['id']} ({name}): attempts {job['attempts']}, expected {expected}"
            )
        history = [h["epoch"] for h in job["history"]]
        if job["status"] == "succeeded" and history != list(range(1, epochs + 1)):
            failures.append(f"{job['id']} ({name}): history epochs {history}")

    version_jobs: dict[str, str] = {}
    for name, job_id in job_ids.items():
        model = client.get(f"/models/{name}")
        if model.status_code == 404:
            if jobs[name]["status"] == "succeeded":
                failures.append(f"{job_id} ({name}): succeeded but the model does not exist")
            continue
        versions = [v["version"] for v in model.raise_for_status().json()["versions"]]
        if versions != [1]:
            failures.append(f"{name}: versions {versions}, expected exactly [1]")
        for v in versions:
            detail = client.get(f"/models/{name}/versions/{v}").raise_for_status().json()
            version_jobs[f"{name}/v{v}"] = detail["job_id"]
            if detail["job_id"] != job_id:
                failures.append(f"{name} v{v}: job_id {detail['job_id']}, expected {job_id}")
    distinct = set(version_jobs.values())
    if len(distinct) != len(version_jobs):
        failures.append(f"{len(version_jobs)} versions but {len(distinct)} distinct job ids")
    if missing := set(job_ids.values()) - distinct:
        failures.append(f"{len(missing)} jobs have no version: {sorted(missing)[:10]}")

    rows, distinct_rows = conn.execute(
        "SELECT count(*), count(DISTINCT job_id) FROM model_versions"
    ).fetchone()
    if rows != len(job_ids) or distinct_rows != len(job_ids):
        failures.append(f"model_versions: {rows} rows, {distinct_rows} distinct job ids")

    registered = count_lines(logs, r"job (\w+) registered ")
    received = count_lines(logs, r"Task training\.run\[(\w+)\] received")
    twice = {j: n for j, n in registered.items() if n != 1}
    if twice:
        failures.append(f"registered more than once (worker logs): {twice}")
    if never := set(job_ids.values()) - set(registered):
        failures.append(f"{len(never)} jobs never logged `registered`: {sorted(never)[:10]}")

    timings = [j["timings"] for j in jobs.values() if j["status"] == "succeeded"]
    figures = {
        "by_status": dict(by_status),
        "attempts": dict(collections.Counter(j["attempts"] for j in jobs.values())),
        "versions": len(version_jobs),
        "distinct_version_job_ids": len(distinct),
        "db_model_versions_rows": rows,
        "registered_log_lines": sum(registered.values()),
        "deliveries_received": sum(received.values()),
        "jobs_delivered_more_than_once": {j: n for j, n in received.items() if n > 1},
        "duplicate_deliveries_skipped": sum(
            count_lines(logs, r"job (\w+) (?:already \w+; nothing to do|is running on)").values()
        ),
        "resumed_log_lines": dict(count_lines(logs, r"job (\w+) resumes after epoch")),
        "timings_median_s": {
            k: statistics.median(t[k] for t in timings if k in t)
            for k in ("queued", "training", "export", "total")
            if any(k in t for t in timings)
        },
        "total_s_p90": pct([t["total"] for t in timings if "total" in t], 0.9),
        "victim_job": jobs.get(next((n for n, i in job_ids.items() if i == victim_job), ""), {}),
    }
    return failures, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--kill-at", type=int, help="finished jobs before the kill (default: half)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=240, help="length of the training series")
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=1,
        help="OMP_NUM_THREADS of each worker: 1, so two workers do not oversubscribe two cores",
    )
    parser.add_argument("--replace", action="store_true", help="start a worker for the killed one")
    parser.add_argument("--timeout", type=float, default=900, help="max seconds for all jobs")
    parser.add_argument("--stall", type=float, default=180, help="give up after no progress (s)")
    parser.add_argument("--postgres", default=PG_SERVER, help="server URL, without database")
    parser.add_argument("--redis", default=REDIS_URL)
    parser.add_argument("--keep", action="store_true", help="keep the data folder (logs)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "soak_training.json")
    args = parser.parse_args()
    kill_at = args.kill_at if args.kill_at is not None else args.jobs // 2
    for url in (args.postgres, args.redis):
        if not url.split("://", 1)[1].split("@")[-1].startswith(("127.0.0.1", "localhost")):
            raise SystemExit(f"{url}: loopback only")
    run_started = time.time()
    load_before = os.getloadavg()
    queue = f"seqcast-soak-{uuid.uuid4().hex[:8]}"

    with contextlib.ExitStack() as stack, terminate_as_exit():
        tmp = (
            tempfile.mkdtemp(prefix="seqcast-soak-")
            if args.keep
            else stack.enter_context(tempfile.TemporaryDirectory(prefix="seqcast-soak-"))
        )
        data_dir = Path(tmp)
        logs = data_dir / "logs"
        db_name, db_url = create_database(args.postgres)
        stack.callback(drop_database, args.postgres, db_name)
        stack.callback(lambda: log(f"removed {clean_redis(args.redis, queue)} Redis keys/entries"))
        key = admin_key(db_url)
        log(f"database {db_name}, queue {queue}, data {data_dir}")
        env = clean_env(
            SEQCAST_DATA_DIR=str(data_dir),
            SEQCAST_DATABASE_URL=db_url,
            SEQCAST_BROKER_URL=args.redis,
            SEQCAST_ARTIFACT_ROOT=str(data_dir / "artifacts"),
            SEQCAST_TASK_QUEUE=queue,
            SEQCAST_TRAINING_DEVICE="cpu",
            SEQCAST_RECONCILE_INTERVAL_SECONDS="2",
            SEQCAST_JOB_HEARTBEAT_TIMEOUT_SECONDS="10",
        )
        worker_env = {
            **env,
            "OMP_NUM_THREADS": str(args.torch_threads),
            "MKL_NUM_THREADS": str(args.torch_threads),
        }
        port = free_port()
        api_log = logs / "api.log"
        api = spawn([sys.executable, "-m", "app.cli", "api", "--port", str(port)], env, api_log)
        stack.callback(stop, api, 15)
        url = f"http://127.0.0.1:{port}"
        wait_ready(api, url, api_log)
        workers: list[Worker] = []

        def stop_workers() -> None:
            for w in workers:
                stop(w.proc, timeout=20)

        stack.callback(stop_workers)
        for i in (1, 2):
            workers.append(start_worker(f"worker-{i}", worker_env, logs))
        log(
            "api pid {}, {}".format(
                api.pid,
                ", ".join(f"{w.name} pid {w.proc.pid} (pool {w.pool})" for w in workers),
            )
        )
        client = stack.enter_context(
            httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60)
        )
        series = {"name": "soak", "columns": {"y": seasonal(args.rows)}}
        dataset = client.post("/datasets", json=series)
        dataset_id = dataset.raise_for_status().json()["id"]
        conn = stack.enter_context(psycopg.connect(db_url.replace("+psycopg", ""), autocommit=True))

        started = time.monotonic()
        job_ids: dict[str, str] = {}
        for i in range(args.jobs):
            name = f"soak-{i:03d}"
            body = {
                "model_name": name,
                "architecture": "gru",
                "dataset_id": dataset_id,
                "target_columns": ["y"],
                "input_length": 16,
                "horizon": 4,
                "hyperparameters": {
                    "hidden_size": 4,
                    "num_layers": 1,
                    "epochs": args.epochs,
                    "batch_size": 32,
                    "early_stopping_patience": args.epochs,  # every epoch runs: history 1..E
                    "seed": i,
                },
            }
            headers = {"Idempotency-Key": f"{queue}-{i}"}
            job_ids[name] = client.post("/train", json=body, headers=headers).raise_for_status()
            job_ids[name] = job_ids[name].json()["id"]
        submitted_s = time.monotonic() - started
        log(f"{args.jobs} jobs submitted in {submitted_s:.1f} s")

        kill: Kill | None = None
        progress: list[dict] = []
        last_done, last_change, next_report = 0, time.monotonic(), 0.0
        outcome = "all terminal"
        while True:
            counts = status_counts(conn)
            done = sum(counts.get(s, 0) for s in TERMINAL)
            now = time.monotonic()
            if done != last_done:
                last_done, last_change = done, now
                progress.append({"t_s": round(now - started, 1), "done": done})
            if kill is None and done >= kill_at:
                kill = kill_one(workers, conn, 15, started, done)
                log(
                    f"t={kill.at_s:.0f} s, {kill.finished_before} finished: SIGKILLed "
                    f"{kill.worker} (main {kill.main_pid}, pool {kill.pool_pids}) running job "
                    f"{kill.job_id} after epoch {kill.job_epochs_done} "
                    f"(now {kill.job_status_after})"
                )
                if args.replace:
                    workers.append(start_worker("worker-3", worker_env, logs))
            if kill and kill.job_id and kill.recovered_s is None:
                row = conn.execute(
                    "SELECT status FROM training_jobs WHERE id = %s", (kill.job_id,)
                ).fetchone()
                if row and str(row[0]) in TERMINAL:
                    kill.recovered_s = now - started - kill.at_s
            if done >= args.jobs:
                break
            if now - started > args.timeout:
                outcome = f"timeout after {args.timeout:.0f} s"
                break
            if now - last_change > args.stall:
                outcome = f"stalled: no job finished for {args.stall:.0f} s"
                break
            if any(w.proc.poll() is not None for w in workers if not w.killed):
                outcome = "a worker that was not killed exited"
                break
            if now >= next_report:
                log(f"  t={now - started:5.0f} s  {counts}")
                next_report = now + 30
            time.sleep(0.5)
        wall = time.monotonic() - started
        log(f"{outcome} after {wall:.0f} s: {status_counts(conn)}")

        worker_logs = [w.log for w in workers]
        victim = kill.job_id if kill and kill.job_status_after == "running" else None
        failures, figures = verify(client, conn, job_ids, args.epochs, victim, worker_logs)
        if outcome != "all terminal":
            failures.insert(0, outcome)
        if kill is None:
            failures.insert(0, "no worker was killed")
        elif kill.job_status_after != "running":
            failures.append(f"the killed worker's job was {kill.job_status_after} after the kill")
        api_text = api_log.read_text(errors="replace")
        reconciler = {
            "requeued": len(re.findall(r"went silent on .*; re-queued it", api_text)),
            "published_lost": len(re.findall(r"was never published; published it now", api_text)),
        }
        stop_workers()

    before_kill = [p for p in progress if kill and p["t_s"] <= kill.at_s]
    rate_two = before_kill[-1]["done"] / before_kill[-1]["t_s"] * 60 if before_kill else None
    after = [p for p in progress if kill and p["t_s"] > kill.at_s]
    rate_one = (
        (after[-1]["done"] - kill.finished_before) / (after[-1]["t_s"] - kill.at_s) * 60
        if after and kill and after[-1]["t_s"] > kill.at_s
        else None
    )
    meta = machine()
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M", time.localtime(run_started)),
        "wall_s": round(time.time() - run_started, 1),
        "jobs_wall_s": round(wall, 1),
        "submit_s": round(submitted_s, 1),
        "machine": meta,
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "outcome": outcome,
        "kill": asdict(kill) if kill else None,
        "jobs_per_min_two_workers": rate_two,
        "jobs_per_min_after_kill": rate_one,
        "reconciler": reconciler,
        **{k: v for k, v in figures.items() if k != "victim_job"},
        "victim_job": {
            k: figures["victim_job"].get(k)
            for k in ("id", "model_name", "status", "attempts", "history", "timings")
        },
        "progress": progress,
        "failures": failures,
        "passed": not failures,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n")

    med = figures["timings_median_s"]
    print(
        f"training soak: {args.jobs} GRU jobs (hidden 4, 1 layer, {args.epochs} epochs), "
        f"2 workers, {outcome} in {wall:.0f} s (submitting took {submitted_s:.1f} s)\n"
        f"  status: {figures['by_status']}  attempts: {figures['attempts']}\n"
        f"  versions: {figures['versions']} ({figures['distinct_version_job_ids']} distinct job "
        f"ids; {figures['db_model_versions_rows']} rows in model_versions); `registered` log "
        f"lines: {figures['registered_log_lines']}\n"
        f"  deliveries: {figures['deliveries_received']} received, "
        f"{figures['duplicate_deliveries_skipped']} skipped as duplicates; reconciler re-queued "
        f"{reconciler['requeued']}×, published lost {reconciler['published_lost']}×\n"
        f"  per job (median s): "
        + ", ".join(f"{k} {v:.2f}" for k, v in med.items())
        + f"; total p90 {figures['total_s_p90']:.2f}\n"
        f"  throughput: {rate_two or 0:.1f} jobs/min with two workers, "
        f"{rate_one or 0:.1f} jobs/min after the kill"
    )
    if kill:
        v = result["victim_job"]
        print(
            f"  kill at t={kill.at_s:.0f} s ({kill.finished_before} finished): {kill.worker} "
            f"running {kill.job_id} after epoch {kill.job_epochs_done} of {args.epochs}; that job: "
            f"{v.get('status')}, attempts {v.get('attempts')}, epochs "
            f"{[h['epoch'] for h in v.get('history') or []]}, "
            f"resumed lines {figures['resumed_log_lines']}, succeeded "
            + (f"{kill.recovered_s:.0f} s after the kill" if kill.recovered_s else "never")
        )
    for f in failures[:50]:
        print(f"  FAIL: {f}")
    if len(failures) > 50:
        print(f"  … {len(failures) - 50} more failures in {args.out}")
    print("  PASS" if not failures else f"  {len(failures)} failures")
    sys.stdout.flush()  # the summary before the stderr lines that follow
    log(f"raw results: {args.out} ({result['wall_s']:.0f} s in all)")
    if failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
