"""The header checks of the HTTP edge (app.http.guard): each route's scope read from its own
`require(...)`, and the local-only rules of an install with auth off (a web page the user
visits must not be able to drive it: DNS rebinding, cross-site forms)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.auth.service import Scope
from app.config import Settings
from app.errors import Forbidden, UnsupportedMediaType
from app.http.guard import LocalOnly, RouteScopes
from app.main import ROUTERS, create_app
from app.migrate import upgrade


def http_scope(method: str, path: str, headers: dict[str, str] | None = None) -> dict:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": "",
        "headers": [(k.encode(), v.encode()) for k, v in (headers or {}).items()],
    }


@pytest.fixture(scope="module")
def local_app(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("local"))
    upgrade(settings.database_url)
    return create_app(settings)


@pytest.mark.parametrize(
    ("method", "path", "needed"),
    [
        ("POST", "/train", Scope.train),
        ("POST", "/datasets", Scope.train),
        ("GET", "/models", Scope.read),
        ("PUT", "/models/demand/aliases/production", Scope.admin),
        ("POST", "/streams", Scope.predict),
        ("POST", "/forecasts", Scope.train),
        ("POST", "/forecasts/abc/cancel", Scope.train),
        ("GET", "/forecasts/abc/result", Scope.read),
        ("GET", "/healthz", None),
        ("GET", "/openapi.json", None),
        ("GET", "/no/such/route", None),
        ("PATCH", "/train", None),  # a 405: answered without a body either way
    ],
)
def test_each_route_needs_the_scope_it_declares(local_app, method, path, needed):
    routes = [route for router in ROUTERS for route in router.routes]
    assert RouteScopes(routes).needed(http_scope(method, path)) == needed


@pytest.mark.parametrize(
    "host", ["127.0.0.1:8000", "localhost:8000", "[::1]:8000", "LOCALHOST", "box.lan:80"]
)
def test_loopback_hosts_and_allowed_names_pass(host):
    LocalOnly(frozenset({"box.lan"})).check(http_scope("GET", "/models", {"host": host}))


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "10.0.0.5:8000", ""])
def test_other_hosts_are_refused(host):
    with pytest.raises(Forbidden, match="not a loopback name"):
        LocalOnly().check(http_scope("GET", "/models", {"host": host}))


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:9999"])
def test_foreign_origins_are_refused(origin):
    headers = {"host": "127.0.0.1:8000", "origin": origin}
    with pytest.raises(Forbidden, match="cross-origin"):
        LocalOnly().check(http_scope("POST", "/train", headers))


def test_the_same_origin_passes():
    headers = {"host": "127.0.0.1:8000", "origin": "http://127.0.0.1:8000"}
    LocalOnly().check(http_scope("POST", "/train", {**headers, "content-type": "application/json"}))
    LocalOnly().check(http_scope("POST", "/jobs/x/cancel", headers))  # no body, no type


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded"],
)
def test_cross_site_form_bodies_cannot_change_state(content_type):
    headers = {"host": "127.0.0.1:8000", "content-type": content_type}
    with pytest.raises(UnsupportedMediaType, match="application/json"):
        LocalOnly().check(http_scope("POST", "/train", headers))
    LocalOnly().check(http_scope("GET", "/models", headers))  # reading is not changing


def test_an_auth_off_install_refuses_a_foreign_page(local_app):
    with TestClient(local_app, base_url="http://127.0.0.1:8000") as client:
        assert client.get("/models").status_code == 200
        rebound = client.get("/models", headers={"host": "attacker.example"})
        assert rebound.status_code == 403 and "loopback" in rebound.json()["detail"]
        form = client.post(
            "/train", content=b'{"dataset_id": "x"}', headers={"content-type": "text/plain"}
        )
        assert form.status_code == 415, form.text
        cross = client.post(
            "/train", json={"dataset_id": "x"}, headers={"origin": "http://attacker.example"}
        )
        assert cross.status_code == 403 and "cross-origin" in cross.json()["detail"]
        predict = client.post(
            "/predict", json={"model": "m", "inputs": [[1.0]]}, headers={"host": "evil.example"}
        )
        assert predict.status_code == 403  # the hot routes follow the same rules


def test_local_listeners_default_to_loopback(tmp_path):
    assert Settings(data_dir=tmp_path).worker_metrics_host == "127.0.0.1"
    assert Settings(data_dir=tmp_path).host == "127.0.0.1"
    shared = Settings(data_dir=tmp_path, database_url="postgresql+psycopg://db/x")
    assert shared.worker_metrics_host == "0.0.0.0"  # Prometheus scrapes it from another host
