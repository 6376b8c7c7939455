"""Pieces the benchmark scripts share: the synthetic series, starting/stopping seqcast, training.

Every child process is started in its own session (process group), so `stop` can take down what
it spawned too (`seqcast serve` starts a Celery worker) even when the child does not exit cleanly.
Loopback only.
"""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "benchmarks"
RESULTS_DIR = BENCH_DIR / "results"
INPUT_LENGTH, HORIZON = 48, 12
FEATURES, TARGETS = ("y1", "y2", "x"), ("y1", "y2")


def series(n: int = 2000, seed: int = 0) -> dict[str, list[float]]:
    """Two seasonal targets and one covariate: enough structure for the nets to learn something."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y1 = 10 + 3 * np.sin(2 * np.pi * t / 24) + rng.normal(0, 0.3, n)
    y2 = 5 + np.cos(2 * np.pi * t / 12) + 0.002 * t + rng.normal(0, 0.2, n)
    x = np.sin(2 * np.pi * t / 168)
    return {"y1": y1.round(4).tolist(), "y2": y2.round(4).tolist(), "x": x.round(4).tolist()}


def last_window(data: dict[str, list[float]]) -> list[list[float]]:
    """The newest INPUT_LENGTH × len(FEATURES) window, as /predict takes it."""
    cols = np.column_stack([data[c] for c in FEATURES])
    return cols[-INPUT_LENGTH:].tolist()


def data_dir(stack: contextlib.ExitStack, given: Path | None, prefix: str) -> Path:
    """The --data-dir the user gave (kept, so trained models can be reused), else a temporary
    folder that `stack` removes."""
    if given is not None:
        path = given.resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path
    return Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=prefix)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without SEQCAST_* (a stray setting must not leak into a run)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEQCAST_")}
    env.update(extra)
    return env


def spawn(cmd: Sequence[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    """Start a child in its own process group, output to log_path (never to our terminal)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(
            list(cmd),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def stop(proc: subprocess.Popen, timeout: float = 60) -> None:
    """SIGINT (a clean uvicorn/serve shutdown), then SIGKILL the whole group if it lingers."""
    if proc.poll() is None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=timeout)
    # Whatever the child left behind in its group (e.g. serve's worker if serve was killed).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def log_tail(path: Path, n: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def wait_ready(
    proc: subprocess.Popen, url: str, log_path: Path, timeout: float = 120, path: str = "/readyz"
) -> None:
    """Poll GET url+path until 200; fail fast, with the log's tail, if the child dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{url}: process exited ({proc.returncode}):\n{log_tail(log_path)}")
        try:
            if httpx.get(f"{url}{path}", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    stop(proc)
    raise SystemExit(f"{url}: not ready after {timeout:.0f} s:\n{log_tail(log_path)}")


def start_server(
    data_dir: Path,
    command: str = "serve",
    log_name: str | None = None,
    prefix: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
) -> tuple[subprocess.Popen, str]:
    """`seqcast serve` (API + worker) or `seqcast api` on a free loopback port, once ready.

    prefix goes before the command (e.g. `taskset -c 0`); the process is then that of prefix,
    which must exec the command (taskset does), so proc.pid is still the server's. env: more
    SEQCAST_* settings (a Backend's, say); args: more options of the command (`--workers 2`)."""
    port = free_port()
    log_path = data_dir / (log_name or f"{command}.log")
    proc = spawn(
        [*prefix, sys.executable, "-m", "app.cli", command, "--port", str(port), *args],
        clean_env(SEQCAST_DATA_DIR=str(data_dir), **(env or {})),
        log_path,
    )
    url = f"http://127.0.0.1:{port}"
    wait_ready(proc, url, log_path)
    return proc, url


def train(
    client: httpx.Client,
    dataset_id: str,
    architecture: str,
    epochs: int,
    timeout: float | None = None,
) -> dict:
    """Train `bench-{architecture}` (2 × 64, window 48 × 3 → 12 × 2) and wait for the version."""
    body = {
        "model_name": f"bench-{architecture}",
        "architecture": architecture,
        "dataset_id": dataset_id,
        "target_columns": list(TARGETS),
        "feature_columns": list(FEATURES),
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
        if timeout is not None and time.perf_counter() - started > timeout:
            client.post(f"/jobs/{job['id']}/cancel")
            raise SystemExit(f"{architecture}: training not done after {timeout:.0f} s")
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
        "version": version["version"],
        "epochs": job["progress"]["epoch"],
        "training_s": job["timings"]["training"],
        "export_s": job["timings"]["export"],
        "wall_s": wall,
        "windows_per_s": version["metrics"]["windows_per_second"],
        "parity_error": version["parity_error"],
        "mase": version["metrics"]["model"]["mase"],
        "naive_mase": version["metrics"]["seasonal_naive"]["mase"],
    }


def machine() -> str:
    """The machine line of a result file, with the torch build when torch is loaded."""
    line = f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}"
    torch = sys.modules.get("torch")
    return f"{line}, torch {torch.__version__}" if torch is not None else line


