"""`seqcast predict`: a forecast from a window read out of a local CSV, written back as CSV."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from seqcast_client.api.inference import predict as predict_op
from seqcast_client.api.models import get_model, get_model_version
from seqcast_client.models import ModelRead, PredictRequest, PredictResponse, VersionRead
from seqcast_client.types import UNSET

from app.cli.client.common import (
    DEFAULT_URL,
    AliasOption,
    Api,
    ApiKey,
    Url,
    VersionOption,
    fail,
    version_or_alias,
)
from app.datasets.columns import find_series_column, find_timestamp_column
from app.datasets.schemas import TIMESTAMP_COLUMNS
from app.errors import InvalidInput


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
    version_or_alias(version, alias)
    client = Api(url, api_key)
    if version is None:
        found: ModelRead = client(get_model, model)
        aliases = found.aliases.to_dict()
        if alias is not None and alias not in aliases:
            fail(f"model {model!r} has no alias {alias!r} (aliases: {', '.join(aliases) or '-'})")
        version = aliases[alias] if alias is not None else found.latest_version
        if version is None:
            fail(f"model {model!r} has no versions yet")
    info: VersionRead = client(get_model_version, model, version)
    inputs = read_window(window, info.feature_columns, last, series, series_column)
    # The version resolved above, so the columns read are the ones this version expects.
    request = PredictRequest(
        model=model,
        version=version,
        inputs=[inputs],
        series_id=UNSET if series is None else series,
        last_timestamp=UNSET if last_timestamp is None else last_timestamp,
    )
    result: PredictResponse = client(predict_op, body=request)
    quantiles, dated = result.quantiles, result.timestamps
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
