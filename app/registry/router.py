from __future__ import annotations

from fastapi import APIRouter, Query, Response

from app.auth.deps import require
from app.auth.service import Scope
from app.contract import manifest_uri_for
from app.db import after_commit
from app.deps import DataPlaneDep, SessionDep, StoreDep
from app.http.openapi import UNREADABLE_BODY
from app.http.paths import AliasName, ModelName, VersionNumber
from app.names import MAX_OFFSET
from app.registry import history, service
from app.registry.schemas import (
    AliasEventRead,
    AliasRead,
    AliasUpdate,
    ModelRead,
    ServingConfig,
    VersionRead,
)

router = APIRouter(prefix="/models", tags=["models"])

_NO_MODEL = {404: {"description": "No such model."}}
_NO_VERSION = {404: {"description": "No such model or version."}}


@router.get(
    "",
    response_model=list[ModelRead],
    operation_id="list_models",
    dependencies=[require(Scope.read)],
)
def list_models(
    session: SessionDep,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> list[ModelRead]:
    return [service.model_read(m) for m in service.get_all(session, limit=limit, offset=offset)]


@router.get(
    "/{name}",
    response_model=ModelRead,
    operation_id="get_model",
    responses=_NO_MODEL,
    dependencies=[require(Scope.read)],
)
def get_model(name: ModelName, session: SessionDep) -> ModelRead:
    return service.model_read(service.get_model(session, name))


@router.get(
    "/{name}/versions/{version}",
    response_model=VersionRead,
    operation_id="get_model_version",
    responses=_NO_VERSION,
    dependencies=[require(Scope.read)],
)
def get_version(name: ModelName, version: VersionNumber, session: SessionDep) -> VersionRead:
    found = service.get_version(session, name, version)
    return service.version_read(found, service.aliases_of(session, found))


@router.get(
    "/{name}/versions/{version}/artifact",
    operation_id="download_model_artifact",
    dependencies=[require(Scope.read)],
    summary="Download the version's ONNX file",
    response_class=Response,
    responses={
        200: {
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            }
        },
        **_NO_VERSION,
    },
)
def download_artifact(
    name: ModelName, version: VersionNumber, session: SessionDep, store: StoreDep
) -> Response:
    found = service.get_version(session, name, version)
    return Response(
        store.get(found.artifact_uri),
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{name}-v{version}.onnx"',
            "X-Checksum-Sha256": found.sha256,
        },
    )


@router.delete(
    "/{name}/versions/{version}",
    status_code=204,
    operation_id="delete_model_version",
    dependencies=[require(Scope.admin)],
    responses={**_NO_VERSION, 409: {"description": "An alias points at this version."}},
)
def delete_version(
    name: ModelName,
    version: VersionNumber,
    session: SessionDep,
    store: StoreDep,
    plane: DataPlaneDep,
) -> Response:
    deleted = service.delete_version(session, name, version)
    version_id, artifact, weights = deleted.id, deleted.artifact_uri, deleted.weights_uri

    def forget_and_delete_files() -> None:
        """Once the row is gone for good: a failed commit keeps the row and its files."""
        plane.forget(name, version_id)
        store.delete(artifact)
        store.delete(manifest_uri_for(artifact))
        if weights is not None:
            store.delete(weights)

    after_commit(session, forget_and_delete_files)
    return Response(status_code=204)


@router.put(
    "/{name}/aliases/{alias}",
    response_model=AliasRead,
    operation_id="set_model_alias",
    responses={**_NO_VERSION, **UNREADABLE_BODY},
    dependencies=[require(Scope.admin)],
    summary="Point an alias (e.g. production) at a version",
)
def set_alias(
    name: ModelName, alias: AliasName, body: AliasUpdate, session: SessionDep, plane: DataPlaneDep
) -> AliasRead:
    service.check_alias_name(alias)
    service.set_alias(session, name, alias, body.version)
    # after the commit, so new requests resolve to the new target; running ones finish as they are
    after_commit(session, lambda: plane.forget(name))
    return AliasRead(model=name, alias=alias, version=body.version)


@router.delete(
    "/{name}/aliases/{alias}",
    status_code=204,
    operation_id="delete_model_alias",
    responses={404: {"description": "No such model or alias."}},
    dependencies=[require(Scope.admin)],
)
def delete_alias(
    name: ModelName, alias: AliasName, session: SessionDep, plane: DataPlaneDep
) -> Response:
    service.delete_alias(session, name, alias)
    after_commit(session, lambda: plane.forget(name))
    return Response(status_code=204)


@router.get(
    "/{name}/aliases/{alias}/history",
    response_model=list[AliasEventRead],
    operation_id="get_model_alias_history",
    responses=_NO_MODEL,
    dependencies=[require(Scope.read)],
    summary="Every change of an alias, newest first, with the promotion gate's scores",
)
def alias_history(
    name: ModelName,
    alias: AliasName,
    session: SessionDep,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> list[AliasEventRead]:
    model = service.get_model(session, name)
    events = history.page(session, model, alias, limit=limit, offset=offset)
    return [AliasEventRead.model_validate(e) for e in events]


@router.put(
    "/{name}/serving",
    response_model=ServingConfig,
    operation_id="set_model_serving",
    responses={**_NO_MODEL, **UNREADABLE_BODY},
    dependencies=[require(Scope.admin)],
    summary="Set this model's batching settings (unset fields keep the server defaults)",
)
def set_serving(
    name: ModelName, body: ServingConfig, session: SessionDep, plane: DataPlaneDep
) -> ServingConfig:
    model = service.get_model(session, name)
    model.serving = body.model_dump(exclude_none=True)
    after_commit(session, lambda: plane.forget(name))
    return ServingConfig.model_validate(model.serving)
