"""Checkpoints at most every `checkpoint_interval` seconds and after the last epoch, and a run
resumed from its last checkpoint ends where the uninterrupted run ends: the epochs after that
checkpoint are trained again, identically."""

import io

import pytest
import torch

from tests.workers.test_training_loop import make_data, make_net
from workers.training.loop import EpochStats, fit


class EpochClock:
    """A clock that reads `seconds_per_epoch` × the epochs finished so far."""

    def __init__(self, seconds_per_epoch: float) -> None:
        self.seconds_per_epoch = seconds_per_epoch
        self.epochs = 0

    def __call__(self) -> float:
        return self.epochs * self.seconds_per_epoch

    def on_epoch(self, stats: EpochStats) -> None:
        self.epochs = stats.epoch


def train(
    data,
    epochs=10,
    interval=0.0,
    clock=None,
    resume=None,
    patience=0,
    on_epoch=None,
    checkpoints=None,
):
    """fit() on a small GRU; (net, result, checkpoints): every checkpoint it wrote, stored and
    read back as the worker does (the state holds live optimizer tensors until serialized)."""
    checkpoints = [] if checkpoints is None else checkpoints
    clock = clock or EpochClock(1.0)

    def store(state: dict) -> None:
        buffer = io.BytesIO()
        torch.save(state, buffer)
        checkpoints.append(torch.load(io.BytesIO(buffer.getvalue()), weights_only=True))

    def epoch_done(stats: EpochStats) -> None:
        clock.on_epoch(stats)
        if on_epoch is not None:
            on_epoch(stats)

    net = make_net(data)
    result = fit(
        net,
        data,
        epochs=epochs,
        batch_size=32,
        learning_rate=1e-2,
        early_stopping_patience=patience,
        seed=0,
        on_epoch=epoch_done,
        on_checkpoint=store,
        checkpoint_interval=interval,
        resume=resume,
        clock=clock,
    )
    return net, result, checkpoints


@pytest.fixture(scope="module")
def data():
    return make_data()


@pytest.mark.parametrize(
    ("interval", "written"),
    [
        (0.0, list(range(1, 11))),  # every epoch
        (2.5, [4, 7, 10]),  # 3 epochs apart at 1 s an epoch, and the last
        (60.0, [10]),  # a run shorter than the interval: the last epoch only
    ],
)
def test_checkpoints_at_most_every_interval_and_after_the_last_epoch(data, interval, written):
    _, _, checkpoints = train(data, interval=interval)
    assert [c["epoch"] for c in checkpoints] == written
    assert [c["finished"] for c in checkpoints] == [False] * (len(written) - 1) + [True]


def test_an_early_stop_writes_its_checkpoint(data):
    _, result, checkpoints = train(data, epochs=50, interval=60.0, patience=1)
    assert result.stopped_early
    (last,) = checkpoints
    assert last["epoch"] == len(result.history) < 50
    assert last["finished"] and last["stopped_early"]


class Killed(Exception):
    pass


def test_a_killed_run_resumes_from_its_last_checkpoint_to_the_same_weights(data):
    reference, expected, _ = train(data, epochs=8)

    def kill_at_six(stats: EpochStats) -> None:
        if stats.epoch == 6:
            raise Killed

    written: list[dict] = []
    with pytest.raises(Killed):
        train(data, epochs=8, interval=2.5, on_epoch=kill_at_six, checkpoints=written)
    assert [c["epoch"] for c in written] == [4]  # epochs 5 and 6 died with the run
    last = written[-1]

    trained_again: list[int] = []
    clock = EpochClock(1.0)
    clock.epochs = last["epoch"]
    net, result, _ = train(
        data,
        epochs=8,
        interval=2.5,
        clock=clock,
        resume=last,
        on_epoch=lambda stats: trained_again.append(stats.epoch),
    )
    assert trained_again == [5, 6, 7, 8]  # from the checkpoint, not from the start
    assert [h.epoch for h in result.history] == list(range(1, 9))
    assert [h.val_loss for h in result.history] == [h.val_loss for h in expected.history]
    for name, tensor in reference.state_dict().items():
        torch.testing.assert_close(net.state_dict()[name], tensor, rtol=0, atol=0)


def test_the_last_checkpoint_resumes_without_training(data):
    _, expected, checkpoints = train(data, epochs=50, interval=60.0, patience=1)
    trained: list[EpochStats] = []
    _, result, _ = train(
        data, epochs=50, resume=checkpoints[-1], patience=1, on_epoch=lambda s: trained.append(s)
    )
    assert trained == []
    assert result.stopped_early and result.best_epoch == expected.best_epoch
    assert len(result.history) == len(expected.history)
