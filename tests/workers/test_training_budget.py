"""app.training.budget against torch: its closed-form parameter counts equal the real
Forecaster's for every architecture, and its activation estimate stays near what autograd really
keeps for a training batch (measured with saved-tensor hooks)."""

from __future__ import annotations

import itertools

import pytest
import torch

from app.contract import ARCHITECTURES
from app.training import budget
from workers.training.nets import NetConfig, build_net


def shape(architecture: str, **overrides) -> budget.Shape:
    values = dict(
        architecture=architecture,
        n_features=3,
        n_targets=2,
        n_levels=1,
        input_length=40,
        horizon=5,
        hidden_size=24,
        num_layers=2,
        d_model=32,
        nhead=4,
        dim_feedforward=48,
        batch_size=8,
        dropout=0.2,
        varied=False,
        series_rows=(10_000,),
    )
    values.update(overrides)
    return budget.Shape(**values)


def net_of(s: budget.Shape) -> torch.nn.Module:
    assert s.n_levels % 2, "an odd number of evenly spaced levels holds the median"
    quantiles = [(i + 1) / (s.n_levels + 1) for i in range(s.n_levels)]
    config = NetConfig(
        architecture=s.architecture,
        n_features=s.n_features,
        n_targets=s.n_targets,
        input_length=s.input_length,
        horizon=s.horizon,
        hidden_size=s.hidden_size,
        num_layers=s.num_layers,
        dropout=s.dropout,
        d_model=s.d_model,
        nhead=s.nhead,
        dim_feedforward=s.dim_feedforward,
        quantiles=quantiles if s.n_levels > 1 else [],
    )
    return build_net(config)


def torch_parameters(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


@pytest.mark.parametrize(
    ("architecture", "layers", "features", "targets", "levels"),
    [
        (a, layers, f, t, q)
        for a, (layers, f, t, q) in itertools.product(
            ARCHITECTURES, [(1, 1, 1, 1), (3, 5, 2, 3), (2, 2, 4, 5)]
        )
    ],
)
def test_parameter_count_matches_torch(architecture, layers, features, targets, levels):
    s = shape(
        architecture, num_layers=layers, n_features=features, n_targets=targets, n_levels=levels
    )
    assert budget.parameters(s) == torch_parameters(net_of(s))


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_parameter_count_of_a_huge_net_matches_torch_without_allocating(architecture):
    """The issue's probe size (hidden 4096, 16 layers), built on the meta device."""
    s = shape(
        architecture,
        hidden_size=4096,
        num_layers=16,
        d_model=1024,
        nhead=8,
        dim_feedforward=4096,
        horizon=48,
    )
    with torch.device("meta"):
        net = net_of(s)
    assert budget.parameters(s) == torch_parameters(net)
    if architecture == "lstm":
        assert budget.parameters(s) > 2_000_000_000


def saved_bytes(net: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> int:
    """Bytes of the distinct storages autograd keeps for the backward pass of one batch."""
    storages: dict[tuple[int, int], int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        storages[(storage.data_ptr(), storage.nbytes())] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        median, _, target = net.training_outputs(x, y)
        torch.nn.functional.mse_loss(median, target)
    return sum(storages.values())


@pytest.mark.parametrize(
    ("architecture", "overrides"),
    [
        ("rnn", {}),
        ("gru", {"hidden_size": 64, "input_length": 100}),
        ("lstm", {"num_layers": 3, "batch_size": 16}),
        ("lstm", {"hidden_size": 96, "input_length": 60, "n_features": 8}),
        ("transformer", {}),
        ("transformer", {"input_length": 120, "nhead": 8, "d_model": 64}),
        ("transformer", {"dropout": 0.0, "dim_feedforward": 256}),
    ],
)
def test_activation_estimate_is_near_what_autograd_keeps(architecture, overrides):
    s = shape(architecture, **overrides)
    torch.manual_seed(0)
    net = net_of(s).train()
    x = torch.randn(s.batch_size, s.input_length, s.n_features)
    y = torch.randn(s.batch_size, s.horizon, s.n_targets)
    measured = saved_bytes(net, x, y) - 4 * budget.parameters(s)  # weights are saved too
    estimated = budget.FLOAT_BYTES * budget.activation_values(s)
    assert 0.75 * measured <= estimated <= 1.6 * measured, (estimated, measured)
