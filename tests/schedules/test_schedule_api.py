"""PUT/GET/DELETE /models/{name}/schedule: one schedule per model, its next run told with
Celery's own schedule objects, and every bad field a 422 that names it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from app.schedules.timing import next_run, parse_cron

MODEL = "shared-lstm"


def test_put_get_replace_delete(isolated_client: TestClient, trained_lstm: dict):
    put = isolated_client.put(f"/models/{MODEL}/schedule", json={"cron": "0 3 * * *"})
    assert put.status_code == 200, put.text
    body = put.json()
    assert body["cron"] == "0 3 * * *" and body["interval_seconds"] is None
    assert (body["promote"], body["alias"], body["runs"]) == ("if_better", "production", 0)
    assert body["last_fired_at"] is None and body["last_job_id"] is None
    due = datetime.fromisoformat(body["next_run_at"])
    now = datetime.now(UTC)
    assert (due.hour, due.minute, due.second) == (3, 0, 0)
    assert now < due <= now + timedelta(days=1)

    assert isolated_client.get(f"/models/{MODEL}/schedule").json() == body

    replaced = isolated_client.put(
        f"/models/{MODEL}/schedule",
        json={"interval_seconds": 3600, "promote": "always", "alias": "staging"},
    )
    assert replaced.status_code == 200, replaced.text
    again = replaced.json()
    assert again["cron"] is None and again["interval_seconds"] == 3600
    assert (again["promote"], again["alias"]) == ("always", "staging")
    due = datetime.fromisoformat(again["next_run_at"])  # counted from the put: the timing changed
    assert timedelta(minutes=59) < due - datetime.now(UTC) <= timedelta(hours=1)

    assert isolated_client.delete(f"/models/{MODEL}/schedule").status_code == 204
    assert isolated_client.get(f"/models/{MODEL}/schedule").status_code == 404
    assert isolated_client.delete(f"/models/{MODEL}/schedule").status_code == 404


def test_unknown_model_is_404(isolated_client: TestClient):
    response = isolated_client.put("/models/no-such-model/schedule", json={"cron": "* * * * *"})
    assert response.status_code == 404, response.text
    assert isolated_client.get("/models/no-such-model/schedule").status_code == 404


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"cron": "61 * * * *"}, "cron", "minute field '61'"),
        ({"cron": "0 3 * * 8"}, "cron", "day-of-week field '8'"),
        ({"cron": "0 3 * *"}, "cron", "has 4 fields"),
        ({"cron": "0 0 30 2 *"}, "cron", "never occurs"),
        ({"cron": "*/0 * * * *"}, "cron", "step cannot be zero"),
        ({"cron": "every day"}, "cron", "has 2 fields"),
        ({}, "cron", "give a cron"),
        ({"cron": "0 3 * * *", "interval_seconds": 60}, "interval_seconds", "not both"),
        ({"interval_seconds": 59}, "interval_seconds", "under the minimum of 60"),
        ({"interval_seconds": 0}, "interval_seconds", "greater than or equal to 1"),
        ({"cron": "0 3 * * *", "promote": "sometimes"}, "promote", "if_better"),
        ({"cron": "0 3 * * *", "alias": "2"}, "alias", "looks like a version number"),
        ({"cron": "0 3 * * *", "every": 1}, "every", "Extra inputs"),
    ],
)
def test_bad_fields_are_422_naming_them(
    isolated_client: TestClient, trained_lstm: dict, body: dict, field: str, says: str
):
    response = isolated_client.put(f"/models/{MODEL}/schedule", json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail[0]["loc"][-1] == field, detail
    assert says in detail[0]["msg"], detail
    assert isolated_client.get(f"/models/{MODEL}/schedule").status_code == 404  # nothing stored


def test_cron_fields_are_in_cron_order():
    """Five fields are minute hour day-of-month month day-of-week (crontab's own positional
    order differs): '30 4 * * 1' is a Monday at 04:30, '0 0 1 2 *' is the 1st of February."""
    monday = next_run(parse_cron("30 4 * * 1"), datetime.now(UTC))
    assert (monday.weekday(), monday.hour, monday.minute) == (0, 4, 30)
    february = next_run(parse_cron("0 0 1 2 *"), datetime.now(UTC))
    assert (february.month, february.day, february.hour) == (2, 1, 0)


def test_a_missed_run_is_due_now():
    """A schedule whose run fell due while beat was down is due at once, not at the next slot."""
    now = datetime.now(UTC)
    assert next_run(parse_cron("0 3 * * *"), now - timedelta(days=2)) - now < timedelta(seconds=1)
