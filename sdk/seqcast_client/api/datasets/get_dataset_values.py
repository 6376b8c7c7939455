from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.dataset_values import DatasetValues
from ...models.error import Error
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, Response, Unset


def _get_kwargs(
    dataset_id: str,
    *,
    series: None | str | Unset = UNSET,
    revision: int | None | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_series: None | str | Unset
    if isinstance(series, Unset):
        json_series = UNSET
    else:
        json_series = series
    params["series"] = json_series

    json_revision: int | None | Unset
    if isinstance(revision, Unset):
        json_revision = UNSET
    else:
        json_revision = revision
    params["revision"] = json_revision

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/datasets/{dataset_id}/values".format(
            dataset_id=quote(str(dataset_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DatasetValues | Error | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = DatasetValues.from_dict(response.json())

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
) -> Response[DatasetValues | Error | HTTPValidationError]:
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
    series: None | str | Unset = UNSET,
    revision: int | None | Unset = UNSET,
) -> Response[DatasetValues | Error | HTTPValidationError]:
    """A dataset's stored values and timestamps (all series, or one), e.g. to plot it

    Args:
        dataset_id (str): A dataset or job id.
        series (None | str | Unset): Only this series' rows.
        revision (int | None | Unset): An earlier revision (GET /datasets/{id}/revisions); the
            newest by default.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DatasetValues | Error | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        dataset_id=dataset_id,
        series=series,
        revision=revision,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    dataset_id: str,
    *,
    client: AuthenticatedClient,
    series: None | str | Unset = UNSET,
    revision: int | None | Unset = UNSET,
) -> DatasetValues | Error | HTTPValidationError | None:
    """A dataset's stored values and timestamps (all series, or one), e.g. to plot it

    Args:
        dataset_id (str): A dataset or job id.
        series (None | str | Unset): Only this series' rows.
        revision (int | None | Unset): An earlier revision (GET /datasets/{id}/revisions); the
            newest by default.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DatasetValues | Error | HTTPValidationError
    """

    return sync_detailed(
        dataset_id=dataset_id,
        client=client,
        series=series,
        revision=revision,
    ).parsed


async def asyncio_detailed(
    dataset_id: str,
    *,
    client: AuthenticatedClient,
    series: None | str | Unset = UNSET,
    revision: int | None | Unset = UNSET,
) -> Response[DatasetValues | Error | HTTPValidationError]:
    """A dataset's stored values and timestamps (all series, or one), e.g. to plot it

    Args:
        dataset_id (str): A dataset or job id.
        series (None | str | Unset): Only this series' rows.
        revision (int | None | Unset): An earlier revision (GET /datasets/{id}/revisions); the
            newest by default.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DatasetValues | Error | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        dataset_id=dataset_id,
        series=series,
        revision=revision,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    dataset_id: str,
    *,
    client: AuthenticatedClient,
    series: None | str | Unset = UNSET,
    revision: int | None | Unset = UNSET,
) -> DatasetValues | Error | HTTPValidationError | None:
    """A dataset's stored values and timestamps (all series, or one), e.g. to plot it

    Args:
        dataset_id (str): A dataset or job id.
        series (None | str | Unset): Only this series' rows.
        revision (int | None | Unset): An earlier revision (GET /datasets/{id}/revisions); the
            newest by default.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DatasetValues | Error | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            dataset_id=dataset_id,
            client=client,
            series=series,
            revision=revision,
        )
    ).parsed
