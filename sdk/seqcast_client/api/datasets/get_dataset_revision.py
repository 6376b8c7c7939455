from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.dataset_revision_read import DatasetRevisionRead
from ...models.error import Error
from ...models.http_validation_error import HTTPValidationError
from ...types import Response


def _get_kwargs(
    dataset_id: str,
    revision: int,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/datasets/{dataset_id}/revisions/{revision}".format(
            dataset_id=quote(str(dataset_id), safe=""),
            revision=quote(str(revision), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DatasetRevisionRead | Error | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = DatasetRevisionRead.from_dict(response.json())

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
) -> Response[DatasetRevisionRead | Error | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    dataset_id: str,
    revision: int,
    *,
    client: AuthenticatedClient,
) -> Response[DatasetRevisionRead | Error | HTTPValidationError]:
    """Get Dataset Revision

    Args:
        dataset_id (str): A dataset or job id.
        revision (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DatasetRevisionRead | Error | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        dataset_id=dataset_id,
        revision=revision,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    dataset_id: str,
    revision: int,
    *,
    client: AuthenticatedClient,
) -> DatasetRevisionRead | Error | HTTPValidationError | None:
    """Get Dataset Revision

    Args:
        dataset_id (str): A dataset or job id.
        revision (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DatasetRevisionRead | Error | HTTPValidationError
    """

    return sync_detailed(
        dataset_id=dataset_id,
        revision=revision,
        client=client,
    ).parsed


async def asyncio_detailed(
    dataset_id: str,
    revision: int,
    *,
    client: AuthenticatedClient,
) -> Response[DatasetRevisionRead | Error | HTTPValidationError]:
    """Get Dataset Revision

    Args:
        dataset_id (str): A dataset or job id.
        revision (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DatasetRevisionRead | Error | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        dataset_id=dataset_id,
        revision=revision,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    dataset_id: str,
    revision: int,
    *,
    client: AuthenticatedClient,
) -> DatasetRevisionRead | Error | HTTPValidationError | None:
    """Get Dataset Revision

    Args:
        dataset_id (str): A dataset or job id.
        revision (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DatasetRevisionRead | Error | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            dataset_id=dataset_id,
            revision=revision,
            client=client,
        )
    ).parsed
