"""The suite sets itself up: private PostgreSQL and Redis when the configured ones are down, and a
message naming the missing binary when it cannot. Never touches the shared servers."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import redis

from tests.support import private_services
from tests.support.private_services import (
    CannotStartServer,
    free_port,
    postgres_bin,
    redis_server_bin,
    session_servers,
)
from tests.support.servers import PG_SERVER, REDIS_URL
from tests.support.stack import ROOT


def _tool(folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("#!/bin/sh\n")
    (folder / name).chmod(0o755)


def test_postgres_bin_takes_the_newest_complete_version(tmp_path):
    for version, tools in (("9.6", ["initdb", "pg_ctl"]), ("12", ["initdb", "pg_ctl"])):
        for tool in tools:
            _tool(tmp_path / version / "bin", tool)
    _tool(tmp_path / "16" / "bin", "initdb")  # no pg_ctl: not a usable server
    found = postgres_bin(globs=(f"{tmp_path}/*/bin",), path="")
    assert found == tmp_path / "12" / "bin"


def test_postgres_bin_falls_back_to_path(tmp_path):
    _tool(tmp_path / "bin", "initdb")
    _tool(tmp_path / "bin", "pg_ctl")
    assert postgres_bin(globs=(), path=str(tmp_path / "bin")) == tmp_path / "bin"


def test_missing_postgres_names_initdb_and_the_package(tmp_path):
    with pytest.raises(CannotStartServer) as caught:
        postgres_bin(globs=(f"{tmp_path}/*/bin",), path=str(tmp_path))
    message = str(caught.value)
    assert "`initdb`" in message and f"{tmp_path}/*/bin/" in message and "PATH" in message
    assert "apt-get install postgresql" in message and "SEQCAST_TEST_POSTGRES" in message


def test_missing_redis_names_redis_server_and_the_package(tmp_path):
    with pytest.raises(CannotStartServer) as caught:
        redis_server_bin(path=str(tmp_path))
    message = str(caught.value)
    assert "`redis-server`" in message and "apt-get install redis-server" in message


def test_running_servers_are_used_as_they_are():
    servers = session_servers(PG_SERVER, REDIS_URL)
    assert (servers.postgres, servers.redis, servers.notes) == (PG_SERVER, REDIS_URL, [])


def test_nothing_starts_when_a_binary_is_missing(tmp_path, monkeypatch):
    """Every missing binary is named at once, before any server is started."""
    monkeypatch.setattr(
        private_services, "postgres_bin", lambda: postgres_bin(globs=(), path=str(tmp_path))
    )
    monkeypatch.setenv("PATH", str(tmp_path))
    down_pg = f"postgresql://user:secret@127.0.0.1:{free_port()}"
    down_redis = f"redis://127.0.0.1:{free_port()}/0"
    with pytest.raises(CannotStartServer) as caught:
        session_servers(down_pg, down_redis)
    message = str(caught.value)
    assert "`initdb`" in message and "`redis-server`" in message
    assert down_redis.removesuffix("/0") in message
    assert "secret" not in message  # addresses only, never credentials


def _pytest(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_the_servers_answer():
    """Run directly, against whichever servers this session has; run by the test below, against
    private ones: `tests.support.servers`, as test modules import it, must name those."""
    with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=5) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert redis.Redis.from_url(REDIS_URL).ping()
    assert os.environ["SEQCAST_TEST_POSTGRES"] == PG_SERVER
    assert os.environ["SEQCAST_TEST_REDIS"] == REDIS_URL


def test_a_session_with_its_servers_down_starts_private_ones_and_stops_them():
    down = {
        "SEQCAST_TEST_POSTGRES": f"postgresql://postgres@127.0.0.1:{free_port()}",
        "SEQCAST_TEST_REDIS": f"redis://127.0.0.1:{free_port()}/0",
    }
    result = _pytest(f"{__file__}::test_the_servers_answer", env=down)
    assert result.returncode == 0, result.stdout + result.stderr
    pg_port = re.search(r"private PostgreSQL postgresql://postgres@127.0.0.1:(\d+)", result.stdout)
    redis_port = re.search(r"private Redis redis://127.0.0.1:(\d+)/0", result.stdout)
    assert pg_port and redis_port, result.stdout
    for port in (pg_port[1], redis_port[1]):  # stopped at the session's end
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", int(port)), 1):
            pass


def test_a_session_that_cannot_start_a_server_says_which_binary_is_missing(tmp_path):
    result = _pytest(
        "--collect-only",
        "-q",
        __file__,
        # An empty folder as PATH: no redis-server.
        env={"SEQCAST_TEST_REDIS": f"redis://127.0.0.1:{free_port()}/0", "PATH": str(tmp_path)},
    )
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr
    assert "`redis-server` was not found" in result.stderr
    assert "apt-get install redis-server" in result.stderr
