"""The `seqcast` console script.

Server: `serve` (migrate, then the API with a worker process), `api`, `worker`, `migrate`.
Client, over HTTP with the generated SDK (sdk/, package `seqcast_client`): `train`, `jobs`,
`models`, `backtest`, `predict`. They talk to `--url` (env SEQCAST_URL, default
http://127.0.0.1:8000) and send `--api-key` (env SEQCAST_API_KEY) when the server requires keys.

Exit codes: 0 done; 1 the server refused (its message is printed), a job failed, or a local file is
wrong; 2 the server cannot be reached, or the command line is wrong.

Neither this module nor the API ever imports torch or `workers`: `worker` execs Celery in a new
process. The client commands import the SDK and httpx only when they run.
"""

import csv
import json
import logging
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from app.auth.cli import keys_app
from app.config import Settings, get_settings
from app.datasets.schemas import TIMESTAMP_COLUMNS

log = logging.getLogger("seqcast")

DEFAULT_URL = "http://127.0.0.1:8000"
POLL_SECONDS = 0.5
FINISHED = {"succeeded", "failed", "cancelled"}

app = typer.Typer(
    name="seqcast",
    help="Train RNN/LSTM/GRU/Transformer forecasters behind a REST API; serve them from "
    "onnxruntime.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Markdown, not Rich markup: Rich would swallow the "[default: ...]" of our help texts.
    rich_markup_mode="markdown",
)
app.add_typer(keys_app, name="keys", rich_help_panel="Admin")

SERVER, CLIENT = "Server", "Client"


# --- server ------------------------------------------------------------------------------------


def worker_command(settings: Settings, concurrency: int = 1, loglevel: str = "INFO") -> list[str]:
    """The Celery worker as its own process: the API process never imports workers or torch."""
    return [
        sys.executable,
        "-m",
        "celery",
        "--app",
        "workers.celery_app",
        "worker",
        f"--loglevel={loglevel}",
        f"--concurrency={concurrency}",
        "--queues",
        settings.task_queue,
        "--without-gossip",
        "--without-mingle",
    ]


def _server_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    from app.logs import apply_format

    apply_format(get_settings().log_format or "text")  # the same format the API will use


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return url


def _migrate() -> None:
    from app.migrate import upgrade

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    log.info("database at head: %s", _redact(settings.database_url))


def _run_api(host: str | None, port: int | None, workers: int | None = None) -> None:
    import uvicorn

    settings = get_settings()
    workers = workers or settings.api_workers
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers if workers > 1 else None,
        log_level="info",
        access_log=settings.access_log,
    )


Host = Annotated[
    str | None, typer.Option(help="Interface to listen on [default: SEQCAST_HOST or 127.0.0.1]")
]
Port = Annotated[int | None, typer.Option(help="Port [default: SEQCAST_PORT or 8000]")]
Concurrency = Annotated[int, typer.Option(min=1, help="Training jobs the worker runs at once.")]
ApiWorkers = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        help="API processes sharing the port, each with its own model cache and batchers "
        "(one per core is a good start) [default: SEQCAST_API_WORKERS or 1]",
        show_default=False,
    ),
]


@app.command(rich_help_panel=SERVER)
def serve(
    host: Host = None, port: Port = None, concurrency: Concurrency = 1, workers: ApiWorkers = None
) -> None:
    """Migrate, then run the API with a worker process; stop both together."""
    # uvicorn shuts down gracefully on SIGTERM, then re-raises it: with the default handler that
    # would kill this process before the worker is stopped (docker stop, systemd). Make it an
    # exception instead, so the `finally` below runs; re-raised once the worker is gone.
    received: list[int] = []

    def on_sigterm(signum: int, _frame: object) -> None:
        received.append(signum)
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_sigterm)
    _server_logging()
    _migrate()
    worker: subprocess.Popen | None = None
    try:
        worker = subprocess.Popen(worker_command(get_settings(), concurrency))
        log.info("worker started (pid %s)", worker.pid)
        _run_api(host, port, workers)
    finally:
        if worker is not None:
            _stop_worker(worker)
        if received:  # end as the signal asked (systemd counts "killed by SIGTERM" as clean)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.raise_signal(signal.SIGTERM)


