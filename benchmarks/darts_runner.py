"""Darts' side of train_speed.py; runs inside .venv-darts (benchmarks/darts_env.sh builds it).

Reads one job as JSON on stdin, trains what it names on the series it carries, and prints one
JSON line: per-epoch times (a Lightning callback), training samples per epoch, and the forecast of
the `horizon` points after the series. Models, all LSTM, same size/batch/lr/epochs:

- rnn: Darts' RNNModel (autoregressive; trained on shifted chunks of input_length + horizon);
- block: Darts' BlockRNNModel (input_length -> horizon at once, like seqcast's nets);
- plain: plain_loop.py under this venv's torch, to separate torch-build effects from Darts'.

Darts is used the way its docs show: a float32 TimeSeries, a Scaler (z-score, fitted on the
series), default DataLoader settings, no validation set, no checkpoints, no logger.

    echo '{"train": [...], "input_length": 72, "horizon": 24, "epochs": 20, "batch_size": 32,
           "learning_rate": 0.001, "seed": 0, "threads": 2, "models": ["rnn", "block"]}' \\
      | .venv-darts/bin/python benchmarks/darts_runner.py
"""

from __future__ import annotations

import contextlib
import json
import sys
import time

import numpy as np
import torch
from plain_loop import train_plain, warm_torch, with_usage


def _darts_model(kind: str, job: dict, timer: object) -> object:
    from darts.models import BlockRNNModel, RNNModel

    common = dict(
        model="LSTM",
        hidden_dim=64,
        n_rnn_layers=2,
        input_chunk_length=job["input_length"],
        batch_size=job["batch_size"],
        n_epochs=job["epochs"],
        optimizer_kwargs={"lr": job["learning_rate"]},
        random_state=job["seed"],
        pl_trainer_kwargs={
            "accelerator": "cpu",
            "enable_progress_bar": False,
            "enable_model_summary": False,
            "logger": False,
            "callbacks": [timer],
        },
    )
    if kind == "rnn":
        return RNNModel(training_length=job["input_length"] + job["horizon"], **common)
    return BlockRNNModel(output_chunk_length=job["horizon"], **common)


def run_darts(kind: str, job: dict) -> dict:
    import pytorch_lightning as pl
    from darts import TimeSeries
    from darts.dataprocessing.transformers import Scaler
    from sklearn.preprocessing import StandardScaler

    class EpochTimer(pl.Callback):
        """Seconds of each training epoch and the samples it saw."""

        def __init__(self) -> None:
            self.seconds: list[float] = []
            self.samples = 0
            self._start = 0.0

        def on_train_epoch_start(self, trainer: pl.Trainer, module: pl.LightningModule) -> None:
            self._start = time.perf_counter()

        def on_train_epoch_end(self, trainer: pl.Trainer, module: pl.LightningModule) -> None:
            self.seconds.append(time.perf_counter() - self._start)
            self.samples = len(trainer.train_dataloader.dataset)

    series = TimeSeries.from_values(np.asarray(job["train"], dtype=np.float32))
    scaler = Scaler(StandardScaler())
    scaled = scaler.fit_transform(series)
    timer = EpochTimer()
    model = _darts_model(kind, job, timer)
    start = time.perf_counter()
    model.fit(scaled, verbose=False)
    fit_seconds = time.perf_counter() - start
    forecast = scaler.inverse_transform(model.predict(n=job["horizon"], verbose=False))
    return {
        "windows": timer.samples,
        "epoch_seconds": timer.seconds,
        "train_seconds": sum(timer.seconds),
        "fit_seconds": fit_seconds,
        "forecast": forecast.values()[:, 0].astype(np.float64).tolist(),
    }


def run(kind: str, job: dict) -> dict:
    if kind == "plain":
        keys = ("input_length", "horizon", "epochs", "batch_size", "learning_rate", "seed")
        return train_plain(np.asarray(job["train"]), **{k: job[k] for k in keys})
    return run_darts(kind, job)


def main() -> None:
    job = json.load(sys.stdin)
    torch.set_num_threads(job["threads"])
    warm_torch()
    import darts

    results = {}
    # Lightning and Darts print to stdout; only our JSON line may go there.
    with contextlib.redirect_stdout(sys.stderr):
        for kind in job["models"]:
            results[kind] = with_usage(lambda kind=kind: run(kind, job))
    versions = {"torch": torch.__version__, "darts": darts.__version__}
    print(json.dumps({"versions": versions, "threads": torch.get_num_threads(), **results}))


if __name__ == "__main__":
    main()
