"""The worker's side of the export: checkpoints, and the export process's report. Two ways to run
the export child (workers.training.export.child): `export_in_subprocess`, a fresh interpreter for
one export, and workers.export_process, one interpreter kept for a worker process's exports.

The export never runs in the training process: dynamo state left by training or an earlier
export changed what a dynamo export produced (a second dynamo export of an LSTM/GRU in one
process silently fixed the sequence length), and Celery prefork children cannot fork
multiprocessing children. One export process exports job after job: recurrent nets go through
the TorchScript exporter, the transformer through dynamo, and tests/workers/test_export_process.py
exports them in turn in one process; check_graph refuses any graph whose dynamic axis came out
fixed. The child reports JSON, with a one-line message when export or the parity gate fails.
This module never loads onnx or onnxruntime.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from workers.export_process import child_env, export_process
from workers.training.export.common import ExportError
from workers.training.nets import Forecaster, NetConfig, build_net

log = logging.getLogger(__name__)


@dataclass
class ExportReport:
    opset: int
    exporter: str
    parity_error: float
    checked: list[dict] = field(default_factory=list)  # {"batch", "length", "error"}
    step: dict | None = None
    """The step graph's report (step.export_step_graph), when the version has one."""


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


def report_from(report: dict) -> ExportReport:
    """The export child's JSON report; ExportError with its message when the export failed."""
    if "message" in report:
        raise ExportError(report["message"] or "ONNX export failed")
    return ExportReport(**report)


def export_in_subprocess(
    checkpoint: Path, onnx_path: Path, tolerance: float, timeout: float = 600
) -> ExportReport:
    """Export `checkpoint` to a self-contained `onnx_path` and parity-check it, in a new process."""
    with tempfile.TemporaryDirectory(prefix="seqcast-export-") as tmp:
        report_path = Path(tmp) / "report.json"
        command = [
            sys.executable,
            "-m",
            "workers.training.export.child",
            str(checkpoint),
            str(onnx_path),
            str(report_path),
            "--tolerance",
            repr(tolerance),
        ]
        try:
            proc = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=timeout,
                env=child_env(),
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise ExportError(f"ONNX export timed out after {timeout:g} s") from exc
        if proc.stderr.strip():
            log.debug("export child stderr:\n%s", proc.stderr)
        report = json.loads(report_path.read_text()) if report_path.is_file() else {}
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        message = report.get("message") or (lines[-1] if lines else "")
        report["message"] = message or f"ONNX export process exited with code {proc.returncode}"
    return report_from(report)


def export_onnx(checkpoint: Path, onnx_path: Path, tolerance: float, *, warm: bool) -> ExportReport:
    """Export and gate in this worker process's warm export process (workers.export_process), or
    (warm=False: SEQCAST_EXPORT_PROCESS=cold) in a fresh interpreter."""
    if warm:
        return export_process().export(checkpoint, onnx_path, tolerance)
    return export_in_subprocess(checkpoint, onnx_path, tolerance)
