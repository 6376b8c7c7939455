"""`"architecture": "auto"`: which candidates an auto job trains, and which one it registers.

An auto job is a parent training job with one child job per candidate (an architecture and the
grid's values for it). The API makes them all at once (app.training.service); the parent's task
message publishes the candidates' tasks as one Celery group, so that every free worker takes one
(workers.auto); each candidate trains, exports and stores its artifact like any job but does not
register it; once every candidate has finished, the selection (the chord's callback) registers
the best by validation MASE as the job's one version, with the leaderboard.

Pure Python: the API makes the candidates and shows the ranking, the worker selects with the
same functions.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.contract import Architecture
from app.errors import InvalidInput
from app.training.models import JobStatus
from app.training.schemas import (
    MAX_AUTO_CANDIDATES,
    AutoSearch,
    Candidate,
    Hyperparameters,
)

AUTO = "auto"
"""The `architecture` of an auto job's parent row."""

UNREAD: dict[str, frozenset[str]] = {
    "rnn": frozenset({"d_model", "nhead", "dim_feedforward"}),
    "lstm": frozenset({"d_model", "nhead", "dim_feedforward"}),
    "gru": frozenset({"d_model", "nhead", "dim_feedforward"}),
    "transformer": frozenset({"hidden_size"}),
}
"""Hyperparameters an architecture does not read (workers.training.nets): varying them would
train the same network twice."""


def candidates(
    search: AutoSearch, base: Hyperparameters
) -> list[tuple[Candidate, Hyperparameters]]:
    """Every architecture × every grid point, in that order, with its hyperparameters (the
    request's, the grid's values over them); a grid value the architecture does not read is
    dropped, so it adds no duplicate. Refuses (422) a combination that is not valid and a
    search over MAX_AUTO_CANDIDATES."""
    grid = search.grid.model_dump(exclude_none=True) if search.grid is not None else {}
    keys = list(grid)
    points = [dict(zip(keys, values, strict=True)) for values in itertools.product(*grid.values())]
    given = base.model_dump(exclude_unset=True)
    made: list[tuple[Candidate, Hyperparameters]] = []
    seen: set[tuple[str, tuple]] = set()
    for architecture in search.candidates:
        for point in points:
            overrides = {k: v for k, v in point.items() if k not in UNREAD[architecture]}
            identity = (architecture, tuple(sorted(overrides.items())))
            if identity in seen:
                continue
            seen.add(identity)
            try:
                hp = Hyperparameters.model_validate({**given, **overrides})
            except ValueError as exc:
                raise InvalidInput(
                    ("auto", "grid"), f"{architecture} with {overrides}: {_reason(exc)}"
                ) from None
            made.append((Candidate(architecture=architecture, overrides=overrides), hp))
    if len(made) > MAX_AUTO_CANDIDATES:
        raise InvalidInput(
            "auto",
            f"{len(made)} candidates (architectures × grid points); at most "
            f"{MAX_AUTO_CANDIDATES}: fewer architectures or grid values",
        )
    return made


def _reason(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return "; ".join(str(e.get("msg", e)) for e in errors())
    return str(exc)


def summary(metrics: dict[str, Any]) -> dict[str, Any]:
    """What a candidate shows and is ranked by, out of a job's validation metrics
    (workers.training.metrics.evaluate)."""
    model = metrics.get("model", {})
    return {
        "mase": model.get("mase"),
        "mae": model.get("mae"),
        "rmse": model.get("rmse"),
        "smape": model.get("smape"),
        "seasonal_naive_mase": metrics.get("seasonal_naive", {}).get("mase"),
        "beats_seasonal_naive": metrics.get("beats_seasonal_naive"),
        "best_epoch": metrics.get("best_epoch"),
    }


@dataclass(frozen=True)
class Outcome:
    """One candidate as the selection sees it (a candidate row, or a test's stand-in)."""

    id: str
    status: JobStatus
    metrics: dict[str, Any] | None


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def ranking(outcomes: Sequence[Outcome]) -> list[Outcome]:
    """The candidates that succeeded, best first: by validation MASE; by MAE when none has a
    MASE (every target constant: the dataset's doing, so it is none or all); ties go to the
    earlier candidate. A candidate without a finite score ranks after those with one."""
    done = [o for o in outcomes if o.status == JobStatus.succeeded and o.metrics is not None]
    key = "mase" if any(_finite((o.metrics or {}).get("mase")) for o in done) else "mae"
    order = {o.id: i for i, o in enumerate(outcomes)}

    def score(outcome: Outcome) -> tuple[bool, float, int]:
        value = (outcome.metrics or {}).get(key)
        finite = _finite(value)
        return (not finite, value if finite else math.inf, order[outcome.id])

    return sorted(done, key=score)


def best(outcomes: Sequence[Outcome]) -> Outcome | None:
    """The candidate to register, or None when none succeeded."""
    ranked = ranking(outcomes)
    return ranked[0] if ranked else None


def failure(
    outcomes: Sequence[Outcome], errors: dict[str, str | None], names: dict[str, str]
) -> str:
    """The parent's error when no candidate succeeded: each candidate's own."""
    parts = [f"{names[o.id]}: {errors.get(o.id) or o.status.value}" for o in outcomes]
    return f"no candidate succeeded ({len(outcomes)}): " + "; ".join(parts)


def candidate_name(architecture: Architecture | str, overrides: dict[str, Any]) -> str:
    """`lstm` or `lstm hidden_size=32 learning_rate=0.001`: a candidate in an error or a log."""
    return " ".join([architecture, *(f"{k}={v}" for k, v in overrides.items())])


def outcomes(candidate_ids: Sequence[str], rows: dict[str, Any]) -> list[Outcome]:
    """The candidates' outcomes, in the search's order, from their job rows by id."""
    return [
        Outcome(id=i, status=rows[i].status, metrics=rows[i].metrics)
        for i in candidate_ids
        if i in rows
    ]


def leaderboard(
    spec_candidates: Sequence[Candidate], rows: dict[str, Any], selected: str | None
) -> list[dict[str, Any]]:
    """Every candidate's outcome, ranked ones first (best first), then the rest in order: what
    the registered version keeps."""
    found = outcomes([c.job_id for c in spec_candidates], rows)
    rank = {o.id: i + 1 for i, o in enumerate(ranking(found))}
    by_id = {c.job_id: c for c in spec_candidates}
    board = [
        {
            "job_id": o.id,
            "architecture": by_id[o.id].architecture,
            "overrides": by_id[o.id].overrides,
            "status": o.status.value,
            "metrics": o.metrics,
            "error": rows[o.id].error,
            "rank": rank.get(o.id),
            "selected": o.id == selected,
        }
        for o in found
    ]
    return sorted(board, key=lambda e: (e["rank"] is None, e["rank"] or 0))