# --- where seqcast keeps its state: the embedded default, or PostgreSQL + Redis -----------------

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass
class Backend:
    """The settings every seqcast process of a run gets (beyond SEQCAST_DATA_DIR), and the keys.

    Embedded: nothing to add, auth off (a local SQLite database), no keys. PostgreSQL: a fresh
    database, Redis as broker and stream store, auth on, one key to train and one to predict."""

    name: str
    env: dict[str, str] = field(default_factory=dict)
    train_key: str | None = None
    predict_key: str | None = None
    database: str | None = None
    """The PostgreSQL database's name (None when embedded)."""
    redis_url: str | None = None

    @staticmethod
    def bearer(key: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"} if key else {}

    def describe(self) -> str:
        if self.name == "embedded":
            return "the embedded default (SQLite in the data folder, filesystem broker, auth off)"
        return (
            f"PostgreSQL database {self.database} on {PG_SERVER.split('@', 1)[1]} (created for "
            f"the run, migrated, dropped after), Redis {self.redis_url} as broker and stream "
            "store, auth on (a key of scope predict, sent as `Authorization: Bearer`)"
        )


def seqcast_cli(args: Sequence[str], data_dir: Path, env: Mapping[str, str]) -> str:
    """Run one `seqcast ...` command to completion; its stdout, or stop with its output."""
    out = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=clean_env(SEQCAST_DATA_DIR=str(data_dir), **env),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    if out.returncode:
        raise SystemExit(f"seqcast {' '.join(args)}: exit {out.returncode}\n{out.stderr[-3000:]}")
    return out.stdout


def create_key(data_dir: Path, env: Mapping[str, str], name: str, *scopes: str) -> str:
    """`seqcast keys create NAME --scope ...`: the key it prints (once) on its last line."""
    scope_args = [a for s in scopes for a in ("--scope", s)]
    printed = seqcast_cli(["keys", "create", name, *scope_args], data_dir, env)
    return printed.strip().splitlines()[-1]


@contextlib.contextmanager
def backend(
    kind: str, data_dir: Path, pg_server: str = PG_SERVER, redis_url: str = REDIS_URL
) -> Iterator[Backend]:
    """The embedded default, or a PostgreSQL database made for this run and dropped on exit
    (with its artifact folder and its Celery queue in Redis), whatever ends the run."""
    if kind == "embedded":
        yield Backend("embedded")
        return
    if kind != "postgres":
        raise ValueError(kind)
    import psycopg
    import redis

    run_id = uuid.uuid4().hex[:12]
    database = f"seqcast_bench_{run_id}"
    queue = f"seqcast-bench-{run_id}"
    artifacts = data_dir / f"{database}-artifacts"
    admin_url = f"{pg_server}/postgres"
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
    except psycopg.OperationalError as exc:
        raise SystemExit(f"PostgreSQL at {pg_server}: {exc}") from None
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        _drop_database(admin_url, database)
        raise SystemExit(f"Redis at {redis_url}: {exc}") from None
    env = {
        "SEQCAST_DATABASE_URL": f"{pg_server.replace('postgresql://', 'postgresql+psycopg://')}"
        f"/{database}",
        "SEQCAST_BROKER_URL": redis_url,
        "SEQCAST_STREAMS_URL": redis_url,
        "SEQCAST_TASK_QUEUE": queue,  # a queue of its own: no other worker on this Redis steals
        "SEQCAST_ARTIFACT_ROOT": str(artifacts),
        "SEQCAST_AUTH": "true",
        "SEQCAST_WORKER_METRICS_PORT": "0",  # another run's worker may hold the default port
    }
    try:
        seqcast_cli(["migrate"], data_dir, env)
        yield Backend(
            "postgres",
            env,
            train_key=create_key(data_dir, env, f"bench-train-{run_id}", "train", "read"),
            predict_key=create_key(data_dir, env, f"bench-predict-{run_id}", "predict"),
            database=database,
            redis_url=redis_url,
        )
    finally:
        _drop_database(admin_url, database)
        shutil.rmtree(artifacts, ignore_errors=True)
        with contextlib.suppress(redis.RedisError):
            redis.Redis.from_url(redis_url, socket_connect_timeout=3).delete(
                queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
            )


def _drop_database(admin_url: str, database: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
