"""The networks: raw units in and out, dynamic sequence length, config handling."""

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
def test_forward_is_denormalized_forward_normalized_on_normalized_inputs(architecture):
    torch.manual_seed(0)
    cfg = small_config(architecture)
    net = build_net(cfg).eval()
    x = torch.randn(5, 12, 2)
    with torch.no_grad():
        raw = net(x)
        normalized = net.forward_normalized(x)
    std, mean = torch.tensor(cfg.target_std), torch.tensor(cfg.target_mean)
    torch.testing.assert_close(raw, normalized * std + mean)
    torch.testing.assert_close(net.normalize_targets(raw), normalized)
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
