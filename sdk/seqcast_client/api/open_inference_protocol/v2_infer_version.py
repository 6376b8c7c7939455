from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.oip_error import OipError
from ...models.v2_infer_version_json_body import V2InferVersionJsonBody
from ...types import UNSET, File, Response, Unset


def _get_kwargs(
    name: str,
    version: str,
    *,
    body: V2InferVersionJsonBody | File | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v2/models/{name}/versions/{version}/infer".format(
            name=quote(str(name), safe=""),
            version=quote(str(version), safe=""),
        ),
    }

    if isinstance(body, V2InferVersionJsonBody):
        _kwargs["json"] = body.to_dict()

        headers["Content-Type"] = "application/json"
    if isinstance(body, File):
        _kwargs["content"] = body.payload
        headers["Content-Type"] = "application/octet-stream"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | OipError | None:
    if response.status_code == 200:
        response_200 = response.json()
        return response_200

    if response.status_code == 400:
        response_400 = OipError.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = OipError.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = OipError.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = OipError.from_dict(response.json())

        return response_404

    if response.status_code == 413:
        response_413 = OipError.from_dict(response.json())

        return response_413

    if response.status_code == 503:
        response_503 = OipError.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | OipError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    name: str,
    version: str,
    *,
    client: AuthenticatedClient,
    body: V2InferVersionJsonBody | File | Unset = UNSET,
) -> Response[Any | OipError]:
    """Infer Version

     Answered by the HTTP edge (app.http.edge) before routing: documents the route only.

    Args:
        name (str): A model name.
        version (str):
        body (V2InferVersionJsonBody):
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | OipError]
    """

    kwargs = _get_kwargs(
        name=name,
        version=version,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    name: str,
    version: str,
    *,
    client: AuthenticatedClient,
    body: V2InferVersionJsonBody | File | Unset = UNSET,
) -> Any | OipError | None:
    """Infer Version

     Answered by the HTTP edge (app.http.edge) before routing: documents the route only.

    Args:
        name (str): A model name.
        version (str):
        body (V2InferVersionJsonBody):
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | OipError
    """

    return sync_detailed(
        name=name,
        version=version,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    name: str,
    version: str,
    *,
    client: AuthenticatedClient,
    body: V2InferVersionJsonBody | File | Unset = UNSET,
) -> Response[Any | OipError]:
    """Infer Version

     Answered by the HTTP edge (app.http.edge) before routing: documents the route only.

    Args:
        name (str): A model name.
        version (str):
        body (V2InferVersionJsonBody):
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | OipError]
    """

    kwargs = _get_kwargs(
        name=name,
        version=version,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    name: str,
    version: str,
    *,
    client: AuthenticatedClient,
    body: V2InferVersionJsonBody | File | Unset = UNSET,
) -> Any | OipError | None:
    """Infer Version

     Answered by the HTTP edge (app.http.edge) before routing: documents the route only.

    Args:
        name (str): A model name.
        version (str):
        body (V2InferVersionJsonBody):
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | OipError
    """

    return (
        await asyncio_detailed(
            name=name,
            version=version,
            client=client,
            body=body,
        )
    ).parsed
