"""One training job from start to registered version: load data, fit, evaluate, export in a
fresh process, gate on parity, store the artifact, register the version.

The job row is the source of truth: the task only carries its id, re-reads it, skips a job that
is already finished, and writes progress after every epoch so that the API can show it and a
cancel request is seen within one epoch.
"""

from __future__ import annotations

import io
import logging
import os
import socket
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.artifacts import ArtifactStore, make_store
from app.config import Settings
from app.contract import (
    MANIFEST_FILENAME,
    ONNX_FILENAME,
    Manifest,
    SplitPlan,
    model_artifact_key,
    sha256_bytes,
    split_plan,
)
from app.datasets import service as datasets
from app.db import make_engine, make_sessionmaker, utcnow
from app.logs import job_context
from app.models import JobStatus, TrainingJob
from app.registry import service as registry
from app.training.schemas import JobSpec
from workers.metrics import (
    EPOCH_SECONDS,
    EXPORT_SECONDS,
    JOB_SECONDS,
    JOBS_FINISHED,
    JOBS_RUNNING,
)
from workers.training.data import TrainingData, prepare
from workers.training.export import export_in_subprocess, save_checkpoint
from workers.training.loop import EpochStats, fit, seed_everything
from workers.training.metrics import detect_season, forecast_metrics, mase_scale, seasonal_naive
from workers.training.nets import NetConfig, build_net

log = logging.getLogger("seqcast.worker")

HOST = socket.gethostname()

_sessionmakers: dict[str, sessionmaker[Session]] = {}


class JobCancelled(Exception):
    pass


def _sessions(settings: Settings) -> sessionmaker[Session]:
    """One engine per worker process (created after the fork, never inherited)."""
    if settings.database_url not in _sessionmakers:
        _sessionmakers[settings.database_url] = make_sessionmaker(
            make_engine(settings.database_url)
        )
    return _sessionmakers[settings.database_url]


def pick_device(preference: str) -> torch.device:
    if preference != "cpu" and torch.cuda.is_available():
        return torch.device("cuda")
    if preference == "cuda":
        log.warning("SEQCAST_TRAINING_DEVICE=cuda but torch sees no usable GPU; training on CPU")
    return torch.device("cpu")


def run_job(job_id: str, settings: Settings) -> None:
    with job_context(job_id):  # every log line of this job carries its id
        _run_job(job_id, settings)


def _run_job(job_id: str, settings: Settings) -> None:
    Session_ = _sessions(settings)
    with Session_() as session:
        job = session.get(TrainingJob, job_id)
        if job is None:
            log.error("job %s not found; dropping the message", job_id)
            return
        if job.status.terminal:
            log.info("job %s already %s; nothing to do", job_id, job.status.value)
            return
        if job.cancel_requested:
            _finish(session, job, JobStatus.cancelled, "cancelled before it started")
            return
        if job.status == JobStatus.running and _alive_elsewhere(job, settings):
            log.warning(
                "job %s is running on %s; ignoring a duplicate delivery", job_id, job.worker
            )
            return
        started, architecture = time.perf_counter(), job.architecture
        outcome = JobStatus.failed
        JOBS_RUNNING.inc()
        try:
            device = _start(session, job, settings)
            _train_and_register(session, job, settings, device)
            outcome = JobStatus.succeeded
        except JobCancelled:
            outcome = JobStatus.cancelled
            session.rollback()
            _finish(session, job, JobStatus.cancelled, "cancelled while running")
        except SoftTimeLimitExceeded:
            session.rollback()
            _finish(
                session,
                job,
                JobStatus.failed,
                f"exceeded its deadline of {settings.job_deadline_seconds} s "
                "(SEQCAST_JOB_DEADLINE_SECONDS) and was stopped",
            )
        except Exception as exc:
            log.exception("job %s failed", job_id)
            session.rollback()
            _finish(session, job, JobStatus.failed, f"{type(exc).__name__}: {exc}")
        finally:
            JOBS_RUNNING.dec()
            labels = (architecture, outcome.value)
            JOB_SECONDS.labels(*labels).observe(time.perf_counter() - started)
            JOBS_FINISHED.labels(*labels).inc()


