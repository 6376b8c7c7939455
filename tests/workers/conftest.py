"""Shared settings for the training tests."""

import pytest
import torch


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny nets gain nothing from intra-op threads, and on a busy 2-core machine torch's spinning
    workers slow them down many times over; one thread keeps the suite fast and steady."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
