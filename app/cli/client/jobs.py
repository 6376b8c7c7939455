"""Training jobs: `seqcast jobs`, and following one job to its end (`train --wait`)."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from seqcast_client.api.jobs import get_job, list_jobs
from seqcast_client.api.models import get_model_version
from seqcast_client.models import JobRead, JobStatus, VersionRead

from app.cli.client.common import (
    DEFAULT_URL,
    POLL_SECONDS,
    Api,
    ApiKey,
    Url,
    fail,
    finished,
    fmt,
    table,
    when,
)


def jobs(
    status: Annotated[JobStatus | None, typer.Option(help="Only jobs in this state.")] = None,
    model: Annotated[str | None, typer.Option(help="Only this model's jobs.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many.")] = 20,
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
) -> None:
    """List training jobs, newest first."""
    found: list[JobRead] = Api(url, api_key)(
        list_jobs, status=status, model_name=model, limit=limit
    )
    rows = [
        (
            job.id,
            job.model_name,
            job.architecture,
            job.status,
            f"{job.progress.epoch}/{job.progress.epochs}",
            fmt(job.history[-1].val_loss) if job.history else "",
            f"v{job.model_version.version}" if job.model_version else "",
            when(job.created_at),
        )
        for job in found
    ]
    headers = ("ID", "MODEL", "ARCH", "STATUS", "EPOCH", "VAL_LOSS", "VERSION", "CREATED")
    typer.echo(table(headers, rows) if rows else "no jobs")


def follow(client: Api, job: JobRead) -> JobRead:
    """Poll the job until it ends, drawing epochs done and the latest validation loss."""
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
            if finished(job.status):
                return job
            time.sleep(POLL_SECONDS)
            job = client(get_job, job.id)


def report(client: Api, job: JobRead) -> None:
    """One summary line of a finished job (exit 1 unless it succeeded)."""
    if job.status != JobStatus.SUCCEEDED:
        reason = job.error or ("cancelled" if job.status == JobStatus.CANCELLED else "")
        fail(f"job {job.id} {job.status} after {job.progress.epoch} epochs: {reason}")
    ref = job.model_version
    line = f"job {job.id} succeeded after {job.progress.epoch} epochs"
    if job.history:
        line += f", val_loss {job.history[-1].val_loss:.4g}"
    if ref is not None:
        version: VersionRead = client(get_model_version, ref.model, ref.version)
        metrics = version.metrics.to_dict()
        model_mase = metrics.get("model", {}).get("mase")
        naive_mase = metrics.get("seasonal_naive", {}).get("mase")
        line += f": {ref.model} v{ref.version}"
        if model_mase is not None and naive_mase is not None:
            line += f" (MASE {fmt(model_mase)} vs seasonal naive {fmt(naive_mase)})"
    typer.echo(line)
    if job.candidates:
        typer.echo(candidates_table(job))


def candidates_table(job: JobRead) -> str:
    """An auto job's candidates: architecture, grid values, status, validation MASE, rank."""
    rows = []
    for c in job.candidates:
        metrics = c.metrics.to_dict() if c.metrics else {}
        rows.append(
            (
                c.id,
                c.architecture,
                " ".join(f"{k}={v}" for k, v in c.overrides.to_dict().items()),
                c.status,
                fmt(metrics["mase"]) if metrics.get("mase") is not None else "",
                f"{c.rank}{' *' if c.selected else ''}" if c.rank else "",
                (c.error or "")[:60],
            )
        )
    headers = ("CANDIDATE", "ARCH", "GRID", "STATUS", "VAL_MASE", "RANK", "ERROR")
    return table(headers, rows)
