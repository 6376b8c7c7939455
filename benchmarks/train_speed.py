"""Training speed (issue 6): seqcast against a plain PyTorch loop and Darts, same data and config.

On each development series (benchmarks/devdata.py: sunspots, airpassengers; the model sees the
series minus its holdout, forecasts the holdout from the last window before it) every system
trains an LSTM 2 × 64, batch 32, lr 1e-3, for the same number of epochs without early stopping,
window = the gateway's default input_length (3 × horizon), horizon = the holdout:

- seqcast: the worker's own code path (prepare -> build_net(net_config) -> fit, the
  default Hyperparameters otherwise: instance normalization, gradient clipping), with an
  on_checkpoint that serializes the checkpoint as the worker does, at most every
  --checkpoint-interval seconds and after the last epoch (no store write);
- seqcast-bare: the same with normalization=global and no gradient clipping (what the plain loop
  does), to tell the loop's own cost from what the defaults add;
- service: `seqcast serve` (embedded default) in a temporary folder, over HTTP: wall time from
  POST /train to a succeeded job with a registered, exported, parity-gated version, and that
  minus the job's training time (the worker's fixed costs: queue, data, export, registration,
  polling); the worker's reported windows_per_second; the forecast from POST /predict;
- service-before: a second `seqcast serve` configured as the worker was before issue 14
  (SEQCAST_EXPORT_PROCESS=cold: a fresh interpreter per export;
  SEQCAST_CHECKPOINT_INTERVAL_SECONDS=0: a checkpoint every epoch), interleaved with service;
- plain: plain_loop.py (the speed limit: tensors of windows, randperm slices, Adam, MSE);
- darts-rnn, darts-block, plain-darts-venv: darts_runner.py in .venv-darts (darts_env.sh).

Every run but the service's is a fresh process (OMP_NUM_THREADS set from its start, torch's
one-off start-up paid before timing), so no system runs in a parent that did other work first.
Systems run interleaved (their order rotates every repetition) and the tables show medians;
repetition r uses seed r for every system, so accuracy is reported over several seeds. Every
system gets the same torch thread count (--threads; the service's worker via OMP_NUM_THREADS).
windows/s counts training windows per second of training (validation and checkpoints excluded);
ms/epoch is a whole epoch as each system runs it (seqcast: with its validation pass).

    bash benchmarks/darts_env.sh                       # once: Darts in its own venv
    .venv/bin/python benchmarks/train_speed.py --repeats 5 --epochs 100
    # the worker's fixed costs, before/after, and the allocator-fair plain loop:
    .venv/bin/python benchmarks/train_speed.py --systems seqcast plain service service-before \
        --env MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=67108864

Writes benchmarks/results/train_speed.json (--out) and prints markdown tables.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import onnxruntime
import torch
from _common import BENCH_DIR, RESULTS_DIR, ROOT, machine, start_server, stop
from devdata import NAMES, DevSeries, load, score, seasonal_naive_forecast
from plain_loop import train_plain, warm_torch, with_usage

from app.config import Settings
from app.contract import split_plan
from app.training.schemas import Hyperparameters, TrainRequest
from app.training.service import default_input_length
from workers.allocator import pin_malloc_thresholds
from workers.training.data import prepare
from workers.training.loop import fit, seed_everything, training_options
from workers.training.nets import build_net, net_config

# The configuration. Dropout off and no refit: the plain loop and Darts have neither,
# and a refit would train the service's model twice.
CONFIG = {
    "hidden_size": 64,
    "num_layers": 2,
    "batch_size": 32,
    "learning_rate": 1e-3,
    "dropout": 0.0,
    "refit": False,
}
BARE = {"normalization": "global", "gradient_clip": None}
VALIDATION_FRACTION = TrainRequest.model_fields["validation_fraction"].default
IN_PROCESS = ("seqcast", "seqcast-bare", "plain")
DARTS_SYSTEMS = {"darts-rnn": "rnn", "darts-block": "block", "plain-darts-venv": "plain"}
SERVICES = {  # system -> the worker's settings
    "service": {},
    "service-before": {
        "SEQCAST_EXPORT_PROCESS": "cold",
        "SEQCAST_CHECKPOINT_INTERVAL_SECONDS": "0",
    },
}
SYSTEMS = (*IN_PROCESS, *SERVICES, *DARTS_SYSTEMS)
CHECKPOINT_INTERVAL = Settings.model_fields["checkpoint_interval_seconds"].default
DARTS_PYTHON = ROOT / ".venv-darts" / "bin" / "python"
CPU = torch.device("cpu")


def hyperparameters(epochs: int, seed: int, bare: bool = False) -> Hyperparameters:
    """The benchmark's configuration; early stopping cannot trigger (patience = epochs)."""
    extra = BARE if bare else {}
    return Hyperparameters(
        **CONFIG, **extra, epochs=epochs, early_stopping_patience=epochs, seed=seed
    )


