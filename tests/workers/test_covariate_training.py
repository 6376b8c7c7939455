"""Training with covariates (issue 15): on a series whose target responds to a known-in-advance
promotion flag and price, a model given them over the horizon (future_columns) forecasts the
validation windows clearly better than one that only reads their history. A fast version of
benchmarks/covariates.py (which trains with the defaults and expects 2x for every architecture);
and one run through every covariate kind, several series, varied lengths and the refit."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from app.contract import ARCHITECTURES, segment_plans, split_plan
from app.training.schemas import Hyperparameters
from tests.support.promotions import COLUMNS, promotion_series
from workers.training.data import TrainingData, prepare
from workers.training.loop import fit, refit, seed_everything, training_options
from workers.training.metrics import evaluate
from workers.training.nets import build_net, net_config

CPU = torch.device("cpu")
HORIZON = 7
SMALL = Hyperparameters(
    hidden_size=16,
    num_layers=1,
    d_model=16,
    nhead=2,
    dim_feedforward=32,
    dropout=0.0,
    learning_rate=1e-2,
    batch_size=32,
    epochs=20,
    early_stopping_patience=20,
)


def validation_report(architecture: str, data: TrainingData) -> dict:
    seed_everything(0)
    net = build_net(net_config(architecture, SMALL, data, horizon=HORIZON))
    fit(
        net,
        data,
        epochs=SMALL.epochs,
        early_stopping_patience=SMALL.early_stopping_patience,
        **training_options(SMALL),
    )
    return evaluate(net, data, season_length=7)


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_known_future_promotions_and_prices_make_the_forecast_clearly_better(architecture):
    values, _ = promotion_series(300)
    plan = split_plan(len(values), 21, HORIZON, validation_fraction=0.2)
    history_only = prepare(values, COLUMNS, COLUMNS, ["sales"], plan, CPU)
    known = prepare(
        values, COLUMNS, COLUMNS, ["sales"], plan, CPU, future_columns=["promotion", "price"]
    )
    without = validation_report(architecture, history_only)["model"]["mase"]
    report = validation_report(architecture, known)
    # 20 small epochs give 2.2-2.8x (measured); the benchmark's default training gives more.
    assert without / report["model"]["mase"] >= 1.8, (without, report["model"]["mase"])
    assert report["beats_seasonal_naive"]


def test_every_covariate_kind_trains_on_several_series_with_varied_lengths_and_refit():
    blocks, stamps, lengths = [], [], []
    for k, name in enumerate(["small", "large", "medium"]):
        values, days = promotion_series(120 + 20 * k, seed=k)
        size = np.full((len(values), 1), [10.0, 50.0, 30.0][k])
        region = np.full((len(values), 1), float(k % 2))
        blocks.append(np.hstack([values, size, region]))
        stamps += days
        lengths.append((name, len(values)))
    columns = [*COLUMNS, "size", "region"]
    data = prepare(
        np.concatenate(blocks),
        columns,
        ["sales"],
        ["sales"],
        segment_plans(lengths, 14, HORIZON, 0.2),
        CPU,
        max_length=28,
        future_columns=["promotion", "price"],
        calendar=["day_of_week", "month"],
        timestamps=stamps,
        static_columns=["size", "region"],
        categorical_columns=["region"],
    )
    assert data.static_features == ["size", "region=0", "region=1"]
    hp = SMALL.model_copy(update={"epochs": 3, "normalization": "instance"})
    cfg = net_config("lstm", hp, data, horizon=HORIZON, quantiles=[0.1, 0.5, 0.9])
    assert (cfg.n_future, cfg.n_calendar, cfg.n_static) == (2, 2, 3)
    assert cfg.static_mean == pytest.approx([30.0, 2 / 3, 1 / 3])
    seed_everything(0)
    net = build_net(cfg)
    result = fit(net, data, epochs=3, early_stopping_patience=0, **training_options(hp))
    report = evaluate(net, data, season_length=7)
    assert math.isfinite(report["model"]["mase"]) and set(report["series"]) == {
        "small",
        "large",
        "medium",
    }
    assert "quantiles" in report
    refitted = build_net(cfg)
    history = refit(refitted, data, epochs=result.best_epoch, **training_options(hp))
    assert len(history) == result.best_epoch and math.isfinite(history[-1].train_loss)
