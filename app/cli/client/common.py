"""What every client command shares: the `--url` / `--api-key` options, the SDK client with one way
of failing, and plain-text output.

Exit codes: 0 done; 1 the server refused (its message is printed), a job failed, or a local file is
wrong; 2 the server cannot be reached, or the command line is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from types import ModuleType
from typing import Annotated, Any, NoReturn

import httpx
import typer
from seqcast_client import AuthenticatedClient, Client

DEFAULT_URL = "http://127.0.0.1:8000"
POLL_SECONDS = 0.5

Url = Annotated[
    str, typer.Option("--url", envvar="SEQCAST_URL", help="The seqcast API.", show_default=True)
]
ApiKey = Annotated[
    str | None,
    typer.Option("--api-key", envvar="SEQCAST_API_KEY", help="API key, sent as a Bearer token."),
]
VersionOption = Annotated[int | None, typer.Option(min=1, help="A version number.")]
AliasOption = Annotated[str | None, typer.Option(help="An alias [default: the latest]")]


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
        self.url = url.rstrip("/")
        timeout = httpx.Timeout(60.0, connect=10.0)
        # Without a key a plain Client sends no Authorization header (a local server needs none).
        self.client: Client | AuthenticatedClient = (
            AuthenticatedClient(base_url=self.url, token=api_key, timeout=timeout)
            if api_key
            else Client(base_url=self.url, timeout=timeout)
        )

    def __call__(self, operation: ModuleType, *args: Any, **kwargs: Any) -> Any:
        """`operation` is a generated module (e.g. seqcast_client.api.jobs.get_job)."""
        try:
            response = operation.sync_detailed(*args, client=self.client, **kwargs)
        except httpx.TransportError as exc:
            fail(f"cannot reach seqcast at {self.url}: {exc or type(exc).__name__}", 2)
        if not 200 <= response.status_code < 300:
            fail(server_message(response.status_code, response.content))
        return response.parsed


def finished(status: object) -> bool:
    """Whether a job or backtest has ended: the domain's own answer (JobStatus.terminal), so the
    client never keeps a second list of states. SQLAlchemy comes with it, so only waiting pays."""
    from app.training.models import JobStatus

    return JobStatus(str(status)).terminal


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


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""
