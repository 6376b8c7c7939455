"""`seqcast backtest`: queue a rolling-origin backtest of a version; --wait prints its folds."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console
from seqcast_client.api.backtests import backtest as backtest_op
from seqcast_client.api.backtests import get_backtest
from seqcast_client.models import (
    BacktestRead,
    BacktestRequest,
    BacktestSummary,
    FoldRead,
    FoldReadOriginTimestampsType0,
    JobStatus,
)

from app.cli.client.common import (
    DEFAULT_URL,
    POLL_SECONDS,
    AliasOption,
    Api,
    ApiKey,
    Url,
    VersionOption,
    fail,
    finished,
    fmt,
    interruptible,
    table,
    version_or_alias,
)


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
    version_or_alias(version, alias)
    client = Api(url, api_key)
    body = {"model": model, "version": version, "alias": alias, "folds": folds, "stride": stride}
    request = BacktestRequest.from_dict({k: v for k, v in body.items() if v is not None})
    found: BacktestRead = client(backtest_op, body=request)
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
        while not finished(found.status):
            time.sleep(POLL_SECONDS)
            found = client(get_backtest, found.id)
            shown.update(f"backtest {found.status}")
    print_backtest(found)


def fold_origin(fold: FoldRead) -> str:
    """Where a fold's forecasts start: a timestamp (or row) if every series shares it, else the
    earliest and latest."""
    stamps = fold.origin_timestamps
    dated = isinstance(stamps, FoldReadOriginTimestampsType0) and stamps.additional_properties
    by_series = stamps.additional_properties if dated else fold.origins.additional_properties
    points = sorted(set(by_series.values()))
    return str(points[0]) if len(points) == 1 else f"{points[0]}..{points[-1]}"


def scores(part: FoldRead | BacktestSummary) -> list[str]:
    mine, naive = part.model, part.seasonal_naive
    return [
        *(fmt(m) for m in (mine.mae, mine.rmse, mine.smape, mine.mase)),
        fmt(naive.mae),
        fmt(naive.mase),
        fmt(part.beats_seasonal_naive),
    ]


def print_backtest(found: BacktestRead) -> None:
    """The per-fold table, an `all` row over every fold, and a verdict (exit 1 unless it
    succeeded)."""
    summary = found.metrics
    if found.status != JobStatus.SUCCEEDED or summary is None:
        fail(f"backtest {found.id} {found.status}: {found.error or ''}")
    rows = [[str(f.fold), fold_origin(f), fmt(f.held_out), *scores(f)] for f in found.fold_metrics]
    rows.append(["all", "", "", *scores(summary)])
    headers = ("FOLD", "ORIGIN", "HELD_OUT", "MAE", "RMSE", "SMAPE", "MASE")
    headers += ("NAIVE_MAE", "NAIVE_MASE", "BEATS_NAIVE")
    typer.echo(table(headers, rows))
    verdict = "beats" if summary.beats_seasonal_naive else "does not beat"
    typer.echo(
        f"{found.model} v{found.version} {verdict} seasonal naive (season "
        f"{summary.season_length}): MASE {fmt(summary.model.mase)} vs "
        f"{fmt(summary.seasonal_naive.mase)}, {summary.folds_won} of "
        f"{found.folds} folds won, {summary.series} series"
    )
