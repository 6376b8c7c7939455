"""ONNX export, the parity gate, and dynamic batch/sequence axes.

Real torch and real onnxruntime: these are the guarantees the server relies on. The graphs are
exported in this process by what the export process runs (workers.training.export.child), which
saves a cold interpreter per architecture; the subprocess's own paths (its parity failure and
error messages) are tested through it.
"""

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from app.contract import (
    ARCHITECTURES,
    INPUT_NAME,
    OUTPUT_NAME,
    PARITY_BATCHES,
    QUANTILES_NAME,
    STEP_FILENAME,
    parity_lengths,
)
from workers.training.export import (
    ExportError,
    ExportReport,
    export_in_subprocess,
    load_checkpoint,
    save_checkpoint,
)
from workers.training.export.child import run_export
from workers.training.export.process import report_from
from workers.training.nets import NetConfig, build_net

INPUT_LENGTH = 12
TOLERANCE = 1e-4
EXPECTED_EXPORTER = {"rnn": "torchscript", "lstm": "torchscript", "gru": "torchscript"}


def small_config(architecture: str, **overrides) -> NetConfig:
    return NetConfig(
        architecture=architecture,
        n_features=2,
        n_targets=1,
        input_length=INPUT_LENGTH,
        horizon=3,
        hidden_size=16,
        num_layers=2,
        d_model=16,
        nhead=4,
        dim_feedforward=32,
        feature_mean=[5.0, -3.0],
        feature_std=[2.0, 0.5],
        target_mean=[100.0],
        target_std=[10.0],
        **overrides,
    )


LEVELS = [0.1, 0.5, 0.9]
INSTANCE_QUANTILES = dict(normalization="instance", quantiles=LEVELS, target_feature_index=[0])


def write_checkpoint(architecture: str, folder: Path, **overrides) -> Path:
    torch.manual_seed(0)
    cfg = small_config(architecture, **overrides)
    path = folder / f"{architecture}-{len(overrides)}.pt"
    save_checkpoint(build_net(cfg), cfg, path)
    return path


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, tuple[Path, Path, ExportReport]]:
    """Export all four architectures once."""
    folder = tmp_path_factory.mktemp("export")

    def export(architecture: str) -> tuple[Path, Path, ExportReport]:
        checkpoint = write_checkpoint(architecture, folder)
        onnx_path = folder / architecture / "model.onnx"
        return checkpoint, onnx_path, report_from(run_export(checkpoint, onnx_path, TOLERANCE))

    return {architecture: export(architecture) for architecture in ARCHITECTURES}


def session(onnx_path: Path) -> ort.InferenceSession:
    # From bytes: fails if the model refers to external data files.
    return ort.InferenceSession(onnx_path.read_bytes(), providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_export_passes_the_parity_gate(exported, architecture):
    _, onnx_path, report = exported[architecture]
    assert report.parity_error < TOLERANCE
    assert report.exporter == EXPECTED_EXPORTER.get(architecture, "dynamo")
    assert report.opset >= 17
    expected = {(b, n) for b in PARITY_BATCHES for n in parity_lengths(INPUT_LENGTH)}
    assert {(c["batch"], c["length"]) for c in report.checked} == expected
    assert max(c["error"] for c in report.checked) == report.parity_error

    model = onnx.load(str(onnx_path))
    assert [i.name for i in model.graph.input] == [INPUT_NAME]
    assert [o.name for o in model.graph.output] == [OUTPUT_NAME]
    batch, length, features = model.graph.input[0].type.tensor_type.shape.dim
    assert batch.dim_param and length.dim_param and features.dim_value == 2
    # No external data: the window graph, and the streams' step graph when there is one.
    assert {p.name for p in onnx_path.parent.iterdir()} <= {"model.onnx", STEP_FILENAME}


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_exported_model_is_right_at_other_batches_and_lengths(exported, architecture):
    checkpoint, onnx_path, _ = exported[architecture]
    net, cfg = load_checkpoint(checkpoint)
    sess = session(onnx_path)
    generator = torch.Generator().manual_seed(1)
    mean, std = torch.tensor(cfg.feature_mean), torch.tensor(cfg.feature_std)
    for batch, length in [(5, INPUT_LENGTH + 7), (5, 3 * INPUT_LENGTH), (5, 1), (3, 4 * 12)]:
        x = mean + std * torch.randn(batch, length, 2, generator=generator)
        with torch.no_grad():
            expected = net(x).numpy()
        (got,) = sess.run([OUTPUT_NAME], {INPUT_NAME: x.numpy()})
        assert got.shape == (batch, 3, 1)
        # Outputs are raw units around 100: compare relative to their magnitude, like the gate.
        np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE * np.abs(expected).max())


