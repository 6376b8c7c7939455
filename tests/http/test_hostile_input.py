"""Hostile requests against a real API process (PostgreSQL, Redis, auth on), one test per probe
of issue 13 that reaches the HTTP layer: each asserts the answer, and that the API's resident
memory grew by less than 50 MB and the answer came in less than 1 s. These are ceilings on
work that must not happen (a parse, a decode, a buffered body), not speed targets: the refusals
take milliseconds, the work they refuse took seconds and hundreds of MB.

The dataset parsers' own probes (a Parquet footer, a CSV header, physical line numbers) are in
tests/datasets/test_dataset_limits.py; strings and booleans as numbers in
tests/api/test_requests.py; the OIP codec's shapes and version segments in
tests/api/test_oip_codec.py.
"""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import httpx
import orjson
import pytest

from app.config import Settings
from tests.support.memory import resident_bytes
from tests.support.private_services import free_port
from tests.support.stack import ROOT, settings_env

MB = 1 << 20
RSS_CEILING = 50 * MB
SECONDS_CEILING = 1.0


@dataclass
class Api:
    process: subprocess.Popen
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss(self) -> int:
        return resident_bytes(self.process.pid)


@pytest.fixture(scope="module")
def api(pg_settings: Settings) -> Iterator[Api]:
    """The API as `seqcast api` runs it: its own process, so its memory is its own."""
    port = free_port()
    log = (pg_settings.data_dir / f"hostile-api-{port}.log").open("wb")
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app"),
            *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
        ],
        env=settings_env(pg_settings),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    served = Api(process, port)
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, "the API exited"
        try:
            if httpx.get(f"{served.url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the API did not start"
        time.sleep(0.1)
    yield served
    process.terminate()
    process.wait(timeout=15)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float
    rss_growth: int

    def json(self) -> dict:
        return orjson.loads(self.body)

    def within_ceilings(self) -> None:
        assert self.seconds < SECONDS_CEILING, f"{self.seconds:.2f} s"
        assert self.rss_growth < RSS_CEILING, f"RSS +{self.rss_growth / MB:.0f} MB"


def send(
    api: Api,
    method: str,
    path: str,
    body: bytes | Iterable[bytes] = b"",
    headers: dict[str, str] | None = None,
) -> Answer:
    """One request over a raw socket. The body is sent by a thread while the answer is read,
    as a real client's would be: a server that answers before it reads the body (the point of
    these probes) must not be mistaken for one that hangs. An iterable body goes chunked."""
    head = {"host": f"127.0.0.1:{api.port}", **(headers or {})}
    chunked = not isinstance(body, bytes)
    if chunked:
        head["transfer-encoding"] = "chunked"
    else:
        head["content-length"] = str(len(body))
    request = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items())
    sock = socket.create_connection(("127.0.0.1", api.port), timeout=30)
    before = api.rss()
    started = time.perf_counter()
    sock.sendall(request.encode() + b"\r\n")

    def write() -> None:
        try:
            if chunked:
                for chunk in body:
                    sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sock.sendall(b"0\r\n\r\n")
            else:
                sock.sendall(body)  # type: ignore[arg-type]
        except OSError:
            pass  # the server answered and closed: what these probes expect

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    status, headers_out, payload = _read_response(sock)
    seconds = time.perf_counter() - started
    growth = api.rss() - before
    sock.close()
    writer.join(timeout=30)
    return Answer(status, headers_out, payload, seconds, growth)


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before an answer: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, headers, rest[:length]


def big_json(size: int) -> bytes:
    """A valid JSON object of about `size` bytes."""
    return b'{"data": [' + b"1.5," * (size // 4) + b"1.5]}"


NO_KEY_ROUTES = [
    ("POST", "/train"),
    ("POST", "/backtest"),
    ("POST", "/forecasts"),
    ("POST", "/streams"),
    ("PUT", "/models/demand/aliases/production"),
    ("PUT", "/models/demand/serving"),
    ("POST", "/datasets"),
]


@pytest.mark.parametrize(("method", "path"), NO_KEY_ROUTES)
def test_a_16_mb_body_without_a_key_is_401_before_it_is_read(api, method, path):
    answer = send(api, method, path, big_json(16 * MB), {"content-type": "application/json"})
    assert answer.status == 401, answer.body
    assert answer.headers["www-authenticate"] == "Bearer"
    answer.within_ceilings()


@pytest.mark.parametrize(("method", "path"), NO_KEY_ROUTES)
def test_malformed_json_without_a_key_is_401_not_422(api, method, path):
    answer = send(api, method, path, b'{"oops', {"content-type": "application/json"})
    assert answer.status == 401, answer.body


def test_a_key_without_the_scope_is_403_before_the_body(api, pg_settings):
    from app.auth.service import Scope
    from tests.support.keys import make_key

    reader = make_key(pg_settings, Scope.read, name="hostile-reader")
    answer = send(
        api,
        "POST",
        "/train",
        big_json(16 * MB),
        {"content-type": "application/json", "authorization": f"Bearer {reader}"},
    )
    assert answer.status == 403 and b"'train' scope" in answer.body
    answer.within_ceilings()


def test_a_chunked_70_mb_body_is_413_on_an_ordinary_route(api, admin_key):
    chunks = (b"1.5," * (MB // 4) for _ in range(70))
    answer = send(
        api,
        "POST",
        "/train",
        chunks,
        {"content-type": "application/json", "authorization": f"Bearer {admin_key}"},
    )
    assert answer.status == 413, answer.body
    assert b"SEQCAST_MAX_BODY_BYTES" in answer.body
    assert answer.rss_growth < RSS_CEILING + 64 * MB  # the cap itself is 64 MB of body


def test_bad_keys_leave_memory_flat(api):
    """Each unknown key costs one indexed query; what is remembered of them is bounded
    (tests/auth/test_auth.py checks the bound itself with 20,000 keys)."""
    before = api.rss()
    with httpx.Client(base_url=api.url, timeout=30) as client:
        for _ in range(1000):
            key = "sk_" + secrets.token_urlsafe(30)
            answer = client.get("/models", headers={"authorization": f"Bearer {key}"})
            assert answer.status_code == 401
    assert api.rss() - before < RSS_CEILING


def test_a_superscript_version_is_not_a_500(api, admin_key):
    auth = {"authorization": f"Bearer {admin_key}"}
    for path in ("/v2/models/demand/versions/²", "/models/demand/versions/²"):
        answer = httpx.get(api.url + path, headers=auth)
        assert answer.status_code in (400, 404, 422), (path, answer.text)


def test_an_oip_shape_of_65_dimensions_is_400(api, admin_key):
    body = {"inputs": [{"name": "input", "shape": [1] * 65, "datatype": "FP32", "data": [1.0]}]}
    answer = httpx.post(
        f"{api.url}/v2/models/demand/infer",
        json=body,
        headers={"authorization": f"Bearer {admin_key}"},
    )
    assert answer.status_code == 400, answer.text
    assert "error" in answer.json()


def test_readyz_names_the_dependency_not_the_driver_message(tmp_path):
    """A database that cannot be opened: the answer says which dependency and the error's
    type, never its text (which carries paths, hosts and user names)."""
    from fastapi.testclient import TestClient

    from app.main import create_app

    missing = tmp_path / "no-such-folder" / "secret-name.db"
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{missing}")
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"].startswith("unavailable (")
    assert "secret-name" not in ready.text and str(tmp_path) not in ready.text
