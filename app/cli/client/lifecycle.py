"""A model's life after its first training: `seqcast refresh` (warm start from an alias's
version), `seqcast schedule` (show, put or delete its refresh schedule), `seqcast history` (an
alias's changes with the promotion gate's scores) and `seqcast accuracy` (a version's live
accuracy). Thin over the SDK: the server checks everything and its message is printed."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from seqcast_client.api.jobs import get_job
from seqcast_client.api.models import get_model_alias_history, get_model_version_accuracy
from seqcast_client.api.schedules import (
    delete_model_schedule,
    get_model_schedule,
    set_model_schedule,
)
from seqcast_client.api.training import refresh_model
from seqcast_client.models import (
    AccuracyRead,
    AliasEventRead,
    JobRead,
    RefreshRequest,
    ScheduleRead,
    ScheduleUpdate,
)

from app.cli.client.common import (
    DEFAULT_URL,
    POLL_SECONDS,
    Api,
    ApiKey,
    Url,
    fail,
    finished,
    fmt,
    interruptible,
    table,
    when,
)

Model = Annotated[str, typer.Argument(help="Model name.")]
Alias = Annotated[str, typer.Option(help="The alias refreshed and gated.")]
Promote = Annotated[
    str | None,
    typer.Option(help="never | always | if_better (the alias moves only if it backtests better)."),
]


def refresh(
    model: Model,
    alias: Alias = "production",
    promote: Promote = None,
    epochs: Annotated[int | None, typer.Option(min=1, help="Epochs of the refresh.")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the job to end.")] = False,
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
) -> None:
    """Warm-start the version ALIAS points at on its dataset's newest revision (POST
    /models/{name}/refresh); with --promote, the new version may take the alias."""
    client = Api(url, api_key)
    body = {"alias": alias, "promote": promote, "epochs": epochs}
    request = RefreshRequest.from_dict({k: v for k, v in body.items() if v is not None})
    job: JobRead = client(refresh_model, model, body=request)
    typer.echo(f"job {job.id} {job.status}: refresh of {model} {alias} (promote {job.promote})")
    if not wait:
        return
    with interruptible(f"job {job.id}", f"GET /jobs/{job.id}"):
        while not finished(job.status):
            time.sleep(POLL_SECONDS)
            job = client(get_job, job.id)
    typer.echo(f"job {job.id} {job.status}" + (f": {job.error}" if job.error else ""))
    if str(job.status) != "succeeded":
        raise typer.Exit(1)


def schedule(
    model: Model,
    cron: Annotated[
        str | None, typer.Option(help='Five cron fields, e.g. "0 3 * * *" (UTC).')
    ] = None,
    interval_seconds: Annotated[
        int | None, typer.Option(min=1, help="Instead of --cron: every N seconds.")
    ] = None,
    promote: Promote = None,
    alias: Alias = "production",
    delete: Annotated[bool, typer.Option("--delete", help="Remove the schedule.")] = False,
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
) -> None:
    """Show MODEL's refresh schedule; with --cron or --interval-seconds, put it; --delete."""
    client = Api(url, api_key)
    if delete:
        if cron is not None or interval_seconds is not None:
            fail("--delete takes no --cron or --interval-seconds", 2)
        client(delete_model_schedule, model)
        typer.echo(f"schedule of {model} deleted")
        return
    if cron is None and interval_seconds is None:
        if promote is not None:
            fail("--promote needs --cron or --interval-seconds (the schedule is put whole)", 2)
        print_schedule(client(get_model_schedule, model))
        return
    body = {"cron": cron, "interval_seconds": interval_seconds, "alias": alias}
    if promote is not None:
        body["promote"] = promote
    update = ScheduleUpdate.from_dict({k: v for k, v in body.items() if v is not None})
    print_schedule(client(set_model_schedule, model, body=update))


def print_schedule(found: ScheduleRead) -> None:
    timing = f"cron {found.cron}" if found.cron else f"every {found.interval_seconds} s"
    typer.echo(
        f"schedule of {found.model}: {timing}, refresh {found.alias}, promote {found.promote}"
    )
    typer.echo(f"next run: {when(found.next_run_at)} UTC; runs so far: {found.runs}")
    if found.last_outcome:
        typer.echo(f"last fire ({when(found.last_fired_at)}): {found.last_outcome}")


def history(
    model: Model,
    alias: Alias = "production",
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
) -> None:
    """ALIAS's changes, newest first: who moved it, and the gate's scores when it decided."""
    events: list[AliasEventRead] = Api(url, api_key)(
        get_model_alias_history, model, alias, limit=limit
    )
    rows = [
        (
            when(e.created_at),
            e.decision,
            "" if e.version is None else f"v{e.version}",
            "" if e.previous_version is None else f"v{e.previous_version}",
            e.reason,
            fmt(e.challenger_score),
            fmt(e.champion_score),
        )
        for e in events
    ]
    headers = ("WHEN", "DECISION", "NOW", "BEFORE", "REASON", "CHALLENGER", "CHAMPION")
    typer.echo(table(headers, rows) if rows else f"no changes of {model} {alias}")


def accuracy(
    model: Model,
    version: Annotated[int, typer.Argument(min=1, help="Version number.")],
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
) -> None:
    """VERSION's live accuracy: its recorded forecasts scored against the rows appended since,
    overall and by horizon step, beside seasonal naive made at the same origins."""
    found: AccuracyRead = Api(url, api_key)(get_model_version_accuracy, model, version)
    overall = found.overall
    typer.echo(
        f"{model} v{version}: {overall.points} of {found.records} recorded points scored; "
        f"MASE {fmt(overall.mase)}, naive {fmt(overall.naive_mase)}, "
        f"ratio {fmt(overall.mase_ratio)}"
    )
    rows = [
        (s.step, s.points, fmt(s.mae), fmt(s.naive_mae), fmt(s.mase_ratio)) for s in found.steps
    ]
    if rows:
        typer.echo(table(("STEP", "POINTS", "MAE", "NAIVE_MAE", "RATIO"), rows))
