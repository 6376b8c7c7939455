from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from app.contract import ARCHITECTURES, Architecture, Baseline
from app.datasets.schemas import SeriesData
from app.names import MAX_VERSION, NAME_PATTERN, RECORD_ID_PATTERN, ResourceName
from app.training.models import JobStatus


class Hyperparameters(BaseModel):
    """Defaults chosen by measurement (benchmarks/accuracy.py, RESULTS.md "Accuracy with
    defaults"): an untuned LSTM or GRU beats seasonal naive on real seasonal series, and a small
    series still trains in seconds to a minute on a CPU."""

    model_config = ConfigDict(extra="forbid")

    hidden_size: int = Field(64, ge=1, le=4096, description="RNN/LSTM/GRU hidden units.")
    num_layers: int = Field(2, ge=1, le=16)
    dropout: float = Field(0.2, ge=0.0, lt=1.0, description="Between stacked layers.")
    epochs: int = Field(
        500, ge=1, le=10_000, description="At most; early stopping usually ends training sooner."
    )
    batch_size: int = Field(16, ge=1, le=65_536)
    learning_rate: float = Field(3e-3, gt=0.0, le=10.0)
    early_stopping_patience: int = Field(
        50, ge=1, description="Epochs without a better validation loss before stopping."
    )
    seed: int = Field(0, ge=0, le=2**32 - 1)
    d_model: int = Field(64, ge=1, le=4096, description="Transformer width.")
    nhead: int = Field(4, ge=1, le=64, description="Transformer attention heads.")
    dim_feedforward: int = Field(128, ge=1, le=16_384, description="Transformer MLP width.")
    normalization: Literal["global", "instance"] = Field(
        "instance",
        description="Scale inputs by the training rows' statistics (global) or every window by "
        "its own mean and std (instance: follows trends beyond the training range). Left out, "
        "instance when the targets are among feature_columns, else global.",
    )
    gradient_clip: float | None = Field(
        1.0, gt=0.0, description="Maximum global gradient norm; null: no clipping."
    )
    mixed_precision: bool = Field(
        False, description="float16 autocast with gradient scaling on CUDA; ignored on CPU."
    )
    window_lengths: Literal["fixed", "varied"] = Field(
        "fixed",
        description="Train on windows of input_length (fixed), or of random lengths up to "
        "MAX_LENGTH_FACTOR × input_length (varied: steadier forecasts from long histories).",
    )
    baseline: Baseline = Field(
        "seasonal_drift",
        description="seasonal_drift: the network learns a correction to a linear forecast from "
        "the window, which starts as the seasonal-naive forecast plus the window's drift (the "
        "ES-RNN idea; needs the targets among feature_columns). seasonal_naive: the same from "
        "the window's last season, starting as the seasonal-naive forecast. none: the network "
        "forecasts alone. Left out, seasonal_drift with instance normalization, else none (a "
        "globally normalized recurrent version then keeps its step graph for streams).",
    )
    refit: bool = Field(
        True,
        description="After early stopping has chosen the epochs and the metrics are measured, "
        "train the served model again on all windows, validation ones included, for that many "
        "epochs: it learns the most recent data. Costs about one more training.",
    )
    average_refit: bool = Field(
        True,
        description="With refit: serve the average of the early-stopped network's weights and "
        "the refit's (both start from one initialization), unless the average's loss on all "
        "windows is above both networks' own. One network served, so no inference cost.",
    )

    @model_validator(mode="after")
    def _heads_divide_width(self) -> Hyperparameters:
        if self.d_model % self.nhead:
            raise ValueError(f"d_model ({self.d_model}) must be divisible by nhead ({self.nhead})")
        return self


MAX_QUANTILES = 99


def normalize_quantiles(levels: list[float]) -> list[float]:
    """Each level in (0, 1), none twice; 0.5 added (the median is the point forecast); sorted."""
    for level in levels:
        if not 0.0 < level < 1.0:
            raise ValueError(f"quantile {level} must be strictly between 0 and 1")
    if len(set(levels)) != len(levels):
        raise ValueError("a quantile is listed twice")
    return sorted({*levels, 0.5})


TrainArchitecture = Literal[Architecture, "auto"]
"""What /train takes: one of the architectures, or `auto` (candidates trained in parallel, the best
registered: app.training.auto). Jobs that train a network, and the worker, have an Architecture."""

