"""Which statistical models keep their edge when served from the /predict window, and would one
as an `auto` candidate close issue 15's gap to statsforecast? A measurement, not a product path.

Two things are scored on the accuracy series' holdouts: our additive ETS fit on a series' whole
history and served as one linear map of the window (below), and statsforecast's AutoETS,
AutoTheta and AutoARIMA fit on the whole history and applied to the window only (`forward`, in
.venv-sf: `bash benchmarks/statsforecast_env.sh`).

An additive ETS model is a linear state-space model: the forecast is linear in the state, and the
state after a window is linear in the state before it and the window's values. With the smoothing
parameters fixed, the state before the window that best explains the window (least squares of the
one-step errors, as ETS's "optimized initial states") is linear in the window too. So the whole
forecast is `window @ M.T` for a fixed [horizon, window] matrix M: an ONNX graph of one MatMul,
valid for any window, stateless, and as fast as serving gets.

What the whole history buys is the parameters: the form (trend none / additive / damped, season
none / additive) is chosen by AICc and the smoothing weights fit by least squares over every
training row of every series, where a window-only fit (statsforecast on 30 points) overfits.

Positive series are also fit on the log scale (the multiplicative forms' stand-in), compared by
AICc with the Jacobian. Pure numpy: fitting is a few hundred runs of the innovations filter.

    .venv/bin/python benchmarks/ets_window.py --origin 0 --window default --out ets-default
    .venv/bin/python benchmarks/ets_window.py --origin 0 --window history --out ets-history

`--window history` serves from the longest window the series allows (its training rows less a
horizon): what a server that kept the history would read. Each run scores the holdout forecast
and the validation MASE; `auto + ETS` is what auto would register with ETS as one more candidate,
from the network runs of an accuracy.py result file (per seed, the lowest validation MASE), and
`auto + statsforecast` the same with statsforecast's three models as candidates, each ranked by
the validation MASE of its own window forecasts.

Results: benchmarks/RESULTS.md, "Statistical models served from the window".
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from _common import RESULTS_DIR, machine
from accuracy import VALIDATION_FRACTION, auto_runs, input_length_for, statsforecast_scores
from devdata import ACCURACY_NAMES, best_statsforecast, load, score

from app.contract import split_plan
from workers.training.data import prepare
from workers.training.metrics import evaluate

MAX_SEASON = 24
"""Longer seasons are not modelled (as R's forecast::ets and statsforecast): too many states."""


@dataclass(frozen=True)
class Form:
    trend: str  # "N" | "A" | "Ad"
    seasonal: bool

    @property
    def name(self) -> str:
        return f"ETS(A,{self.trend},{'A' if self.seasonal else 'N'})"


@dataclass(frozen=True)
class Fit:
    form: Form
    season: int
    alpha: float
    beta: float
    gamma: float
    phi: float
    sse: float
    n: int
    aicc: float

    def describe(self) -> dict[str, float | int | str]:
        return {
            "form": self.form.name,
            "season_length": self.season,
            "alpha": self.alpha,
            "beta": self.beta,
            "gamma": self.gamma,
            "phi": self.phi,
            "aicc": self.aicc,
        }


def forms(season: int, shortest: int) -> list[Form]:
    """The forms a series allows: seasonal ones when the season is 2..MAX_SEASON and the shortest
    stretch fitted (a series' training rows, or the window) holds two seasons more than its
    states."""
    trends = ["N", "A", "Ad"]
    made = [Form(t, False) for t in trends]
    if 2 <= season <= MAX_SEASON and shortest >= 2 * season + 3:
        made += [Form(t, True) for t in trends]
    return made


def _system(form: Form, m: int, alpha: float, beta: float, gamma: float, phi: float):
    """(F, g, w) of the state x = [level, (trend), (s_{t-1} .. s_{t-m})]: y_t = w x_{t-1} + e_t,
    x_t = F x_{t-1} + g e_t."""
    has_trend = form.trend != "N"
    phi = phi if form.trend == "Ad" else 1.0
    d = 1 + has_trend + (m if form.seasonal else 0)
    f = np.zeros((d, d))
    g = np.zeros(d)
    w = np.zeros(d)
    f[0, 0], g[0], w[0] = 1.0, alpha, 1.0
    if has_trend:
        f[0, 1] = f[1, 1] = w[1] = phi
        g[1] = beta
    if form.seasonal:
        s = 1 + has_trend  # s_{t-1} .. s_{t-m} at s .. s + m - 1
        f[s, s + m - 1] = 1.0  # the new s_t starts from s_{t-m}
        for j in range(1, m):
            f[s + j, s + j - 1] = 1.0
        g[s] = gamma
        w[s + m - 1] = 1.0
    return f, g, w


def _filter(f: np.ndarray, g: np.ndarray, w: np.ndarray, y: np.ndarray):
    """One-step errors and final state, as linear maps of the initial state: for data columns
    y [n, k], returns (E0 [n, k], X0 [d, k]) with the initial state zero and (Ex [n, d], Xx
    [d, d]) for unit initial states and no data, so that a series' errors are E0 + Ex @ x0 and
    its final state X0 + Xx @ x0."""
    n, k = y.shape
    d = len(g)
    x = np.concatenate([np.zeros((d, k)), np.eye(d)], axis=1)
    data = np.concatenate([y, np.zeros((n, d))], axis=1)
    errors = np.empty((n, k + d))
    for t in range(n):
        e = data[t] - w @ x
        errors[t] = e
        x = f @ x + np.outer(g, e)
    return errors[:, :k], x[:, :k], errors[:, k:], x[:, k:]


def _initial_state(e0: np.ndarray, ex: np.ndarray) -> np.ndarray:
    """The initial states [d, k] minimizing each column's squared one-step errors (minimum norm
    where level and seasonal states trade off: the forecasts do not depend on the choice)."""
    return -np.linalg.pinv(ex, rcond=1e-10) @ e0


def _sse(form: Form, m: int, params: tuple[float, ...], series: Sequence[np.ndarray]) -> float:
    f, g, w = _system(form, m, *params)
    total = 0.0
    for y in series:
        e0, _, ex, _ = _filter(f, g, w, y[:, None])
        errors = e0 + ex @ _initial_state(e0, ex)
        total += float(errors[:, 0] @ errors[:, 0])
    return total


def _sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(v, 30.0), -30.0)))


