from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.backtest_read import BacktestRead
from ...models.backtest_request import BacktestRequest
from ...models.error import Error
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: BacktestRequest,
    idempotency_key: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["idempotency-key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/backtest",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BacktestRead | Error | HTTPValidationError | None:
    if response.status_code == 202:
        response_202 = BacktestRead.from_dict(response.json())

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
) -> Response[BacktestRead | Error | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: BacktestRequest,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[BacktestRead | Error | HTTPValidationError]:
    """Queue a rolling-origin backtest of a version

     Evaluates the version's ONNX artifact (no retraining) on its dataset: in each series, `folds`
    forecast origins `stride` rows apart, the last one `horizon` rows before the end; per fold MAE,
    RMSE, sMAPE and MASE of the model and of the seasonal-naive baseline. A series too short for the
    folds is a 422 that says how many rows are needed.

    Args:
        idempotency_key (None | str | Unset): Retrying with the same key returns the backtest of
            the first request.
        body (BacktestRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BacktestRead | Error | HTTPValidationError]
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
    body: BacktestRequest,
    idempotency_key: None | str | Unset = UNSET,
) -> BacktestRead | Error | HTTPValidationError | None:
    """Queue a rolling-origin backtest of a version

     Evaluates the version's ONNX artifact (no retraining) on its dataset: in each series, `folds`
    forecast origins `stride` rows apart, the last one `horizon` rows before the end; per fold MAE,
    RMSE, sMAPE and MASE of the model and of the seasonal-naive baseline. A series too short for the
    folds is a 422 that says how many rows are needed.

    Args:
        idempotency_key (None | str | Unset): Retrying with the same key returns the backtest of
            the first request.
        body (BacktestRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BacktestRead | Error | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: BacktestRequest,
    idempotency_key: None | str | Unset = UNSET,
) -> Response[BacktestRead | Error | HTTPValidationError]:
    """Queue a rolling-origin backtest of a version

     Evaluates the version's ONNX artifact (no retraining) on its dataset: in each series, `folds`
    forecast origins `stride` rows apart, the last one `horizon` rows before the end; per fold MAE,
    RMSE, sMAPE and MASE of the model and of the seasonal-naive baseline. A series too short for the
    folds is a 422 that says how many rows are needed.

    Args:
        idempotency_key (None | str | Unset): Retrying with the same key returns the backtest of
            the first request.
        body (BacktestRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BacktestRead | Error | HTTPValidationError]
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
    body: BacktestRequest,
    idempotency_key: None | str | Unset = UNSET,
) -> BacktestRead | Error | HTTPValidationError | None:
    """Queue a rolling-origin backtest of a version

     Evaluates the version's ONNX artifact (no retraining) on its dataset: in each series, `folds`
    forecast origins `stride` rows apart, the last one `horizon` rows before the end; per fold MAE,
    RMSE, sMAPE and MASE of the model and of the seasonal-naive baseline. A series too short for the
    folds is a 422 that says how many rows are needed.

    Args:
        idempotency_key (None | str | Unset): Retrying with the same key returns the backtest of
            the first request.
        body (BacktestRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BacktestRead | Error | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
