"""Private PostgreSQL and Redis servers, started from the installed binaries.

Two users: the outage tests, which stop and start servers of their own so that the shared servers
of the rest of the suite are never touched; and the suite itself, which starts one private pair for
the session when the configured servers are not running (`make test` on a fresh clone)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import redis

# Debian and Ubuntu keep PostgreSQL's server binaries off PATH, one folder per major version.
POSTGRES_BIN_GLOBS = ("/usr/lib/postgresql/*/bin",)


class CannotStartServer(RuntimeError):
    """A server the tests need is not running, and cannot be started here (a binary or the
    `postgres` user is missing, or the server failed to start)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _version(bin_dir: str) -> tuple[int, ...]:
    name = Path(bin_dir).parent.name
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def postgres_bin(globs: Sequence[str] = POSTGRES_BIN_GLOBS, path: str | None = None) -> Path:
    """The folder of `initdb` and `pg_ctl`: the newest of Debian's versioned folders, else PATH
    (`path` as for shutil.which: None means $PATH)."""
    folders = sorted((d for pattern in globs for d in glob.glob(pattern)), key=_version)
    for folder in reversed(folders):
        if all(os.access(Path(folder) / tool, os.X_OK) for tool in ("initdb", "pg_ctl")):
            return Path(folder)
    initdb = shutil.which("initdb", path=path)
    if initdb and shutil.which("pg_ctl", path=str(Path(initdb).parent)):
        return Path(initdb).parent
    where = " or ".join([*(f"{pattern}/" for pattern in globs), "PATH"])
    raise CannotStartServer(
        f"PostgreSQL's `initdb` and `pg_ctl` were not found under {where}. Install the server "
        "(Debian/Ubuntu: `apt-get install postgresql`), or start one and point "
        "SEQCAST_TEST_POSTGRES at it."
    )


def redis_server_bin(path: str | None = None) -> str:
    """`redis-server` on PATH (`path` as for shutil.which)."""
    found = shutil.which("redis-server", path=path)
    if found is None:
        raise CannotStartServer(
            "`redis-server` was not found on PATH. Install it (Debian/Ubuntu: "
            "`apt-get install redis-server`), or start one and point SEQCAST_TEST_REDIS at it."
        )
    return found


def _check_postgres_user() -> None:
    """initdb refuses to run as root: as root, the server runs as the `postgres` user."""
    if os.geteuid() != 0:
        return
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise CannotStartServer(
            "Running as root, the private PostgreSQL must run as the `postgres` user, which does "
            "not exist (Debian's `postgresql` package creates it), or run the tests as a normal "
            "user."
        ) from None
    if shutil.which("runuser") is None:
        raise CannotStartServer("Running as root needs `runuser` (util-linux) to start PostgreSQL.")


def _as_postgres(*command: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


class PrivatePostgres:
    def __init__(self) -> None:
        self.bin = postgres_bin()
        _check_postgres_user()
        # Directly under /tmp: the postgres user cannot enter root's private pytest folders.
        self.root = Path(tempfile.mkdtemp(prefix="seqcast-pg-"))
        self.dir = self.root / "pgdata"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        # --no-sync: a throwaway cluster need not wait for its files to reach the disk (initdb
        # took ~4 s with the sync, ~1 s without). A stop with `-m immediate` is a crash of the
        # server, not of the machine: what it wrote is still in the page cache at the restart.
        subprocess.run(
            _as_postgres(
                str(self.bin / "initdb"),
                *("-D", str(self.dir), "-A", "trust", "-U", "postgres", "--no-sync"),
            ),
            check=True,
            capture_output=True,
        )
        self.start()
        with psycopg.connect(self.server_url + "/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE seqcast")

    @property
    def server_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/seqcast"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.dir), "-w", *args),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self._ctl("-o", options, "-l", str(self.dir / "server.log"), "start")

    def stop(self) -> None:
        self._ctl("-m", "immediate", "stop")


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    try:
        yield server
    finally:
        with suppress(subprocess.CalledProcessError):  # already stopped by the test
            server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


@contextmanager
def private_redis() -> Iterator[tuple[subprocess.Popen, str]]:
    port = free_port()
    process = subprocess.Popen(
        [
            redis_server_bin(),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "private redis did not start"
            time.sleep(0.05)
    try:
        yield process, url
    finally:
        process.kill()
        process.wait()


def accepts_connections(url: str, default_port: int) -> bool:
    """Whether something listens at the URL's host and port (a URL without a host, i.e. a Unix
    socket, is taken as reachable: its errors show up in the tests)."""
    parts = urlsplit(url)
    if not parts.hostname:
        return True
    try:
        with socket.create_connection((parts.hostname, parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def _address(url: str) -> str:
    """The URL without credentials or database, for messages."""
    parts = urlsplit(url)
    if not parts.hostname:
        return url
    return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")


@dataclass
class SessionServers:
    """The servers of one test session; `notes` says which are private, for the report header."""

    postgres: str
    redis: str
    notes: list[str] = field(default_factory=list)
    _stack: ExitStack = field(default_factory=ExitStack)

    def close(self) -> None:
        self._stack.close()


def session_servers(postgres: str, redis_url: str) -> SessionServers:
    """The configured servers where they are running; private ones, started now, where not.
    Raises CannotStartServer naming every binary that is missing before starting anything."""
    need_postgres = not accepts_connections(postgres, 5432)
    need_redis = not accepts_connections(redis_url, 6379)
    checks = [postgres_bin, _check_postgres_user] if need_postgres else []
    checks += [redis_server_bin] if need_redis else []
    problems = []
    for check in checks:
        try:
            check()
        except CannotStartServer as exc:
            problems.append(str(exc))
    if problems:
        down = [
            _address(url) for url, d in ((postgres, need_postgres), (redis_url, need_redis)) if d
        ]
        raise CannotStartServer(
            f"Nothing answers at {' and '.join(down)}, and the tests cannot start private "
            "servers: " + " ".join(problems)
        )
    servers = SessionServers(postgres, redis_url)
    try:
        if need_postgres:
            server = servers._stack.enter_context(private_postgres())
            servers.postgres = server.server_url
            servers.notes.append(
                f"private PostgreSQL {server.server_url} ({_address(postgres)} is down)"
            )
        if need_redis:
            _, url = servers._stack.enter_context(private_redis())
            servers.redis = url
            servers.notes.append(f"private Redis {url} ({_address(redis_url)} is down)")
    except subprocess.CalledProcessError as exc:
        servers.close()
        output = (exc.stderr or b"").decode(errors="replace").strip()
        raise CannotStartServer(f"`{' '.join(exc.cmd)}` failed: {output}") from exc
    except BaseException:
        servers.close()
        raise
    return servers
