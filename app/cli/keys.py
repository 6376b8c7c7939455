"""`seqcast keys …`: API key management, run on a host that can reach the database (keys are
never created over HTTP, so a stolen key cannot mint more)."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from app.auth import service
from app.auth.service import Scope
from app.config import get_settings
from app.db import make_engine, make_sessionmaker
from app.errors import NotFound

keys_app = typer.Typer(
    help="Create, list and revoke API keys (stored hashed).", no_args_is_help=True
)


def _sessions() -> sessionmaker[Session]:
    return make_sessionmaker(make_engine(get_settings().database_url))


@keys_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Who or what the key is for.")],
    scope: Annotated[
        list[Scope],
        typer.Option("--scope", "-s", help="read, predict, train or admin (repeatable)."),
    ],
) -> None:
    """Create a key and print it once: only its hash is stored."""
    with _sessions()() as session:
        row, key = service.create(session, name=name, scopes=scope)
        session.commit()
        typer.echo(f"created key {row.id} ({name}; scopes: {', '.join(row.scopes)})", err=True)
        typer.echo(key)


@keys_app.command("list")
def list_keys() -> None:
    """Keys with their id, prefix, scopes and state (never the key itself)."""
    with _sessions()() as session:
        for row in service.get_all(session):
            state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
            typer.echo(f"{row.id}\t{row.prefix}…\t{row.name}\t{','.join(row.scopes)}\t{state}")


@keys_app.command("revoke")
def revoke(key_id: Annotated[int, typer.Argument(help="The id shown by `keys list`.")]) -> None:
    """Revoke a key; API processes stop accepting it within SEQCAST_AUTH_CACHE_SECONDS."""
    with _sessions()() as session:
        try:
            row = service.revoke(session, key_id)
        except NotFound as exc:
            typer.echo(exc.message, err=True)
            raise typer.Exit(1) from None
        session.commit()
        typer.echo(f"revoked key {row.id} ({row.name})")
