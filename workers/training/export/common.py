"""What the window and the step graph exports share: the opset, exporter quiet, the checks every
exported file passes, and the parity plumbing both gates use (the same seeded raw windows and
covariates, torch eager outputs, onnxruntime on CPU, and one relative error)."""

from __future__ import annotations

import contextlib
import logging
import math
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from workers.training.nets import Forecaster

if TYPE_CHECKING:
    import onnxruntime as ort

OPSET = 20
PARITY_SEED = 0


class ExportError(Exception):
    """Export or a parity gate failed; the message is meant for the job's error field."""


def first_line(text: str) -> str:
    return next((line for line in text.splitlines() if line.strip()), "")


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Keep exporter chatter out of the output: its known warnings say nothing actionable here."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr):
        # Legacy exporter: deprecation notice, and a batch-size hint that does not apply because
        # the initial state is not an input (the parity gate checks batches 1 and 64).
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=r".*batch_size other than 1.*")
        # Dynamo exporter: pytree deprecation inside torch, flat-weights notice for nn.RNN.
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", message=r".*were assigned during export.*")
        # Dynamo exporter: the covariates' batch axis is the window's, named once.
        warnings.filterwarnings("ignore", message=r".*shares the same shape constraints.*")
        onnx_logger = logging.getLogger("torch.onnx")
        level = onnx_logger.level
        onnx_logger.setLevel(logging.ERROR)  # "torchvision is not installed. Skipping ..."
        try:
            yield
        finally:
            onnx_logger.setLevel(level)


def check_graph(path: Path, label: str, dynamic: Sequence[tuple[int, int, str]]) -> int:
    """Refuse a file that points at external data or fixed an axis that must stay dynamic
    (`dynamic`: (input index, axis, axis name)); return the graph's opset."""
    import onnx  # the export child's only: the worker process never loads it, nor onnxruntime

    model = onnx.load(str(path), load_external_data=False)
    external = [
        t.name for t in model.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL
    ]
    if external:
        raise ExportError(f"{label} file is not self-contained: {len(external)} external tensors")
    for index, axis, name in dynamic:
        tensor = model.graph.input[index]
        dim = tensor.type.tensor_type.shape.dim[axis]
        if dim.HasField("dim_value"):
            raise ExportError(
                f"{label} export fixed the {name} axis of {tensor.name!r} to {dim.dim_value}"
            )
    return next(op.version for op in model.opset_import if op.domain in ("", "ai.onnx"))


def cpu_session(path: Path) -> ort.InferenceSession:
    """Loading from bytes also proves the file is self-contained (no directory to resolve from)."""
    import onnxruntime as ort  # the export child's only, like onnx

    return ort.InferenceSession(path.read_bytes(), providers=["CPUExecutionProvider"])


def parity_windows(
    net: Forecaster, n_features: int, batches: Sequence[int], lengths: Sequence[int]
) -> Iterator[tuple[int, int, torch.Tensor, dict[str, torch.Tensor]]]:
    """(batch, length, raw window, raw covariates by input name): realistic inputs around the
    training statistics, the same on every run. A network without covariates gets {} (and the
    windows it always got)."""
    generator = torch.Generator().manual_seed(PARITY_SEED)
    mean, std = net.feature_mean, net.feature_std
    for batch in batches:
        for length in lengths:
            x = mean + std * torch.randn(batch, length, n_features, generator=generator)
            covariates = {
                name: net.get_buffer(f"{name}_mean")
                + net.get_buffer(f"{name}_std") * torch.randn(batch, *shape, generator=generator)
                for name, shape in net.covariate_shapes.items()
            }
            yield batch, length, x, covariates


def eager_outputs(
    net: Forecaster, x: torch.Tensor, covariates: dict[str, torch.Tensor] | None = None
) -> list[np.ndarray]:
    """torch's answer for `x` (and its covariates), every output, in contract order."""
    with torch.no_grad():
        outputs = net(x, **(covariates or {}))
    return [o.numpy() for o in (outputs if isinstance(outputs, tuple) else (outputs,))]


@contextlib.contextmanager
def onnxruntime_errors(label: str, batch: int, length: int) -> Iterator[None]:
    """An onnxruntime failure during a gate, as the job's one-line error."""
    try:
        yield
    except Exception as exc:
        raise ExportError(
            f"{label} parity check failed: onnxruntime could not run batch {batch}, "
            f"length {length}: {first_line(str(exc))}"
        ) from exc


def relative_error(got: Sequence[np.ndarray], expected: Sequence[np.ndarray]) -> float:
    """Over every output: the max absolute difference relative to the output's magnitude (at
    least 1); inf on a shape mismatch, NaN when an output is NaN (it fails every gate)."""
    errors = []
    for g, e in zip(got, expected, strict=True):
        if g.shape != e.shape:
            return math.inf
        diff = float(np.max(np.abs(g - e)))
        errors.append(diff / max(1.0, float(np.max(np.abs(e)))))
    return max(errors, key=nan_first)


def nan_first(error: float) -> float:
    """A key that ranks NaN above every error, so a NaN output fails a gate instead of hiding."""
    return math.inf if math.isnan(error) else error


def worst_case(checked: list[dict]) -> dict:
    """The checked case with the largest error (a NaN counts as the worst)."""
    return max(checked, key=lambda case: nan_first(case["error"]))


def parity_failure(label: str, worst: dict, tolerance: float, how: str = "") -> str:
    return (
        f"{label} parity check failed: max relative error {worst['error']:.1e} at batch "
        f"{worst['batch']}, length {worst['length']}{how} exceeds tolerance {tolerance:.3g}"
    )
