from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.append_dataset_rows_files_rows_upload import AppendDatasetRowsFilesRowsUpload
from ...models.append_dataset_rows_fill_missing_type_0 import AppendDatasetRowsFillMissingType0
from ...models.append_dataset_rows_json_rows_append import AppendDatasetRowsJsonRowsAppend
from ...models.append_dataset_rows_on_conflict_type_0 import AppendDatasetRowsOnConflictType0
from ...models.append_read import AppendRead
from ...models.error import Error
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, Response, Unset


def _get_kwargs(
    dataset_id: str,
    *,
    body: AppendDatasetRowsJsonRowsAppend | AppendDatasetRowsFilesRowsUpload | Unset = UNSET,
    series_column: None | str | Unset = UNSET,
    fill_missing: AppendDatasetRowsFillMissingType0 | None | Unset = UNSET,
    on_conflict: AppendDatasetRowsOnConflictType0 | None | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    json_series_column: None | str | Unset
    if isinstance(series_column, Unset):
        json_series_column = UNSET
    else:
        json_series_column = series_column
    params["series_column"] = json_series_column

    json_fill_missing: None | str | Unset
    if isinstance(fill_missing, Unset):
        json_fill_missing = UNSET
    elif isinstance(fill_missing, AppendDatasetRowsFillMissingType0):
        json_fill_missing = fill_missing.value
    else:
        json_fill_missing = fill_missing
    params["fill_missing"] = json_fill_missing

    json_on_conflict: None | str | Unset
    if isinstance(on_conflict, Unset):
        json_on_conflict = UNSET
    elif isinstance(on_conflict, AppendDatasetRowsOnConflictType0):
        json_on_conflict = on_conflict.value
    else:
        json_on_conflict = on_conflict
    params["on_conflict"] = json_on_conflict

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/datasets/{dataset_id}/rows".format(
            dataset_id=quote(str(dataset_id), safe=""),
        ),
        "params": params,
    }

    if isinstance(body, AppendDatasetRowsJsonRowsAppend):
        _kwargs["json"] = body.to_dict()

        headers["Content-Type"] = "application/json"
    if isinstance(body, AppendDatasetRowsFilesRowsUpload):
        _kwargs["files"] = body.to_multipart()

        headers["Content-Type"] = "multipart/form-data; boundary=+++"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AppendRead | Error | HTTPValidationError | None:
    if response.status_code == 201:
        response_201 = AppendRead.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = Error.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Error.from_dict(response.json())

        return response_413

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[AppendRead | Error | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    dataset_id: str,
    *,
    client: AuthenticatedClient,
    body: AppendDatasetRowsJsonRowsAppend | AppendDatasetRowsFilesRowsUpload | Unset = UNSET,
    series_column: None | str | Unset = UNSET,
    fill_missing: AppendDatasetRowsFillMissingType0 | None | Unset = UNSET,
    on_conflict: AppendDatasetRowsOnConflictType0 | None | Unset = UNSET,
) -> Response[AppendRead | Error | HTTPValidationError]:
    """Append rows (JSON columns, a CSV or a Parquet file): a new revision

     The rows must have exactly the dataset's columns and continue each series after its last timestamp;
    a timestamp the series already holds is a 409 naming it unless `on_conflict` is `replace`; new
    series are allowed. With `fill_missing`, the gap before a series' new rows is filled too; the
    dataset keeps its frequency. Limits and the byte quota apply to the merged table, which is stored as
    the dataset's next revision.

    Args:
        dataset_id (str): A dataset or job id.
        series_column (None | str | Unset): File uploads: as for POST /datasets.
        fill_missing (AppendDatasetRowsFillMissingType0 | None | Unset): File uploads: as for POST
            /datasets.
        on_conflict (AppendDatasetRowsOnConflictType0 | None | Unset): File uploads (also a form
            field); JSON bodies give it in the body.
        body (AppendDatasetRowsJsonRowsAppend): Rows for POST /datasets/{id}/rows: the upload's
            shape, the dataset's columns.
        body (AppendDatasetRowsFilesRowsUpload):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AppendRead | Error | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        dataset_id=dataset_id,
        body=body,
        series_column=series_column,
        fill_missing=fill_missing,
        on_conflict=on_conflict,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    dataset_id: str,
    *,
    client: AuthenticatedClient,
    body: AppendDatasetRowsJsonRowsAppend | AppendDatasetRowsFilesRowsUpload | Unset = UNSET,
    series_column: None | str | Unset = UNSET,
    fill_missing: AppendDatasetRowsFillMissingType0 | None | Unset = UNSET,
    on_conflict: AppendDatasetRowsOnConflictType0 | None | Unset = UNSET,
) -> AppendRead | Error | HTTPValidationError | None:
    """Append rows (JSON columns, a CSV or a Parquet file): a new revision

     The rows must have exactly the dataset's columns and continue each series after its last timestamp;
    a timestamp the series already holds is a 409 naming it unless `on_conflict` is `replace`; new
    series are allowed. With `fill_missing`, the gap before a series' new rows is filled too; the
    dataset keeps its frequency. Limits and the byte quota apply to the merged table, which is stored as
    the dataset's next revision.

    Args:
        dataset_id (str): A dataset or job id.
        series_column (None | str | Unset): File uploads: as for POST /datasets.
        fill_missing (AppendDatasetRowsFillMissingType0 | None | Unset): File uploads: as for POST
            /datasets.
        on_conflict (AppendDatasetRowsOnConflictType0 | None | Unset): File uploads (also a form
            field); JSON bodies give it in the body.
        body (AppendDatasetRowsJsonRowsAppend): Rows for POST /datasets/{id}/rows: the upload's
            shape, the dataset's columns.
        body (AppendDatasetRowsFilesRowsUpload):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AppendRead | Error | HTTPValidationError
    """

    return sync_detailed(
        dataset_id=dataset_id,
        client=client,
        body=body,
        series_column=series_column,
        fill_missing=fill_missing,
        on_conflict=on_conflict,
    ).parsed


async def asyncio_detailed(
    dataset_id: str,
    *,
    client: AuthenticatedClient,
    body: AppendDatasetRowsJsonRowsAppend | AppendDatasetRowsFilesRowsUpload | Unset = UNSET,
    series_column: None | str | Unset = UNSET,
    fill_missing: AppendDatasetRowsFillMissingType0 | None | Unset = UNSET,
    on_conflict: AppendDatasetRowsOnConflictType0 | None | Unset = UNSET,
) -> Response[AppendRead | Error | HTTPValidationError]:
    """Append rows (JSON columns, a CSV or a Parquet file): a new revision

     The rows must have exactly the dataset's columns and continue each series after its last timestamp;
    a timestamp the series already holds is a 409 naming it unless `on_conflict` is `replace`; new
    series are allowed. With `fill_missing`, the gap before a series' new rows is filled too; the
    dataset keeps its frequency. Limits and the byte quota apply to the merged table, which is stored as
    the dataset's next revision.

    Args:
        dataset_id (str): A dataset or job id.
        series_column (None | str | Unset): File uploads: as for POST /datasets.
        fill_missing (AppendDatasetRowsFillMissingType0 | None | Unset): File uploads: as for POST
            /datasets.
        on_conflict (AppendDatasetRowsOnConflictType0 | None | Unset): File uploads (also a form
            field); JSON bodies give it in the body.
        body (AppendDatasetRowsJsonRowsAppend): Rows for POST /datasets/{id}/rows: the upload's
            shape, the dataset's columns.
        body (AppendDatasetRowsFilesRowsUpload):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AppendRead | Error | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        dataset_id=dataset_id,
        body=body,
        series_column=series_column,
        fill_missing=fill_missing,
        on_conflict=on_conflict,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    dataset_id: str,
    *,
    client: AuthenticatedClient,
    body: AppendDatasetRowsJsonRowsAppend | AppendDatasetRowsFilesRowsUpload | Unset = UNSET,
    series_column: None | str | Unset = UNSET,
    fill_missing: AppendDatasetRowsFillMissingType0 | None | Unset = UNSET,
    on_conflict: AppendDatasetRowsOnConflictType0 | None | Unset = UNSET,
) -> AppendRead | Error | HTTPValidationError | None:
    """Append rows (JSON columns, a CSV or a Parquet file): a new revision

     The rows must have exactly the dataset's columns and continue each series after its last timestamp;
    a timestamp the series already holds is a 409 naming it unless `on_conflict` is `replace`; new
    series are allowed. With `fill_missing`, the gap before a series' new rows is filled too; the
    dataset keeps its frequency. Limits and the byte quota apply to the merged table, which is stored as
    the dataset's next revision.

    Args:
        dataset_id (str): A dataset or job id.
        series_column (None | str | Unset): File uploads: as for POST /datasets.
        fill_missing (AppendDatasetRowsFillMissingType0 | None | Unset): File uploads: as for POST
            /datasets.
        on_conflict (AppendDatasetRowsOnConflictType0 | None | Unset): File uploads (also a form
            field); JSON bodies give it in the body.
        body (AppendDatasetRowsJsonRowsAppend): Rows for POST /datasets/{id}/rows: the upload's
            shape, the dataset's columns.
        body (AppendDatasetRowsFilesRowsUpload):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AppendRead | Error | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            dataset_id=dataset_id,
            client=client,
            body=body,
            series_column=series_column,
            fill_missing=fill_missing,
            on_conflict=on_conflict,
        )
    ).parsed
