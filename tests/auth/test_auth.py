"""Scoped API keys on the shared (PostgreSQL) deployment: 401 without a valid key, 403 without
the scope, revocation, the OpenAPI security scheme, and no key in any log line."""

from __future__ import annotations

import logging
import os

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.auth import service as keys
from app.auth.service import Scope
from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.main import create_app
from tests.support.keys import add_key


@pytest.fixture(scope="module")
def anonymous(pg_settings) -> TestClient:
    return TestClient(create_app(pg_settings))


def _as(client: TestClient, key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


ROUTES = [  # (method, path, body, scope)
    ("get", "/datasets", None, Scope.read),
    ("get", "/jobs", None, Scope.read),
    ("get", "/models", None, Scope.read),
    ("post", "/train", {"model_name": "x", "architecture": "gru", "horizon": 1}, Scope.train),
    ("post", "/predict", {"model": "shared-lstm", "inputs": [[1.0]]}, Scope.predict),
    ("put", "/models/shared-lstm/aliases/a", {"version": 1}, Scope.admin),
    ("put", "/models/shared-lstm/serving", {}, Scope.admin),
    ("post", "/v2/models/shared-lstm/infer", {"inputs": []}, Scope.predict),
]


@pytest.mark.parametrize(("method", "path", "body", "scope"), ROUTES)
def test_no_key_is_401(anonymous, method, path, body, scope):
    response = anonymous.request(method, path, json=body)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    assert "API key is required" in response.text


def test_unknown_key_is_401(anonymous):
    response = anonymous.get("/models", headers=_as(anonymous, "sk_not-a-real-key"))
    assert response.status_code == 401 and "not valid" in response.json()["detail"]
    wrong_scheme = anonymous.get("/models", headers={"Authorization": "Basic abc"})
    assert wrong_scheme.status_code == 401


@pytest.mark.parametrize(("method", "path", "body", "scope"), ROUTES)
def test_scopes(isolated_client, db_session, method, path, body, scope):
    """Inside the test's transaction: the keys, and what an allowed request changes on the
    shared model (an alias, its serving settings), are rolled back after it."""
    client = isolated_client
    others = [s for s in Scope if s not in (scope, Scope.admin)]
    lacking = add_key(db_session, *others, name="lacking")
    refused = client.request(method, path, json=body, headers=_as(client, lacking))
    assert refused.status_code == 403, refused.text
    assert f"lacks the '{scope.value}' scope" in refused.text
    allowed = add_key(db_session, scope, name="allowed")
    response = client.request(method, path, json=body, headers=_as(client, allowed))
    assert response.status_code not in (401, 403), response.text


def test_health_and_docs_need_no_key(anonymous):
    for path in ("/healthz", "/readyz", "/openapi.json", "/docs", "/v2", "/v2/health/live"):
        assert anonymous.get(path).status_code == 200, path


def test_revoked_key_stops_working(pg_settings):
    app = create_app(pg_settings.model_copy(update={"auth_cache_seconds": 0.0}))
    client = TestClient(app)
    engine = make_engine(pg_settings.database_url)
    with make_sessionmaker(engine)() as session:
        row, key = keys.create(session, name="short-lived", scopes=[Scope.read])
        session.commit()
        assert client.get("/models", headers=_as(client, key)).status_code == 200
        keys.revoke(session, row.id)
        session.commit()
        assert session.get(type(row), row.id).key_hash != key  # only the hash is stored
    engine.dispose()
    assert client.get("/models", headers=_as(client, key)).status_code == 401


def test_openapi_declares_the_bearer_scheme(anonymous):
    spec = anonymous.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["ApiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["ApiKey"]["description"],
    }
    open_paths = {"/healthz", "/readyz", "/v2", "/v2/health/live", "/v2/health/ready"}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if path in open_paths:
                assert "security" not in operation, (method, path)
            else:
                assert operation.get("security") == [{"ApiKey": []}], (method, path)


def test_keys_never_reach_the_logs(anonymous, admin_key, caplog):
    secret = "sk_this-is-secret-material-1234567890"
    with caplog.at_level(logging.DEBUG):
        anonymous.get("/models", headers=_as(anonymous, secret))
        anonymous.get("/models", headers=_as(anonymous, admin_key))
        anonymous.post(
            "/predict", json={"model": "nope", "inputs": [[1.0]]}, headers=_as(anonymous, admin_key)
        )
    assert caplog.records  # something was logged, and none of it holds a key
    assert secret not in caplog.text and admin_key not in caplog.text


def test_shared_deployments_refuse_to_run_without_auth(tmp_path):
    with pytest.raises(ValidationError, match="SEQCAST_AUTH=false is only allowed"):
        Settings(data_dir=tmp_path, database_url="postgresql+psycopg://db/seqcast", auth=False)
    assert Settings(data_dir=tmp_path, database_url="postgresql+psycopg://db/x").auth is True
    assert Settings(data_dir=tmp_path).auth is False  # local SQLite: a laptop


def test_local_default_warns_loudly_without_auth(tmp_path, caplog):
    from app.migrate import upgrade

    settings = Settings(data_dir=tmp_path)
    upgrade(settings.database_url)
    with (
        caplog.at_level(logging.WARNING),
        TestClient(create_app(settings), base_url="http://127.0.0.1") as client,
    ):
        assert client.get("/models").status_code == 200  # no key needed
    assert "AUTHENTICATION IS OFF" in caplog.text


def test_keys_cli_create_list_revoke(pg_settings):
    """`seqcast keys` as an operator runs it: a real process against the real database."""
    import subprocess
    import sys

    env = {**os.environ, "SEQCAST_DATABASE_URL": pg_settings.database_url}

    def seqcast(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", "keys", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    created = seqcast("create", "cli-made", "--scope", "read")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert key.startswith("sk_") and "cli-made" in created.stderr
    app = create_app(pg_settings.model_copy(update={"auth_cache_seconds": 0.0}))
    client = TestClient(app, headers={"Authorization": f"Bearer {key}"})
    assert client.get("/models").status_code == 200
    assert client.post("/jobs/x/cancel").status_code == 403

    listed = seqcast("list")
    assert key not in listed.stdout and key[:10] in listed.stdout
    key_id = next(line.split("\t")[0] for line in listed.stdout.splitlines() if "cli-made" in line)
    assert seqcast("revoke", key_id).returncode == 0
    assert client.get("/models").status_code == 401
    missing = seqcast("revoke", "999999")
    assert missing.returncode == 1 and "not found" in missing.stderr


def test_refused_keys_are_remembered_only_up_to_a_bound(tmp_path):
    """20,000 invented keys (the issue's probe) leave at most `max_refusals` entries; a valid
    key is remembered beside them and survives the flood."""
    import asyncio

    from app.auth.service import KeyChecker
    from app.errors import Unauthorized
    from tests.support.registry_db import migrated_database

    engine, sessions = migrated_database(tmp_path)
    with sessions() as session:
        _, valid = keys.create(session, name="kept", scopes=[Scope.read])
        session.commit()
    checker = KeyChecker(sessions, ttl=600, max_refusals=256)

    async def probe() -> None:
        assert (await checker.authorize(f"Bearer {valid}", Scope.read)).key_id is not None
        for i in range(20_000):
            invented = f"sk_invented-{i}"
            if i < 2_000:  # through the database, as a request would
                with pytest.raises(Unauthorized):
                    await checker.authorize(f"Bearer {invented}", Scope.read)
            else:  # the rest straight into the cache: the bound, not the query, is tested
                checker._remember(keys.hash_key(invented), None)

    asyncio.run(probe())
    assert checker.cache_size() <= 256 + 1
    assert checker.cached(valid)[0]  # the valid key was not pushed out
    engine.dispose()
