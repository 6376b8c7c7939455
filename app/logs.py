"""Log lines that carry the request and the job they belong to.

`SEQCAST_LOG_FORMAT=json` writes one JSON object per line: `time` (UTC, ISO 8601), `level`,
`logger`, `message`, `pid`, plus `request_id` and `job_id` when known, `exception` with the
traceback. `text` keeps the usual one-line format and appends `[request_id=… job_id=…]`.

The ids come from context variables: the API's middleware (app.metrics.RequestTelemetry) sets
`request_id` for each request, the worker sets `job_id` while it runs a job (`job_context`). A
record may also bring its own (`log.warning(..., extra={"job_id": id})`).

Formatting is applied to the handlers the process already has (the root logger's, set up by
the CLI or by Celery, and uvicorn's): nothing here adds a handler, so a test runner's capture
handlers are left alone. Headers are never logged, so API keys never reach a log.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

request_id: ContextVar[str | None] = ContextVar("seqcast_request_id", default=None)
job_id: ContextVar[str | None] = ContextVar("seqcast_job_id", default=None)

SERVER_LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access")
"""Loggers whose handlers the API formats: the root (the CLI's) and uvicorn's own."""


def _ids(record: logging.LogRecord) -> tuple[str | None, str | None]:
    return (
        getattr(record, "request_id", None) or request_id.get(),
        getattr(record, "job_id", None) or job_id.get(),
    )


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        rid, jid = _ids(record)
        if rid:
            entry["request_id"] = rid
        if jid:
            entry["job_id"] = jid
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The handler's own text format, with the ids appended to the first line."""

    def __init__(self, inner: logging.Formatter | None = None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = self.inner.format(record)
        rid, jid = _ids(record)
        if not (rid or jid):
            return text
        tags = " ".join(f"{k}={v}" for k, v in (("request_id", rid), ("job_id", jid)) if v)
        first, newline, rest = text.partition("\n")
        return f"{first} [{tags}]{newline}{rest}"


def _is_plain(handler: logging.Handler) -> bool:
    """A standard-library handler (StreamHandler, FileHandler, …): not a test runner's."""
    return type(handler).__module__ in ("logging", "logging.handlers")


def format_handler(handler: logging.Handler, log_format: str) -> None:
    """Give one plain handler the seqcast formatter; idempotent, and a later call with the other
    format starts again from the handler's original formatter."""
    if not _is_plain(handler):
        return
    wanted = JsonFormatter if log_format == "json" else TextFormatter
    if isinstance(handler.formatter, wanted):
        return
    original = getattr(handler, "_seqcast_original", handler.formatter)
    handler._seqcast_original = original  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter(original))


def apply_format(log_format: str, loggers: tuple[str, ...] = SERVER_LOGGERS) -> None:
    """Format the handlers of `loggers` (the API: root and uvicorn's); never adds one."""
    for name in loggers:
        for handler in logging.getLogger(name).handlers:
            format_handler(handler, log_format)


def format_logger(logger: logging.Logger, log_format: str) -> None:
    """Format the handlers of one logger (the worker: Celery's root and task loggers)."""
    for handler in logger.handlers:
        format_handler(handler, log_format)


@contextmanager
def job_context(id_: str) -> Iterator[None]:
    """Every log line in the block carries `job_id`."""
    token = job_id.set(id_)
    try:
        yield
    finally:
        job_id.reset(token)
