"""The HTTP edge (app.http.edge.Edge) around a trivial ASGI app, with test routes whose `serve`
echoes what `decode` made of the body: auth before the body is read, the body cap (declared and
counted), large bodies decoded in a thread while the event loop keeps answering, and errors
rendered by the route's protocol renderer, unknown ones left to propagate."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.api.oip.codec import OIPError
from app.auth import service as keys
from app.auth.service import KeyChecker
from app.auth.service import Scope as KeyScope
from app.errors import InvalidInput
from app.http.edge import JSON, Edge, HotRoute
from app.http.errors import render_oip, render_seqcast
from app.serving.batcher import QueueFull
from tests.support.registry_db import migrated_database

MAX_BYTES = 1000
OFFLOAD_BYTES = 100
PLANE = object()
INNER_STATUS = 299


@dataclass
class Echo:
    """What the test routes saw: decode's threads and calls, and an error to raise."""

    decode_threads: list[int] = field(default_factory=list)
    decoded: list[tuple[bytes, dict[str, str], Any]] = field(default_factory=list)
    decode_error: BaseException | None = None
    serve_error: BaseException | None = None
    slow_decode: float = 0.0
    decoding: threading.Event = field(default_factory=threading.Event)

    def decode(self, body: bytes, params: dict[str, str], headers: dict) -> dict:
        self.decode_threads.append(threading.get_ident())
        self.decoded.append((body, dict(params), headers.get("x-probe")))
        self.decoding.set()
        if self.slow_decode and len(body) > OFFLOAD_BYTES:
            time.sleep(self.slow_decode)  # a slow parse of a large body, in its thread
        if self.decode_error is not None:
            raise self.decode_error
        return {"size": len(body), "params": dict(params)}

    async def serve(
        self, plane: Any, call: dict, _caller: Any
    ) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        assert plane is PLANE
        if self.serve_error is not None:
            raise self.serve_error
        return orjson.dumps({"echo": call}), JSON


async def inner_app(scope: dict, receive: Any, send: Any) -> None:
    """Everything the edge does not answer lands here."""
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": INNER_STATUS, "headers": []})
    await send({"type": "http.response.body", "body": b"inner"})


def routes(echo: Echo) -> list[HotRoute]:
    return [
        HotRoute(
            "POST",
            re.compile(r"/echo/(?P<name>[^/]+)"),
            "/echo/{name}",
            KeyScope.predict,
            echo.decode,
            echo.serve,
            render_seqcast,
        ),
        HotRoute(
            "POST",
            re.compile(r"/v2/echo/(?P<name>[^/]+)"),
            "/v2/echo/{name}",
            KeyScope.predict,
            echo.decode,
            echo.serve,
            render_oip,
        ),
    ]


def make_edge(echo: Echo, checker: KeyChecker | None = None) -> Edge:
    return Edge(
        inner_app,
        routes=routes(echo),
        plane=PLANE,
        keys=checker or KeyChecker(None, 60, enabled=False),  # type: ignore[arg-type]
        max_bytes=MAX_BYTES,
        offload_bytes=OFFLOAD_BYTES,
    )


class Receive:
    """An ASGI receive that hands out `chunks` and counts how often it was called."""

    def __init__(self, chunks: list[bytes], *, disconnect: bool = False) -> None:
        self.chunks = list(chunks)
        self.disconnect = disconnect
        self.calls = 0

    async def __call__(self) -> dict:
        self.calls += 1
        if self.disconnect:
            return {"type": "http.disconnect"}
        body = self.chunks.pop(0) if self.chunks else b""
        return {"type": "http.request", "body": body, "more_body": bool(self.chunks)}


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


async def call(
    edge: Edge,
    path: str,
    chunks: list[bytes],
    *,
    headers: dict[str, str] | None = None,
    method: str = "POST",
    receive: Receive | None = None,
) -> tuple[Answer | None, Receive]:
    receive = receive or Receive(chunks)
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }
    await edge(scope, receive, send)
    if not sent:
        return None, receive
    start, body = sent
    assert start["type"] == "http.response.start" and body["type"] == "http.response.body"
    answer = Answer(
        start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body["body"]
    )
    if answer.status != INNER_STATUS:  # the edge's own answers carry their length
        assert answer.headers["content-length"] == str(len(answer.body))
    return answer, receive


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.fixture
def echo() -> Echo:
    return Echo()


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    """One migrated SQLite database for the module's keys (each test makes its own)."""
    engine, sessions = migrated_database(tmp_path_factory.mktemp("edge-keys"))
    yield sessions
    engine.dispose()


def new_key(sessions: sessionmaker[Session], *scopes: KeyScope) -> str:
    with sessions() as session:
        _, key = keys.create(session, name="edge-tests", scopes=list(scopes))
        session.commit()
    return key


