"""The web UI at /ui in a real browser: Playwright driving Debian's Chromium against a live
uvicorn server on PostgreSQL + Redis with a real Celery worker (auth on, as when shared).

Every check compares what the page drew with what the JSON API answers to the test directly:
the loss curve's points with the job's history, the forecast plot's points with a /predict call
on windows cut from the uploaded series, the dataset plot with the uploaded values.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect, sync_playwright

from app.auth.service import Scope
from app.config import Settings
from app.contract import split_plan
from app.main import create_app
from app.migrate import upgrade
from tests.support.data import seasonal_series
from tests.support.keys import make_key
from tests.support.stack import ROOT, Worker, serve_in_thread, wait_for_job

CHROMIUM = Path(os.environ.get("SEQCAST_TEST_CHROMIUM", "/usr/bin/chromium"))
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} (.ci/run installs Debian's)"
)

MODEL = f"ui-lstm-{uuid.uuid4().hex[:6]}"
HORIZON, INPUT_LENGTH, VALIDATION_FRACTION = 6, 24, 0.2
TRAINING_TIMEOUT_MS = 180_000
ROWS = 160
DATES = [str(date(2025, 1, 1) + timedelta(days=t)) for t in range(ROWS)]
SERIES = {"north": seasonal_series(ROWS, period=7, seed=1), "south": seasonal_series(ROWS, seed=2)}
CHART = "id => { const c = window.seqcastCharts[id]; return {labels: c.labels, data: c.data, meta: c.meta, xLabels: c.xLabels}; }"  # noqa: E501


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    expect.set_options(timeout=30_000)  # on a busy machine, give assertions time to retry
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()


def open_page(browser: Browser, key: str | None) -> tuple[Page, list[str]]:
    """A fresh browser context whose localStorage holds `key` (as the key field stores it), and
    the list that collects its uncaught JavaScript errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    if key:
        context.add_init_script(f"localStorage.setItem('seqcast.apiKey', {key!r})")
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page, errors


@pytest.fixture
def page(browser: Browser, admin_key: str) -> Iterator[Page]:
    page, errors = open_page(browser, admin_key)
    yield page
    page.context.close()
    assert not errors, errors


def chart_data(page: Page, chart: str) -> dict:
    page.wait_for_function(
        "id => window.seqcastCharts[id] && window.seqcastCharts[id].plot", arg=chart
    )
    return page.evaluate(CHART, chart)


def series_of(chart: dict, label: str) -> list[float | None]:
    return chart["data"][chart["labels"].index(label) + 1]


