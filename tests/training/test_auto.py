"""`"architecture": "auto"` without a worker: which candidates a search makes, how the best is
chosen (validation MASE, ties, no MASE, all failed), and the selection (workers.auto.select_best)
and the reconciler on a real migrated SQLite database with candidate rows as the runner leaves
them. The parallel run with real workers is tests/e2e/test_auto_parallel.py."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.datasets.models import Dataset
from app.db import utcnow
from app.errors import InvalidInput
from app.queue import make_celery
from app.registry.models import ModelVersion
from app.training import auto
from app.training.auto import Outcome, best, ranking
from app.training.models import JobStatus, TrainingJob
from app.training.reconciler import reconcile
from app.training.schemas import AutoSearch, AutoSpec, Candidate, Hyperparameters, TrainRequest
from tests.support.registry_db import migrated_database


def outcome(id_: str, mase: float | None, status: JobStatus = JobStatus.succeeded) -> Outcome:
    metrics = {"mase": mase, "mae": 10.0 - (mase or 0.0)} if status == JobStatus.succeeded else None
    return Outcome(id=id_, status=status, metrics=metrics)


def test_best_is_the_lowest_validation_mase():
    outcomes = [outcome("rnn", 0.9), outcome("lstm", 0.7), outcome("gru", 0.8)]
    assert best(outcomes).id == "lstm"
    assert [o.id for o in ranking(outcomes)] == ["lstm", "gru", "rnn"]


def test_a_tie_goes_to_the_earlier_candidate():
    outcomes = [outcome("rnn", 0.9), outcome("gru", 0.7), outcome("lstm", 0.7)]
    assert best(outcomes).id == "gru"
    assert best(list(reversed(outcomes))).id == "lstm"


def test_failed_and_cancelled_candidates_are_not_ranked():
    outcomes = [
        outcome("rnn", None, JobStatus.failed),
        outcome("lstm", 0.8),
        outcome("gru", None, JobStatus.cancelled),
    ]
    assert [o.id for o in ranking(outcomes)] == ["lstm"]


def test_all_failed_has_no_best():
    outcomes = [outcome("rnn", None, JobStatus.failed), outcome("gru", None, JobStatus.cancelled)]
    assert best(outcomes) is None
    errors = {"rnn": "ValueError: boom", "gru": None}
    message = auto.failure(outcomes, errors, {"rnn": "rnn", "gru": "gru hidden_size=8"})
    assert (
        message == "no candidate succeeded (2): rnn: ValueError: boom; gru hidden_size=8: cancelled"
    )


def test_without_mase_the_mae_decides():
    """Every target constant: no candidate has a MASE, so the MAE ranks them."""
    a = Outcome("a", JobStatus.succeeded, {"mase": None, "mae": 2.0})
    b = Outcome("b", JobStatus.succeeded, {"mase": None, "mae": 1.0})
    assert best([a, b]).id == "b"


def test_a_non_finite_mase_ranks_last():
    nan = Outcome("nan", JobStatus.succeeded, {"mase": float("nan"), "mae": 0.0})
    assert [o.id for o in ranking([nan, outcome("ok", 5.0)])][-1] == "nan"


def test_candidates_are_architectures_times_grid_points():
    search = AutoSearch.model_validate(
        {"candidates": ["gru", "transformer"], "grid": {"hidden_size": [8, 16], "dropout": [0.0]}}
    )
    made = auto.candidates(search, Hyperparameters(epochs=3))
    # hidden_size is not the transformer's: its two grid points are one candidate
    assert [(c.architecture, c.overrides) for c, _ in made] == [
        ("gru", {"hidden_size": 8, "dropout": 0.0}),
        ("gru", {"hidden_size": 16, "dropout": 0.0}),
        ("transformer", {"dropout": 0.0}),
    ]
    assert [hp.hidden_size for _, hp in made[:2]] == [8, 16]
    assert all(hp.epochs == 3 for _, hp in made)


def test_default_search_is_the_four_architectures():
    made = auto.candidates(AutoSearch(), Hyperparameters())
    assert [c.architecture for c, _ in made] == ["rnn", "lstm", "gru", "transformer"]


def test_an_invalid_grid_point_is_a_422_naming_it():
    search = AutoSearch.model_validate({"candidates": ["transformer"], "grid": {"nhead": [3]}})
    with pytest.raises(InvalidInput, match=r"transformer with \{'nhead': 3\}: .*divisible"):
        auto.candidates(search, Hyperparameters())


def test_too_many_candidates_is_a_422():
    grid = {"hidden_size": list(range(1, 9)), "learning_rate": [0.1, 0.01]}
    with pytest.raises(InvalidInput, match="at most 32"):
        auto.candidates(AutoSearch.model_validate({"grid": grid}), Hyperparameters())


def test_auto_settings_need_architecture_auto():
    body = {"model_name": "m", "dataset_id": "d", "horizon": 2}
    assert TrainRequest.model_validate({**body, "architecture": "auto"}).auto is None
    with pytest.raises(ValueError, match="architecture: auto"):
        TrainRequest.model_validate({**body, "architecture": "gru", "auto": {}})
    with pytest.raises(ValueError, match="listed twice"):
        AutoSearch.model_validate({"candidates": ["gru", "gru"]})


# The selection on a migrated database -------------------------------------------------------


@pytest.fixture
def sessions(tmp_path: Path):
    engine, sessions = migrated_database(tmp_path)
    yield sessions
    engine.dispose()


ARTIFACT = {
    "feature_columns": ["y"],
    "target_columns": ["y"],
    "input_length": 8,
    "horizon": 2,
    "sha256": "0" * 64,
    "size_bytes": 1,
    "opset": 17,
    "parity_error": 0.0,
    "quantiles": [],
    "hyperparameters": {},
}


def add_search(
    sessions: sessionmaker[Session],
    outcomes: list[tuple[str, JobStatus, float | None]],
    budget_seconds: float | None = None,
) -> tuple[str, list[str]]:
    """An auto job whose candidates ended as `outcomes` (architecture, status, MASE), their rows
    as the runner leaves them; returns the job's id and the candidates'."""
    with sessions() as session:
        dataset = Dataset(
            name=f"d-{time.monotonic_ns()}",
            n_rows=100,
            columns=["y"],
            sha256="0" * 64,
            artifact_uri="file:///nowhere.npz",
        )
        session.add(dataset)
        session.flush()
        ids = [f"c{i}{time.monotonic_ns()}"[:32] for i in range(len(outcomes))]
        spec = AutoSpec(
            candidates=[
                Candidate(architecture=a, job_id=i)
                for (a, _, _), i in zip(outcomes, ids, strict=True)
            ],
            budget_seconds=budget_seconds,
        )
        started = utcnow() - timedelta(minutes=5)
        parent = TrainingJob(
            model_name="auto-m",
            architecture="auto",
            dataset_id=dataset.id,
            spec={
                "target_columns": ["y"],
                "feature_columns": ["y"],
                "input_length": 8,
                "horizon": 2,
                "validation_fraction": 0.2,
                "season_length": None,
                "hyperparameters": {},
                "auto": spec.model_dump(),
            },
            epochs_total=3 * len(ids),
            status=JobStatus.running,
            started_at=started,
            created_at=started,
        )
        session.add(parent)
        session.flush()
        for (architecture, status, mase), job_id in zip(outcomes, ids, strict=True):
            succeeded = status == JobStatus.succeeded
            metrics = {"model": {"mase": mase, "mae": 1.0}} if succeeded else None
            session.add(
                TrainingJob(
                    id=job_id,
                    parent_id=parent.id,
                    model_name="auto-m",
                    architecture=architecture,
                    dataset_id=dataset.id,
                    spec={},
                    epochs_total=3,
                    epochs_done=3,
                    history=[{"epoch": 1, "architecture": architecture}],
                    status=status,
                    started_at=started,
                    finished_at=started + timedelta(seconds=30),
                    device="cpu",
                    error=None if succeeded else f"{architecture} broke",
                    metrics=auto.summary(metrics) if metrics else None,
                    artifact={
                        **ARTIFACT,
                        "architecture": architecture,
                        "metrics": metrics,
                        "artifact_uri": f"file:///{job_id}/model.onnx",
                        "dataset_id": dataset.id,
                    }
                    if succeeded
                    else None,
                )
            )
        session.commit()
        return parent.id, ids


def settings_for(sessions: sessionmaker[Session], tmp_path: Path) -> Settings:
    url = str(sessions.kw["bind"].url)
    return Settings(data_dir=tmp_path, database_url=url, worker_metrics_port=0)


def test_the_selection_registers_the_best_candidate_with_the_leaderboard(sessions, tmp_path):
    from workers.auto import select_best

    outcomes = [
        ("rnn", JobStatus.succeeded, 0.9),
        ("lstm", JobStatus.failed, None),
        ("gru", JobStatus.succeeded, 0.6),
    ]
    parent_id, ids = add_search(sessions, outcomes)
    settings = settings_for(sessions, tmp_path)
    select_best(parent_id, settings)
    select_best(parent_id, settings)  # a second selection (a duplicate message) changes nothing
    with sessions() as session:
        parent = session.get_one(TrainingJob, parent_id)
        (version,) = session.query(ModelVersion).all()
        assert parent.status == JobStatus.succeeded, parent.error
        assert parent.metrics["mase"] == 0.6
        assert parent.history == [{"epoch": 1, "architecture": "gru"}]
        assert (version.job_id, version.architecture) == (parent_id, "gru")
        assert version.artifact_uri == f"file:///{ids[2]}/model.onnx"
        board = version.leaderboard
    assert [(e["architecture"], e["rank"], e["selected"]) for e in board] == [
        ("gru", 1, True),
        ("rnn", 2, False),
        ("lstm", None, False),
    ]
    assert board[2]["error"] == "lstm broke" and board[2]["status"] == "failed"


def test_the_selection_waits_for_running_candidates(sessions, tmp_path):
    from workers.auto import select_best

    parent_id, _ = add_search(
        sessions, [("rnn", JobStatus.succeeded, 0.9), ("gru", JobStatus.running, None)]
    )
    select_best(parent_id, settings_for(sessions, tmp_path))
    with sessions() as session:
        assert session.get_one(TrainingJob, parent_id).status == JobStatus.running
        assert session.query(ModelVersion).count() == 0


def test_every_candidate_failed_fails_the_job_with_their_errors(sessions, tmp_path):
    from workers.auto import select_best

    parent_id, _ = add_search(
        sessions, [("rnn", JobStatus.failed, None), ("gru", JobStatus.failed, None)]
    )
    select_best(parent_id, settings_for(sessions, tmp_path))
    with sessions() as session:
        parent = session.get_one(TrainingJob, parent_id)
        assert parent.status == JobStatus.failed
        assert parent.error == "no candidate succeeded (2): rnn: rnn broke; gru: gru broke"
        assert session.query(ModelVersion).count() == 0


def test_a_cancelled_search_registers_nothing(sessions, tmp_path):
    from workers.auto import select_best

    parent_id, _ = add_search(
        sessions, [("rnn", JobStatus.succeeded, 0.9), ("gru", JobStatus.cancelled, None)]
    )
    with sessions() as session:
        session.get_one(TrainingJob, parent_id).cancel_requested = True
        session.commit()
    select_best(parent_id, settings_for(sessions, tmp_path))
    with sessions() as session:
        assert session.get_one(TrainingJob, parent_id).status == JobStatus.cancelled
        assert session.query(ModelVersion).count() == 0


def test_the_reconciler_covers_candidates_and_selections(sessions, tmp_path):
    """A silent candidate is re-queued like any job; an auto job neither expires nor is
    re-queued itself; one whose candidates all finished unselected gets its selection."""
    settings = settings_for(sessions, tmp_path).model_copy(update={"job_deadline_seconds": 60})
    done_id, _ = add_search(sessions, [("rnn", JobStatus.succeeded, 0.9)])
    running_id, (silent,) = add_search(sessions, [("gru", JobStatus.running, None)])
    with sessions() as session:
        candidate = session.get_one(TrainingJob, silent)
        candidate.finished_at, candidate.worker = None, "gone:1"
        candidate.heartbeat_at = utcnow() - timedelta(minutes=1)
        candidate.published_at = candidate.started_at = utcnow() - timedelta(seconds=30)
        for parent_id in (done_id, running_id):  # both started past the job deadline
            session.get_one(TrainingJob, parent_id).published_at = utcnow()
        session.commit()
    done = reconcile(sessions, make_celery(settings), settings)
    assert (done["requeued"], done["expired"], done["selections"]) == (1, 0, 1)
    with sessions() as session:
        assert session.get_one(TrainingJob, silent).status == JobStatus.queued
        assert session.get_one(TrainingJob, running_id).status == JobStatus.running
    published = list(settings.broker_folder.glob("*.msg"))
    assert len(published) == 2, published


def test_no_candidate_starts_once_the_budget_is_spent(sessions, tmp_path):
    """Started 5 minutes ago with a 60 s budget: a queued candidate is cancelled unstarted; a
    re-queued one (it has started) resumes; the last to end publishes the selection."""
    from workers.auto import run_candidate

    settings = settings_for(sessions, tmp_path)
    outcomes = [
        ("rnn", JobStatus.succeeded, 0.9),
        ("gru", JobStatus.queued, None),
        ("lstm", JobStatus.queued, None),
    ]
    _, (_, fresh, requeued) = add_search(sessions, outcomes, budget_seconds=60)
    with sessions() as session:
        session.get_one(TrainingJob, requeued).attempts = 1
        for job_id in (fresh, requeued):
            session.get_one(TrainingJob, job_id).finished_at = None
        session.commit()
    trained: list[str] = []

    def run_job(job_id: str, _: Settings) -> None:
        trained.append(job_id)
        with sessions() as session:
            session.get_one(TrainingJob, job_id).status = JobStatus.failed
            session.commit()

    celery = make_celery(settings)
    run_candidate(fresh, settings, celery, run_job)
    assert trained == [] and list(settings.broker_folder.glob("*.msg")) == []  # one is left
    run_candidate(requeued, settings, celery, run_job)
    assert trained == [requeued]
    with sessions() as session:
        skipped = session.get_one(TrainingJob, fresh)
        assert skipped.status == JobStatus.cancelled
        assert skipped.error == "not started: the search's budget_seconds (60) was spent"
    assert len(list(settings.broker_folder.glob("*.msg"))) == 1  # the selection


def test_a_selection_that_cannot_register_fails_the_job_once(sessions, tmp_path):
    """Not retried for ever by the reconciler: the auto job fails, naming the reason."""
    from workers.auto import select_best

    parent_id, (best,) = add_search(sessions, [("gru", JobStatus.succeeded, 0.5)])
    with sessions() as session:
        session.get_one(TrainingJob, best).artifact = {"no_such_column": 1}
        session.commit()
    select_best(parent_id, settings_for(sessions, tmp_path))
    with sessions() as session:
        parent = session.get_one(TrainingJob, parent_id)
        assert parent.status == JobStatus.failed
        assert parent.error.startswith("selection: TypeError: "), parent.error
        assert session.query(ModelVersion).count() == 0
