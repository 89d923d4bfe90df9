"""``ftcore predict RUN_DIR|MODEL_DIR``: a trained model's answers to new inputs, as JSON lines.

Inputs come from a file (``.jsonl``/``.json`` lines with a text field, ``.csv`` with a text
column, ``.txt`` one input per line) or standard input (lines of text, or JSON lines when the
first line is an object). All inputs are read and checked before the model loads, so a bad row
costs nothing (it is reported as ``file:line``). The model is loaded by whichever plugin's
``ftcore_load_predictor`` recognises the folder; answers are computed in batches with a progress
bar on the terminal, and written to standard output or to ``--output`` (through a temporary file,
renamed when complete). Each line is ``{"input": ..., <the predictor's answer>}``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import time
from pathlib import Path
from typing import Optional, TextIO

from ftcore.plugins.errors import PluginError
from ftcore.runtime.errors import RunError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PLUGIN = 0, 1, 2, 5


class InputError(Exception):
    """An input that cannot be read: the message names the file and line."""


def model_folder(path: Path) -> Path:
    """The model folder a path names: a run directory's ``model/``, or the folder itself."""
    if (path / "model").is_dir() and not (path / "config.json").is_file():
        return path / "model"
    return path


def _json_text(obj, field: str, where: str) -> str:
    if not isinstance(obj, dict):
        raise InputError(f"{where}: expected a JSON object with a \"{field}\" field, got {type(obj).__name__}")
    if field not in obj:
        fields = ", ".join(f'"{k}"' for k in obj) or "none"
        raise InputError(f'{where}: no "{field}" field (fields: {fields}); choose one with --field')
    value = obj[field]
    if not isinstance(value, str):
        raise InputError(f'{where}: "{field}" is {type(value).__name__}, not text')
    return value


def read_inputs(stream: TextIO, name: str, kind: str, field: str) -> list[str]:
    """The texts of ``stream`` (``kind``: jsonl, csv or txt); every problem is an :class:`InputError` at its line."""
    texts: list[str] = []
    if kind == "csv":
        reader = csv.DictReader(stream)
        if reader.fieldnames is None or field not in reader.fieldnames:
            columns = ", ".join(reader.fieldnames or []) or "none"
            raise InputError(f'{name}:1: no "{field}" column (columns: {columns}); choose one with --field')
        for row in reader:
            texts.append(row[field] or "")
        return texts
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        if kind == "txt":
            texts.append(line.rstrip("\r\n"))
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name}:{number}: not JSON ({exc.msg} at column {exc.colno})") from None
        texts.append(_json_text(obj, field, f"{name}:{number}"))
    return texts


def input_kind(path: Optional[str], first_line: str = "") -> str:
    """jsonl, csv or txt, from the file's extension (standard input: jsonl when it starts with an object)."""
    if path in (None, "-"):
        return "jsonl" if first_line.lstrip().startswith("{") else "txt"
    suffix = Path(path).suffix.lower()
    if suffix in (".jsonl", ".json", ".ndjson"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    return "txt"


def load_texts(path: Optional[str], field: str, stdin: TextIO) -> list[str]:
    """Every input text, from ``path`` or ``stdin`` (``None`` or ``-``)."""
    if path in (None, "-"):
        data = stdin.read()
        first = next((line for line in data.splitlines() if line.strip()), "")
        return read_inputs(io.StringIO(data), "<stdin>", input_kind(None, first), field)
    file = Path(path)
    if not file.is_file():
        raise InputError(f"{path}: no such file")
    with open(file, encoding="utf-8", newline="") as f:
        try:
            return read_inputs(f, path, input_kind(path), field)
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def predict_command(path: str, *, input_path: Optional[str] = None, field: str = "text", output: Optional[str] = None,
                    batch: int = 16, options=None, console=None, stdin: TextIO = None, stdout: TextIO = None,
                    host=None) -> int:
    """Answer every input with the model at ``path``; returns the exit status."""
    from rich.console import Console

    from ftcore.api import PredictOptions
    from ftcore.plugins.manager import load_host

    console = console or Console(stderr=True, highlight=False)
    say = lambda m: console.print(m, markup=False, highlight=False, soft_wrap=True)  # noqa: E731
    folder = model_folder(Path(path))
    if not folder.is_dir():
        say(f"error: {path}: no such folder")
        say("  = help: give a run directory (runs/<recipe>/<run id>) or a model folder (config.json, model.safetensors)")
        return EXIT_USAGE
    if batch < 1:
        say("error: --batch must be at least 1")
        return EXIT_USAGE
    try:
        texts = load_texts(input_path, field, stdin or sys.stdin)
    except InputError as exc:
        say(f"error: {exc}")
        return EXIT_FAILED
    host = host or load_host()
    options = options or PredictOptions()
    quiet = _quiet_libraries(console)
    try:
        with quiet:
            predictor = host.hook.ftcore_load_predictor(model_dir=folder, options=options)
            if predictor is None:
                raise RunError(f"{folder} holds no model an installed plugin can load",
                               "give a run directory or a folder with config.json and model.safetensors")
            answers = _answer(predictor, texts, batch, console)
    except (RunError, PluginError) as exc:
        say(exc.render())
        if quiet.log.is_file():
            say(f"  other libraries' output: {quiet.log}")
        return EXIT_PLUGIN if isinstance(exc, PluginError) else EXIT_FAILED
    lines = [json.dumps({"input": t, **a}, ensure_ascii=False) + "\n" for t, a in zip(texts, answers)]
    if output:
        target = Path(output)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_text("".join(lines), encoding="utf-8")
        os.replace(tmp, target)
        say(f"{len(lines)} prediction(s) written to {target}")
    else:
        out = stdout or sys.stdout
        out.writelines(lines)
        out.flush()
    return EXIT_OK


def _answer(predictor, texts: list[str], batch: int, console) -> list[dict]:
    """The predictor's answers in batches, with a progress bar when the console is a terminal."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    answers: list[dict] = []
    start = time.monotonic()
    progress = Progress(TextColumn("predict"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=console, transient=True, disable=not console.is_terminal)
    with progress:
        task = progress.add_task("predict", total=len(texts))
        for i in range(0, len(texts), batch):
            part = texts[i:i + batch]
            found = predictor.predict(part)
            if not isinstance(found, list) or len(found) != len(part):
                raise RunError(f"the predictor {type(predictor).__name__} gave {len(found) if isinstance(found, list) else found!r} "
                               f"answers for {len(part)} inputs", "report this to the plugin that provides it")
            answers += found
            progress.advance(task, len(part))
    if console.is_terminal:
        console.print(f"predicted {len(texts)} input(s) in {time.monotonic() - start:.1f}s", markup=False)
    return answers


class _quiet_libraries:
    """Other libraries' output (warnings, progress bars) goes to a log file, not the terminal; the log is
    removed afterwards unless something failed, then its path is shown."""

    def __init__(self, console):
        import tempfile

        from ftcore.runtime.capture import OutputCapture

        handle, name = tempfile.mkstemp(prefix="ftcore-predict-", suffix=".log")
        os.close(handle)
        self.log = Path(name)
        self.capture = OutputCapture(self.log, console=console)

    def __enter__(self):
        self.capture.__enter__()
        return self

    def __exit__(self, typ, value, tb):
        self.capture.__exit__(typ, value, tb)
        if typ is None or not self.log.stat().st_size:
            self.log.unlink(missing_ok=True)
        return False
