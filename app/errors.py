"""Domain errors: what went wrong, named by condition, with the HTTP status it maps to.

Services raise these; nothing here imports a web framework, so the worker can import them too.
They are rendered in one place per protocol (app.http.errors): seqcast's JSON and the Open
Inference Protocol's `{"error"}`. Input errors use the shape FastAPI uses for validation errors
(`detail: [{loc, msg, type}]`): one format for clients.
"""

from __future__ import annotations

import math
from typing import ClassVar


class SeqcastError(Exception):
    status_code = 500
    headers: ClassVar[dict[str, str] | None] = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict:
        return {"detail": self.message}


class BadRequest(SeqcastError):
    """A request that cannot be read at all (the Open Inference Protocol's 400)."""

    status_code = 400


class Unauthorized(SeqcastError):
    status_code = 401
    headers: ClassVar[dict[str, str] | None] = {"WWW-Authenticate": "Bearer"}


class Forbidden(SeqcastError):
    status_code = 403


class NotFound(SeqcastError):
    status_code = 404


class Conflict(SeqcastError):
    status_code = 409


class PayloadTooLarge(SeqcastError):
    status_code = 413
    headers: ClassVar[dict[str, str] | None] = {"Connection": "close"}


class UnsupportedMediaType(SeqcastError):
    status_code = 415


class TooManyRequests(SeqcastError):
    """Over a per-key quota (jobs, datasets, streams); Retry-After says when trying again may
    succeed."""

    status_code = 429

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(1, math.ceil(retry_after))
        self.headers = {"Retry-After": str(self.retry_after)}  # type: ignore[misc]

    def __reduce__(self) -> tuple:
        return (type(self), (self.message, self.retry_after))


class ServiceUnavailable(SeqcastError):
    status_code = 503
    headers: ClassVar[dict[str, str] | None] = {"Retry-After": "5"}


class InvalidInput(SeqcastError):
    """A request that parsed but cannot be served; `field` names the offending body field."""

    status_code = 422

    def __init__(self, field: str | tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc: tuple[str | int, ...] = ("body", *((field,) if isinstance(field, str) else field))

    def __reduce__(self) -> tuple:
        """Picklable with its location (a large body is decoded in another process)."""
        return (_invalid_input, (self.loc, self.message))

    def body(self) -> dict:
        field = ".".join(str(p) for p in self.loc[1:])
        msg = f"{field}: {self.message}" if field else self.message
        return {"detail": [{"loc": list(self.loc), "msg": msg, "type": "value_error"}]}


def _invalid_input(loc: tuple[str | int, ...], message: str) -> InvalidInput:
    error = InvalidInput((), message)
    error.loc = loc
    return error


def body_too_large(max_bytes: int, setting: str = "SEQCAST_MAX_BODY_BYTES") -> PayloadTooLarge:
    return PayloadTooLarge(f"request body larger than {max_bytes} bytes ({setting})")
