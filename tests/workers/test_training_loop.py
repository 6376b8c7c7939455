"""The training loop: reproducibility, early stopping, callbacks, quantile and varied-length
training, gradient clipping, the refit and its weight average."""

import numpy as np
import pytest
import torch
from torch import nn

from app.contract import split_plan
from workers.training.data import TrainingData, prepare
from workers.training.loop import _evaluate, average_with_refit, fit, refit, seed_everything
from workers.training.metrics import evaluate
from workers.training.nets import NetConfig, build_net

INPUT_LENGTH, HORIZON = 12, 3


def make_data(signal: bool = True, n_rows: int = 300, **prepare_kw) -> TrainingData:
    rng = np.random.default_rng(0)
    t = np.arange(n_rows)
    noise = rng.standard_normal((n_rows, 2))
    if signal:
        series = np.stack([np.sin(2 * np.pi * t / 12), np.cos(2 * np.pi * t / 12)], 1)
        series = 50 + 10 * series + 0.1 * noise
    else:
        series = noise
    plan = split_plan(n_rows, INPUT_LENGTH, HORIZON, validation_fraction=0.2)
    return prepare(series, ["y", "x"], ["y", "x"], ["y"], plan, torch.device("cpu"), **prepare_kw)


def make_net(data: TrainingData, architecture: str = "gru", seed: int = 0, **overrides):
    seed_everything(seed)
    values = dict(
        architecture=architecture,
        n_features=2,
        n_targets=1,
        input_length=INPUT_LENGTH,
        horizon=HORIZON,
        hidden_size=16,
        num_layers=1,
        d_model=16,
        nhead=2,
        dim_feedforward=32,
        **data.net_statistics(),
    )
    return build_net(NetConfig(**{**values, **overrides}))


def run(data, seed=0, architecture="gru", epochs=4, patience=0, lr=1e-2, fit_kw=None, **overrides):
    net = make_net(data, architecture, seed, **overrides)
    result = fit(
        net,
        data,
        epochs=epochs,
        batch_size=32,
        learning_rate=lr,
        early_stopping_patience=patience,
        seed=seed,
        **(fit_kw or {}),
    )
    return net, result


@pytest.mark.parametrize("architecture", ["lstm", "transformer"])
def test_same_seed_gives_identical_losses_and_weights(architecture):
    data = make_data()
    # Dropout is on, so the seed must also cover the dropout masks, not just init and order.
    kw = dict(architecture=architecture, num_layers=2, dropout=0.2)
    net_a, a = run(data, seed=3, **kw)
    net_b, b = run(data, seed=3, **kw)
    _, c = run(data, seed=4, **kw)
    assert [(s.train_loss, s.val_loss) for s in a.history] == [
        (s.train_loss, s.val_loss) for s in b.history
    ]
    for (name, va), vb in zip(net_a.state_dict().items(), net_b.state_dict().values(), strict=True):
        assert torch.equal(va, vb), name
    assert [s.train_loss for s in a.history] != [s.train_loss for s in c.history]


def test_training_learns_a_periodic_signal():
    data = make_data()
    net, result = run(data, epochs=15)
    losses = [s.val_loss for s in result.history]
    assert result.best_val_loss == min(losses) < 0.5 * losses[0]
    assert not net.training and result.windows_per_second > 0
    assert [s.epoch for s in result.history] == list(range(1, 16))
    assert all(s.seconds > 0 for s in result.history)


def test_early_stopping_restores_the_best_weights():
    data = make_data(signal=False)  # noise: validation loss soon stops improving
    net = make_net(data)
    snapshots = {}

    def snapshot(stats):
        snapshots[stats.epoch] = {k: v.clone() for k, v in net.state_dict().items()}

    result = fit(
        net,
        data,
        epochs=60,
        batch_size=16,
        learning_rate=5e-2,
        early_stopping_patience=3,
        seed=0,
        on_epoch=snapshot,
    )
    assert result.stopped_early
    assert result.best_epoch == len(result.history) - 3
    val_losses = [s.val_loss for s in result.history]
    assert result.best_val_loss == min(val_losses) == val_losses[result.best_epoch - 1]
    for name, value in net.state_dict().items():
        assert torch.equal(value, snapshots[result.best_epoch][name]), name
    assert _evaluate(net, data.x_val, data.y_val, 64) == pytest.approx(
        result.best_val_loss, rel=1e-6
    )


def test_callback_exceptions_propagate():
    class Cancelled(Exception):
        pass

    seen = []

    def cancel_at_two(stats):
        seen.append(stats.epoch)
        if stats.epoch == 2:
            raise Cancelled

    data = make_data()
    with pytest.raises(Cancelled):
        fit(
            make_net(data),
            data,
            epochs=10,
            batch_size=64,
            learning_rate=1e-2,
            early_stopping_patience=0,
            seed=0,
            on_epoch=cancel_at_two,
        )
    assert seen == [1, 2]


