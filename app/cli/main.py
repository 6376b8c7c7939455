"""The `seqcast` console script: which command lives where, and nothing else.

Server commands (app.cli.server) are built at start. The client commands (app.cli.client, on the
generated SDK) and `keys` (on the database) are imported only when one of them runs or `--help`
lists them: `seqcast api` starts where the SDK is not installed (the API image has none) and never
loads code it does not run. The client talks to `--url` (env SEQCAST_URL, default
http://127.0.0.1:8000) and sends `--api-key` (env SEQCAST_API_KEY) when the server requires keys.
"""

from collections.abc import Callable
from importlib import import_module
from typing import Any

import typer
from typer.core import TyperGroup

from app.cli import server

SERVER, CLIENT, ADMIN = "Server", "Client", "Admin"
MARKUP = "markdown"
"""Markdown, not Rich markup: Rich would swallow the "[default: ...]" of our help texts."""

LAZY: dict[str, tuple[str, str]] = {
    "train": ("app.cli.client.training:train", CLIENT),
    "jobs": ("app.cli.client.jobs:jobs", CLIENT),
    "models": ("app.cli.client.models:models", CLIENT),
    "predict": ("app.cli.client.predict:predict", CLIENT),
    "backtest": ("app.cli.client.backtests:backtest", CLIENT),
    "datasets": ("app.cli.client.datasets:datasets", CLIENT),
    "refresh": ("app.cli.client.lifecycle:refresh", CLIENT),
    "schedule": ("app.cli.client.lifecycle:schedule", CLIENT),
    "history": ("app.cli.client.lifecycle:history", CLIENT),
    "accuracy": ("app.cli.client.lifecycle:accuracy", CLIENT),
    "keys": ("app.cli.keys:keys_app", ADMIN),
}
"""Command name -> ("module:attribute", help panel); a function is a command, a Typer a group."""


class Commands(TyperGroup):
    """Typer's group plus the LAZY commands, each built from its module when first asked for."""

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return [*(name for name in self.commands if name not in LAZY), *LAZY]

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:
        if cmd_name in LAZY and cmd_name not in self.commands:
            self.commands[cmd_name] = load(cmd_name)
        return super().get_command(ctx, cmd_name)


def load(name: str) -> Any:
    """The click command of LAZY[name]; without the SDK, one that says how to install it."""
    target, panel = LAZY[name]
    module, attribute = target.split(":")
    holder = typer.Typer(rich_markup_mode=MARKUP)
    try:
        found = getattr(import_module(module), attribute)
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("seqcast_client"):
            raise
        holder.command(
            name,
            rich_help_panel=panel,
            help="Needs the seqcast client SDK: pip install -e sdk",
            context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        )(sdk_missing(exc))
    else:
        if isinstance(found, typer.Typer):
            holder.add_typer(found, name=name, rich_help_panel=panel)
        else:
            holder.command(name, rich_help_panel=panel)(found)
    return typer.main.get_group(holder).commands[name]


def sdk_missing(exc: ModuleNotFoundError) -> Callable[[], None]:
    def run() -> None:
        message = f"the seqcast client SDK is not installed ({exc}): pip install -e sdk"
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(2)

    return run


app = typer.Typer(
    cls=Commands,
    name="seqcast",
    help="Train RNN/LSTM/GRU/Transformer forecasters behind a REST API; serve them from "
    "onnxruntime.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=MARKUP,
)
for command in (server.serve, server.api, server.worker, server.beat, server.migrate):
    app.command(rich_help_panel=SERVER)(command)


def main(argv: list[str] | None = None) -> None:
    app(args=argv, prog_name="seqcast")


if __name__ == "__main__":
    main()
