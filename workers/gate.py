"""The promotion gate (champion / challenger): what a refresh's registered version does to the
alias it refreshed, by the job's `promote` policy.

`always` moves the alias. `if_better` scores the challenger (the new version) and the champion
(the alias holder) with a rolling-origin backtest on the same folds of the newest data (the
dataset's current revision; workers.backtest's fold planning and onnxruntime scoring, nothing
retrained) and moves the alias only if the challenger's MASE is lower; with no holder it simply
takes the alias. Either way one alias_events row records the decision with both scores.

It runs after the job's registration has committed (workers.tasks), so a job reads `succeeded`
a moment before its alias moves. Idempotent: a job whose decision is recorded is left alone, so
a redelivered task decides once. Torch-free: only onnxruntime runs here.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.artifacts import ArtifactStore, make_store
from app.backtests import service as backtests
from app.backtests.plan import FoldPlan
from app.config import Settings
from app.datasets import service as datasets
from app.datasets.storage import SeriesTable
from app.db import commit
from app.models import AliasEvent, JobStatus, ModelVersion, TrainingJob
from app.registry import history
from app.registry import service as registry
from workers.backtest import load_predictor, rolling_origin, validation_fraction
from workers.db import worker_sessions

log = logging.getLogger("seqcast.worker")

METRIC = "mase"
GATED = ("always", "if_better")


@dataclass(frozen=True)
class Scores:
    challenger: float | None
    champion: float | None
    folds: int
    detail: str


def after_registration(job_id: str, settings: Settings) -> None:
    """Apply the job's promote policy to the version it registered, once."""
    with worker_sessions(settings)() as session:
        job = session.get(TrainingJob, job_id)
        if job is None or job.status != JobStatus.succeeded or job.promote not in GATED:
            return
        decided = select(AliasEvent.id).where(AliasEvent.job_id == job.id).limit(1)
        if session.scalar(decided) is not None:
            return
        version = registry.version_of_job(session, job.id)
        if version is None:  # an auto candidate: its auto job registers
            return
        trigger = job.trigger or {}
        reason: history.Reason = "schedule" if trigger.get("kind") == "schedule" else "refresh"
        decide(
            session,
            make_store(settings),
            settings,
            challenger=version,
            alias=str(trigger.get("alias") or "production"),
            policy=str(job.promote),
            reason=reason,
            job_id=job.id,
        )
        commit(session)


def decide(
    session: Session,
    store: ArtifactStore,
    settings: Settings,
    *,
    challenger: ModelVersion,
    alias: str,
    policy: str,
    reason: history.Reason,
    job_id: str | None,
) -> AliasEvent:
    """Move `alias` to `challenger` or keep it, by `policy`; the history row says which and why.
    Flushes only."""
    model = challenger.model
    # locked until the decision commits: two refreshes gated at once decide one after the other
    champion = registry.alias_target(session, model, alias, lock=True)
    event = {"policy": policy, "challenger_version": challenger.version, "job_id": job_id}
    if policy == "always" or champion is None or champion.id == challenger.id:
        why = "policy always" if policy == "always" else f"{alias!r} had no version"
        return _promote(session, model.name, alias, challenger, reason, detail=why, **event)
    try:
        scores = compare(session, store, settings, challenger, champion)
    except Exception as exc:  # the champion's artifact gone, a graph that fails: keep, say why
        log.exception("gate: could not compare v%s with v%s", challenger.version, champion.version)
        scores = Scores(None, None, 0, f"not compared ({type(exc).__name__}: {exc})")
    scored = {
        "challenger_score": scores.challenger,
        "champion_score": scores.champion,
        "metric": METRIC,
        "folds": scores.folds or None,
        "detail": scores.detail[:1000],
    }
    if (
        scores.challenger is not None
        and scores.champion is not None
        and scores.challenger < scores.champion
    ):
        return _promote(session, model.name, alias, challenger, reason, **event, **scored)
    log.info("gate: %s %s keeps v%s (%s)", model.name, alias, champion.version, scores.detail)
    return history.record(
        session,
        model,
        alias,
        version=champion.version,
        previous_version=champion.version,
        decision="kept",
        reason=reason,
        **event,
        **scored,
    )


def _promote(
    session: Session,
    name: str,
    alias: str,
    challenger: ModelVersion,
    reason: history.Reason,
    **event: object,
) -> AliasEvent:
    log.info("gate: %s %s -> v%s (%s)", name, alias, challenger.version, event.get("detail"))
    return registry.move_alias(
        session, name, alias, challenger.version, decision="promoted", reason=reason, **event
    )


def compare(
    session: Session,
    store: ArtifactStore,
    settings: Settings,
    challenger: ModelVersion,
    champion: ModelVersion,
) -> Scores:
    """Both versions' backtest MASE on the same origins of the challenger's dataset as it is
    now (its newest revision). The origins depend on the rows, horizon, folds and stride only,
    so each version cuts its own input_length before them; the MASE scale uses the
    challenger's season for both, so the two numbers measure the same thing."""
    if champion.horizon != challenger.horizon or (
        champion.target_columns != challenger.target_columns
    ):
        return Scores(None, None, 0, "not compared: the versions forecast different things")
    table = datasets.load_table(store, datasets.get(session, challenger.dataset_id))
    shortest = min(n for _, n in table.series_rows())
    base = backtests.fold_plan(challenger, settings.gate_folds, None)
    plans = {
        v.id: dataclasses.replace(base, input_length=v.input_length) for v in (challenger, champion)
    }
    folds = min(settings.gate_folds, *(p.max_folds(shortest) for p in plans.values()))
    if folds < 1:
        return Scores(None, None, 0, f"not compared: a series of {shortest} rows holds no fold")
    challenger_score, champion_score = (
        _score(session, store, settings, v, table, dataclasses.replace(plans[v.id], folds=folds))
        for v in (challenger, champion)
    )
    if challenger_score is None or champion_score is None:
        return Scores(challenger_score, champion_score, folds, "a version has no MASE here")
    better = challenger_score < champion_score
    verdict = "better" if better else "not better"
    return Scores(
        challenger_score,
        champion_score,
        folds,
        f"v{challenger.version} MASE {challenger_score:.4f} vs v{champion.version} "
        f"{champion_score:.4f} on {folds} folds: {verdict}",
    )


def _score(
    session: Session,
    store: ArtifactStore,
    settings: Settings,
    version: ModelVersion,
    table: SeriesTable,
    plan: FoldPlan,
) -> float | None:
    manifest, predict = load_predictor(store, version, settings.ort_intra_op_threads)
    _, summary = rolling_origin(
        table, manifest, plan, validation_fraction(session, version), predict
    )
    mase = summary["model"].get(METRIC)
    return None if mase is None else float(mase)
