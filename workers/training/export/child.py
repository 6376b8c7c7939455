"""The export child (`python -m workers.training.export.child`, started by
process.export_in_subprocess): the window graph and its gate, then the step graph when the version
gets one. Writes the JSON report; exits 1 with a one-line message when export or a gate fails."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.contract import STEP_FILENAME
from workers.training.export.common import ExportError, first_line
from workers.training.export.process import load_checkpoint
from workers.training.export.step import export_step_graph, has_step_graph
from workers.training.export.window import export_window_graph


def run_export(checkpoint: Path, onnx_path: Path, tolerance: float) -> dict:
    """Export and parity-check; raises ExportError, and returns the report either way."""
    net, cfg = load_checkpoint(checkpoint)
    report = export_window_graph(net, cfg, onnx_path, tolerance)
    if "message" not in report and has_step_graph(cfg):
        step_path = onnx_path.parent / STEP_FILENAME
        report["step"] = export_step_graph(net, cfg, onnx_path, step_path)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Export a checkpoint to ONNX and gate it.")
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
        report = {"message": f"ONNX export failed: {type(exc).__name__}: {first_line(str(exc))}"}
    args.report.write_text(json.dumps(report, indent=2))
    if "message" in report:
        args.onnx_path.unlink(missing_ok=True)  # a model that failed the gate must not be picked up
        print(report["message"], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
