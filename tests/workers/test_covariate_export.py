"""The window graph of a version with covariates (issue 15): its inputs are the manifest's
(app.contract.input_names) with a dynamic batch axis and a fixed horizon, the parity gate feeds
them at every PARITY_BATCHES size, onnxruntime agrees with torch at other batch sizes, and no
step graph is made (streams of such versions are served from the window graph)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from app.contract import (
    ARCHITECTURES,
    PARITY_BATCHES,
    STEP_FILENAME,
    input_names,
    output_names,
    parity_lengths,
)
from workers.training.export import save_checkpoint
from workers.training.export.child import run_export
from workers.training.nets import NetConfig, build_net

TOLERANCE = 1e-4
HORIZON = 3
COVARIATES = dict(
    n_future=2,
    n_calendar=2,
    n_static=3,
    future_mean=[0.2, 10.0],
    future_std=[0.4, 2.0],
    calendar_mean=[3.0, 6.5],
    calendar_std=[2.0, 3.5],
    static_mean=[12.0, 0.5, 0.5],
    static_std=[4.0, 0.5, 0.5],
)
VARIANTS = {  # one architecture each way: quantiles, instance normalization, both, neither
    "rnn": dict(quantiles=[0.1, 0.5, 0.9]),
    "lstm": dict(normalization="instance", target_feature_index=[0]),
    "gru": dict(normalization="instance", target_feature_index=[0], quantiles=[0.25, 0.5, 0.75]),
    "transformer": {},
}


def config(architecture: str, **overrides) -> NetConfig:
    values = dict(
        architecture=architecture,
        n_features=2,
        n_targets=1,
        input_length=8,
        horizon=HORIZON,
        hidden_size=12,
        num_layers=1,
        d_model=12,
        nhead=2,
        dim_feedforward=24,
        feature_mean=[100.0, -3.0],
        feature_std=[10.0, 0.5],
        target_mean=[100.0],
        target_std=[10.0],
        **COVARIATES,
    )
    return NetConfig(**{**values, **overrides})


def export(cfg: NetConfig, folder: Path) -> tuple[Path, dict]:
    torch.manual_seed(0)
    net = build_net(cfg)
    checkpoint, onnx_path = folder / "checkpoint.pt", folder / "model.onnx"
    save_checkpoint(net, cfg, checkpoint)
    return onnx_path, run_export(checkpoint, onnx_path, TOLERANCE)


def graph_inputs(path: Path) -> dict[str, list[int | str]]:
    model = onnx.load(str(path))
    return {
        i.name: [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim]
        for i in model.graph.input
    }


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_the_window_graph_takes_future_calendar_and_static(architecture, tmp_path):
    cfg = config(architecture, **VARIANTS[architecture])
    onnx_path, report = export(cfg, tmp_path)

    assert "message" not in report and report["parity_error"] <= TOLERANCE
    checked = {(c["batch"], c["length"]) for c in report["checked"]}
    assert checked == {(b, n) for b in PARITY_BATCHES for n in parity_lengths(cfg.input_length)}
    assert "step" not in report and not (tmp_path / STEP_FILENAME).exists()
    shapes = graph_inputs(onnx_path)
    assert list(shapes) == input_names(future=True, calendar=True, static=True)
    batch = shapes["inputs"][0]
    assert isinstance(batch, str) and isinstance(shapes["inputs"][1], str)
    assert shapes["future"] == [batch, HORIZON, 2]
    assert shapes["calendar"] == [batch, HORIZON, 2]
    assert shapes["static"] == [batch, 3]

    # Another batch size and length than the gate's, inputs in raw units.
    rng = np.random.default_rng(1)
    feed = {
        "inputs": (100 + 10 * rng.standard_normal((5, 11, 2))).astype(np.float32),
        "future": rng.random((5, HORIZON, 2)).astype(np.float32),
        "calendar": rng.integers(0, 7, (5, HORIZON, 2)).astype(np.float32),
        "static": rng.random((5, 3)).astype(np.float32),
    }
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    names = output_names(bool(cfg.quantiles))
    got = session.run(names, feed)
    torch.manual_seed(0)
    net = build_net(cfg).eval()
    with torch.no_grad():
        expected = net(*(torch.from_numpy(feed[name]) for name in shapes))
    expected = expected if isinstance(expected, tuple) else (expected,)
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(g, e.numpy(), rtol=1e-4, atol=1e-3)


def test_a_version_with_static_covariates_only_has_just_that_input(tmp_path):
    none = dict(n_future=0, n_calendar=0, future_mean=[], future_std=[])
    cfg = config("gru", **none, calendar_mean=[], calendar_std=[])
    onnx_path, report = export(cfg, tmp_path)
    assert "message" not in report and "step" not in report
    assert list(graph_inputs(onnx_path)) == input_names(future=False, calendar=False, static=True)
