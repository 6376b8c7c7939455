"""Checkpoints, ONNX export and the parity gate.

The export runs in a fresh interpreter (`python -m workers.training.export`) for two reasons: a
second dynamo export of an LSTM/GRU in one process silently fixes the sequence length, and Celery
prefork children cannot fork multiprocessing children. The child writes a JSON report and exits
non-zero with a one-line message when export or the parity gate fails.

Exporter per architecture, as measured on torch 2.13: the dynamo exporter unrolls nn.RNN and
silently fixes the sequence length, and the TorchScript exporter bakes the length into a reshape
inside nn.MultiheadAttention. So recurrent networks use the TorchScript exporter (which maps them
onto ONNX RNN/LSTM/GRU ops, dynamic length included) and the transformer uses dynamo.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import subprocess
import sys
import tempfile
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from app.contract import (
    INPUT_NAME,
    OUTPUT_NAME,
    PARITY_BATCHES,
    QUANTILES_NAME,
    STEP_FILENAME,
    parity_lengths,
)
from workers.training.nets import RECURRENT, Forecaster, NetConfig, build_net

log = logging.getLogger(__name__)

OPSET = 20
PARITY_SEED = 0
EXAMPLE_BATCH = 2  # dynamo specializes a dimension whose example size is 1
PACKAGE_ROOT = Path(__file__).resolve().parents[2]


class ExportError(Exception):
    """Export or the parity gate failed; the message is meant for the job's error field."""


@dataclass
class ExportReport:
    opset: int
    exporter: str
    parity_error: float
    checked: list[dict] = field(default_factory=list)  # {"batch", "length", "error"}
    step: dict | None = None  # the step graph's report (step_export), when the version has one


def save_checkpoint(net: Forecaster, cfg: NetConfig, path: Path) -> None:
    """Weights (on CPU) plus the config that rebuilds the network; loadable with weights_only."""
    state = {k: v.detach().cpu() for k, v in net.state_dict().items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"config": asdict(cfg), "state_dict": state}, path)


def load_checkpoint(path: Path) -> tuple[Forecaster, NetConfig]:
    """Rebuild the network on CPU in eval mode."""
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    cfg = NetConfig(**checkpoint["config"])
    net = build_net(cfg)
    net.load_state_dict(checkpoint["state_dict"])
    return net.eval(), cfg


def export_in_subprocess(
    checkpoint: Path, onnx_path: Path, tolerance: float, timeout: float = 600
) -> ExportReport:
    """Export `checkpoint` to a self-contained `onnx_path` and parity-check it, in a new process."""
    with tempfile.TemporaryDirectory(prefix="seqcast-export-") as tmp:
        report_path = Path(tmp) / "report.json"
        command = [
            sys.executable,
            "-m",
            "workers.training.export",
            str(checkpoint),
            str(onnx_path),
            str(report_path),
            "--tolerance",
            repr(tolerance),
        ]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(PACKAGE_ROOT), env.get("PYTHONPATH")])
        )
        try:
            proc = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, env=env, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise ExportError(f"ONNX export timed out after {timeout:g} s") from exc
        if proc.stderr.strip():
            log.debug("export child stderr:\n%s", proc.stderr)
        report = json.loads(report_path.read_text()) if report_path.is_file() else {}
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        message = report.get("message") or (lines[-1] if lines else "")
        raise ExportError(message or f"ONNX export process exited with code {proc.returncode}")
    report.pop("message", None)
    return ExportReport(**report)


# --- child process ---------------------------------------------------------------------------


def _first_line(text: str) -> str:
    return next((line for line in text.splitlines() if line.strip()), "")


def exporter_for(architecture: str) -> str:
    return "torchscript" if architecture in RECURRENT else "dynamo"


def output_names(cfg: NetConfig) -> list[str]:
    """The window graph's outputs, in the order Forecaster.forward returns them."""
    return [OUTPUT_NAME, QUANTILES_NAME] if cfg.quantiles else [OUTPUT_NAME]


def _export(net: Forecaster, cfg: NetConfig, onnx_path: Path, exporter: str) -> None:
    """Write one self-contained ONNX file with dynamic batch and sequence axes."""
    length = max(cfg.input_length, 2)
    example = torch.randn(EXAMPLE_BATCH, length, cfg.n_features)
    outputs = output_names(cfg)
    common = dict(input_names=[INPUT_NAME], output_names=outputs, opset_version=OPSET)
    if exporter == "torchscript":
        dynamic_axes = {INPUT_NAME: {0: "batch", 1: "length"}}
        dynamic_axes.update({name: {0: "batch"} for name in outputs})
        torch.onnx.export(
            net, (example,), str(onnx_path), dynamo=False, dynamic_axes=dynamic_axes, **common
        )
    else:
        dims = {0: torch.export.Dim("batch"), 1: torch.export.Dim("length")}
        torch.onnx.export(
            net,
            (example,),
            str(onnx_path),
            dynamo=True,
            dynamic_shapes=(dims,),
            external_data=False,
            report=False,
            verbose=False,
            **common,
        )


