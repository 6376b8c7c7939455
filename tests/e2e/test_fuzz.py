"""Schemathesis against the OpenAPI document of a live server (PostgreSQL + Redis, auth on).

Stateless: every operation with generated requests (schemathesis' examples, coverage and fuzzing
phases: valid and invalid), with the admin key and without a key. Stateful: sequences that follow
the document's links (app.http.openapi) from the responses that make or list resources to the
routes behind their ids: dataset → its reads → /train → the job and its cancel; model → version
→ aliases, serving, load/unload, backtests, /predict, OIP, streams → observe, read, delete.

Every response is checked: no 5xx, a documented status code and content type, a body and headers
that match the documented schema (and, in the stateful runs, that a created resource can be read
and a deleted one cannot).

The server gets its own database, because the fuzzer deletes what it finds. Its registry holds
two versions of tiny real ONNX models (tests/support/tiny_model.py: one with quantiles), each with
a real dataset and the job that made it, registered as the worker registers them; a scenario
that starts after the fuzzer deleted them registers them again. The server publishes to a queue
no worker reads, so generated training requests are recorded but never train.
About half of the generated inference and training bodies are made well-formed for the seeds
(`steer`), so those cases reach the data plane and the job queue, not only input validation.

The regular suite runs a short pass; `-m slow` runs at least 10,000 cases (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import json
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import redis
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis.errors import FlakyReplay, FlakyStrategyDefinition
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.artifacts import make_store
from app.auth.service import Scope
from app.config import Settings
from app.contract import INPUT_NAME
from app.db import make_engine, make_sessionmaker, utcnow
from app.main import create_app
from app.migrate import upgrade
from app.registry.models import Model, ModelVersion
from app.training.models import JobStatus, TrainingJob
from tests.support.data import seasonal_series
from tests.support.keys import make_key
from tests.support.registry_db import register_stored
from tests.support.servers import PG_SERVER, REDIS_URL
from tests.support.stack import serve_in_thread
from tests.support.tiny_model import store_model

# The document does not depend on settings; the server below serves the same one.
with tempfile.TemporaryDirectory() as _tmp:
    schema = schemathesis.openapi.from_dict(create_app(Settings(data_dir=_tmp)).openapi())

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
]
STATEFUL_CHECKS = [
    *CHECKS,
    schemathesis.checks.use_after_free,
    schemathesis.checks.ensure_resource_availability,
]
QUICK = {"deadline": None, "suppress_health_check": list(HealthCheck)}
SLOW_CASES = 10_000


@dataclass(frozen=True)
class Seed:
    """A registered version the fuzzer can find through GET /models."""

    model: str
    quantiles: tuple[float, ...] = ()


SEEDS = (Seed("fuzz-window"), Seed("fuzz-quantiles", (0.1, 0.5, 0.9)))
SEED_NAMES = frozenset(seed.model for seed in SEEDS)
FEATURES = 2  # the seed models' feature columns, y and x


def rows(n: int, start: int = 0) -> list[list[float]]:
    return [[float(t % 7), float(t % 3) - 1.0] for t in range(start, start + n)]


def is_seed(name: object) -> bool:
    return isinstance(name, str) and name in SEED_NAMES


def steer(case, datasets: list[str]) -> None:
    """Make about half of the generated inference and training bodies well-formed for a seed
    model or dataset, so the fuzzer gets past input validation into the data plane and the job
    queue (the other fields stay as generated).

    Deterministic in what Hypothesis drew (the body's own size picks), so shrinking works. A
    model's batching delay is kept short (see below)."""
    body, label = case.body, case.operation.label
    if not isinstance(body, dict):
        return
    delay = body.get("max_queue_delay_ms")
    if label == "PUT /models/{name}/serving" and type(delay) in (int, float) and delay > 50:
        # a generated batching delay of seconds is obeyed: each later inference would wait it,
        # past the client's timeout (it is capped at 10 s, as documented)
        body["max_queue_delay_ms"] = 50
    pick = len(json.dumps(body, default=str))
    if pick % 2:
        return
    seed = sorted(SEED_NAMES)[pick // 2 % len(SEED_NAMES)]
    size = 1 + pick // 4 % 3
    if label in ("POST /predict", "POST /streams") and not is_seed(body.get("model")):
        body["model"] = seed
    if label == "POST /predict":
        body["inputs"] = [rows(3 + size, start=b) for b in range(size)]
    elif label == "POST /streams" and pick % 8 == 0:
        body["history"] = rows(2 * size)
    elif label == "POST /streams/{stream_id}/observe":
        body["values"] = rows(size)
    elif label.startswith("POST /v2/models/"):
        if not is_seed(case.path_parameters.get("name")):
            case.path_parameters["name"] = seed
        data = [v for row in rows(4 * size) for v in row]
        body["inputs"] = [
            {"name": INPUT_NAME, "shape": [size, 4, FEATURES], "datatype": "FP32", "data": data}
        ]
    elif label == "POST /backtest":
        if not is_seed(body.get("model")):
            body["model"] = seed
        if body.get("version") is not None:
            body["alias"] = None
        body.update(folds=size, stride=None)
    elif label == "POST /train":
        body.pop("data", None)
        if not isinstance(body.get("dataset_id"), str) or pick % 8 == 0:
            body["dataset_id"] = datasets[pick // 2 % len(datasets)]
        body.update(target_columns=None, feature_columns=None, input_length=None, quantiles=None)
        body["horizon"] = size
        if pick % 4 == 0:
            body["hyperparameters"] = {"epochs": 1}


@dataclass
class Tally:
    """Every case sent, by operation and status code: the slow run's count and its depth."""

    responses: Counter[tuple[str, int]] = field(default_factory=Counter)
    stateful: int = 0

    def add(self, label: str, status: int, *, stateful: bool = False) -> None:
        self.responses[(label, status)] += 1
        self.stateful += stateful

    @property
    def cases(self) -> int:
        return sum(self.responses.values())

    def summary(self) -> str:
        ok: Counter[str] = Counter()
        for (label, status), n in self.responses.items():
            if status < 300:
                ok[label] += n
        statuses: Counter[int] = Counter()
        for (_, status), n in self.responses.items():
            statuses[status] += n
        lines = [
            f"{self.cases} cases ({self.cases - self.stateful} stateless, {self.stateful} "
            f"stateful); by status: {dict(sorted(statuses.items()))}"
        ]
        lines.append("2xx by operation:")
        lines += [f"  {n:6d}  {label}" for label, n in sorted(ok.items(), key=lambda kv: -kv[1])]
        return "\n".join(lines)


TALLY = Tally()


@dataclass
class Stack:
    url: str
    headers: dict[str, str]
    settings: Settings
    sessions: sessionmaker[Session]
    http: requests.Session
    seeder: dict[str, str]
    """Another admin key's headers: the fuzzer's quotas (jobs, datasets) never stop the seeding."""
    datasets: list[str] = field(default_factory=list)

    def seed(self) -> None:
        """Register any seed model that has no version left (the fuzzer may have deleted it)."""
        with self.sessions() as session:
            for seed in SEEDS:
                versions = session.scalar(
                    select(func.count(ModelVersion.id))
                    .join(Model, ModelVersion.model_id == Model.id)
                    .where(Model.name == seed.model)
                )
                if not versions:
                    self._register(session, seed)

    def _register(self, session: Session, seed: Seed) -> None:
        """A real dataset and a real queued job (through the API), marked succeeded and given a
        version the way workers.runner does it."""
        data = self.http.post(
            f"{self.url}/datasets",
            json={"name": f"{seed.model}-data", "columns": seasonal_series(60)},
            headers=self.seeder,
        )
        assert data.status_code == 201, data.text
        self.datasets.append(data.json()["id"])
        job_body = {
            "model_name": seed.model,
            "architecture": "rnn",
            "dataset_id": data.json()["id"],
            "target_columns": ["y"],
            "feature_columns": ["y", "x"],
            "input_length": 4,
            "horizon": 3,
            "quantiles": list(seed.quantiles) or None,
        }
        job = self.http.post(f"{self.url}/train", json=job_body, headers=self.seeder)
        assert job.status_code == 202, job.text
        row = session.get(TrainingJob, job.json()["id"])
        assert row is not None
        stored = store_model(
            make_store(self.settings),
            model=seed.model,
            job_id=row.id,
            feature_columns=("y", "x"),
            input_length=4,
            horizon=3,
            quantiles=seed.quantiles,
        )
        row.status, row.started_at, row.finished_at = JobStatus.succeeded, utcnow(), utcnow()
        created = register_stored(
            session, seed.model, stored, job_id=row.id, dataset_id=row.dataset_id
        )
        session.commit()
        alias = self.http.put(
            f"{self.url}/models/{seed.model}/aliases/production",
            json={"version": created.version},
            headers=self.seeder,
        )
        assert alias.status_code == 200, alias.text
        # a queued backtest, so its reads have something to find (429 once the seeder's own
        # job quota is full, after many re-seedings: then the earlier ones serve)
        backtest = self.http.post(
            f"{self.url}/backtest",
            json={"model": seed.model, "version": created.version, "folds": 2},
            headers=self.seeder,
        )
        assert backtest.status_code in (202, 429), backtest.text


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The app on its own PostgreSQL database (made by the migrations) and Redis, behind uvicorn,
    with an admin key and the seed models."""
    database = f"seqcast_fuzz_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    url = f"{PG_SERVER.replace('postgresql://', 'postgresql+psycopg://')}/{database}"
    upgrade(url)
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    queue = f"fuzz-nobody-reads-{uuid.uuid4().hex[:8]}"
    fuzz_settings = Settings(
        data_dir=data_dir,
        database_url=url,
        broker_url=REDIS_URL,
        artifact_root=data_dir / "artifacts",
        task_queue=queue,
    )
    engine = make_engine(url)
    headers, seeder = (
        {"Authorization": f"Bearer {make_key(fuzz_settings, Scope.admin, name=name)}"}
        for name in ("fuzz", "fuzz-seeder")
    )
    try:
        with serve_in_thread(create_app(fuzz_settings)) as base, requests.Session() as http:
            built = Stack(base, headers, fuzz_settings, make_sessionmaker(engine), http, seeder)
            built.seed()
            yield built
    finally:
        engine.dispose()
        redis.Redis.from_url(REDIS_URL).delete(queue)
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def call_and_check(case, stack: Stack, headers: dict[str, str] | None) -> requests.Response:
    steer(case, stack.datasets)
    response = case.call(base_url=stack.url, session=stack.http, headers=headers)
    TALLY.add(case.operation.label, response.status_code)
    case.validate_response(response, checks=CHECKS, headers=headers)
    return response


def check_without_key(case, stack: Stack) -> None:
    response = call_and_check(case, stack, None)
    if case.operation.definition.raw.get("security") and response.status_code != 405:
        # The key is checked from the headers before any body is read (app.http.edge).
        assert response.status_code == 401, (case.path, response.status_code, response.text)


def run_stateful(stack: Stack, *, cases: int, **hypothesis_settings) -> None:
    """Schemathesis' state machine for the document's links, calling `stack` with the admin key,
    until it has made `cases` calls; each scenario starts with the seed models registered.

    Every step changes the server, so a scenario Hypothesis replays may draw differently than
    the first time (FlakyStrategyDefinition). As in schemathesis' own engine, that alone is no
    failure of the API: the machine starts again. A failed check or call is raised."""
    base = schema.as_state_machine()
    failures: list[Exception] = []

    class Links(base):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            stack.seed()

        def before_call(self, case) -> None:
            steer(case, stack.datasets)

        def get_call_kwargs(self, case) -> dict:
            return {"base_url": stack.url, "session": stack.http, "headers": stack.headers}

        def call(self, case, **kwargs):
            try:
                return super().call(case, **kwargs)
            except Exception as exc:  # e.g. a timeout: as much a failure as a failed check
                failures.append(exc)
                raise

        def after_call(self, response, case) -> None:
            TALLY.add(case.operation.label, response.status_code, stateful=True)
            super().after_call(response, case)

        def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:
            try:
                case.validate_response(
                    response, checks=STATEFUL_CHECKS, headers=stack.headers, recorder=self.recorder
                )
            except Exception as exc:
                failures.append(exc)
                raise

    start = TALLY.cases
    while TALLY.cases - start < cases:
        before = TALLY.cases
        try:
            Links.run(settings=settings(**QUICK, database=None, **hypothesis_settings))
        except (FlakyStrategyDefinition, FlakyReplay):
            if failures:
                raise failures[0] from None
        assert TALLY.cases > before, "the state machine made no calls"


# The regular suite: a short pass (about 40 s on 2 cores).


@schema.parametrize()
@settings(max_examples=10, **QUICK)
def test_with_admin_key(case, stack):
    call_and_check(case, stack, stack.headers)


@schema.parametrize()
@settings(max_examples=2, **QUICK)
def test_without_key(case, stack):
    check_without_key(case, stack)


def test_links_reach_the_deep_routes(stack):
    """A short stateful run: the links lead from the seed models and new datasets to the
    routes behind their ids, which answer 2xx."""
    before = TALLY.responses.copy()
    run_stateful(stack, cases=300, max_examples=40, stateful_step_count=10)
    reached = {label for (label, status), n in (TALLY.responses - before).items() if status < 300}
    assert len(reached) >= 10, sorted(reached)


# The slow run: at least SLOW_CASES cases, stateless and stateful.

slow = pytest.mark.slow


@slow
@schema.parametrize()
@settings(max_examples=150, **QUICK)
def test_slow_with_admin_key(case, stack):
    call_and_check(case, stack, stack.headers)


@slow
@schema.parametrize()
@settings(max_examples=20, **QUICK)
def test_slow_without_key(case, stack):
    check_without_key(case, stack)


@slow
@pytest.mark.timeout(1800)  # 5,000 calls: minutes on 2 busy cores, past the suite's 300 s
def test_slow_stateful(stack):
    run_stateful(stack, cases=5000, max_examples=600, stateful_step_count=10)


@slow
def test_slow_run_count():
    """Reads the tally of the slow tests above (pytest runs a module's tests in order)."""
    if not TALLY.cases:
        pytest.skip("run with the slow tests above")
    print(TALLY.summary())
    assert TALLY.cases >= SLOW_CASES, TALLY.summary()


def test_links_are_valid():
    """Every link names an existing operation and parameters it declares (schemathesis refuses
    to build the state machine otherwise)."""
    schema.as_state_machine()
    assert schema.statistic.transitions.total >= 100