def run_seqcast(
    series: DevSeries, hp: Hyperparameters, checkpoint_interval: float
) -> dict[str, Any]:
    """The worker's training path, timed piece by piece."""
    train, horizon = series.train, series.holdout
    input_length = default_input_length(horizon)
    plan = split_plan(len(train), input_length, horizon, VALIDATION_FRACTION)
    start = time.perf_counter()
    data = prepare(train[:, None], ["y"], ["y"], ["y"], plan, CPU)
    prepare_seconds = time.perf_counter() - start
    seed_everything(hp.seed)
    net = build_net(net_config("lstm", hp, data, horizon=horizon))
    serialize: list[float] = []

    def on_checkpoint(state: dict) -> None:
        t0 = time.perf_counter()
        torch.save(state, io.BytesIO())
        serialize.append(time.perf_counter() - t0)

    start = time.perf_counter()
    result = fit(
        net,
        data,
        epochs=hp.epochs,
        early_stopping_patience=hp.early_stopping_patience,
        on_checkpoint=on_checkpoint,
        checkpoint_interval=checkpoint_interval,
        **training_options(hp),
    )
    fit_seconds = time.perf_counter() - start
    windows = data.x_train.shape[0]
    train_seconds = windows * len(result.history) / result.windows_per_second
    epochs_seconds = sum(h.seconds for h in result.history)
    with torch.no_grad():
        outputs = net(torch.tensor(train[-input_length:], dtype=torch.float32)[None, :, None])
    median = outputs[0] if isinstance(outputs, tuple) else outputs
    return {
        "windows": windows,
        "epochs": len(result.history),
        "train_seconds": train_seconds,
        "epoch_seconds": [h.seconds for h in result.history],
        "total_seconds": fit_seconds,
        "forecast": median[0, :, 0].double().numpy().tolist(),
        "breakdown_seconds": {
            "prepare": prepare_seconds,
            "train": train_seconds,
            "validation": epochs_seconds - train_seconds,
            "checkpoint_serialize": sum(serialize),
            "checkpoints": len(serialize),
            "checkpoint_state_and_rest": fit_seconds - epochs_seconds - sum(serialize),
        },
    }


def run_plain(series: DevSeries, hp: Hyperparameters) -> dict[str, Any]:
    out = train_plain(
        series.train,
        input_length=default_input_length(series.holdout),
        horizon=series.holdout,
        epochs=hp.epochs,
        batch_size=hp.batch_size,
        learning_rate=hp.learning_rate,
        seed=hp.seed,
    )
    return {**out, "epochs": hp.epochs, "total_seconds": out["train_seconds"]}


