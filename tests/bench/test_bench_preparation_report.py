"""The preparation tables in docs/benchmarks.md are the ones rendered from the result file they cite.

Nothing here asserts a time: the check is that the generated part of the docs and the JSON under
bench/results/ agree, and that the rendering shows where a warm run's time goes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from bench import report

ROOT = Path(__file__).resolve().parents[2]


def cited_result() -> tuple[str, str, dict]:
    """The generated part of docs/benchmarks.md holding the preparation tables, the result file it cites, and that result."""
    text = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    begin, end = report.markers("full")
    section = text[text.index(begin):text.index(end) + len(end)]
    cited = re.search(r"raw data `([^`]+)`", section).group(1)
    return section, cited, json.loads((ROOT / cited).read_text(encoding="utf-8"))


def test_the_preparation_section_is_rendered_from_the_result_it_cites():
    section, cited, result = cited_result()
    rendered = report.render(result, cited)
    assert section.strip() == rendered.strip()
    assert "| `ftcore prepare`, warm cache |" in rendered and "| warm / cold |" in rendered
    assert "Where a warm run's time goes: starting Python" in rendered


def test_a_result_without_the_warm_breakdown_still_renders():
    _, _, result = cited_result()
    prep = {k: v for k, v in result["preparation"].items() if k != "warm_parts"}
    rendered = report.render({**result, "preparation": prep}, "x.json")
    assert "| warm / cold |" in rendered and "Where a warm run's time goes" not in rendered