def test_a_hot_route_decodes_once_and_serves_with_the_path_parameters(echo):
    edge = make_edge(echo)
    answer, receive = run(call(edge, "/echo/demand", [b'{"a":', b"1}"], headers={"X-Probe": "p"}))
    assert answer is not None and answer.status == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {"echo": {"size": 7, "params": {"name": "demand"}}}
    assert receive.calls == 2  # both chunks read
    ((body, params, probe),) = echo.decoded
    assert body == b'{"a":1}' and params == {"name": "demand"}
    assert probe == "p"  # headers reach decode by lower-case name


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/echo/demand"), ("POST", "/echo/demand/more"), ("POST", "/other")],
)
def test_other_requests_pass_through_to_the_app(echo, method, path):
    answer, _ = run(call(make_edge(echo), path, [b"{}"], method=method))
    assert answer == Answer(INNER_STATUS, {}, b"inner")
    assert echo.decoded == []


def test_a_lifespan_scope_passes_through(echo):
    seen: list[str] = []

    async def app(scope: dict, receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    edge = Edge(
        app,
        routes=routes(echo),
        plane=PLANE,
        keys=KeyChecker(None, 60, enabled=False),  # type: ignore[arg-type]
        max_bytes=MAX_BYTES,
        offload_bytes=OFFLOAD_BYTES,
    )
    run(edge({"type": "lifespan"}, Receive([]), None))
    assert seen == ["lifespan"]


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        (None, 401),
        ("Bearer", 401),
        ("Basic dXNlcjpwYXNz", 401),
        ("Bearer sk_not_a_real_key", 401),
        ("read-only", 403),
    ],
)
def test_auth_is_checked_before_the_body_is_read(echo, registry, authorization, status):
    checker = KeyChecker(registry, 60, enabled=True)
    if authorization == "read-only":
        authorization = f"Bearer {new_key(registry, KeyScope.read)}"
    headers = {} if authorization is None else {"Authorization": authorization}
    headers["Content-Length"] = str(10 * MAX_BYTES)  # too large as well: auth answers first

    answer, receive = run(call(make_edge(echo, checker), "/echo/demand", [b"{}"], headers=headers))

    assert answer is not None and answer.status == status
    assert receive.calls == 0  # not a byte of the body was read
    assert echo.decoded == []
    if status == 401:
        assert answer.headers["www-authenticate"] == "Bearer"
    assert "detail" in answer.json()


def test_a_valid_key_is_served_and_remembered(echo, registry):
    checker = KeyChecker(registry, 60, enabled=True)
    key = new_key(registry, KeyScope.predict)
    edge = make_edge(echo, checker)
    headers = {"Authorization": f"Bearer {key}"}
    answer, receive = run(call(edge, "/echo/demand", [b"{}"], headers=headers))
    assert answer is not None and answer.status == 200 and receive.calls == 1
    hit, grant = checker.cached(key)
    assert hit and grant is not None and grant.scopes == frozenset({"predict"})
    admin = new_key(registry, KeyScope.admin)  # admin implies predict
    answer, _ = run(
        call(edge, "/echo/demand", [b"{}"], headers={"Authorization": f"Bearer {admin}"})
    )
    assert answer is not None and answer.status == 200


def test_a_declared_content_length_over_the_cap_is_413_without_reading(echo):
    headers = {"Content-Length": str(MAX_BYTES + 1)}
    answer, receive = run(call(make_edge(echo), "/echo/demand", [b"x"], headers=headers))
    assert answer is not None and answer.status == 413
    assert answer.headers["connection"] == "close"
    assert f"larger than {MAX_BYTES} bytes" in answer.json()["detail"]
    assert receive.calls == 0 and echo.decoded == []


def test_a_chunked_body_over_the_cap_is_413_as_soon_as_it_crosses(echo):
    chunks = [b"x" * 400] * 10  # no Content-Length: counted while it streams
    answer, receive = run(call(make_edge(echo), "/echo/demand", chunks))
    assert answer is not None and answer.status == 413
    assert receive.calls == 3  # 1,200 bytes: refused at the third chunk, the rest never read
    assert echo.decoded == []


def test_a_body_longer_than_its_declared_length_is_still_capped(echo):
    headers = {"Content-Length": "10"}
    answer, _ = run(call(make_edge(echo), "/echo/demand", [b"x" * 600] * 2, headers=headers))
    assert answer is not None and answer.status == 413


def test_a_body_at_the_cap_is_served(echo):
    answer, _ = run(call(make_edge(echo), "/echo/demand", [b"x" * 500] * 2))
    assert answer is not None and answer.status == 200
    assert answer.json()["echo"]["size"] == MAX_BYTES


def test_the_413_of_an_oip_route_is_in_its_shape(echo):
    headers = {"Content-Length": str(MAX_BYTES + 1)}
    answer, _ = run(call(make_edge(echo), "/v2/echo/demand", [b"x"], headers=headers))
    assert answer is not None and answer.status == 413
    assert set(answer.json()) == {"error"}