def _stop_worker(worker: subprocess.Popen) -> None:
    """SIGTERM (Celery's warm shutdown), SIGKILL after 30 s or at a second SIGINT/SIGTERM."""

    def force(_signum: int, _frame: object) -> None:
        worker.kill()

    previous = {sig: signal.signal(sig, force) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if worker.poll() is None:
            log.info("stopping the worker (pid %s)", worker.pid)
            worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@app.command(rich_help_panel=SERVER)
def api(host: Host = None, port: Port = None, workers: ApiWorkers = None) -> None:
    """Run the API only."""
    _server_logging()
    _run_api(host, port, workers)


@app.command(rich_help_panel=SERVER)
def worker(concurrency: Concurrency = 1) -> None:
    """Run a Celery training worker (replaces this process)."""
    os.execv(sys.executable, worker_command(get_settings(), concurrency))


@app.command(rich_help_panel=SERVER)
def migrate() -> None:
    """Apply the database migrations."""
    _server_logging()
    _migrate()


# --- client plumbing ---------------------------------------------------------------------------

Url = Annotated[
    str, typer.Option("--url", envvar="SEQCAST_URL", help="The seqcast API.", show_default=True)
]
ApiKey = Annotated[
    str | None,
    typer.Option("--api-key", envvar="SEQCAST_API_KEY", help="API key, sent as a Bearer token."),
]


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def server_message(status: int, content: bytes) -> str:
    """The server's own words: `detail` (a string, or validation errors), `error` (/v2), or the
    body as text."""
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    message = content.decode(errors="replace").strip()[:500]
    if isinstance(body, dict):
        detail = body.get("detail", body.get("error"))
        if isinstance(detail, str):
            message = detail
        elif isinstance(detail, list):
            parts = []
            for item in detail:
                if not isinstance(item, dict):
                    parts.append(str(item))
                    continue
                where = ".".join(str(p) for p in item.get("loc", []) if p != "body")
                msg = str(item.get("msg", ""))
                parts.append(msg if not where or msg.startswith(where) else f"{where}: {msg}")
            message = "; ".join(parts)
    return f"HTTP {status}: {message or 'no message'}"


class Api:
    """The generated SDK's client plus uniform error handling: every call returns the parsed
    2xx body, or exits 1 with the server's message (HTTP error) or 2 (server unreachable)."""

    def __init__(self, url: str, api_key: str | None) -> None:
        try:
            import httpx
            from seqcast_client import AuthenticatedClient, Client
        except ImportError as exc:
            fail(f"the seqcast client SDK is not installed ({exc}): pip install -e sdk", 2)
        self.url = url.rstrip("/")
        timeout = httpx.Timeout(60.0, connect=10.0)
        # Without a key a plain Client sends no Authorization header (a local server needs none).
        self.client = (
            AuthenticatedClient(base_url=self.url, token=api_key, timeout=timeout)
            if api_key
            else Client(base_url=self.url, timeout=timeout)
        )
        self._transport_error = httpx.TransportError

    def __call__(self, operation: Any, *args: Any, **kwargs: Any) -> Any:
        """`operation` is a generated module (e.g. seqcast_client.api.jobs.get_job)."""
        try:
            response = operation.sync_detailed(*args, client=self.client, **kwargs)
        except self._transport_error as exc:
            fail(f"cannot reach seqcast at {self.url}: {exc or type(exc).__name__}", 2)
        if not 200 <= response.status_code < 300:
            fail(server_message(response.status_code, response.content))
        return response.parsed


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Plain aligned columns: never truncated or wrapped, whatever the terminal."""
    cells = [[str(h) for h in headers], *[["" if c is None else str(c) for c in r] for r in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    )


def fmt(value: Any, digits: int = 4) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else ("yes" if value else "no")
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def unset_to_none(value: Any) -> Any:
    from seqcast_client.types import Unset

    return None if isinstance(value, Unset) else value


# --- client commands ---------------------------------------------------------------------------


class Architecture(StrEnum):
    rnn = "rnn"
    lstm = "lstm"
    gru = "gru"
    transformer = "transformer"


class Normalization(StrEnum):
    global_ = "global"
    instance = "instance"


class JobState(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


Hyper = Annotated[int | None, typer.Option(min=1, rich_help_panel="Hyperparameters")]
VersionOption = Annotated[int | None, typer.Option(min=1, help="A version number.")]
AliasOption = Annotated[str | None, typer.Option(help="An alias [default: the latest]")]
PARQUET_MAGIC = b"PAR1"


def version_or_alias(version: int | None, alias: str | None) -> None:
    if version is not None and alias is not None:
        fail("give --version or --alias, not both", 2)


@contextmanager
def interruptible(what: str, hint: str) -> Iterator[None]:
    """Ctrl-C while waiting stops the waiting, not the server's work: say so, exit 130."""
    try:
        yield
    except KeyboardInterrupt:
        typer.echo(f"\nstopped waiting; {what} goes on ({hint})", err=True)
        raise typer.Exit(130) from None


def upload(client: Api, path: Path, series_column: str | None) -> Any:
    """POST a CSV or Parquet file (told apart by Parquet's magic bytes, as the server does)."""
    from seqcast_client.api.datasets import create_dataset
    from seqcast_client.models import DatasetUpload
    from seqcast_client.types import UNSET, File

    with path.open("rb") as handle:
        parquet = handle.read(4) == PARQUET_MAGIC
        handle.seek(0)
        kind = "application/vnd.apache.parquet" if parquet else "text/csv"
        body = DatasetUpload(
            file=File(handle, path.name, kind),
            series_column=UNSET if series_column is None else series_column,
        )
        dataset = client(create_dataset, body=body)
    shape = f"{dataset.n_rows} rows"
    if dataset.n_series > 1:
        shape += f" in {dataset.n_series} series"
    frequency = unset_to_none(dataset.frequency)
    typer.echo(
        f"uploaded {path.name}: dataset {dataset.id} ({shape}; columns "
        f"{', '.join(dataset.columns)}{f'; frequency {frequency}' if frequency else ''})"
    )
    return dataset


@app.command(rich_help_panel=CLIENT)
def train(
    model_name: Annotated[str, typer.Argument(help="Model name; trains a new version if taken.")],
    architecture: Annotated[Architecture, typer.Argument(case_sensitive=False)],
    dataset_id: Annotated[
        str | None, typer.Argument(help="An uploaded dataset's id; or give --file.")
    ] = None,
    data_file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            "--csv",
            exists=True,
            dir_okay=False,
            help="Upload this CSV or Parquet file first (long format for many series), then "
            "train on it.",
        ),
    ] = None,
    series_column: Annotated[
        str | None,
        typer.Option(
            help="With --file: the column of series ids [default: unique_id, series_id, series, "
            "item_id or id]"
        ),
    ] = None,
    horizon: Annotated[int, typer.Option(min=1, help="Steps forecast at once.")] = ...,  # type: ignore[assignment]
    input_length: Annotated[
        int | None, typer.Option(min=1, help="Window length [default: max(3 × horizon, 16)]")
    ] = None,
    target: Annotated[
        list[str] | None, typer.Option(help="A column to forecast (repeat) [default: all]")
    ] = None,
    feature: Annotated[
        list[str] | None, typer.Option(help="A column the model reads (repeat) [default: targets]")
    ] = None,
    validation_fraction: Annotated[
        float | None, typer.Option(min=0.0, max=0.9, help="Share held out [default: 0.2]")
    ] = None,
    season_length: Annotated[
        int | None, typer.Option(min=1, help="Baseline period [default: detected]")
    ] = None,
    quantile: Annotated[
        list[float] | None,
        typer.Option(
            help="Also forecast this quantile level, in (0, 1) (repeat; 0.5 is always added)"
        ),
    ] = None,
    normalization: Annotated[
        Normalization | None,
        typer.Option(
            case_sensitive=False,
            help="Scale by the training rows' statistics (global) or each window's own "
            "(instance) [default: the server's]",
            rich_help_panel="Hyperparameters",
        ),
    ] = None,
    epochs: Hyper = None,
    hidden_size: Hyper = None,
    num_layers: Hyper = None,
    batch_size: Hyper = None,
    patience: Annotated[
        int | None,
        typer.Option(min=1, help="Early-stopping patience.", rich_help_panel="Hyperparameters"),
    ] = None,
    learning_rate: Annotated[
        float | None, typer.Option(min=0.0, rich_help_panel="Hyperparameters")
    ] = None,
    dropout: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, rich_help_panel="Hyperparameters")
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, rich_help_panel="Hyperparameters")] = None,
    d_model: Hyper = None,
    nhead: Hyper = None,
    dim_feedforward: Hyper = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Follow the job with a progress bar until it ends.")
    ] = False,
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
) -> None:
    """Queue a training job (uploading --file first); with --wait, follow it to the end.

    Unset options keep the server's defaults (see README: /train fields and defaults).
    """
    from seqcast_client.api.training import train as train_op
    from seqcast_client.models import TrainRequest

    if (dataset_id is None) == (data_file is None):
        fail("give exactly one of DATASET_ID or --file", 2)
    if series_column is not None and data_file is None:
        fail("--series-column applies to an uploaded --file; DATASET_ID is already split", 2)
    client = Api(url, api_key)
    if data_file is not None:
        dataset_id = upload(client, data_file, series_column).id
    hyperparameters = {
        "epochs": epochs,
        "hidden_size": hidden_size,
        "num_layers": num_layers,
        "batch_size": batch_size,
        "early_stopping_patience": patience,
        "learning_rate": learning_rate,
        "dropout": dropout,
        "seed": seed,
        "d_model": d_model,
        "nhead": nhead,
        "dim_feedforward": dim_feedforward,
        "normalization": normalization.value if normalization else None,
    }
    body = {
        "model_name": model_name,
        "architecture": architecture.value,
        "dataset_id": dataset_id,
        "horizon": horizon,
        "input_length": input_length,
        "target_columns": target or None,
        "feature_columns": feature or None,
        "validation_fraction": validation_fraction,
        "season_length": season_length,
        "quantiles": quantile or None,
        "hyperparameters": {k: v for k, v in hyperparameters.items() if v is not None},
    }
    request = TrainRequest.from_dict({k: v for k, v in body.items() if v is not None})
    job = client(train_op, body=request)
    typer.echo(f"job {job.id} {job.status}: {job.model_name} ({job.architecture})")
    if not wait:
        return
    with interruptible(f"job {job.id}", "seqcast jobs"):
        job = follow(client, job)
    report(client, job)


