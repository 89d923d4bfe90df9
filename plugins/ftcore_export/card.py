"""The model card (README.md) written next to an exported model."""

from __future__ import annotations

from typing import Any, Mapping


def model_card(recipe: str, *, task: str, base: str, adapter: str, labels: list[str],
               metrics: Mapping[str, Mapping[str, Any]], summary: Mapping[str, Any]) -> str:
    """What the model is, its labels, how it was trained and its metrics, in Markdown."""
    lines = [f"# {recipe}", "", "Fine-tuned with ftcore.", "",
             f"- task: {task}",
             f"- base model: {base}",
             f"- adapter: {adapter}",
             f"- optimizer steps: {summary.get('steps')}"]
    if labels:
        lines.append(f"- labels: {', '.join(labels)}")
    if metrics:
        lines += ["", "## Metrics", "", "| split | metric | value |", "|---|---|---|"]
        for split, values in metrics.items():
            for name, value in values.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    lines.append(f"| {split} | {name} | {value:.4f} |")
    lines += ["", "## Use", "", "```python", "from transformers import AutoModel, AutoTokenizer",
              "model = AutoModel.from_pretrained(\"<this folder>\")", "```", ""]
    return "\n".join(lines)
