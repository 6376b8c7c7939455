"""Training ceilings (issue 13): a request whose network, windows or memory would exceed the
configured ceilings is a 422 naming the field that weighs most, before anything is queued. The
formulas themselves are checked against torch in tests/workers/test_training_budget.py."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.config import Settings
from app.datasets.models import Dataset
from app.errors import InvalidInput
from app.training.schemas import TrainRequest
from app.training.service import resolve_spec
from tests.support.memory import peak_growth

MB = 1 << 20


def test_the_issue_probe_is_refused_naming_hidden_size_in_under_a_second(client, dataset):
    """hidden_size 4096, 16 layers, input_length 10000, batch 65536, epochs 10000: ≈2.1 B
    parameters. It was queued (202); now a 422 on hyperparameters.hidden_size, quickly and
    without the API's memory growing."""
    body = {
        "model_name": "ceiling-probe",
        "architecture": "lstm",
        "dataset_id": dataset["id"],
        "target_columns": ["y"],
        "horizon": 12,
        "input_length": 10_000,
        "hyperparameters": {
            "hidden_size": 4096,
            "num_layers": 16,
            "batch_size": 65_536,
            "epochs": 10_000,
        },
    }
    with peak_growth() as growth:
        started = time.perf_counter()
        response = client.post("/train", json=body)
        seconds = time.perf_counter() - started
    grew = growth.bytes

    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "hyperparameters", "hidden_size"]
    assert "2,080,964,620 trainable parameters" in error["msg"]
    assert "limit is 50,000,000 (SEQCAST_MAX_TRAIN_PARAMETERS)" in error["msg"]
    assert "hidden_size 4096 weighs most: with hidden_size 64" in error["msg"]
    assert seconds < 1.0 and grew < 50 * MB, (seconds, grew)
    assert client.get("/jobs", params={"model_name": "ceiling-probe"}).json() == []


def _dataset(n_rows: int, n_columns: int) -> Dataset:
    """A dataset row as the API reads it (the ceilings need its shape, not its values)."""
    return Dataset(id="d", name="d", n_rows=n_rows, columns=[f"c{i}" for i in range(n_columns)])


def _refused(tmp_path: Path, dataset: Dataset, **request) -> InvalidInput:
    body = {"model_name": "m", "dataset_id": "d", "target_columns": ["c0"], **request}
    with pytest.raises(InvalidInput) as refused:
        resolve_spec(TrainRequest(**body), dataset, Settings(data_dir=tmp_path))
    return refused.value


def test_window_values_name_the_feature_columns_when_they_weigh_most(tmp_path):
    """1 M rows × 8 features × input_length 96: ~790 M window values. Reading the target alone
    would cut them 6×, more than the default input_length would."""
    error = _refused(
        tmp_path,
        _dataset(1_000_000, 8),
        architecture="gru",
        feature_columns=[f"c{i}" for i in range(8)],
        input_length=96,
        horizon=24,
    )
    assert error.loc == ("body", "feature_columns")
    assert "999,881 windows of input_length 96 × 8 feature(s)" in error.message
    assert "(SEQCAST_MAX_TRAIN_WINDOW_VALUES)" in error.message
    assert "8 feature column(s) weighs most: with 1 feature column(s)" in error.message


def test_window_values_name_input_length_when_it_weighs_most(tmp_path):
    error = _refused(
        tmp_path, _dataset(300_000, 1), architecture="rnn", input_length=2000, horizon=24
    )
    assert error.loc == ("body", "input_length")
    assert "input_length 2000 weighs most: with input_length 72" in error.message


def test_memory_names_batch_size_for_a_huge_batch(tmp_path):
    error = _refused(
        tmp_path,
        _dataset(100_000, 1),
        architecture="lstm",
        input_length=512,
        horizon=24,
        hyperparameters={"hidden_size": 256, "batch_size": 65_536},
    )
    assert error.loc == ("body", "hyperparameters", "batch_size")
    assert "GiB (SEQCAST_MAX_TRAIN_MEMORY_BYTES)" in error.message
    assert "batch_size 65536 weighs most: with batch_size 16" in error.message


def test_transformer_attention_over_a_long_window_names_input_length(tmp_path):
    """Attention keeps nhead × length² values per window and layer: 4,000 steps is the cost."""
    error = _refused(
        tmp_path,
        _dataset(100_000, 1),
        architecture="transformer",
        input_length=4000,
        horizon=24,
        hyperparameters={"batch_size": 64, "nhead": 8},
    )
    assert error.loc == ("body", "input_length")
    assert "(SEQCAST_MAX_TRAIN_MEMORY_BYTES)" in error.message


def test_defaults_and_raised_ceilings_pass(tmp_path):
    """The default request on a large dataset fits; a ceiling raised in Settings lets a request
    through that the default refuses."""
    big = _dataset(1_000_000, 4)
    request = TrainRequest(
        model_name="m", architecture="lstm", dataset_id="d", target_columns=["c0"], horizon=24
    )
    spec = resolve_spec(request, big, Settings(data_dir=tmp_path))
    assert spec.input_length == 72
    wide = TrainRequest.model_validate(
        {**request.model_dump(), "feature_columns": ["c0", "c1", "c2", "c3"], "input_length": 2000}
    )
    with pytest.raises(InvalidInput, match="SEQCAST_MAX_TRAIN_WINDOW_VALUES"):
        resolve_spec(wide, big, Settings(data_dir=tmp_path))
    raised = Settings(data_dir=tmp_path, max_train_window_values=10_000_000_000)
    assert resolve_spec(wide, big, raised).input_length == 2000