def follow(client: Api, job: Any) -> Any:
    """Poll the job until it ends, drawing epochs done and the latest validation loss."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from seqcast_client.api.jobs import get_job

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("epochs"),
        TextColumn("{task.fields[loss]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task = bar.add_task(str(job.status), total=job.progress.epochs or None, loss="")
        while True:
            history = job.history
            loss = f"val_loss {history[-1].val_loss:.4g}" if history else ""
            bar.update(
                task,
                description=str(job.status),
                completed=job.progress.epoch,
                total=job.progress.epochs or None,
                loss=loss,
            )
            if str(job.status) in FINISHED:
                return job
            time.sleep(POLL_SECONDS)
            job = client(get_job, job.id)


def report(client: Api, job: Any) -> None:
    """One summary line of a finished job (exit 1 unless it succeeded)."""
    from seqcast_client.api.models import get_model_version

    status = str(job.status)
    if status != "succeeded":
        reason = unset_to_none(job.error) or ("cancelled" if status == "cancelled" else "")
        fail(f"job {job.id} {status} after {job.progress.epoch} epochs: {reason}")
    ref = unset_to_none(job.model_version)
    line = f"job {job.id} succeeded after {job.progress.epoch} epochs"
    if job.history:
        line += f", val_loss {job.history[-1].val_loss:.4g}"
    if ref is not None:
        version = client(get_model_version, ref.model, ref.version)
        metrics = version.metrics.to_dict()
        model_mase = metrics.get("model", {}).get("mase")
        naive_mase = metrics.get("seasonal_naive", {}).get("mase")
        line += f": {ref.model} v{ref.version}"
        if model_mase is not None and naive_mase is not None:
            line += f" (MASE {fmt(model_mase)} vs seasonal naive {fmt(naive_mase)})"
    typer.echo(line)


@app.command(rich_help_panel=CLIENT)
def jobs(
    status: Annotated[JobState | None, typer.Option(help="Only jobs in this state.")] = None,
    model: Annotated[str | None, typer.Option(help="Only this model's jobs.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many.")] = 20,
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
) -> None:
    """List training jobs, newest first."""
    from seqcast_client.api.jobs import list_jobs
    from seqcast_client.models import JobStatus

    client = Api(url, api_key)
    found = client(
        list_jobs,
        status=JobStatus(status.value) if status else None,
        model_name=model,
        limit=limit,
    )
    rows = []
    for job in found:
        ref = unset_to_none(job.model_version)
        rows.append(
            (
                job.id,
                job.model_name,
                job.architecture,
                job.status,
                f"{job.progress.epoch}/{job.progress.epochs}",
                fmt(job.history[-1].val_loss) if job.history else "",
                f"v{ref.version}" if ref else "",
                when(job.created_at),
            )
        )
    headers = ("ID", "MODEL", "ARCH", "STATUS", "EPOCH", "VAL_LOSS", "VERSION", "CREATED")
    typer.echo(table(headers, rows) if rows else "no jobs")


@app.command(rich_help_panel=CLIENT)
def models(
    name: Annotated[
        str | None, typer.Argument(help="Show this model's versions, aliases and metrics.")
    ] = None,
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
) -> None:
    """List models, or show one."""
    from seqcast_client.api.models import get_model, list_models

    client = Api(url, api_key)
    if name is None:
        found = client(list_models, limit=1000)
        rows = [
            (
                m.name,
                fmt(unset_to_none(m.latest_version)),
                len(m.versions),
                ", ".join(f"{a}=v{v}" for a, v in sorted(m.aliases.to_dict().items())),
                when(m.created_at),
            )
            for m in found
        ]
        headers = ("NAME", "LATEST", "VERSIONS", "ALIASES", "CREATED")
        typer.echo(table(headers, rows) if rows else "no models")
        return
    model = client(get_model, name)
    aliases = model.aliases.to_dict()
    serving = {k: v for k, v in model.serving.to_dict().items() if v is not None}
    typer.echo(f"model {model.name} (created {when(model.created_at)})")
    typer.echo(f"latest: v{unset_to_none(model.latest_version) or '-'}")
    typer.echo("aliases: " + (", ".join(f"{a}=v{v}" for a, v in sorted(aliases.items())) or "-"))
    typer.echo("serving: " + (", ".join(f"{k}={v}" for k, v in serving.items()) or "defaults"))
    by_version: dict[int, list[str]] = {}
    for alias, version in aliases.items():
        by_version.setdefault(version, []).append(alias)
    rows = []
    for v in model.versions:
        metrics = v.metrics.to_dict()
        mine, naive = metrics.get("model", {}), metrics.get("seasonal_naive", {})
        rows.append(
            (
                f"v{v.version}",
                v.architecture,
                fmt(mine.get("mae")),
                fmt(mine.get("rmse")),
                fmt(mine.get("mase")),
                fmt(naive.get("mase")),
                fmt(metrics.get("beats_seasonal_naive")),
                ", ".join(sorted(by_version.get(v.version, []))),
                when(v.created_at),
            )
        )
    headers = (
        "VERSION",
        "ARCH",
        "MAE",
        "RMSE",
        "MASE",
        "NAIVE_MASE",
        "BEATS_NAIVE",
        "ALIASES",
        "CREATED",
    )
    typer.echo(table(headers, rows) if rows else "no versions")


def read_window(
    path: Path,
    features: Sequence[str],
    last: int | None,
    series: str | None = None,
    series_column: str | None = None,
) -> list[list[float]]:
    """[length][n_features] from a CSV with a header row; columns picked by name, in the model's
    feature order (extra columns, e.g. timestamps, are ignored). A file in long format (a
    series-id column, found as the server finds it in uploads) gives the rows of `series`."""
    try:
        with path.open(newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {path}: {exc}")
    if not rows:
        fail(f"{path} is empty: expected a header row with the columns {', '.join(features)}")
    header = [h.strip() for h in rows[0]]
    missing = [f for f in features if f not in header]
    if missing:
        given = [h for h in header if h.lower() not in TIMESTAMP_COLUMNS]
        fail(
            f"{path} lacks column(s) {', '.join(missing)}: the model reads "
            f"{', '.join(features)}; the file has {', '.join(given) or 'none'}"
        )
    index = [header.index(f) for f in features]
    data = [(line, r) for line, r in enumerate(rows[1:], start=2) if any(c.strip() for c in r)]
    data = rows_of_series(path, header, data, series, series_column)
    if last is not None:
        data = data[-last:]
    if not data:
        fail(f"{path} has no rows under its header")
    window = []
    for line, row in data:
        values = []
        for i, feature in zip(index, features, strict=True):
            try:
                value = float(row[i])
            except (IndexError, ValueError):
                cell = row[i] if i < len(row) else ""
                fail(f"{path}: column {feature!r}, row {line}: {cell!r} is not a number")
            if not math.isfinite(value):
                fail(f"{path}: column {feature!r}, row {line}: {value} is not a finite number")
            values.append(value)
        window.append(values)
    return window


def rows_of_series(
    path: Path,
    header: list[str],
    data: list[tuple[int, list[str]]],
    series: str | None,
    series_column: str | None,
) -> list[tuple[int, list[str]]]:
    """The rows of one series: all of them when the file has no series-id column."""
    from app.datasets.columns import find_series_column, find_timestamp_column
    from app.errors import InvalidInput

    try:
        column = find_series_column(header, series_column, find_timestamp_column(header))
    except InvalidInput as exc:
        fail(f"{path}: {exc.message}")
    if column is None:
        return data
    ids = list(dict.fromkeys(row[column].strip() if column < len(row) else "" for _, row in data))
    shown = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
    if series is None:
        if len(ids) > 1:
            fail(
                f"{path} holds {len(ids)} series in column {header[column]!r} ({shown}): "
                "pick one with --series"
            )
        return data
    mine = [
        (line, row) for line, row in data if column < len(row) and row[column].strip() == series
    ]
    if not mine:
        fail(f"{path} has no rows of series {series!r} in column {header[column]!r} ({shown})")
    return mine


@app.command(rich_help_panel=CLIENT)
def predict(
    model: Annotated[str, typer.Argument(help="Model name.")],
    window: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="CSV of the latest observations: a header row naming the model's feature "
            "columns, then one row per step, oldest first.",
        ),
    ],
    version: VersionOption = None,
    alias: AliasOption = None,
    last: Annotated[
        int | None, typer.Option(min=1, help="Use only the file's last N rows.")
    ] = None,
    series: Annotated[
        str | None,
        typer.Option(
            help="The series the window belongs to (sent as series_id: the forecast is dated "
            "from its training data's end); in a long-format file, only its rows are read."
        ),
    ] = None,
    series_column: Annotated[
        str | None,
        typer.Option(
            help="The file's column of series ids [default: unique_id, series_id, series, "
            "item_id or id]"
        ),
    ] = None,
    last_timestamp: Annotated[
        str | None,
        typer.Option(help="The window's last timestamp (ISO 8601): date the forecast from it."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(dir_okay=False, help="Write the forecast CSV here.")
    ] = None,
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
) -> None:
    """Forecast the steps after a window; prints CSV: step, its timestamp when the forecast is
    dated, one column per target, then TARGET_qLEVEL per quantile when the version has them."""
    from seqcast_client.api.inference import predict as predict_op
    from seqcast_client.api.models import get_model, get_model_version
    from seqcast_client.models import PredictRequest
    from seqcast_client.types import UNSET

    version_or_alias(version, alias)
    client = Api(url, api_key)
    if version is None:
        found = client(get_model, model)
        aliases = found.aliases.to_dict()
        if alias is not None and alias not in aliases:
            fail(f"model {model!r} has no alias {alias!r} (aliases: {', '.join(aliases) or '-'})")
        version = aliases[alias] if alias is not None else unset_to_none(found.latest_version)
        if version is None:
            fail(f"model {model!r} has no versions yet")
    info = client(get_model_version, model, version)
    inputs = read_window(window, info.feature_columns, last, series, series_column)
    # The version resolved above, so the columns read are the ones this version expects.
    request = PredictRequest(
        model=model,
        version=version,
        inputs=[inputs],
        series_id=UNSET if series is None else series,
        last_timestamp=UNSET if last_timestamp is None else last_timestamp,
    )
    result = client(predict_op, body=request)
    quantiles, dated = unset_to_none(result.quantiles), unset_to_none(result.timestamps)
    lines = write_forecast(
        result.target_columns,
        result.predictions[0],
        timestamps=dated[0] if dated else None,
        levels=quantiles.levels if quantiles else (),
        quantiles=quantiles.values[0] if quantiles else None,
    )
    if out is None:
        typer.echo(lines, nl=False)
        return
    out.write_text(lines)
    typer.echo(
        f"{model} v{result.version}: {len(result.predictions[0])} steps of "
        f"{', '.join(result.target_columns)} written to {out}"
    )


def write_forecast(
    targets: Sequence[str],
    forecast: Sequence[Sequence[float]],
    timestamps: Sequence[str] | None = None,
    levels: Sequence[float] = (),
    quantiles: Sequence[Sequence[Sequence[float]]] | None = None,
) -> str:
    """One window's forecast as CSV; `quantiles` is [horizon][n_targets][n_levels]."""
    header = ["step", *(["timestamp"] if timestamps else []), *targets]
    header += [f"{target}_q{level:g}" for target in targets for level in levels]
    lines = [",".join(header)]
    for step, row in enumerate(forecast):
        cells = [str(step + 1), *([timestamps[step]] if timestamps else []), *map(repr, row)]
        if quantiles is not None:
            cells += [repr(v) for per_target in quantiles[step] for v in per_target]
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


