"""The warm export process (workers.export_process): one interpreter per worker process, reused
for export after export, restarted when it dies, and an export that hangs, crashes or is
interrupted fails cleanly instead of hanging the worker or answering the next export.

Real small nets, real exports: a hang is a checkpoint path that is a FIFO nobody writes (the
export process blocks opening it), a crash is a SIGKILL, an interruption is a signal handler
raising in the waiting thread, as Celery's soft time limit does."""

import os
import signal
import threading
import time
from pathlib import Path

import onnxruntime as ort
import pytest
import torch

from app.contract import STEP_FILENAME
from workers.export_process import ExportProcess
from workers.training.export import ExportError, save_checkpoint
from workers.training.nets import NetConfig, build_net

TOLERANCE = 1e-4


def write_checkpoint(folder: Path, architecture: str, input_length: int = 12, **overrides) -> Path:
    torch.manual_seed(0)
    cfg = NetConfig(
        architecture=architecture,
        n_features=2,
        n_targets=1,
        input_length=input_length,
        horizon=3,
        hidden_size=8,
        num_layers=1,
        d_model=8,
        nhead=2,
        dim_feedforward=16,
        feature_mean=[5.0, -3.0],
        feature_std=[2.0, 0.5],
        target_mean=[100.0],
        target_std=[10.0],
        **overrides,
    )
    path = folder / f"{architecture}-{input_length}.pt"
    save_checkpoint(build_net(cfg), cfg, path)
    return path


@pytest.fixture(scope="module")
def exporter():
    process = ExportProcess(timeout=120)
    process.start()
    yield process
    process.stop()


@pytest.fixture
def hang(tmp_path) -> Path:
    """A checkpoint path whose export blocks: a FIFO with no writer."""
    fifo = tmp_path / "hangs.pt"
    os.mkfifo(fifo)
    return fifo


def test_one_process_exports_job_after_job(exporter, tmp_path):
    """Both exporters in turn in one process (TorchScript for recurrent nets, dynamo for the
    transformer), different lengths: every graph keeps its dynamic axes and passes its gate."""
    pid = exporter.pid
    cases = [("lstm", 12, "global"), ("transformer", 12, "instance"), ("gru", 7, "global")]
    cases.append(("transformer", 5, "global"))
    for architecture, length, normalization in cases:
        checkpoint = write_checkpoint(tmp_path, architecture, length, normalization=normalization)
        onnx_path = tmp_path / f"{architecture}-{length}" / "model.onnx"
        report = exporter.export(checkpoint, onnx_path, TOLERANCE)
        assert report.parity_error <= TOLERANCE
        assert (report.step is not None) == (architecture != "transformer")
        assert (onnx_path.parent / STEP_FILENAME).exists() == (report.step is not None)
        session = ort.InferenceSession(onnx_path.read_bytes(), providers=["CPUExecutionProvider"])
        shape = session.get_inputs()[0].shape
        assert isinstance(shape[0], str) and isinstance(shape[1], str), shape  # batch, length
    assert exporter.pid == pid  # one process throughout


def test_a_failed_gate_fails_the_export_and_keeps_the_process(exporter, tmp_path):
    pid = exporter.pid
    checkpoint = write_checkpoint(tmp_path, "lstm")
    onnx_path = tmp_path / "strict" / "model.onnx"
    with pytest.raises(ExportError, match="parity check failed"):
        exporter.export(checkpoint, onnx_path, tolerance=1e-12)
    assert not onnx_path.exists()
    with pytest.raises(ExportError, match="FileNotFoundError"):
        exporter.export(tmp_path / "missing.pt", onnx_path, TOLERANCE)
    assert exporter.pid == pid


def test_a_ctrl_c_to_the_process_group_leaves_it_running(exporter, tmp_path):
    """Celery's warm shutdown on Ctrl-C lets the running job finish, its export included."""
    pid = exporter.pid
    os.kill(pid, signal.SIGINT)
    checkpoint = write_checkpoint(tmp_path, "gru")
    assert exporter.export(checkpoint, tmp_path / "after" / "model.onnx", TOLERANCE)
    assert exporter.pid == pid


def test_a_killed_process_is_replaced_by_the_next_export(exporter, tmp_path):
    checkpoint = write_checkpoint(tmp_path, "gru")
    before = exporter.pid
    os.kill(before, signal.SIGKILL)  # idle, between jobs; its exit may not be visible yet
    report = exporter.export(checkpoint, tmp_path / "after" / "model.onnx", TOLERANCE)
    assert report.parity_error <= TOLERANCE
    assert exporter.pid not in (None, before)


def test_a_crash_mid_export_fails_that_export(exporter, tmp_path, hang):
    pid = exporter.pid
    killer = threading.Timer(1.0, os.kill, (pid, signal.SIGKILL))
    killer.start()
    try:
        with pytest.raises(ExportError, match=rf"export process {pid} died \(killed by signal 9"):
            exporter.export(hang, tmp_path / "model.onnx", TOLERANCE)
    finally:
        killer.cancel()
    checkpoint = write_checkpoint(tmp_path, "rnn")
    assert exporter.export(checkpoint, tmp_path / "next" / "model.onnx", TOLERANCE).step
    assert exporter.pid != pid


def test_a_hung_export_times_out_and_the_process_is_replaced(exporter, tmp_path, hang):
    pid = exporter.pid
    started = time.monotonic()
    with pytest.raises(ExportError, match="timed out after 1 s"):
        exporter.export(hang, tmp_path / "model.onnx", TOLERANCE, timeout=1)
    assert time.monotonic() - started < 10
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed, not left hanging
    checkpoint = write_checkpoint(tmp_path, "lstm")
    assert exporter.export(checkpoint, tmp_path / "next" / "model.onnx", TOLERANCE)
    assert exporter.pid != pid


class Interrupted(Exception):
    pass


def test_an_interrupted_export_never_answers_the_next_one(exporter, tmp_path, hang):
    """Celery's soft time limit raises inside the waiting task; the export it abandoned must not
    be read as the next export's answer, so its process goes."""
    pid = exporter.pid

    def interrupt(*_):
        raise Interrupted

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 1.0)
        with pytest.raises(Interrupted):
            exporter.export(hang, tmp_path / "model.onnx", TOLERANCE)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    checkpoint = write_checkpoint(tmp_path, "gru", input_length=6)
    report = exporter.export(checkpoint, tmp_path / "next" / "model.onnx", TOLERANCE)
    assert report.step is not None and report.step["state_shape"] == [1, 8]
    assert exporter.pid != pid


def test_stop_ends_the_process(tmp_path):
    process = ExportProcess()
    process.start()
    pid = process.pid
    assert pid is not None
    process.stop()
    assert process.pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
