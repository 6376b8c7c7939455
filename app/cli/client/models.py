"""The registry: `seqcast models` lists models, or shows one's versions, aliases and metrics."""

from __future__ import annotations

from typing import Annotated

import typer
from seqcast_client.api.models import get_model, list_models
from seqcast_client.models import ModelRead

from app.cli.client.common import DEFAULT_URL, Api, ApiKey, Url, fmt, table, when


def models(
    name: Annotated[
        str | None, typer.Argument(help="Show this model's versions, aliases and metrics.")
    ] = None,
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
) -> None:
    """List models, or show one."""
    client = Api(url, api_key)
    if name is None:
        found: list[ModelRead] = client(list_models, limit=1000)
        rows = [
            (
                m.name,
                fmt(m.latest_version),
                len(m.versions),
                ", ".join(f"{a}=v{v}" for a, v in sorted(m.aliases.to_dict().items())),
                when(m.created_at),
            )
            for m in found
        ]
        headers = ("NAME", "LATEST", "VERSIONS", "ALIASES", "CREATED")
        typer.echo(table(headers, rows) if rows else "no models")
        return
    model: ModelRead = client(get_model, name)
    aliases = model.aliases.to_dict()
    serving = {k: v for k, v in model.serving.to_dict().items() if v is not None}
    typer.echo(f"model {model.name} (created {when(model.created_at)})")
    typer.echo(f"latest: v{model.latest_version or '-'}")
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
