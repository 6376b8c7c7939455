"""The speed limit for training_speed.py: the LSTM loop anyone would write by hand.

One global z-score, all windows built as tensors once, a seeded randperm per epoch, batches as
slices, Adam on MSE, no validation, no callbacks. Only torch and numpy: it also runs inside
.venv-darts (darts_runner.py), so the same loop can be timed under both venvs' torch builds.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable

import numpy as np
import torch
from torch import nn


class PlainLSTM(nn.Module):
    """LSTM (batch first) whose last step's top-layer state feeds one Linear to all steps."""

    def __init__(self, hidden_size: int, num_layers: int, horizon: int) -> None:
        super().__init__()
        self.rnn = nn.LSTM(1, hidden_size, num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, horizon)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


def warm_torch() -> None:
    """Pay a process's one-off torch costs before timing anything: the first torch.optim.Adam
    imports torch._dynamo (seconds), which is start-up, not training speed."""
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])


def with_usage(run: Callable[[], dict]) -> dict:
    """run()'s result plus the CPU seconds and minor page faults the process spent in it: both
    hold up on a shared machine better than wall time (a fault is a page the allocator had
    the kernel map and zero, which is where glibc's default malloc loses time with torch)."""
    before, cpu = resource.getrusage(resource.RUSAGE_SELF), time.process_time()
    result = run()
    after = resource.getrusage(resource.RUSAGE_SELF)
    return {
        **result,
        "cpu_seconds": time.process_time() - cpu,
        "minor_faults": after.ru_minflt - before.ru_minflt,
    }


def windows(z: np.ndarray, input_length: int, horizon: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Every (input, target) pair of the series `z` -> x [n, L, 1], y [n, H], float32."""
    view = np.lib.stride_tricks.sliding_window_view(z, input_length + horizon)
    x = torch.tensor(view[:, :input_length, None], dtype=torch.float32)
    y = torch.tensor(view[:, input_length:], dtype=torch.float32)
    return x, y


def train_plain(
    train: np.ndarray,
    *,
    input_length: int,
    horizon: int,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    seed: int,
    hidden_size: int = 64,
    num_layers: int = 2,
) -> dict:
    """Train on every window of `train`; return epoch times and the forecast after `train`."""
    torch.manual_seed(seed)
    train = np.asarray(train, dtype=np.float64)
    mean, std = train.mean(), train.std()
    x, y = windows((train - mean) / std, input_length, horizon)
    net = PlainLSTM(hidden_size, num_layers, horizon)
    optimizer = torch.optim.Adam(net.parameters(), lr=learning_rate)
    generator = torch.Generator().manual_seed(seed)
    n = x.shape[0]
    epoch_seconds = []
    net.train()
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(n, generator=generator)
        for i in range(0, n, batch_size):
            idx = order[i : i + batch_size]
            loss = nn.functional.mse_loss(net(x[idx]), y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        epoch_seconds.append(time.perf_counter() - start)
    net.eval()
    with torch.no_grad():
        last = torch.tensor((train[-input_length:] - mean) / std, dtype=torch.float32)
        forecast = net(last[None, :, None])[0].double().numpy() * std + mean
    return {
        "windows": n,
        "epoch_seconds": epoch_seconds,
        "train_seconds": sum(epoch_seconds),
        "forecast": forecast.tolist(),
    }
