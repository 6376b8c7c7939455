"""The model registry: models, their versions and aliases. Reads for the API and the server;
`register_version` is what the worker calls once a model is exported and checked."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session, selectinload

from app.contract import Manifest
from app.datasets import service as datasets
from app.errors import Conflict, InvalidInput, NotFound
from app.registry import history
from app.registry.models import Model, ModelAlias, ModelVersion
from app.registry.schemas import ModelRead, ServingConfig, VersionRead, VersionSummary


def get_model(session: Session, name: str) -> Model:
    model = session.scalar(
        select(Model)
        .where(Model.name == name)
        .options(selectinload(Model.versions), selectinload(Model.aliases))
    )
    if model is None:
        raise NotFound(f"model {name!r} not found")
    return model


def get_all(session: Session, *, limit: int, offset: int) -> list[Model]:
    query = (
        select(Model)
        .order_by(Model.name)
        .options(selectinload(Model.versions), selectinload(Model.aliases))
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(query))


def get_version(session: Session, name: str, version: int) -> ModelVersion:
    found = session.scalar(
        select(ModelVersion)
        .join(ModelVersion.model)
        .where(Model.name == name, ModelVersion.version == version)
    )
    if found is None:
        get_model(session, name)  # 404 for the model first, if that is what is missing
        raise NotFound(f"model {name!r} has no version {version}")
    return found


def resolve(session: Session, name: str, *, version: int | None, alias: str | None) -> ModelVersion:
    """What /predict serves: an explicit version, an alias, or the latest version."""
    if version is not None:
        return get_version(session, name, version)
    if alias is not None:
        found = session.scalar(
            select(ModelVersion)
            .join(ModelAlias, ModelAlias.version_id == ModelVersion.id)
            .join(Model, Model.id == ModelAlias.model_id)
            .where(Model.name == name, ModelAlias.alias == alias)
        )
        if found is None:
            get_model(session, name)
            raise NotFound(f"model {name!r} has no alias {alias!r}")
        return found
    found = session.scalar(
        select(ModelVersion)
        .join(ModelVersion.model)
        .where(Model.name == name)
        .order_by(ModelVersion.version.desc())
        .limit(1)
    )
    if found is None:
        get_model(session, name)
        raise NotFound(f"model {name!r} has no versions yet")
    return found


def set_alias(session: Session, name: str, alias: str, version: int) -> ModelAlias:
    """Point `alias` at `version` by hand (the alias route); the history records it."""
    event = move_alias(session, name, alias, version)
    row = session.get(ModelAlias, (event.model_id, alias))
    assert row is not None
    return row


def move_alias(
    session: Session,
    name: str,
    alias: str,
    version: int,
    *,
    decision: history.Decision = "set",
    reason: history.Reason = "manual",
    **event: object,
) -> history.AliasEvent:
    """Point `alias` at `version` and add its history row, with `event`'s fields (the promotion
    gate's policy, scores and job) besides the versions before and after."""
    target = get_version(session, name, version)
    row = session.get(ModelAlias, (target.model_id, alias))
    previous = None if row is None else session.get(ModelVersion, row.version_id)
    if row is None:
        row = ModelAlias(model_id=target.model_id, alias=alias, version_id=target.id)
        session.add(row)
    else:
        row.version_id = target.id
    session.flush()
    return history.record(
        session,
        target.model,
        alias,
        version=target.version,
        previous_version=previous.version if previous else None,
        decision=decision,
        reason=reason,
        **event,
    )


def alias_target(
    session: Session, model: Model, alias: str, *, lock: bool = False
) -> ModelVersion | None:
    """The version `alias` points at, if it is set; `lock`: the alias row stays locked until the
    transaction ends, so a decision about moving it is not raced (PostgreSQL)."""
    row = session.get(ModelAlias, (model.id, alias), with_for_update=lock or None)
    return None if row is None else session.get(ModelVersion, row.version_id)


