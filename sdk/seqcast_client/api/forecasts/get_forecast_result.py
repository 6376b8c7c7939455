from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.http_validation_error import HTTPValidationError
from ...types import Response


def _get_kwargs(
    forecast_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/forecasts/{forecast_id}/result".format(
            forecast_id=quote(str(forecast_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | Error | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = cast(Any, None)
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

    if response.status_code == 409:
        response_409 = Error.from_dict(response.json())

        return response_409

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | Error | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    forecast_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[Any | Error | HTTPValidationError]:
    """Download a finished forecast's file

    Args:
        forecast_id (str): A dataset or job id.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Error | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        forecast_id=forecast_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    forecast_id: str,
    *,
    client: AuthenticatedClient,
) -> Any | Error | HTTPValidationError | None:
    """Download a finished forecast's file

    Args:
        forecast_id (str): A dataset or job id.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Error | HTTPValidationError
    """

    return sync_detailed(
        forecast_id=forecast_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    forecast_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[Any | Error | HTTPValidationError]:
    """Download a finished forecast's file

    Args:
        forecast_id (str): A dataset or job id.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Error | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        forecast_id=forecast_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    forecast_id: str,
    *,
    client: AuthenticatedClient,
) -> Any | Error | HTTPValidationError | None:
    """Download a finished forecast's file

    Args:
        forecast_id (str): A dataset or job id.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Error | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            forecast_id=forecast_id,
            client=client,
        )
    ).parsed