def _params(form: Form, u: np.ndarray) -> tuple[float, float, float, float]:
    """Unconstrained u -> (alpha, beta, gamma, phi) in the usual region: 0 < alpha < 1,
    0 < beta < alpha, 0 < gamma < 1 - alpha, 0.8 < phi < 0.98."""
    alpha = 1e-4 + (1 - 2e-4) * _sigmoid(u[0])
    i = 1
    beta = gamma = 0.0
    phi = 1.0
    if form.trend != "N":
        beta, i = alpha * _sigmoid(u[i]), i + 1
    if form.seasonal:
        gamma, i = (1 - alpha) * _sigmoid(u[i]), i + 1
    if form.trend == "Ad":
        phi = 0.8 + 0.18 * _sigmoid(u[i])
    return alpha, beta, gamma, phi


def _nelder_mead(fn: Callable[[np.ndarray], float], x0: np.ndarray, iterations: int) -> np.ndarray:
    """Minimize fn from x0 (a few unconstrained dimensions; no scipy in the worker)."""
    dim = len(x0)
    simplex = [x0] + [x0 + np.eye(dim)[i] for i in range(dim)]
    values = [fn(x) for x in simplex]
    for _ in range(iterations):
        order = np.argsort(values)
        simplex, values = [simplex[i] for i in order], [values[i] for i in order]
        if values[-1] - values[0] <= 1e-10 * (abs(values[0]) + 1e-12):
            break
        centroid = np.mean(simplex[:-1], axis=0)
        reflected = centroid + (centroid - simplex[-1])
        r = fn(reflected)
        if r < values[0]:
            expanded = centroid + 2 * (centroid - simplex[-1])
            e = fn(expanded)
            simplex[-1], values[-1] = (expanded, e) if e < r else (reflected, r)
        elif r < values[-2]:
            simplex[-1], values[-1] = reflected, r
        else:
            contracted = centroid + 0.5 * (simplex[-1] - centroid)
            c = fn(contracted)
            if c < values[-1]:
                simplex[-1], values[-1] = contracted, c
            else:
                simplex = [simplex[0] + 0.5 * (s - simplex[0]) for s in simplex]
                values = [values[0]] + [fn(s) for s in simplex[1:]]
    return simplex[int(np.argmin(values))]


