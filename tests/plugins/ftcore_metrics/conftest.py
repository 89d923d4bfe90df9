"""Metric tests that train tiny models run them on one thread: fastest, and steadiest on a busy machine."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def one_thread():
    """Torch on one thread for the test (where torch is installed)."""
    try:
        import torch
    except ImportError:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
