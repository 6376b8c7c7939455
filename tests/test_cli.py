"""The `seqcast` client commands against the real server over HTTP (train --wait with a real worker,
jobs, models, predict), their error exit codes, and the CLI's import promise."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from datetime import date, timedelta

import httpx
import numpy as np
import pytest
from typer.testing import CliRunner

from app.cli import app
from tests.conftest import ROOT, free_port, seasonal_series

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
    assert re.search(r"uploaded series\.csv: dataset \w+ \(200 rows; columns y, x\)", result.output)
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
        "from app.cli import main\n"
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


def test_help_lists_server_and_client_commands():
    result = runner.invoke(app, ["--help"], prog_name="seqcast")
    assert result.exit_code == 0
    for command in ("serve", "api", "worker", "migrate", "train", "jobs", "models", "predict"):
        assert re.search(rf"^\W*{command}\s", result.stdout, re.MULTILINE), command
