"""Step graphs: a stream fed one observation at a time must forecast what the window model does.

Real torch, the real export (window gate, then the step hook: workers.training.export.child, what
the export process runs, here in this process) and real onnxruntime.
Targets are scaled around 0 here (not 100 as in test_training_export), so the relative error the
gate reports is sensitive to differences far below 1e-5.
"""

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from app.artifacts import make_store
from app.contract import (
    INPUT_NAME,
    OUTPUT_NAME,
    QUANTILES_NAME,
    STATE_INPUT_NAME,
    STATE_OUTPUT_NAME,
    STEP_FILENAME,
    STEP_INPUT_NAME,
    Manifest,
    manifest_uri_for,
    sha256_bytes,
)
from tests.support.data import seasonal_series
from tests.support.stack import train_and_wait
from workers.training.export import (
    ExportError,
    ExportReport,
    load_checkpoint,
    save_checkpoint,
)
from workers.training.export.child import run_export
from workers.training.export.process import report_from
from workers.training.export.step import (
    STEP_PARITY_BATCHES,
    STEP_PARITY_TOLERANCE,
    StepForecaster,
    export_step_graph,
    has_step_graph,
    state_shape,
    step_parity_lengths,
)
from workers.training.nets import NetConfig, build_net

INPUT_LENGTH = 12
HIDDEN = 16
WINDOW_TOLERANCE = 1e-4
QUANTILES = [0.1, 0.5, 0.9]
CASES = {
    "rnn": dict(architecture="rnn"),
    "lstm": dict(architecture="lstm"),
    "gru": dict(architecture="gru"),
    "lstm-3-layers": dict(architecture="lstm", num_layers=3),
    "gru-quantiles": dict(architecture="gru", quantiles=QUANTILES),
    "lstm-instance": dict(architecture="lstm", normalization="instance"),
}


def config(architecture: str, num_layers: int = 2, **extra) -> NetConfig:
    return NetConfig(
        architecture=architecture,
        n_features=2,
        n_targets=2,
        input_length=INPUT_LENGTH,
        horizon=3,
        hidden_size=HIDDEN,
        num_layers=num_layers,
        feature_mean=[5.0, -3.0],
        feature_std=[2.0, 0.5],
        target_mean=[0.5, -0.2],
        target_std=[1.5, 0.8],
        **extra,
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, tuple[Path, Path, ExportReport]]:
    """Each case exported once."""
    folder = tmp_path_factory.mktemp("step-export")

    def export(case: str) -> tuple[Path, Path, ExportReport]:
        torch.manual_seed(0)
        cfg = config(**CASES[case])
        checkpoint = folder / f"{case}.pt"
        save_checkpoint(build_net(cfg), cfg, checkpoint)
        onnx_path = folder / case / "model.onnx"
        report = report_from(run_export(checkpoint, onnx_path, WINDOW_TOLERANCE))
        return checkpoint, onnx_path, report

    return {case: export(case) for case in CASES}


def session(path: Path) -> ort.InferenceSession:
    return ort.InferenceSession(path.read_bytes(), providers=["CPUExecutionProvider"])


def relative_error(got: np.ndarray, expected: np.ndarray) -> float:
    assert got.shape == expected.shape
    return float(np.abs(got - expected).max()) / max(1.0, float(np.abs(expected).max()))


def observe(step: ort.InferenceSession, state: np.ndarray, values: np.ndarray) -> tuple:
    """What a stream does per observe call: one step per new observation, state carried."""
    forecast = None
    for t in range(values.shape[1]):
        forecast, state = step.run(
            [OUTPUT_NAME, STATE_OUTPUT_NAME],
            {STEP_INPUT_NAME: values[:, t], STATE_INPUT_NAME: state},
        )
    return forecast, state