def run_darts(series: DevSeries, hp: Hyperparameters, threads: int, python: Path) -> dict:
    """Darts' two LSTM models and the plain loop under .venv-darts, in one child process."""
    job = {
        "train": series.train.tolist(),
        "input_length": default_input_length(series.holdout),
        "horizon": series.holdout,
        "epochs": hp.epochs,
        "batch_size": hp.batch_size,
        "learning_rate": hp.learning_rate,
        "seed": hp.seed,
        "threads": threads,
        "models": list(DARTS_SYSTEMS.values()),
    }
    with tempfile.TemporaryDirectory(prefix="seqcast-darts-") as tmp:  # darts_logs/ lands here
        proc = subprocess.run(
            [str(python), str(BENCH_DIR / "darts_runner.py")],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            cwd=tmp,
            env={**os.environ, "PYTHONPATH": str(BENCH_DIR)},
            timeout=3600,
            check=False,
        )
    if proc.returncode != 0:
        raise SystemExit(f"darts_runner failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    results = {}
    for system, kind in DARTS_SYSTEMS.items():
        r = out[kind]
        total = r.get("fit_seconds", r["train_seconds"])
        results[system] = {**r, "epochs": len(r["epoch_seconds"]), "total_seconds": total}
        results[system]["versions"] = out["versions"]
    return results


class Service:
    """`seqcast serve` on the embedded default in a temporary folder, one dataset per series."""

    def __init__(self, stack: contextlib.ExitStack, env: dict[str, str]) -> None:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="seqcast-speed-")))
        self.proc, url = start_server(tmp, env=env)
        stack.callback(stop, self.proc)
        self.client = stack.enter_context(httpx.Client(base_url=url, timeout=120))
        self.datasets: dict[str, str] = {}

    def run(self, series: DevSeries, hp: Hyperparameters) -> dict[str, Any]:
        if series.name not in self.datasets:
            body = {"name": f"speed-{series.name}", "columns": {"y": series.train.tolist()}}
            created = self.client.post("/datasets", json=body).raise_for_status().json()
            self.datasets[series.name] = created["id"]
        input_length = default_input_length(series.holdout)
        name = f"speed-{series.name}-lstm"
        body = {
            "model_name": name,
            "architecture": "lstm",
            "dataset_id": self.datasets[series.name],
            "target_columns": ["y"],
            "input_length": input_length,
            "horizon": series.holdout,
            "season_length": series.season,
            "hyperparameters": hp.model_dump(),
        }
        start = time.perf_counter()
        job = self.client.post("/train", json=body).raise_for_status().json()
        while job["status"] in ("queued", "running"):
            time.sleep(0.1)
            job = self.client.get(f"/jobs/{job['id']}").raise_for_status().json()
        wall = time.perf_counter() - start
        if job["status"] != "succeeded":
            raise SystemExit(f"service: job {job['status']}: {job['error']}")
        number = job["model_version"]["version"]
        version = self.client.get(f"/models/{name}/versions/{number}").raise_for_status().json()
        window = series.train[-input_length:].tolist()
        body = {"model": name, "version": number, "inputs": [window]}
        predicted = self.client.post("/predict", json=body).raise_for_status().json()
        wps = version["metrics"]["windows_per_second"]
        epoch_seconds = [h["seconds"] for h in job["history"]]
        plan = split_plan(len(series.train), input_length, series.holdout, VALIDATION_FRACTION)
        windows = plan.n_train_windows
        timings = job["timings"]
        in_job = timings["total"] - timings["training"] - timings["export"]
        return {
            "windows": windows,
            "epochs": job["progress"]["epoch"],
            "train_seconds": windows * len(epoch_seconds) / wps,
            "epoch_seconds": epoch_seconds,
            "total_seconds": wall,
            "worker_windows_per_second": wps,
            "timings": timings,
            "callbacks_seconds": timings["training"] - sum(epoch_seconds),
            # POST /train -> registered, minus training: what the 1.0 s target bounds
            "overhead_seconds": wall - timings["training"],
            "overhead_breakdown_seconds": {
                "queued": timings["queued"],
                "export": timings["export"],
                "rest_of_job": in_job,  # data load, prepare, evaluate, store, register
                "outside_job": wall - timings["queued"] - timings["total"],  # POST, polling
            },
            "parity_error": version["parity_error"],
            "forecast": [step[0] for step in predicted["predictions"][0]],
        }


def run_child(
    system: str, series: DevSeries, hp: Hyperparameters, threads: int, checkpoint_interval: float
) -> dict:
    """One in-process system in a fresh interpreter, started like darts_runner (with main's
    environment: OMP_NUM_THREADS and --env from the start), so no system runs in a long-lived
    parent that has done other work."""
    job = {
        "system": system,
        "dataset": series.name,
        "hp": hp.model_dump(),
        "threads": threads,
        "checkpoint_interval": checkpoint_interval,
    }
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(job)],
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{system} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def child(job: dict) -> None:
    torch.set_num_threads(job["threads"])
    warm_torch()
    series, hp = load(job["dataset"]), Hyperparameters(**job["hp"])
    if job["system"].startswith("seqcast"):
        pin_malloc_thresholds()  # what the worker process does at start (workers/allocator.py)
    if job["system"] == "plain":
        print(json.dumps(with_usage(lambda: run_plain(series, hp))))
    else:
        interval = job["checkpoint_interval"]
        print(json.dumps(with_usage(lambda: run_seqcast(series, hp, interval))))


