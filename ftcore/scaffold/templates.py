"""The files ``ftcore new-plugin`` writes, per kind: text with ``{dist}``, ``{package}``, ``{entry}``,
``{component}`` and ``{title}`` filled in (braces meant literally are doubled)."""

from __future__ import annotations

from ftcore.api.version import PLUGIN_API_VERSION

KINDS = ("source", "cleaner", "format", "metric", "exporter", "hook", "block")

PYPROJECT = '''[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{dist}"
version = "0.1.0"
description = "{summary}"
readme = "README.md"
requires-python = ">=3.10"
dependencies = ["ftcore"]

[project.optional-dependencies]
test = ["pytest>=8"]

# ftcore finds the plugin through this entry-point group, exactly like its built-in plugins.
[project.entry-points.ftcore]
{entry} = "{package}.plugin"

[tool.setuptools.packages.find]
include = ["{package}*"]
'''

README = '''# {dist}

{summary}

```
pip install -e ".[test]"
ftcore plugins          # lists "{entry}"
ftcore describe {describe}
python -m pytest -q
```

{usage}

Written for ftcore plugin API {api} (`FTCORE_PLUGIN_API` in `{package}/plugin.py`). See ftcore's
docs/writing_plugins.md for the contracts and hooks.
'''

HEADER = '''"""{summary}

This module is imported by every ftcore command (``ftcore check`` too), so it only declares:
the code that runs is named by ``impl`` and imported when a run needs it.
"""

{imports}

FTCORE_PLUGIN_API = "{api}"
'''

