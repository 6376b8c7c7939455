"""The generated client in sdk/: up to date with the API, importable, and working against the real
server over HTTP (upload, train with a real worker, wait, predict), docs/sdk.md's snippet too."""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import re
import subprocess
import sys
import time
from datetime import date, timedelta

import httpx
import numpy as np
import pytest
from seqcast_client import AuthenticatedClient
from seqcast_client.api.datasets import create_dataset, get_dataset
from seqcast_client.api.inference import predict
from seqcast_client.api.jobs import get_job
from seqcast_client.api.models import get_model
from seqcast_client.api.training import train
from seqcast_client.models import (
    DatasetCreate,
    DatasetCreateColumns,
    DatasetUpload,
    Hyperparameters,
    JobStatus,
    PredictRequest,
    TrainRequest,
    TrainRequestArchitecture,
)
from seqcast_client.types import File

from tests.support.data import seasonal_series
from tests.support.stack import ROOT


def load_generator():
    spec = importlib.util.spec_from_file_location("sdk_generate", ROOT / "sdk" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_sdk_matches_the_live_schema(client, tmp_path):
    """Regenerate from the schema the server serves; any difference means `make sdk` was not run."""
    generator = load_generator()
    live = client.get("/openapi.json").json()
    assert live == generator.build_schema(), "the served schema differs from create_app()'s"
    generator.generate(tmp_path, live)
    problems = generator.differences(tmp_path)
    assert not problems, (
        "sdk/ is out of date with the API: run `make sdk` and commit the result.\n  "
        + "\n  ".join(problems)
    )


def test_every_sdk_module_imports():
    """Generated code that does not even import (e.g. a name used but not imported) fails here."""
    import seqcast_client

    names = [m.name for m in pkgutil.walk_packages(seqcast_client.__path__, "seqcast_client.")]
    assert "seqcast_client.api.training.train" in names
    for name in names:
        importlib.import_module(name)


def test_sdk_operations_have_clean_names():
    """One module per operation, named by its operationId, grouped by its tag."""
    api = ROOT / "sdk" / "seqcast_client" / "api"
    modules = {p.relative_to(api).with_suffix("").as_posix() for p in api.rglob("[!_]*.py")}
    assert {
        "datasets/create_dataset",
        "training/train",
        "jobs/get_job",
        "jobs/list_jobs",
        "models/get_model",
        "inference/predict",
        "open_inference_protocol/v2_infer",
    } <= modules
    assert not [m for m in modules if re.search(r"_(get|post|put|delete)$", m)], modules


@pytest.fixture
def api(live_url: str, admin_key: str) -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url=live_url,
        token=admin_key,
        timeout=httpx.Timeout(30),
        raise_on_unexpected_status=True,
    )


def test_sdk_upload_train_wait_predict(api, pg_worker, tmp_path):
    series = seasonal_series(200)
    csv = tmp_path / "series.csv"
    csv.write_text(
        "y,x\n" + "\n".join(f"{y},{x}" for y, x in zip(series["y"], series["x"], strict=True))
    )

    # The two content types of POST /datasets: a multipart CSV and JSON columns.
    with csv.open("rb") as f:
        uploaded = create_dataset.sync(
            client=api, body=DatasetUpload(file=File(f, "series.csv", "text/csv"), name="sdk-csv")
        )
    assert uploaded.n_rows == 200 and uploaded.columns == ["y", "x"]
    columns = DatasetCreateColumns.from_dict(series)
    posted = create_dataset.sync(client=api, body=DatasetCreate(columns=columns, name="sdk-json"))
    assert posted.sha256 == uploaded.sha256  # same values, same content hash
    assert get_dataset.sync(uploaded.id, client=api).name == "sdk-csv"

    job = train.sync(
        client=api,
        body=TrainRequest(
            model_name="sdk-gru",
            architecture=TrainRequestArchitecture.GRU,
            dataset_id=uploaded.id,
            horizon=4,
            input_length=16,
            target_columns=["y"],
            feature_columns=["y", "x"],
            hyperparameters=Hyperparameters(hidden_size=8, num_layers=1, epochs=3),
        ),
    )
    assert job.status == JobStatus.QUEUED
    deadline = time.monotonic() + 120
    while (job := get_job.sync(job.id, client=api)).status in (JobStatus.QUEUED, "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.progress.epoch == 3 and len(job.history) == 3
    assert job.model_version.model == "sdk-gru"

    window = np.column_stack([series["y"][-16:], series["x"][-16:]]).tolist()
    forecast = predict.sync(client=api, body=PredictRequest(model="sdk-gru", inputs=[window]))
    assert forecast.version == job.model_version.version
    assert forecast.target_columns == ["y"]
    assert np.asarray(forecast.predictions).shape == (1, 4, 1)
    assert get_model.sync("sdk-gru", client=api).latest_version == forecast.version

    # A documented error status: `sync_detailed` carries the server's message.
    missing = predict.sync_detailed(
        client=api, body=PredictRequest(model="sdk-missing", inputs=[window])
    )
    assert missing.status_code == 404 and b"sdk-missing" in missing.content


def test_docs_sdk_snippet_works_when_pasted(live_url, admin_key, pg_worker, tmp_path):
    """docs/sdk.md's SDK block, with the URL replaced, run as a script after README's walk-through
    (its series.csv: a date column, then y)."""
    page = (ROOT / "docs" / "sdk.md").read_text()
    block = page.split("<!-- sdk:start -->")[1].split("<!-- sdk:end -->")[0]
    snippet = block.strip().removeprefix("```python").removesuffix("```")
    assert '"http://127.0.0.1:8000"' in snippet
    snippet = snippet.replace('"http://127.0.0.1:8000"', repr(live_url))
    y = seasonal_series(240)["y"]
    (tmp_path / "series.csv").write_text(
        "date,y\n"
        + "".join(
            f"{(date(2025, 1, 1) + timedelta(days=t)).isoformat()},{v}\n" for t, v in enumerate(y)
        )
    )
    result = subprocess.run(
        [sys.executable, "-c", snippet],
        cwd=tmp_path,
        env={**os.environ, "SEQCAST_API_KEY": admin_key},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("succeeded [[["), result.stdout
    assert result.stdout.count("[") == 2 + 6  # [batch][horizon 6][1 target]
