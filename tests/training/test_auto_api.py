"""`"architecture": "auto"` through the API, without a worker (the test's writes are rolled back):
one queued job per candidate under the auto job, shown in it and not beside it, each candidate a
job against the key's quota, and a cancel that cancels them all."""

from __future__ import annotations

import re

from app.db import utcnow
from app.training.models import JobStatus, TrainingJob


def _body(dataset_id: str, **auto: object) -> dict:
    return {
        "model_name": "auto-api",
        "architecture": "auto",
        "dataset_id": dataset_id,
        "target_columns": ["y"],
        "horizon": 6,
        "hyperparameters": {"epochs": 3},
        **({"auto": auto} if auto else {}),
    }


def test_an_auto_job_has_one_queued_job_per_candidate(isolated_client, dataset):
    body = _body(dataset["id"], candidates=["gru", "transformer"], grid={"hidden_size": [8, 16]})
    response = isolated_client.post("/train", json=body)
    assert response.status_code == 202, response.text
    job = response.json()
    assert (job["architecture"], job["status"]) == ("auto", "queued")
    candidates = job["candidates"]
    assert [(c["architecture"], c["overrides"]) for c in candidates] == [
        ("gru", {"hidden_size": 8}),
        ("gru", {"hidden_size": 16}),
        ("transformer", {}),
    ]
    assert all(c["status"] == "queued" and c["rank"] is None for c in candidates)
    assert job["progress"] == {"epoch": 0, "epochs": 9}
    assert [c["architecture"] for c in job["spec"]["auto"]["candidates"]] == [
        "gru",
        "gru",
        "transformer",
    ]

    listed = isolated_client.get("/jobs", params={"model_name": "auto-api"}).json()
    assert [j["id"] for j in listed] == [job["id"]]
    one = isolated_client.get(f"/jobs/{candidates[1]['id']}").json()
    assert one["parent_id"] == job["id"] and one["architecture"] == "gru"
    assert one["spec"]["hyperparameters"]["hidden_size"] == 16 and one["spec"]["auto"] is None


def test_default_candidates_are_the_four_architectures(isolated_client, dataset):
    job = isolated_client.post("/train", json=_body(dataset["id"])).json()
    assert [c["architecture"] for c in job["candidates"]] == ["rnn", "lstm", "gru", "transformer"]


def test_cancel_cancels_every_candidate(isolated_client, dataset, db_session):
    job = isolated_client.post("/train", json=_body(dataset["id"], candidates=["rnn", "gru"]))
    job = job.json()
    running = db_session.get_one(TrainingJob, job["candidates"][1]["id"])
    running.status, running.started_at = JobStatus.running, utcnow()  # as a worker took it
    db_session.commit()

    cancelled = isolated_client.post(f"/jobs/{job['id']}/cancel")
    assert cancelled.status_code == 202, cancelled.text
    job = cancelled.json()
    # The queued candidate at once; the running one stops after its epoch, and the auto job
    # ends when its selection sees no candidate left running.
    assert [c["status"] for c in job["candidates"]] == ["cancelled", "running"]
    assert job["status"] == "queued" and job["cancel_requested"]
    db_session.expire_all()
    assert db_session.get_one(TrainingJob, job["candidates"][1]["id"]).cancel_requested

    nothing_left = isolated_client.post("/train", json=_body(dataset["id"], candidates=["rnn"]))
    job = isolated_client.post(f"/jobs/{nothing_left.json()['id']}/cancel").json()
    assert job["status"] == "cancelled"
    assert [c["status"] for c in job["candidates"]] == ["cancelled"]


def _active_jobs(session, settings, owner: int | None) -> int:
    """The count the key's job quota sees (app.jobs.check_quota, with a limit of 1)."""
    from app.errors import TooManyRequests
    from app.jobs import check_quota

    try:
        check_quota(session, settings.model_copy(update={"max_jobs_per_key": 1}), owner)
    except TooManyRequests as exc:
        return int(re.search(r"already has (\d+) jobs", exc.message)[1])
    return 0


def test_an_auto_job_counts_as_its_candidates_against_the_quota(
    isolated_client, dataset, db_session, pg_settings
):
    job = isolated_client.post("/train", json=_body(dataset["id"])).json()  # five rows
    owner = db_session.get_one(TrainingJob, job["id"]).owner_key_id
    after = _active_jobs(db_session, pg_settings, owner)
    isolated_client.post(f"/jobs/{job['id']}/cancel")
    db_session.expire_all()
    assert after == _active_jobs(db_session, pg_settings, owner) + 4  # the four architectures