def test_parity_gate_failure_names_the_tolerance_and_leaves_no_model(tmp_path):
    checkpoint = write_checkpoint("rnn", tmp_path)
    onnx_path = tmp_path / "model.onnx"
    # float32 onnxruntime vs torch at batch 64 differs by ~1e-7 relative: 1e-12 cannot pass.
    with pytest.raises(ExportError) as info:
        export_in_subprocess(checkpoint, onnx_path, tolerance=1e-12)
    message = str(info.value)
    assert message.startswith("ONNX parity check failed: max relative error")
    assert "exceeds tolerance 1e-12" in message
    assert not onnx_path.exists()


def test_export_failure_reports_the_childs_message(tmp_path):
    with pytest.raises(ExportError, match=r"ONNX export failed: FileNotFoundError"):
        export_in_subprocess(tmp_path / "missing.pt", tmp_path / "model.onnx", TOLERANCE)


def test_checkpoint_round_trip(tmp_path):
    torch.manual_seed(0)
    cfg = small_config("transformer")
    net = build_net(cfg).eval()
    save_checkpoint(net, cfg, tmp_path / "sub" / "ckpt.pt")
    loaded, loaded_cfg = load_checkpoint(tmp_path / "sub" / "ckpt.pt")
    assert loaded_cfg == cfg and not loaded.training
    x = torch.randn(2, 9, 2)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), net(x), rtol=0, atol=0)


@pytest.fixture(scope="module")
def exported_quantiles(tmp_path_factory) -> dict[str, tuple[Path, Path, ExportReport]]:
    """Instance-normalized quantile models of all four architectures, exported once."""
    folder = tmp_path_factory.mktemp("export-quantiles")

    def export(architecture: str) -> tuple[Path, Path, ExportReport]:
        checkpoint = write_checkpoint(architecture, folder, **INSTANCE_QUANTILES)
        onnx_path = folder / architecture / "model.onnx"
        return checkpoint, onnx_path, report_from(run_export(checkpoint, onnx_path, TOLERANCE))

    return {architecture: export(architecture) for architecture in ARCHITECTURES}


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_instance_normalized_quantile_model_exports_both_outputs(exported_quantiles, architecture):
    checkpoint, onnx_path, report = exported_quantiles[architecture]
    assert report.parity_error < TOLERANCE
    model = onnx.load(str(onnx_path))
    assert [o.name for o in model.graph.output] == [OUTPUT_NAME, QUANTILES_NAME]

    net, _ = load_checkpoint(checkpoint)
    sess = session(onnx_path)
    generator = torch.Generator().manual_seed(2)
    for batch, length, level in [(4, INPUT_LENGTH, 1e3), (3, 1, 0.0), (2, 4 * INPUT_LENGTH, -5.0)]:
        # Far outside the training statistics: instance normalization must follow the window.
        x = level + torch.randn(batch, length, 2, generator=generator)
        with torch.no_grad():
            forecast, quantiles = net(x)
        got_forecast, got_quantiles = sess.run(None, {INPUT_NAME: x.numpy()})
        assert got_quantiles.shape == (batch, 3, 1, len(LEVELS))
        scale = max(1.0, float(np.abs(quantiles.numpy()).max()))
        np.testing.assert_allclose(got_forecast, forecast.numpy(), rtol=0, atol=TOLERANCE * scale)
        np.testing.assert_allclose(got_quantiles, quantiles.numpy(), rtol=0, atol=TOLERANCE * scale)
        assert (np.diff(got_quantiles, axis=-1) >= 0).all()
