"""The forecasting networks.

Normalization lives inside the model, so the exported ONNX graph takes raw values and returns raw
units: the server never has to know how the model was scaled. Global normalization uses the
training rows' statistics (buffers); instance normalization scales every window by its own mean
and std and scales the forecast back with the window's target statistics, so a series that trends
out of the training range stays in the range the network was trained on. Every architecture
accepts any sequence length, because /predict takes windows from 1 up to MAX_LENGTH_FACTOR times
the trained input_length.

Covariates (app.contract: future, calendar, static) are z-scored with fixed statistics in the graph
(never per window: a promotion flag's scale must not depend on how many promotions a window
has). Static values shift the window summary; a per-step decoder (as in TiDE) reads, for each
horizon step h, the summary, the static values and step h's known-future and calendar values, and
adds its output to the linear head's forecast for step h: a known-in-advance promotion moves the
forecast at its own step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

import torch
from torch import nn

from app.contract import (
    BASELINES,
    CALENDAR_INPUT_NAME,
    FUTURE_INPUT_NAME,
    NORMALIZATIONS,
    STATIC_INPUT_NAME,
    Architecture,
    input_names,
)

if TYPE_CHECKING:
    from workers.training.data import TrainingData

RECURRENT = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


@dataclass
class NetConfig:
    """Everything needed to rebuild a network; stored in the checkpoint as a plain dict."""

    architecture: Architecture
    n_features: int
    n_targets: int
    input_length: int
    horizon: int
    hidden_size: int = 64
    num_layers: int = 2
    dropout: float = 0.0
    d_model: int = 64
    nhead: int = 4
    dim_feedforward: int = 128
    feature_mean: list[float] = field(default_factory=list)
    feature_std: list[float] = field(default_factory=list)
    target_mean: list[float] = field(default_factory=list)
    target_std: list[float] = field(default_factory=list)
    normalization: str = "global"  # one of app.contract.NORMALIZATIONS
    quantiles: list[float] = field(default_factory=list)
    """Ascending levels with 0.5 among them; empty for a point forecast only."""
    target_feature_index: list[int] = field(default_factory=list)
    """Position of each target among the features (-1: not read). Instance normalization scales a
    target by its own window statistics, or by the global ones when the model does not read it;
    empty means no target is read."""
    baseline: str = "none"
    """One of BASELINES. "seasonal_naive": a linear skip from the last `season` normalized target
    values of the window to every horizon step, initialized to repeat the last season;
    "seasonal_drift": a linear skip from the whole window, initialized to repeat the last season
    plus the window's drift; see _baseline_skip."""
    season: int = 1
    """Season length of the data (the job's season_length or the detected one)."""
    n_future: int = 0
    """Known-future covariates (the `future` input); 0: none, nor their buffers and layers."""
    n_calendar: int = 0
    n_static: int = 0
    """Encoded static covariates (the `static` input)."""
    future_mean: list[float] = field(default_factory=list)
    future_std: list[float] = field(default_factory=list)
    calendar_mean: list[float] = field(default_factory=list)
    calendar_std: list[float] = field(default_factory=list)
    static_mean: list[float] = field(default_factory=list)
    static_std: list[float] = field(default_factory=list)

    @property
    def covariate_shapes(self) -> dict[str, tuple[int, ...]]:
        """The graph inputs after the window (app.contract.input_names), in their order, and the
        shape of one window's values of each (the batch axis left out)."""
        shapes = {
            FUTURE_INPUT_NAME: (self.horizon, self.n_future),
            CALENDAR_INPUT_NAME: (self.horizon, self.n_calendar),
            STATIC_INPUT_NAME: (self.n_static,),
        }
        names = input_names(self.n_future > 0, self.n_calendar > 0, self.n_static > 0)
        return {name: shapes[name] for name in names[1:]}

    @property
    def covariate_inputs(self) -> list[str]:
        return list(self.covariate_shapes)