def test_a_client_gone_before_its_body_gets_no_answer(echo):
    receive = Receive([], disconnect=True)
    answer, _ = run(call(make_edge(echo), "/echo/demand", [], receive=receive))
    assert answer is None and echo.decoded == []


def test_small_bodies_are_decoded_inline_and_large_ones_in_a_thread(echo):
    edge = make_edge(echo)

    async def main() -> int:
        await call(edge, "/echo/a", [b"x" * OFFLOAD_BYTES])  # at the threshold: inline
        await call(edge, "/echo/b", [b"x" * (OFFLOAD_BYTES + 1)])
        return threading.get_ident()

    loop_thread = run(main())
    inline, offloaded = echo.decode_threads
    assert inline == loop_thread
    assert offloaded != loop_thread


def test_a_small_request_is_answered_while_a_large_body_is_decoded(echo):
    echo.slow_decode = 0.5
    edge = make_edge(echo)

    async def main() -> tuple[float, bool, httpx.Response]:
        transport = httpx.ASGITransport(app=edge)
        async with httpx.AsyncClient(transport=transport, base_url="http://edge") as client:
            large = asyncio.ensure_future(client.post("/echo/large", content=b"x" * 500))
            deadline = time.monotonic() + 5
            while not echo.decoding.is_set():  # the slow decode has begun in its thread
                assert time.monotonic() < deadline
                await asyncio.sleep(0.005)
            started = time.monotonic()
            small = await client.post("/echo/small", content=b"{}")
            elapsed = time.monotonic() - started
            assert small.status_code == 200
            assert small.json()["echo"]["params"] == {"name": "small"}
            large_done_first = large.done()
            return elapsed, large_done_first, await large

    elapsed, large_done_first, large = run(main())
    assert not large_done_first  # the large body's decode was still sleeping
    assert elapsed < 0.25, f"the small request waited {elapsed:.3f} s behind the decode"
    assert large.status_code == 200 and large.json()["echo"]["size"] == 500


def test_input_errors_render_in_seqcasts_shape(echo):
    echo.decode_error = InvalidInput(("inputs", 0), "not a number")
    answer, _ = run(call(make_edge(echo), "/echo/demand", [b"{}"]))
    assert answer is not None and answer.status == 422
    assert answer.json() == {
        "detail": [
            {"loc": ["body", "inputs", 0], "msg": "inputs.0: not a number", "type": "value_error"}
        ]
    }


def test_input_errors_render_in_the_oip_shape_as_400(echo):
    echo.decode_error = InvalidInput(("inputs", 0), "not a number")
    answer, _ = run(call(make_edge(echo), "/v2/echo/demand", [b"{}"]))
    assert answer is not None and answer.status == 400
    assert answer.json() == {"error": "inputs.0: not a number"}
    echo.decode_error = OIPError("shape is wrong")
    answer, _ = run(call(make_edge(echo), "/v2/echo/demand", [b"{}"]))
    assert answer is not None and (answer.status, answer.json()) == (
        400,
        {"error": "shape is wrong"},
    )


def test_errors_of_a_large_body_decoded_in_a_thread_render_too(echo):
    echo.decode_error = InvalidInput("inputs", "bad")
    answer, _ = run(call(make_edge(echo), "/echo/demand", [b"x" * (OFFLOAD_BYTES + 1)]))
    assert answer is not None and answer.status == 422


@pytest.mark.parametrize("path", ["/echo/demand", "/v2/echo/demand"])
def test_a_full_queue_is_503_with_retry_after(echo, path):
    echo.serve_error = QueueFull("model demand has 2048 rows queued")
    answer, _ = run(call(make_edge(echo), path, [b"{}"]))
    assert answer is not None and answer.status == 503
    assert answer.headers["retry-after"] == "5"
    message = answer.json()["detail" if path == "/echo/demand" else "error"]
    assert message == "model demand has 2048 rows queued"


def test_a_lost_database_is_503_not_500(echo):
    echo.serve_error = OperationalError("SELECT 1", {}, Exception("connection refused"))
    answer, _ = run(call(make_edge(echo), "/echo/demand", [b"{}"]))
    assert answer is not None and answer.status == 503
    assert answer.json() == {"detail": "the database is unavailable; retry"}


@pytest.mark.parametrize("where", ["decode", "decode-in-thread", "serve"])
def test_an_unknown_exception_propagates_unanswered(echo, where):
    bug = ZeroDivisionError("a bug")
    if where == "serve":
        echo.serve_error = bug
    else:
        echo.decode_error = bug
    body = b"x" * (OFFLOAD_BYTES + 1) if where == "decode-in-thread" else b"{}"
    with pytest.raises(ZeroDivisionError, match="a bug"):
        run(call(make_edge(echo), "/echo/demand", [body]))
