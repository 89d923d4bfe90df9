"""``ftcore prepare RECIPE``: run only the data stages and print what happened to every row.

The summary shows, per data block: rows in and out of each stage, rows dropped by reason (with
the first bad rows as ``path:line: reason``), what each cleaning step removed or changed, split
sizes, token-length percentiles, truncation counts, and a few decoded examples with the tokens
that carry loss highlighted (and wrapped in ``[[...]]`` so they show without colour too).

Lists (rows per label, per source) wrap to the terminal's width under their own indentation, and
are never wrapped when the output is not a terminal. Other libraries' output goes to
``prepare.log`` in the stage cache (shown too with ``verbose``).
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any, Callable, Optional

from ftcore.runtime.cache import default_cache_dir

EXIT_OK, EXIT_FAILED, EXIT_RECIPE = 0, 1, 2


def data_targets(graph) -> list[str]:
    """The ids of every data stage of the graph (their upstream stages run as needed)."""
    return [s.id for s in graph if s.id.startswith("data.")]


def prepare_command(recipe_path: str, *, overrides: list[str], show: int, cache_dir: Optional[str],
                    console, host=None, verbose: bool = False) -> int:
    """Compile the recipe, run its data stages through the cache, print the summary; return the exit code.

    0 prepared, 1 a stage failed (bad data, a tokenizer that cannot be loaded: the message says
    which and where), 2 a mistake in the recipe.
    """
    from ftcore.compiler.pipeline import compile_recipe
    from ftcore.lang.diagnostics import RecipeError, render_all
    from ftcore.runtime.capture import OutputCapture
    from ftcore.runtime.errors import RunError
    from ftcore.runtime.executor import Executor

    from ftcore.plugins.manager import load_host

    host = host or load_host()
    try:
        recipe, graph = compile_recipe(recipe_path, overrides, host)
    except RecipeError as err:
        console.print(render_all(err.diagnostics, getattr(err, "sources", None)), markup=False, highlight=False,
                      soft_wrap=True)
        return EXIT_RECIPE
    targets = data_targets(graph)
    if not targets:
        console.print(f"{recipe_path}: the recipe has no data block; nothing to prepare")
        return EXIT_OK
    if importlib.util.find_spec("datasets") is None:  # pragma: no cover - the ML stack is an optional dependency
        console.print("error: ftcore prepare needs the machine-learning stack: pip install 'ftcore[train]'")
        return EXIT_FAILED
    cache = Path(cache_dir).resolve() if cache_dir else default_cache_dir(recipe_path)
    block = recipe.block("recipe")
    say = lambda m: console.print(m, markup=False, highlight=False, soft_wrap=True)  # noqa: E731
    executor = Executor(graph, cache, recipe=recipe, seed=block.get("seed", 42) if block is not None else 42,
                        plugins=host.registry.plugins,
                        logger=lambda m: console.print(m, style="dim", markup=False, highlight=False, soft_wrap=True))
    capture = OutputCapture(cache / "prepare.log", verbose=verbose, console=console, note=say)
    try:
        with capture:
            outputs = executor.run(targets)
            tokenizer = _tokenizer_of(outputs, graph, executor)
            for data_block in recipe.blocks_of("data"):
                examples = _examples_of(data_block.label, outputs, graph, tokenizer, show, cache)
                print_summary(console, data_block.label, outputs, graph, examples)
    except RunError as err:
        say(err.render())
        return EXIT_FAILED
    ran, hit = executor.executed, executor.cache_hits
    say(f"\n{len(ran)} stage(s) ran, {len(hit)} reused from the cache")
    say(f"stage cache: {cache}")
    say(f"  last_prepare.json: every stage's report; prepare.log: {capture.lines} line(s) of other libraries' "
        "output (--verbose shows them)")
    summary = {label: {sid: outputs[sid].get("report") for sid in targets if sid.startswith(f"data.{label}.")}
               for label in (b.label for b in recipe.blocks_of("data"))}
    (cache / "last_prepare.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    return EXIT_OK


def _tokenizer_of(outputs, graph, executor) -> Optional[tuple[str, Callable[[], Any]]]:
    """``(fingerprint, function returning it)`` of the first tokenize stage's tokenizer, or None.

    Its stage is run (or found in the cache) here, so the progress lines do not depend on ``--show``;
    the tokenizer itself is read only when examples are rendered.
    """
    for sid in outputs:
        if sid.endswith(".tokenize") and sid.startswith("data."):
            ref = graph[sid].inputs.get("tokenizer")
            if ref:
                sid2, _, out = ref.rpartition(".")
                if sid2 not in outputs:
                    outputs.update(executor.run([sid2]))
                stage_outputs = outputs[sid2]
                return graph[sid2].fingerprint, lambda: stage_outputs[out]
    return None


def _examples_of(label: str, outputs: dict, graph, tokenizer, show: int, cache: Path) -> Optional[list]:
    """The ``show`` decoded training examples of data block ``label`` (None: none to show), stored in
    the cache once rendered (:mod:`ftcore.runtime.prepare_examples`)."""
    from ftcore.runtime.prepare_examples import cached_examples, examples_key

    sid = f"data.{label}.tokenize"
    tok = outputs.get(sid)
    if not tok or show <= 0 or tokenizer is None:
        return None
    tokenizer_fingerprint, get_tokenizer = tokenizer
    key = examples_key(graph[sid].fingerprint, tokenizer_fingerprint, show) \
        if graph[sid].fingerprint and tokenizer_fingerprint else None
    return cached_examples(cache, key, lambda: decoded_examples(tok["train"], tok["info"], get_tokenizer(), show))


def print_summary(console, label: str, outputs: dict, graph, examples: Optional[list] = None) -> None:
    """Print one data block's summary (see the module docstring); ``examples``: decoded rows as rich Texts."""
    from rich.padding import Padding
    from rich.text import Text

    prefix = f"data.{label}"
    width = console.width if console.is_terminal else None
    console.print(f"\n[bold]data {label}[/bold]", soft_wrap=True)
    for sid in [s.id for s in graph if s.id.startswith(prefix + ".")]:
        report = outputs.get(sid, {}).get("report")
        if report:
            for line in describe_report(report):
                for part in wrap_line("  " + line, width):
                    console.print(part, highlight=False, markup=False, soft_wrap=True)
    if examples is not None:
        console.print("  examples (train; [[...]] and green: carries loss):", highlight=False, markup=False,
                      soft_wrap=True)
        for text in examples:
            if width is None:
                console.print(Text("    ") + text, highlight=False, soft_wrap=True)
            else:
                console.print(Padding(text, (0, 0, 0, 4)), highlight=False)


