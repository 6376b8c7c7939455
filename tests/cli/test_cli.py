"""The `seqcast` client commands against the real server over HTTP (train --wait with a real worker,
from a CSV and from a many-series Parquet file with quantiles; jobs, models, predict with
quantiles and timestamps, backtest --wait), their error exit codes, and the CLI's import promise."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from app.cli.main import app
from tests.support.data import seasonal_series
from tests.support.private_services import free_port
from tests.support.stack import ROOT

runner = CliRunner()


@pytest.fixture(scope="module")
def cli(live_url: str, admin_key: str):
    """Run `seqcast ARGS...` in-process against the live server, as a user with a key would."""
    env = {"SEQCAST_URL": live_url, "SEQCAST_API_KEY": admin_key}

    def invoke(*args: str):
        return runner.invoke(app, list(args), env=env, prog_name="seqcast")

    return invoke


@pytest.fixture(scope="module")
def http(live_url: str, admin_key: str):
    with httpx.Client(
        base_url=live_url, headers={"Authorization": f"Bearer {admin_key}"}, timeout=30
    ) as c:
        yield c


@pytest.fixture(scope="module")
def series() -> dict[str, list[float]]:
    return seasonal_series(200)


def day(t: int) -> str:
    return (date(2025, 1, 1) + timedelta(days=t)).isoformat()


@pytest.fixture(scope="module")
def trained(cli, pg_worker, series, tmp_path_factory) -> str:
    """`seqcast train ... --csv FILE --wait` on a tiny GRU; returns the job id."""
    folder = tmp_path_factory.mktemp("cli")
    data = folder / "series.csv"
    rows = zip(range(200), series["y"], series["x"], strict=True)
    data.write_text("date,y,x\n" + "".join(f"{day(t)},{y},{x}\n" for t, y, x in rows))
    result = cli(
        "train", "cli-gru", "gru", "--csv", str(data), "--horizon", "4", "--input-length", "16",
        "--target", "y", "--feature", "y", "--feature", "x",
        "--epochs", "3", "--hidden-size", "8", "--num-layers", "1", "--wait",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    uploaded = r"uploaded series\.csv: dataset \w+ \(200 rows; columns y, x; frequency D\)"
    assert re.search(uploaded, result.output)
    assert "3/3" in result.output and "val_loss" in result.output  # the progress bar's last state
    summary = (
        r"job (\w+) succeeded after 3 epochs, val_loss [\d.e-]+: cli-gru v1 \(MASE [\d.e-]+ vs"
    )
    match = re.search(summary, result.stdout)
    assert match, result.output
    return match[1]


def test_train_wait_then_jobs(cli, trained):
    listed = cli("jobs", "--status", "succeeded", "--model", "cli-gru")
    assert listed.exit_code == 0, listed.output
    header, *rows = listed.stdout.splitlines()
    assert header.split() == [
        "ID", "MODEL", "ARCH", "STATUS", "EPOCH", "VAL_LOSS", "VERSION", "CREATED"
    ]  # fmt: skip
    assert len(rows) == 1 and rows[0].split()[:5] == [trained, "cli-gru", "gru", "succeeded", "3/3"]
    assert cli("jobs", "--status", "running", "--model", "cli-gru").stdout == "no jobs\n"


def test_models_list_and_show(cli, trained, http):
    listed = cli("models")
    assert listed.exit_code == 0, listed.output
    assert re.search(r"^cli-gru\s+1\s+1\s", listed.stdout, re.MULTILINE), listed.stdout

    assert http.put("/models/cli-gru/aliases/production", json={"version": 1}).status_code == 200
    shown = cli("models", "cli-gru")
    assert shown.exit_code == 0, shown.output
    assert "aliases: production=v1" in shown.stdout
    row = next(line for line in shown.stdout.splitlines() if line.startswith("v1 "))
    metrics = http.get("/models/cli-gru/versions/1").json()["metrics"]
    mine = metrics["model"]
    expected = ["v1", "gru", *(f"{mine[k]:.4g}" for k in ("mae", "rmse", "mase"))]
    assert row.split()[:5] == expected, shown.stdout
    assert "production" in row


def test_predict_prints_the_forecast_of_predict(cli, trained, series, http, tmp_path):
    # Columns in another order than the model's (y, x) plus a date column: picked by name.
    window = tmp_path / "window.csv"
    rows = zip(series["x"][-16:], series["y"][-16:], strict=True)
    window.write_text("x,date,y\n" + "".join(f"{x},d{i},{y}\n" for i, (x, y) in enumerate(rows)))
    inputs = np.column_stack([series["y"][-16:], series["x"][-16:]]).tolist()
    expected = http.post("/predict", json={"model": "cli-gru", "inputs": [inputs]}).json()

    printed = cli("predict", "cli-gru", str(window))
    assert printed.exit_code == 0, printed.output
    table = list(csv.reader(io.StringIO(printed.stdout)))
    assert table[0] == ["step", "y"]
    assert [int(r[0]) for r in table[1:]] == [1, 2, 3, 4]
    got = np.array([[float(v) for v in r[1:]] for r in table[1:]])
    np.testing.assert_array_equal(got, np.asarray(expected["predictions"][0]))

    out = tmp_path / "forecast.csv"
    written = cli("predict", "cli-gru", str(window), "--alias", "production", "--out", str(out))
    assert written.exit_code == 0, written.output
    assert out.read_text() == printed.stdout
    assert "cli-gru v1: 4 steps of y written to" in written.stdout

    # --last: a longer file cut to its last rows gives the same forecast.
    longer = tmp_path / "longer.csv"
    ys, xs = series["y"][-40:], series["x"][-40:]
    longer.write_text("y,x\n" + "".join(f"{y},{x}\n" for y, x in zip(ys, xs, strict=True)))
    assert cli("predict", "cli-gru", str(longer), "--last", "16").stdout == printed.stdout


def test_server_errors_exit_1_with_the_servers_message(cli, trained, http, tmp_path):
    unknown = cli("models", "no-such-model")
    assert unknown.exit_code == 1
    detail = http.get("/models/no-such-model").json()["detail"]
    assert unknown.stderr == f"error: HTTP 404: {detail}\n"

    window = tmp_path / "w.csv"
    window.write_text("y,x\n1,2\n3,4\n")
    assert cli("predict", "no-such-model", str(window)).exit_code == 1
    missing_alias = cli("predict", "cli-gru", str(window), "--alias", "nope")
    assert missing_alias.exit_code == 1 and "has no alias 'nope'" in missing_alias.stderr

    only_y = tmp_path / "only_y.csv"
    only_y.write_text("y\n1\n2\n")
    wrong_file = cli("predict", "cli-gru", str(only_y))
    assert wrong_file.exit_code == 1
    assert "lacks column(s) x: the model reads y, x" in wrong_file.stderr

    unknown_dataset = cli("train", "cli-x", "lstm", "no-such-dataset", "--horizon", "2")
    assert unknown_dataset.exit_code == 1
    assert unknown_dataset.stderr.startswith("error: HTTP 4"), unknown_dataset.stderr
    assert "no-such-dataset" in unknown_dataset.stderr


def test_without_a_key_the_server_says_so(live_url, trained):
    result = runner.invoke(app, ["models", "--url", live_url], env={"SEQCAST_API_KEY": None})
    assert result.exit_code == 1
    assert result.stderr.startswith("error: HTTP 401: ")


def test_unreachable_server_exits_2():
    """The real console script, in its own process: a clear message and exit code 2."""
    url = f"http://127.0.0.1:{free_port()}"
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "jobs", "--url", url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith(f"error: cannot reach seqcast at {url}: "), done.stderr


def test_client_commands_never_import_torch_or_workers(live_url, admin_key, trained):
    code = (
        "import sys\n"
        "from app.cli.main import main\n"
        "try:\n"
        f"    main(['models', 'cli-gru', '--url', {live_url!r}, '--api-key', {admin_key!r}])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'workers'))\n"
        "print(leaked)\n"
        "sys.exit(1 if leaked else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_server_commands_work_without_the_sdk():
    """The API image has no SDK: server commands never load it, client ones say how to get it."""
    code = (
        "import sys\n"
        "from app.cli.main import main\n"
        "try:\n"
        "    main(['api', '--help'])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "assert 'seqcast_client' not in sys.modules\n"
        "sys.modules['seqcast_client'] = None\n"
        "main(['jobs', '--url', 'http://127.0.0.1:1'])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "the seqcast client SDK is not installed" in done.stderr, done.stderr


def test_help_lists_server_and_client_commands():
    result = runner.invoke(app, ["--help"], prog_name="seqcast")
    assert result.exit_code == 0
    commands = ("serve", "api", "worker", "migrate", "train", "jobs", "models", "predict")
    for command in (*commands, "backtest"):
        assert re.search(rf"^\W*{command}\s", result.stdout, re.MULTILINE), command


# --- many series, Parquet, quantiles, timestamps, backtests --------------------------------------

STORES = {"north": 90, "south": 70}
"""Series id -> rows: daily, both ending on LAST_DAY, so their backtest origins share dates."""
LAST_DAY = date(2025, 3, 31)
LEVELS = [0.1, 0.5, 0.9]


def store_rows(store: str) -> tuple[list[date], list[float], list[float]]:
    n = STORES[store]
    rng = np.random.default_rng(list(STORES).index(store))
    t = np.arange(n)
    y = 10 + 3 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 0.2, n)
    price = 5 + rng.normal(0, 1, n)
    days = [LAST_DAY - timedelta(days=n - 1 - k) for k in range(n)]
    return days, y.round(4).tolist(), price.round(4).tolist()


@pytest.fixture(scope="module")
def stores_parquet(tmp_path_factory) -> Path:
    """Long format, a date-typed `ds` column and a series column the server would not guess."""
    columns: dict[str, list] = {"store": [], "ds": [], "y": [], "price": []}
    for store in STORES:
        days, y, price = store_rows(store)
        columns["store"] += [store] * len(days)
        columns["ds"] += days
        columns["y"] += y
        columns["price"] += price
    path = tmp_path_factory.mktemp("cli-series") / "stores.bin"  # Parquet by content, not name
    pq.write_table(pa.table(columns), path)
    return path


@pytest.fixture(scope="module")
def trained_stores(cli, http, pg_worker, stores_parquet) -> dict:
    """`seqcast train --file PARQUET --series-column --quantile --normalization --wait`; the
    job as the server shows it."""
    result = cli(
        "train", "cli-stores", "lstm", "--file", str(stores_parquet), "--series-column", "store",
        "--horizon", "4", "--input-length", "16", "--season-length", "7", "--target", "y",
        "--feature", "y", "--feature", "price", "--quantile", "0.9", "--quantile", "0.1",
        "--normalization", "global", "--epochs", "3", "--hidden-size", "8", "--num-layers", "1",
        "--wait",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    uploaded = r"uploaded stores\.bin: dataset \w+ \(160 rows in 2 series; columns y, price; "
    assert re.search(uploaded + r"frequency D\)", result.stdout), result.stdout
    match = re.search(r"job (\w+) succeeded after 3 epochs, .*: cli-stores v1 ", result.stdout)
    assert match, result.output
    return http.get(f"/jobs/{match[1]}").json()


def test_train_sends_quantiles_and_normalization(trained_stores, http):
    spec = trained_stores["spec"]
    assert spec["quantiles"] == LEVELS
    assert spec["hyperparameters"]["normalization"] == "global"
    dataset = http.get(f"/datasets/{trained_stores['dataset_id']}").json()
    assert dataset["n_series"] == 2 and [s["id"] for s in dataset["series"]] == list(STORES)


def window_file(path: Path) -> Path:
    """The last 16 rows of both stores in one long-format CSV, stores interleaved."""
    rows = []
    for store in STORES:
        days, y, price = store_rows(store)
        rows += [(k, store, days[-16 + k], y[-16 + k], price[-16 + k]) for k in range(16)]
    lines = [f"{d},{p},{store},{y}\n" for _, store, d, y, p in sorted(rows)]
    path.write_text("date,price,store,y\n" + "".join(lines))
    return path


def test_predict_prints_quantiles_and_timestamps(cli, trained_stores, http, tmp_path):
    window = window_file(tmp_path / "window.csv")
    _, y, price = store_rows("south")
    inputs = np.column_stack([y[-16:], price[-16:]]).tolist()
    body = {"model": "cli-stores", "inputs": [inputs], "series_id": "south"}
    expected = http.post("/predict", json=body).json()
    assert expected["quantiles"] and expected["timestamps"], expected

    printed = cli("predict", "cli-stores", str(window), "--series", "south", "--series-column",
                  "store")  # fmt: skip
    assert printed.exit_code == 0, printed.output
    header, *rows = list(csv.reader(io.StringIO(printed.stdout)))
    assert header == ["step", "timestamp", "y", "y_q0.1", "y_q0.5", "y_q0.9"]
    assert [r[1] for r in rows] == expected["timestamps"][0]
    assert rows[0][1] == (LAST_DAY + timedelta(days=1)).isoformat()
    got = np.array([[float(v) for v in r[2:]] for r in rows])
    np.testing.assert_array_equal(got[:, :1], np.asarray(expected["predictions"][0]))
    np.testing.assert_array_equal(got[:, 1:], np.asarray(expected["quantiles"]["values"][0])[:, 0])

    # --last-timestamp dates the forecast from the given day instead.
    dated = cli("predict", "cli-stores", str(window), "--series", "south", "--series-column",
                "store", "--last-timestamp", "2025-06-30")  # fmt: skip
    assert dated.exit_code == 0, dated.output
    first = list(csv.reader(io.StringIO(dated.stdout)))[1]
    assert first[1] == "2025-07-01" and first[2:] == rows[0][2:]


def test_predict_refuses_an_ambiguous_long_file(cli, trained_stores, tmp_path):
    window = window_file(tmp_path / "window.csv")
    both = cli("predict", "cli-stores", str(window), "--series-column", "store")
    assert both.exit_code == 1
    assert "holds 2 series in column 'store' (north, south): pick one with --series" in both.stderr
    unknown = cli("predict", "cli-stores", str(window), "--series", "east", "--series-column",
                  "store")  # fmt: skip
    assert unknown.exit_code == 1 and "no rows of series 'east'" in unknown.stderr
    wrong = cli("predict", "cli-stores", str(window), "--series-column", "shop")
    assert wrong.exit_code == 1
    assert "no column 'shop'; the file has date, price, store, y" in wrong.stderr


def test_backtest_wait_prints_every_fold(cli, trained_stores, http):
    result = cli("backtest", "cli-stores", "--version", "1", "--folds", "3", "--wait")
    assert result.exit_code == 0, result.output
    queued = re.match(r"backtest (\w+) (queued|running|succeeded): cli-stores v1, 3 folds, "
                      r"stride 4\n", result.stdout)  # fmt: skip
    assert queued, result.stdout
    done = http.get(f"/backtests/{queued[1]}").json()
    assert done["status"] == "succeeded", done
    lines = result.stdout.splitlines()
    assert lines[1].split() == [
        "FOLD", "ORIGIN", "HELD_OUT", "MAE", "RMSE", "SMAPE", "MASE", "NAIVE_MAE", "NAIVE_MASE",
        "BEATS_NAIVE",
    ]  # fmt: skip
    rows = [line.split() for line in lines[2:6]]

    def scores(part: dict) -> list[str]:
        mine, naive = part["model"], part["seasonal_naive"]
        values = [mine[k] for k in ("mae", "rmse", "smape", "mase")]
        values += [naive["mae"], naive["mase"]]
        return [f"{v:.4g}" for v in values] + ["yes" if part["beats_seasonal_naive"] else "no"]

    for row, fold in zip(rows, done["fold_metrics"], strict=False):
        # both stores end on the same day, so each fold starts on one date for both
        (origin,) = set(fold["origin_timestamps"].values())
        held_out = "yes" if fold["held_out"] else "no"
        assert row == [str(fold["fold"]), origin, held_out, *scores(fold)], result.stdout
    assert rows[3] == ["all", *scores(done["metrics"])]
    first_origin = LAST_DAY - timedelta(days=4 + 2 * 4 - 1)
    assert rows[0][1] == first_origin.isoformat()
    summary = done["metrics"]
    verdict = "beats" if summary["beats_seasonal_naive"] else "does not beat"
    assert lines[6] == (
        f"cli-stores v1 {verdict} seasonal naive (season 7): MASE "
        f"{summary['model']['mase']:.4g} vs {summary['seasonal_naive']['mase']:.4g}, "
        f"{summary['folds_won']} of 3 folds won, 2 series"
    )


def test_backtest_without_wait_and_its_errors(cli, trained):
    queued = cli("backtest", "cli-gru", "--folds", "1", "--stride", "2")
    assert queued.exit_code == 0, queued.output
    assert re.fullmatch(r"backtest \w+ \w+: cli-gru v1, 1 folds, stride 2\n", queued.stdout)

    both = cli("backtest", "cli-gru", "--version", "1", "--alias", "production")
    assert both.exit_code == 2 and "give --version or --alias, not both" in both.stderr
    too_many = cli("backtest", "cli-gru", "--folds", "100")
    assert too_many.exit_code == 1
    assert too_many.stderr.startswith("error: HTTP 422: folds: 100 folds"), too_many.stderr
    unknown = cli("backtest", "no-such-model")
    assert unknown.exit_code == 1 and "no-such-model" in unknown.stderr


def test_series_column_needs_a_file(cli):
    result = cli("train", "cli-x", "lstm", "some-dataset", "--horizon", "2", "--series-column", "s")
    assert result.exit_code == 2
    assert "--series-column applies to an uploaded --file" in result.stderr


def test_train_auto_sends_the_search_and_reports_the_candidates(cli, http, trained):
    dataset_id = http.get(f"/jobs/{trained}").json()["dataset_id"]
    queued = cli(
        "train", "cli-auto", "auto", dataset_id, "--horizon", "4", "--input-length", "16",
        "--target", "y", "--candidate", "gru", "--candidate", "rnn", "--budget-seconds", "60",
        "--epochs", "1", "--hidden-size", "8",
    )  # fmt: skip
    assert queued.exit_code == 0, queued.output
    job_id = re.search(r"job (\w+) \w+: cli-auto \(auto\)", queued.stdout)[1]
    job = http.post(f"/jobs/{job_id}/cancel").json()  # nothing to train here
    assert job["spec"]["auto"]["budget_seconds"] == 60
    assert [c["architecture"] for c in job["candidates"]] == ["gru", "rnn"]

    from seqcast_client.models import JobRead

    from app.cli.client.jobs import candidates_table

    header, *rows = candidates_table(JobRead.from_dict(job)).splitlines()
    assert header.split() == ["CANDIDATE", "ARCH", "GRID", "STATUS", "VAL_MASE", "RANK", "ERROR"]
    assert [row.split()[1] for row in rows] == ["gru", "rnn"]

    plain = cli("train", "cli-x", "gru", dataset_id, "--horizon", "2", "--candidate", "rnn")
    assert plain.exit_code == 2 and "apply to architecture auto" in plain.stderr


def test_refresh_history_schedule_and_accuracy(cli, trained, http):
    """The lifecycle commands against the live server: a gated refresh of production (the
    history shows the gate's decision with both scores), a schedule put, shown and deleted,
    and a version's live accuracy. Last in the module: the refresh adds cli-gru v2."""
    assert http.put("/models/cli-gru/aliases/production", json={"version": 1}).status_code == 200
    refreshed = cli("refresh", "cli-gru", "--promote", "if_better", "--epochs", "2", "--wait")
    assert refreshed.exit_code == 0, refreshed.output
    assert re.search(
        r"job \w+ queued: refresh of cli-gru production \(promote if_better\)", refreshed.stdout
    )
    assert re.search(r"job \w+ succeeded$", refreshed.stdout, re.M), refreshed.stdout
    assert http.get("/models/cli-gru/versions/2").json()["parent"] == {
        "model": "cli-gru",
        "version": 1,
    }

    deadline = time.monotonic() + 30  # the gate decides just after the job succeeds
    while (events := http.get("/models/cli-gru/aliases/production/history").json())[0][
        "reason"
    ] != "refresh":
        assert time.monotonic() < deadline, events
        time.sleep(0.3)
    shown = cli("history", "cli-gru")
    assert shown.exit_code == 0, shown.output
    header, newest, *_ = shown.stdout.splitlines()
    assert header.split() == [
        "WHEN",
        "DECISION",
        "NOW",
        "BEFORE",
        "REASON",
        "CHALLENGER",
        "CHAMPION",
    ]
    gate = events[0]
    assert newest.split()[2:] == [
        gate["decision"],
        f"v{gate['version']}",
        "v1",
        "refresh",
        f"{gate['challenger_score']:.4g}",
        f"{gate['champion_score']:.4g}",
    ], shown.stdout

    put = cli("schedule", "cli-gru", "--cron", "0 3 * * *", "--promote", "always")
    assert put.exit_code == 0, put.output
    assert "schedule of cli-gru: cron 0 3 * * *, refresh production, promote always" in put.stdout
    assert re.search(r"next run: \d{4}-\d\d-\d\d 03:00:00 UTC; runs so far: 0", put.stdout)
    assert cli("schedule", "cli-gru").stdout == put.stdout
    bad = cli("schedule", "cli-gru", "--cron", "61 * * * *")
    assert bad.exit_code == 1 and "cron" in bad.output, bad.output
    assert cli("schedule", "cli-gru", "--delete").exit_code == 0
    gone = cli("schedule", "cli-gru")
    assert gone.exit_code == 1 and "HTTP 404" in gone.output, gone.output

    scored = cli("accuracy", "cli-gru", "1")
    assert scored.exit_code == 0, scored.output
    assert scored.stdout.startswith("cli-gru v1: 0 of 0 recorded points scored"), scored.stdout
