"""Metric tests that train tiny models run them on one thread: fastest, and steadiest on a busy machine."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _one_torch_thread(ftcore_one_torch_thread):
    """Every test here runs torch on one thread (ftcore.testing's fixture)."""
