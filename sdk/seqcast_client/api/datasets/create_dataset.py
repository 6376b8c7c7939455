from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_dataset_fill_missing_type_0 import CreateDatasetFillMissingType0
from ...models.dataset_create import DatasetCreate
from ...models.dataset_read import DatasetRead
from ...models.dataset_upload import DatasetUpload
from ...models.error import Error
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: DatasetCreate | DatasetUpload | Unset = UNSET,
    series_column: None | str | Unset = UNSET,
    fill_missing: CreateDatasetFillMissingType0 | None | Unset = UNSET,
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
    elif isinstance(fill_missing, CreateDatasetFillMissingType0):
        json_fill_missing = fill_missing.value
    else:
        json_fill_missing = fill_missing
    params["fill_missing"] = json_fill_missing

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/datasets",
        "params": params,
    }

    if isinstance(body, DatasetCreate):
        _kwargs["json"] = body.to_dict()

        headers["Content-Type"] = "application/json"
    if isinstance(body, DatasetUpload):
        _kwargs["files"] = body.to_multipart()

        headers["Content-Type"] = "multipart/form-data; boundary=+++"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DatasetRead | Error | HTTPValidationError | None:
    if response.status_code == 201:
        response_201 = DatasetRead.from_dict(response.json())

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
) -> Response[DatasetRead | Error | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: DatasetCreate | DatasetUpload | Unset = UNSET,
    series_column: None | str | Unset = UNSET,
    fill_missing: CreateDatasetFillMissingType0 | None | Unset = UNSET,
) -> Response[DatasetRead | Error | HTTPValidationError]:
    """Upload one or many series (JSON columns, a CSV or a Parquet file)

     Rows are grouped by series (in order of first appearance) and sorted by time within each series; the
    frequency is inferred from the timestamps. Unparseable or duplicate timestamps, non-numeric values,
    nulls and NaN are 422s naming the row and column, unless `fill_missing` fills missing values and the
    gaps in the timestamps.

    Args:
        series_column (None | str | Unset): File uploads: the column holding series ids (also a
            form field).
        fill_missing (CreateDatasetFillMissingType0 | None | Unset): File uploads: how missing
            values and gaps are filled (also a form field); JSON bodies give `fill_missing` in the
            body.
        body (DatasetCreate):
        body (DatasetUpload):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DatasetRead | Error | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        body=body,
        series_column=series_column,
        fill_missing=fill_missing,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: DatasetCreate | DatasetUpload | Unset = UNSET,
    series_column: None | str | Unset = UNSET,
    fill_missing: CreateDatasetFillMissingType0 | None | Unset = UNSET,
) -> DatasetRead | Error | HTTPValidationError | None:
    """Upload one or many series (JSON columns, a CSV or a Parquet file)

     Rows are grouped by series (in order of first appearance) and sorted by time within each series; the
    frequency is inferred from the timestamps. Unparseable or duplicate timestamps, non-numeric values,
    nulls and NaN are 422s naming the row and column, unless `fill_missing` fills missing values and the
    gaps in the timestamps.

    Args:
        series_column (None | str | Unset): File uploads: the column holding series ids (also a
            form field).
        fill_missing (CreateDatasetFillMissingType0 | None | Unset): File uploads: how missing
            values and gaps are filled (also a form field); JSON bodies give `fill_missing` in the
            body.
        body (DatasetCreate):
        body (DatasetUpload):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DatasetRead | Error | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        body=body,
        series_column=series_column,
        fill_missing=fill_missing,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: DatasetCreate | DatasetUpload | Unset = UNSET,
    series_column: None | str | Unset = UNSET,
    fill_missing: CreateDatasetFillMissingType0 | None | Unset = UNSET,
) -> Response[DatasetRead | Error | HTTPValidationError]:
    """Upload one or many series (JSON columns, a CSV or a Parquet file)

     Rows are grouped by series (in order of first appearance) and sorted by time within each series; the
    frequency is inferred from the timestamps. Unparseable or duplicate timestamps, non-numeric values,
    nulls and NaN are 422s naming the row and column, unless `fill_missing` fills missing values and the
    gaps in the timestamps.

    Args:
        series_column (None | str | Unset): File uploads: the column holding series ids (also a
            form field).
        fill_missing (CreateDatasetFillMissingType0 | None | Unset): File uploads: how missing
            values and gaps are filled (also a form field); JSON bodies give `fill_missing` in the
            body.
        body (DatasetCreate):
        body (DatasetUpload):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DatasetRead | Error | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        body=body,
        series_column=series_column,
        fill_missing=fill_missing,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: DatasetCreate | DatasetUpload | Unset = UNSET,
    series_column: None | str | Unset = UNSET,
    fill_missing: CreateDatasetFillMissingType0 | None | Unset = UNSET,
) -> DatasetRead | Error | HTTPValidationError | None:
    """Upload one or many series (JSON columns, a CSV or a Parquet file)

     Rows are grouped by series (in order of first appearance) and sorted by time within each series; the
    frequency is inferred from the timestamps. Unparseable or duplicate timestamps, non-numeric values,
    nulls and NaN are 422s naming the row and column, unless `fill_missing` fills missing values and the
    gaps in the timestamps.

    Args:
        series_column (None | str | Unset): File uploads: the column holding series ids (also a
            form field).
        fill_missing (CreateDatasetFillMissingType0 | None | Unset): File uploads: how missing
            values and gaps are filled (also a form field); JSON bodies give `fill_missing` in the
            body.
        body (DatasetCreate):
        body (DatasetUpload):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DatasetRead | Error | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            series_column=series_column,
            fill_missing=fill_missing,
        )
    ).parsed