def _check_graph(onnx_path: Path) -> int:
    """Refuse a graph that fixed an axis or points at external data; return its opset."""
    import onnx

    model = onnx.load(str(onnx_path), load_external_data=False)
    external = [
        t.name for t in model.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL
    ]
    if external:
        raise ExportError(f"ONNX file is not self-contained: {len(external)} external tensors")
    dims = model.graph.input[0].type.tensor_type.shape.dim
    for axis, name in ((0, "batch"), (1, "sequence")):
        if dims[axis].HasField("dim_value"):
            raise ExportError(f"ONNX export fixed the {name} axis to {dims[axis].dim_value}")
    return next(op.version for op in model.opset_import if op.domain in ("", "ai.onnx"))


def _relative_error(got: np.ndarray, expected: np.ndarray) -> float:
    """Max absolute difference relative to the output's magnitude (at least 1); inf on a shape
    mismatch."""
    if got.shape != expected.shape:
        return math.inf
    diff = float(np.max(np.abs(got - expected)))
    return diff / max(1.0, float(np.max(np.abs(expected))))


def _parity(net: Forecaster, cfg: NetConfig, onnx_path: Path) -> list[dict]:
    """Compare onnxruntime with torch eager on realistic raw inputs, every output; the error is
    relative to the output's magnitude."""
    import onnxruntime as ort

    # Loading from bytes also proves the file is self-contained (no directory to resolve from).
    session = ort.InferenceSession(onnx_path.read_bytes(), providers=["CPUExecutionProvider"])
    generator = torch.Generator().manual_seed(PARITY_SEED)
    mean, std = net.feature_mean, net.feature_std
    names = output_names(cfg)
    checked = []
    for batch in PARITY_BATCHES:
        for length in parity_lengths(cfg.input_length):
            x = mean + std * torch.randn(batch, length, cfg.n_features, generator=generator)
            with torch.no_grad():
                outputs = net(x)
            expected = [o.numpy() for o in (outputs if isinstance(outputs, tuple) else (outputs,))]
            try:
                got = session.run(names, {INPUT_NAME: x.numpy()})
            except Exception as exc:
                raise ExportError(
                    f"ONNX parity check failed: onnxruntime could not run batch {batch}, "
                    f"length {length}: {_first_line(str(exc))}"
                ) from exc
            error = max(_relative_error(g, e) for g, e in zip(got, expected, strict=True))
            checked.append({"batch": batch, "length": length, "error": error})
    return checked


@contextlib.contextmanager
def _quiet():
    """Keep exporter chatter out of the output: its known warnings say nothing actionable here."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr):
        # Legacy exporter: deprecation notice, and a batch-size hint that does not apply because
        # the initial state is not an input (the parity gate checks batches 1 and 64).
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=r".*batch_size other than 1.*")
        # Dynamo exporter: pytree deprecation inside torch, flat-weights notice for nn.RNN.
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", message=r".*were assigned during export.*")
        onnx_logger = logging.getLogger("torch.onnx")
        level = onnx_logger.level
        onnx_logger.setLevel(logging.ERROR)  # "torchvision is not installed. Skipping ..."
        try:
            yield
        finally:
            onnx_logger.setLevel(level)


def run_export(checkpoint: Path, onnx_path: Path, tolerance: float) -> dict:
    """Export and parity-check; raises ExportError, and returns the report either way."""
    net, cfg = load_checkpoint(checkpoint)
    exporter = exporter_for(cfg.architecture)
    report: dict = {"opset": OPSET, "exporter": exporter, "parity_error": math.nan, "checked": []}
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with _quiet():
            _export(net, cfg, onnx_path, exporter)
    except Exception as exc:
        message = f"ONNX export failed ({exporter}): {type(exc).__name__}: {_first_line(str(exc))}"
        raise ExportError(message) from exc
    report["opset"] = _check_graph(onnx_path)
    report["checked"] = _parity(net, cfg, onnx_path)
    worst = max(
        report["checked"], key=lambda c: c["error"] if math.isfinite(c["error"]) else math.inf
    )
    report["parity_error"] = worst["error"]
    if not worst["error"] <= tolerance:
        report["message"] = (
            f"ONNX parity check failed: max relative error {worst['error']:.1e} at batch "
            f"{worst['batch']}, length {worst['length']} exceeds tolerance {tolerance:.3g}"
        )
    else:
        from workers.training import step_export  # imported here: it builds on this module

        if step_export.has_step_graph(cfg):
            step_path = onnx_path.parent / STEP_FILENAME
            report["step"] = step_export.export_step_graph(net, cfg, onnx_path, step_path)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("onnx_path", type=Path)
    parser.add_argument("report", type=Path)
    parser.add_argument("--tolerance", type=float, required=True)
    args = parser.parse_args(argv)
    try:
        report = run_export(args.checkpoint, args.onnx_path, args.tolerance)
    except ExportError as exc:
        report = {"message": str(exc)}
    except Exception as exc:
        report = {"message": f"ONNX export failed: {type(exc).__name__}: {_first_line(str(exc))}"}
    args.report.write_text(json.dumps(report, indent=2))
    if "message" in report:
        args.onnx_path.unlink(missing_ok=True)  # a model that failed the gate must not be picked up
        print(report["message"], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