class RecurrentEncoder(nn.Module):
    """nn.RNN/LSTM/GRU; the summary of a window is the top layer's state at its last step."""

    def __init__(self, cfg: NetConfig) -> None:
        super().__init__()
        self.rnn = RECURRENT[cfg.architecture](
            input_size=cfg.n_features,
            hidden_size=cfg.hidden_size,
            num_layers=cfg.num_layers,
            batch_first=True,
            # torch warns (and does nothing) when dropout is set on a single-layer network.
            dropout=cfg.dropout if cfg.num_layers > 1 else 0.0,
        )
        self.out_features = cfg.hidden_size

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(z)
        return out[:, -1]


class SinusoidalPosition(nn.Module):
    """Sinusoidal positions computed on the fly, so no maximum length is baked into the model.

    Positions count back from the newest step (the last step is position 0): the token the head
    reads then carries the same encoding whatever the window length, which keeps forecasts from
    shorter or longer windows consistent with the trained one.
    """

    def __init__(self, d_model: int) -> None:
        super().__init__()
        half = (d_model + 1) // 2
        freq = torch.exp(
            torch.arange(half, dtype=torch.float32) * (-math.log(10000.0) * 2 / d_model)
        )
        self.register_buffer("freq", freq)
        self.d_model = d_model

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        length = h.shape[1]
        pos = torch.arange(length, device=h.device, dtype=h.dtype).flip(0)
        angle = pos[:, None] * self.freq[None, :]
        pe = torch.stack((angle.sin(), angle.cos()), dim=-1).flatten(-2)[:, : self.d_model]
        return h + pe


class TransformerEncoder(nn.Module):
    """Linear embedding + positions + nn.TransformerEncoder; summary is the last token."""

    def __init__(self, cfg: NetConfig) -> None:
        super().__init__()
        self.embed = nn.Linear(cfg.n_features, cfg.d_model)
        self.position = SinusoidalPosition(cfg.d_model)
        layer = nn.TransformerEncoderLayer(
            d_model=cfg.d_model,
            nhead=cfg.nhead,
            dim_feedforward=cfg.dim_feedforward,
            dropout=cfg.dropout,
            batch_first=True,
        )
        # Nested tensors only help with padding masks, which we never use, and they break export.
        self.encoder = nn.TransformerEncoder(
            layer, num_layers=cfg.num_layers, enable_nested_tensor=False
        )
        self.out_features = cfg.d_model

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.encoder(self.position(self.embed(z)))[:, -1]


Outputs: TypeAlias = torch.Tensor | tuple[torch.Tensor, torch.Tensor]
"""forward/readout: the forecast [B, H, T], or (median [B, H, T], quantiles [B, H, T, Q])."""

INSTANCE_STD_FLOOR = 1e-3
"""A window's std is floored at this fraction of the global std: a flat window (or a single
step) is then scaled like a nearly flat one instead of blowing its noise up to unit variance."""


def _stat(values: list[float], size: int, default: float) -> torch.Tensor:
    if not values:
        return torch.full((size,), default, dtype=torch.float32)
    if len(values) != size:
        raise ValueError(f"expected {size} normalization values, got {len(values)}")
    return torch.tensor(values, dtype=torch.float32)


def check_quantiles(levels: list[float]) -> None:
    """Refuse levels the quantile head cannot represent (it is built around the median)."""
    if levels and (
        0.5 not in levels
        or list(levels) != sorted(set(levels))
        or not all(0.0 < q < 1.0 for q in levels)
    ):
        raise ValueError(f"quantiles must be ascending, distinct, in (0, 1) and hold 0.5: {levels}")


def _offset_matrix(levels: list[float]) -> torch.Tensor:
    """[Q, Q] signs that turn positive per-level gaps into quantiles around the median.

    Column j sums the gaps between the median and level j: +1 for the levels above the median up
    to j, -1 for those below it down to j, so offsets @ M is monotone in the level whatever the
    gaps are (non-negative), and the quantiles can never cross.
    """
    median, size = levels.index(0.5), len(levels)
    matrix = torch.zeros(size, size)
    for j in range(size):
        if j > median:
            matrix[median + 1 : j + 1, j] = 1.0
        elif j < median:
            matrix[j:median, j] = -1.0
    return matrix