OptionalTrainArchitecture = Annotated[
    TrainArchitecture | None,
    WithJsonSchema({"type": "string", "enum": [*ARCHITECTURES, "auto"], "title": "Architecture"}),
]
"""Left out with `from_version` (taken from that version). Documented as the plain enum, not
enum-or-null: the generated SDK keeps its `TrainRequestArchitecture` (null is never needed)."""

MAX_GRID_VALUES = 8
MAX_AUTO_CANDIDATES = 32


class HyperparameterGrid(BaseModel):
    """Values to try for some hyperparameters: every combination, on top of `hyperparameters`.
    A value an architecture does not read (hidden_size for the transformer; d_model, nhead and
    dim_feedforward for the recurrent ones) does not multiply its candidates."""

    model_config = ConfigDict(extra="forbid")

    hidden_size: list[int] | None = Field(None, min_length=1, max_length=MAX_GRID_VALUES)
    num_layers: list[int] | None = Field(None, min_length=1, max_length=MAX_GRID_VALUES)
    dropout: list[float] | None = Field(None, min_length=1, max_length=MAX_GRID_VALUES)
    learning_rate: list[float] | None = Field(None, min_length=1, max_length=MAX_GRID_VALUES)
    batch_size: list[int] | None = Field(None, min_length=1, max_length=MAX_GRID_VALUES)
    d_model: list[int] | None = Field(None, min_length=1, max_length=MAX_GRID_VALUES)
    nhead: list[int] | None = Field(None, min_length=1, max_length=MAX_GRID_VALUES)
    dim_feedforward: list[int] | None = Field(None, min_length=1, max_length=MAX_GRID_VALUES)
    normalization: list[Literal["global", "instance"]] | None = Field(
        None, min_length=1, max_length=2
    )
    baseline: list[Baseline] | None = Field(None, min_length=1, max_length=3)


class AutoSearch(BaseModel):
    """How `"architecture": "auto"` searches: each candidate architecture × each grid point is a
    training job of its own, run in parallel by the workers; the one with the best validation
    MASE is registered."""

    model_config = ConfigDict(extra="forbid")

    candidates: list[Architecture] = Field(
        default_factory=lambda: list(ARCHITECTURES),
        min_length=1,
        description="Architectures to try; default: all four.",
    )
    grid: HyperparameterGrid | None = Field(
        None, description="Hyperparameter values to try with each architecture (every combination)."
    )
    budget_seconds: float | None = Field(
        None,
        gt=0,
        description="No candidate starts once the search has run this long (those running "
        "finish); the best of those that finished is registered. Default: no limit.",
    )

    @field_validator("candidates")
    @classmethod
    def _once_each(cls, candidates: list[Architecture]) -> list[Architecture]:
        if len(set(candidates)) != len(candidates):
            raise ValueError("an architecture is listed twice")
        return candidates


class Candidate(BaseModel):
    """One resolved candidate of an auto job: its architecture and the grid's values for it."""

    architecture: Architecture
    overrides: dict[str, int | float | str] = Field(
        default_factory=dict, description="The grid's values, over the job's hyperparameters."
    )
    job_id: str = Field("", description="Its training job.")


class AutoSpec(BaseModel):
    """An auto job's search as it runs: the candidates, in order (ties go to the first)."""

    candidates: list[Candidate]
    budget_seconds: float | None = None


class FromVersion(BaseModel):
    """A registered version to warm-start from (POST /train `from_version`)."""

    model_config = ConfigDict(extra="forbid")

    model: ResourceName
    version: int = Field(ge=1, le=MAX_VERSION)


class InlineData(SeriesData):
    name: ResourceName | None = Field(None, description="Dataset name; default: <model>-data.")


class TrainRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "model_name": "demand",
                    "architecture": "lstm",
                    "dataset_id": "3f2c9a0b1d4e4f6a8b0c2d4e6f8a0b1c",
                    "target_columns": ["y"],
                    "horizon": 12,
                    "input_length": 48,
                    "hyperparameters": {"epochs": 30},
                }
            ]
        },
    )

    model_name: ResourceName
    architecture: OptionalTrainArchitecture = Field(
        None,
        description="The network to train, or `auto`: candidates (see `auto`) trained in "
        "parallel as jobs of their own, the best by validation MASE registered. Required "
        "unless `from_version` gives it.",
    )
    from_version: FromVersion | None = Field(
        None,
        description="Warm start: begin from this registered version's weights instead of a "
        "random initialization. Same architecture and contract (columns, calendar, "
        "input_length, horizon, quantiles, season_length, the network's shape and "
        "normalization: a field left out is taken from the version, one that differs is a "
        "422); training hyperparameters (epochs, learning_rate, batch_size, seed, ...) may "
        "change. The dataset defaults to the version's own (its newest data); the version's "
        "normalization statistics are kept. The new version records it as its `parent`.",
    )
    auto: AutoSearch | None = Field(
        None, description="With `architecture: auto`: candidates, grid and budget (optional)."
    )
    dataset_id: str | None = Field(
        None, pattern=RECORD_ID_PATTERN, description="An uploaded dataset; or give `data`."
    )
    data: InlineData | None = Field(None, description="Inline series, stored as a new dataset.")
    target_columns: list[str] | None = Field(
        None, min_length=1, description="Columns to forecast; default: every column."
    )
    feature_columns: list[str] | None = Field(
        None, min_length=1, description="Columns the model reads; default: the targets."
    )
    future_columns: list[str] | None = Field(
        None,
        description="Known-future covariates: columns whose values are known for the forecast "
        "horizon (prices, promotions, planned events). Training windows carry their values over "
        "the horizon; /predict then takes them as `future`. They may also be among "
        "feature_columns, as history.",
        examples=[["promotion", "price"]],
    )
    calendar: list[str] | None = Field(
        None,
        description="Calendar features of the forecast's own timestamps, known in advance by "
        "construction: day_of_week, day_of_month, day_of_year, week_of_year, month, quarter, "
        "hour, minute, and `holidays:<country>` (public holidays, ISO 3166 code). Needs a "
        "dataset with timestamps; /predict then needs `last_timestamp` or `series_id`.",
        examples=[["day_of_week", "month", "holidays:US"]],
    )
    static_columns: list[str] | None = Field(
        None,
        description="Static covariates: columns with one value per series (store size, "
        "region code). Stored with the version and looked up by `series_id` at predict time.",
    )
    categorical_columns: list[str] | None = Field(
        None,
        description="Those of static_columns that are category codes (one-hot encoded) rather "
        "than quantities.",
    )
    input_length: int | None = Field(
        None, ge=1, le=10_000, description="Window length; default: max(3 × horizon, 16)."
    )
    horizon: int | None = Field(
        None,
        ge=1,
        le=10_000,
        description="Steps forecast at once. Required unless `from_version` gives it.",
    )
    validation_fraction: float = Field(
        0.2, gt=0.0, lt=0.9, description="Share of the series (its end) held out."
    )
    season_length: int | None = Field(
        None, ge=1, description="Period of the seasonal-naive baseline; default: detected."
    )
    quantiles: list[float] | None = Field(
        None,
        min_length=1,
        max_length=MAX_QUANTILES,
        description="Quantile levels to forecast too (e.g. [0.1, 0.9]), each in (0, 1): a "
        "quantile head trained with the pinball loss, in the same ONNX graph. 0.5 is added "
        "when missing (the median is the point forecast); stored sorted.",
        examples=[[0.1, 0.5, 0.9]],
    )
    hyperparameters: Hyperparameters = Field(default_factory=Hyperparameters)

    @field_validator("quantiles")
    @classmethod
    def _check_quantiles(cls, levels: list[float] | None) -> list[float] | None:
        return normalize_quantiles(levels) if levels is not None else None

    @model_validator(mode="after")
    def _one_data_source(self) -> TrainRequest:
        if self.dataset_id is not None and self.data is not None:
            raise ValueError("give exactly one of dataset_id or data")
        if self.from_version is None:
            if self.dataset_id is None and self.data is None:
                raise ValueError("give exactly one of dataset_id or data")
            if self.architecture is None:
                raise ValueError("architecture is required (unless from_version gives it)")
            if self.horizon is None:
                raise ValueError("horizon is required (unless from_version gives it)")
        return self

    @model_validator(mode="after")
    def _auto_only_with_auto(self) -> TrainRequest:
        if self.auto is not None and self.architecture != "auto":
            raise ValueError("`auto` applies to `architecture: auto` only")
        return self


class WarmStart(BaseModel):
    """A warm-started job's parent version, as the worker loads it: `version_id` is the row
    (its weights_uri, and the new version's parent_version_id)."""

    model: str
    version: int
    version_id: int