def runs_for(
    systems: list[str],
    series: DevSeries,
    hp: Hyperparameters,
    args: argparse.Namespace,
    services: dict[str, Service],
) -> dict[str, Callable[[], dict]]:
    """One callable per system (Darts: one for its three), each training once on `series`."""
    variants = {"seqcast": hp, "seqcast-bare": hp.model_copy(update=BARE), "plain": hp}
    calls: dict[str, Callable[[], dict]] = {
        system: (
            lambda s=system, h=h: run_child(s, series, h, args.threads, args.checkpoint_interval)
        )
        for system, h in variants.items()
        if system in systems
    }
    for system, service in services.items():
        calls[system] = lambda service=service: service.run(series, hp)
    if any(s in DARTS_SYSTEMS for s in systems):
        calls["darts"] = lambda: run_darts(series, hp, args.threads, args.darts_python)
    return calls


def warm_up(series_names: list[str], service: Service) -> None:
    """One untimed job per series: the worker's first task pays its process's one-off costs
    (torch._dynamo's import, several seconds), which are not training speed."""
    for name in series_names:
        service.run(load(name), hyperparameters(epochs=1, seed=0))


def measure(args: argparse.Namespace, services: dict[str, Service]) -> list[dict]:
    for service in services.values():
        warm_up(args.datasets, service)
    records = []
    for rep in range(args.repeats):
        hp = hyperparameters(args.epochs, seed=rep)
        for name in args.datasets:
            series = load(name)
            calls = list(runs_for(args.systems, series, hp, args, services).items())
            shift = rep % len(calls)  # rotate: no system always runs first or last
            for key, call in calls[shift:] + calls[:shift]:
                load_before = os.getloadavg()[0]
                out = call()
                results = out if key == "darts" else {key: out}
                for system, r in results.items():
                    if system not in args.systems:
                        continue
                    r.update(
                        system=system,
                        dataset=name,
                        rep=rep,
                        seed=rep,
                        load_before=load_before,
                        windows_per_second=r["windows"] * r["epochs"] / r["train_seconds"],
                        epoch_ms=1000 * statistics.median(r["epoch_seconds"]),
                        **score(r["forecast"], series.actual, series.train, series.season),
                    )
                    records.append(r)
                    print(
                        f"rep {rep} {name:<13} {system:<16} {r['windows_per_second']:7.0f} win/s"
                        f" {r['epoch_ms']:8.1f} ms/epoch  MASE {r['mase']:.3f}"
                        f"  (load {load_before:.1f})",
                        flush=True,
                    )
    return records


def summarize(records: list[dict], datasets: list[str], systems: list[str]) -> list[dict]:
    cells = []
    for dataset in datasets:
        for system in systems:
            cell = [r for r in records if r["dataset"] == dataset and r["system"] == system]
            if not cell:
                continue

            def med(key: str, cell: list[dict] = cell) -> float:
                return statistics.median(r[key] for r in cell)

            cells.append(
                {
                    "dataset": dataset,
                    "system": system,
                    "runs": len(cell),
                    "windows": cell[0]["windows"],
                    "windows_per_second": med("windows_per_second"),
                    "epoch_ms": med("epoch_ms"),
                    "epoch_ms_per_1k_windows": med("epoch_ms") * 1000 / cell[0]["windows"],
                    "total_seconds": med("total_seconds"),
                    **usage(cell),
                    **fixed_costs(cell),
                    "mae": med("mae"),
                    "smape": med("smape"),
                    "mase": med("mase"),
                    "mase_min": min(r["mase"] for r in cell),
                    "mase_max": max(r["mase"] for r in cell),
                }
            )
    return cells


def usage(cell: list[dict]) -> dict[str, float]:
    """CPU microseconds per training window and minor page faults per epoch (whole run: prepare,
    validation and checkpoints included), where the process was the system's own."""
    if "cpu_seconds" not in cell[0]:
        return {}
    return {
        "cpu_us_per_window": statistics.median(
            1e6 * r["cpu_seconds"] / (r["windows"] * r["epochs"]) for r in cell
        ),
        "faults_per_epoch": statistics.median(r["minor_faults"] / r["epochs"] for r in cell),
    }


def fixed_costs(cell: list[dict]) -> dict[str, Any]:
    """A service's POST /train -> registered minus training, and its parts (medians)."""
    if "overhead_seconds" not in cell[0]:
        return {}
    parts = cell[0]["overhead_breakdown_seconds"]
    return {
        "overhead_seconds": statistics.median(r["overhead_seconds"] for r in cell),
        "overhead_range_seconds": [
            min(r["overhead_seconds"] for r in cell),
            max(r["overhead_seconds"] for r in cell),
        ],
        "overhead_breakdown_seconds": {
            part: statistics.median(r["overhead_breakdown_seconds"][part] for r in cell)
            for part in parts
        },
        "training_seconds": statistics.median(r["timings"]["training"] for r in cell),
        "callbacks_ms_per_epoch": statistics.median(
            1000 * r["callbacks_seconds"] / r["epochs"] for r in cell
        ),
    }


