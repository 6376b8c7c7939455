from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from app.auth.deps import OVER_QUOTA, TrainCaller, require
from app.auth.service import Scope
from app.datasets import service
from app.datasets.gaps import FILL_METHODS, FillMissing, check_method
from app.datasets.schemas import (
    SERIES_COLUMNS,
    TIMESTAMP_COLUMNS,
    DatasetCreate,
    DatasetRead,
    DatasetValues,
    SeriesSummary,
)
from app.deps import SessionDep, SettingsDep, StoreDep
from app.errors import InvalidInput
from app.http.openapi import UNREADABLE_BODY
from app.http.paths import RecordId
from app.names import MAX_OFFSET, NAME_PATTERN, check_name

router = APIRouter(prefix="/datasets", tags=["datasets"])

_NO_DATASET = {404: {"description": "No such dataset."}}

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
                            "description": "CSV with a header row, or Parquet. A column named "
                            f"{', '.join(TIMESTAMP_COLUMNS)} holds ISO 8601 timestamps (in "
                            "Parquet also a timestamp/date typed column); a column named "
                            f"{', '.join(SERIES_COLUMNS)} (or `series_column`) holds series "
                            "ids: long format, one row per series and timestamp. Every other "
                            "column holds numbers.",
                        },
                        "name": {"type": "string", "pattern": NAME_PATTERN},
                        "series_column": {
                            "type": "string",
                            "description": "The column holding series ids, when its name is "
                            "not one of the recognized ones.",
                        },
                        "fill_missing": {
                            "type": "string",
                            "enum": list(FILL_METHODS),
                            "default": "none",
                            "description": "As in the JSON body: empty, NA, NaN and null "
                            "cells (Parquet: nulls and NaN) are missing values.",
                        },
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
    summary="Upload one or many series (JSON columns, a CSV or a Parquet file)",
    description="Rows are grouped by series (in order of first appearance) and sorted by time "
    "within each series; the frequency is inferred from the timestamps. Unparseable or "
    "duplicate timestamps, non-numeric values, nulls and NaN are 422s naming the row and column, "
    "unless `fill_missing` fills missing values and the gaps in the timestamps.",
    openapi_extra=_UPLOAD_BODY,
    responses={**OVER_QUOTA, **UNREADABLE_BODY},
)
async def create_dataset(
    request: Request,
    session: SessionDep,
    store: StoreDep,
    settings: SettingsDep,
    caller: TrainCaller,
    series_column: Annotated[
        str | None,
        Query(
            max_length=100,
            description="File uploads: the column holding series ids (also a form field).",
        ),
    ] = None,
    fill_missing: Annotated[
        FillMissing | None,
        Query(
            description="File uploads: how missing values and gaps are filled (also a form "
            "field); JSON bodies give `fill_missing` in the body."
        ),
    ] = None,
) -> DatasetRead:
    # a key over its quota is refused before its upload is read
    await run_in_threadpool(service.check_quota, session, settings, caller.key_id)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InvalidInput(
                "file", "a CSV or Parquet file is required in the multipart field 'file'"
            )
        raw_name = form.get("name")
        name = str(raw_name) if raw_name else (upload.filename or "dataset").rsplit(".", 1)[0]
        check_name("name", name)
        raw_series_column = form.get("series_column")
        if isinstance(raw_series_column, str) and raw_series_column:
            series_column = raw_series_column
        raw_fill = form.get("fill_missing")
        method = check_method(raw_fill if isinstance(raw_fill, str) and raw_fill else fill_missing)
        data, filename = await upload.read(), upload.filename
        table = await run_in_threadpool(
            service.table_from_file,
            data,
            filename,
            series_column,
            service.limits(settings),
            method,
        )
        service.check_limits(table, settings, "file")
    elif content_type.startswith("application/json"):
        if series_column is not None:
            raise InvalidInput(
                "series_column", "applies to file uploads; JSON bodies give `series` per row"
            )
        if fill_missing is not None:
            raise InvalidInput(
                "fill_missing",
                "as a query parameter it applies to file uploads; JSON bodies "
                "give `fill_missing` in the body",
            )
        try:
            body = DatasetCreate.model_validate_json(await request.body())
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
            ) from exc
        name, table = (
            body.name,
            await run_in_threadpool(service.table_from_json, body, (), service.limits(settings)),
        )
        service.check_limits(table, settings, "columns")
    else:
        raise InvalidInput(
            "content-type",
            f"expected application/json or multipart/form-data, got {content_type or 'none'!r}",
        )
    dataset = await run_in_threadpool(
        service.create, session, store, settings, name=name, table=table, owner=caller.key_id
    )
    return service.to_read(dataset)


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
    return [service.to_read(d) for d in service.get_all(session, limit=limit, offset=offset)]


@router.get(
    "/{dataset_id}",
    response_model=DatasetRead,
    operation_id="get_dataset",
    responses=_NO_DATASET,
    dependencies=[require(Scope.read)],
)
def get_dataset(dataset_id: RecordId, session: SessionDep) -> DatasetRead:
    return service.to_read(service.get(session, dataset_id))


@router.get(
    "/{dataset_id}/series",
    response_model=list[SeriesSummary],
    operation_id="list_dataset_series",
    responses=_NO_DATASET,
    dependencies=[require(Scope.read)],
    summary="A dataset's series: id, rows, first and last timestamp, in table order",
)
def list_dataset_series(
    dataset_id: RecordId,
    session: SessionDep,
    limit: int = Query(1000, ge=1, le=10_000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> list[SeriesSummary]:
    dataset = service.get(session, dataset_id)
    return [
        SeriesSummary.model_validate(s)
        for s in service.series_page(dataset, limit=limit, offset=offset)
    ]


@router.get(
    "/{dataset_id}/values",
    response_model=DatasetValues,
    operation_id="get_dataset_values",
    dependencies=[require(Scope.read)],
    summary="A dataset's stored values and timestamps (all series, or one), e.g. to plot it",
    responses={404: {"description": "No such dataset, or no such series in it."}},
)
def get_dataset_values(
    dataset_id: RecordId,
    session: SessionDep,
    store: StoreDep,
    series: Annotated[
        str | None, Query(max_length=100, description="Only this series' rows.")
    ] = None,
) -> DatasetValues:
    return service.values(store, service.get(session, dataset_id), series)
