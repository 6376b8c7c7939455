"""What the OpenAPI document says that FastAPI cannot read from the routes: the links from one
response to the requests it feeds, and the answers the HTTP edge gives before a route runs.

Links: a dataset's id goes to its reads and to `POST /train`; a job's id to `GET /jobs/{id}` and
its cancel; a model's name and a version's number to every route under them (aliases, serving,
load/unload, backtests, streams, /predict and the Open Inference Protocol); a stream's id to
observe, read and delete. Schemathesis' stateful phase follows them (tests/e2e/test_fuzz.py), which
is how it reaches the routes behind an id instead of answering 404 to random ones. A link whose
source or target operation is missing is a KeyError when the document is built, so the table
cannot rot silently.

Error answers: every operation that takes a key can answer 401 (no key, or not a valid one) and
403 (the key lacks the route's scope), before its body is read; and every error answer is
documented with its protocol's one error model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.http.errors import OIP_PREFIX


@dataclass(frozen=True, slots=True)
class Link:
    """`target` is an operationId; values are OpenAPI runtime expressions. `body` fields are
    merged into the target's request body by clients that fill the rest."""

    target: str
    parameters: dict[str, str] = field(default_factory=dict)
    body: dict[str, str] | None = None

    def definition(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"operationId": self.target}
        if self.parameters:
            doc["parameters"] = dict(self.parameters)
        if self.body is not None:
            doc["requestBody"] = dict(self.body)
        return doc


ID = "$response.body#/id"
FIRST_ID = "$response.body#/0/id"
NAME, VERSION = "$response.body#/model", "$response.body#/version"
PATH_NAME, PATH_VERSION = "$request.path.name", "$request.path.version"


def _version_reads(name: str, version: str) -> dict[str, Link]:
    at = {"name": name, "version": version}
    return {
        "GetVersion": Link("get_model_version", at),
        "ListBacktests": Link("list_version_backtests", at),
    }


def _version_routes(name: str, version: str) -> dict[str, Link]:
    """Everything a client can do with one version, given where its name and number are."""
    at = {"name": name, "version": version}
    return {
        **_version_reads(name, version),
        "DownloadArtifact": Link("download_model_artifact", at),
        "LoadVersion": Link("load_model_version", at),
        "UnloadVersion": Link("unload_model_version", at),
        "SetAlias": Link("set_model_alias", {"name": name}, {"version": version}),
        "Backtest": Link("backtest", body={"model": name, "version": version}),
        "Predict": Link("predict", body={"model": name, "version": version}),
        "CreateStream": Link("create_stream", body={"model": name, "version": version}),
        "OipMetadata": Link("v2_model_version_metadata", at),
        "OipReady": Link("v2_model_version_ready", at),
        "OipInfer": Link("v2_infer_version", at),
        "DeleteVersion": Link("delete_model_version", at),
    }


def _model_routes(name: str) -> dict[str, Link]:
    return {
        "GetModel": Link("get_model", {"name": name}),
        "SetServing": Link("set_model_serving", {"name": name}),
        "Predict": Link("predict", body={"model": name}),
        "CreateStream": Link("create_stream", body={"model": name}),
        "OipMetadata": Link("v2_model_metadata", {"name": name}),
        "OipReady": Link("v2_model_ready", {"name": name}),
        "OipInfer": Link("v2_infer", {"name": name}),
    }


def _dataset_routes(dataset_id: str) -> dict[str, Link]:
    at = {"dataset_id": dataset_id}
    return {
        "GetDataset": Link("get_dataset", at),
        "ListSeries": Link("list_dataset_series", at),
        "GetValues": Link("get_dataset_values", at),
        "Train": Link("train", body={"dataset_id": dataset_id}),
    }


def _job_routes(job_id: str) -> dict[str, Link]:
    return {
        "GetJob": Link("get_job", {"job_id": job_id}),
        "CancelJob": Link("cancel_job", {"job_id": job_id}),
    }


def _stream_routes(stream_id: str) -> dict[str, Link]:
    at = {"stream_id": stream_id}
    return {
        "Observe": Link("observe_stream", at),
        "GetStream": Link("get_stream", at),
        "DeleteStream": Link("delete_stream", at),
    }