class Forecaster(nn.Module):
    """Raw window [B, L, F] (and covariates) -> raw forecast [B, horizon, n_targets], direct
    multi-step.

    One Linear head emits all horizon steps at once from the window summary: no feedback of its
    own predictions, so errors do not compound and the exported graph has no decoding loop. With
    quantiles the head emits one value per level: the median directly, the others as softplus
    gaps accumulated outwards from it. With covariates the per-step decoder's output is added to
    the head's, every level included. Layers and buffers of covariates exist only when the config
    has them, so a version without any loads the checkpoints it always did.
    """

    def __init__(self, cfg: NetConfig) -> None:
        super().__init__()
        if cfg.normalization not in NORMALIZATIONS:
            raise ValueError(
                f"normalization must be one of {NORMALIZATIONS}, not {cfg.normalization!r}"
            )
        check_quantiles(cfg.quantiles)
        self.horizon = cfg.horizon
        self.n_targets = cfg.n_targets
        self.instance = cfg.normalization == "instance"
        self.register_buffer("feature_mean", _stat(cfg.feature_mean, cfg.n_features, 0.0))
        self.register_buffer("feature_std", _stat(cfg.feature_std, cfg.n_features, 1.0))
        self.register_buffer("target_mean", _stat(cfg.target_mean, cfg.n_targets, 0.0))
        self.register_buffer("target_std", _stat(cfg.target_std, cfg.n_targets, 1.0))
        index = cfg.target_feature_index or [-1] * cfg.n_targets
        if len(index) != cfg.n_targets or not all(-1 <= i < cfg.n_features for i in index):
            raise ValueError(f"target_feature_index {index} does not fit the columns")
        # Persistent=False: derived from the config, so checkpoints stay loadable as before.
        self.register_buffer("target_source", torch.tensor(index).clamp_min(0), persistent=False)
        self.register_buffer("target_is_read", torch.tensor(index) >= 0, persistent=False)
        self.n_levels = max(len(cfg.quantiles), 1)
        self.median_level = cfg.quantiles.index(0.5) if cfg.quantiles else 0
        self.quantiles = list(cfg.quantiles)
        self.register_buffer("levels", torch.tensor(cfg.quantiles or [0.5]), persistent=False)
        if cfg.quantiles:
            self.register_buffer("level_offsets", _offset_matrix(cfg.quantiles), persistent=False)
        if cfg.architecture in RECURRENT:
            self.encoder: nn.Module = RecurrentEncoder(cfg)
        elif cfg.architecture == "transformer":
            self.encoder = TransformerEncoder(cfg)
        else:
            raise ValueError(f"unknown architecture {cfg.architecture!r}")
        width = self.encoder.out_features
        self.head = nn.Linear(width, cfg.horizon * cfg.n_targets * self.n_levels)
        self.covariate_shapes = cfg.covariate_shapes
        self.covariate_inputs = cfg.covariate_inputs
        for name, shape in self.covariate_shapes.items():
            # Buffers named after the input (future_mean, ...), as NetConfig's fields are.
            mean, std = getattr(cfg, f"{name}_mean"), getattr(cfg, f"{name}_std")
            self.register_buffer(f"{name}_mean", _stat(mean, shape[-1], 0.0))
            self.register_buffer(f"{name}_std", _stat(std, shape[-1], 1.0))
        if cfg.n_static:
            self.static_shift = nn.Linear(cfg.n_static, width)
        if self.covariate_inputs:
            self.decoder = nn.Sequential(
                nn.Linear(width + cfg.n_static + cfg.n_future + cfg.n_calendar, width),
                nn.ReLU(),
                nn.Linear(width, cfg.n_targets * self.n_levels),
            )
        self.skip: nn.Linear | None = None
        if cfg.baseline != "none":
            self.skip = _baseline_skip(cfg, index)

    @property
    def has_quantiles(self) -> bool:
        return self.n_levels > 1

    def normalize(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Raw window -> (network input, target loc, target scale), loc/scale [T] or [B, 1, T]."""
        if not self.instance:
            z = (x - self.feature_mean) / self.feature_std
            return z, self.target_mean, self.target_std
        loc = x.mean(dim=1, keepdim=True)
        std = (x - loc).square().mean(dim=1, keepdim=True).sqrt()
        scale = torch.maximum(std, self.feature_std * INSTANCE_STD_FLOOR)
        target_loc = torch.where(
            self.target_is_read, loc[..., self.target_source], self.target_mean
        )
        target_scale = torch.where(
            self.target_is_read, scale[..., self.target_source], self.target_std
        )
        return (x - loc) / scale, target_loc, target_scale

    def condition(
        self,
        summary: torch.Tensor,
        future: torch.Tensor | None = None,
        calendar: torch.Tensor | None = None,
        static: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Encoder summary [B, hidden] and the raw covariates -> (summary shifted by the static
        values, the decoder's input [B, H, hidden + n_static + n_future + n_calendar] or None
        without covariates). Refuses a covariate the version lacks or misses one it has."""
        given = {
            FUTURE_INPUT_NAME: future,
            CALENDAR_INPUT_NAME: calendar,
            STATIC_INPUT_NAME: static,
        }
        wrong = [n for n, v in given.items() if (v is not None) != (n in self.covariate_inputs)]
        if wrong:
            raise ValueError(
                f"this network takes the covariates {self.covariate_inputs}; "
                f"{wrong[0]!r} was {'missing' if given[wrong[0]] is None else 'unexpected'}"
            )
        if not self.covariate_inputs:
            return summary, None
        steps = []
        if static is not None:
            z_static = (static - self.static_mean) / self.static_std
            summary = summary + self.static_shift(z_static)
            steps.append(z_static.unsqueeze(1).expand(-1, self.horizon, -1))
        for name in (FUTURE_INPUT_NAME, CALENDAR_INPUT_NAME):
            value = given[name]
            if value is not None:
                steps.append((value - getattr(self, f"{name}_mean")) / getattr(self, f"{name}_std"))
        each_step = summary.unsqueeze(1).expand(-1, self.horizon, -1)
        return summary, torch.cat([each_step, *steps], dim=-1)

    def seasonal_skip(self, z: torch.Tensor) -> torch.Tensor | None:
        """Normalized window [B, L, F] -> the skip's forecast [B, H, T], or None without one.

        The last k steps of each target (k: the skip's width, a season or the trained window),
        taken after k copies of the window's first step are put in front of it: a shorter
        window (/predict takes any length) is padded with its first value, and every op has a
        static size, so the graph exports with a dynamic length."""
        if self.skip is None:
            return None
        k = self.skip.in_features
        targets = z[..., self.target_source]  # [B, L, T]
        padded = torch.cat([targets[:, :1].expand(-1, k, -1), targets], dim=1)[:, -k:]
        return self.skip(padded.transpose(1, 2)).transpose(1, 2)

    def head_outputs(
        self,
        summary: torch.Tensor,
        steps: torch.Tensor | None = None,
        skip: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Summary [B, hidden] (and the decoder's input, see condition; the seasonal skip's
        forecast) -> normalized (median [B, H, T], quantiles [B, H, T, Q] | None). The skip moves
        the median, and the quantiles with it."""
        out = self.head(summary).unflatten(-1, (self.horizon, self.n_targets, self.n_levels))
        if steps is not None:
            out = out + self.decoder(steps).unflatten(-1, (self.n_targets, self.n_levels))
        median = out[..., self.median_level]
        if skip is not None:
            median = median + skip
        if not self.has_quantiles:
            return median, None
        gaps = nn.functional.softplus(out)
        return median, median.unsqueeze(-1) + gaps @ self.level_offsets

    def readout(
        self,
        summary: torch.Tensor,
        loc: torch.Tensor,
        scale: torch.Tensor,
        steps: torch.Tensor | None = None,
        skip: torch.Tensor | None = None,
    ) -> Outputs:
        """Encoder summary -> raw outputs, scaled back with the target statistics loc/scale."""
        median, quantiles = self.head_outputs(summary, steps, skip)
        forecast = median * scale + loc
        if quantiles is None:
            return forecast
        return forecast, quantiles * scale.unsqueeze(-1) + loc.unsqueeze(-1)

    def forward(
        self,
        x: torch.Tensor,
        future: torch.Tensor | None = None,
        calendar: torch.Tensor | None = None,
        static: torch.Tensor | None = None,
    ) -> Outputs:
        """Raw window and covariates (those the version has) -> raw outputs. The parameters are
        named after the graph's inputs and follow app.contract.input_names' order, so the
        exporter passes the covariates by name."""
        z, loc, scale = self.normalize(x)
        summary, steps = self.condition(self.encoder(z), future, calendar, static)
        return self.readout(summary, loc, scale, steps, self.seasonal_skip(z))

    def training_outputs(
        self, x: torch.Tensor, y: torch.Tensor, **covariates: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
        """(median, quantiles, targets), all in the window's normalized space: the loss's inputs."""
        z, loc, scale = self.normalize(x)
        summary, steps = self.condition(self.encoder(z), **covariates)
        median, quantiles = self.head_outputs(summary, steps, self.seasonal_skip(z))
        return median, quantiles, (y - loc) / scale


def _baseline_skip(cfg: NetConfig, target_index: list[int]) -> nn.Linear:
    """The skip of a baseline: a Linear from the window's last k values to every horizon step,
    shared by the targets, that starts as a classical forecast of the window. The network then
    learns a correction to a strong baseline instead of the whole forecast (the idea of ES-RNN,
    which won M4), and the skip itself may learn a trend or a damped season.

    - seasonal_naive (k = season): step h copies the value one season before it.
    - seasonal_drift (k = input_length, at least a season): the same, plus the window's drift,
      the mean of its last season minus that of its first over the steps between them, once per
      season ahead: a series on a straight line (or a seasonal one on a trend) is continued
      exactly (benchmarks/RESULTS.md, "Seasonal drift").
    """
    if cfg.baseline not in BASELINES[1:]:  # "none" has no skip
        raise ValueError(f"baseline must be one of {BASELINES[1:]}, not {cfg.baseline!r}")
    if -1 in target_index:
        raise ValueError(f"baseline {cfg.baseline} needs every target among the features")
    season = max(1, cfg.season)
    width = season if cfg.baseline == "seasonal_naive" else max(season, cfg.input_length)
    skip = nn.Linear(width, cfg.horizon)
    with torch.no_grad():
        skip.weight.zero_()
        skip.bias.zero_()
        for h in range(cfg.horizon):
            skip.weight[h, width - season + h % season] = 1.0
            if width > season:  # seasonal_drift: (h // season + 1) seasons of the window's drift
                per_season = (h // season + 1) / (width - season)
                skip.weight[h, width - season :] += per_season
                skip.weight[h, :season] -= per_season
    return skip


def build_net(cfg: NetConfig) -> Forecaster:
    return Forecaster(cfg)


def net_config(
    architecture: str,
    hyperparameters: Any,
    data: TrainingData,
    *,
    horizon: int,
    quantiles: Sequence[float] = (),
    season: int = 1,
) -> NetConfig:
    """The network of a job: its hyperparameters (app.training.schemas.Hyperparameters), the
    quantile levels asked for and what the data fixes (columns, window, covariates, statistics,
    its season)."""
    hp = hyperparameters
    sizes = {name: values.shape[-1] for name, values in data.covariates.items()}
    return NetConfig(
        architecture=architecture,
        n_features=data.x_train.shape[-1],
        n_targets=data.y_train.shape[-1],
        input_length=data.x_train.shape[1],
        horizon=horizon,
        hidden_size=hp.hidden_size,
        num_layers=hp.num_layers,
        dropout=hp.dropout,
        d_model=hp.d_model,
        nhead=hp.nhead,
        dim_feedforward=hp.dim_feedforward,
        normalization=hp.normalization,
        quantiles=list(quantiles),
        baseline=hp.baseline,
        season=season,
        n_future=sizes.get(FUTURE_INPUT_NAME, 0),
        n_calendar=sizes.get(CALENDAR_INPUT_NAME, 0),
        n_static=sizes.get(STATIC_INPUT_NAME, 0),
        **data.net_statistics(),
    )