@pytest.mark.parametrize("case", ["rnn", "lstm", "gru"])
def test_step_graph_passes_its_gate(exported, case):
    _, onnx_path, report = exported[case]
    step = report.step
    assert step is not None and step["file"] == STEP_FILENAME
    assert step["parity_error"] < STEP_PARITY_TOLERANCE
    expected = {(b, n) for b in STEP_PARITY_BATCHES for n in (1, INPUT_LENGTH, 3 * INPUT_LENGTH)}
    assert {(c["batch"], c["length"]) for c in step["checked"]} == expected
    assert max(c["error"] for c in step["checked"]) == step["parity_error"]
    assert all(c["error_vs_window_onnx"] < STEP_PARITY_TOLERANCE for c in step["checked"])

    model = onnx.load(str(onnx_path.parent / STEP_FILENAME))  # beside the window graph
    assert [i.name for i in model.graph.input] == [STEP_INPUT_NAME, STATE_INPUT_NAME]
    assert [o.name for o in model.graph.output] == [OUTPUT_NAME, STATE_OUTPUT_NAME]
    observation, state = (i.type.tensor_type.shape.dim for i in model.graph.input)
    assert observation[0].dim_param and observation[1].dim_value == 2
    assert [d.dim_value for d in state] == [step["state_shape"][0], 0, HIDDEN]
    assert state[1].dim_param  # the batch axis is dynamic


@pytest.mark.parametrize("case", ["rnn", "lstm", "gru"])
def test_stream_equals_the_window_model_on_random_histories_and_splits(exported, case):
    """The invariant streams rely on, checked independently of the gate: any history, cut into
    any sequence of observe calls, forecasts what the window graph does on the whole history."""
    checkpoint, onnx_path, report = exported[case]
    net, cfg = load_checkpoint(checkpoint)
    step, window = session(onnx_path.parent / STEP_FILENAME), session(onnx_path)
    rng = np.random.default_rng(7)
    mean, std = np.array(cfg.feature_mean), np.array(cfg.feature_std)
    for batch in (1, 5):
        length = int(rng.integers(2, 4 * INPUT_LENGTH + 1))
        history = (mean + std * rng.standard_normal((batch, length, 2))).astype(np.float32)
        cuts = np.sort(rng.choice(np.arange(1, length), size=min(4, length - 1), replace=False))
        state = np.zeros([report.step["state_shape"][0], batch, HIDDEN], np.float32)
        for part in np.split(history, cuts, axis=1):
            forecast, state = observe(step, state, part)
        (served,) = window.run([OUTPUT_NAME], {INPUT_NAME: history})
        with torch.no_grad():
            eager = net(torch.from_numpy(history)).numpy()
        assert forecast.shape == (batch, 3, 2)
        assert relative_error(forecast, served) < STEP_PARITY_TOLERANCE
        assert relative_error(forecast, eager) < STEP_PARITY_TOLERANCE


def test_multi_layer_lstm_stacks_h_and_c_per_layer(exported):
    checkpoint, onnx_path, report = exported["lstm-3-layers"]
    _, cfg = load_checkpoint(checkpoint)
    assert report.step["state_shape"] == state_shape(cfg) == [6, HIDDEN]
    assert report.step["parity_error"] < STEP_PARITY_TOLERANCE
    step = session(onnx_path.parent / STEP_FILENAME)
    observations = np.ones((5, 2, 2), np.float32)
    _, state = observe(step, np.zeros((6, 5, HIDDEN), np.float32), observations)
    assert state.shape == (6, 5, HIDDEN)
    assert not np.allclose(state[:3], state[3:])  # h and c are distinct halves
    assert np.abs(state[:3]).max() < 1 < np.abs(state[3:]).max()  # h is tanh-bounded, c is not


class SwappedLstmState(StepForecaster):
    """A real bug to catch: next_state written as (c, h) while the input is read as (h, c)."""

    def pack_state(self, state):
        h, c = state
        return torch.cat((c, h), dim=0)


def test_a_step_module_with_the_state_halves_swapped_fails_the_gate(exported, tmp_path):
    checkpoint, onnx_path, _ = exported["lstm"]
    net, cfg = load_checkpoint(checkpoint)
    step_path = tmp_path / STEP_FILENAME
    with pytest.raises(ExportError) as info:
        export_step_graph(net, cfg, onnx_path, step_path, step=SwappedLstmState(net))
    message = str(info.value)
    assert message.startswith("step graph parity check failed: max relative error")
    assert f"exceeds tolerance {STEP_PARITY_TOLERANCE:.3g}" in message
    assert "length 1 " not in message  # one step from zeros cannot see the swap
    assert not step_path.exists()


