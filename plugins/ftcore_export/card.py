"""The model card (README.md) written next to an exported model.

It says what the model is (task, base model as the recipe names it, adapter, labels), how it was
made (the recipe's text, the data's rows per split, training steps), how well it does (every
evaluated metric, with the starting model's value and the gain when the recipe asked for a
baseline), what it is for and where it falls short, and how to use it: a Python snippet with the
``Auto*`` class of the task that runs as written from the recipe's folder.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

AUTO_CLASSES = {"classification": "AutoModelForSequenceClassification",
                "token_classification": "AutoModelForTokenClassification",
                "causal_lm": "AutoModelForCausalLM", "seq2seq": "AutoModelForSeq2SeqLM"}
SKIPPED = {"split", "examples", "baseline", "gain", "baseline_is", "confusion_matrix"}


def number(value: Any) -> str:
    """Integers as integers (``363``), other numbers with four decimals."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    return f"{value:.4f}"


def use_snippet(task: str, folder: str, labels: Sequence[str]) -> list[str]:
    """Python lines that load the exported model with the right Auto class and use it once."""
    auto = AUTO_CLASSES.get(task, "AutoModel")
    lines = ["```python", f"from transformers import {auto}, AutoTokenizer", "",
             f"folder = {folder!r}",
             "tokenizer = AutoTokenizer.from_pretrained(folder)",
             f"model = {auto}.from_pretrained(folder)"]
    if task == "classification":
        lines += ['inputs = tokenizer(["my card was charged twice"], return_tensors="pt")',
                  "predicted = model(**inputs).logits.argmax(-1).item()",
                  "print(model.config.id2label[predicted])"]
    elif task in ("causal_lm", "seq2seq"):
        lines += ['inputs = tokenizer("How do I reset my password?", return_tensors="pt")',
                  "output = model.generate(**inputs, max_new_tokens=32)",
                  "start = inputs[\"input_ids\"].shape[1]" if task == "causal_lm" else "start = 0",
                  "print(tokenizer.decode(output[0][start:], skip_special_tokens=True))"]
    return lines + ["```"]


def _metrics_table(metrics: Mapping[str, Mapping[str, Any]]) -> list[str]:
    baseline = any(isinstance(v.get("baseline"), Mapping) for v in metrics.values())
    head = ["| split | metric | value | starting model | gain |", "|---|---|---|---|---|"] if baseline else \
        ["| split | metric | value |", "|---|---|---|"]
    lines = ["## Metrics", ""] + head
    for split, values in metrics.items():
        base, gain = values.get("baseline") or {}, values.get("gain") or {}
        for name, value in values.items():
            if name in SKIPPED or isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            row = f"| {split} | {name} | {number(value)} |"
            if baseline:
                row += (f" {number(base[name])} | {gain[name]:+.4f} |" if name in gain else " | |")
            lines.append(row)
    notes = [f"- {split}: {values['examples']} examples" + (f"; starting model: {values['baseline_is']}"
                                                            if values.get("baseline_is") else "")
             for split, values in metrics.items() if "examples" in values]
    return lines + ([""] + notes if notes else [])


def model_card(recipe: str, *, task: str, base: str, adapter: str, labels: list[str],
               metrics: Mapping[str, Mapping[str, Any]], summary: Mapping[str, Any],
               recipe_text: str = "", data: Optional[Mapping[str, Any]] = None, folder: str = ".") -> str:
    """What the model is, how it was made and how well it does, its intended use and limits, and how to load it."""
    lines = [f"# {recipe}", "", "Fine-tuned with ftcore.", "",
             f"- task: {task}",
             f"- base model: {base}",
             f"- adapter: {adapter}",
             f"- optimizer steps: {number(summary.get('steps', 0))}"]
    if labels:
        lines.append(f"- labels: {', '.join(labels)}")
    rows = dict((data or {}).get("rows") or {})
    if rows:
        lines.append("- data: " + ", ".join(f"{number(n)} {split}" for split, n in rows.items()) + " examples")
    if metrics:
        lines += [""] + _metrics_table(metrics)
    seen = f"the {number(rows['train'])} training examples it saw" if rows.get("train") else "its training data"
    lines += ["", "## Intended use and limits", "",
              f"Made for what the recipe below describes ({task}), on text like {seen}"
              f"{'; it can only answer with the labels above' if labels else ''}. The metrics are measured on "
              "held-out examples of the same data: expect lower numbers on other kinds of text, other languages "
              "or inputs longer than the recipe's max_length. It inherits the base model's biases and can be "
              "confidently wrong: check its answers before acting on them."]
    lines += ["", "## Use", ""] + use_snippet(task, folder, labels)
    if recipe_text:
        lines += ["", "## Recipe", "", "```", recipe_text.rstrip("\n"), "```"]
    return "\n".join(lines) + "\n"