def targets(cells: list[dict]) -> list[dict]:
    """The issue's two speed targets, per dataset, from the medians."""
    by = {(c["dataset"], c["system"]): c for c in cells}
    rows = []
    for dataset in {c["dataset"] for c in cells}:
        for system in ("seqcast", *SERVICES):
            mine, plain = by.get((dataset, system)), by.get((dataset, "plain"))
            if mine and plain:
                key = "windows_per_second"
                ratio = mine[key] / plain[key]
                rows.append(
                    {
                        "dataset": dataset,
                        "target": f"{system} windows/s >= 0.95 x plain",
                        "ratio": ratio,
                        "pass": ratio >= 0.95,
                    }
                )
        for system in SERVICES:
            mine = by.get((dataset, system))
            if mine:
                rows.append(
                    {
                        "dataset": dataset,
                        "target": f"{system} POST /train -> registered minus training <= 1.0 s",
                        "ratio": mine["overhead_seconds"],
                        "pass": mine["overhead_seconds"] <= 1.0,
                    }
                )
        for darts in ("darts-rnn", "darts-block"):
            mine, other = by.get((dataset, "seqcast")), by.get((dataset, darts))
            if mine and other:
                key = "epoch_ms_per_1k_windows"
                ratio = other[key] / mine[key]
                rows.append(
                    {
                        "dataset": dataset,
                        "target": f"seqcast epoch >= 1.5 x faster than {darts}",
                        "ratio": ratio,
                        "pass": ratio >= 1.5,
                    }
                )
    return sorted(rows, key=lambda r: (r["dataset"], r["target"]))


def breakdown(records: list[dict]) -> list[dict]:
    """Median per-epoch cost of each part of seqcast's epoch (in-process) and the service's
    per-epoch callbacks (job-row write + checkpoint to the store)."""
    rows = []
    for dataset in sorted({r["dataset"] for r in records}):
        for system in ("seqcast", "seqcast-bare"):
            cell = [r for r in records if r["dataset"] == dataset and r["system"] == system]
            if cell:
                parts = cell[0]["breakdown_seconds"].keys()
                rows.append(
                    {
                        "dataset": dataset,
                        "system": system,
                        **{
                            p: 1000
                            * statistics.median(
                                r["breakdown_seconds"][p] / r["epochs"] for r in cell
                            )
                            for p in parts
                            if p not in ("prepare", "checkpoints")
                        },
                    }
                )
        for system in SERVICES:
            cell = [r for r in records if r["dataset"] == dataset and r["system"] == system]
            if cell:
                rows.append(
                    {
                        "dataset": dataset,
                        "system": system,
                        "callbacks": 1000
                        * statistics.median(r["callbacks_seconds"] / r["epochs"] for r in cell),
                    }
                )
    return rows