def delete_alias(session: Session, name: str, alias: str) -> None:
    model = get_model(session, name)
    row = session.get(ModelAlias, (model.id, alias))
    if row is None:
        raise NotFound(f"model {name!r} has no alias {alias!r}")
    previous = session.get(ModelVersion, row.version_id)
    session.delete(row)
    session.flush()
    history.record(
        session,
        model,
        alias,
        version=None,
        previous_version=previous.version if previous else None,
        decision="deleted",
    )


def delete_version(session: Session, name: str, version: int) -> ModelVersion:
    """Refused while an alias points at it: moving `production` away is a deliberate act."""
    target = get_version(session, name, version)
    aliases = list(
        session.scalars(select(ModelAlias.alias).where(ModelAlias.version_id == target.id))
    )
    if aliases:
        raise Conflict(
            f"model {name!r} version {version} is the target of alias(es) {', '.join(aliases)}; "
            "move or delete them first"
        )
    session.delete(target)
    session.flush()
    return target


def register_version(session: Session, *, model_name: str, **fields: object) -> ModelVersion:
    """Create the model if it is new and append the next version number.

    Two workers registering at once collide on the unique model name or (model_id, version);
    the caller rolls back and calls again (see workers.runner).
    """
    model = session.scalar(select(Model).where(Model.name == model_name))
    if model is None:
        model = Model(name=model_name)
        session.add(model)
        session.flush()
    latest = session.scalar(
        select(func.max(ModelVersion.version)).where(ModelVersion.model_id == model.id)
    )
    created = ModelVersion(model_id=model.id, version=(latest or 0) + 1, **fields)
    session.add(created)
    session.flush()
    return created


def manifest_fields(manifest: Manifest) -> dict[str, Any]:
    """The row's copy of its version's manifest: every manifest field that is also a column, so
    the table decides what the row mirrors and the worker states each fact once."""
    columns = ModelVersion.__table__.columns.keys()
    return {k: v for k, v in asdict(manifest).items() if k in columns}


def version_of_job(session: Session, job_id: str) -> ModelVersion | None:
    return session.scalar(select(ModelVersion).where(ModelVersion.job_id == job_id))


def check_alias_name(alias: str) -> None:
    if alias.isdigit():
        raise InvalidInput("alias", f"{alias!r} looks like a version number; pick a word")


def version_read(version: ModelVersion, aliases: list[str]) -> VersionRead:
    # the revision it was trained on, not rows appended since (a detached row: the newest)
    session = object_session(version)
    dataset = (
        datasets.as_of(session, version.dataset, version.dataset_revision)
        if session is not None
        else version.dataset
    )
    return VersionRead.model_validate(
        {
            **{k: getattr(version, k) for k in VersionRead.model_fields if hasattr(version, k)},
            "model": version.model.name,
            "aliases": aliases,
            # The manifest's frequency and series come from this same revision (workers/runner.py).
            "frequency": dataset.frequency,
            "series": {s["id"]: s["last"] for s in dataset.series_summary()},
            "parent": (
                {"model": parent.model.name, "version": parent.version}
                if (parent := version.parent) is not None
                else None
            ),
        }
    )


def model_read(model: Model) -> ModelRead:
    by_id = {v.id: v.version for v in model.versions}
    return ModelRead(
        name=model.name,
        created_at=model.created_at,
        serving=ServingConfig.model_validate(model.serving or {}),
        latest_version=max(by_id.values(), default=None),
        aliases={a.alias: by_id[a.version_id] for a in model.aliases},
        versions=[
            VersionSummary(
                version=v.version,
                architecture=v.architecture,
                created_at=v.created_at,
                metrics=v.metrics,
            )
            for v in model.versions
        ],
    )


def aliases_of(session: Session, version: ModelVersion) -> list[str]:
    query = select(ModelAlias.alias).where(ModelAlias.version_id == version.id)
    return list(session.scalars(query.order_by(ModelAlias.alias)))
