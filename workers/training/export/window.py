"""The window graph: `inputs [batch, length, n_features]` (then the version's covariates, in
app.contract.input_names order: `future` and `calendar` [batch, horizon, n], `static`
[batch, n]) -> forecast[, quantiles], exported with dynamic batch and sequence axes (the horizon
axis of the covariates is fixed), and its parity gate against torch eager, which feeds every
input the graph has.

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


def example_covariates(cfg: NetConfig) -> dict[str, torch.Tensor]:
    """Example values of the version's covariates, by input name, for the exporters' trace."""
    return {
        name: torch.randn(EXAMPLE_BATCH, *shape) for name, shape in cfg.covariate_shapes.items()
    }


def export_window(net: Forecaster, cfg: NetConfig, onnx_path: Path, exporter: str) -> None:
    """Write one self-contained ONNX file with dynamic batch and sequence axes. The covariates
    go in by keyword (forward's parameters are named after the inputs), so a version with, say,
    only static covariates has exactly the inputs `inputs` and `static`."""
    length = max(cfg.input_length, 2)
    example = torch.randn(EXAMPLE_BATCH, length, cfg.n_features)
    covariates = example_covariates(cfg)
    outputs = output_names(bool(cfg.quantiles))
    names = [INPUT_NAME, *covariates]
    common = dict(input_names=names, output_names=outputs, opset_version=OPSET)
    if exporter == "torchscript":
        dynamic_axes = {INPUT_NAME: {0: "batch", 1: "length"}}
        dynamic_axes.update({name: {0: "batch"} for name in [*covariates, *outputs]})
        torch.onnx.export(
            net,
            (example,),
            str(onnx_path),
            kwargs=covariates,
            dynamo=False,
            dynamic_axes=dynamic_axes,
            **common,
        )
    else:
        batch = torch.export.Dim("batch")
        dims = {"x": {0: batch, 1: torch.export.Dim("length")}}
        dims.update({name: {0: batch} for name in covariates})
        torch.onnx.export(
            net,
            (example,),
            str(onnx_path),
            kwargs=covariates,
            dynamo=True,
            dynamic_shapes=dims,
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
    for batch, length, x, covariates in parity_windows(
        net, cfg.n_features, PARITY_BATCHES, lengths
    ):
        expected = eager_outputs(net, x, covariates)
        feed = {INPUT_NAME: x.numpy(), **{name: c.numpy() for name, c in covariates.items()}}
        with onnxruntime_errors("ONNX", batch, length):
            got = session.run(names, feed)
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
    dynamic = [(0, 0, "batch"), (0, 1, "sequence")]
    dynamic += [(i, 0, "batch") for i in range(1, 1 + len(cfg.covariate_inputs))]
    report["opset"] = check_graph(onnx_path, "ONNX", dynamic)
    report["checked"] = window_parity(net, cfg, onnx_path)
    worst = worst_case(report["checked"])
    report["parity_error"] = worst["error"]
    if not worst["error"] <= tolerance:
        report["message"] = parity_failure("ONNX", worst, tolerance)
    return report
