"""app.training.budget with covariates (issue 15): the closed-form parameter count equals the real
Forecaster's with future, calendar and static inputs, the window values equal what prepare
builds, and the activation estimate stays near what autograd keeps."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from app.contract import ARCHITECTURES, split_plan
from app.training import budget
from workers.training.data import prepare
from workers.training.nets import NetConfig, build_net


def shape(architecture: str, **overrides) -> budget.Shape:
    values = dict(
        architecture=architecture,
        n_features=3,
        n_targets=2,
        n_levels=1,
        input_length=24,
        horizon=6,
        hidden_size=20,
        num_layers=2,
        d_model=16,
        nhead=4,
        dim_feedforward=24,
        batch_size=8,
        dropout=0.0,
        varied=False,
        series_rows=(200,),
        n_future=2,
        n_calendar=3,
        n_static=4,
    )
    return budget.Shape(**{**values, **overrides})


def net_of(s: budget.Shape) -> torch.nn.Module:
    levels = [0.1, 0.5, 0.9] if s.n_levels == 3 else []
    return build_net(
        NetConfig(
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
            quantiles=levels,
            n_future=s.n_future,
            n_calendar=s.n_calendar,
            n_static=s.n_static,
        )
    )


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize(
    "covariates",
    [
        dict(n_future=2, n_calendar=3, n_static=4, n_levels=3),
        dict(n_future=0, n_calendar=1, n_static=0),
        dict(n_future=0, n_calendar=0, n_static=5),
        dict(n_future=0, n_calendar=0, n_static=0),
    ],
)
def test_parameter_count_with_covariates_matches_torch(architecture, covariates):
    s = shape(architecture, **covariates)
    torch_count = sum(p.numel() for p in net_of(s).parameters() if p.requires_grad)
    assert budget.parameters(s) == torch_count
    if not s.covariates:
        assert budget.covariate_parameters(s) == 0


def test_window_values_count_the_covariates_prepare_builds():
    s = shape("gru", n_targets=1, n_features=2, n_static=1, n_calendar=0)
    rng = np.random.default_rng(0)
    values = np.hstack([rng.normal(size=(200, 4)), np.full((200, 1), 3.0)])
    columns = ["y", "x", "p", "q", "size"]
    plan = split_plan(200, s.input_length, s.horizon, 0.2)
    data = prepare(
        values,
        columns,
        ["y", "x"],
        ["y"],
        plan,
        torch.device("cpu"),
        future_columns=["p", "q"],
        static_columns=["size"],
    )
    built = data.x_all.numel() + data.y_all.numel()
    built += sum(c.numel() for c in data.covariates.values())
    assert budget.window_values(s) == built


@pytest.mark.parametrize("architecture", ["gru", "transformer"])
def test_activation_estimate_with_covariates_is_near_what_autograd_keeps(architecture):
    s = shape(architecture, n_static=8, n_future=6, horizon=24)
    torch.manual_seed(0)
    net = net_of(s).train()
    x = torch.randn(s.batch_size, s.input_length, s.n_features)
    y = torch.randn(s.batch_size, s.horizon, s.n_targets)
    covariates = {
        "future": torch.randn(s.batch_size, s.horizon, s.n_future),
        "calendar": torch.randn(s.batch_size, s.horizon, s.n_calendar),
        "static": torch.randn(s.batch_size, s.n_static),
    }
    storages: dict[tuple[int, int], int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        storages[(storage.data_ptr(), storage.nbytes())] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        median, _, target = net.training_outputs(x, y, **covariates)
        torch.nn.functional.mse_loss(median, target)
    measured = sum(storages.values()) - 4 * budget.parameters(s)  # weights are saved too
    estimated = budget.FLOAT_BYTES * budget.activation_values(s)
    assert 0.75 * measured <= estimated <= 1.6 * measured, (estimated, measured)