def wrap_line(line: str, width: Optional[int]) -> list[str]:
    """``line`` cut to ``width`` columns at ", " or spaces, continuation lines indented under its content.

    The content starts after the first ``": "`` (``train by label: a 1, b 2``) or, without one,
    after the leading word (``load      13 rows``). ``width`` None (not a terminal): one line.
    """
    import textwrap

    if width is None or len(line) <= width:
        return [line]
    head, sep, content = line.partition(": ")
    if sep and len(head) + 2 < width // 2:
        indent = len(head) + 2
        if ", " in content:  # keep each item ("bug_report 288") on one line
            line = head + sep + ", ".join(item.replace(" ", "\xa0") for item in content.split(", "))
    else:
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped) + len(stripped.split(" ", 1)[0]) + 1
        indent = indent if indent < width // 2 else 4
    wrapped = textwrap.wrap(line, width=width, subsequent_indent=" " * indent, break_long_words=False,
                            break_on_hyphens=False) or [line]
    return [part.replace("\xa0", " ") for part in wrapped]


def describe_report(report: dict[str, Any]) -> list[str]:
    """A stage report as summary lines."""
    stage = report["stage"]
    if stage == "load":
        lines = [f"load      {report['rows_out']} rows from {len(report['sources'])} source(s)"]
        for s in report["sources"]:
            extra = f", {s['blank_lines']} blank lines ignored" if s.get("blank_lines") else ""
            target = f" → {s['split']}" if s.get("split") else (f" (weight {s['weight']:g})" if s["weight"] != 1 else "")
            lines.append(f"            {s['source']}: {s['rows']} rows{extra}{target}")
        return lines
    if stage == "validate":
        lines = [f"validate  {report['rows_in']} → {report['rows_out']} rows"]
        lines += [f"            dropped {n}: {reason}" for reason, n in report["dropped"].items()]
        lines += [f"            {e}" for e in report["bad_examples"][:5]]
        return lines
    if stage == "clean":
        lines = [f"clean     {report['rows_in']} → {report['rows_out']} rows"]
        for s in report["steps"]:
            what = f"removed {s['removed']}" if "removed" in s else f"changed {s['changed']}"
            lines.append(f"            {s['step']}: {what}")
        return lines
    if stage == "split":
        parts = ", ".join(f"{k} {v['rows']}" for k, v in report["splits"].items())
        lines = [f"split     {report['rows_in']} rows → {parts}"]
        for k, v in report["splits"].items():
            for key, dist in v.items():
                if key.startswith("by "):
                    lines.append(f"            {k} {key}: " + ", ".join(f"{a} {b}" for a, b in dist.items()))
        return lines
    if stage == "tokenize":
        lines = []
        for k, v in report["splits"].items():
            pct = v["token_lengths"]
            lengths = ", ".join(f"{a} {b}" for a, b in pct.items())
            drop = "".join(f", dropped {n} ({r})" for r, n in v["dropped"].items())
            packed = f", packed into {v['packed_sequences']} sequences" if "packed_sequences" in v else ""
            lines.append(f"tokenize  {k}: {v['rows_in']} → {v['rows_out']} rows, {v['truncated']} truncated{drop}"
                         f"{packed}; tokens {lengths}")
            if v.get("labels_not_in_train"):
                lines.append(f"            labels not in train: {', '.join(v['labels_not_in_train'])}")
        return lines
    return [json.dumps(report)]


