from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.forecast_read import ForecastRead
from ...models.forecast_request import ForecastRequest
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: ForecastRequest,
    idempotency_key: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["idempotency-key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/forecasts",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | ForecastRead | HTTPValidationError | None:
    if response.status_code == 202:
        response_202 = ForecastRead.from_dict(response.json())

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
) -> Response[Error | ForecastRead | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: ForecastRequest,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[Error | ForecastRead | HTTPValidationError]:
    """Queue a forecast of every series of a dataset

     Runs the version's ONNX artifact on the latest window (the last input_length rows) of every selected
    series of the dataset and writes one file: series_id, timestamp (null when the dataset has no
    regular timestamps), step, each target's point forecast and, when the version has them, its
    quantiles (`<target>_q<level>`). A series shorter than input_length is forecast from all its rows
    (counted in `series_short`). A version with known-future columns takes their values over the horizon
    from `future_dataset_id`.

    Args:
        idempotency_key (None | str | Unset): Retrying with the same key returns the forecast of
            the first request.
        body (ForecastRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ForecastRead | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: ForecastRequest,
    idempotency_key: None | str | Unset = UNSET,
) -> Error | ForecastRead | HTTPValidationError | None:
    """Queue a forecast of every series of a dataset

     Runs the version's ONNX artifact on the latest window (the last input_length rows) of every selected
    series of the dataset and writes one file: series_id, timestamp (null when the dataset has no
    regular timestamps), step, each target's point forecast and, when the version has them, its
    quantiles (`<target>_q<level>`). A series shorter than input_length is forecast from all its rows
    (counted in `series_short`). A version with known-future columns takes their values over the horizon
    from `future_dataset_id`.

    Args:
        idempotency_key (None | str | Unset): Retrying with the same key returns the forecast of
            the first request.
        body (ForecastRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ForecastRead | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: ForecastRequest,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[Error | ForecastRead | HTTPValidationError]:
    """Queue a forecast of every series of a dataset

     Runs the version's ONNX artifact on the latest window (the last input_length rows) of every selected
    series of the dataset and writes one file: series_id, timestamp (null when the dataset has no
    regular timestamps), step, each target's point forecast and, when the version has them, its
    quantiles (`<target>_q<level>`). A series shorter than input_length is forecast from all its rows
    (counted in `series_short`). A version with known-future columns takes their values over the horizon
    from `future_dataset_id`.

    Args:
        idempotency_key (None | str | Unset): Retrying with the same key returns the forecast of
            the first request.
        body (ForecastRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ForecastRead | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: ForecastRequest,
    idempotency_key: None | str | Unset = UNSET,
) -> Error | ForecastRead | HTTPValidationError | None:
    """Queue a forecast of every series of a dataset

     Runs the version's ONNX artifact on the latest window (the last input_length rows) of every selected
    series of the dataset and writes one file: series_id, timestamp (null when the dataset has no
    regular timestamps), step, each target's point forecast and, when the version has them, its
    quantiles (`<target>_q<level>`). A series shorter than input_length is forecast from all its rows
    (counted in `series_short`). A version with known-future columns takes their values over the horizon
    from `future_dataset_id`.

    Args:
        idempotency_key (None | str | Unset): Retrying with the same key returns the forecast of
            the first request.
        body (ForecastRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ForecastRead | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
