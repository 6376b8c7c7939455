"""Warm start (`POST /train` with `from_version`): what a job that begins from a registered
version's weights may and may not change.

The loaded weights only make sense for the network they were trained as: the same architecture,
the same inputs and outputs in the same order (columns, covariates, calendar, window and horizon,
quantile levels, the seasonal skip's season) and the same layer shapes and normalization. Those
are the version's *contract*: a field the request leaves out is taken from the version, one that
differs is a 422 naming the field and both values. What only steers training (epochs,
learning_rate, batch_size, seed, patience, dropout, refit, ...) may change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.errors import Conflict, InvalidInput, NotFound
from app.registry import service as registry
from app.registry.models import ModelVersion
from app.training.models import TrainingJob
from app.training.schemas import Hyperparameters, JobSpec, TrainRequest, WarmStart

CONTRACT_FIELDS = (
    "target_columns",
    "feature_columns",
    "future_columns",
    "calendar",
    "static_columns",
    "categorical_columns",
    "input_length",
    "horizon",
    "quantiles",
    "season_length",
)
"""JobSpec fields a warm start keeps (they fix the network's inputs and outputs)."""

RECURRENT_SHAPE = ("hidden_size", "num_layers")
TRANSFORMER_SHAPE = ("d_model", "nhead", "dim_feedforward")
SCALING = ("normalization", "baseline")
"""Hyperparameters a warm start keeps: the layer shapes the architecture reads, and how inputs
are scaled and the forecast is built (the weights were trained for those)."""


def structural(architecture: str) -> tuple[str, ...]:
    """The hyperparameters of `architecture` that its weights fix."""
    shape = TRANSFORMER_SHAPE if architecture == "transformer" else RECURRENT_SHAPE
    return (*shape, *SCALING)


def parent_version(session: Session, model: str, version: int) -> ModelVersion:
    """The version to start from, with stored weights (409 when it has none)."""
    try:
        parent = registry.get_version(session, model, version)
    except NotFound as exc:
        raise InvalidInput("from_version", exc.message) from None
    if parent.weights_uri is None:
        raise Conflict(
            f"model {model!r} version {version} has no stored weights (it was registered "
            "before versions kept them), so nothing can be warm-started from it; train it from "
            "scratch once (POST /train without from_version) and refresh that version"
        )
    return parent


def parent_spec(session: Session, parent: ModelVersion) -> JobSpec:
    """The parent's resolved request: its job's spec with the version's own hyperparameters (an
    auto job's spec holds the search's, the version its chosen candidate's)."""
    job = session.get(TrainingJob, parent.job_id)
    assert job is not None  # a version's job_id is a foreign key
    spec = JobSpec.model_validate(job.spec)
    hp = Hyperparameters.model_validate({"baseline": "none", **parent.hyperparameters})
    return spec.model_copy(update={"hyperparameters": hp, "auto": None})


def _differs(field: str | tuple[str, ...], asked: Any, kept: Any, version: str) -> InvalidInput:
    name = field if isinstance(field, str) else ".".join(field)
    return InvalidInput(
        field,
        f"{name} {asked!r} differs from {version}'s {kept!r}: a warm start keeps the "
        "version's architecture and contract; train from scratch (without from_version) to "
        "change it",
    )


def merged_request(session: Session, request: TrainRequest) -> tuple[TrainRequest, WarmStart]:
    """`request` with what it left out taken from its `from_version`, and the warm start the
    job records. Refuses (422) an architecture or structural hyperparameter that differs;
    check_spec compares the contract once the spec is resolved."""
    assert request.from_version is not None
    ref = request.from_version
    parent = parent_version(session, ref.model, ref.version)
    label = f"model {ref.model!r} version {ref.version}"
    if request.architecture is not None and request.architecture != parent.architecture:
        raise _differs("architecture", request.architecture, parent.architecture, label)
    spec = parent_spec(session, parent)
    hp_asked = request.hyperparameters
    for name in structural(parent.architecture):
        if name in hp_asked.model_fields_set:
            asked, kept = getattr(hp_asked, name), getattr(spec.hyperparameters, name)
            if asked != kept:
                raise _differs(("hyperparameters", name), asked, kept, label)
    hp = spec.hyperparameters.model_copy(
        update={name: getattr(hp_asked, name) for name in hp_asked.model_fields_set}
    )
    given = request.model_fields_set
    fields: dict[str, Any] = {
        name: getattr(spec, name) for name in CONTRACT_FIELDS if name not in given
    }
    if request.dataset_id is None and request.data is None:
        fields["dataset_id"] = parent.dataset_id
    merged = request.model_copy(
        update={**fields, "architecture": parent.architecture, "hyperparameters": hp}
    )
    return merged, WarmStart(model=ref.model, version=ref.version, version_id=parent.id)


def check_spec(session: Session, spec: JobSpec, warm: WarmStart) -> None:
    """The resolved spec keeps the parent's contract (defaults resolved on both sides)."""
    parent = session.get(ModelVersion, warm.version_id)
    assert parent is not None
    kept = parent_spec(session, parent)
    label = f"model {warm.model!r} version {warm.version}"
    for name in CONTRACT_FIELDS:
        asked, was = getattr(spec, name), getattr(kept, name)
        if name == "season_length" and (asked is None or was is None):
            continue  # detected on the data: the worker keeps the parent's network's season
        if asked != was:
            raise _differs(name, asked, was, label)