def _start(session: Session, job: TrainingJob, settings: Settings) -> torch.device:
    device = pick_device(settings.training_device)
    now = utcnow()
    job.status = JobStatus.running
    job.attempts += 1
    job.worker = f"{HOST}:{os.getpid()}"
    job.heartbeat_at = now
    job.device = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    job.error = None
    if job.started_at is None:  # a resumed job keeps its first start
        job.started_at = now
        job.timings = {"queued": (now - job.created_at).total_seconds()}
    session.commit()
    return device


def _alive_elsewhere(job: TrainingJob, settings: Settings) -> bool:
    """Is the worker recorded on a running job still alive? On this host its pid says so
    exactly (a prefork child killed mid-job is dead at once); elsewhere the heartbeat decides."""
    host, _, pid = (job.worker or "").rpartition(":")
    if host == HOST and pid.isdigit():
        if int(pid) == os.getpid():
            return False
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    if job.heartbeat_at is None:
        return False
    silent = (utcnow() - job.heartbeat_at).total_seconds()
    return silent < settings.job_heartbeat_timeout_seconds


def _finish(session: Session, job: TrainingJob, status: JobStatus, error: str | None) -> None:
    session.refresh(job)
    job.status = status
    job.error = error
    job.finished_at = utcnow()
    if job.started_at is not None:
        job.timings = {**job.timings, "total": (job.finished_at - job.started_at).total_seconds()}
    session.commit()


def _train_and_register(
    session: Session, job: TrainingJob, settings: Settings, device: torch.device
) -> None:
    spec = JobSpec.model_validate(job.spec)
    hp = spec.hyperparameters
    store = make_store(settings)
    table = datasets.load_table(store, datasets.get(session, job.dataset_id))
    plan = split_plan(table.n_rows, spec.input_length, spec.horizon, spec.validation_fraction)
    data = prepare(
        table.values, table.columns, spec.feature_columns, spec.target_columns, plan, device
    )

    seed_everything(hp.seed)
    cfg = NetConfig(
        architecture=job.architecture,
        n_features=len(spec.feature_columns),
        n_targets=len(spec.target_columns),
        input_length=spec.input_length,
        horizon=spec.horizon,
        hidden_size=hp.hidden_size,
        num_layers=hp.num_layers,
        dropout=hp.dropout,
        d_model=hp.d_model,
        nhead=hp.nhead,
        dim_feedforward=hp.dim_feedforward,
        feature_mean=data.feature_mean.tolist(),
        feature_std=data.feature_std.tolist(),
        target_mean=data.target_mean.tolist(),
        target_std=data.target_std.tolist(),
    )
    net = build_net(cfg).to(device)
    checkpoint_key = f"checkpoints/{job.id}/last.pt"
    resume = _load_checkpoint(store, checkpoint_key)
    if resume is not None:
        log.info("job %s resumes after epoch %d", job.id, resume["epoch"])
        # The checkpoint is the truth: the attempt that died may have saved an epoch's
        # checkpoint without living to record that epoch in the job row.
        job.history = list(resume["history"])
        job.epochs_done = resume["epoch"]
        session.commit()

    def on_checkpoint(state: dict) -> None:
        buffer = io.BytesIO()
        torch.save(state, buffer)
        store.put(checkpoint_key, buffer.getvalue())

    epoch_seconds = EPOCH_SECONDS.labels(job.architecture, device.type)

    def on_epoch(stats: EpochStats) -> None:
        epoch_seconds.observe(stats.seconds)
        session.refresh(job)
        history = [h for h in job.history if h["epoch"] < stats.epoch]  # a resumed run rewrites
        job.epochs_done = stats.epoch
        job.history = [*history, asdict(stats)]
        job.heartbeat_at = utcnow()
        session.commit()
        if job.cancel_requested:
            raise JobCancelled

    t0 = time.perf_counter()
    result = fit(
        net,
        data,
        epochs=hp.epochs,
        batch_size=hp.batch_size,
        learning_rate=hp.learning_rate,
        early_stopping_patience=hp.early_stopping_patience,
        seed=hp.seed,
        on_epoch=on_epoch,
        on_checkpoint=on_checkpoint,
        resume=resume,
    )
    train_seconds = time.perf_counter() - t0 + (resume["train_seconds"] if resume else 0.0)
    metrics = _evaluate(net, data, plan, spec)
    metrics.update(
        best_epoch=result.best_epoch,
        best_val_loss=result.best_val_loss,
        stopped_early=result.stopped_early,
        windows_per_second=result.windows_per_second,
    )

    t1 = time.perf_counter()
    net = net.cpu()
    with tempfile.TemporaryDirectory(prefix="seqcast-export-") as tmp:
        checkpoint, onnx_path = Path(tmp) / "checkpoint.pt", Path(tmp) / ONNX_FILENAME
        save_checkpoint(net, cfg, checkpoint)
        report = export_in_subprocess(checkpoint, onnx_path, settings.parity_tolerance)
        onnx_bytes = onnx_path.read_bytes()
    export_seconds = time.perf_counter() - t1
    EXPORT_SECONDS.labels(job.architecture).observe(export_seconds)

    sha = sha256_bytes(onnx_bytes)
    key = model_artifact_key(job.model_name, job.id)
    uri = store.put(f"{key}/{ONNX_FILENAME}", onnx_bytes)
    manifest = Manifest(
        architecture=job.architecture,
        feature_columns=spec.feature_columns,
        target_columns=spec.target_columns,
        input_length=spec.input_length,
        horizon=spec.horizon,
        opset=report.opset,
        exporter=report.exporter,
        sha256=sha,
        size_bytes=len(onnx_bytes),
        parity_error=report.parity_error,
        normalization={
            "feature_mean": cfg.feature_mean,
            "feature_std": cfg.feature_std,
            "target_mean": cfg.target_mean,
            "target_std": cfg.target_std,
        },
    )
    store.put(f"{key}/{MANIFEST_FILENAME}", manifest.to_json())

    version_fields = dict(
        architecture=job.architecture,
        hyperparameters=hp.model_dump(),
        feature_columns=spec.feature_columns,
        target_columns=spec.target_columns,
        input_length=spec.input_length,
        horizon=spec.horizon,
        metrics=metrics,
        artifact_uri=uri,
        sha256=sha,
        size_bytes=len(onnx_bytes),
        opset=report.opset,
        parity_error=report.parity_error,
        dataset_id=job.dataset_id,
    )
    timings = {**job.timings, "training": train_seconds, "export": export_seconds}
    for _ in range(10):
        session.refresh(job)
        if job.cancel_requested:
            raise JobCancelled
        try:
            if registry.version_of_job(session, job.id) is None:  # a redelivered job: keep one
                registry.register_version(
                    session,
                    model_name=job.model_name,
                    device=job.device or "cpu",
                    job_id=job.id,
                    **version_fields,
                )
            job.status = JobStatus.succeeded
            job.finished_at = utcnow()
            assert job.started_at is not None
            job.timings = {**timings, "total": (job.finished_at - job.started_at).total_seconds()}
            session.commit()
            break
        except IntegrityError:  # another worker took this version number: take the next
            session.rollback()
    else:
        raise RuntimeError(f"could not allocate a version number for model {job.model_name!r}")
    store.delete(checkpoint_key)
    log.info("job %s registered %s (parity %.2e)", job.id, job.model_name, report.parity_error)


