"""The model page's live-accuracy plot in Chromium (Playwright, as tests/ui/test_ui.py drives
it): forecasts stored by /predict with `record: true`, scored by appended rows, and the plot's
points compared with GET /models/{name}/versions/{v}/accuracy."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, sync_playwright

from tests.support.accuracy import END, HORIZON, SERIES, train_dated, window

CHROMIUM = Path(os.environ.get("SEQCAST_TEST_CHROMIUM", "/usr/bin/chromium"))
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} (.ci/run installs Debian's)"
)
CHART = "id => { const c = window.seqcastCharts[id]; return {labels: c.labels, data: c.data, meta: c.meta, drawn: Boolean(c.plot)}; }"  # noqa: E501


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def scored(client: TestClient, pg_worker) -> dict:
    """A version whose /predict forecasts of both series were scored on every horizon step."""
    trained = train_dated(client, "ui-live")
    for series_id in SERIES:
        answer = client.post(
            "/predict",
            json={
                "model": trained["model"],
                "inputs": [window(trained["body"], series_id)],
                "series_id": series_id,
                "record": True,
            },
        )
        assert answer.status_code == 200, answer.text
    days = [str(END + timedelta(days=h + 1)) for h in range(HORIZON)]
    appended = client.post(
        f"/datasets/{trained['dataset_id']}/rows",
        json={
            "columns": {"y": [1.0 + h for _ in SERIES for h in range(HORIZON)], "x": [0.0] * 8},
            "timestamps": days * len(SERIES),
            "series": [s for s in SERIES for _ in range(HORIZON)],
        },
    )
    assert appended.status_code == 201, appended.text
    return trained


def test_model_page_plots_the_live_mase_ratio_by_step(
    browser: Browser, live_url: str, admin_key: str, client: TestClient, scored: dict
) -> None:
    accuracy = client.get(f"/models/{scored['model']}/versions/1/accuracy").json()
    assert accuracy["overall"]["points"] == len(SERIES) * HORIZON
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(f"localStorage.setItem('seqcast.apiKey', {admin_key!r})")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_url}/ui/models/{scored['model']}?version=1")
    page.wait_for_function(
        "() => window.seqcastCharts.accuracy && window.seqcastCharts.accuracy.plot",
        timeout=30_000,
    )
    chart = page.evaluate(CHART, "accuracy")
    assert chart["drawn"]
    assert chart["labels"] == ["live MASE ratio", "seasonal naive"]
    steps, ratio, naive = chart["data"]
    assert steps == list(range(1, HORIZON + 1))
    assert ratio == pytest.approx([s["mase_ratio"] for s in accuracy["steps"]])
    assert naive == [1] * HORIZON
    assert page.locator("#chart-accuracy canvas").count() >= 1
    note = page.locator("#accuracy-note").inner_text()
    assert f"{len(SERIES) * HORIZON} scored points over {len(SERIES)} series" in note
    context.close()
    assert not errors, errors
