"""Request bodies under a cap, enforced before a byte is buffered past it: by Content-Length
when the client sends one, by counting while a chunked body streams otherwise. The hot routes
read their bodies with `read_body`; every other route is wrapped by `BodySizeLimit`."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import body_too_large
from app.http.errors import render_seqcast


def header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return ""


def declared_too_large(scope: Scope, max_bytes: int) -> bool:
    length = header(scope, b"content-length")
    return length.isascii() and length.isdigit() and int(length) > max_bytes


async def read_body(scope: Scope, receive: Receive, max_bytes: int, setting: str) -> bytes:
    """The whole body, or PayloadTooLarge as soon as it is known to exceed `max_bytes`."""
    if declared_too_large(scope, max_bytes):
        raise body_too_large(max_bytes, setting)
    chunks: list[bytes] = []
    size = 0
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            raise body_too_large(max_bytes, setting)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class ClientGone(Exception):
    """The client disconnected before its body arrived: nobody is left to answer."""


class _Exceeded(Exception):
    pass


class BodySizeLimit:
    """The body cap for every route the HTTP edge passes through. A chunked body that crosses
    the cap stops the app's reading with an exception; whatever the app answers then (FastAPI
    turns any error while it parses a body into a 400) is replaced by the 413."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if declared_too_large(scope, self.max_bytes):
            await self._refuse(send)
            return
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _Exceeded
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                if not started:
                    started = True
                    await self._refuse(send)
                return  # the app's own answer to a body it could not finish reading
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _Exceeded:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        rendered = render_seqcast(body_too_large(self.max_bytes))
        assert rendered is not None
        status, body, headers = rendered
        headers = [*headers, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