KIND_FILES = {
    "source": {
        "summary": "A data source for ftcore: one row per non-empty line of a text file.",
        "usage": 'In a recipe: `data d {{ source {component}("lines.txt", field: "text") ... }}`',
        "plugin": '''from ftcore.api import FilePath, Param, String


@hookimpl
def ftcore_register_components(register):
    """Declare the ``{component}`` source."""
    register.component(
        "source", "{component}",
        (Param("path", FilePath("file"), help="A UTF-8 text file, relative to the recipe."),
         Param("field", String(), "text", "The field each line goes into.", positional=False)),
        "One row per non-empty line of a text file.",
        impl="{package}.source:LinesSource",
    )
''',
        "module": ("source.py", '''"""The ``{component}`` source: one row per non-empty line of a text file."""

from ftcore.api import RunError, Source, SourceRow


class LinesSource(Source):
    """Yields ``{{field: line}}`` for every non-empty line, located as ``path:line``."""

    def read(self, args, ctx):
        """Stream the file's lines as rows."""
        path, shown = ctx.paths["path"], args["path"]
        try:
            handle = open(path, encoding="utf-8")
        except OSError as exc:
            raise RunError(f"{{shown}}: cannot be read: {{exc.strerror}}", "check the path and its permissions")
        with handle:
            for number, line in enumerate(handle, 1):
                text = line.rstrip("\\n")
                if text.strip():
                    yield SourceRow(f"{{shown}}:{{number}}", {{args["field"]: text}})
                else:
                    ctx.count("blank_lines")
'''),
        "test": '''from ftcore.api import SourceContext
from ftcore.testing import tiny_recipe
from {package}.source import LinesSource


def test_reads_one_row_per_line(tmp_path):
    path = tmp_path / "lines.txt"
    path.write_text("first line\\n\\nsecond line\\n")
    ctx = SourceContext(paths={{"path": path}})
    rows = list(LinesSource().read({{"path": "lines.txt", "field": "text"}}, ctx))
    assert [(r.location, r.row) for r in rows] == [("lines.txt:1", {{"text": "first line"}}),
                                                   ("lines.txt:3", {{"text": "second line"}})]
    assert ctx.stats == {{"blank_lines": 1}}


def test_a_missing_file_is_a_check_error(ftcore_errors):
    text = ftcore_errors(tiny_recipe("causal_lm", source='{component}("nowhere.txt")'))
    assert 'file "nowhere.txt" does not exist' in text


def test_trains_a_tiny_model_on_the_lines(ftcore_run):
    lines = "".join(f"the cat {{i}} sat on the mat\\n" for i in range(40))
    result = ftcore_run(tiny_recipe("causal_lm", source='{component}("lines.txt")'), files={{"lines.txt": lines}})
    assert result.status == 0, result.output
    assert result.summary["steps"] >= 1
''',
    },
    "cleaner": {
        "summary": "A cleaning step for ftcore: collapse runs of whitespace in a field.",
        "usage": 'In a recipe: `data d {{ clean {component}("text") ... }}`',
        "plugin": '''from ftcore.api import Param, String


@hookimpl
def ftcore_register_components(register):
    """Declare the ``{component}`` cleaner."""
    register.component(
        "cleaner", "{component}", (Param("field", String(), help="The field to rewrite."),),
        "Collapse runs of spaces, tabs and newlines in the field into single spaces.",
        impl="{package}.cleaner:CollapseWhitespace",
    )
''',
        "module": ("cleaner.py", '''"""The ``{component}`` cleaner: collapse runs of whitespace."""

from ftcore.api import Cleaner, rewrite_text


class CollapseWhitespace(Cleaner):
    """A rewrite: every run of whitespace becomes one space; leading and trailing space is removed."""

    mode = "rewrite"

    def apply(self, values):
        """The new value of each row's field (chat messages are rewritten one by one)."""
        return [rewrite_text(v, lambda text: " ".join(text.split())) for v in values]
'''),
        "test": '''from ftcore.testing import tiny_recipe, tiny_rows
from {package}.cleaner import CollapseWhitespace


def test_collapses_whitespace():
    step = CollapseWhitespace({{"field": "text"}})
    assert step.apply(["a  b\\n\\tc ", " d"]) == ["a b c", "d"]


def test_runs_in_a_recipe(ftcore_run):
    rows = tiny_rows().replace("my ", "my    ")
    result = ftcore_run(tiny_recipe(data='clean {component}("text")'), files={{"rows.jsonl": rows}})
    assert result.status == 0, result.output
''',
    },
    "format": {
        "summary": "A data format for ftcore: question and answer fields as a causal LM prompt and completion.",
        "usage": 'In a recipe: `data d {{ format {component}(question: "q", answer: "a") ... }}` with `task causal_lm`',
        "plugin": '''from ftcore.api import Param, String


@hookimpl
def ftcore_register_components(register):
    """Declare the ``{component}`` format."""
    register.component(
        "format", "{component}",
        (Param("question", String(), "question", "The field holding the question."),
         Param("answer", String(), "answer", "The field holding the answer; loss is on it only.")),
        "Q: <question> A: <answer>, with loss on the answer and the end-of-text token only.",
        impl="{package}.format:QuestionAnswer", tasks=("causal_lm",),
    )
''',
        "module": ("format.py", '''"""The ``{component}`` format: "Q: ... A: " as the prompt, the answer as the completion."""

from ftcore.api import IGNORE_INDEX, Encoded, Format


class QuestionAnswer(Format):
    """Loss only on the answer tokens and the end-of-text token."""

    causal = True

    def fields(self, args):
        """Both fields must hold text."""
        return {{args["question"]: "text", args["answer"]: "text"}}

    def encode(self, row, tokenizer, max_length, args, state, overlength="truncate"):
        """Prompt ids (no loss) followed by answer ids (loss), cut to ``max_length``."""
        bos = [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []
        eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
        prompt = bos + tokenizer(f"Q: {{row[args['question']]}}\\nA: ", add_special_tokens=False)["input_ids"]
        answer = tokenizer(row[args["answer"]], add_special_tokens=False)["input_ids"] + eos
        ids, labels = prompt + answer, [IGNORE_INDEX] * len(prompt) + answer
        full = len(ids)
        if full > max_length:
            if overlength == "drop":
                return Encoded(full_length=full, drop="longer than max_length")
            ids, labels = ids[:max_length], labels[:max_length]
        if all(label == IGNORE_INDEX for label in labels):
            return Encoded(full_length=full, truncated=full > max_length, drop="no answer tokens left")
        return Encoded(ids, labels, full, full > max_length)
'''),
        "test": '''import json

from ftcore.testing import tiny_recipe


def test_trains_on_questions_and_answers(ftcore_run):
    rows = "".join(json.dumps({{"q": f"what is {{i}} plus 1", "a": str(i + 1)}}) + "\\n" for i in range(40))
    recipe = tiny_recipe("causal_lm", format='{component}(question: "q", answer: "a")')
    result = ftcore_run(recipe, files={{"rows.jsonl": rows}})
    assert result.status == 0, result.output
    assert result.summary["steps"] >= 1


def test_is_refused_for_a_classifier(ftcore_errors):
    text = ftcore_errors(tiny_recipe("classification", format='{component}(question: "text", answer: "label")'))
    assert 'format "{component}" does not fit the model\\'s task classification' in text
''',
    },
    "metric": {
        "summary": "A metric for ftcore: the error rate of a classifier (1 - accuracy).",
        "usage": "In a recipe: `evaluate d.test {{ metrics accuracy, {component} }}`",
        "plugin": '''@hookimpl
def ftcore_register_components(register):
    """Declare the ``{component}`` metric."""
    register.component(
        "metric", "{component}", (), "Share of examples given the wrong class (1 - accuracy).",
        impl="{package}.metric:ErrorRate", tasks=("classification",),
    )
''',
        "module": ("metric.py", '''"""The ``{component}`` metric: share of examples classified wrongly."""

from ftcore.api import Metric


class ErrorRate(Metric):
    """Counts wrong and total predictions; merges by adding the counts of other processes."""

    needs = frozenset({{"predictions"}})
    higher_is_better = False

    def __init__(self, args, info):
        super().__init__(args, info)
        self.wrong = 0
        self.total = 0

    def update(self, batch):
        """Add one batch's predictions."""
        self.wrong += int((batch.predictions != batch.labels).sum())
        self.total += int(batch.labels.numel())

    def merge(self, other):
        """Add another process's counts."""
        self.wrong += other.wrong
        self.total += other.total

    def compute(self):
        """``{{"{component}": wrong / total}}``."""
        return {{"{component}": self.wrong / self.total if self.total else 0.0}}
'''),
        "test": '''import torch

from ftcore.api import EvalBatch, MetricInfo
from ftcore.testing import tiny_recipe, tiny_rows
from {package}.metric import ErrorRate


def test_counts_wrong_predictions_and_merges():
    a, b = ErrorRate({{}}, MetricInfo(task="classification")), ErrorRate({{}}, MetricInfo(task="classification"))
    a.update(EvalBatch(predictions=torch.tensor([0, 1, 2]), labels=torch.tensor([0, 1, 1])))
    b.update(EvalBatch(predictions=torch.tensor([2]), labels=torch.tensor([0])))
    a.merge(b)
    assert a.compute() == {{"{component}": 0.5}}


def test_reported_next_to_accuracy(ftcore_run):
    result = ftcore_run(tiny_recipe(extra="evaluate d.test {{ metrics accuracy, {component} }}"),
                        files={{"rows.jsonl": tiny_rows()}})
    assert result.status == 0, result.output
    test = result.evaluation("d.test")
    assert abs(test["{component}"] - (1 - test["accuracy"])) < 1e-9
''',
    },
    "exporter": {
        "summary": "An exporter for ftcore: the model's weights and a JSON list of their SHA-256 hashes.",
        "usage": 'In a recipe: `export {component}("out/model") {{}}`',
        "plugin": '''from ftcore.api import FilePath, Param


@hookimpl
def ftcore_register_components(register):
    """Declare the ``{component}`` exporter."""
    register.component(
        "exporter", "{component}", (Param("path", FilePath("folder", must_exist=False),
                                          help="The folder to write, relative to the recipe."),),
        "The model folder's files, with a hashes.json listing each file's SHA-256.",
        impl="{package}.exporter:HashedCopy",
    )
''',
        "module": ("exporter.py", '''"""The ``{component}`` exporter: copy the model files and list their hashes."""

import hashlib
import json
import shutil
from pathlib import Path

from ftcore.api import Exporter


class HashedCopy(Exporter):
    """Writes into a temporary folder, then renames it: a half-written export never stays behind."""

    def check(self, args):
        """A destination that is a file cannot be written (``args`` has paths made absolute)."""
        dest = Path(args["path"])
        if dest.is_file():
            return [(f'"{{args["path"]}}" is a file', "path", "export to a folder")]
        return []

    def export(self, request):
        """Copy every file of the model folder and write hashes.json; return the folder."""
        dest = Path(request.args["path"])
        tmp = dest.with_name(f".{{dest.name}}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(request.model_dir, tmp)
        hashes = {{p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(tmp.iterdir()) if p.is_file()}}
        (tmp / "hashes.json").write_text(json.dumps(hashes, indent=2))
        shutil.rmtree(dest, ignore_errors=True)
        tmp.rename(dest)
        return str(dest)
'''),
        "test": '''import hashlib
import json

from ftcore.testing import tiny_recipe, tiny_rows


def test_exports_weights_with_their_hashes(ftcore_run):
    result = ftcore_run(tiny_recipe(extra='export {component}("exported") {{}}'),
                        files={{"rows.jsonl": tiny_rows()}})
    assert result.status == 0, result.output
    folder = result.run_dir.parent / "exported"
    hashes = json.loads((folder / "hashes.json").read_text())
    assert "model.safetensors" in hashes
    assert hashes["model.safetensors"] == hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()
''',
    },
    "hook": {
        "summary": "A hook plugin for ftcore: write every training step's loss and learning rate to losses.csv.",
        "usage": "Installed, it writes `losses.csv` into every run directory; it needs nothing in the recipe.",
        "plugin": '''from pathlib import Path


@hookimpl
def ftcore_train_step_end(step, total, metrics, run_dir):
    """Append ``step,loss,lr`` to ``losses.csv`` in the run directory (an observer: it never changes training)."""
    path = Path(run_dir) / "losses.csv"
    new = not path.exists()
    with open(path, "a", encoding="utf-8") as f:
        if new:
            f.write("step,loss,lr\\n")
        f.write(f"{{step}},{{metrics['loss']}},{{metrics['lr']}}\\n")
''',
        "module": None,
        "test": '''from ftcore.testing import tiny_recipe, tiny_rows


def test_writes_one_line_per_step(ftcore_run):
    result = ftcore_run(tiny_recipe(), files={{"rows.jsonl": tiny_rows()}})
    assert result.status == 0, result.output
    lines = (result.run_dir / "losses.csv").read_text().splitlines()
    assert lines[0] == "step,loss,lr"
    assert [int(line.split(",")[0]) for line in lines[1:]] == list(range(1, result.summary["steps"] + 1))
''',
    },
    "block": {
        "summary": "A block for ftcore: `{component} {{ message ... }}` writes a note into the run directory.",
        "usage": 'In a recipe: `{component} {{ message "trained on the March export" }}`',
        "plugin": '''from ftcore.api import AttrSpec, BlockSpec, String

BLOCK = BlockSpec(
    name="{component}",
    help="Write a note into the run directory ({component}.txt), next to the manifest.",
    attrs=(AttrSpec.single("message", String(), help="The text of the note.", required=True),),
    example='{component} {{ message "trained on the March export" }}',
)


@hookimpl
def ftcore_register_components(register):
    """Declare the ``{component}`` block."""
    register.block(BLOCK)


@hookimpl
def ftcore_check_recipe(recipe, registry, diagnostics):
    """The note must not be empty."""
    block = recipe.block("{component}")
    if block is not None and not block["message"].strip():
        diagnostics.error("the note is empty", block.span_of("message"), 'write it: message "..."')


@hookimpl
def ftcore_lower(recipe, graph, registry):
    """One stage per recipe that writes the note."""
    block = recipe.block("{component}")
    if block is not None:
        graph.add_stage("{component}.note", "note", "{entry}", params={{"message": block["message"],
                        "recipe": recipe.name}}, impl="{package}.stage:NoteStage",
                        doc="write {component}.txt into the run directory", span=block.span)
''',
        "module": ("stage.py", '''"""The stage of the ``{component}`` block."""

from pathlib import Path


class NoteStage:
    """Writes the note; not cached (it has no ``load``), so it runs in every run."""

    def run(self, stage, inputs, ctx):
        """Write ``{component}.txt`` into the run directory (the stage's folder outside a run)."""
        folder = Path(ctx.run_dir or ctx.output_dir)
        (folder / "{component}.txt").write_text(f"{{stage.params['recipe']}}: {{stage.params['message']}}\\n")
        return {{}}
'''),
        "test": '''from ftcore.testing import tiny_recipe, tiny_rows


def test_an_empty_note_is_a_check_error(ftcore_errors):
    text = ftcore_errors(tiny_recipe(extra='{component} {{ message "  " }}'), files={{"rows.jsonl": tiny_rows()}})
    assert "error: the note is empty" in text and "1 error found" in text


def test_the_note_is_a_stage_of_the_graph(ftcore_compile):
    recipe, graph = ftcore_compile(tiny_recipe(extra='{component} {{ message "hello" }}'),
                                   files={{"rows.jsonl": tiny_rows()}})
    assert graph["{component}.note"].params["message"] == "hello"


def test_the_run_writes_the_note(ftcore_run):
    result = ftcore_run(tiny_recipe(extra='{component} {{ message "hello" }}'), files={{"rows.jsonl": tiny_rows()}})
    assert result.status == 0, result.output
    assert (result.run_dir / "{component}.txt").read_text() == "plugin-test: hello\\n"
''',
    },
}


