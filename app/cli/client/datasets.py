"""Datasets: the upload that `seqcast train --file` does first."""

from __future__ import annotations

from pathlib import Path

import typer
from seqcast_client.api.datasets import create_dataset
from seqcast_client.models import DatasetRead, DatasetUpload
from seqcast_client.types import UNSET, File

from app.cli.client.common import Api

PARQUET_MAGIC = b"PAR1"


def upload(client: Api, path: Path, series_column: str | None) -> DatasetRead:
    """POST a CSV or Parquet file (told apart by Parquet's magic bytes, as the server does)."""
    with path.open("rb") as handle:
        parquet = handle.read(4) == PARQUET_MAGIC
        handle.seek(0)
        kind = "application/vnd.apache.parquet" if parquet else "text/csv"
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
