"""One-step graphs for recurrent versions, so a stream costs one step per observation.

The step graph is `(observation, state) -> (forecast[, quantiles], next_state)` with the names in
app.contract; a zero state starts a stream. It is the window model cut open at the recurrence:
the same normalization buffers, the same `nn.RNN/LSTM/GRU` weights, the same readout. Its parity
gate feeds random windows one observation at a time through onnxruntime, carrying the state, and
requires the result to equal the window model's forecast (torch eager and the window ONNX file):
that is the promise streams make, "a stream's forecast equals /predict on its whole history".

Only recurrent versions with global normalization and no covariates get one: instance
normalization scales each window by its own statistics, which change with every new observation,
a transformer has no state to carry, and a version with known-future, calendar or static
covariates forecasts from inputs besides the observations (its streams are served from the
window graph, which takes them). Those are served in window mode.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from app.contract import (
    INPUT_NAME,
    STATE_INPUT_NAME,
    STATE_OUTPUT_NAME,
    STEP_INPUT_NAME,
    output_names,
    step_output_names,
)
from workers.training.export.common import (
    OPSET,
    ExportError,
    check_graph,
    cpu_session,
    eager_outputs,
    first_line,
    nan_first,
    onnxruntime_errors,
    parity_failure,
    parity_windows,
    quiet,
    relative_error,
    worst_case,
)
from workers.training.nets import RECURRENT, Forecaster, NetConfig

STEP_PARITY_TOLERANCE = 1e-5
"""A stream must reproduce /predict on its history; float32 drift over 3 x input_length steps
stays far below this (see tests/workers/test_step_export.py)."""
STEP_PARITY_BATCHES = (1, 8)


def step_parity_lengths(input_length: int) -> tuple[int, ...]:
    """History lengths the step gate checks: one observation, the trained window, three of them."""
    return tuple(sorted({1, input_length, 3 * input_length}))


def has_step_graph(cfg: NetConfig) -> bool:
    """Whether a version of this config gets a step graph (else it is streamed in window mode)."""
    return (
        cfg.architecture in RECURRENT
        and cfg.normalization == "global"
        and not cfg.covariate_inputs
        and cfg.baseline == "none"
    )


def state_shape(cfg: NetConfig) -> list[int]:
    """[state_layers, hidden]: the state tensor is [state_layers, batch, hidden]."""
    layers = 2 * cfg.num_layers if cfg.architecture == "lstm" else cfg.num_layers
    return [layers, cfg.hidden_size]


class StepForecaster(nn.Module):
    """A trained recurrent Forecaster advanced by one raw observation from a given state."""

    def __init__(self, net: Forecaster) -> None:
        super().__init__()
        self.net = net
        self.rnn: nn.RNNBase = net.encoder.rnn
        self.is_lstm = isinstance(self.rnn, nn.LSTM)
        self.num_layers = self.rnn.num_layers

    def unpack_state(self, state: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """The contract's stacked state -> what nn.RNN/GRU (h) or nn.LSTM ((h, c)) takes."""
        if self.is_lstm:
            return state[: self.num_layers], state[self.num_layers :]
        return state

    def pack_state(self, state: torch.Tensor | tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """The inverse of unpack_state."""
        if self.is_lstm:
            h, c = state
            return torch.cat((h, c), dim=0)
        return state

    def forward(self, observation: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """-> (forecast[, quantiles], next_state), in app.contract.step_output_names order."""
        z, loc, scale = self.net.normalize(observation.unsqueeze(1))  # global: fixed statistics
        out, next_state = self.rnn(z, self.unpack_state(state))
        outputs = self.net.readout(out[:, -1], loc, scale)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        return (*outputs, self.pack_state(next_state))


def export_step(step: StepForecaster, cfg: NetConfig, step_path: Path) -> int:
    """Write one self-contained step graph with a dynamic batch axis; return its opset.

    The TorchScript exporter maps the single step onto an ONNX RNN/LSTM/GRU op whose initial
    state is a graph input, so any batch size runs.
    """
    observation = torch.zeros(2, cfg.n_features)
    state = torch.zeros(state_shape(cfg)[0], 2, cfg.hidden_size)
    names = step_output_names(bool(cfg.quantiles))
    dynamic = {STEP_INPUT_NAME: {0: "batch"}, STATE_INPUT_NAME: {1: "batch"}}
    dynamic.update({name: {1 if name == STATE_OUTPUT_NAME else 0: "batch"} for name in names})
    try:
        with quiet(), warnings.catch_warnings():
            # nn.RNN's shape checks on the given state are traced as constants; harmless, since
            # the gate then runs other batch sizes than the example's.
            warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
            torch.onnx.export(
                step.eval(),
                (observation, state),
                str(step_path),
                dynamo=False,
                input_names=[STEP_INPUT_NAME, STATE_INPUT_NAME],
                output_names=names,
                dynamic_axes=dynamic,
                opset_version=OPSET,
            )
    except Exception as exc:
        raise ExportError(
            f"step graph export failed: {type(exc).__name__}: {first_line(str(exc))}"
        ) from exc
    return check_graph(step_path, "step graph", [(0, 0, "batch"), (1, 1, "batch")])


def step_parity(net: Forecaster, cfg: NetConfig, step_path: Path, window_path: Path) -> list[dict]:
    """Feed random raw windows one step at a time through the step graph, carrying the state,
    and compare every output at the end with torch eager and the window graph on the whole
    window; the error is relative to the output's magnitude, as in the window gate."""
    step_session, window_session = cpu_session(step_path), cpu_session(window_path)
    quantiles = bool(cfg.quantiles)
    names, step_names = output_names(quantiles), step_output_names(quantiles)
    lengths = step_parity_lengths(cfg.input_length)
    checked = []
    for batch, length, x, _ in parity_windows(net, cfg.n_features, STEP_PARITY_BATCHES, lengths):
        window = x.numpy()
        eager = eager_outputs(net, x)
        with onnxruntime_errors("step graph", batch, length):
            served = window_session.run(names, {INPUT_NAME: window})
            state = np.zeros([state_shape(cfg)[0], batch, cfg.hidden_size], np.float32)
            for t in range(length):
                *stepped, state = step_session.run(
                    step_names, {STEP_INPUT_NAME: window[:, t], STATE_INPUT_NAME: state}
                )
        vs_torch, vs_window = relative_error(stepped, eager), relative_error(stepped, served)
        checked.append(
            {
                "batch": batch,
                "length": length,
                "error_vs_torch": vs_torch,
                "error_vs_window_onnx": vs_window,
                "error": max(vs_torch, vs_window, key=nan_first),
            }
        )
    return checked


def export_step_graph(
    net: Forecaster,
    cfg: NetConfig,
    window_path: Path,
    step_path: Path,
    tolerance: float = STEP_PARITY_TOLERANCE,
    step: StepForecaster | None = None,
) -> dict:
    """Export the step graph of `net` (or of the given `step` module) beside the window graph
    and gate it; raises ExportError and leaves no step file when it does not reproduce the
    window model. Returns {"file", "state_shape", "opset", "parity_error", "checked"}; the
    runner puts file, state_shape and parity_error, with the file's sha256, in the manifest
    (app.contract.StepGraph)."""
    step = step if step is not None else StepForecaster(net)
    try:
        opset = export_step(step, cfg, step_path)
        checked = step_parity(net, cfg, step_path, window_path)
    except Exception:
        step_path.unlink(missing_ok=True)
        raise
    worst = worst_case(checked)
    if not worst["error"] <= tolerance:
        step_path.unlink(missing_ok=True)
        how = " (fed one observation at a time)"
        raise ExportError(parity_failure("step graph", worst, tolerance, how))
    return {
        "file": step_path.name,
        "state_shape": state_shape(cfg),
        "opset": opset,
        "parity_error": worst["error"],
        "checked": checked,
    }
