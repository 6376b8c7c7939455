"""Turn a raw series into training and validation windows, once, on the training device.

Windows are strided views materialized in one copy and moved to the device in one transfer, so
the training loop only ever indexes device tensors: no DataLoader, no per-sample Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from numpy.lib.stride_tricks import sliding_window_view

from app.contract import SplitPlan

STD_FLOOR = 1e-8


@dataclass
class TrainingData:
    """Windows in raw units (the model normalizes internally) plus what metrics need."""

    x_train: torch.Tensor  # [n_train, input_length, n_features] float32
    y_train: torch.Tensor  # [n_train, horizon, n_targets] float32
    x_val: torch.Tensor
    y_val: torch.Tensor
    feature_mean: np.ndarray  # statistics of training rows [0, plan.cut) only
    feature_std: np.ndarray
    target_mean: np.ndarray
    target_std: np.ndarray
    targets_series: np.ndarray  # [n_rows, n_targets] float64 raw, for the baselines


def _column_indices(columns: list[str], wanted: list[str], kind: str) -> list[int]:
    position = {name: i for i, name in enumerate(columns)}
    missing = [name for name in wanted if name not in position]
    if missing:
        raise ValueError(f"unknown {kind} columns: {missing}")
    if not wanted:
        raise ValueError(f"no {kind} columns given")
    return [position[name] for name in wanted]


def _stats(train_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std of the training part; a constant column gets std 1 so scaling is a no-op."""
    mean = train_rows.mean(axis=0)
    std = train_rows.std(axis=0)
    return mean, np.where(std < STD_FLOOR, 1.0, std)


def _windows(values: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """values[s : s + length] for every s in starts -> [n, length, n_columns] float32."""
    view = sliding_window_view(values, length, axis=0)  # [n_rows - length + 1, n_columns, length]
    return np.ascontiguousarray(view[starts].transpose(0, 2, 1), dtype=np.float32)


def _to_device(array: np.ndarray, device: torch.device) -> torch.Tensor:
    tensor = torch.from_numpy(array)
    if device.type == "cuda":
        tensor = tensor.pin_memory()  # pinned memory makes the non_blocking copy truly async
    return tensor.to(device, non_blocking=True)


def prepare(
    series: np.ndarray,
    columns: list[str],
    feature_columns: list[str],
    target_columns: list[str],
    plan: SplitPlan,
    device: torch.device,
) -> TrainingData:
    """Cut `series` [n_rows, n_columns] into the windows `plan` describes.

    For forecast origin t (first target row): x = features[t - L : t], y = targets[t : t + H].
    """
    series = np.asarray(series, dtype=np.float64)
    if series.ndim != 2 or series.shape != (plan.n_rows, len(columns)):
        raise ValueError(
            f"series has shape {series.shape}, expected ({plan.n_rows}, {len(columns)})"
        )
    if not np.isfinite(series).all():
        raise ValueError("series contains NaN or infinite values")
    if plan.n_train_windows < 1 or plan.n_val_windows < 1:
        raise ValueError(
            f"series of {plan.n_rows} rows gives {plan.n_train_windows} training and "
            f"{plan.n_val_windows} validation windows; both must be at least 1"
        )
    features = series[:, _column_indices(columns, feature_columns, "feature")]
    targets = series[:, _column_indices(columns, target_columns, "target")]
    feature_mean, feature_std = _stats(features[: plan.cut])
    target_mean, target_std = _stats(targets[: plan.cut])

    length, horizon = plan.input_length, plan.horizon
    train_origins = np.asarray(plan.train_starts)
    val_origins = np.asarray(plan.val_starts)
    return TrainingData(
        x_train=_to_device(_windows(features, train_origins - length, length), device),
        y_train=_to_device(_windows(targets, train_origins, horizon), device),
        x_val=_to_device(_windows(features, val_origins - length, length), device),
        y_val=_to_device(_windows(targets, val_origins, horizon), device),
        feature_mean=feature_mean,
        feature_std=feature_std,
        target_mean=target_mean,
        target_std=target_std,
        targets_series=targets.copy(),
    )
