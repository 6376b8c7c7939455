from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.stream_forecast import StreamForecast
from ...models.stream_observe import StreamObserve
from ...types import Response


def _get_kwargs(
    stream_id: str,
    *,
    body: StreamObserve,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/streams/{stream_id}/observe".format(
            stream_id=quote(str(stream_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | Error | StreamForecast | None:
    if response.status_code == 200:
        response_200 = StreamForecast.from_dict(response.json())

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

    if response.status_code == 413:
        response_413 = Error.from_dict(response.json())

        return response_413

    if response.status_code == 422:
        response_422 = cast(Any, None)
        return response_422

    if response.status_code == 503:
        response_503 = Error.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | Error | StreamForecast]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    stream_id: str,
    *,
    client: AuthenticatedClient,
    body: StreamObserve,
) -> Response[Any | Error | StreamForecast]:
    """Add observations; the forecast from the updated state

     Answered by the HTTP edge (app.http.edge) before routing: this handler only documents
    the route.

    Args:
        stream_id (str): A stream id (an OIP sequence: `model:sequence`).
        body (StreamObserve):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Error | StreamForecast]
    """

    kwargs = _get_kwargs(
        stream_id=stream_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    stream_id: str,
    *,
    client: AuthenticatedClient,
    body: StreamObserve,
) -> Any | Error | StreamForecast | None:
    """Add observations; the forecast from the updated state

     Answered by the HTTP edge (app.http.edge) before routing: this handler only documents
    the route.

    Args:
        stream_id (str): A stream id (an OIP sequence: `model:sequence`).
        body (StreamObserve):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Error | StreamForecast
    """

    return sync_detailed(
        stream_id=stream_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    stream_id: str,
    *,
    client: AuthenticatedClient,
    body: StreamObserve,
) -> Response[Any | Error | StreamForecast]:
    """Add observations; the forecast from the updated state

     Answered by the HTTP edge (app.http.edge) before routing: this handler only documents
    the route.

    Args:
        stream_id (str): A stream id (an OIP sequence: `model:sequence`).
        body (StreamObserve):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Error | StreamForecast]
    """

    kwargs = _get_kwargs(
        stream_id=stream_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    stream_id: str,
    *,
    client: AuthenticatedClient,
    body: StreamObserve,
) -> Any | Error | StreamForecast | None:
    """Add observations; the forecast from the updated state

     Answered by the HTTP edge (app.http.edge) before routing: this handler only documents
    the route.

    Args:
        stream_id (str): A stream id (an OIP sequence: `model:sequence`).
        body (StreamObserve):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Error | StreamForecast
    """

    return (
        await asyncio_detailed(
            stream_id=stream_id,
            client=client,
            body=body,
        )
    ).parsed
