"""Networks with covariates (issue 15): the per-step decoder puts a known-future value at its
own horizon step, covariates are scaled by fixed statistics inside the model (never per window),
and versions without covariates keep their layers, checkpoints and step graph."""

from __future__ import annotations

from dataclasses import asdict

import pytest
import torch

from app.contract import ARCHITECTURES
from workers.training.export import load_checkpoint, save_checkpoint
from workers.training.export.step import has_step_graph
from workers.training.nets import NetConfig, build_net

HORIZON, N_FUTURE, N_CALENDAR, N_STATIC = 4, 2, 3, 2


def config(architecture: str = "gru", **overrides) -> NetConfig:
    values = dict(
        architecture=architecture,
        n_features=2,
        n_targets=2,
        input_length=10,
        horizon=HORIZON,
        hidden_size=16,
        num_layers=2,
        d_model=16,
        nhead=4,
        dim_feedforward=32,
        feature_mean=[5.0, -3.0],
        feature_std=[2.0, 0.5],
        target_mean=[100.0, 0.0],
        target_std=[10.0, 1.0],
        n_future=N_FUTURE,
        n_calendar=N_CALENDAR,
        n_static=N_STATIC,
        future_mean=[0.2, 10.0],
        future_std=[0.4, 2.0],
        calendar_mean=[3.0, 6.5, 0.03],
        calendar_std=[2.0, 3.5, 0.17],
        static_mean=[12.0, 0.5],
        static_std=[4.0, 0.5],
    )
    values.update(overrides)
    return NetConfig(**values)


def plain_config(architecture: str = "gru", **overrides) -> NetConfig:
    """config() without any covariate: the network of a version that has none."""
    none = dict(n_future=0, n_calendar=0, n_static=0)
    for name in ("future", "calendar", "static"):
        none.update({f"{name}_mean": [], f"{name}_std": []})
    return config(architecture, **{**none, **overrides})


def inputs(batch: int = 5, seed: int = 0) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, 10, 2, generator=g)
    return x, {
        "future": torch.randn(batch, HORIZON, N_FUTURE, generator=g),
        "calendar": torch.randn(batch, HORIZON, N_CALENDAR, generator=g),
        "static": torch.randn(batch, N_STATIC, generator=g),
    }


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_a_future_value_moves_the_forecast_at_its_own_step_only(architecture):
    torch.manual_seed(0)
    net = build_net(config(architecture, quantiles=[0.1, 0.5, 0.9])).eval()
    x, covariates = inputs()
    with torch.no_grad():
        base, base_q = net(x, **covariates)
        for step in range(HORIZON):
            moved = dict(covariates, future=covariates["future"].clone())
            moved["future"][:, step, 0] += 3.0
            forecast, quantiles = net(x, **moved)
            changed = (forecast - base).abs().amax(dim=(0, 2)) > 1e-6
            assert changed.tolist() == [h == step for h in range(HORIZON)]
            assert (quantiles.diff(dim=-1) >= 0).all()  # the decoder shifts every level
            assert not torch.allclose(quantiles[:, step], base_q[:, step])
        static = dict(covariates, static=covariates["static"] + 1.0)
        assert ((net(x, **static)[0] - base).abs().amax(dim=(0, 2)) > 1e-6).all()


def test_covariates_are_scaled_by_the_statistics_inside_the_model():
    """The same weights with other statistics give the same forecast for inputs moved by them."""
    torch.manual_seed(0)
    unit = config(
        future_mean=[0.0, 0.0],
        future_std=[1.0, 1.0],
        calendar_mean=[0.0] * 3,
        calendar_std=[1.0] * 3,
        static_mean=[0.0, 0.0],
        static_std=[1.0, 1.0],
    )
    plain, scaled = build_net(unit).eval(), build_net(config()).eval()
    state = {k: v for k, v in plain.state_dict().items() if k.split("_")[-1] not in ("mean", "std")}
    scaled.load_state_dict(state, strict=False)
    x, z = inputs()
    raw = {
        name: scaled.get_buffer(f"{name}_mean") + scaled.get_buffer(f"{name}_std") * value
        for name, value in z.items()
    }
    with torch.no_grad():
        torch.testing.assert_close(scaled(x, **raw), plain(x, **z))


@pytest.mark.parametrize("architecture", ["lstm", "transformer"])
def test_instance_normalization_leaves_the_covariates_alone(architecture):
    """A window moved by c moves the forecast by c, whatever the (unmoved) covariates."""
    torch.manual_seed(0)
    net = build_net(
        config(architecture, normalization="instance", target_feature_index=[0, 1])
    ).eval()
    x, covariates = inputs()
    with torch.no_grad():
        shifted = net(x + 50.0, **covariates)
        torch.testing.assert_close(shifted, net(x, **covariates) + 50.0, atol=1e-3, rtol=1e-5)


def test_a_missing_or_unexpected_covariate_is_refused():
    net = build_net(config(n_calendar=0, calendar_mean=[], calendar_std=[])).eval()
    x, covariates = inputs()
    with pytest.raises(ValueError, match="'calendar' was unexpected"):
        net(x, **covariates)
    with pytest.raises(ValueError, match="'static' was missing"):
        net(x, future=covariates["future"])
    plain = build_net(plain_config()).eval()
    with pytest.raises(ValueError, match="'future' was unexpected"):
        plain(x, future=covariates["future"])


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_a_version_without_covariates_loads_its_checkpoints_as_before(architecture, tmp_path):
    """No covariate layers or buffers, a checkpoint whose config predates the covariate fields
    loads, and recurrent global versions keep their step graph; covariates take it away."""
    cfg = plain_config(architecture)
    net = build_net(cfg)
    assert not any(
        key.startswith(("decoder", "static_", "future_", "calendar_")) for key in net.state_dict()
    )
    path = tmp_path / "old.pt"
    save_checkpoint(net, cfg, path)
    checkpoint = torch.load(path, weights_only=True)
    covariate_fields = {"n_future", "n_calendar", "n_static"} | {
        f"{name}_{stat}" for name in ("future", "calendar", "static") for stat in ("mean", "std")
    }
    checkpoint["config"] = {
        k: v for k, v in checkpoint["config"].items() if k not in covariate_fields
    }
    torch.save(checkpoint, path)
    loaded, loaded_cfg = load_checkpoint(path)
    assert asdict(loaded_cfg) == asdict(cfg)
    x, _ = inputs()
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), net.eval()(x))
    assert has_step_graph(cfg) == (architecture != "transformer")
    assert not has_step_graph(plain_config(architecture, n_static=1, static_mean=[0.0]))
