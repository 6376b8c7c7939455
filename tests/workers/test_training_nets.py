"""The networks: raw units in and out, dynamic sequence length, instance normalization, the
quantile head, config handling."""

import warnings

import pytest
import torch

from app.contract import ARCHITECTURES, MAX_LENGTH_FACTOR
from workers.training.nets import NetConfig, build_net


def small_config(architecture: str, **overrides) -> NetConfig:
    values = dict(
        architecture=architecture,
        n_features=2,
        n_targets=3,
        input_length=12,
        horizon=4,
        hidden_size=16,
        num_layers=2,
        d_model=16,
        nhead=4,
        dim_feedforward=32,
        feature_mean=[5.0, -3.0],
        feature_std=[2.0, 0.5],
        target_mean=[100.0, 0.0, -7.0],
        target_std=[10.0, 1.0, 0.1],
    )
    values.update(overrides)
    return NetConfig(**values)


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_any_length_from_1_to_beyond_the_served_maximum(architecture):
    torch.manual_seed(0)
    net = build_net(small_config(architecture)).eval()
    with torch.no_grad():
        for length in (1, 7, 12, MAX_LENGTH_FACTOR * 12, 10 * 12):
            out = net(torch.randn(3, length, 2))
            assert out.shape == (3, 4, 3)
            assert torch.isfinite(out).all()


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_forward_is_the_readout_of_the_normalized_window_scaled_back(architecture):
    torch.manual_seed(0)
    cfg = small_config(architecture)
    net = build_net(cfg).eval()
    x = torch.randn(5, 12, 2)
    y = torch.randn(5, 4, 3)
    with torch.no_grad():
        raw = net(x)
        median, quantiles, target = net.training_outputs(x, y)
    std, mean = torch.tensor(cfg.target_std), torch.tensor(cfg.target_mean)
    assert quantiles is None
    torch.testing.assert_close(raw, median * std + mean)
    torch.testing.assert_close(target, (y - mean) / std)
    # The streams' one-step graph reads out the top layer's last output with the global stats.
    z = (x - net.feature_mean) / net.feature_std
    with torch.no_grad():
        torch.testing.assert_close(net.readout(net.encoder(z), mean, std), raw)
    # Statistics are buffers: they travel with state_dict and into the ONNX graph.
    state = net.state_dict()
    assert state["feature_mean"].tolist() == cfg.feature_mean
    assert state["target_std"].tolist() == pytest.approx(cfg.target_std)


def test_inputs_are_normalized_inside_the_model():
    torch.manual_seed(0)
    cfg = small_config("gru")
    net = build_net(cfg).eval()
    plain = build_net(small_config("gru", feature_mean=[], feature_std=[])).eval()
    assert plain.feature_mean.tolist() == [0, 0] and plain.feature_std.tolist() == [1, 1]
    state = net.state_dict()
    state.update(feature_mean=plain.feature_mean, feature_std=plain.feature_std)
    plain.load_state_dict(state)
    x = torch.randn(4, 12, 2)
    mean, std = torch.tensor(cfg.feature_mean), torch.tensor(cfg.feature_std)
    with torch.no_grad():
        torch.testing.assert_close(net(mean + std * x), plain(x))


def test_dropout_only_between_recurrent_layers():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch warns about dropout on a single layer
        single = build_net(small_config("lstm", num_layers=1, dropout=0.3))
    assert single.encoder.rnn.dropout == 0.0
    assert build_net(small_config("lstm", num_layers=2, dropout=0.3)).encoder.rnn.dropout == 0.3


def test_bad_configs_are_refused():
    with pytest.raises(ValueError, match="architecture"):
        build_net(small_config("tcn"))
    with pytest.raises(ValueError, match="normalization"):
        build_net(small_config("rnn", feature_mean=[1.0]))
    with pytest.raises(ValueError, match="normalization"):
        build_net(small_config("rnn", normalization="robust"))
    for levels in ([0.1, 0.9], [0.9, 0.5, 0.1], [0.0, 0.5], [0.5, 0.5]):
        with pytest.raises(ValueError, match="quantiles"):
            build_net(small_config("gru", quantiles=levels))
    with pytest.raises(ValueError, match="target_feature_index"):
        build_net(small_config("gru", target_feature_index=[0, 2, -1]))


INSTANCE = dict(normalization="instance", target_feature_index=[1, -1, 0])
"""Targets 0 and 2 are features 1 and 0 (scaled by their window); target 1 is not read."""


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_instance_normalization_moves_forecasts_with_the_window(architecture):
    """Shift a window by a constant c and scale it by k > 0: the forecast of every target the
    model reads moves the same way (k * f + c); a target it does not read keeps the forecast it
    had, in the global units."""
    torch.manual_seed(0)
    net = build_net(small_config(architecture, **INSTANCE)).eval()
    x = 10 * torch.randn(3, 12, 2, dtype=torch.float64)
    net = net.double()
    with torch.no_grad():
        base = net(x)
        for k, c in ((1.0, 1e3), (7.0, 0.0), (0.01, -50.0)):
            moved = net(k * x + c)
            torch.testing.assert_close(moved[..., [0, 2]], k * base[..., [0, 2]] + c)
            torch.testing.assert_close(moved[..., 1], base[..., 1])


def test_instance_normalization_of_a_flat_window_is_finite():
    net = build_net(small_config("lstm", **INSTANCE)).eval()
    with torch.no_grad():
        for length in (1, 12):
            out = net(torch.full((2, length, 2), 3.0))
            assert torch.isfinite(out).all()


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_quantiles_never_cross_and_the_median_is_the_forecast(architecture):
    torch.manual_seed(0)
    levels = [0.05, 0.25, 0.5, 0.75, 0.95]
    cfg = small_config(architecture, quantiles=levels)
    net = build_net(cfg).eval()
    with torch.no_grad():
        net.head.weight.mul_(50)  # large raw outputs: crossing would show if it could happen
        forecast, quantiles = net(torch.randn(16, 12, 2))
    assert forecast.shape == (16, 4, 3) and quantiles.shape == (16, 4, 3, 5)
    assert (quantiles.diff(dim=-1) >= 0).all()  # softplus gaps: 0 at worst (underflow)
    torch.testing.assert_close(quantiles[..., 2], forecast)
    assert net.quantiles == levels
