"""The hot routes' request bodies, written once as msgspec structs: they decode JSON straight
into typed, validated objects (strings and booleans are not numbers; unknown fields are
refused), and their JSON Schema is the OpenAPI document's request body (app.api.predict,
app.api.streams), so the documented contract and the enforced one cannot drift.

Every decoding error becomes a 422 naming the field: malformed JSON, a wrong type at any depth
(a 2,000-deep array fails at depth four, no recursion), numbers beyond float64. The bare
tokens NaN and Infinity, which many clients write, are read by the standard library so the
answer can say "NaN" rather than "invalid JSON"; the version's checks then refuse them.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, TypeVar

import msgspec

from app.errors import InvalidInput
from app.names import MAX_VERSION, NAME_PATTERN, NAME_RULE

Name = Annotated[str, msgspec.Meta(pattern=NAME_PATTERN, description="A name: " + NAME_RULE)]
Version = Annotated[int, msgspec.Meta(ge=1, le=MAX_VERSION)]
Numbers = list[list[float | list[float]]]
"""[batch][length][n_features], or [batch][length] for a single feature (msgspec takes one
array type per union, so the innermost level is a number or an array of numbers; ragged mixes
are refused when the array is built)."""
Rows = list[float | list[float]]
PerWindow = str | list[str]


ModelField = Annotated[Name, msgspec.Meta(description="Model name.")]
VersionField = Annotated[
    Version | None, msgspec.Meta(description="A version number; or give `alias`.")
]
AliasField = Annotated[
    Name | None, msgspec.Meta(description="An alias; default: the latest version.")
]
InputsField = Annotated[
    Numbers,
    msgspec.Meta(
        description="[batch][length][n_features] raw values in the model's feature order; "
        "[batch][length] is accepted for single-feature models. Length may be 1 to 4 × the "
        "trained input_length."
    ),
]
SeriesField = Annotated[
    PerWindow | None,
    msgspec.Meta(
        description="The series each window belongs to: one id for every window, or a list "
        "with one id per window; each must be one of the version's series (a 422 names an "
        "unknown one). Without `last_timestamp`, a window is taken to end where its series' "
        "training data ended, and the forecast is dated from there."
    ),
]
LastTimestampField = Annotated[
    PerWindow | None,
    msgspec.Meta(
        description="The timestamp of each window's last row (ISO 8601; one for every window, "
        "or a list with one per window): the forecast is dated from it. Only for versions "
        "trained on timestamped data (a 422 otherwise)."
    ),
]
FutureField = Annotated[
    Numbers | None,
    msgspec.Meta(
        description="Known-future covariates over the forecast's horizon: [batch][horizon]"
        "[n_future] raw values in the version's `future_columns` order, one block per window "
        "([batch][horizon] for a single column). Required when the version has future "
        "columns; refused otherwise."
    ),
]
StreamFutureField = Annotated[
    list[float | list[float]] | None,
    msgspec.Meta(
        description="Known-future covariates over the horizon after these observations: "
        "[horizon][n_future] raw values in the version's `future_columns` order ([horizon] for "
        "a single column). Required when the version has future columns; refused otherwise."
    ),
]
ValuesField = Annotated[
    Rows,
    msgspec.Meta(
        description="One or more new observations, oldest first: [rows][n_features] raw values "
        "in the model's feature order ([rows] for a single-feature model)."
    ),
]
RecordField = Annotated[
    bool,
    msgspec.Meta(
        description="Store the forecast for live accuracy: when rows of the version's training "
        "dataset arrive for these timestamps (POST /datasets/{id}/rows), each step is scored "
        "against them and against the seasonal-naive forecast from the same window (GET "
        "/models/{name}/versions/{v}/accuracy). Needs series_id and a version trained on "
        "timestamped data (a 422 naming `record` otherwise)."
    ),
]


class PredictRequest(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    model: ModelField
    inputs: InputsField
    version: VersionField = None
    alias: AliasField = None
    series_id: SeriesField = None
    last_timestamp: LastTimestampField = None
    future: FutureField = None
    record: RecordField = False


class StreamObserve(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    values: ValuesField
    future: StreamFutureField = None


HINTS = {
    "model": "required: the model name, a non-empty string of " + NAME_RULE,
    "version": "must be a positive integer (a version number)",
    "alias": f"must be an alias name ({NAME_RULE})",
    "inputs": "must be an array containing only numbers: [batch][length][n_features]",
    "values": "must be an array containing only numbers: [rows][n_features]",
    "series_id": "must be a string, or a non-empty list with one string per window",
    "last_timestamp": "must be a string, or a non-empty list with one string per window",
    "record": "must be true or false",
    "future": "must be an array containing only numbers: [batch][horizon][n_future] "
    "([horizon][n_future] for a stream observe)",
}

T = TypeVar("T", bound=msgspec.Struct)
_DECODERS: dict[type, msgspec.json.Decoder] = {}
_PATH = re.compile(r" - at `\$(.*)`$")
_STEP = re.compile(r"\.(\w+)|\[(\d+)\]")


BODIES: tuple[type[msgspec.Struct], ...] = (PredictRequest, StreamObserve)
COMPONENTS = "#/components/schemas/{name}"


def json_body(kind: type[msgspec.Struct], examples: list[dict]) -> dict[str, Any]:
    """FastAPI `openapi_extra` documenting a JSON request body by the struct's own schema
    (a reference into the components that `schemas()` adds to the document)."""
    schema = {"$ref": COMPONENTS.format(name=kind.__name__), "examples": examples}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def schemas() -> dict[str, Any]:
    """The JSON Schemas of the hot routes' bodies, for the OpenAPI document's components."""
    _, components = msgspec.json.schema_components(BODIES, ref_template=COMPONENTS)
    return components


def decode(body: bytes, kind: type[T]) -> T:
    """The body as a `kind`, or an InvalidInput naming the field."""
    decoder = _DECODERS.get(kind)
    if decoder is None:
        decoder = _DECODERS[kind] = msgspec.json.Decoder(kind)
    try:
        return decoder.decode(body)
    except msgspec.ValidationError as exc:
        raise _invalid(kind, str(exc)) from None
    except msgspec.DecodeError:
        doc = _lenient(body)
    try:
        return msgspec.convert(doc, kind)
    except msgspec.ValidationError as exc:
        raise _invalid(kind, str(exc)) from None


def _lenient(body: bytes) -> Any:
    """The standard library's reading of JSON that msgspec refused (NaN/Infinity tokens)."""
    try:
        return json.loads(body)
    except RecursionError:
        raise InvalidInput((), "the body is not valid JSON: nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput((), f"the body is not valid JSON: {exc}") from None


def _invalid(kind: type, message: str) -> InvalidInput:
    fields = ", ".join(kind.__struct_fields__)
    if message.startswith("Object contains unknown field `"):
        name = message.split("`")[1]
        return InvalidInput(name, f"unknown field; expected {fields}")
    if message.startswith("Object missing required field `"):
        name = message.split("`")[1]
        hint = HINTS.get(name, "required")
        return InvalidInput(name, hint if hint.startswith("required") else f"required: {hint}")
    found = _PATH.search(message)
    if found is None:
        return InvalidInput(
            (), "the body must be a JSON object" if "`object`" in message else message
        )
    loc: tuple[str | int, ...] = tuple(
        name if name else int(index) for name, index in _STEP.findall(found.group(1))
    )
    what = message[: found.start()]
    hint = HINTS.get(str(loc[0]), "invalid") if loc else "invalid"
    return InvalidInput(loc, f"{hint} ({what[0].lower()}{what[1:]})")
