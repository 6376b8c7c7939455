"""GET /models/{name}/aliases/{alias}/history: every change the alias routes make is recorded,
newest first, paginated like the other lists; the history of one alias is not another's."""

from __future__ import annotations

from fastapi.testclient import TestClient

MODEL = "shared-lstm"


def test_alias_routes_write_history(isolated_client: TestClient, trained_lstm: dict):
    url = f"/models/{MODEL}/aliases/candidate"
    assert isolated_client.get(f"{url}/history").json() == []
    assert isolated_client.put(url, json={"version": 1}).status_code == 200
    assert isolated_client.put(url, json={"version": 1}).status_code == 200
    assert isolated_client.delete(url).status_code == 204
    other = isolated_client.put(f"/models/{MODEL}/aliases/other", json={"version": 1})
    assert other.status_code == 200

    events = isolated_client.get(f"{url}/history").json()
    assert [(e["decision"], e["version"], e["previous_version"]) for e in events] == [
        ("deleted", None, 1),
        ("set", 1, 1),
        ("set", 1, None),
    ]
    for event in events:
        assert event["alias"] == "candidate" and event["reason"] == "manual"
        assert event["policy"] is None and event["challenger_score"] is None
    times = [e["created_at"] for e in events]
    assert times == sorted(times, reverse=True)

    page = isolated_client.get(f"{url}/history", params={"limit": 1, "offset": 1}).json()
    assert page == events[1:2]


def test_a_refused_change_writes_nothing(isolated_client: TestClient, trained_lstm: dict):
    url = f"/models/{MODEL}/aliases/candidate"
    assert isolated_client.put(url, json={"version": 999}).status_code == 404
    assert isolated_client.delete(url).status_code == 404
    assert isolated_client.get(f"{url}/history").json() == []


def test_history_of_unknown_model_is_404(isolated_client: TestClient):
    response = isolated_client.get("/models/no-such-model/aliases/production/history")
    assert response.status_code == 404, response.text
    bad = isolated_client.get(f"/models/{MODEL}/aliases/production/history", params={"limit": 0})
    assert bad.status_code == 422
