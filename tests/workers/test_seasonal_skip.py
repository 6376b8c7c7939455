"""`baseline: seasonal_naive` and `seasonal_drift` (issue 15, item 6): the network's forecast
starts as the seasonal-naive forecast of its own window (plus the window's drift) and learns a
correction; the skip exports with a dynamic window length and pads a window shorter than its
width with its first value."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
import torch

from app.contract import ARCHITECTURES, PARITY_BATCHES, STEP_FILENAME, parity_lengths
from workers.training.export import save_checkpoint
from workers.training.export.child import run_export
from workers.training.nets import NetConfig, build_net

SEASON, HORIZON, LENGTH = 4, 6, 8


def config(
    architecture: str, normalization: str, baseline: str = "seasonal_naive", season: int = SEASON
) -> NetConfig:
    return NetConfig(
        architecture=architecture,
        n_features=1,
        n_targets=1,
        input_length=LENGTH,
        horizon=HORIZON,
        hidden_size=8,
        num_layers=1,
        d_model=8,
        nhead=2,
        dim_feedforward=16,
        feature_mean=[50.0],
        feature_std=[5.0],
        target_mean=[50.0],
        target_std=[5.0],
        normalization=normalization,
        target_feature_index=[0],
        baseline=baseline,
        season=season,
    )


def untrained_head(cfg: NetConfig) -> torch.nn.Module:
    """The net as it starts, with the learned head silenced: only the skip speaks."""
    net = build_net(cfg).eval()
    torch.nn.init.zeros_(net.head.weight)
    torch.nn.init.zeros_(net.head.bias)
    return net


@pytest.mark.parametrize("normalization", ["global", "instance"])
def test_the_forecast_starts_as_the_seasonal_naive_forecast_of_the_window(normalization):
    net = untrained_head(config("gru", normalization))
    window = torch.tensor([50, 53, 47, 41, 52, 58, 44, 40], dtype=torch.float32)
    with torch.no_grad():
        forecast = net(window[None, :, None])[0, :, 0]
    last_season = window[-SEASON:]
    expected = torch.cat([last_season, last_season])[:HORIZON]
    torch.testing.assert_close(forecast, expected, rtol=0, atol=1e-4)


def test_a_window_shorter_than_the_season_is_padded_with_its_first_value():
    net = untrained_head(config("lstm", "global"))
    window = torch.tensor([[7.0], [9.0]])[None]  # 2 steps, season 4: [7, 7, 7, 9] repeated
    with torch.no_grad():
        forecast = net(window)[0, :, 0]
    torch.testing.assert_close(forecast, torch.tensor([7.0, 7, 7, 9, 7, 7]), rtol=0, atol=1e-4)


@pytest.mark.parametrize("normalization", ["global", "instance"])
def test_seasonal_drift_continues_a_seasonal_series_on_a_trend_exactly(normalization):
    net = untrained_head(config("gru", normalization, "seasonal_drift"))
    t = torch.arange(LENGTH + HORIZON, dtype=torch.float32)
    series = 40 + 1.5 * t + torch.tensor([3.0, -1.0, 4.0, -6.0]).repeat(4)[: len(t)]
    with torch.no_grad():
        forecast = net(series[None, :LENGTH, None])[0, :, 0]
    torch.testing.assert_close(forecast, series[LENGTH:], rtol=0, atol=1e-3)


def test_seasonal_drift_without_a_season_is_the_random_walk_with_drift():
    net = untrained_head(config("lstm", "instance", "seasonal_drift", season=1))
    window = torch.tensor([10.0, 12, 11, 15, 13, 14, 18, 17])  # drift (17 - 10) / 7 = 1 a step
    with torch.no_grad():
        forecast = net(window[None, :, None])[0, :, 0]
    torch.testing.assert_close(forecast, 17 + torch.arange(1.0, HORIZON + 1), rtol=0, atol=1e-3)


def test_a_baseline_the_network_does_not_know_is_refused():
    with pytest.raises(ValueError, match="baseline must be one of"):
        build_net(config("rnn", "instance", "seasonal_mean"))


def test_the_skip_is_trained_not_frozen():
    net = build_net(config("rnn", "instance"))
    assert net.skip is not None and net.skip.weight.requires_grad
    assert any(p is net.skip.weight for p in net.parameters())


@pytest.mark.parametrize("baseline", ["seasonal_naive", "seasonal_drift"])
@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_the_graph_exports_with_a_dynamic_length_and_no_step_graph(
    architecture, baseline, tmp_path
):
    cfg = config(architecture, "global", baseline)
    torch.manual_seed(0)
    net = build_net(cfg)
    checkpoint, onnx_path = tmp_path / "checkpoint.pt", tmp_path / "model.onnx"
    save_checkpoint(net, cfg, checkpoint)
    report = run_export(checkpoint, onnx_path, 1e-4)

    assert "message" not in report and report["parity_error"] <= 1e-4
    checked = {(c["batch"], c["length"]) for c in report["checked"]}
    assert checked == {(b, n) for b in PARITY_BATCHES for n in parity_lengths(LENGTH)}
    assert not (tmp_path / STEP_FILENAME).exists()  # a global recurrent net would have one
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    short = np.array([[[48.0], [55.0]]], dtype=np.float32)  # shorter than the season
    with torch.no_grad():
        expected = net.eval()(torch.from_numpy(short)).numpy()
    np.testing.assert_allclose(session.run(None, {"inputs": short})[0], expected, atol=1e-3)
