"""A training job with covariates, run in-process by the worker's runner on a real migrated
SQLite registry and a file artifact store (issue 15): the manifest carries future_columns,
calendar, static_columns, static_features and static_values keyed by series id, the stored graph
takes exactly the manifest's inputs and has no step graph; a static column that varies within a
series fails the job with a message naming the column and the series."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from sqlalchemy import select

from app.artifacts import make_store
from app.config import Settings
from app.contract import MANIFEST_FILENAME, ONNX_FILENAME, Manifest, model_artifact_key
from app.datasets.models import Dataset
from app.datasets.storage import SeriesTable, encode
from app.registry.models import ModelVersion
from app.training.models import JobStatus, TrainingJob
from app.training.schemas import Hyperparameters, JobSpec, WarmStart
from tests.support.promotions import COLUMNS, promotion_series
from tests.support.registry_db import migrated_database

SERIES = [("north", 10.0, 1.0), ("south", 25.0, 2.0)]  # id, store size, region code


def two_stores() -> SeriesTable:
    blocks, stamps = [], []
    for k, (_, size, region) in enumerate(SERIES):
        values, days = promotion_series(90, seed=k)
        blocks.append(np.hstack([values, np.full((90, 1), size), np.full((90, 1), region)]))
        stamps += days
    return SeriesTable(
        columns=[*COLUMNS, "size", "region"],
        values=np.concatenate(blocks),
        timestamps=stamps,
        series=[(name, 90) for name, _, _ in SERIES],
        frequency="D",
    )


SPEC = JobSpec(
    target_columns=["sales"],
    feature_columns=["sales", "promotion", "price"],
    input_length=14,
    horizon=7,
    validation_fraction=0.2,
    season_length=7,
    future_columns=["promotion", "price"],
    calendar=["day_of_week", "holidays:US"],
    static_columns=["size", "region"],
    categorical_columns=["region"],
    hyperparameters=Hyperparameters(
        hidden_size=8, num_layers=1, epochs=2, refit=False, normalization="global"
    ),
)


def run(
    tmp_path: Path, *tables: SeriesTable, warm: bool = False
) -> tuple[list[TrainingJob], Settings]:
    """Train on each table in turn in one registry; with `warm`, every job after the first
    warm-starts from the version the one before it registered."""
    from workers.runner import run_job

    engine, sessions = migrated_database(tmp_path)
    settings = Settings(
        data_dir=tmp_path,
        database_url=str(engine.url),
        export_process="cold",
        worker_metrics_port=0,
    )
    jobs: list[TrainingJob] = []
    try:
        for k, table in enumerate(tables):
            uri = make_store(settings).put(f"datasets/stores-{k}.npz", encode(table))
            with sessions() as session:
                spec = SPEC
                if warm and jobs:
                    parent = session.scalars(
                        select(ModelVersion).where(ModelVersion.job_id == jobs[-1].id)
                    ).one()
                    start = WarmStart(model="stores", version=parent.version, version_id=parent.id)
                    spec = SPEC.model_copy(update={"warm_start": start})
                dataset = Dataset(
                    name=f"stores-{k}",
                    n_rows=table.n_rows,
                    columns=table.columns,
                    has_timestamps=True,
                    n_series=len(table.series or []),
                    series=[list(s) for s in table.series or []],
                    frequency="D",
                    sha256=table.sha256(),
                    artifact_uri=uri,
                )
                session.add(dataset)
                session.flush()
                job = TrainingJob(
                    model_name="stores",
                    architecture="gru",
                    dataset_id=dataset.id,
                    spec=spec.model_dump(),
                    epochs_total=2,
                    status=JobStatus.queued,
                )
                session.add(job)
                session.commit()
                job_id = job.id
            run_job(job_id, settings)
            with sessions() as session:
                jobs.append(session.get_one(TrainingJob, job_id))
        return jobs, settings
    finally:
        engine.dispose()


def test_the_manifest_and_graph_of_a_version_with_every_covariate(tmp_path):
    [job], settings = run(tmp_path, two_stores())
    assert job.status == JobStatus.succeeded, job.error
    store = make_store(settings)
    key = model_artifact_key("stores", job.id)
    manifest = Manifest.from_json(store.get(f"{key}/{MANIFEST_FILENAME}"))
    assert manifest.future_columns == ["promotion", "price"]
    assert manifest.calendar == ["day_of_week", "holidays:US"]
    assert manifest.static_columns == ["size", "region"]
    assert manifest.static_features == ["size", "region=1", "region=2"]
    assert manifest.static_values == {"north": [10.0, 1.0, 0.0], "south": [25.0, 0.0, 1.0]}
    assert manifest.step is None  # streams of covariate versions use the window graph
    graph = onnx.load_from_string(store.get(f"{key}/{ONNX_FILENAME}"))
    assert [i.name for i in graph.graph.input] == manifest.input_names
    assert manifest.input_names == ["inputs", "future", "calendar", "static"]


def test_a_static_column_that_varies_within_a_series_fails_the_job_naming_it(tmp_path):
    table = two_stores()
    table.values[120, table.columns.index("size")] = 99.0  # row 120 is in "south"
    [job], _ = run(tmp_path, table)
    assert job.status == JobStatus.failed
    assert "static column 'size' is not constant within series 'south'" in (job.error or "")


def test_a_warm_start_encodes_the_new_data_in_its_parents_static_layout(tmp_path):
    """The parent saw regions 1 and 2. New data with region 1 only keeps the parent's two
    indicators; new data with regions 1 and 3 (as many categories, one the parent never saw)
    fails naming the column, the value and the series instead of giving region 3 the weights
    learned for region 2."""
    one_region = two_stores()
    one_region.values[:, one_region.columns.index("region")] = 1.0
    other_region = two_stores()
    other_region.values[90:, other_region.columns.index("region")] = 3.0  # "south"
    (parent, child), settings = run(tmp_path, two_stores(), one_region, warm=True)
    assert parent.status == child.status == JobStatus.succeeded, child.error
    assert child.spec["warm_start"]["version"] == 1
    store = make_store(settings)
    key = model_artifact_key("stores", child.id)
    manifest = Manifest.from_json(store.get(f"{key}/{MANIFEST_FILENAME}"))
    assert manifest.static_features == ["size", "region=1", "region=2"]
    assert manifest.static_values == {"north": [10.0, 1.0, 0.0], "south": [25.0, 1.0, 0.0]}

    (tmp_path / "other").mkdir()
    (_, refused), _ = run(tmp_path / "other", two_stores(), other_region, warm=True)
    assert refused.status == JobStatus.failed
    assert (
        "static column 'region' of series 'south' is 3, a category the version warm-started "
        "from never saw (it knows 1, 2)"
    ) in (refused.error or "")
