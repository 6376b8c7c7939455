"""The worker's side of the export: checkpoints, and `export_in_subprocess`, which runs the export
child (workers.training.export.child) and reads its report.

The export runs in a fresh interpreter for two reasons: a second dynamo export of an LSTM/GRU in
one process silently fixes the sequence length, and Celery prefork children cannot fork
multiprocessing children. The child writes a JSON report and exits non-zero with a one-line
message when export or the parity gate fails. This module never loads onnx or onnxruntime.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from workers.training.export.common import ExportError
from workers.training.nets import Forecaster, NetConfig, build_net

log = logging.getLogger(__name__)

PACKAGE_ROOT = Path(__file__).resolve().parents[3]


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