LINKS: dict[tuple[str, str], dict[str, Link]] = {
    ("create_dataset", "201"): _dataset_routes(ID),
    ("list_datasets", "200"): _dataset_routes(FIRST_ID),
    ("get_dataset", "200"): {
        **_dataset_routes(ID),
        "GetSeriesValues": Link(
            "get_dataset_values", {"dataset_id": ID, "series": "$response.body#/series/0/id"}
        ),
    },
    ("list_dataset_series", "200"): {
        "GetSeriesValues": Link(
            "get_dataset_values",
            {"dataset_id": "$request.path.dataset_id", "series": FIRST_ID},
        )
    },
    ("train", "202"): {
        **_job_routes(ID),
        "GetDataset": Link("get_dataset", {"dataset_id": "$response.body#/dataset_id"}),
    },
    ("list_jobs", "200"): _job_routes(FIRST_ID),
    ("get_job", "200"): _job_routes(ID),
    ("cancel_job", "202"): _job_routes(ID),
    ("backtest", "202"): {
        "GetBacktest": Link("get_backtest", {"backtest_id": ID}),
        **_version_reads(NAME, VERSION),
    },
    ("get_backtest", "200"): _version_reads(NAME, VERSION),
    ("list_version_backtests", "200"): {
        "GetBacktest": Link("get_backtest", {"backtest_id": FIRST_ID})
    },
    ("list_models", "200"): {
        **_model_routes("$response.body#/0/name"),
        **_version_routes("$response.body#/0/name", "$response.body#/0/latest_version"),
    },
    ("get_model", "200"): {
        **_model_routes("$response.body#/name"),
        **_version_routes("$response.body#/name", "$response.body#/latest_version"),
    },
    ("get_model_version", "200"): {
        **_version_routes(NAME, VERSION),
        "GetModel": Link("get_model", {"name": NAME}),
        "GetDataset": Link("get_dataset", {"dataset_id": "$response.body#/dataset_id"}),
        "GetJob": Link("get_job", {"job_id": "$response.body#/job_id"}),
    },
    ("set_model_alias", "200"): {
        **_version_routes(NAME, VERSION),
        "DeleteAlias": Link("delete_model_alias", {"name": NAME, "alias": "$response.body#/alias"}),
        "PredictByAlias": Link("predict", body={"model": NAME, "alias": "$response.body#/alias"}),
        "StreamByAlias": Link(
            "create_stream", body={"model": NAME, "alias": "$response.body#/alias"}
        ),
        "OipMetadataByAlias": Link(
            "v2_model_version_metadata", {"name": NAME, "version": "$response.body#/alias"}
        ),
    },
    ("delete_model_alias", "204"): {"GetModel": Link("get_model", {"name": PATH_NAME})},
    ("set_model_serving", "200"): _model_routes(PATH_NAME),
    ("load_model_version", "200"): _version_routes(NAME, VERSION),
    ("unload_model_version", "200"): _version_routes(NAME, VERSION),
    ("delete_model_version", "204"): {
        "GetVersion": Link("get_model_version", {"name": PATH_NAME, "version": PATH_VERSION}),
        "GetModel": Link("get_model", {"name": PATH_NAME}),
    },
    ("predict", "200"): _version_routes(NAME, VERSION),
    ("create_stream", "201"): _stream_routes(ID),
    ("observe_stream", "200"): _stream_routes(ID),
    ("get_stream", "200"): {
        **_stream_routes(ID),
        "GetVersion": Link("get_model_version", {"name": NAME, "version": VERSION}),
    },
    ("delete_stream", "204"): {
        "GetStream": Link("get_stream", {"stream_id": "$request.path.stream_id"}),
        "Observe": Link("observe_stream", {"stream_id": "$request.path.stream_id"}),
    },
}


UNREADABLE_BODY: dict[int | str, dict[str, Any]] = {
    400: {"description": "The body cannot be read at all: JSON that is not UTF-8, bad multipart."}
}
"""The `responses=` entry of a route whose body FastAPI or Starlette decodes."""


ERROR_SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "title": "Error",
        "description": "Every error answer but a 422: what went wrong, for a person to read.",
        "type": "object",
        "required": ["detail"],
        "properties": {"detail": {"type": "string", "title": "Detail"}},
    },
    "OipError": {
        "title": "OipError",
        "description": "An error answer of the Open Inference Protocol routes.",
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string", "title": "Error"}},
    },
}
"""The one error model of each protocol (app.http.errors renders them); every documented
error answer refers to it, so a generated client returns it typed."""

RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}


def _error(description: str, oip: bool, **extra: Any) -> dict[str, Any]:
    """A documented error answer, in the body shape of its protocol (app.http.errors)."""
    model = "OipError" if oip else "Error"
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}},
        **extra,
    }


def add_error_answers(document: dict[str, Any]) -> dict[str, Any]:
    """Document what every route may answer before its handler runs: 401 and 403 where a key is
    required, 413 where there is a body; under the Open Inference Protocol, bad input as its 400
    rather than FastAPI's 422. Then give every error answer its protocol's one error model (a
    422 of a seqcast route keeps FastAPI's validation model, which it is rendered in) and a
    Retry-After header on 429 and 503."""
    document.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_SCHEMAS)
    for path, operations in document["paths"].items():
        oip = path.startswith(OIP_PREFIX)
        for op in operations.values():
            if not isinstance(op, dict):
                continue
            responses = op.setdefault("responses", {})
            if op.get("security"):
                responses.setdefault(
                    "401",
                    _error(
                        "No API key, or not a valid one.",
                        oip,
                        headers={"WWW-Authenticate": {"schema": {"type": "string"}}},
                    ),
                )
                responses.setdefault("403", _error("The key lacks this route's scope.", oip))
            if "requestBody" in op:
                responses.setdefault("413", _error("The body is larger than the limit.", oip))
            if oip and responses.pop("422", None) is not None:
                responses.setdefault("400", _error("A request this server cannot take.", oip))
            for status, answer in responses.items():
                if not str(status).isdigit() or int(status) < 400:
                    continue
                if str(status) == "422" and not oip:
                    continue
                typed = _error(answer.get("description", ""), oip)
                answer["content"] = typed["content"]
                if str(status) in ("429", "503"):
                    answer.setdefault("headers", {}).update(RETRY_AFTER)
    return document


def add_links(document: dict[str, Any]) -> dict[str, Any]:
    """Write LINKS into `document` (an OpenAPI 3 document), in place; returns it."""
    operations = {
        op["operationId"]: op
        for path in document["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    }
    for (source, status), links in LINKS.items():
        response = operations[source]["responses"][status]
        for name, link in links.items():
            if link.target not in operations:
                raise KeyError(f"link {source} -> {name}: no operation {link.target!r}")
            response.setdefault("links", {})[name] = link.definition()
    return document


def complete(document: dict[str, Any]) -> dict[str, Any]:
    """The links and the edge answers, written into FastAPI's document in place; returns it."""
    return add_error_answers(add_links(document))
