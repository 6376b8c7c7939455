"""Where a backtest's folds fall. Pure Python: the gateway checks a request with it and the worker
cuts the series with it, so both agree on what "N folds" needs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FoldPlan:
    """N forecast origins per series, `stride` rows apart, the last one `horizon` rows before the
    series end: fold k (0 = oldest) forecasts rows [t_k, t_k + horizon) from the `input_length`
    rows before t_k, and the seasonal-naive baseline repeats the season before t_k."""

    folds: int
    stride: int
    horizon: int
    input_length: int
    season: int

    @property
    def history(self) -> int:
        """Rows the oldest origin needs before it: a full input window and a full season."""
        return max(self.input_length, self.season)

    @property
    def min_rows(self) -> int:
        return self.history + self.horizon + (self.folds - 1) * self.stride

    def origins(self, n_rows: int) -> list[int]:
        """Origins in one series of `n_rows`, oldest first (rows counted from its start)."""
        last = n_rows - self.horizon
        return [last - (self.folds - 1 - k) * self.stride for k in range(self.folds)]

    def max_folds(self, n_rows: int) -> int:
        """How many folds a series of `n_rows` holds with this stride (0 when not even one)."""
        room = n_rows - self.history - self.horizon
        return room // self.stride + 1 if room >= 0 else 0
