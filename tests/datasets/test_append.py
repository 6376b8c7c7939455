"""Appending rows (POST /datasets/{id}/rows) and dataset revisions (issue 16 item 1): series
continue, conflicts are 409s naming the timestamp unless replaced, new series join, the 422s
name what is wrong, earlier revisions stay readable, the row lock serializes two appends, and a
job records (and trains on) the revision current when it was submitted."""

from __future__ import annotations

import io
import json
import threading
import time

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from app.artifacts import make_store
from app.cli.main import app
from app.config import Settings
from app.contract import Manifest, manifest_uri_for
from app.datasets import service
from app.datasets.calendar import future_timestamps
from app.datasets.models import Dataset
from app.datasets.tables import assemble
from app.db import make_engine, make_sessionmaker
from app.errors import Conflict, InvalidInput, TooManyRequests
from app.migrate import downgrade, upgrade
from tests.support.data import seasonal_series
from tests.support.stack import wait_for_job


def _days(first: str, n: int) -> list[str]:
    return [first, *future_timestamps(first, "D", n - 1)]


def _two_series(isolated_client) -> dict:
    """Series a (2024-01-01..05, 1..5) and b (2024-01-01..03, 10..30), daily."""
    response = isolated_client.post(
        "/datasets",
        json={
            "name": "appendable",
            "columns": {"y": [1.0, 2, 3, 4, 5, 10, 20, 30]},
            "timestamps": _days("2024-01-01", 5) + _days("2024-01-01", 3),
            "series": ["a"] * 5 + ["b"] * 3,
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["revision"] == 1
    return response.json()


def _values(client, dataset_id: str, **params) -> dict:
    response = client.get(f"/datasets/{dataset_id}/values", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _wait_for_forecast(client, forecast_id: str, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while (found := client.get(f"/forecasts/{forecast_id}").json())["status"] not in (
        "succeeded",
        "failed",
        "cancelled",
    ):
        assert time.monotonic() < deadline, found
        time.sleep(0.1)
    return found


def _detail(response) -> str:
    detail = response.json()["detail"]
    return " | ".join(str(d) for d in detail) if isinstance(detail, list) else detail


def test_rows_continue_series_and_make_a_revision(isolated_client):
    dataset = _two_series(isolated_client)
    response = isolated_client.post(
        f"/datasets/{dataset['id']}/rows",
        json={
            "columns": {"y": [6.0, 40.0, 7.0]},
            "timestamps": ["2024-01-06", "2024-01-04", "2024-01-07"],
            "series": ["a", "b", "a"],
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["revision"], body["appended_rows"], body["replaced_rows"]) == (2, 3, 0)
    assert body["n_rows"] == 11 and body["frequency"] == "D"
    assert {s["id"]: (s["rows"], s["last"]) for s in body["series"]} == {
        "a": (7, "2024-01-07"),
        "b": (4, "2024-01-04"),
    }
    assert body["sha256"] != dataset["sha256"]
    a = _values(isolated_client, dataset["id"], series="a")
    assert a["columns"]["y"] == [1, 2, 3, 4, 5, 6, 7]
    assert a["timestamps"][-2:] == ["2024-01-06", "2024-01-07"]
    assert isolated_client.get(f"/datasets/{dataset['id']}").json()["revision"] == 2


def test_a_present_timestamp_is_409_naming_it_unless_replaced(isolated_client):
    dataset = _two_series(isolated_client)
    rows = {
        "columns": {"y": [-3.0, 6.0]},
        "timestamps": ["2024-01-03", "2024-01-06"],
        "series": ["a", "a"],
    }
    refused = isolated_client.post(f"/datasets/{dataset['id']}/rows", json=rows)
    assert refused.status_code == 409, refused.text
    assert "series 'a'" in _detail(refused) and "'2024-01-03'" in _detail(refused)
    assert isolated_client.get(f"/datasets/{dataset['id']}").json()["revision"] == 1

    replaced = isolated_client.post(
        f"/datasets/{dataset['id']}/rows", json={**rows, "on_conflict": "replace"}
    )
    assert replaced.status_code == 201, replaced.text
    body = replaced.json()
    assert (body["revision"], body["appended_rows"], body["replaced_rows"]) == (2, 1, 1)
    assert _values(isolated_client, dataset["id"], series="a")["columns"]["y"] == [
        1,
        2,
        -3,
        4,
        5,
        6,
    ]
    # the revision before keeps its own values
    assert _values(isolated_client, dataset["id"], series="a", revision=1)["columns"]["y"] == [
        1,
        2,
        3,
        4,
        5,
    ]


def test_new_series_join_and_revisions_stay_readable(isolated_client):
    dataset = _two_series(isolated_client)
    response = isolated_client.post(
        f"/datasets/{dataset['id']}/rows",
        json={
            "columns": {"y": [100.0, 200.0]},
            "timestamps": ["2024-02-01", "2024-02-02"],
            "series": ["c", "c"],
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["n_series"] == 3
    revisions = isolated_client.get(f"/datasets/{dataset['id']}/revisions").json()
    assert [(r["revision"], r["n_rows"], r["appended_rows"]) for r in revisions] == [
        (2, 10, 2),
        (1, 8, 8),
    ]
    assert revisions[0]["sha256"] == response.json()["sha256"]
    assert revisions[1]["sha256"] == dataset["sha256"]
    first = isolated_client.get(f"/datasets/{dataset['id']}/revisions/1").json()
    assert [s["id"] for s in first["series"]] == ["a", "b"]
    series = isolated_client.get(f"/datasets/{dataset['id']}/series", params={"revision": 1})
    assert [s["id"] for s in series.json()] == ["a", "b"]
    assert [s["id"] for s in isolated_client.get(f"/datasets/{dataset['id']}/series").json()] == [
        "a",
        "b",
        "c",
    ]
    old = _values(isolated_client, dataset["id"], revision=1)
    assert len(old["columns"]["y"]) == 8 and "c" not in old["series"]
    missing = isolated_client.get(f"/datasets/{dataset['id']}/revisions/3")
    assert missing.status_code == 404
    assert isolated_client.get(f"/datasets/{dataset['id']}/values?revision=9").status_code == 404


@pytest.mark.parametrize(
    "path", ["/revisions/{revision}", "/values?revision={revision}", "/series?revision={revision}"]
)
def test_a_revision_past_the_database_integer_is_a_422(isolated_client, path):
    """Revisions are 32-bit integers in the database: a larger one is refused before any query
    (the stateful fuzz run found a 500 from 2**62), the largest one is an ordinary 404."""
    dataset = _two_series(isolated_client)
    url = f"/datasets/{dataset['id']}" + path
    refused = isolated_client.get(url.format(revision=2**31))
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["loc"][-1] == "revision"
    assert isolated_client.get(url.format(revision=2**31 - 1)).status_code == 404


@pytest.mark.parametrize(
    ("rows", "field", "words"),
    [
        (
            {"columns": {"y": [6.0], "z": [1.0]}, "timestamps": ["2024-01-06"], "series": ["a"]},
            "columns",
            "unknown column(s) 'z'",
        ),
        (
            {"columns": {"x": [6.0]}, "timestamps": ["2024-01-06"], "series": ["a"]},
            "columns",
            "missing column(s) 'y'",
        ),
        (
            # before a's last timestamp and not in it (a holds 01-01..01-05 daily: 01-04T12)
            {"columns": {"y": [6.0]}, "timestamps": ["2024-01-04T12:00:00"], "series": ["a"]},
            "timestamps",
            "before the series' last timestamp '2024-01-05'",
        ),
        (
            # a gap of a day: the dataset is daily
            {"columns": {"y": [6.0]}, "timestamps": ["2024-01-07"], "series": ["a"]},
            "timestamps",
            "frequency 'D'",
        ),
        ({"columns": {"y": [6.0]}, "series": ["a"]}, "timestamps", "has timestamps"),
        ({"columns": {"y": [6.0]}, "timestamps": ["2024-01-06"]}, "series", "series id"),
    ],
)
def test_rows_that_do_not_fit_are_422s_naming_why(isolated_client, rows, field, words):
    dataset = _two_series(isolated_client)
    response = isolated_client.post(f"/datasets/{dataset['id']}/rows", json=rows)
    assert response.status_code == 422, response.text
    assert words in _detail(response)
    assert response.json()["detail"][0]["loc"][-1] == field
    assert isolated_client.get(f"/datasets/{dataset['id']}").json()["revision"] == 1


def test_fill_missing_fills_the_gap_before_new_rows(isolated_client):
    dataset = _two_series(isolated_client)
    response = isolated_client.post(
        f"/datasets/{dataset['id']}/rows",
        json={
            "columns": {"y": [8.0]},
            "timestamps": ["2024-01-08"],
            "series": ["a"],
            "fill_missing": "interpolate",
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["appended_rows"] == 3
    assert response.json()["frequency"] == "D"
    a = _values(isolated_client, dataset["id"], series="a")
    assert a["columns"]["y"] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert a["timestamps"][-3:] == ["2024-01-06", "2024-01-07", "2024-01-08"]


def test_csv_and_parquet_rows_and_a_dataset_without_timestamps(isolated_client):
    dataset = _two_series(isolated_client)
    csv = b"date,series,y\n2024-01-06,a,6\n2024-01-04,b,40\n"
    response = isolated_client.post(
        f"/datasets/{dataset['id']}/rows", files={"file": ("rows.csv", csv, "text/csv")}
    )
    assert response.status_code == 201, response.text
    assert (response.json()["revision"], response.json()["appended_rows"]) == (2, 2)
    buffer = io.BytesIO()
    pq.write_table(pa.table({"date": ["2024-01-06"], "series": ["a"], "y": [66.0]}), buffer)
    replaced = isolated_client.post(
        f"/datasets/{dataset['id']}/rows",
        files={"file": ("rows.parquet", buffer.getvalue())},
        data={"on_conflict": "replace"},
    )
    assert replaced.status_code == 201, replaced.text
    assert (replaced.json()["revision"], replaced.json()["replaced_rows"]) == (3, 1)
    assert _values(isolated_client, dataset["id"], series="a")["columns"]["y"][-1] == 66

    plain = isolated_client.post(
        "/datasets", json={"name": "untimed", "columns": {"y": [1.0, 2.0, 3.0]}}
    ).json()
    more = isolated_client.post(f"/datasets/{plain['id']}/rows", json={"columns": {"y": [4.0]}})
    assert more.status_code == 201, more.text
    assert _values(isolated_client, plain["id"])["columns"]["y"] == [1, 2, 3, 4]


def test_limits_are_checked_on_the_merged_table(db_session, pg_settings):
    """Rows within the limit alone but over it once merged are a 422, with nothing stored."""
    store = make_store(pg_settings)
    tight = pg_settings.model_copy(update={"max_dataset_rows": 4})
    base = assemble(
        ["y"],
        [[1.0], [2.0], [3.0]],
        timestamps=_days("2024-01-01", 3),
        series=None,
        field="columns",
    )
    dataset = service.create(db_session, store, tight, name="limited", table=base)
    more = assemble(
        ["y"], [[4.0], [5.0]], timestamps=_days("2024-01-04", 2), series=None, field="columns"
    )
    with pytest.raises(InvalidInput, match="5 rows exceed the limit of 4"):
        service.append(db_session, store, tight, dataset=dataset, table=more)
    assert dataset.revision == 1
    assert service.get_revisions(db_session, dataset, limit=9, offset=0)[0].revision == 1


def test_two_appends_wait_for_each_other(pg_url, pg_settings):
    """The second append blocks on the dataset row until the first commits, then makes the
    next revision from the first's rows (without the lock both would read revision 1)."""
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
    sessions = make_sessionmaker(engine)
    store = make_store(pg_settings)
    base = assemble(
        ["y"], [[1.0], [2.0]], timestamps=_days("2024-01-01", 2), series=None, field="columns"
    )
    with sessions() as session:
        dataset_id = service.create(session, store, pg_settings, name="locked", table=base).id
        session.commit()

    def rows(day: str) -> object:
        return assemble(["y"], [[3.0]], timestamps=[day], series=None, field="columns")

    first = sessions()
    made = service.append(
        first,
        store,
        pg_settings,
        dataset=first.get(Dataset, dataset_id),
        table=rows("2024-01-03"),
    )
    assert made.revision == 2
    second: dict = {}

    def append_second() -> None:
        with sessions() as session:
            second["made"] = service.append(
                session,
                store,
                pg_settings,
                dataset=session.get(Dataset, dataset_id),
                table=rows("2024-01-04"),
            )
            session.commit()

    thread = threading.Thread(target=append_second)
    thread.start()
    time.sleep(0.5)
    assert thread.is_alive(), "the second append did not wait for the first's lock"
    first.commit()
    first.close()
    thread.join(10)
    assert second["made"].revision == 3
    with sessions() as session:
        dataset = session.get(Dataset, dataset_id)
        assert dataset.revision == 3
        table = service.load_table(store, dataset)
        assert table.timestamps == _days("2024-01-01", 4)
        assert [r.revision for r in service.get_revisions(session, dataset, limit=9, offset=0)] == [
            3,
            2,
            1,
        ]
    engine.dispose()


def test_on_sqlite_the_loser_of_a_race_is_a_409(tmp_path):
    """The embedded default has no row lock: two appends that both read revision 1 cannot
    both store revision 2; the second is a Conflict asking to send its rows again."""
    url = f"sqlite:///{tmp_path / 'race.db'}"
    upgrade(url)
    settings = Settings(database_url=url, data_dir=tmp_path)
    store = make_store(settings)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    base = assemble(
        ["y"], [[1.0], [2.0]], timestamps=_days("2024-01-01", 2), series=None, field="columns"
    )
    with sessions() as session:
        dataset_id = service.create(session, store, settings, name="race", table=base).id
        session.commit()
    more = assemble(["y"], [[3.0]], timestamps=["2024-01-03"], series=None, field="columns")
    first, second = sessions(), sessions()
    # the first has written revision 2 (SQLite's write lock held) but not committed it
    made = service.append(
        first, store, settings, dataset=first.get(Dataset, dataset_id), table=more
    )
    outcome: dict = {}

    def append_second() -> None:  # reads revision 1, then waits for the write lock
        try:
            service.append(
                second, store, settings, dataset=second.get(Dataset, dataset_id), table=more
            )
        except Conflict as exc:
            outcome["conflict"] = exc.message

    thread = threading.Thread(target=append_second)
    thread.start()
    time.sleep(0.5)
    first.commit()
    thread.join(30)
    assert "appended to at the same time" in outcome["conflict"]
    second.rollback()
    assert made.revision == 2 and second.get(Dataset, dataset_id).revision == 2
    first.close()
    second.close()
    engine.dispose()


def test_appended_rows_returned_by_the_service(db_session, pg_settings):
    """What the live-accuracy check reads: only the appended and replaced rows, with their
    series ids and timestamps."""
    store = make_store(pg_settings)
    base = assemble(
        ["y"],
        [[1.0], [2.0], [10.0], [20.0]],
        timestamps=_days("2024-01-01", 2) * 2,
        series=["a", "a", "b", "b"],
        field="columns",
    )
    dataset = service.create(db_session, store, pg_settings, name="svc", table=base)
    new = assemble(
        ["y"],
        [[3.0], [22.0], [7.0]],
        timestamps=["2024-01-03", "2024-01-02", "2024-01-01"],
        series=["a", "b", "c"],
        field="columns",
    )
    made = service.append(
        db_session, store, pg_settings, dataset=dataset, table=new, on_conflict="replace"
    )
    assert made.revision == 2 and (made.appended_rows, made.replaced_rows) == (2, 1)
    assert made.rows.series == [("a", 1), ("b", 1), ("c", 1)]
    assert made.rows.timestamps == ["2024-01-03", "2024-01-02", "2024-01-01"]
    assert made.rows.values[:, 0].tolist() == [3.0, 22.0, 7.0]


def test_the_byte_quota_counts_every_revision(db_session, pg_settings):
    """Each revision is a full stored copy: the dataset's size_bytes is their sum, and an
    append that would pass the key's byte quota is a 429 with nothing stored."""
    store = make_store(pg_settings)
    base = assemble(
        ["y"], [[1.0], [2.0]], timestamps=_days("2024-01-01", 2), series=None, field="columns"
    )
    dataset = service.create(db_session, store, pg_settings, name="quota", table=base)
    made = service.append(
        db_session,
        store,
        pg_settings,
        dataset=dataset,
        table=assemble(["y"], [[3.0]], timestamps=["2024-01-03"], series=None, field="columns"),
    )
    sizes = [r.size_bytes for r in service.get_revisions(db_session, dataset, limit=9, offset=0)]
    assert made.revision == 2 and len(sizes) == 2 and dataset.size_bytes == sum(sizes)
    stored = db_session.scalar(
        select(func.sum(Dataset.size_bytes)).where(Dataset.owner_key_id.is_(None))
    )
    tight = pg_settings.model_copy(update={"max_dataset_bytes_per_key": stored + sizes[0]})
    with pytest.raises(TooManyRequests, match="bytes of datasets"):
        service.append(
            db_session,
            store,
            tight,
            dataset=dataset,
            table=assemble(["y"], [[4.0]], timestamps=["2024-01-04"], series=None, field="columns"),
        )


def test_jobs_and_forecasts_read_the_revision_current_when_submitted(
    client, pg_worker, pg_settings, trained_lstm
):
    """A training job and a whole-dataset forecast queued before an append read the revision
    they recorded, though they run after it (the one worker trains first, then forecasts):
    the job's manifest's series end where that revision ends, its version records it, and the
    forecast is /predict's on that revision's window. A job queued after the append records
    the new revision."""
    days = _days("2024-01-01", 100)
    values = seasonal_series(100)
    created = client.post(
        "/datasets",
        json={
            "name": "revised",
            "columns": {k: v[:80] for k, v in values.items()},
            "timestamps": days[:80],
            "series": ["s"] * 80,
        },
    ).json()
    body = {
        "model_name": "revised-gru",
        "architecture": "gru",
        "dataset_id": created["id"],
        "target_columns": ["y"],
        "input_length": 12,
        "horizon": 3,
        "hyperparameters": {"hidden_size": 8, "num_layers": 1, "epochs": 2, "seed": 1},
    }
    before = client.post("/train", json=body)
    assert before.status_code == 202, before.text
    lstm = {k: trained_lstm["model_version"][k] for k in ("model", "version")}
    forecast = client.post(
        "/forecasts", json={**lstm, "dataset_id": created["id"], "format": "json"}
    )
    assert forecast.status_code == 202, forecast.text
    response = client.post(
        f"/datasets/{created['id']}/rows",
        json={
            "columns": {k: v[80:] + v[:40] for k, v in values.items()},
            "timestamps": days[80:] + days[:40],
            "series": ["s"] * 20 + ["t"] * 40,
        },
    )
    assert response.status_code == 201, response.text
    after = client.post("/train", json=body)
    assert after.status_code == 202, after.text
    assert after.json()["dataset_revision"] == 2
    client.post(f"/jobs/{after.json()['id']}/cancel")  # queued behind the others: never trained

    job = wait_for_job(client, before.json()["id"])
    assert job["status"] == "succeeded", job
    assert job["dataset_revision"] == 1
    version = client.get(f"/models/revised-gru/versions/{job['model_version']['version']}")
    assert version.json()["dataset_revision"] == 1
    # what it knows is that revision's: one series (not "t", appended since)
    assert (version.json()["series"], version.json()["series_count"]) == (["s"], 1)
    manifest = make_store(pg_settings).get(manifest_uri_for(version.json()["artifact_uri"]))
    assert Manifest.from_json(manifest).series == {"s": days[79]}

    done = _wait_for_forecast(client, forecast.json()["id"])
    assert done["status"] == "succeeded", done
    found = [json.loads(line)["y"] for line in client.get(done["result_url"]).text.splitlines()]
    window = [[values["y"][i], values["x"][i]] for i in range(56, 80)]
    answer = client.post("/predict", json={**lstm, "inputs": [window]}).json()
    wanted = [step[0] for step in answer["predictions"][0]]
    assert found == pytest.approx(wanted, rel=1e-5, abs=1e-5)


def test_0010_backfills_revision_1(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    upgrade(url, "0009")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO datasets (id, name, n_rows, columns, has_timestamps, n_series, "
            "sha256, artifact_uri, size_bytes, filled, created_at) VALUES ('d1', 'd', 7, "
            "'[\"y\"]', false, 1, 's', 'u', 99, '{}', CURRENT_TIMESTAMP)"
        )
    engine.dispose()
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT dataset_id, revision, sha256, artifact_uri, n_rows, size_bytes, "
            "appended_rows, replaced_rows FROM dataset_revisions"
        ).all()
        (revision,) = conn.exec_driver_sql("SELECT revision FROM datasets").one()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("d1", 1, "s", "u", 7, 99, 7, 0)]
    assert revision == 1
    downgrade(url, "0009")


def test_cli_datasets_append(live_url, admin_key, tmp_path):
    env = {"SEQCAST_URL": live_url, "SEQCAST_API_KEY": admin_key}
    headers = {"Authorization": f"Bearer {admin_key}"}
    with httpx.Client(base_url=live_url, headers=headers, timeout=30) as http:
        created = http.post(
            "/datasets",
            json={
                "name": "cli-append",
                "columns": {"y": [1.0, 2.0]},
                "timestamps": _days("2024-01-01", 2),
            },
        ).json()
    rows = tmp_path / "rows.csv"
    rows.write_text("date,y\n2024-01-03,3\n")
    result = CliRunner().invoke(app, ["datasets", "append", created["id"], str(rows)], env=env)
    assert result.exit_code == 0, result.output
    assert f"dataset {created['id']} revision 2: 1 rows appended, 0 replaced" in result.output
    again = CliRunner().invoke(app, ["datasets", "append", created["id"], str(rows)], env=env)
    assert again.exit_code == 1 and "HTTP 409" in again.output and "'2024-01-03'" in again.output
    replaced = CliRunner().invoke(
        app, ["datasets", "append", created["id"], str(rows), "--replace"], env=env
    )
    assert replaced.exit_code == 0 and "revision 3: 0 rows appended, 1 replaced" in replaced.output
