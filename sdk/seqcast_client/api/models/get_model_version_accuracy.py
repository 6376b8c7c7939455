from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.accuracy_read import AccuracyRead
from ...models.error import Error
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, Response, Unset


def _get_kwargs(
    name: str,
    version: int,
    *,
    series_limit: int | Unset = 100,
    series_offset: int | Unset = 0,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["series_limit"] = series_limit

    params["series_offset"] = series_offset

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/models/{name}/versions/{version}/accuracy".format(
            name=quote(str(name), safe=""),
            version=quote(str(version), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AccuracyRead | Error | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = AccuracyRead.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[AccuracyRead | Error | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    name: str,
    version: int,
    *,
    client: AuthenticatedClient,
    series_limit: int | Unset = 100,
    series_offset: int | Unset = 0,
) -> Response[AccuracyRead | Error | HTTPValidationError]:
    """Live accuracy: the version's stored forecasts scored against the actuals so far

     Overall, by horizon step and by series (paged, by id). A version with no scored points
    yet answers with zero points and null scores.

    Args:
        name (str): A model name.
        version (int): A version number.
        series_limit (int | Unset): Series per page. Default: 100.
        series_offset (int | Unset):  Default: 0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AccuracyRead | Error | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        name=name,
        version=version,
        series_limit=series_limit,
        series_offset=series_offset,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    name: str,
    version: int,
    *,
    client: AuthenticatedClient,
    series_limit: int | Unset = 100,
    series_offset: int | Unset = 0,
) -> AccuracyRead | Error | HTTPValidationError | None:
    """Live accuracy: the version's stored forecasts scored against the actuals so far

     Overall, by horizon step and by series (paged, by id). A version with no scored points
    yet answers with zero points and null scores.

    Args:
        name (str): A model name.
        version (int): A version number.
        series_limit (int | Unset): Series per page. Default: 100.
        series_offset (int | Unset):  Default: 0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AccuracyRead | Error | HTTPValidationError
    """

    return sync_detailed(
        name=name,
        version=version,
        client=client,
        series_limit=series_limit,
        series_offset=series_offset,
    ).parsed


async def asyncio_detailed(
    name: str,
    version: int,
    *,
    client: AuthenticatedClient,
    series_limit: int | Unset = 100,
    series_offset: int | Unset = 0,
) -> Response[AccuracyRead | Error | HTTPValidationError]:
    """Live accuracy: the version's stored forecasts scored against the actuals so far

     Overall, by horizon step and by series (paged, by id). A version with no scored points
    yet answers with zero points and null scores.

    Args:
        name (str): A model name.
        version (int): A version number.
        series_limit (int | Unset): Series per page. Default: 100.
        series_offset (int | Unset):  Default: 0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AccuracyRead | Error | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        name=name,
        version=version,
        series_limit=series_limit,
        series_offset=series_offset,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    name: str,
    version: int,
    *,
    client: AuthenticatedClient,
    series_limit: int | Unset = 100,
    series_offset: int | Unset = 0,
) -> AccuracyRead | Error | HTTPValidationError | None:
    """Live accuracy: the version's stored forecasts scored against the actuals so far

     Overall, by horizon step and by series (paged, by id). A version with no scored points
    yet answers with zero points and null scores.

    Args:
        name (str): A model name.
        version (int): A version number.
        series_limit (int | Unset): Series per page. Default: 100.
        series_offset (int | Unset):  Default: 0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AccuracyRead | Error | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            name=name,
            version=version,
            client=client,
            series_limit=series_limit,
            series_offset=series_offset,
        )
    ).parsed
