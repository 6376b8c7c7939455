"""The training metrics, recorded in the pool process that runs the job and exported by the
worker's main process (workers.telemetry). Imported in the pool process only, after the main
process set PROMETHEUS_MULTIPROC_DIR: prometheus_client picks its storage at import."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EPOCH_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)
JOB_BUCKETS = (1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 28800)

EPOCH_SECONDS = Histogram(
    "seqcast_training_epoch_seconds",
    "Wall time of one training epoch (training and validation), by architecture and device.",
    ["architecture", "device"],
    buckets=EPOCH_BUCKETS,
)
EXPORT_SECONDS = Histogram(
    "seqcast_training_export_seconds",
    "ONNX export and parity check of a trained model, by architecture.",
    ["architecture"],
    buckets=JOB_BUCKETS,
)
JOB_SECONDS = Histogram(
    "seqcast_training_job_seconds",
    "Wall time of one attempt at a job on this worker, by architecture and outcome.",
    ["architecture", "status"],
    buckets=JOB_BUCKETS,
)
JOBS_FINISHED = Counter(
    "seqcast_training_jobs_finished",
    "Jobs this worker finished, by architecture and outcome (succeeded, failed, cancelled).",
    ["architecture", "status"],
)
JOBS_RUNNING = Gauge(
    "seqcast_training_jobs_running",
    "Jobs running on this worker now.",
    multiprocess_mode="livesum",
)