@pytest.fixture(scope="module")
def stores(client: TestClient) -> dict:
    """Two daily series in long format, with a covariate: the series choice, the time axis."""
    body = {
        "name": f"ui-stores-{uuid.uuid4().hex[:6]}",
        "columns": {c: [v for s in SERIES.values() for v in s[c]] for c in ("y", "x")},
        "timestamps": DATES * len(SERIES),
        "series": [sid for sid in SERIES for _ in range(ROWS)],
    }
    response = client.post("/datasets", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def epoch_seconds(timestamps: list[str]) -> list[float]:
    return [datetime.fromisoformat(t).replace(tzinfo=UTC).timestamp() for t in timestamps]


@pytest.fixture(scope="module")
def form_job(
    browser: Browser,
    live_url: str,
    admin_key: str,
    client: TestClient,
    pg_worker: Worker,
    stores: dict,
) -> dict:
    """A job started from the jobs page's form and watched there until it succeeded; the loss
    chart as the page drew it once the row showed the job finished."""
    page, errors = open_page(browser, admin_key)
    page.goto(f"{live_url}/ui/jobs")
    form = page.locator("#train-form")
    form.locator("[name=model_name]").fill(MODEL)
    form.locator("[name=architecture]").select_option("lstm")
    form.locator("[name=dataset_id]").select_option(stores["id"])
    form.locator("[name=horizon]").fill(str(HORIZON))
    form.locator("[name=input_length]").fill(str(INPUT_LENGTH))
    form.locator("[name=target_columns]").fill("y")
    form.locator("[name=feature_columns]").fill("y, x")
    form.locator("[name=quantiles]").fill("0.1, 0.9")
    form.locator("[name='hyperparameters.epochs']").fill("3")
    form.locator("[name='hyperparameters.hidden_size']").fill("8")
    form.locator("[name='hyperparameters.num_layers']").fill("1")
    form.locator("button[type=submit]").click()
    expect(page.locator("#train-result")).to_contain_text("Queued job")
    job_id = re.search(r"Queued job (\S+) ", page.locator("#train-result").inner_text())[1]
    row = page.locator(f'#jobs-table tr[data-job-id="{job_id}"]')
    expect(row).to_have_attribute("data-status", "succeeded", timeout=TRAINING_TIMEOUT_MS)
    chart = chart_data(page, "loss")
    version_link = row.get_by_role("link", name=re.compile(r"^v\d+$")).inner_text()
    page.context.close()
    assert not errors, errors
    return {
        "job": client.get(f"/jobs/{job_id}").json(),
        "loss_chart": chart,
        "version_link": version_link,
    }


def test_training_form_submits_the_fields_and_the_page_watches_the_job_finish(
    form_job: dict,
) -> None:
    job = form_job["job"]
    assert job["status"] == "succeeded", job
    assert job["model_name"] == MODEL and job["architecture"] == "lstm"
    spec = job["spec"]
    assert (spec["horizon"], spec["input_length"]) == (HORIZON, INPUT_LENGTH)
    assert (spec["target_columns"], spec["feature_columns"]) == (["y"], ["y", "x"])
    assert spec["quantiles"] == [0.1, 0.5, 0.9]
    hyper = spec["hyperparameters"]
    assert (hyper["epochs"], hyper["hidden_size"], hyper["num_layers"]) == (3, 8, 1)
    assert form_job["version_link"] == f"v{job['model_version']['version']}"


def test_loss_curve_points_are_the_job_history(form_job: dict) -> None:
    history = form_job["job"]["history"]
    chart = form_job["loss_chart"]
    assert len(history) == 3
    assert chart["labels"] == ["train loss", "validation loss"]
    assert chart["data"] == [
        [h["epoch"] for h in history],
        [h["train_loss"] for h in history],
        [h["val_loss"] for h in history],
    ]


def test_training_form_shows_the_apis_422_naming_each_field(
    page: Page, live_url: str, client: TestClient, stores: dict
) -> None:
    name = f"ui-invalid-{uuid.uuid4().hex[:6]}"
    page.goto(f"{live_url}/ui/jobs")
    form = page.locator("#train-form")
    form.locator("[name=model_name]").fill(name)
    form.locator("[name=dataset_id]").select_option(stores["id"])
    form.locator("[name=horizon]").fill("0")
    form.locator("[name=input_length]").fill("abc")
    form.locator("button[type=submit]").click()
    result = page.locator("#train-result")
    expect(result).to_have_class(re.compile(r"\berror\b"))
    lines = result.inner_text().splitlines()
    assert any(re.match(r"422: horizon: .*greater than or equal to 1", line) for line in lines)
    assert any(re.match(r"422: input_length: .*valid integer", line) for line in lines)
    assert client.get("/jobs", params={"model_name": name}).json() == []


def resolve(doc: dict, schema: dict) -> dict:
    """`schema` with its `$ref` followed and a nullable `anyOf` reduced to the non-null branch."""
    if "$ref" in schema:
        target = doc
        for key in schema["$ref"].removeprefix("#/").split("/"):
            target = target[key]
        return resolve(doc, {**target, **{k: v for k, v in schema.items() if k != "$ref"}})
    branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
    if len(branches) == 1:
        return {**resolve(doc, branches[0]), **{k: v for k, v in schema.items() if k != "anyOf"}}
    return schema


def train_field(doc: dict, name: str) -> tuple[dict, bool]:
    """The TrainRequest schema of a form field (`hyperparameters.epochs`), and if required."""
    node, required = resolve(doc, {"$ref": "#/components/schemas/TrainRequest"}), False
    for part in name.split("."):
        required = part in node.get("required", [])
        node = resolve(doc, node["properties"][part])
    return node, required


FORM_FIELDS = """form => [...form.querySelectorAll("input[name], select[name]")].map(f => ({
    name: f.name, placeholder: f.placeholder, required: f.required, data: {...f.dataset},
    options: f.tagName === "SELECT" ? [...f.options].map(o => o.value) : null}))"""
BOUNDS = ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum")


def test_training_form_takes_its_defaults_limits_and_choices_from_the_schema(
    page: Page, live_url: str, client: TestClient
) -> None:
    """Every field's placeholder, bounds, required mark and options equal the live OpenAPI
    schema's: nothing in the page can drift from the server's defaults."""
    doc = client.get("/openapi.json").json()
    page.goto(f"{live_url}/ui/jobs")
    form = page.locator("#train-form")
    expect(form).to_have_attribute("data-schema", "loaded")
    fields = {f["name"]: f for f in form.evaluate(FORM_FIELDS)}
    shown_defaults = {}
    for name, field in fields.items():
        schema, required = train_field(doc, name)
        assert field["required"] == required, name
        bounds = {k: float(v) for k, v in field["data"].items() if k in BOUNDS}
        assert bounds == {k: float(schema[k]) for k in BOUNDS if k in schema}, name
        if field["options"] is not None:
            if "enum" in schema:
                assert [o for o in field["options"] if o] == schema["enum"], name
            continue
        default = schema.get("default")
        stated = re.search(r"default: ([^;]+?)\.?$", schema.get("description", ""))
        if isinstance(default, int | float) and not isinstance(default, bool):
            assert float(field["placeholder"]) == default, name
            shown_defaults[name] = default
        elif stated:
            assert field["placeholder"] == stated[1], name
        elif required and name != "model_name":
            assert field["placeholder"] == "required", name
    hyper = resolve(doc, {"$ref": "#/components/schemas/Hyperparameters"})["properties"]
    assert len(fields) == 16
    for name in ("epochs", "batch_size", "hidden_size", "num_layers", "learning_rate", "seed"):
        assert shown_defaults[f"hyperparameters.{name}"] == hyper[name]["default"]
    assert fields["hyperparameters.normalization"]["options"][0] == ""  # the server decides


def check_forecast_plot(chart: dict, client: TestClient, detail: dict, series_id: str) -> None:
    """The plot's points against /predict on windows cut from the uploaded series: the next
    HORIZON steps with the quantile band, and forecasts over the held-out tail. The x axis is
    time when the version read gives a frequency (then /predict dates the forecast)."""
    version, values = detail["version"], SERIES[series_id]
    dated = detail.get("frequency") is not None
    plan = split_plan(ROWS, INPUT_LENGTH, HORIZON, VALIDATION_FRACTION)
    origins = list(range(max(plan.cut, INPUT_LENGTH), ROWS - HORIZON + 1, HORIZON))
    assert chart["meta"] == {
        "version": version,
        "series": series_id,
        "target": "y",
        "rows": ROWS,
        "cut": plan.cut,
        "origins": origins,
    }
    ends = [ROWS, *origins]
    body = {
        "model": MODEL,
        "version": version,
        "inputs": [
            [[values["y"][i], values["x"][i]] for i in range(end - INPUT_LENGTH, end)]
            for end in ends
        ],
    }
    if series_id in detail.get("series", []):
        body["series_id"] = series_id
    if dated:
        body["last_timestamp"] = [DATES[end - 1] for end in ends]
    response = client.post("/predict", json=body)
    assert response.status_code == 200, response.text
    predicted = response.json()

    forecast = series_of(chart, "forecast")
    assert forecast[:ROWS] == [None] * ROWS
    assert forecast[ROWS:] == [step[0] for step in predicted["predictions"][0]]
    levels, quantiles = predicted["quantiles"]["levels"], predicted["quantiles"]["values"][0]
    assert levels == [0.1, 0.5, 0.9]
    assert series_of(chart, "q0.1")[ROWS:] == [step[0][0] for step in quantiles]
    assert series_of(chart, "q0.9")[ROWS:] == [step[0][2] for step in quantiles]
    validation = series_of(chart, "validation forecast")
    for k, origin in enumerate(origins):
        got = validation[origin : origin + HORIZON]
        assert got == [step[0] for step in predicted["predictions"][k + 1]]
    history, held_out = series_of(chart, "history"), series_of(chart, "validation actual")
    assert history[: plan.cut + 1] == values["y"][: plan.cut + 1]
    assert held_out[plan.cut : ROWS] == values["y"][plan.cut :]
    assert all(v is None for v in history[plan.cut + 1 :] + held_out[: plan.cut])
    if dated:
        future = predicted["timestamps"][0]
        assert chart["xLabels"] == DATES + future
        assert chart["data"][0] == epoch_seconds(DATES + future)
    else:
        assert chart["xLabels"] == DATES
        assert chart["data"][0] == list(range(ROWS + HORIZON))


def test_model_page_plots_history_forecast_band_and_validation_tail(
    page: Page, live_url: str, client: TestClient, form_job: dict
) -> None:
    version = form_job["job"]["model_version"]["version"]
    detail = client.get(f"/models/{MODEL}/versions/{version}").json()
    page.goto(f"{live_url}/ui/models/{MODEL}")
    check_forecast_plot(chart_data(page, "forecast"), client, detail, "north")

    page.locator("#forecast-series").select_option("south")
    page.wait_for_function("() => window.seqcastCharts.forecast.meta.series === 'south'")
    check_forecast_plot(chart_data(page, "forecast"), client, detail, "south")

    metrics = page.locator("#metrics-table tbody tr", has_text="mase").locator("td")
    shown = [float(metrics.nth(i).inner_text()) for i in range(2)]
    expected = [detail["metrics"]["model"]["mase"], detail["metrics"]["seasonal_naive"]["mase"]]
    assert shown == pytest.approx(expected, rel=1e-3)
    facts = page.locator("#version-facts").inner_text()
    assert detail["device"] in facts and "parity error" in facts and "0.1, 0.5, 0.9" in facts


def test_alias_form_moves_the_alias_and_shows_api_errors(
    browser: Browser,
    page: Page,
    live_url: str,
    client: TestClient,
    form_job: dict,
    pg_settings: Settings,
) -> None:
    version = form_job["job"]["model_version"]["version"]
    page.goto(f"{live_url}/ui/models/{MODEL}")
    form, result = page.locator("#alias-form"), page.locator("#alias-result")
    form.locator("[name=alias]").fill("production")
    form.locator("[name=version]").fill(str(version))
    form.locator("button[type=submit]").click()
    expect(result).to_have_text(f"production → v{version}")
    assert client.get(f"/models/{MODEL}").json()["aliases"] == {"production": version}
    expect(page.locator(f'#versions-table tr[data-version="{version}"]')).to_contain_text(
        "production"
    )

    form.locator("[name=version]").fill("latest")
    form.locator("button[type=submit]").click()
    expect(result).to_contain_text("422: version: Input should be a valid integer")
    form.locator("[name=alias]").fill("not an alias!")
    form.locator("[name=version]").fill(str(version))
    form.locator("button[type=submit]").click()
    expect(result).to_contain_text("422: alias: String should match pattern")

    reader, errors = open_page(browser, make_key(pg_settings, Scope.read, name="ui-reader"))
    reader.goto(f"{live_url}/ui/models/{MODEL}")
    expect(reader.locator(f'#versions-table tr[data-version="{version}"]')).to_be_visible()
    reader.locator("#alias-form [name=alias]").fill("staging")
    reader.locator("#alias-form [name=version]").fill(str(version))
    reader.locator("#alias-form button[type=submit]").click()
    expect(reader.locator("#alias-result")).to_contain_text("403 (auth): ")
    expect(reader.locator("#alias-result")).to_contain_text("'admin' scope")
    reader.context.close()
    assert not errors, errors
    assert client.get(f"/models/{MODEL}").json()["aliases"] == {"production": version}


def test_without_a_key_the_page_shows_401_until_the_key_field_is_filled(
    browser: Browser, live_url: str, admin_key: str, stores: dict
) -> None:
    page, errors = open_page(browser, None)
    page.goto(f"{live_url}/ui/datasets")
    notice = page.locator("#notice")
    expect(notice).to_contain_text("401 (auth): an API key is required")
    page.locator("#api-key").fill(admin_key)
    page.locator("#api-key").dispatch_event("change")
    expect(notice).to_be_hidden()
    expect(page.locator(f'#datasets-table tr[data-dataset="{stores["id"]}"]')).to_be_visible()
    assert page.evaluate("localStorage.getItem('seqcast.apiKey')") == admin_key
    page.context.close()
    assert not errors, errors


def test_dataset_page_plots_every_column_of_the_chosen_series(
    page: Page, live_url: str, stores: dict
) -> None:
    page.goto(f"{live_url}/ui/datasets/{stores['id']}")
    for series_id in ("north", "south"):
        page.locator("#dataset-series").select_option(series_id)
        page.wait_for_function(
            "id => window.seqcastCharts.dataset?.meta.series === id", arg=series_id
        )
        chart = chart_data(page, "dataset")
        assert chart["labels"] == ["y", "x"]
        assert chart["data"] == [
            epoch_seconds(DATES),
            SERIES[series_id]["y"],
            SERIES[series_id]["x"],
        ]


def test_embedded_default_serves_the_ui_without_a_key(browser: Browser, tmp_path: Path) -> None:
    """`seqcast serve` with no configuration: SQLite, auth off, so the pages need no key."""
    settings = Settings(data_dir=tmp_path)
    upgrade(settings.database_url)
    values = seasonal_series(40)
    with serve_in_thread(create_app(settings)) as url:
        created = httpx.post(f"{url}/datasets", json={"name": "local", "columns": values})
        assert created.status_code == 201, created.text
        page, errors = open_page(browser, None)
        page.goto(f"{url}/ui")
        expect(page).to_have_url(f"{url}/ui/jobs")
        option = page.locator(f'#train-dataset option[value="{created.json()["id"]}"]')
        expect(option).to_have_count(1)
        page.goto(f"{url}/ui/datasets/{created.json()['id']}")
        chart = chart_data(page, "dataset")
        assert chart["data"] == [list(range(40)), values["y"], values["x"]]
        expect(page.locator("#notice")).to_be_hidden()
        page.context.close()
    assert not errors, errors


@pytest.mark.slow
def test_screenshots(
    browser: Browser,
    live_url: str,
    admin_key: str,
    client: TestClient,
    pg_worker: Worker,
    stores: dict,
) -> None:
    """docs/screenshots/*.png, embedded in docs/ui.md: `pytest tests/ui/test_ui.py -m slow`."""
    body = {
        "model_name": "demand",
        "architecture": "lstm",
        "dataset_id": stores["id"],
        "target_columns": ["y"],
        "feature_columns": ["y", "x"],
        "horizon": 14,
        "input_length": 42,
        "quantiles": [0.1, 0.9],
        "hyperparameters": {"epochs": 40, "hidden_size": 32, "num_layers": 1, "seed": 3},
    }
    response = client.post("/train", json=body)
    assert response.status_code == 202, response.text
    job = wait_for_job(client, response.json()["id"])
    assert job["status"] == "succeeded", job
    version = job["model_version"]["version"]
    moved = client.put("/models/demand/aliases/production", json={"version": version})
    assert moved.status_code == 200, moved.text

    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    page, errors = open_page(browser, admin_key)
    page.goto(f"{live_url}/ui/jobs#job={job['id']}")
    chart_data(page, "loss")
    page.screenshot(path=out / "jobs.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 260})
    page.goto(f"{live_url}/ui/models")
    expect(page.locator('#models-table tr[data-model="demand"]')).to_be_visible()
    page.screenshot(path=out / "models.png", full_page=True)
    page.goto(f"{live_url}/ui/datasets")
    expect(page.locator(f'#datasets-table tr[data-dataset="{stores["id"]}"]')).to_be_visible()
    page.screenshot(path=out / "datasets.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_url}/ui/models/demand?version={version}")
    chart_data(page, "forecast")
    page.screenshot(path=out / "model.png", full_page=True)
    page.goto(f"{live_url}/ui/datasets/{stores['id']}")
    chart_data(page, "dataset")
    page.screenshot(path=out / "dataset.png", full_page=True)
    page.context.close()
    assert not errors, errors
