"""What a training request costs, from its shape alone, so the API can refuse one the worker could
not run before it is queued (the API never imports torch: every figure is a closed form).

- parameters: the trainable parameters of workers.training.nets.Forecaster, counted per
  architecture (PyTorch's nn.RNN/GRU/LSTM and nn.TransformerEncoderLayer layouts + the head, and
  with covariates the static shift and the per-step decoder); tests/workers/test_training_budget.py
  and test_covariate_budget.py check the count against torch's.
- window values: the float32 values workers.training.data.prepare materializes: every window a
  series allows (training, straddling and validation ones) × (input_length × features +
  horizon × (targets + future and calendar covariates) + static covariates), plus the long
  windows of varied-length training.
- memory: one training step, by estimate: parameters × STATE_COPIES + the activations autograd
  keeps for one batch, per architecture (coefficients measured with saved-tensor hooks, in the
  same test).

A refused request names the field that weighs most: the one whose default would shrink the figure
the most (hidden_size for a huge recurrent net, batch_size for a huge batch, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from app.config import Settings
from app.contract import MAX_LENGTH_FACTOR
from app.errors import InvalidInput

FLOAT_BYTES = 4
STATE_COPIES = 5
"""Per parameter: the weight, its gradient, Adam's two moments, and the best weights kept for
early stopping."""
GATES = {"rnn": 1, "gru": 3, "lstm": 4}
RECURRENT_SAVED = {"rnn": 2.25, "gru": 8.5, "lstm": 17.0}
"""Values autograd keeps per window step, per layer, per hidden unit (measured on CPU)."""
TRANSFORMER_SAVED = {True: (14.0, 3.0, 3.0), False: (10.0, 1.25, 0.0)}
"""Values kept per token and layer, with dropout (True) or without: × d_model, ×
dim_feedforward, × nhead × length (attention weights and their dropout mask)."""
INPUT_SAVED = 4.0
"""Values kept per token and feature by the in-model normalization."""


@dataclass(frozen=True)
class Shape:
    """Everything the cost depends on: the request's resolved spec and the dataset's series."""

    architecture: str
    n_features: int
    n_targets: int
    n_levels: int
    """Quantile levels (0.5 among them), or 1 for a point forecast."""
    input_length: int
    horizon: int
    hidden_size: int
    num_layers: int
    d_model: int
    nhead: int
    dim_feedforward: int
    batch_size: int
    dropout: float
    varied: bool
    series_rows: tuple[int, ...] = ()
    n_future: int = 0
    n_calendar: int = 0
    n_static: int = 0
    """Encoded static features. The gateway counts each static column once: a categorical one
    encodes to one feature per distinct value, which only the worker sees, so for those the
    figure is a lower bound (app.covariates.MAX_STATIC_FEATURES caps them)."""

    @property
    def recurrent(self) -> bool:
        return self.architecture in GATES

    @property
    def width(self) -> int:
        return self.hidden_size if self.recurrent else self.d_model

    @property
    def covariates(self) -> bool:
        return bool(self.n_future or self.n_calendar or self.n_static)

    @property
    def decoder_inputs(self) -> int:
        """Per horizon step: the summary, the static, future and calendar covariates."""
        return self.width + self.n_static + self.n_future + self.n_calendar


def parameters(s: Shape) -> int:
    """Trainable parameters of the Forecaster (buffers are not parameters)."""
    if s.recurrent:
        gates, hidden = GATES[s.architecture], s.hidden_size
        per_input = gates * hidden  # rows of weight_ih_l*, of each bias
        encoder = per_input * (s.n_features + hidden) + 2 * per_input  # layer 0
        encoder += (s.num_layers - 1) * (per_input * 2 * hidden + 2 * per_input)
    else:
        d, ff = s.d_model, s.dim_feedforward
        # attention in/out projections 4d² + 4d, the MLP 2d·ff + ff + d, two LayerNorms 4d
        layer = 4 * d * d + 4 * d + 2 * d * ff + ff + d + 4 * d
        encoder = s.n_features * d + d + s.num_layers * layer
    outputs = s.horizon * s.n_targets * s.n_levels
    head = s.width * outputs + outputs
    return encoder + head + covariate_parameters(s)


def covariate_parameters(s: Shape) -> int:
    """The static shift (static -> summary) and the per-step decoder (two Linear layers)."""
    if not s.covariates:
        return 0
    shift = (s.n_static * s.width + s.width) if s.n_static else 0
    per_step = s.n_targets * s.n_levels
    decoder = s.decoder_inputs * s.width + s.width + s.width * per_step + per_step
    return shift + decoder


def windows(s: Shape) -> int:
    """Windows prepare() builds: every forecast origin of every series."""
    return sum(max(rows - s.horizon - s.input_length + 1, 0) for rows in s.series_rows)


def longest_window(s: Shape) -> int:
    """Steps of the longest training batch: input_length, or the varied windows' longest."""
    if not s.varied:
        return s.input_length
    reach = max((rows - s.horizon for rows in s.series_rows), default=s.input_length)
    return max(s.input_length, min(MAX_LENGTH_FACTOR * s.input_length, reach))


