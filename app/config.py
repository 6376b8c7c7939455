"""One settings class, read once from `SEQCAST_*` environment variables and passed around.

With nothing set, everything lives under `SEQCAST_DATA_DIR` (default `./.seqcast`): a SQLite
database, a filesystem Celery broker that needs no server, and the artifact folder. Point
`SEQCAST_DATABASE_URL` at PostgreSQL and `SEQCAST_BROKER_URL` at Redis for a real deployment.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Device = Literal["auto", "cpu", "cuda"]
LogFormat = Literal["json", "text"]
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SEQCAST_", extra="ignore")

    data_dir: Path = Field(Path(".seqcast"), description="Home of the embedded defaults.")
    database_url: str = Field("", description="SQLAlchemy URL; default: SQLite in data_dir.")
    broker_url: str = Field("", description="Celery broker URL; default: filesystem broker.")
    artifact_root: str = Field(
        "",
        description="Where datasets and models are stored: a folder (default: data_dir/artifacts) "
        "or an s3://bucket/prefix URL.",
    )
    s3_endpoint_url: str = Field(
        "", description="S3-compatible server for an s3:// artifact_root (empty: AWS S3)."
    )
    task_queue: str = Field("seqcast", description="Celery queue the training tasks go to.")

    host: str = "127.0.0.1"
    port: int = 8000
    api_workers: int = Field(
        1,
        ge=1,
        description="API processes sharing the port (`seqcast api --workers`), each with its own "
        "model cache and batchers; /metrics then answers for the process that took the scrape.",
    )
    access_log: bool = Field(
        False, description="uvicorn's per-request log line (off: it costs hot-path throughput)."
    )
    log_format: LogFormat | None = Field(
        None,
        description="json (one object per line) or text; default: text on a local SQLite "
        "install, json otherwise.",
    )
    worker_metrics_port: int = Field(
        9808, ge=0, le=65535, description="The worker's Prometheus exporter port (0: none)."
    )
    worker_metrics_host: str = Field(
        "",
        description="Interface the worker's Prometheus exporter listens on; default: 127.0.0.1 "
        "on a local install, 0.0.0.0 otherwise (Prometheus scrapes it from another host).",
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        [],
        description="With auth off: Host names the API answers besides localhost, 127.0.0.1 and "
        "::1 (comma-separated). Other Hosts, foreign Origins and cross-site form bodies get 403 "
        "or 415, so a web page cannot drive an unauthenticated API.",
    )

    training_device: Device = Field("auto", description="Worker device: auto picks CUDA if usable.")
    inference_device: Device = Field("auto", description="onnxruntime provider preference.")
    session_cache_size: int = Field(16, ge=1, description="ONNX sessions kept loaded (LRU).")
    session_cache_bytes: int = Field(
        1 << 30, ge=1, description="Bytes of ONNX models kept loaded (LRU)."
    )
    ort_intra_op_threads: int = Field(1, ge=0, description="onnxruntime threads per run (0=ort).")
    inference_threads: int = Field(
        0, ge=0, description="Threads running onnxruntime batches (0 = one per CPU core)."
    )
    resolve_ttl_seconds: float = Field(
        1.0, ge=0, description="How long /predict trusts its cached alias/latest resolution."
    )
    batch_max_size: int = Field(64, ge=1, description="Default rows per batched run.")
    batch_max_delay_ms: float = Field(
        0.0, ge=0, description="Default wait for a fuller batch while a run slot is free."
    )
    batch_max_queue: int = Field(2048, ge=1, description="Default queued rows before 503.")
    batch_concurrency: int = Field(1, ge=1, description="Default runs of one model at once.")
    batch_inline_run_ms: float = Field(
        0.3,
        ge=0,
        description="Batches whose measured onnxruntime run takes at most this long run on the "
        "event loop instead of a thread (0: always a thread).",
    )
    parity_tolerance: float = Field(1e-4, gt=0, description="Max ONNX-vs-torch relative error.")
    streams_url: str = Field(
        "",
        description="Where stream state lives: a Redis URL (redis://, rediss://, unix://) or "
        "memory:// (this process only: lost on restart, not shared by replicas); default: the "
        "broker's Redis when broker_url is a Redis URL, else memory://.",
    )
    stream_ttl_seconds: float = Field(
        86400.0, gt=0, description="A stream not observed for this long is dropped."
    )
    broker_check_timeout: float = Field(2.0, gt=0, description="Seconds /readyz waits on broker.")

    auth: bool | None = Field(
        None, description="Require API keys; default: on, except on a local SQLite database."
    )
    auth_cache_seconds: float = Field(
        10.0, ge=0, description="How long a checked key is trusted (revocation delay)."
    )
    max_body_bytes: int = Field(64 << 20, ge=1024, description="Larger request bodies get 413.")
    max_inference_body_bytes: int = Field(
        16 << 20,
        ge=1024,
        description="Larger /predict, observe and OIP infer bodies get 413, before any of it is "
        "parsed (a 1,024-window /predict of 192 steps × 4 features is ~8 MB of JSON).",
    )
    parse_offload_bytes: int = Field(
        256 << 10,
        ge=0,
        description="Hot-route bodies (/predict, observe, OIP infer) larger than this are "
        "decoded in a separate process, off the event loop (app.http.offload).",
    )
    max_dataset_rows: int = Field(1_000_000, ge=2)
    max_dataset_columns: int = Field(256, ge=1)
    max_dataset_bytes: int = Field(
        256 << 20,
        ge=1024,
        description="Largest stored dataset, in bytes as stored (8 per value, 4 per timestamp "
        "character): e.g. 1,000,000 rows x 32 columns, or x 16 with ISO timestamps. Larger "
        "uploads (JSON, CSV, Parquet) are refused with a 422 before anything is stored; an "
        "upload costs the API a few times this in memory while it is parsed.",
    )
    max_predict_windows: int = Field(1024, ge=1, description="Windows in one /predict request.")
    max_train_parameters: int = Field(
        50_000_000,
        ge=1,
        description="Largest network POST /train accepts, in trainable parameters (counted from "
        "the architecture's formulas, app.training.budget): ~50 M trains on a CPU in hours.",
    )
    max_train_window_values: int = Field(
        500_000_000,
        ge=1,
        description="Most float32 values the worker may cut a dataset into: windows × "
        "(input_length × features + horizon × targets), more with varied window_lengths "
        "(500 M: 2 GB).",
    )
    max_train_memory_bytes: int = Field(
        4 << 30,
        ge=1 << 20,
        description="Most memory a training step may take by estimate: parameters × 5 (weights, "
        "gradients, Adam's two moments, the best weights kept) + one batch's activations.",
    )
    max_jobs_per_key: int = Field(
        20, ge=1, description="Queued + running jobs (training, backtests, forecasts) per API key."
    )
    max_datasets_per_key: int = Field(1000, ge=1, description="Datasets stored per API key.")
    max_dataset_bytes_per_key: int = Field(
        10 << 30, ge=1024, description="Bytes of datasets stored per API key (as stored)."
    )
    max_streams_per_key: int = Field(
        1000, ge=1, description="Live streams (and OIP sequences) per API key."
    )
    quota_retry_after_seconds: int = Field(
        30,
        ge=1,
        description="Retry-After of a 429 for the job and dataset quotas (a stream quota's says "
        "when the oldest stream expires).",
    )

    job_deadline_seconds: int = Field(
        5 * 3600, ge=60, description="A training job running longer is stopped and failed."
    )
    job_heartbeat_interval_seconds: float = Field(
        5.0,
        gt=0,
        le=300,
        description="How often a thread of the running training task writes the job's heartbeat "
        "(independent of epoch length).",
    )
    job_heartbeat_timeout_seconds: float | None = Field(
        None,
        gt=0,
        description="A running job silent this long is presumed dead and re-queued; default: 3 "
        "heartbeat intervals. At least 2 intervals, so one late beat is not a death.",
    )
    reconcile_interval_seconds: float = Field(
        10.0,
        ge=0,
        description="How often each API process re-queues lost jobs (0: never). A dead worker's "
        "job trains again within the heartbeat timeout + this + the next worker's pickup.",
    )
    checkpoint_interval_seconds: float = Field(
        5.0,
        ge=0,
        description="Training writes its resume checkpoint at most this often (0: every epoch) "
        "and always after its last epoch; a job whose worker died repeats at most this much "
        "training.",
    )
    schedule_min_interval_seconds: int = Field(
        60,
        ge=1,
        description="Shortest `interval_seconds` a refresh schedule may have (a cron fires at "
        "most once a minute anyway).",
    )
    schedule_reload_seconds: float = Field(
        5.0,
        gt=0,
        le=300,
        description="How often `seqcast beat` re-reads the schedules table: a schedule put, "
        "changed or deleted takes effect within this long, without a restart.",
    )
    schedule_watch_seconds: float = Field(
        300.0,
        ge=1,
        description="How often beat has a schedule with `refresh_when` checked: the alias "
        "version's live MASE ratio over the threshold starts a refresh before the cron.",
    )
    gate_folds: int = Field(
        3,
        ge=1,
        le=50,
        description="Rolling-origin folds of the promotion gate (`promote: if_better`): the "
        "challenger and the alias holder are scored on the same folds (fewer when the newest "
        "data holds fewer).",
    )
    export_process: Literal["warm", "cold"] = Field(
        "warm",
        description="warm: one export process per worker process, kept for every job's export "
        "and parity gate; cold: a fresh interpreter per export (~2 s more per job).",
    )

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [name.strip() for name in value.split(",") if name.strip()]
        return value

    @field_validator("artifact_root", mode="before")
    @classmethod
    def _path_as_str(cls, value: Any) -> Any:
        return os.fspath(value) if isinstance(value, os.PathLike) else value

    @model_validator(mode="after")
    def _embedded_defaults(self) -> Settings:
        self.data_dir = self.data_dir.expanduser().resolve()
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'seqcast.db'}"
        if not self.broker_url:
            self.broker_url = "filesystem://localhost/"
        if not self.streams_url:
            redis_broker = self.broker_url.startswith(REDIS_SCHEMES)
            self.streams_url = self.broker_url if redis_broker else "memory://"
        elif self.streams_url != "memory://" and not self.streams_url.startswith(REDIS_SCHEMES):
            raise ValueError(
                f"SEQCAST_STREAMS_URL={self.streams_url!r}: give a Redis URL "
                f"({', '.join(REDIS_SCHEMES)}) or memory://"
            )
        root = self.artifact_root.strip()
        if root.startswith("s3://"):
            if not root.removeprefix("s3://").strip("/"):
                raise ValueError("SEQCAST_ARTIFACT_ROOT=s3:// needs a bucket: s3://bucket/prefix")
            self.artifact_root = root.rstrip("/")
        elif "://" in root and not root.startswith("file://"):
            raise ValueError(
                f"SEQCAST_ARTIFACT_ROOT={root!r}: give a folder or an s3://bucket/prefix URL"
            )
        else:
            path = Path(root.removeprefix("file://"))
            if str(path) == ".":
                path = self.data_dir / "artifacts"
            self.artifact_root = str(path.expanduser().resolve())
        if self.log_format is None:
            self.log_format = "text" if self.local else "json"
        if self.heartbeat_timeout < 2 * self.job_heartbeat_interval_seconds:
            raise ValueError(
                f"SEQCAST_JOB_HEARTBEAT_TIMEOUT_SECONDS={self.job_heartbeat_timeout_seconds} is "
                "under 2 heartbeat intervals (SEQCAST_JOB_HEARTBEAT_INTERVAL_SECONDS="
                f"{self.job_heartbeat_interval_seconds}): a live job would be re-queued"
            )
        if not self.worker_metrics_host:
            self.worker_metrics_host = "127.0.0.1" if self.local else "0.0.0.0"
        if self.auth is None:
            self.auth = not self.local
        elif not self.auth and not self.local:
            raise ValueError(
                "SEQCAST_AUTH=false is only allowed with a local SQLite database: a shared "
                "deployment must require API keys (create one with `seqcast keys create`)"
            )
        return self

    @property
    def heartbeat_timeout(self) -> float:
        """Seconds of silence after which a running job is presumed dead: the override, else 3
        heartbeat intervals. A property, so a `model_copy` that changes the interval follows."""
        if self.job_heartbeat_timeout_seconds is not None:
            return self.job_heartbeat_timeout_seconds
        return 3 * self.job_heartbeat_interval_seconds

    @property
    def broker_folder(self) -> Path:
        """Message folder of the serverless filesystem broker (only used with `filesystem://`)."""
        return self.data_dir / "broker"

    @property
    def local(self) -> bool:
        """A single-machine install: the database is a SQLite file."""
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """Settings from the environment, read once per process."""
    return Settings()