def files_for(kind: str, names: dict[str, str]) -> dict[str, str]:
    """The distribution's files (relative path -> text) for a plugin of ``kind``."""
    spec = KIND_FILES[kind]
    fill = dict(names, api=PLUGIN_API_VERSION)
    fill["summary"] = spec["summary"].format(**fill)
    fill["usage"] = spec["usage"].format(**fill)
    fill["describe"] = names["component"] if kind != "hook" else names["entry"]
    package = names["package"]
    files = {
        "pyproject.toml": PYPROJECT.format(**fill),
        "README.md": README.format(**fill),
        f"{package}/__init__.py": f'"""{fill["summary"]}"""\n',
        f"{package}/plugin.py": _plugin_module(spec["plugin"].format(**fill), fill),
        f"tests/test_{names['entry']}.py": f'"""Tests of {names["dist"]}, with the fixtures of ftcore.testing."""\n\n'
                                           + spec["test"].format(**fill),
    }
    if spec["module"] is not None:
        rel, text = spec["module"]
        files[f"{package}/{rel}"] = text.format(**fill)
    return files


def _plugin_module(body: str, fill: dict[str, str]) -> str:
    """The plugin module: docstring, every import at the top, the API version, then the declarations."""
    lines = body.splitlines()
    imports = ["from ftcore.api import hookimpl"]
    while lines and (lines[0].startswith(("from ", "import ")) or not lines[0].strip()):
        line = lines.pop(0)
        if line.startswith("from ftcore.api import "):
            names = sorted({"hookimpl", *imports[0][len("from ftcore.api import "):].split(", "),
                            *line[len("from ftcore.api import "):].split(", ")})
            imports[0] = "from ftcore.api import " + ", ".join(names)
        elif line.strip():
            imports.insert(0, line)
    others = [line for line in imports if not line.startswith("from ftcore.api import ")]
    ours = [line for line in imports if line.startswith("from ftcore.api import ")]
    head = HEADER.format(**dict(fill, imports="\n\n".join(g for g in ("\n".join(others), "\n".join(ours)) if g)))
    return head + "\n\n" + "\n".join(lines).lstrip("\n") + "\n"
