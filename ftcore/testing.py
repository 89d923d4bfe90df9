"""A pytest plugin for plugin authors (loaded automatically through the ``pytest11`` entry point).

Fixtures:

- ``ftcore_host(only=None, extra=())``: a factory returning a :class:`~ftcore.plugins.manager.PluginHost`
  with only the named entry-point plugins plus ``extra`` ``(name, module)`` pairs — load just
  what your test is about, e.g. ``ftcore_host(only=["recipe"], extra=[("mine", my_plugin)])``.
- ``ftcore_recipe(text, name="recipe.ftr", files=None)``: writes recipe text (and the data files
  it reads, ``files``: name -> text or bytes) into the test's temporary folder and returns its path.
  ``ftcore_compile``, ``ftcore_errors`` and ``ftcore_warnings`` take ``files`` too.
- ``ftcore_compile(text, overrides=(), host=None)``: writes and compiles a recipe; returns
  ``(checked_recipe, run_graph)`` or raises :class:`~ftcore.lang.diagnostics.RecipeError`.
- ``ftcore_errors(text, overrides=(), host=None)``: the rendered diagnostics of a recipe that
  must fail to compile, as the command line prints them (paths relative to the temporary
  folder), for comparing with expected text.
- ``ftcore_warnings(text, overrides=(), host=None)``: the rendered warnings of a recipe that
  compiles (empty string when there are none).
- ``ftcore_one_torch_thread``: torch on one thread during the test (tiny models train fastest, and
  most steadily on a busy machine, so); use it with
  ``pytestmark = pytest.mark.usefixtures("ftcore_one_torch_thread")``.
- ``ftcore_stage(impl, params=None, inputs=None, ...)``: runs one stage implementation on given
  inputs, as the executor would (``run``, then ``load`` from what it wrote when the stage is
  cacheable), and returns its outputs.
- ``ftcore_run(text, files=None, overrides=(), host=None)``: writes the recipe (and ``files``:
  name -> text) into the temporary folder and runs it end to end in this process, like
  ``ftcore run`` (``files`` values: text, or bytes for binary files); returns a
  :class:`RunResult` (exit status, run folder, metrics, summary,
  printed text). Pair it with :func:`tiny_recipe` to train a tiny model in seconds.

:func:`tiny_recipe` writes a complete recipe for a task around a tiny random model (no download),
with lines of your own in each block; :func:`tiny_rows` writes data for it. :func:`pip_install`
installs distributions the way users do and returns an environment that finds them, for driving
``ftcore`` in a subprocess (:func:`run_ftcore`).

Nothing here imports torch or transformers until a run starts.
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

import pytest


@pytest.fixture
def ftcore_host():
    """Factory: ``ftcore_host(only=None, extra=())`` builds a plugin host with just those plugins."""
    from ftcore.plugins.manager import load_host

    def make(only=None, extra=()):
        return load_host(only=only, extra=extra)

    return make


def write_files(folder: Path, files: Optional[Mapping[str, Any]]) -> None:
    """Write ``files`` (name relative to ``folder`` -> ``str`` text or ``bytes``) into ``folder``."""
    for fname, content in (files or {}).items():
        path = folder / fname
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


@pytest.fixture
def ftcore_recipe(tmp_path):
    """Factory: ``ftcore_recipe(text, name="recipe.ftr", files=None)`` writes a recipe (and the files it
    reads: name -> text or bytes, next to it) and returns its path."""

    def write(text: str, name: str = "recipe.ftr", files: Optional[Mapping[str, Any]] = None) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        write_files(path.parent, files)
        return path

    return write


@pytest.fixture
def ftcore_compile(ftcore_recipe):
    """Factory: ``ftcore_compile(text, overrides=(), host=None, files=None)`` -> ``(recipe, graph)``."""
    from ftcore.compiler.pipeline import compile_recipe

    def run(text: str, overrides=(), host=None, name: str = "recipe.ftr", files=None):
        return compile_recipe(ftcore_recipe(text, name, files), overrides, host)

    return run


@pytest.fixture
def ftcore_errors(ftcore_recipe, tmp_path):
    """Factory: ``ftcore_errors(text, overrides=(), host=None, files=None)`` -> rendered diagnostics text."""
    from ftcore.compiler.pipeline import compile_recipe
    from ftcore.lang.diagnostics import RecipeError, render_all

    def run(text: str, overrides=(), host=None, name: str = "recipe.ftr", files=None) -> str:
        ftcore_recipe(text, name, files)
        cwd = os.getcwd()
        os.chdir(tmp_path)
        try:
            compile_recipe(name, overrides, host)
        except RecipeError as err:
            return render_all(err.diagnostics, getattr(err, "sources", None))
        finally:
            os.chdir(cwd)
        raise AssertionError("the recipe compiled without errors")

    return run


@pytest.fixture
def ftcore_warnings(ftcore_recipe, tmp_path):
    """Factory: ``ftcore_warnings(text, overrides=(), host=None, files=None)`` -> rendered warnings ("" if none)."""
    from ftcore.compiler.pipeline import compile_recipe
    from ftcore.lang.diagnostics import render_all

    def run(text: str, overrides=(), host=None, name: str = "recipe.ftr", files=None) -> str:
        ftcore_recipe(text, name, files)
        cwd = os.getcwd()
        os.chdir(tmp_path)
        try:
            recipe, _ = compile_recipe(name, overrides, host)
        finally:
            os.chdir(cwd)
        return render_all(recipe.warnings, recipe.sources) if recipe.warnings else ""

    return run


@pytest.fixture
def ftcore_one_torch_thread():
    """Torch on one thread for the test, restored after it (does nothing where torch is not installed)."""
    try:
        import torch
    except ImportError:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def ftcore_stage(tmp_path):
    """Factory: ``ftcore_stage(impl, params=None, inputs=None, id="test.stage", seed=0)`` -> outputs.

    ``impl`` is a stage implementation (an object with ``run`` and maybe ``load``) or its
    ``"module:attr"``. The stage writes into a fresh folder under the test's temporary folder.
    """
    from ftcore.compiler.graph import RunGraph
    from ftcore.plugins.components import import_ref
    from ftcore.runtime.context import StageContext

    counter = {"n": 0}

    def run(impl, params: Optional[Mapping[str, Any]] = None, inputs: Optional[Mapping[str, Any]] = None,
            id: str = "test.stage", seed: int = 0, outputs: Optional[Mapping[str, str]] = None,
            options: Optional[Mapping[str, Any]] = None):
        code = import_ref(impl) if isinstance(impl, str) else impl
        graph = RunGraph("test")
        stage = graph.add_stage(id, "test", "test", params=dict(params or {}), outputs=dict(outputs or {}),
                                impl=impl if isinstance(impl, str) else None)
        counter["n"] += 1
        out_dir = tmp_path / "stages" / f"{counter['n']}-{id}"
        out_dir.mkdir(parents=True)
        ctx = StageContext(output_dir=out_dir, cache_dir=tmp_path / "cache", run_dir=tmp_path, seed=seed,
                           graph=graph, options=dict(options or {}), stage_id=id)
        result = code.run(stage, dict(inputs or {}), ctx)
        return code.load(stage, ctx) if hasattr(code, "load") else result

    return run


@dataclass
class RunResult:
    """What :func:`ftcore_run` saw: ``status`` (0 ok, 2 recipe error...), the ``run_dir``, every line
    of ``metrics.jsonl``, ``summary`` (the train summary) and ``output`` (what was printed)."""

    status: int
    run_dir: Optional[Path]
    output: str
    metrics: list = field(default_factory=list)
    summary: dict = field(default_factory=dict)

    def evaluation(self, split: str) -> dict:
        """The metrics an ``evaluate`` block reported for ``split`` (``"d.test"``)."""
        found = [m for m in self.metrics if m.get("split") == split]
        if not found:
            raise AssertionError(f"no evaluation of {split} in metrics.jsonl; output:\n{self.output}")
        return found[-1]


@pytest.fixture
def ftcore_run(tmp_path):
    """Factory: ``ftcore_run(text, files=None, overrides=(), host=None)`` -> :class:`RunResult`.

    Runs in this process on the CPU, with the stage cache and the run folder in the test's
    temporary folder. ``files`` maps file names (relative to the recipe) to their text (``str``) or
    content (``bytes``).
    """
    from rich.console import Console

    from ftcore.runtime.run import run_command

    counter = {"n": 0}

    def run(text: str, files: Optional[Mapping[str, str]] = None, overrides=(), host=None,
            name: str = "recipe.ftr") -> RunResult:
        counter["n"] += 1
        folder = tmp_path / f"run{counter['n']}"
        folder.mkdir()
        write_files(folder, files)
        (folder / name).write_text(text, encoding="utf-8")
        out = folder / "run"
        buffer = io.StringIO()
        console = Console(file=buffer, width=120, force_terminal=False, color_system=None)
        status = run_command(str(folder / name), overrides=list(overrides), out=str(out), console=console,
                             cache_dir=str(folder / "cache"), host=host, command_line=["ftcore", "run", name])
        run_dir = out if out.is_dir() else None
        metrics, summary = [], {}
        if run_dir is not None and (run_dir / "metrics.jsonl").is_file():
            metrics = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines() if line]
        if run_dir is not None and (run_dir / "train_summary.json").is_file():
            summary = json.loads((run_dir / "train_summary.json").read_text())
        return RunResult(status, run_dir, buffer.getvalue(), metrics, summary)

    return run


TINY_MODELS = {
    "classification": 'tiny(arch: "bert", layers: 1, hidden: 32, heads: 2, intermediate: 64)',
    "causal_lm": 'tiny(arch: "llama", layers: 1, hidden: 32, heads: 2, intermediate: 64)',
    "seq2seq": 'tiny(arch: "t5", layers: 1, hidden: 32, heads: 2, intermediate: 64)',
}
TINY_FORMATS = {
    "classification": 'classification(text: "text", label: "label")',
    "causal_lm": 'text(field: "text")',
    "seq2seq": 'seq2seq(source: "text", target: "label")',
}


def tiny_rows(task: str = "classification", rows: int = 48, seed: int = 0) -> str:
    """JSON Lines text of ``rows`` small learnable rows with ``text`` and ``label`` fields."""
    words = {"billing": ["refund", "charge", "invoice"], "tech": ["crash", "error", "bug"],
             "account": ["password", "login", "email"]}
    r = random.Random(seed)
    lines = []
    for i in range(rows):
        label = sorted(words)[i % 3]
        lines.append(json.dumps({"text": f"my {r.choice(words[label])} issue {i}", "label": label}))
    return "\n".join(lines) + "\n"


def tiny_recipe(task: str = "classification", *, data: str = "", model: str = "", train: str = "",
                extra: str = "", source: str = 'jsonl("rows.jsonl")', format: Optional[str] = None,
                name: str = "plugin-test") -> str:
    """A complete recipe that trains a tiny random model for ``task`` in seconds.

    ``data``, ``model`` and ``train`` add lines inside those blocks; ``extra`` adds blocks at the
    end (``evaluate d.test { metrics ... }``); ``source`` and ``format`` replace the data block's.
    Write the rows with :func:`tiny_rows` as ``rows.jsonl`` next to it.
    """
    return f"""recipe "{name}" {{ seed 1 }}
data d {{
  source {source}
  split train: 80%, eval: 10%, test: 10%
  format {format or TINY_FORMATS[task]}
  {data}
}}
model {{
  base {TINY_MODELS[task]}
  task {task}
  max_length 32
  {model}
}}
train {{
  epochs 1  batch 8
  optimizer adamw(lr: 1e-3)
  {train}
}}
{extra}
"""


def pip_install(*folders: Path, target: Path) -> dict[str, str]:
    """Install the distributions in ``folders`` with pip (no dependencies) into ``target``; return an
    environment whose Python finds them, as after ``pip install``, for :func:`run_ftcore`.

    Raises AssertionError with pip's output when it fails.
    """
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                           "--target", str(target), *map(str, folders)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    env = dict(os.environ, PYTHONPATH=str(target) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("FTCORE_PLUGINS", None)  # every installed plugin loads, as for a user
    return env


def run_ftcore(env: Mapping[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """``ftcore ARGS...`` in a subprocess with ``env`` (see :func:`pip_install`), in ``cwd``; output captured."""
    return subprocess.run([sys.executable, "-m", "ftcore.cli", *args], capture_output=True, text=True, env=dict(env),
                          cwd=cwd)