@app.command(rich_help_panel=CLIENT)
def backtest(
    model: Annotated[str, typer.Argument(help="Model name.")],
    version: VersionOption = None,
    alias: AliasOption = None,
    folds: Annotated[int, typer.Option(min=1, help="Forecast origins per series.")] = 5,
    stride: Annotated[
        int | None, typer.Option(min=1, help="Rows between origins [default: the horizon]")
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for the result and print it fold by fold.")
    ] = False,
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
) -> None:
    """Queue a rolling-origin backtest of a version's ONNX artifact (no retraining): the last
    FOLDS origins of every series, scored against seasonal naive; with --wait, print the folds."""
    from rich.console import Console
    from seqcast_client.api.backtests import backtest as backtest_op
    from seqcast_client.api.backtests import get_backtest
    from seqcast_client.models import BacktestRequest

    version_or_alias(version, alias)
    client = Api(url, api_key)
    body = {"model": model, "version": version, "alias": alias, "folds": folds, "stride": stride}
    request = BacktestRequest.from_dict({k: v for k, v in body.items() if v is not None})
    found = client(backtest_op, body=request)
    typer.echo(
        f"backtest {found.id} {found.status}: {found.model} v{found.version}, {found.folds} "
        f"folds, stride {found.stride}"
    )
    if not wait:
        return
    with (
        interruptible(f"backtest {found.id}", f"GET /backtests/{found.id}"),
        Console(stderr=True).status(f"backtest {found.status}") as shown,
    ):
        while str(found.status) not in FINISHED:
            time.sleep(POLL_SECONDS)
            found = client(get_backtest, found.id)
            shown.update(f"backtest {found.status}")
    print_backtest(found.to_dict())


