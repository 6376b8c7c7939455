from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from app.auth.deps import OVER_QUOTA, TrainCaller, require
from app.auth.service import Scope
from app.config import Settings
from app.datasets import service
from app.datasets.append import FILE_FIELDS, JSON_FIELDS, ON_CONFLICT, OnConflict
from app.datasets.gaps import FILL_METHODS, FillMissing, check_method
from app.datasets.schemas import (
    SERIES_COLUMNS,
    TIMESTAMP_COLUMNS,
    AppendRead,
    DatasetCreate,
    DatasetRead,
    DatasetRevisionRead,
    DatasetValues,
    RowsAppend,
    SeriesData,
    SeriesSummary,
)
from app.datasets.storage import SeriesTable
from app.deps import SessionDep, SettingsDep, StoreDep
from app.errors import InvalidInput
from app.http.openapi import UNREADABLE_BODY
from app.http.paths import RecordId
from app.names import MAX_OFFSET, MAX_REVISION, NAME_PATTERN, check_name

router = APIRouter(prefix="/datasets", tags=["datasets"])

_NO_DATASET = {404: {"description": "No such dataset."}}
_Revision = Annotated[
    int | None,
    Query(
        ge=1,
        le=MAX_REVISION,
        description="An earlier revision (GET /datasets/{id}/revisions); the newest by default.",
    ),
]

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


