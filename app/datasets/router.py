from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from app.auth.deps import require
from app.auth.service import Scope
from app.datasets import service
from app.datasets.csv_parser import parse_csv
from app.datasets.schemas import DatasetCreate, DatasetRead
from app.db import SessionDep
from app.deps import SettingsDep, StoreDep
from app.errors import InvalidInput
from app.names import MAX_OFFSET, NAME_PATTERN, RecordId, check_name

router = APIRouter(prefix="/datasets", tags=["datasets"])

_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": DatasetCreate.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "title": "DatasetUpload",
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "CSV with a header row; a column named timestamp, "
                            "time, date, datetime or ds holds timestamps.",
                        },
                        "name": {"type": "string", "pattern": NAME_PATTERN},
                    },
                }
            },
        },
    }
}


@router.post(
    "",
    status_code=201,
    response_model=DatasetRead,
    operation_id="create_dataset",
    dependencies=[require(Scope.train)],
    summary="Upload a series (JSON columns or a CSV file)",
    openapi_extra=_UPLOAD_BODY,
)
async def create_dataset(
    request: Request, session: SessionDep, store: StoreDep, settings: SettingsDep
) -> DatasetRead:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InvalidInput("file", "a CSV file is required in the multipart field 'file'")
        raw_name = form.get("name")
        name = str(raw_name) if raw_name else (upload.filename or "dataset").rsplit(".", 1)[0]
        check_name("name", name)
        table = parse_csv(await upload.read())
        service.check_limits(table, settings, "file")
    elif content_type.startswith("application/json"):
        try:
            body = DatasetCreate.model_validate_json(await request.body())
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
            ) from exc
        name, table = body.name, service.table_from_json(body)
        service.check_limits(table, settings, "columns")
    else:
        raise InvalidInput(
            "content-type",
            f"expected application/json or multipart/form-data, got {content_type or 'none'!r}",
        )
    dataset = await run_in_threadpool(service.create, session, store, name=name, table=table)
    return DatasetRead.model_validate(dataset)


@router.get(
    "",
    response_model=list[DatasetRead],
    operation_id="list_datasets",
    dependencies=[require(Scope.read)],
)
def list_datasets(
    session: SessionDep,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> list[DatasetRead]:
    return [
        DatasetRead.model_validate(d) for d in service.get_all(session, limit=limit, offset=offset)
    ]


@router.get(
    "/{dataset_id}",
    response_model=DatasetRead,
    operation_id="get_dataset",
    dependencies=[require(Scope.read)],
)
def get_dataset(dataset_id: RecordId, session: SessionDep) -> DatasetRead:
    return DatasetRead.model_validate(service.get(session, dataset_id))