def fit_form(form: Form, season: int, series: Sequence[np.ndarray], iterations: int = 200) -> Fit:
    """Smoothing weights of one form by least squares over every series' one-step errors."""
    m = season if form.seasonal else 0
    dim = 1 + (form.trend != "N") + form.seasonal + (form.trend == "Ad")
    start = np.array([0.0, -2.0, -2.0, 1.0][:dim])

    def objective(u: np.ndarray) -> float:
        value = _sse(form, m, _params(form, u), series)
        return value if math.isfinite(value) else math.inf

    best = _nelder_mead(objective, start, iterations)
    sse = objective(best)
    n = sum(len(y) for y in series)
    states = 1 + (form.trend != "N") + m
    k = dim + states * len(series) + 1
    aicc = n * math.log(max(sse, 1e-300) / n) + 2 * k
    aicc += 2 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else math.inf
    return Fit(form, m, *_params(form, best), sse=sse, n=n, aicc=aicc)


def fit(series: Sequence[np.ndarray], season: int, window: int) -> Fit:
    """The form with the lowest AICc, its weights fit over `series` (each a float64 [n] of one
    series' training rows); only forms the `window` can identify."""
    shortest = min(window, *(len(y) for y in series))
    return min((fit_form(f, season, series) for f in forms(season, shortest)), key=lambda r: r.aicc)


def window_matrix(model: Fit, window: int, horizon: int) -> np.ndarray:
    """M [horizon, window]: the forecast of a window is M @ window. The state before the window is
    the least-squares one given the window; the state after it runs the filter over the window;
    the forecast rolls the state forward with no errors."""
    f, g, w = _system(model.form, model.season, model.alpha, model.beta, model.gamma, model.phi)
    e0, x0_data, ex, x0_unit = _filter(f, g, w, np.eye(window))
    final = x0_data + x0_unit @ _initial_state(e0, ex)  # [d, window]
    rows = []
    state = final
    for _ in range(horizon):
        rows.append(w @ state)
        state = f @ state
    return np.stack(rows)


class WindowMap(torch.nn.Module):
    """The forecast as the graph would compute it: M @ window, on the log scale for a log fit."""

    def __init__(self, matrix: np.ndarray, log: bool) -> None:
        super().__init__()
        self.matrix = torch.tensor(matrix)
        self.log = log

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        v = x[..., 0].double()
        out = torch.exp(torch.log(v) @ self.matrix.T) if self.log else v @ self.matrix.T
        return out[..., None].float()


def fit_scales(y: np.ndarray, season: int, window: int) -> tuple[Fit, bool]:
    """The better by AICc of the additive fit and, for a positive series, the log-scale fit."""
    plain = fit([y], season, window)
    if (y > 0).all():
        logged = fit([np.log(y)], season, window)
        if logged.aicc + 2 * float(np.log(y).sum()) < plain.aicc:
            return logged, True
    return plain, False


def window_length(name: str, origin: int, rule: str) -> int:
    """The networks' window (`default`), or the longest the series allows (`history`)."""
    s = load(name, origin)  # type: ignore[arg-type]
    default = input_length_for("default", s.holdout, s.season)
    if rule == "default":
        return default
    return split_plan(len(s.train), default, s.holdout, VALIDATION_FRACTION).cut - s.holdout


def run(name: str, origin: int, length: int, picks: list[dict]) -> dict:
    """Fit, validate and refit the ETS candidate on one series; score its holdout forecast from
    the last `length` points, and `auto` with it as one more candidate beside the networks
    (`picks`: the run `auto` registered, per seed)."""
    s = load(name, origin)  # type: ignore[arg-type]
    train, h = s.train, s.holdout
    plan = split_plan(len(train), length, h, VALIDATION_FRACTION)
    data = prepare(train[:, None], ["y"], ["y"], ["y"], plan, torch.device("cpu"))
    start = time.perf_counter()
    chosen, log = fit_scales(train[: plan.cut], s.season, length)
    validation = evaluate(WindowMap(window_matrix(chosen, length, h), log), data, s.season)
    chosen, log = fit_scales(train, s.season, length)  # the refit on every row, as nets do
    matrix = window_matrix(chosen, length, h)
    window = train[-length:]
    forecast = np.exp(matrix @ np.log(window)) if log else matrix @ window
    seconds = time.perf_counter() - start
    mase = score(forecast, s.actual, train, s.season)["mase"]
    validation_mase = validation["model"]["mase"]
    auto, auto_with, chose = [], [], []
    for best in picks:
        ets_wins = validation_mase < best["validation_mase"]
        auto.append(best["mase"])
        auto_with.append(mase if ets_wins else best["mase"])
        chose.append("ets" if ets_wins else best["chose"])
    return {
        "dataset": name,
        "window": length,
        "log": log,
        **chosen.describe(),
        "mase": mase,
        "validation_mase": validation_mase,
        "auto_mase": statistics.median(auto),
        "auto_with_ets_mase": statistics.median(auto_with),
        "auto_chose": chose,
        "seconds": seconds,
    }