def _load_checkpoint(store: ArtifactStore, key: str) -> dict | None:
    """The last epoch's state of an earlier attempt, if any (weights_only: tensors and plain
    values, nothing that unpickles code)."""
    if not store.exists(key):
        return None
    return torch.load(io.BytesIO(store.get(key)), map_location="cpu", weights_only=True)


def _evaluate(net: torch.nn.Module, data: TrainingData, plan: SplitPlan, spec: JobSpec) -> dict:
    """Validation metrics of the model next to the seasonal-naive baseline's, in raw units."""
    net.eval()
    with torch.no_grad():
        predicted = torch.cat([net(x) for x in data.x_val.split(1024)]).cpu().numpy()
    actual = data.y_val.cpu().numpy()
    cut = plan.cut
    train_targets = data.targets_series[:cut]
    season = spec.season_length or detect_season(train_targets[:, 0], max_lag=spec.input_length)
    season = max(1, min(season, cut - 1))
    origins = np.asarray(plan.val_starts)
    naive = seasonal_naive(data.targets_series, origins, spec.horizon, season)
    scale = mase_scale(train_targets, season)
    model_metrics = forecast_metrics(predicted, actual, scale)
    naive_metrics = forecast_metrics(naive, actual, scale)
    return {
        "model": model_metrics,
        "seasonal_naive": naive_metrics,
        "season_length": season,
        "beats_seasonal_naive": model_metrics["mase"] < naive_metrics["mase"],
        "validation_windows": len(actual),
    }
