"""GPU check (issue 6): every architecture through the worker's training path on CUDA, with mixed
precision off and on, then the worker's ONNX export + parity gate, then onnxruntime with the CUDA
provider when it is installed. Prints one JSON document of timings (and writes it with --out).

Made for a lent accelerator machine: no network, and only torch, onnxruntime (or
onnxruntime-gpu), numpy and this repository are needed -- no database, broker, pydantic or HTTP.
The configuration is the spine benchmark's (benchmarks/_common.py: 3 columns, window 48 -> 12 x 2;
2 x 64 recurrent nets, Transformer d_model 64) with batch 32, lr 1e-3, no early stopping.
Without CUDA it says so, skips the CUDA rows and still runs the rest on the CPU, so it can be
proved here with tiny settings:

    python3 benchmarks/gpu_check.py --out "$OUT/gpu_check.json"         # GPU machine, ~2 min
    .venv/bin/python benchmarks/gpu_check.py --epochs 2 --rows 400       # CPU smoke test
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch
from _common import FEATURES, HORIZON, INPUT_LENGTH, TARGETS, series

from app.contract import ARCHITECTURES, INPUT_NAME, OUTPUT_NAME, split_plan
from workers.training.data import prepare
from workers.training.export import ExportError, export_in_subprocess, save_checkpoint
from workers.training.loop import fit, seed_everything, training_options
from workers.training.nets import build_net, net_config

VALIDATION_FRACTION = 0.2  # the gateway default (app.training.schemas needs pydantic: not here)
PARITY_TOLERANCE = 1e-4  # the service's default (SEQCAST_PARITY_TOLERANCE)
CUDA_PROVIDER, CPU_PROVIDER = "CUDAExecutionProvider", "CPUExecutionProvider"


def config(epochs: int, mixed_precision: bool) -> SimpleNamespace:
    """The fields net_config and fit read, spelled out: this must run without pydantic."""
    return SimpleNamespace(
        hidden_size=64,
        num_layers=2,
        dropout=0.0,
        d_model=64,
        nhead=4,
        dim_feedforward=128,
        normalization="instance",
        epochs=epochs,
        batch_size=32,
        learning_rate=1e-3,
        gradient_clip=1.0,
        mixed_precision=mixed_precision,
        seed=0,
    )


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def train(
    architecture: str, values: np.ndarray, device: torch.device, epochs: int, mixed: bool
) -> tuple[dict[str, Any], torch.nn.Module, Any]:
    """prepare -> build_net -> fit on `device`, as the worker runs a job."""
    columns = list(FEATURES)
    plan = split_plan(len(values), INPUT_LENGTH, HORIZON, VALIDATION_FRACTION)
    hp = config(epochs, mixed)
    sync(device)
    start = time.perf_counter()
    data = prepare(values, columns, list(FEATURES), list(TARGETS), plan, device)
    sync(device)
    prepare_seconds = time.perf_counter() - start
    seed_everything(hp.seed)
    cfg = net_config(architecture, hp, data, horizon=HORIZON)
    net = build_net(cfg).to(device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    start = time.perf_counter()
    result = fit(
        net,
        data,
        epochs=hp.epochs,
        early_stopping_patience=0,
        **training_options(hp),
    )
    sync(device)
    fit_seconds = time.perf_counter() - start
    epochs_ms = [1000 * h.seconds for h in result.history]
    row = {
        "architecture": architecture,
        "device": device.type,
        "mixed_precision": mixed and device.type == "cuda",
        "train_windows": int(data.x_train.shape[0]),
        "epochs": len(result.history),
        "prepare_s": prepare_seconds,
        "fit_s": fit_seconds,
        "first_epoch_ms": epochs_ms[0],
        "epoch_ms_median": statistics.median(epochs_ms[1:] or epochs_ms),
        "windows_per_second": result.windows_per_second,
        "best_val_loss": result.best_val_loss,
        "peak_gpu_mib": (
            torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None
        ),
    }
    return row, net, cfg


def export(net: torch.nn.Module, cfg: Any, folder: Path) -> tuple[dict[str, Any], Path | None]:
    """The worker's export: checkpoint on CPU, export + parity gate in a child process."""
    checkpoint, onnx_path = folder / "checkpoint.pt", folder / "model.onnx"
    start = time.perf_counter()
    save_checkpoint(net.cpu(), cfg, checkpoint)
    try:
        report = export_in_subprocess(checkpoint, onnx_path, PARITY_TOLERANCE)
    except ExportError as exc:
        return {"export_s": time.perf_counter() - start, "export_error": str(exc)}, None
    return {
        "export_s": time.perf_counter() - start,
        "exporter": report.exporter,
        "opset": report.opset,
        "parity_error": report.parity_error,
    }, onnx_path


