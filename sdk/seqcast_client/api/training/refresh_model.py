from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.http_validation_error import HTTPValidationError
from ...models.job_read import JobRead
from ...models.refresh_request import RefreshRequest
from ...types import UNSET, Response, Unset


def _get_kwargs(
    name: str,
    *,
    body: RefreshRequest,
    idempotency_key: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["idempotency-key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/models/{name}/refresh".format(
            name=quote(str(name), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | HTTPValidationError | JobRead | None:
    if response.status_code == 202:
        response_202 = JobRead.from_dict(response.json())

        return response_202

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

    if response.status_code == 503:
        response_503 = Error.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | HTTPValidationError | JobRead]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    name: str,
    *,
    client: AuthenticatedClient,
    body: RefreshRequest,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[Error | HTTPValidationError | JobRead]:
    """Queue a warm-start refresh of the version an alias points at

    Args:
        name (str): A model name.
        idempotency_key (None | str | Unset): Retrying with the same key returns the job of the
            first request.
        body (RefreshRequest): POST /models/{name}/refresh: warm-start the version an alias points
            at on its dataset's
            newest data.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | HTTPValidationError | JobRead]
    """

    kwargs = _get_kwargs(
        name=name,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    name: str,
    *,
    client: AuthenticatedClient,
    body: RefreshRequest,
    idempotency_key: None | str | Unset = UNSET,
) -> Error | HTTPValidationError | JobRead | None:
    """Queue a warm-start refresh of the version an alias points at

    Args:
        name (str): A model name.
        idempotency_key (None | str | Unset): Retrying with the same key returns the job of the
            first request.
        body (RefreshRequest): POST /models/{name}/refresh: warm-start the version an alias points
            at on its dataset's
            newest data.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | HTTPValidationError | JobRead
    """

    return sync_detailed(
        name=name,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    name: str,
    *,
    client: AuthenticatedClient,
    body: RefreshRequest,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[Error | HTTPValidationError | JobRead]:
    """Queue a warm-start refresh of the version an alias points at

    Args:
        name (str): A model name.
        idempotency_key (None | str | Unset): Retrying with the same key returns the job of the
            first request.
        body (RefreshRequest): POST /models/{name}/refresh: warm-start the version an alias points
            at on its dataset's
            newest data.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | HTTPValidationError | JobRead]
    """

    kwargs = _get_kwargs(
        name=name,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    name: str,
    *,
    client: AuthenticatedClient,
    body: RefreshRequest,
    idempotency_key: None | str | Unset = UNSET,
) -> Error | HTTPValidationError | JobRead | None:
    """Queue a warm-start refresh of the version an alias points at

    Args:
        name (str): A model name.
        idempotency_key (None | str | Unset): Retrying with the same key returns the job of the
            first request.
        body (RefreshRequest): POST /models/{name}/refresh: warm-start the version an alias points
            at on its dataset's
            newest data.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | HTTPValidationError | JobRead
    """

    return (
        await asyncio_detailed(
            name=name,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