@pytest.mark.parametrize("normalization", ["global", "instance"])
def test_quantile_training_orders_and_covers(normalization):
    data = make_data()
    levels = [0.1, 0.5, 0.9]
    net, result = run(data, epochs=20, quantiles=levels, normalization=normalization)
    report = evaluate(net, data, season_length=12)
    coverage = report["quantiles"]["coverage"]
    assert report["quantiles"]["levels"] == levels
    # Trained with the pinball loss, the band holds most actual values, and the levels order.
    assert coverage[0] < 0.35 and coverage[2] > 0.65 and coverage[0] < coverage[1] < coverage[2]
    assert report["quantiles"]["mean_pinball_loss"] > 0
    assert result.best_val_loss < result.history[0].val_loss
    with torch.no_grad():
        median, quantiles = net(data.x_val)
    assert (quantiles.diff(dim=-1) >= 0).all()
    torch.testing.assert_close(quantiles[..., 1], median)


def test_varied_lengths_train_on_long_windows_and_forecast_from_them():
    data = make_data(max_length=4 * INPUT_LENGTH)
    assert data.x_long is not None and data.x_long.shape[1] == 4 * INPUT_LENGTH
    net, result = run(data, epochs=15, architecture="lstm")
    _, fixed = run(make_data(), epochs=15, architecture="lstm")
    assert result.best_val_loss < 0.5 * result.history[0].val_loss
    assert [s.train_loss for s in result.history] != [s.train_loss for s in fixed.history]
    assert result.windows_per_second > 0 and all(s.windows_per_second > 0 for s in result.history)

    # From 4 x input_length of history, the varied-length model stays as good as from the
    # trained length; compare both models on the same long windows of the validation part.
    long_x = torch.from_numpy(np.ascontiguousarray(data.x_long[-data.n_val :].numpy()))
    keep = data.history[-data.n_val :] >= 4 * INPUT_LENGTH
    y = data.y_val[keep]
    with torch.no_grad():
        varied_long = nn.functional.mse_loss(net(long_x[keep]), y).item()
        varied_short = nn.functional.mse_loss(net(data.x_val[keep]), y).item()
    assert varied_long < 2 * varied_short


def test_gradient_clipping_caps_the_update():
    data = make_data()
    losses = {}
    for clip in (None, 1e-3):
        _, result = run(data, epochs=3, lr=1e-1, fit_kw={"gradient_clip": clip})
        losses[clip] = [s.train_loss for s in result.history]
    assert losses[None] != losses[1e-3]  # the clip changed the run: it was applied


def test_mixed_precision_is_ignored_on_the_cpu():
    data = make_data()
    _, plain = run(data, epochs=2)
    _, mixed = run(data, epochs=2, fit_kw={"mixed_precision": True})
    assert [s.train_loss for s in plain.history] == [s.train_loss for s in mixed.history]


def test_refit_trains_a_fresh_net_on_every_window():
    data = make_data()
    assert len(data.x_all) > data.n_train + data.n_val  # windows straddling the cut too
    _, result = run(data, epochs=6)
    fresh = make_net(data)
    before = evaluate(fresh, data, season_length=12)["model"]["mase"]
    history = refit(
        fresh, data, epochs=result.best_epoch, batch_size=32, learning_rate=1e-2, seed=0
    )
    assert [s.epoch for s in history] == list(range(1, result.best_epoch + 1))
    assert not fresh.training
    assert evaluate(fresh, data, season_length=12)["model"]["mase"] < 0.5 * before
    with pytest.raises(ValueError, match="epochs"):
        refit(fresh, data, epochs=0, batch_size=32, learning_rate=1e-2, seed=0)


def _all_windows_loss(net, data) -> float:
    return _evaluate(net, data.x_all, data.y_all, 32, data.covariates)


def test_the_refit_average_is_the_mean_of_both_networks_weights():
    data = make_data()
    selected, result = run(data, epochs=6)
    refitted = make_net(data)
    refit(refitted, data, epochs=result.best_epoch, batch_size=32, learning_rate=1e-2, seed=0)
    soup = average_with_refit(selected, refitted, data, 32)

    assert soup is not None and soup is not refitted and soup is not selected
    ours, a, b = soup.state_dict(), selected.state_dict(), refitted.state_dict()
    for name, value in ours.items():
        torch.testing.assert_close(value, (a[name] + b[name]) / 2)
    losses = [_all_windows_loss(n, data) for n in (selected, refitted, soup)]
    assert losses[2] <= max(losses[:2])
    assert not any(torch.equal(a[k], b[k]) for k in a if "weight" in k)  # two different nets


def _permuted(net, perm: torch.Tensor):
    """The same function with the recurrent units in another order (a 1-layer RNN's)."""
    twin = make_net(make_data(), "rnn")
    state = {k: v.clone() for k, v in net.state_dict().items()}
    for name in ("weight_ih_l0", "bias_ih_l0", "bias_hh_l0"):
        state[f"encoder.rnn.{name}"] = state[f"encoder.rnn.{name}"][perm]
    state["encoder.rnn.weight_hh_l0"] = state["encoder.rnn.weight_hh_l0"][perm][:, perm]
    state["head.weight"] = state["head.weight"][:, perm]
    twin.load_state_dict(state)
    return twin.eval()


def test_an_average_of_networks_in_different_basins_is_refused():
    """The two networks compute the same function, their units in another order: the mean of
    their weights mixes unrelated units, its loss is above both, and the refit is kept."""
    data = make_data()
    trained, _ = run(data, architecture="rnn", epochs=6)
    twin = _permuted(trained, torch.arange(16).flip(0))
    with torch.no_grad():
        torch.testing.assert_close(twin(data.x_all[:8]), trained.eval()(data.x_all[:8]))

    assert average_with_refit(twin, trained, data, 32) is None
