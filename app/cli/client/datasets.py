"""Datasets: the upload that `seqcast train --file` does first, and `seqcast datasets append`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, BinaryIO

import typer
from seqcast_client.api.datasets import append_dataset_rows, create_dataset
from seqcast_client.models import (
    AppendDatasetRowsFilesRowsUpload,
    AppendRead,
    DatasetRead,
    DatasetUpload,
)
from seqcast_client.models import (
    AppendDatasetRowsFilesRowsUploadFillMissing as FillMissing,
)
from seqcast_client.models import (
    AppendDatasetRowsFilesRowsUploadOnConflict as OnConflict,
)
from seqcast_client.types import UNSET, File

from app.cli.client.common import DEFAULT_URL, Api, ApiKey, Url

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
        FillMissing | None, typer.Option(help="As on upload.", case_sensitive=False)
    ] = None,
    series_column: Annotated[
        str | None, typer.Option(help="The column holding series ids.")
    ] = None,
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
) -> None:
    """Append the rows of FILE to a dataset: it becomes the dataset's next revision."""
    with file.open("rb") as handle:
        body = AppendDatasetRowsFilesRowsUpload(
            file=File(handle, file.name, _media_type(handle)),
            on_conflict=OnConflict.REPLACE if replace else OnConflict.ERROR,
            fill_missing=UNSET if fill_missing is None else fill_missing,
            series_column=UNSET if series_column is None else series_column,
        )
        found: AppendRead = Api(url, api_key)(append_dataset_rows, dataset_id, body=body)
    typer.echo(
        f"dataset {found.id} revision {found.revision}: {found.appended_rows} rows "
        f"appended, {found.replaced_rows} replaced ({found.n_rows} rows in "
        f"{found.n_series} series)"
    )
