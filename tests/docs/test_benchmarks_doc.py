"""docs/benchmarks.md tells the truth: its commands parse, its printed output is ftcore's, its numbers are the JSON's."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

from bench.__main__ import parse

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
SECTION = DOC[DOC.index("## ftcore side by side"):]


def blocks(text: str) -> list[str]:
    """The fenced code blocks of ``text``."""
    return re.findall(r"```\n(.*?)```", text, flags=re.S)


def test_bench_commands_parse():
    """Each `python -m bench` line is accepted by the harness's own argument parser; gpu.sh is valid bash."""
    lines = [line.split("#")[0].strip() for line in blocks(SECTION)[0].splitlines() if line.strip()]
    bench = [shlex.split(line)[3:] for line in lines if line.startswith("python -m bench")]
    assert len(bench) == 2
    for argv in bench:
        parse(argv)
    assert "bash bench/gpu.sh" in lines
    subprocess.run(["bash", "-n", str(ROOT / "bench" / "gpu.sh")], check=True)


def test_printed_memory_plan_is_ftcore_checks():
    """The `ftcore check` output shown is what ftcore check prints for that recipe (the stage count aside,
    which other plugins' stages change)."""
    [shown] = [b for b in blocks(SECTION) if b.startswith("$ ftcore check")]
    command, _, expected = shown.partition("\n")
    out = subprocess.run([sys.executable, "-m", "ftcore.cli", *shlex.split(command)[2:]], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    count = re.compile(r", \d+ stages$", flags=re.M)
    assert count.sub(", N stages", out.stdout) == count.sub(", N stages", expected)


def test_zero_table_comes_from_its_json():
    """Every row of the ZeRO table is the named result file's numbers, rounded."""
    name = re.search(r"raw data `(bench/results/[^`]+-zero\.json)`", SECTION).group(1)
    result = json.loads((ROOT / name).read_text())
    table = SECTION[SECTION.index("| ZeRO | plan"):].split("\n\n")[0].splitlines()[2:]
    assert len(table) == len(result["stages"]) == 4
    for line, row in zip(table, result["stages"]):
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells == [str(row["zero"]), f"{row['planned_mb']:.0f}", f"{row['steady_mb']:.0f}",
                         f"{row['steady_over_plan']:.2f}", f"{row['resident_mb']:.0f}",
                         f"{row['resident_over_plan']:.2f}", f"{row['peak_mb']:.0f}"]


def test_generated_tables_name_result_files_that_exist():
    """Each generated part names its raw data, and that file is in the repository."""
    for found in re.findall(r"raw data `([^`]+\.json)`", SECTION):
        assert (ROOT / found).is_file(), found


def test_generated_parts_are_their_json_rendered():
    """Each part between bench markers is exactly what bench/report.py renders from the JSON it names."""
    from bench.report import markers, render

    parts = re.findall(r"<!-- bench:([\w-]+):begin", DOC)
    assert "full" in parts
    for key in parts:
        begin, end = markers(key)
        shown = DOC[DOC.index(begin):DOC.index(end) + len(end)]
        name = re.search(r"raw data `([^`]+\.json)`", shown).group(1)
        assert shown == render(json.loads((ROOT / name).read_text()), name), f"rerender {name} into docs/benchmarks.md"


def test_op_build_numbers_come_from_their_json():
    """The two init_distributed times quoted are the named result's."""
    name = re.search(r"`(bench/results/[^`]+-op-build\.json)`", SECTION).group(1)
    runs = {r["mode"]: r for r in json.loads((ROOT / name).read_text())["runs"]}
    assert runs["default"]["compiled"] and not runs["ftcore"]["compiled"]
    assert f"**{runs['default']['seconds']:.1f} s** with the default" in SECTION
    assert f"**{runs['ftcore']['seconds']:.2f} s** with the op skipped" in SECTION
