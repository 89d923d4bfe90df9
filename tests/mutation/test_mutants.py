"""The mutation run under pytest: one test per mutant, each must be killed by the tests it names.

Not part of the default run (marker ``mutation``); run it with::

    python -m pytest -m mutation tests/mutation
"""

from __future__ import annotations

import pytest

from mutants import MUTANTS
from runner import run_mutant


@pytest.mark.mutation
@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_the_named_tests_kill_the_mutant(mutant, tmp_path):
    result = run_mutant(mutant, tmp_path)
    assert result.status == "killed", f"{mutant.name} {result.status}: {mutant.claim}\n" + result.output[-3000:]