def with_statsforecast(picks: list[dict], forward: dict[str, dict]) -> dict:
    """`auto` with statsforecast's three models, served from the window, as candidates beside
    the networks: per seed, the lowest validation MASE (each model's from its own validation
    forecasts, statsforecast_runner.py) is registered."""
    scored, chose = [], []
    for best in picks:
        pool = {m: (r["validation_mase"], r["mase"]) for m, r in forward.items()}
        pool[best["chose"]] = (best["validation_mase"], best["mase"])
        pick = min(pool, key=lambda m: pool[m][0])
        scored.append(pool[pick][1])
        chose.append(pick)
    return {
        "auto_with_statsforecast_mase": statistics.median(scored),
        "auto_with_statsforecast_chose": chose,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--origin", type=int, default=0)
    parser.add_argument("--window", choices=["default", "history"], default="default")
    parser.add_argument(
        "--nets",
        default=None,
        help="accuracy.py result file with the network runs (default: "
        "results/accuracy-issue15-window[-origin1].json)",
    )
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    suffix = f"-origin{args.origin}" if args.origin else ""
    nets_file = Path(args.nets or RESULTS_DIR / f"accuracy-issue15-window{suffix}.json")
    runs = json.loads(nets_file.read_text())["runs"]
    lengths = {name: window_length(name, args.origin, args.window) for name in ACCURACY_NAMES}
    stats = statsforecast_scores(list(ACCURACY_NAMES), args.origin, forward=lengths, validate=True)
    rows = []
    for name in ACCURACY_NAMES:
        nets = [r for r in runs if r["dataset"] == name and r["architecture"] != "auto"]
        nets = [r for r in nets if "validation_mase" in r]  # a run that could not train has none
        picks = sorted(auto_runs(nets), key=lambda r: r["seed"])
        row = run(name, args.origin, lengths[name], picks)
        forward = {m: r["forward"] for m, r in stats[name].items() if "forward" in r}
        best = best_statsforecast(stats, name)
        best_forward = best_statsforecast(forward and {name: forward}, name)
        assert best is not None and best_forward is not None, f"statsforecast failed on {name}"
        row.update(
            best_statsforecast=best[0],
            best_statsforecast_mase=best[1],
            statsforecast_forward={m: r["mase"] for m, r in forward.items()},
            best_statsforecast_forward=best_forward[0],
            best_statsforecast_forward_mase=best_forward[1],
        )
        row.update(with_statsforecast(picks, forward))
        rows.append(row)
        print(
            f"{name:14s} window {row['window']:3d} {'log ' if row['log'] else ''}{row['form']:12s}"
            f" ETS {row['mase']:.3f} (val {row['validation_mase']:.3f})"
            f"  best sf {best[0]} {best[1]:.3f}, on the window {best_forward[0]}"
            f" {best_forward[1]:.3f}  auto {row['auto_mase']:.3f} ->"
            f" {row['auto_with_ets_mase']:.3f} {row['auto_chose']}; + statsforecast"
            f" {row['auto_with_statsforecast_mase']:.3f} {row['auto_with_statsforecast_chose']}"
        )

    FORWARD = "best_statsforecast_forward_mase"

    def within(key: str) -> int:
        return sum(r[key] <= 1.1 * r["best_statsforecast_mase"] for r in rows)

    summary = {
        "within_10pct_of_best_statsforecast": {
            key: within(key)
            for key in (
                "mase",
                "auto_mase",
                "auto_with_ets_mase",
                "auto_with_statsforecast_mase",
                FORWARD,
            )
        },
        "series": len(rows),
    }
    print(f"within 10 % of the best statsforecast model: {summary}")
    if args.out:
        out = RESULTS_DIR / f"{args.out}{suffix}.json"
        result = {
            "machine": machine(),
            "origin": args.origin,
            "window": args.window,
            "nets": nets_file.name,
            "summary": summary,
            "rows": rows,
        }
        out.write_text(json.dumps(result, indent=1))
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