def window_values(s: Shape) -> int:
    n = windows(s)
    per_step = s.n_targets + s.n_future + s.n_calendar
    values = n * (s.input_length * s.n_features + s.horizon * per_step + s.n_static)
    if s.varied:
        values += n * longest_window(s) * s.n_features
    return values


def activation_values(s: Shape) -> float:
    """Values autograd keeps through one training batch (the refit trains on every window, so
    a batch is at most all of them; varied-length batches draw batch_size with replacement)."""
    batch = s.batch_size if s.varied else min(s.batch_size, max(windows(s), 1))
    tokens = batch * longest_window(s)
    if s.recurrent:
        per_token = s.num_layers * s.hidden_size * RECURRENT_SAVED[s.architecture]
    else:
        per_d, per_ff, per_attention = TRANSFORMER_SAVED[s.dropout > 0]
        attention = per_attention * s.nhead * longest_window(s)
        per_layer = per_d * s.d_model + per_ff * s.dim_feedforward + attention
        per_token = s.num_layers * per_layer + 2 * s.d_model
    head = batch * (s.width + 2 * s.horizon * s.n_targets * s.n_levels)
    if s.covariates:  # per step: the decoder's input, its hidden layer before and after ReLU
        head += batch * s.horizon * (s.decoder_inputs + 2 * s.width)
    return tokens * (per_token + INPUT_SAVED * s.n_features) + head


def memory_bytes(s: Shape) -> int:
    return round(FLOAT_BYTES * (STATE_COPIES * parameters(s) + activation_values(s)))


@dataclass(frozen=True)
class Knob:
    """A request field that drives the cost, and the value it takes when left out."""

    loc: tuple[str, ...]
    attribute: str
    default: Callable[[Shape], Any]
    label: Callable[[Any], str]


def _named(name: str) -> Callable[[Any], str]:
    return lambda value: f"{name} {value}"


@dataclass(frozen=True)
class Ceiling:
    setting: str
    measure: Callable[[Shape], float]
    describe: Callable[[Shape, float, int], str]
    amount: Callable[[float], str]
    fallback: Callable[[Shape], tuple[str, ...]]
    """Where to point when no field left at its default would help (the dataset is large)."""


def _size(n: float) -> str:
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f} GiB"
    return f"{n / (1 << 20):.1f} MiB"


def _describe_parameters(s: Shape, value: float, limit: int) -> str:
    return (
        f"this {s.architecture} network would have {value:,.0f} trainable parameters; the limit "
        f"is {limit:,} (SEQCAST_MAX_TRAIN_PARAMETERS)"
    )


def _describe_windows(s: Shape, value: float, limit: int) -> str:
    varied = " and their varied-length copies" if s.varied else ""
    known = s.n_future + s.n_calendar
    per_step = f"{s.n_targets} target(s)"
    per_step = f"({per_step} + {known} known-future covariate(s))" if known else per_step
    static = f" + {s.n_static} static covariate(s)" if s.n_static else ""
    return (
        f"the worker would cut the dataset into {windows(s):,} windows of input_length "
        f"{s.input_length} × {s.n_features} feature(s) + horizon {s.horizon} × {per_step}"
        f"{static}{varied}: {value:,.0f} values; the limit is {limit:,} "
        "(SEQCAST_MAX_TRAIN_WINDOW_VALUES)"
    )


