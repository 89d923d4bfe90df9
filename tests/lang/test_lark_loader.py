"""lark is imported without the ``regex`` module, which stays importable for everything else."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

PROBE = """
import sys
from ftcore.lang.parser import parse
module, diagnostics = parse('recipe "r" {{ seed 1 }}\\nlet x = [1, 2\\n', "t.ftr")
print("regex loaded:", "regex" in sys.modules)
print("errors:", [d.message for d in diagnostics])
{after}
"""


@pytest.mark.skipif(importlib.util.find_spec("regex") is None, reason="the regex module is not installed")
def test_the_parser_does_not_load_regex_and_regex_still_imports_afterwards():
    after = "import regex\nprint('regex after:', regex.match('a+', 'aa').group(0))"
    out = subprocess.run([sys.executable, "-c", PROBE.format(after=after)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "regex loaded: False" in out.stdout
    assert "unexpected end of file" in out.stdout  # the unclosed list is reported
    assert "regex after: aa" in out.stdout


@pytest.mark.skipif(importlib.util.find_spec("regex") is None, reason="the regex module is not installed")
def test_when_regex_is_already_loaded_lark_is_imported_as_usual():
    after = "import lark.utils\nprint('lark uses regex:', lark.utils._has_regex)"
    out = subprocess.run([sys.executable, "-c", "import regex\n" + PROBE.format(after=after)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "lark uses regex: True" in out.stdout and "unexpected end of file" in out.stdout