def print_tables(result: dict) -> None:
    print(
        "\n| dataset | system | windows/epoch | ms/epoch | windows/s | total s "
        "| CPU µs/window | page faults/epoch | runs |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for c in result["cells"]:
        cpu = f"{c['cpu_us_per_window']:.0f}" if "cpu_us_per_window" in c else ""
        faults = f"{c['faults_per_epoch']:,.0f}" if "faults_per_epoch" in c else ""
        print(
            f"| {c['dataset']} | {c['system']} | {c['windows']} | {c['epoch_ms']:.1f} "
            f"| {c['windows_per_second']:,.0f} | {c['total_seconds']:.1f} | {cpu} | {faults} "
            f"| {c['runs']} |"
        )
    fixed = [c for c in result["cells"] if "overhead_seconds" in c]
    if fixed:
        print(
            "\n| dataset | system | POST->registered minus training s (range) | queued | export "
            "| rest of job | outside job | training s | callbacks ms/epoch | runs |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        for c in fixed:
            parts = c["overhead_breakdown_seconds"]
            low, high = c["overhead_range_seconds"]
            print(
                f"| {c['dataset']} | {c['system']} | {c['overhead_seconds']:.2f} "
                f"({low:.2f}-{high:.2f}) | {parts['queued']:.2f} | {parts['export']:.2f} "
                f"| {parts['rest_of_job']:.2f} | {parts['outside_job']:.2f} "
                f"| {c['training_seconds']:.2f} | {c['callbacks_ms_per_epoch']:.1f} | {c['runs']} |"
            )
    print("\n| dataset | target | ratio or value | |\n|---|---|---|---|")
    for t in result["targets"]:
        print(
            f"| {t['dataset']} | {t['target']} | {t['ratio']:.2f} | "
            f"{'PASS' if t['pass'] else 'FAIL'} |"
        )
    print("\n| dataset | system | MAE | sMAPE % | MASE (median) | MASE range | seeds |")
    print("|---|---|---|---|---|---|---|")
    for c in result["cells"]:
        print(
            f"| {c['dataset']} | {c['system']} | {c['mae']:.2f} | {c['smape']:.2f} "
            f"| {c['mase']:.3f} | {c['mase_min']:.3f}-{c['mase_max']:.3f} | {c['runs']} |"
        )
    for name, naive in result["seasonal_naive"].items():
        print(
            f"| {name} | seasonal naive | {naive['mae']:.2f} | {naive['smape']:.2f} "
            f"| {naive['mase']:.3f} | | |"
        )
    if result["breakdown_ms_per_epoch"]:
        print("\nper-epoch cost, ms (median over runs):")
        for row in result["breakdown_ms_per_epoch"]:
            parts = ", ".join(
                f"{k} {v:.2f}" for k, v in row.items() if k not in ("dataset", "system")
            )
            print(f"- {row['dataset']} {row['system']}: {parts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2, help="torch threads, every system")
    parser.add_argument("--datasets", nargs="+", default=list(NAMES), choices=NAMES)
    parser.add_argument("--systems", nargs="+", default=list(SYSTEMS), choices=SYSTEMS)
    parser.add_argument("--darts-python", type=Path, default=DARTS_PYTHON)
    parser.add_argument(
        "--checkpoint-interval",
        type=float,
        default=CHECKPOINT_INTERVAL,
        help="seconds between checkpoints for seqcast and service (the worker's default); "
        "service-before checkpoints every epoch",
    )
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "train_speed.json")
    parser.add_argument(
        "--env",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="environment for every system's process, the service's too "
        "(e.g. MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=67108864)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)  # internal: one run, JSON out
    args = parser.parse_args()
    if args.child:
        return child(json.loads(args.child))
    extra_env = dict(pair.split("=", 1) for pair in args.env)
    interval_env = {"SEQCAST_CHECKPOINT_INTERVAL_SECONDS": str(args.checkpoint_interval)}
    # Inherited by every child: the systems' processes, darts_runner and serve's worker.
    os.environ.update(OMP_NUM_THREADS=str(args.threads), **extra_env)
    if any(s in DARTS_SYSTEMS for s in args.systems) and not args.darts_python.exists():
        print(f"{args.darts_python} missing (bash benchmarks/darts_env.sh): Darts skipped")
        args.systems = [s for s in args.systems if s not in DARTS_SYSTEMS]
    torch.set_num_threads(args.threads)

    started = time.strftime("%Y-%m-%d %H:%M")
    load_start = os.getloadavg()
    with contextlib.ExitStack() as stack:
        services = {
            system: Service(stack, {**interval_env, **env})
            for system, env in SERVICES.items()
            if system in args.systems
        }
        records = measure(args, services)
    naive = {}
    for name in args.datasets:
        series = load(name)
        forecast = seasonal_naive_forecast(series.train, series.season, series.holdout)
        naive[name] = score(forecast, series.actual, series.train, series.season)
    cells = summarize(records, args.datasets, args.systems)
    darts_versions = next((r["versions"] for r in records if "versions" in r), None)
    result = {
        "machine": machine(),
        "started": started,
        "load_average_at_start": load_start,
        "load_average_at_end": os.getloadavg(),
        "versions": {
            "torch": torch.__version__,
            "onnxruntime": onnxruntime.__version__,
            "darts_venv": darts_versions,
        },
        "config": {
            **CONFIG,
            "architecture": "lstm",
            "epochs": args.epochs,
            "repeats": args.repeats,
            "threads": args.threads,
            "env": extra_env,
            "checkpoint_interval_seconds": args.checkpoint_interval,
            "input_length": "3 x horizon (the gateway's default)",
            "horizon": "the holdout",
            "validation_fraction (seqcast)": VALIDATION_FRACTION,
        },
        "seasonal_naive": naive,
        "cells": cells,
        "targets": targets(cells),
        "breakdown_ms_per_epoch": breakdown(records),
        "runs": records,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print_tables(result)
    print(f"\nwrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