def _describe_memory(s: Shape, value: float, limit: int) -> str:
    return (
        f"a training step would need about {_size(value)} ({parameters(s):,} parameters × "
        f"{STATE_COPIES * FLOAT_BYTES} bytes + the activations of a batch of "
        f"{s.batch_size} windows of {longest_window(s)} steps); the limit is {_size(limit)} "
        "(SEQCAST_MAX_TRAIN_MEMORY_BYTES)"
    )


def _width_field(s: Shape) -> tuple[str, ...]:
    return ("hyperparameters", "hidden_size" if s.recurrent else "d_model")


CEILINGS = {
    "parameters": Ceiling(
        "max_train_parameters",
        parameters,
        _describe_parameters,
        lambda n: f"{n:,.0f} parameters",
        _width_field,
    ),
    "window_values": Ceiling(
        "max_train_window_values",
        window_values,
        _describe_windows,
        lambda n: f"{n:,.0f} values",
        lambda _: ("input_length",),
    ),
    "memory": Ceiling(
        "max_train_memory_bytes",
        memory_bytes,
        _describe_memory,
        _size,
        lambda _: ("hyperparameters", "batch_size"),
    ),
}
PARAMETERS = ("parameters",)
"""Checked first: they depend on the columns only, not on the dataset's length."""
DATA = ("window_values", "memory")

HYPERPARAMETER_KNOBS = ("hidden_size", "num_layers", "d_model", "dim_feedforward", "nhead")


def knobs(hyperparameter_defaults: dict[str, Any], default_input_length: int) -> list[Knob]:
    """The fields a request may have raised, with the values they take when left out
    (Hyperparameters' defaults, the default input_length for the horizon; feature_columns
    default to the targets, quantiles to none)."""

    def hyperparameter(name: str) -> Knob:
        value = hyperparameter_defaults[name]
        return Knob(("hyperparameters", name), name, lambda _: value, _named(name))

    return [
        *(hyperparameter(name) for name in (*HYPERPARAMETER_KNOBS, "batch_size")),
        Knob(
            ("input_length",),
            "input_length",
            lambda _: default_input_length,
            _named("input_length"),
        ),
        Knob(
            ("feature_columns",),
            "n_features",
            lambda s: s.n_targets,
            lambda n: f"{n} feature column(s)",
        ),
        Knob(("quantiles",), "n_levels", lambda _: 1, lambda n: f"{n} quantile level(s)"),
        Knob(
            ("hyperparameters", "window_lengths"),
            "varied",
            lambda _: False,
            lambda varied: f"window_lengths {'varied' if varied else 'fixed'}",
        ),
    ]


def check(shape: Shape, settings: Settings, ceilings: tuple[str, ...], knobs: list[Knob]) -> None:
    """Refuse `shape` when it exceeds one of `ceilings` (names in CEILINGS), with a 422 on the
    field that weighs most."""
    for name in ceilings:
        ceiling = CEILINGS[name]
        limit = getattr(settings, ceiling.setting)
        value = ceiling.measure(shape)
        if value <= limit:
            continue
        message = ceiling.describe(shape, value, limit)
        best: tuple[float, Knob, Any] | None = None
        for knob in knobs:
            default = knob.default(shape)
            if getattr(shape, knob.attribute) == default:
                continue
            shrunk = ceiling.measure(replace(shape, **{knob.attribute: default}))
            if shrunk < value and (best is None or shrunk < best[0]):
                best = (shrunk, knob, default)
        if best is None:
            raise InvalidInput(ceiling.fallback(shape), message)
        shrunk, knob, default = best
        raise InvalidInput(
            knob.loc,
            f"{message}; {knob.label(getattr(shape, knob.attribute))} weighs most: with "
            f"{knob.label(default)} it would be {ceiling.amount(shrunk)}",
        )
