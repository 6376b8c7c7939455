"""The window graph: `inputs [batch, length, n_features] -> forecast[, quantiles]`, exported with
dynamic batch and sequence axes, and its parity gate against torch eager.

Exporter per architecture, as measured on torch 2.13: the dynamo exporter unrolls nn.RNN and
silently fixes the sequence length, and the TorchScript exporter bakes the length into a reshape
inside nn.MultiheadAttention. So recurrent networks use the TorchScript exporter (which maps them
onto ONNX RNN/LSTM/GRU ops, dynamic length included) and the transformer uses dynamo.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch

from app.contract import INPUT_NAME, PARITY_BATCHES, output_names, parity_lengths
from workers.training.export.common import (
    OPSET,
    ExportError,
    check_graph,
    cpu_session,
    eager_outputs,
    first_line,
    onnxruntime_errors,
    parity_failure,
    parity_windows,
    quiet,
    relative_error,
    worst_case,
)
from workers.training.nets import RECURRENT, Forecaster, NetConfig

EXAMPLE_BATCH = 2  # dynamo specializes a dimension whose example size is 1


def exporter_for(architecture: str) -> str:
    return "torchscript" if architecture in RECURRENT else "dynamo"


def export_window(net: Forecaster, cfg: NetConfig, onnx_path: Path, exporter: str) -> None:
    """Write one self-contained ONNX file with dynamic batch and sequence axes."""
    length = max(cfg.input_length, 2)
    example = torch.randn(EXAMPLE_BATCH, length, cfg.n_features)
    outputs = output_names(bool(cfg.quantiles))
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


def window_parity(net: Forecaster, cfg: NetConfig, onnx_path: Path) -> list[dict]:
    """Compare onnxruntime with torch eager on realistic raw inputs, every output; the error is
    relative to the output's magnitude."""
    session = cpu_session(onnx_path)
    names = output_names(bool(cfg.quantiles))
    checked = []
    lengths = parity_lengths(cfg.input_length)
    for batch, length, x in parity_windows(net, cfg.n_features, PARITY_BATCHES, lengths):
        expected = eager_outputs(net, x)
        with onnxruntime_errors("ONNX", batch, length):
            got = session.run(names, {INPUT_NAME: x.numpy()})
        checked.append({"batch": batch, "length": length, "error": relative_error(got, expected)})
    return checked


def export_window_graph(net: Forecaster, cfg: NetConfig, onnx_path: Path, tolerance: float) -> dict:
    """Export and gate the window graph: {"opset", "exporter", "parity_error", "checked"}, plus
    "message" when the gate refuses it; raises ExportError when it cannot be exported or run."""
    exporter = exporter_for(cfg.architecture)
    report: dict = {"opset": OPSET, "exporter": exporter, "parity_error": math.nan, "checked": []}
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with quiet():
            export_window(net, cfg, onnx_path, exporter)
    except Exception as exc:
        message = f"ONNX export failed ({exporter}): {type(exc).__name__}: {first_line(str(exc))}"
        raise ExportError(message) from exc
    report["opset"] = check_graph(onnx_path, "ONNX", [(0, 0, "batch"), (0, 1, "sequence")])
    report["checked"] = window_parity(net, cfg, onnx_path)
    worst = worst_case(report["checked"])
    report["parity_error"] = worst["error"]
    if not worst["error"] <= tolerance:
        report["message"] = parity_failure("ONNX", worst, tolerance)
    return report