def test_the_correct_module_passes_the_same_in_process_gate(exported, tmp_path):
    """The control for the test above: same net, same gate, only the bug removed."""
    checkpoint, onnx_path, _ = exported["lstm"]
    net, cfg = load_checkpoint(checkpoint)
    report = export_step_graph(net, cfg, onnx_path, tmp_path / STEP_FILENAME)
    assert report["parity_error"] < STEP_PARITY_TOLERANCE
    assert (tmp_path / STEP_FILENAME).is_file()


def test_quantiles_are_stepped_too(exported):
    checkpoint, onnx_path, report = exported["gru-quantiles"]
    assert report.step["parity_error"] < STEP_PARITY_TOLERANCE  # the gate compares every output
    step = session(onnx_path.parent / STEP_FILENAME)
    assert [o.name for o in step.get_outputs()] == [OUTPUT_NAME, QUANTILES_NAME, STATE_OUTPUT_NAME]
    net, _ = load_checkpoint(checkpoint)
    history = np.random.default_rng(3).normal(0, 2, (4, 20, 2)).astype(np.float32)
    state = np.zeros([2, 4, HIDDEN], np.float32)
    for t in range(history.shape[1]):
        feeds = {STEP_INPUT_NAME: history[:, t], STATE_INPUT_NAME: state}
        forecast, quantiles, state = step.run(None, feeds)
    with torch.no_grad():
        expected_forecast, expected_quantiles = net(torch.from_numpy(history))
    assert quantiles.shape == (4, 3, 2, len(QUANTILES))
    assert relative_error(forecast, expected_forecast.numpy()) < STEP_PARITY_TOLERANCE
    assert relative_error(quantiles, expected_quantiles.numpy()) < STEP_PARITY_TOLERANCE


def test_instance_normalized_versions_get_no_step_graph(exported):
    _, onnx_path, report = exported["lstm-instance"]
    assert report.step is None
    assert report.parity_error < WINDOW_TOLERANCE  # the window graph itself is exported as usual
    assert not (onnx_path.parent / STEP_FILENAME).exists()


def test_transformers_get_no_step_graph():
    assert not has_step_graph(config("transformer"))
    assert not has_step_graph(config("gru", normalization="instance"))
    assert all(has_step_graph(config(a)) for a in ("rnn", "lstm", "gru"))
    assert step_parity_lengths(INPUT_LENGTH) == (1, INPUT_LENGTH, 3 * INPUT_LENGTH)


def test_a_trained_version_ships_its_step_graph(client, pg_worker, dataset, pg_settings):
    """Through the real worker: step.onnx is stored beside model.onnx and the manifest says so."""
    job = train_and_wait(
        client,
        {
            "model_name": "step-lstm",
            "architecture": "lstm",
            "dataset_id": dataset["id"],
            "target_columns": ["y"],
            "feature_columns": ["y", "x"],
            "input_length": 24,
            "horizon": 6,
            "hyperparameters": {
                "hidden_size": 16,
                "num_layers": 1,
                "epochs": 3,
                "normalization": "global",
            },
        },
    )
    assert job["status"] == "succeeded", job["error"]
    ref = job["model_version"]
    version = client.get(f"/models/{ref['model']}/versions/{ref['version']}").json()
    store = make_store(pg_settings)
    manifest = Manifest.from_json(store.get(manifest_uri_for(version["artifact_uri"])))
    assert manifest.step is not None
    assert manifest.step.file == STEP_FILENAME
    assert manifest.step.state_shape == (2, 16)  # one LSTM layer of 16: h and c
    assert manifest.step.parity_error < STEP_PARITY_TOLERANCE
    step_bytes = store.get(f"{version['artifact_uri'].rsplit('/', 1)[0]}/{STEP_FILENAME}")
    assert sha256_bytes(step_bytes) == manifest.step.sha256

    # The stored step graph, stepped through a history of 3 x input_length, forecasts what
    # /predict serves for that history.
    columns = seasonal_series()
    history = np.column_stack([columns[c] for c in manifest.feature_columns])[-72:]
    step = ort.InferenceSession(step_bytes, providers=["CPUExecutionProvider"])
    state = np.zeros([2, 1, 16], np.float32)
    forecast, _ = observe(step, state, history[None].astype(np.float32))
    body = {"model": ref["model"], "version": ref["version"], "inputs": [history.tolist()]}
    served = client.post("/predict", json=body)
    assert served.status_code == 200, served.text
    expected = np.array(served.json()["predictions"], np.float32)
    assert relative_error(forecast, expected) < STEP_PARITY_TOLERANCE