WORDPIECE_SPACES = ((re.compile(r"(\d)([.,]) (\d)"), r"\1\2\3"), (re.compile(r"(\d) : (\d)"), r"\1:\2"),
                    (re.compile(r"([$£€#@(\[{]) "), r"\1"), (re.compile(r" ([)\]}%])"), r"\1"))


def decode(tokenizer, ids, skip_special_tokens: bool = False) -> str:
    """Token ids as text the way the tokenizer would print it.

    WordPiece tokenizers (BERT and its kin) split at every punctuation mark and decode with a
    space around each (``it ' s $ 49. 99``); their clean-up step and the joins above undo that
    (``it's $49.99``). Byte-level BPE tokenizers decode exactly and are left alone.
    """
    model = getattr(getattr(tokenizer, "backend_tokenizer", None), "model", None)
    if type(model).__name__ != "WordPiece":
        return tokenizer.decode(ids, skip_special_tokens=skip_special_tokens)
    text = tokenizer.decode(ids, skip_special_tokens=skip_special_tokens, clean_up_tokenization_spaces=True)
    for pattern, joined in WORDPIECE_SPACES:
        text = pattern.sub(joined, text)
    return text


def decoded_examples(dataset, info: dict, tokenizer, count: int) -> list:
    """Decode up to ``count`` rows as rich Texts; loss-carrying spans are wrapped in ``[[...]]`` and green."""
    from rich.text import Text

    out = []
    for row in dataset.select(range(min(count, len(dataset)))):
        text = Text()
        if info.get("label_names") is not None:
            text.append(decode(tokenizer, row["input_ids"], skip_special_tokens=True) + " → ")
            text.append(f"[[{info['label_names'][row['labels']]}]]", style="green")
        elif info.get("task") == "seq2seq":
            text.append(decode(tokenizer, row["input_ids"]) + " → ")
            text.append(f"[[{decode(tokenizer, [t for t in row['labels'] if t != -100])}]]", style="green")
        else:
            pieces, run, loss = [], [], None
            for tok_id, lab in zip(row["input_ids"], row["labels"]):
                carries = lab != -100
                if loss is not None and carries != loss:
                    pieces.append((loss, run))
                    run = []
                run.append(tok_id)
                loss = carries
            if run:
                pieces.append((loss, run))
            for carries, ids in pieces:
                piece = decode(tokenizer, ids).replace("\n", "⏎")
                text.append(f"[[{piece}]]" if carries else piece, style="green" if carries else None)
        out.append(text)
    return out

