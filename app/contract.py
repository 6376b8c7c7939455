"""The ONNX/artifact contract shared by the workers (which write models) and the server (which reads
them). Everything both sides must agree on is defined here once: tensor names and layouts, the
artifact layout, the manifest, and how a series is cut into training and validation windows.

Pure Python + numpy: the gateway imports it, so it must never import torch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

Architecture = Literal["rnn", "lstm", "gru", "transformer"]
"""The networks seqcast trains: the /train schema, the CLI (through the SDK), the worker."""
ARCHITECTURES: tuple[Architecture, ...] = get_args(Architecture)

INPUT_NAME = "inputs"
"""float32 [batch, length, n_features], raw (unscaled) values in `feature_columns` order."""
OUTPUT_NAME = "forecast"
"""float32 [batch, horizon, n_targets], raw units in `target_columns` order. With quantiles it is
the median (the 0.5 quantile is always trained when any quantile is asked for)."""
FUTURE_INPUT_NAME = "future"
"""float32 [batch, horizon, n_future], raw values of the known-future covariates over the forecast's
horizon, in `Manifest.future_columns` order. An input of the graph only when it has some."""
CALENDAR_INPUT_NAME = "calendar"
"""float32 [batch, horizon, n_calendar]: the calendar features (app.covariates) of the forecast's
own timestamps, in `Manifest.calendar` order. Known-future by construction; seqcast computes them
from `last_timestamp` or `series_id`, an Open Inference Protocol client sends them."""
STATIC_INPUT_NAME = "static"
"""float32 [batch, n_static]: one series' static covariates, encoded (numeric as is, categorical
one-hot) in `Manifest.static_features` order; seqcast looks them up in `Manifest.static_values`
by `series_id`."""
QUANTILES_NAME = "quantiles"
"""float32 [batch, horizon, n_targets, n_quantiles], raw units, levels in `Manifest.quantiles`
order (ascending). Present only when the manifest lists quantiles."""

NORMALIZATIONS = ("global", "instance")
"""How the graph scales its inputs, both inside the ONNX graph:
- global: one z-score per column from the training rows (a stream can be served step by step);
- instance: every input window by its own mean and std (robust to trends that leave the training
  range; the forecast is scaled back with the window's target statistics)."""

Baseline = Literal["none", "seasonal_naive", "seasonal_drift"]
"""The classical forecast a network starts from and corrects (workers.training.nets)."""
BASELINES: tuple[Baseline, ...] = get_args(Baseline)


STEP_FILENAME = "step.onnx"
"""Recurrent versions with global normalization also ship a one-step graph for streams."""
STEP_INPUT_NAME = "observation"
"""float32 [batch, n_features]: one new raw observation per stream."""
STATE_INPUT_NAME = "state"
"""float32 [state_layers, batch, hidden]; zeros start a stream. LSTM stacks (h, c) on axis 0."""
STATE_OUTPUT_NAME = "next_state"
"""float32 [state_layers, batch, hidden]: the state after the observation (step_output_names)."""


def input_names(future: bool, calendar: bool, static: bool) -> list[str]:
    """The window graph's inputs, in the order the graph (and the network's forward) takes them:
    the window, then those of the known-future and static covariates the version has."""
    names = [INPUT_NAME]
    names += [FUTURE_INPUT_NAME] if future else []
    names += [CALENDAR_INPUT_NAME] if calendar else []
    names += [STATIC_INPUT_NAME] if static else []
    return names


def output_names(quantiles: bool) -> list[str]:
    """The window graph's outputs, in the order the graph returns them."""
    return [OUTPUT_NAME, QUANTILES_NAME] if quantiles else [OUTPUT_NAME]


def step_output_names(quantiles: bool) -> list[str]:
    """The step graph's outputs: the window graph's, then the next state."""
    return [*output_names(quantiles), STATE_OUTPUT_NAME]


ONNX_FILENAME = "model.onnx"
MANIFEST_FILENAME = "manifest.json"
WEIGHTS_FILENAME = "weights.pt"
"""The PyTorch checkpoint beside a version's ONNX file (workers.training.export.save_checkpoint:
state dict, net config, normalization statistics), kept so a refresh can warm-start from it;
loaded with torch.load(weights_only=True). Versions registered before it have none."""

MAX_LENGTH_FACTOR = 4
"""/predict accepts windows up to this many times the trained input_length."""

PARITY_BATCHES = (1, 64)


def parity_lengths(input_length: int) -> tuple[int, ...]:
    """Sequence lengths the export parity gate checks: the trained one, half of it and twice it."""
    return tuple(sorted({input_length, max(1, input_length // 2), 2 * input_length}))


def model_artifact_key(model_name: str, job_id: str) -> str:
    """Folder of one trained version. Keyed by job, so a retried job overwrites its own files."""
    return f"models/{model_name}/{job_id}"


def dataset_artifact_key(sha256: str) -> str:
    """Datasets are content-addressed: the same upload twice is stored once."""
    return f"datasets/{sha256}.npz"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class SplitPlan:
    """How a series of `n_rows` is cut chronologically.

    Rows `[0, cut)` are the training part: normalization statistics come from it alone, and a
    training window's targets lie inside it. Validation windows forecast rows `[cut, n_rows)`;
    their inputs may reach back into the training part, which is what a forecast at `cut` would see.
    """

    n_rows: int
    input_length: int
    horizon: int
    cut: int
    n_train_windows: int
    n_val_windows: int

    @property
    def train_starts(self) -> range:
        """Forecast origins t (first target row) of the training windows."""
        return range(self.input_length, self.input_length + self.n_train_windows)

    @property
    def val_starts(self) -> range:
        """Validation origins: from the cut, but never before a whole window fits behind one."""
        first = max(self.cut, self.input_length)
        return range(first, first + self.n_val_windows)


def split_plan(
    n_rows: int, input_length: int, horizon: int, validation_fraction: float
) -> SplitPlan:
    """Plan the windows; the gateway calls it to refuse impossible requests before queueing."""
    val_rows = max(horizon, round(validation_fraction * n_rows))
    cut = max(n_rows - val_rows, 0)
    n_train = cut - horizon - input_length + 1
    n_val = n_rows - horizon - max(cut, input_length) + 1
    return SplitPlan(
        n_rows=n_rows,
        input_length=input_length,
        horizon=horizon,
        cut=cut,
        n_train_windows=max(n_train, 0),
        n_val_windows=max(n_val, 0),
    )


@dataclass(frozen=True)
class Segment:
    """One series of a dataset: rows [start, start + plan.n_rows) of the table, in time order.

    A dataset without a series column is one segment with series_id "". Windows never cross
    segments; each segment is cut chronologically by its own plan, so every series contributes
    training windows and has its own held-out end.
    """

    series_id: str
    start: int
    plan: SplitPlan


def segment_plans(
    series_rows: list[tuple[str, int]], input_length: int, horizon: int, validation_fraction: float
) -> list[Segment]:
    """(series id, row count) in table order -> the segments and their plans."""
    segments, start = [], 0
    for series_id, n_rows in series_rows:
        plan = split_plan(n_rows, input_length, horizon, validation_fraction)
        segments.append(Segment(series_id, start, plan))
        start += n_rows
    return segments


@dataclass(frozen=True)
class StepGraph:
    """The manifest's entry for a version's step graph: written by the worker (workers.runner),
    read by serving (app.serving.steps)."""

    file: str
    state_shape: tuple[int, int]
    """(state_layers, hidden): a stream's state is [state_layers, batch, hidden]."""
    parity_error: float
    sha256: str

    def to_manifest(self) -> dict[str, Any]:
        return {**asdict(self), "state_shape": list(self.state_shape)}

    @classmethod
    def from_manifest(cls, doc: Mapping[str, Any]) -> StepGraph:
        layers, hidden = (int(n) for n in doc["state_shape"])
        return cls(
            file=str(doc["file"]),
            state_shape=(layers, hidden),
            parity_error=float(doc["parity_error"]),
            sha256=str(doc["sha256"]),
        )


@dataclass
class Manifest:
    """Written next to the .onnx file; the registry row mirrors it (app.registry.service)."""

    architecture: Architecture
    feature_columns: list[str]
    target_columns: list[str]
    input_length: int
    horizon: int
    opset: int
    exporter: str
    sha256: str
    size_bytes: int
    parity_error: float
    input_name: str = INPUT_NAME
    output_name: str = OUTPUT_NAME
    normalization: dict[str, Any] = field(default_factory=dict)
    """{"mode": one of NORMALIZATIONS, "feature_mean": [...], ...}."""
    quantiles: list[float] = field(default_factory=list)
    step: StepGraph | None = None
    """The step graph, when there is one (recurrent, globally normalized versions)."""
    frequency: str | None = None
    """The dataset's inferred time step (see app.datasets), when it has timestamps."""
    series: dict[str, str | None] = field(default_factory=dict)
    """Series id -> its last timestamp in the training data ({} for a single unnamed series)."""
    future_columns: list[str] = field(default_factory=list)
    """Known-future covariates: the graph's `future` input (FUTURE_INPUT_NAME)."""
    calendar: list[str] = field(default_factory=list)
    """Calendar features (app.covariates.CALENDAR_FEATURES, `holidays:<country>`): `calendar`."""
    static_columns: list[str] = field(default_factory=list)
    """The dataset columns the static covariates came from (one value per series)."""
    static_features: list[str] = field(default_factory=list)
    """The `static` input's columns once encoded: a numeric column as is, a categorical one as
    `column=value` indicators (app.covariates.encode_static)."""
    static_values: dict[str, list[float]] = field(default_factory=dict)
    """Series id -> its encoded static vector, for the lookup by `series_id` at predict time."""

    @property
    def input_names(self) -> list[str]:
        return input_names(
            bool(self.future_columns), bool(self.calendar), bool(self.static_features)
        )

    def to_json(self) -> bytes:
        doc = {**asdict(self), "step": self.step.to_manifest() if self.step else None}
        return json.dumps(doc, indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        doc = json.loads(data)
        known = {f for f in cls.__dataclass_fields__}
        fields = {k: v for k, v in doc.items() if k in known}
        fields["step"] = StepGraph.from_manifest(doc["step"]) if doc.get("step") else None
        return cls(**fields)


def manifest_uri_for(onnx_uri: str) -> str:
    """The manifest sits beside the model file."""
    return f"{onnx_uri.rsplit('/', 1)[0]}/{MANIFEST_FILENAME}"