_APPEND_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": RowsAppend.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "title": "RowsUpload",
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "CSV or Parquet as POST /datasets takes it, with "
                            "exactly the dataset's columns (and its timestamp and series "
                            "columns when it has them).",
                        },
                        **{
                            k: v
                            for k, v in _UPLOAD_BODY["requestBody"]["content"][
                                "multipart/form-data"
                            ]["schema"]["properties"].items()
                            if k in ("series_column", "fill_missing")
                        },
                        "on_conflict": {
                            "type": "string",
                            "enum": list(ON_CONFLICT),
                            "default": "error",
                            "description": "As in the JSON body.",
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
    upload = await _read_upload(
        request, settings, DatasetCreate, series_column, fill_missing, check_form=_form_name
    )
    name = upload.body.name if upload.body is not None else _form_name(upload.form, upload.filename)
    dataset = await run_in_threadpool(
        service.create,
        session,
        store,
        settings,
        name=name,
        table=upload.table,
        owner=caller.key_id,
    )
    return service.to_read(dataset)


@router.post(
    "/{dataset_id}/rows",
    status_code=201,
    response_model=AppendRead,
    operation_id="append_dataset_rows",
    summary="Append rows (JSON columns, a CSV or a Parquet file): a new revision",
    description="The rows must have exactly the dataset's columns and continue each series "
    "after its last timestamp; a timestamp the series already holds is a 409 naming it unless "
    "`on_conflict` is `replace`; new series are allowed. With `fill_missing`, the gap before "
    "a series' new rows is filled too; the dataset keeps its frequency. Limits and the byte "
    "quota apply to the merged table, which is stored as the dataset's next revision.",
    openapi_extra=_APPEND_BODY,
    responses={
        **_NO_DATASET,
        **OVER_QUOTA,
        **UNREADABLE_BODY,
        409: {"description": ("A row's timestamp is already in its series (on_conflict error).")},
    },
)
async def append_rows(
    dataset_id: RecordId,
    request: Request,
    session: SessionDep,
    store: StoreDep,
    settings: SettingsDep,
    caller: TrainCaller,
    series_column: Annotated[
        str | None,
        Query(max_length=100, description="File uploads: as for POST /datasets."),
    ] = None,
    fill_missing: Annotated[
        FillMissing | None, Query(description="File uploads: as for POST /datasets.")
    ] = None,
    on_conflict: Annotated[
        OnConflict | None,
        Query(description="File uploads (also a form field); JSON bodies give it in the body."),
    ] = None,
) -> AppendRead:
    dataset = await run_in_threadpool(service.get, session, dataset_id)
    # a key over its byte quota is refused before the rows are read
    charged = service.charged_key(dataset, caller.key_id)
    await run_in_threadpool(service.check_quota, session, settings, charged, 0, new_dataset=False)
    upload = await _read_upload(
        request, settings, RowsAppend, series_column, fill_missing, min_rows=1
    )
    if upload.body is not None:
        if on_conflict is not None:
            raise InvalidInput(
                "on_conflict",
                "as a query parameter it applies to file uploads; JSON bodies "
                "give `on_conflict` in the body",
            )
        conflict: OnConflict = upload.body.on_conflict
    else:
        conflict = _check_on_conflict(upload.form.get("on_conflict", on_conflict))
    appended = await run_in_threadpool(
        partial(
            service.append,
            session,
            store,
            settings,
            dataset=dataset,
            table=upload.table,
            on_conflict=conflict,
            owner=caller.key_id,
            fill_missing=upload.method,
            fields=FILE_FIELDS if upload.field == "file" else JSON_FIELDS,
        )
    )
    return AppendRead(
        **service.to_read(dataset).model_dump(),
        appended_rows=appended.appended_rows,
        replaced_rows=appended.replaced_rows,
    )


def _check_on_conflict(value: str | None) -> OnConflict:
    if value is None:
        return "error"
    if value not in ON_CONFLICT:
        raise InvalidInput("on_conflict", f"{value[:40]!r} is not one of {', '.join(ON_CONFLICT)}")
    return value  # type: ignore[return-value]


@router.get(
    "/{dataset_id}/revisions",
    response_model=list[DatasetRevisionRead],
    operation_id="list_dataset_revisions",
    responses=_NO_DATASET,
    dependencies=[require(Scope.read)],
    summary="A dataset's revisions, newest first",
)
def list_dataset_revisions(
    dataset_id: RecordId,
    session: SessionDep,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> list[DatasetRevisionRead]:
    dataset = service.get(session, dataset_id)
    found = service.get_revisions(session, dataset, limit=limit, offset=offset)
    return [service.revision_read(r) for r in found]


@router.get(
    "/{dataset_id}/revisions/{revision}",
    response_model=DatasetRevisionRead,
    operation_id="get_dataset_revision",
    responses={404: {"description": "No such dataset, or no such revision of it."}},
    dependencies=[require(Scope.read)],
)
def get_dataset_revision(
    dataset_id: RecordId, revision: Annotated[int, Path(ge=1, le=MAX_REVISION)], session: SessionDep
) -> DatasetRevisionRead:
    dataset = service.get(session, dataset_id)
    return service.revision_read(service.get_revision(session, dataset, revision))


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
    revision: _Revision = None,
) -> list[SeriesSummary]:
    dataset = service.get(session, dataset_id)
    described = dataset if revision is None else service.get_revision(session, dataset, revision)
    return [
        SeriesSummary.model_validate(s)
        for s in service.series_page(described, limit=limit, offset=offset)
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
    revision: _Revision = None,
) -> DatasetValues:
    dataset = service.get(session, dataset_id)
    table = service.load_revision(session, store, dataset, revision)
    return service.values(store, dataset, series, table)


@dataclass(frozen=True)
class _Upload:
    """A parsed upload: its table, the fill method it asked for, and the other fields sent
    (the JSON body, or a multipart form's text fields)."""

    table: SeriesTable
    method: FillMissing
    field: str
    body: Any = None
    form: dict[str, str] = field(default_factory=dict)
    filename: str | None = None


async def _read_upload(
    request: Request,
    settings: Settings,
    body_model: type[SeriesData],
    series_column: str | None,
    fill_missing: FillMissing | None,
    min_rows: int = 2,
    check_form: Callable[[dict[str, str], str | None], object] | None = None,
) -> _Upload:
    """JSON columns or a CSV/Parquet file, parsed and checked against the dataset limits (a
    file while it is read: sizes before parsing) as POST /datasets and POST /datasets/{id}/rows
    take them. `check_form(fields, filename)` checks a form's other fields before the file is
    parsed."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InvalidInput(
                "file", "a CSV or Parquet file is required in the multipart field 'file'"
            )
        texts = {k: v for k, v in form.items() if isinstance(v, str) and v}
        if check_form is not None:
            check_form(texts, upload.filename)
        if "series_column" in texts:
            series_column = texts["series_column"]
        method = check_method(texts.get("fill_missing", fill_missing))
        data, filename = await upload.read(), upload.filename
        table = await run_in_threadpool(
            service.table_from_file,
            data,
            filename,
            series_column,
            service.limits(settings),
            method,
            min_rows,
        )
        service.check_limits(table, settings, "file")
        return _Upload(table, method, "file", form=texts, filename=filename)
    if content_type.startswith("application/json"):
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
            body = body_model.model_validate_json(await request.body())
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
            ) from exc
        table = await run_in_threadpool(service.table_from_json, body, (), service.limits(settings))
        service.check_limits(table, settings, "columns")
        return _Upload(table, body.fill_missing, "columns", body=body)
    raise InvalidInput(
        "content-type",
        f"expected application/json or multipart/form-data, got {content_type or 'none'!r}",
    )


def _form_name(form: dict[str, str], filename: str | None) -> str:
    """A file upload's dataset name: the `name` field, else the file's name without suffix."""
    name = form.get("name") or (filename or "dataset").rsplit(".", 1)[0]
    check_name("name", name)
    return name
