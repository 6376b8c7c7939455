"""One backtest: run a version's ONNX artifact (what /predict serves, no retraining) at rolling
origins over its dataset and score it against the seasonal-naive baseline.

No torch here: the artifact runs in onnxruntime. The row is the source of truth: the task
re-reads it, leaves a finished one alone, and writes every result in one commit at the end, so a
redelivered task (its worker died) simply evaluates again and overwrites nothing half-written.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections import Counter
from collections.abc import Callable

import numpy as np
import onnxruntime as ort
from sqlalchemy.orm import Session

from app.artifacts import ArtifactStore, make_store
from app.backtests import service as backtests
from app.backtests.plan import FoldPlan
from app.config import Settings
from app.contract import (
    CALENDAR_INPUT_NAME,
    FUTURE_INPUT_NAME,
    STATIC_INPUT_NAME,
    Manifest,
    Segment,
    manifest_uri_for,
    segment_plans,
    sha256_bytes,
)
from app.covariates import calendar_windows
from app.datasets import service as datasets
from app.datasets.storage import SeriesTable
from app.db import utcnow
from app.logs import job_context
from app.models import Backtest, JobStatus, ModelVersion, TrainingJob
from workers.db import worker_sessions
from workers.training.metrics import beats, mase_scale_basis, scaled_metrics, seasonal_naive

log = logging.getLogger("seqcast.worker")

HOST = socket.gethostname()
RUN_BATCH = 4096
"""Windows per onnxruntime run: bounds memory for datasets with many series."""


def run_backtest_job(backtest_id: str, settings: Settings) -> None:
    with job_context(backtest_id), worker_sessions(settings)() as session:
        backtest = session.get(Backtest, backtest_id)
        if backtest is None:
            log.error("backtest %s not found; dropping the message", backtest_id)
            return
        if backtest.status.terminal:
            log.info("backtest %s already %s", backtest_id, backtest.status.value)
            return
        backtest.status = JobStatus.running
        backtest.attempts += 1
        backtest.worker = f"{HOST}:{os.getpid()}"
        backtest.started_at = backtest.started_at or utcnow()
        backtest.error = None
        session.commit()
        try:
            fold_metrics, summary = evaluate_version(
                make_store(settings), session, backtest, settings.ort_intra_op_threads
            )
        except Exception as exc:  # recorded on the row: the client reads why it failed
            log.exception("backtest %s failed", backtest_id)
            session.rollback()
            backtest.status = JobStatus.failed
            backtest.error = f"{type(exc).__name__}: {exc}"
        else:
            backtest.status = JobStatus.succeeded
            backtest.fold_metrics = fold_metrics
            backtest.metrics = summary
            backtest.beats_seasonal_naive = summary["beats_seasonal_naive"]
        backtest.finished_at = utcnow()
        session.commit()


def evaluate_version(
    store: ArtifactStore, session: Session, backtest: Backtest, threads: int
) -> tuple[list[dict], dict]:
    """Load the artifact (sha256-checked) and the data, then evaluate every fold."""
    started = time.perf_counter()
    version: ModelVersion = backtest.version
    manifest, predict = load_predictor(store, version, threads)
    table = datasets.load_table(store, datasets.get(session, version.dataset_id))
    plan = backtests.fold_plan(version, backtest.folds, backtest.stride)
    fold_metrics, summary = rolling_origin(
        table, manifest, plan, validation_fraction(session, version), predict
    )
    summary["seconds"] = time.perf_counter() - started
    return fold_metrics, summary


def load_predictor(
    store: ArtifactStore, version: ModelVersion, threads: int
) -> tuple[Manifest, Callable[[dict[str, np.ndarray]], np.ndarray]]:
    """The version's manifest and its ONNX graph in onnxruntime (sha256-checked), as a
    graph_predictor: what a backtest and the promotion gate (workers.gate) run."""
    onnx_bytes = store.get(version.artifact_uri)
    if sha256_bytes(onnx_bytes) != version.sha256:
        raise RuntimeError(
            f"artifact {version.artifact_uri} does not match the registry's sha256; not run"
        )
    manifest = Manifest.from_json(store.get(manifest_uri_for(version.artifact_uri)))
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    onnx = ort.InferenceSession(onnx_bytes, options, providers=["CPUExecutionProvider"])
    return manifest, graph_predictor(onnx, manifest)


def validation_fraction(session: Session, version: ModelVersion) -> float:
    """The share its job held out: a fold whose origin is past that cut is `held_out`."""
    job = session.get(TrainingJob, version.job_id)
    assert job is not None  # a version's job is a foreign key
    return float(job.spec["validation_fraction"])


def graph_predictor(
    onnx: ort.InferenceSession, manifest: Manifest
) -> Callable[[dict[str, np.ndarray]], np.ndarray]:
    """Graph inputs by name (each with the windows' batch axis) -> the point forecast, run
    RUN_BATCH windows at a time. Every input the graph declares must be given."""
    wanted = [i.name for i in onnx.get_inputs()]

    def predict(inputs: dict[str, np.ndarray]) -> np.ndarray:
        missing = [name for name in wanted if name not in inputs]
        if missing:
            raise ValueError(f"the graph takes {missing} and the backtest has no values for them")
        n = len(inputs[manifest.input_name])
        outputs = [
            onnx.run(
                [manifest.output_name],
                {name: inputs[name][i : i + RUN_BATCH] for name in wanted},
            )[0]
            for i in range(0, n, RUN_BATCH)
        ]
        return np.concatenate(outputs)

    return predict


def covariate_windows(
    table: SeriesTable, manifest: Manifest, series_id: str, rows: slice, origins: list[int]
) -> dict[str, list[np.ndarray]]:
    """The covariate inputs of one series' windows at `origins` (rows counted from the series
    start, as the table's `rows` of it), from the dataset's actual values: what a forecaster
    would have been told in advance. `future`: the future columns over the horizon rows, in
    Manifest.future_columns order; `calendar`: app.covariates.calendar_values of those rows'
    timestamps; `static`: Manifest.static_values of the series."""
    horizon = manifest.horizon
    found: dict[str, list[np.ndarray]] = {}
    if manifest.future_columns:
        index = [table.columns.index(c) for c in manifest.future_columns]
        own = table.values[rows][:, index]
        found[FUTURE_INPUT_NAME] = [own[t : t + horizon] for t in origins]
    if manifest.calendar:
        if table.timestamps is None:
            raise ValueError(
                "the version takes calendar features and its dataset has no timestamps"
            )
        stamps = table.timestamps[rows]
        found[CALENDAR_INPUT_NAME] = list(
            calendar_windows([stamps[t : t + horizon] for t in origins], manifest.calendar)
        )
    if manifest.static_features:
        if series_id not in manifest.static_values:
            raise ValueError(f"the version has no static values for series {series_id!r}")
        vector = np.asarray(manifest.static_values[series_id], dtype=np.float64)
        found[STATIC_INPUT_NAME] = [vector] * len(origins)
    return found


def rolling_origin(
    table: SeriesTable,
    manifest: Manifest,
    plan: FoldPlan,
    validation_fraction: float,
    predict: Callable[[dict[str, np.ndarray]], np.ndarray],
) -> tuple[list[dict], dict]:
    """Per fold (over every series) and overall metrics of the model and the baseline.

    `predict` maps the graph's inputs by name, float32 with a batch axis (the windows
    [n, input_length, n_features], and the covariates the version takes: see
    covariate_windows), to the point forecast [n, horizon, n_targets].
    MASE scales each forecast by its series' in-sample seasonal-naive MAE over the rows before
    its origin: all that a forecaster standing at that origin could have known (one-step naive
    where that is ~0, none for a constant target: see mase_scale_basis).
    """
    rows = table.series_rows()
    backtests.check_fits(plan, rows)  # the values, not just the request, must hold every fold
    features = table.values[:, [table.columns.index(c) for c in manifest.feature_columns]]
    targets = table.values[:, [table.columns.index(c) for c in manifest.target_columns]]
    segments = segment_plans(rows, plan.input_length, plan.horizon, validation_fraction)

    windows, actual, naive, scale = [], [], [], []  # series-major, then fold
    covariates: dict[str, list[np.ndarray]] = {}
    scale_basis: Counter[str] = Counter()
    for segment in segments:
        series = slice(segment.start, segment.start + segment.plan.n_rows)
        own_features, own_targets = features[series], targets[series]
        origins = plan.origins(segment.plan.n_rows)
        windows += [own_features[t - plan.input_length : t] for t in origins]
        for name, values in covariate_windows(
            table, manifest, segment.series_id, series, origins
        ).items():
            covariates.setdefault(name, []).extend(values)
        actual += [own_targets[t : t + plan.horizon] for t in origins]
        naive.append(seasonal_naive(own_targets, origins, plan.horizon, plan.season))
        for t in origins:
            values, basis = mase_scale_basis(own_targets[:t], plan.season)
            scale.append(values[None])
            scale_basis.update(basis)
    inputs = {manifest.input_name: np.asarray(windows, dtype=np.float32)}
    inputs |= {name: np.asarray(v, dtype=np.float32) for name, v in covariates.items()}
    forecast = predict(inputs).astype(np.float64)
    if not np.isfinite(forecast).all():
        raise ValueError("the model produced NaN or infinite forecasts")

    shape = (len(segments), plan.folds, plan.horizon, len(manifest.target_columns))
    scored = {
        "model": forecast.reshape(shape),
        "seasonal_naive": np.concatenate(naive).reshape(shape),
    }
    truth = np.asarray(actual).reshape(shape)
    scales = np.asarray(scale).reshape((*shape[:2], 1, shape[3]))

    def metrics(k: int | slice) -> dict:
        """Both forecasters on fold k (every fold: a slice), and whether the model wins."""
        flat = (-1, *shape[2:])
        found = {
            name: scaled_metrics(
                pred[:, k].reshape(flat),
                truth[:, k].reshape(flat),
                scales[:, k].reshape(-1, 1, shape[3]),
            )
            for name, pred in scored.items()
        }
        found["beats_seasonal_naive"] = beats(found["model"], found["seasonal_naive"])
        return found

    fold_metrics = []
    for k in range(plan.folds):
        origins = {seg.series_id: plan.origins(seg.plan.n_rows)[k] for seg in segments}
        fold_metrics.append(
            {
                "fold": k + 1,
                "origins": origins,
                "origin_timestamps": _timestamps(table, segments, origins),
                "held_out": all(origins[seg.series_id] >= seg.plan.cut for seg in segments),
                **metrics(k),
            }
        )
    summary = {
        **metrics(slice(None)),
        "folds_won": sum(f["beats_seasonal_naive"] for f in fold_metrics),
        "season_length": plan.season,
        "mase_scale": dict(scale_basis),
        "series": len(segments),
    }
    return fold_metrics, summary


def _timestamps(
    table: SeriesTable, segments: list[Segment], origins: dict[str, int]
) -> dict[str, str] | None:
    if table.timestamps is None:
        return None
    return {seg.series_id: table.timestamps[seg.start + origins[seg.series_id]] for seg in segments}
