"""The export process (`python -m workers.training.export.child`): the window graph and its gate,
then the step graph when the version gets one.

Two ways to run it:
- one export (`child CHECKPOINT ONNX REPORT --tolerance T`, process.export_in_subprocess): writes
  the JSON report and exits 1 with a one-line message when export or a gate fails;
- a warm export process (`child --serve FD`, workers.export_process): imports the exporters once,
  then answers one request after another on the connection `FD` ({"checkpoint", "onnx_path",
  "tolerance"} in; ACCEPTED, then the report out, as JSON) until the worker closes it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
from multiprocessing.connection import Connection
from pathlib import Path
from typing import NoReturn

import torch

from app.contract import STEP_FILENAME
from workers.export_process import ACCEPTED
from workers.training.export.common import ExportError, first_line
from workers.training.export.process import load_checkpoint, save_checkpoint
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


def export_report(checkpoint: Path, onnx_path: Path, tolerance: float) -> dict:
    """run_export's report, with "message" (and no ONNX file left behind) when it failed."""
    try:
        report = run_export(checkpoint, onnx_path, tolerance)
    except ExportError as exc:
        report = {"message": str(exc)}
    except Exception as exc:
        report = {"message": f"ONNX export failed: {type(exc).__name__}: {first_line(str(exc))}"}
    if "message" in report:
        onnx_path.unlink(missing_ok=True)  # a model that failed the gate must not be picked up
    return report


def warm_up() -> None:
    """Pay the first export's one-off costs (importing torch.onnx, onnx and onnxruntime, the
    TorchScript exporter's first pass) before the first job needs them: export a tiny LSTM."""
    from workers.training.nets import NetConfig, build_net

    cfg = NetConfig(
        architecture="lstm",
        n_features=1,
        n_targets=1,
        input_length=4,
        horizon=1,
        hidden_size=4,
        num_layers=1,
        feature_mean=[0.0],
        feature_std=[1.0],
        target_mean=[0.0],
        target_std=[1.0],
        normalization="global",
    )
    with tempfile.TemporaryDirectory(prefix="seqcast-export-warm-") as tmp:
        checkpoint = Path(tmp) / "checkpoint.pt"
        save_checkpoint(build_net(cfg), cfg, checkpoint)
        export_report(checkpoint, Path(tmp) / "model.onnx", tolerance=1.0)


def serve(fd: int) -> int:
    """Answer export requests on connection `fd` until the worker closes it (or dies)."""
    connection = Connection(fd)
    # A Ctrl-C reaches the worker's whole process group, and Celery's warm shutdown still lets
    # the running job export: this process ends when the worker closes the connection.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The connection is the only channel: whatever an exporter prints goes to stderr, which the
    # worker logs, and cannot be mistaken for a report.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    warm_up()
    while True:
        try:
            request = json.loads(connection.recv_bytes())
            connection.send_bytes(ACCEPTED)
        except (EOFError, OSError):
            _exit_now()  # the worker process stopped or died
        report = export_report(
            Path(request["checkpoint"]), Path(request["onnx_path"]), request["tolerance"]
        )
        torch._dynamo.reset()  # nothing traced for one job is seen by the next
        try:
            connection.send_bytes(json.dumps(report).encode())
        except OSError:
            _exit_now()


def _exit_now() -> NoReturn:
    """End the warm export process at once: it holds nothing to clean up (each export's files
    are the worker's), and the interpreter's own teardown with torch and onnxruntime loaded took
    ~0.5 s, which the worker process waits for on its way out (ExportProcess.stop)."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()  # may fail with the worker gone: exits all the same
    finally:
        os._exit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Export a checkpoint to ONNX and gate it.")
    parser.add_argument("--serve", type=int, metavar="FD", help="a warm export process on FD")
    parser.add_argument("checkpoint", type=Path, nargs="?")
    parser.add_argument("onnx_path", type=Path, nargs="?")
    parser.add_argument("report", type=Path, nargs="?")
    parser.add_argument("--tolerance", type=float)
    args = parser.parse_args(argv)
    if args.serve is not None:
        return serve(args.serve)
    if args.report is None or args.tolerance is None:
        parser.error("CHECKPOINT ONNX_PATH REPORT and --tolerance are required without --serve")
    report = export_report(args.checkpoint, args.onnx_path, args.tolerance)
    args.report.write_text(json.dumps(report, indent=2))
    if "message" in report:
        print(report["message"], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
