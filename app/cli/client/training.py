"""Training: `seqcast train` queues a job (uploading a file first), and follows it with --wait."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from seqcast_client.api.training import train as train_op
from seqcast_client.models import (
    HyperparametersNormalization,
    JobRead,
    TrainRequest,
    TrainRequestArchitecture,
)

from app.cli.client.common import DEFAULT_URL, Api, ApiKey, Url, fail, interruptible
from app.cli.client.datasets import upload
from app.cli.client.jobs import follow, report

Hyper = Annotated[int | None, typer.Option(min=1, rich_help_panel="Hyperparameters")]


def train(
    model_name: Annotated[str, typer.Argument(help="Model name; trains a new version if taken.")],
    architecture: Annotated[TrainRequestArchitecture, typer.Argument(case_sensitive=False)],
    dataset_id: Annotated[
        str | None, typer.Argument(help="An uploaded dataset's id; or give --file.")
    ] = None,
    data_file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            "--csv",
            exists=True,
            dir_okay=False,
            help="Upload this CSV or Parquet file first (long format for many series), then "
            "train on it.",
        ),
    ] = None,
    series_column: Annotated[
        str | None,
        typer.Option(
            help="With --file: the column of series ids [default: unique_id, series_id, series, "
            "item_id or id]"
        ),
    ] = None,
    horizon: Annotated[int, typer.Option(min=1, help="Steps forecast at once.")] = ...,  # type: ignore[assignment]
    input_length: Annotated[
        int | None, typer.Option(min=1, help="Window length [default: max(3 × horizon, 16)]")
    ] = None,
    target: Annotated[
        list[str] | None, typer.Option(help="A column to forecast (repeat) [default: all]")
    ] = None,
    feature: Annotated[
        list[str] | None, typer.Option(help="A column the model reads (repeat) [default: targets]")
    ] = None,
    validation_fraction: Annotated[
        float | None, typer.Option(min=0.0, max=0.9, help="Share held out [default: 0.2]")
    ] = None,
    season_length: Annotated[
        int | None, typer.Option(min=1, help="Baseline period [default: detected]")
    ] = None,
    quantile: Annotated[
        list[float] | None,
        typer.Option(
            help="Also forecast this quantile level, in (0, 1) (repeat; 0.5 is always added)"
        ),
    ] = None,
    normalization: Annotated[
        HyperparametersNormalization | None,
        typer.Option(
            case_sensitive=False,
            help="Scale by the training rows' statistics (global) or each window's own "
            "(instance) [default: the server's]",
            rich_help_panel="Hyperparameters",
        ),
    ] = None,
    epochs: Hyper = None,
    hidden_size: Hyper = None,
    num_layers: Hyper = None,
    batch_size: Hyper = None,
    patience: Annotated[
        int | None,
        typer.Option(min=1, help="Early-stopping patience.", rich_help_panel="Hyperparameters"),
    ] = None,
    learning_rate: Annotated[
        float | None, typer.Option(min=0.0, rich_help_panel="Hyperparameters")
    ] = None,
    dropout: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, rich_help_panel="Hyperparameters")
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, rich_help_panel="Hyperparameters")] = None,
    d_model: Hyper = None,
    nhead: Hyper = None,
    dim_feedforward: Hyper = None,
    candidate: Annotated[
        list[TrainRequestArchitecture] | None,
        typer.Option(
            case_sensitive=False,
            help="With architecture auto: an architecture to try (repeat) [default: all four]",
            rich_help_panel="Auto",
        ),
    ] = None,
    budget_seconds: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            help="With architecture auto: start no candidate after this many seconds",
            rich_help_panel="Auto",
        ),
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Follow the job with a progress bar until it ends.")
    ] = False,
    url: Url = DEFAULT_URL,
    api_key: ApiKey = None,
) -> None:
    """Queue a training job (uploading --file first); with --wait, follow it to the end.

    Unset options keep the server's defaults (docs/api.md: /train fields and defaults).
    """
    if (dataset_id is None) == (data_file is None):
        fail("give exactly one of DATASET_ID or --file", 2)
    if series_column is not None and data_file is None:
        fail("--series-column applies to an uploaded --file; DATASET_ID is already split", 2)
    search = {
        "candidates": [c.value for c in candidate] if candidate else None,
        "budget_seconds": budget_seconds,
    }
    search = {k: v for k, v in search.items() if v is not None}
    if search and architecture.value != "auto":
        fail("--candidate and --budget-seconds apply to architecture auto", 2)
    client = Api(url, api_key)
    if data_file is not None:
        dataset_id = upload(client, data_file, series_column).id
    hyperparameters = {
        "epochs": epochs,
        "hidden_size": hidden_size,
        "num_layers": num_layers,
        "batch_size": batch_size,
        "early_stopping_patience": patience,
        "learning_rate": learning_rate,
        "dropout": dropout,
        "seed": seed,
        "d_model": d_model,
        "nhead": nhead,
        "dim_feedforward": dim_feedforward,
        "normalization": normalization.value if normalization else None,
    }
    body = {
        "model_name": model_name,
        "architecture": architecture.value,
        "dataset_id": dataset_id,
        "horizon": horizon,
        "input_length": input_length,
        "target_columns": target or None,
        "feature_columns": feature or None,
        "validation_fraction": validation_fraction,
        "season_length": season_length,
        "quantiles": quantile or None,
        "hyperparameters": {k: v for k, v in hyperparameters.items() if v is not None},
        "auto": search or None,
    }
    request = TrainRequest.from_dict({k: v for k, v in body.items() if v is not None})
    job: JobRead = client(train_op, body=request)
    typer.echo(f"job {job.id} {job.status}: {job.model_name} ({job.architecture})")
    if not wait:
        return
    with interruptible(f"job {job.id}", "seqcast jobs"):
        job = follow(client, job)
    report(client, job)
