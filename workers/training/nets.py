"""The forecasting networks.

Normalization statistics live inside the model as buffers, so the exported ONNX graph takes raw
values and returns raw units: the server never has to know how the model was scaled. Every
architecture accepts any sequence length, because /predict takes windows from 1 up to
MAX_LENGTH_FACTOR times the trained input_length.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import nn

RECURRENT = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


@dataclass
class NetConfig:
    """Everything needed to rebuild a network; stored in the checkpoint as a plain dict."""

    architecture: str  # "rnn" | "lstm" | "gru" | "transformer"
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


def _stat(values: list[float], size: int, default: float) -> torch.Tensor:
    if not values:
        return torch.full((size,), default, dtype=torch.float32)
    if len(values) != size:
        raise ValueError(f"expected {size} normalization values, got {len(values)}")
    return torch.tensor(values, dtype=torch.float32)


class Forecaster(nn.Module):
    """Raw window [B, L, F] -> raw forecast [B, horizon, n_targets], direct multi-step.

    One Linear head emits all horizon steps at once from the window summary: no feedback of its
    own predictions, so errors do not compound and the exported graph has no decoding loop.
    """

    def __init__(self, cfg: NetConfig) -> None:
        super().__init__()
        self.horizon = cfg.horizon
        self.n_targets = cfg.n_targets
        self.register_buffer("feature_mean", _stat(cfg.feature_mean, cfg.n_features, 0.0))
        self.register_buffer("feature_std", _stat(cfg.feature_std, cfg.n_features, 1.0))
        self.register_buffer("target_mean", _stat(cfg.target_mean, cfg.n_targets, 0.0))
        self.register_buffer("target_std", _stat(cfg.target_std, cfg.n_targets, 1.0))
        if cfg.architecture in RECURRENT:
            self.encoder: nn.Module = RecurrentEncoder(cfg)
        elif cfg.architecture == "transformer":
            self.encoder = TransformerEncoder(cfg)
        else:
            raise ValueError(f"unknown architecture {cfg.architecture!r}")
        self.head = nn.Linear(self.encoder.out_features, cfg.horizon * cfg.n_targets)

    def forward_normalized(self, x: torch.Tensor) -> torch.Tensor:
        """Forecast in normalized target space; the training loss is computed here."""
        z = (x - self.feature_mean) / self.feature_std
        out = self.head(self.encoder(z))
        return out.unflatten(-1, (self.horizon, self.n_targets))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_normalized(x) * self.target_std + self.target_mean

    def normalize_targets(self, y: torch.Tensor) -> torch.Tensor:
        """Raw targets -> the space forward_normalized predicts in."""
        return (y - self.target_mean) / self.target_std


def build_net(cfg: NetConfig) -> Forecaster:
    return Forecaster(cfg)