def fold_origin(fold: dict) -> str:
    """Where a fold's forecasts start: a timestamp (or row) if every series shares it, else the
    earliest and latest."""
    points = sorted(set((fold.get("origin_timestamps") or fold["origins"]).values()))
    return str(points[0]) if len(points) == 1 else f"{points[0]}..{points[-1]}"


def print_backtest(found: dict) -> None:
    """The per-fold table, an `all` row over every fold, and a verdict (exit 1 unless it
    succeeded)."""
    if found["status"] != "succeeded":
        fail(f"backtest {found['id']} {found['status']}: {found.get('error') or ''}")
    summary = found["metrics"]

    def scores(part: dict) -> list[str]:
        mine, naive = part["model"], part["seasonal_naive"]
        return [
            *(fmt(mine[k]) for k in ("mae", "rmse", "smape", "mase")),
            fmt(naive["mae"]),
            fmt(naive["mase"]),
            fmt(part["beats_seasonal_naive"]),
        ]

    rows = [
        [str(f["fold"]), fold_origin(f), fmt(f["held_out"]), *scores(f)]
        for f in found["fold_metrics"]
    ]
    rows.append(["all", "", "", *scores(summary)])
    headers = ("FOLD", "ORIGIN", "HELD_OUT", "MAE", "RMSE", "SMAPE", "MASE")
    headers += ("NAIVE_MAE", "NAIVE_MASE", "BEATS_NAIVE")
    typer.echo(table(headers, rows))
    verdict = "beats" if summary["beats_seasonal_naive"] else "does not beat"
    typer.echo(
        f"{found['model']} v{found['version']} {verdict} seasonal naive (season "
        f"{summary['season_length']}): MASE {fmt(summary['model']['mase'])} vs "
        f"{fmt(summary['seasonal_naive']['mase'])}, {summary['folds_won']} of "
        f"{found['folds']} folds won, {summary['series']} series"
    )


def main(argv: list[str] | None = None) -> None:
    app(args=argv, prog_name="seqcast")


if __name__ == "__main__":
    main()
