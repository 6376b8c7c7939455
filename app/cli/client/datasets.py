"""Datasets: the upload that `seqcast train --file` does first, and `seqcast datasets append`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, BinaryIO

import httpx
import typer
from seqcast_client.api.datasets import create_dataset
from seqcast_client.models import DatasetRead, DatasetUpload
from seqcast_client.types import UNSET, File

from app.cli.client.common import DEFAULT_URL, Api, ApiKey, Url, fail, server_message

PARQUET_MAGIC = b"PAR1"


def _media_type(handle: BinaryIO) -> str:
    """Parquet (by its magic bytes, as the server tells them apart) or CSV."""
    parquet = handle.read(4) == PARQUET_MAGIC
    handle.seek(0)
    return "application/vnd.apache.parquet" if parquet else "text/csv"


def upload(client: Api, path: Path, series_column: str | None) -> DatasetRead:
    """POST a CSV or Parquet file (told apart by Parquet's magic bytes, as the server does)."""
    with path.open("rb") as handle:
        kind = _media_type(handle)
        body = DatasetUpload(
            file=File(handle, path.name, kind),
            series_column=UNSET if series_column is None else series_column,
        )
        dataset: DatasetRead = client(create_dataset, body=body)
    shape = f"{dataset.n_rows} rows"
    if dataset.n_series > 1:
        shape += f" in {dataset.n_series} series"
    frequency = dataset.frequency
    typer.echo(
        f"uploaded {path.name}: dataset {dataset.id} ({shape}; columns "
        f"{', '.join(dataset.columns)}{f'; frequency {frequency}' if frequency else ''})"
    )
    return dataset


datasets = typer.Typer(help="Datasets: append rows to one (a new revision).", no_args_is_help=True)


@datasets.command("append")
def append(
    dataset_id: Annotated[str, typer.Argument(help="The dataset to append to.")],
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help="CSV or Parquet rows, as on upload."),
    ],
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace rows whose timestamps are already there.")
    ] = False,
    fill_missing: Annotated[
        str | None, typer.Option(help="none, ffill, interpolate or zero (as on upload).")
    ] = None,
    series_column: Annotated[
        str | None, typer.Option(help="The column holding series ids.")
    ] = None,
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
) -> None:
    """Append the rows of FILE to a dataset: it becomes the dataset's next revision."""
    client = Api(url, api_key).client
    fields = {
        "on_conflict": "replace" if replace else "error",
        **({"fill_missing": fill_missing} if fill_missing else {}),
        **({"series_column": series_column} if series_column else {}),
    }
    with file.open("rb") as handle:
        files = {"file": (file.name, handle, _media_type(handle))}
        try:
            # raw: the generated SDK gains this operation when it is next regenerated
            response = client.get_httpx_client().post(
                f"/datasets/{dataset_id}/rows", files=files, data=fields
            )
        except httpx.TransportError as exc:
            fail(f"cannot reach seqcast at {url}: {exc or type(exc).__name__}", 2)
    if response.status_code != 201:
        fail(server_message(response.status_code, response.content))
    body = response.json()
    typer.echo(
        f"dataset {body['id']} revision {body['revision']}: {body['appended_rows']} rows "
        f"appended, {body['replaced_rows']} replaced ({body['n_rows']} rows in "
        f"{body['n_series']} series)"
    )