def onnxruntime_rows(
    onnx_path: Path, net: torch.nn.Module, values: np.ndarray, runs: int
) -> list[dict[str, Any]]:
    """Latency of the exported graph per provider (CUDA when installed, CPU), batch 1 and 64,
    and its largest difference from torch eager on the same windows."""
    import onnxruntime as ort

    available = ort.get_available_providers()
    window = values[-INPUT_LENGTH:, :].astype(np.float32)
    rows = []
    for provider in (CUDA_PROVIDER, CPU_PROVIDER):
        if provider not in available:
            rows.append({"provider": provider, "skipped": f"not installed (have {available})"})
            continue
        session = ort.InferenceSession(onnx_path.read_bytes(), providers=[provider])
        used = session.get_providers()[0]
        for batch in (1, 64):
            x = np.repeat(window[None], batch, axis=0)
            for _ in range(10):
                session.run([OUTPUT_NAME], {INPUT_NAME: x})
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                (got,) = session.run([OUTPUT_NAME], {INPUT_NAME: x})
                times.append(1000 * (time.perf_counter() - start))
            with torch.no_grad():
                outputs = net.cpu()(torch.from_numpy(x))
            expected = (outputs[0] if isinstance(outputs, tuple) else outputs).numpy()
            rows.append(
                {
                    "provider": provider,
                    "provider_used": used,
                    "batch": batch,
                    "runs": runs,
                    "p50_ms": statistics.median(times),
                    "p90_ms": sorted(times)[int(0.9 * (runs - 1))],
                    "max_abs_diff_vs_torch": float(np.abs(got - expected).max()),
                }
            )
    return rows


def environment() -> dict[str, Any]:
    import onnxruntime as ort

    cuda = torch.cuda.is_available()
    return {
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads",
        "torch": torch.__version__,
        "torch_cuda": torch.version.cuda,
        "cuda_available": cuda,
        "gpu": torch.cuda.get_device_name(0) if cuda else None,
        "onnxruntime": ort.__version__,
        "onnxruntime_providers": ort.get_available_providers(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--rows", type=int, default=2000, help="length of the synthetic series")
    parser.add_argument("--architectures", nargs="+", default=list(ARCHITECTURES))
    parser.add_argument("--cpu-too", action="store_true", help="also train on the CPU with CUDA")
    parser.add_argument("--ort-runs", type=int, default=200)
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()

    env = environment()
    notes = []
    devices = []
    if env["cuda_available"]:
        devices.append(torch.device("cuda"))
    else:
        notes.append("torch sees no CUDA device: CUDA training rows skipped, CPU rows only")
    if args.cpu_too or not devices:
        devices.append(torch.device("cpu"))
    if CUDA_PROVIDER not in env["onnxruntime_providers"]:
        notes.append(
            f"onnxruntime has no {CUDA_PROVIDER} (onnxruntime-gpu not installed, or no CUDA): "
            "onnxruntime rows on the CPU provider only"
        )
    for note in notes:
        print(f"note: {note}", file=sys.stderr)

    data = series(args.rows)
    values = np.column_stack([data[c] for c in FEATURES])
    training, exports, inference = [], [], []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="seqcast-gpu-check-") as tmp:
        for architecture in args.architectures:
            kept = None
            for device in devices:
                for mixed in (False, True) if device.type == "cuda" else (False,):
                    row, net, cfg = train(architecture, values, device, args.epochs, mixed)
                    training.append(row)
                    print(json.dumps(row), file=sys.stderr, flush=True)
                    if kept is None:
                        kept = (net, cfg)
            net, cfg = kept
            folder = Path(tmp) / architecture
            folder.mkdir()
            report, onnx_path = export(net, cfg, folder)
            exports.append({"architecture": architecture, **report})
            if onnx_path is not None:
                for row in onnxruntime_rows(onnx_path, net, values, args.ort_runs):
                    inference.append({"architecture": architecture, **row})
    result = {
        "environment": env,
        "notes": notes,
        "config": {**vars(config(args.epochs, False)), "rows": args.rows},
        "training": training,
        "export": exports,
        "onnxruntime": inference,
        "seconds": time.perf_counter() - started,
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