class JobSpec(BaseModel):
    """The request as the worker runs it: every default resolved."""

    target_columns: list[str]
    feature_columns: list[str]
    input_length: int
    horizon: int
    validation_fraction: float
    season_length: int | None
    quantiles: list[float] = Field(
        default_factory=list, description="Sorted levels, 0.5 among them; empty: none."
    )
    future_columns: list[str] = Field(default_factory=list)
    calendar: list[str] = Field(default_factory=list)
    static_columns: list[str] = Field(default_factory=list)
    categorical_columns: list[str] = Field(default_factory=list)
    hyperparameters: Hyperparameters
    auto: AutoSpec | None = Field(
        None, description="An auto job's candidates; its candidates' own specs have none."
    )
    warm_start: WarmStart | None = Field(
        None, description="The version whose weights training starts from; null: from scratch."
    )

    @model_validator(mode="before")
    @classmethod
    def _recorded_before_baseline(cls, data: Any) -> Any:
        """A job recorded before `baseline` existed trains (and resumes from its checkpoints)
        as it was asked: without the seasonal skip, not with today's default."""
        recorded = data.get("hyperparameters") if isinstance(data, dict) else None
        if isinstance(recorded, dict) and "baseline" not in recorded:
            data = {**data, "hyperparameters": {**recorded, "baseline": "none"}}
        return data


class EpochRecord(BaseModel):
    epoch: int
    train_loss: float
    val_loss: float
    seconds: float


class Progress(BaseModel):
    epoch: int
    epochs: int


class VersionRef(BaseModel):
    model: str
    version: int


class CandidateRead(BaseModel):
    """One candidate of an auto job, as the job shows it."""

    id: str = Field(description="Its own job: GET /jobs/{id} shows its history.")
    architecture: Architecture
    overrides: dict[str, int | float | str] = Field(
        description="The grid's values it was trained with, over the job's hyperparameters."
    )
    status: JobStatus
    progress: Progress
    metrics: dict | None = Field(
        description="Validation metrics once it succeeded: mase, mae, rmse, smape, "
        "seasonal_naive_mase, beats_seasonal_naive, best_epoch."
    )
    rank: int | None = Field(
        description="1 = best validation MASE among the candidates that succeeded so far."
    )
    selected: bool = Field(description="The candidate registered as the version.")
    error: str | None
    attempts: int
    started_at: datetime | None
    finished_at: datetime | None


class JobRead(BaseModel):
    id: str
    status: JobStatus
    model_name: str
    architecture: str
    dataset_id: str
    dataset_revision: int = Field(
        1, description="The dataset's revision when the job was submitted: the one it trains on."
    )
    spec: JobSpec
    progress: Progress
    history: list[EpochRecord]
    device: str | None
    error: str | None
    attempts: int
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    timings: dict[str, float] = Field(description="Seconds: queued, training, export, total.")
    model_version: VersionRef | None
    parent_id: str | None = Field(None, description="A candidate's auto job.")
    promote: str | None = Field(
        None,
        description="A refresh's promotion policy for the version it registers: never, always "
        "or if_better; null for plain jobs.",
    )
    trigger: dict[str, Any] | None = Field(
        None,
        description='What started it besides a plain /train: {"kind": "refresh", "alias": ...} '
        'or {"kind": "schedule", "schedule_id": ...}; null otherwise.',
    )
    candidates: list[CandidateRead] = Field(
        default_factory=list, description="An auto job's candidates, in the order they were made."
    )


Promote = Literal["never", "always", "if_better"]
PROMOTE_POLICIES: tuple[str, ...] = ("never", "always", "if_better")


class RefreshRequest(BaseModel):
    """POST /models/{name}/refresh: warm-start the version an alias points at on its dataset's
    newest data."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"alias": "production", "promote": "if_better"}]},
    )

    alias: str = Field(
        "production",
        pattern=NAME_PATTERN,
        max_length=64,
        description="The alias whose version is refreshed.",
    )
    promote: Promote = Field(
        "never",
        description="What becomes of the alias once the refreshed version is registered: "
        "never moved, always moved, or moved if_better (the promotion gate decides).",
    )
    epochs: int | None = Field(
        None, ge=1, le=10_000, description="At most this many epochs; default: the version's."
    )
    hyperparameters: dict[str, Any] | None = Field(
        None,
        description="Training hyperparameters over the version's (learning_rate, batch_size, "
        "seed, early_stopping_patience, ...); a structural one that differs is a 422.",
    )
