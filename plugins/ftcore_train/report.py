"""``report.html``: one self-contained page per run directory (no network; pictures embedded as PNG data URIs).

It shows the training and evaluation loss and the learning rate over the steps, every evaluated
metric with the starting model's value and the gain (``baseline true``), a confusion-matrix
picture for classifiers, sample generations next to their references, the data summary, and the
run's recipe, settings and library versions. Everything is read from the run directory
(``manifest.json``, ``metrics.jsonl``, ``predictions/``, ``data_summary.json``), so ``ftcore report
RUN_DIR`` rebuilds the page of any finished run. Pictures are drawn with matplotlib's Agg backend.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
from pathlib import Path
from typing import Any

DATA_SUMMARY = "data_summary.json"
LOWER_IS_BETTER = ("loss", "perplexity")
SAMPLES = 8
STYLE = """body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;
vertical-align:top}th{background:#f3f3f3}pre{background:#f7f7f7;padding:1rem;overflow:auto}.num{text-align:right}
img{max-width:100%}.gain-pos{color:#176b20}.gain-neg{color:#a01818}"""


def _records(run_dir: Path) -> list[dict]:
    path = run_dir / "metrics.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _png(figure) -> str:
    """A matplotlib figure as an ``<img>`` with a data URI (the figure is closed)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    plt.close(figure)
    return f'<img alt="" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def _curves(records: list[dict]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [r for r in records if "step" in r and "split" not in r]
    evals = [r for r in records if r.get("split") == "eval" and "step" in r]
    if not steps:
        return "<p>No training steps were logged.</p>"
    figure, (loss_ax, lr_ax) = plt.subplots(1, 2, figsize=(10, 3.2))
    loss_ax.plot([r["step"] for r in steps], [r["loss"] for r in steps], label="train loss")
    if evals:
        loss_ax.plot([r["step"] for r in evals], [r["loss"] for r in evals], "o-", label="eval loss")
    loss_ax.set_xlabel("optimizer step")
    loss_ax.set_title("loss")
    loss_ax.legend()
    lr_ax.plot([r["step"] for r in steps], [r.get("lr", 0.0) for r in steps], color="tab:green")
    lr_ax.set_xlabel("optimizer step")
    lr_ax.set_title("learning rate")
    return _png(figure)


def _confusion(matrix: dict[str, Any], title: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, counts = matrix["labels"], matrix["counts"]
    size = max(3.0, 0.5 * len(labels) + 1.5)
    figure, ax = plt.subplots(figsize=(size, size))
    ax.imshow(counts, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    top = max((max(row) for row in counts), default=0)
    for i, row in enumerate(counts):
        for j, n in enumerate(row):
            ax.text(j, i, str(n), ha="center", va="center", color="white" if top and n > top / 2 else "black")
    return _png(figure)


def _e(value: Any) -> str:
    return html.escape(str(value), quote=False)  # text nodes only; no value goes into an attribute


def _metric_table(record: dict[str, Any]) -> str:
    base, gain = record.get("baseline") or {}, record.get("gain") or {}
    head = "<tr><th>metric</th><th>fine-tuned</th>" + ("<th>starting model</th><th>gain</th>" if base else "") + "</tr>"
    rows = []
    for name, value in record.items():
        if name in ("split", "examples", "baseline", "gain", "baseline_is") or isinstance(value, (bool, dict, list)) \
                or not isinstance(value, (int, float)):
            continue
        row = f"<tr><td>{_e(name)}</td><td class=num>{value:.4f}</td>"
        if base:
            if name in gain:
                better = gain[name] < 0 if name in LOWER_IS_BETTER else gain[name] > 0
                cls = "gain-pos" if better else "gain-neg"
                row += f"<td class=num>{base[name]:.4f}</td><td class='num {cls}'>{gain[name]:+.4f}</td>"
            else:
                row += "<td></td><td></td>"
        rows.append(row + "</tr>")
    note = f"<p>Starting model: {_e(record['baseline_is'])}.</p>" if record.get("baseline_is") else ""
    return f"<table>{head}{''.join(rows)}</table>{note}"


def _samples(run_dir: Path, split: str) -> str:
    path = run_dir / "predictions" / f"{split}.jsonl"
    if not path.is_file():
        return ""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[:SAMPLES] if line.strip()]
    if not rows:
        return ""
    generated = "generated" in rows[0]
    answer = "generated" if generated else "prediction"
    with_base = any("baseline" in r for r in rows)
    head = ("<tr><th>#</th><th>input</th><th>reference</th><th>fine-tuned</th>"
            + ("<th>starting model</th>" if with_base else "") + "</tr>")
    body = []
    for r in rows:
        cells = [r.get("index", ""), r.get("prompt", r.get("input", "")), r.get("reference", ""), r.get(answer, "")]
        if with_base:
            cells.append((r.get("baseline") or {}).get(answer, ""))
        body.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>")
    title = "Sample generations" if generated else "Sample predictions"
    return (f"<h3>{title}</h3><table>{head}{''.join(body)}</table>"
            f"<p>Every example: <code>predictions/{_e(split)}.jsonl</code>.</p>")


def _data(run_dir: Path) -> str:
    path = run_dir / DATA_SUMMARY
    if not path.is_file():
        return "<p>No data summary was recorded.</p>"
    info = json.loads(path.read_text(encoding="utf-8"))
    rows = "".join(f"<tr><td>{_e(k)}</td><td class=num>{_e(v)}</td></tr>" for k, v in (info.get("rows") or {}).items())
    extra = []
    if info.get("label_names"):
        extra.append(f"<p>Labels: {_e(', '.join(map(str, info['label_names'])))}</p>")
    if info.get("max_length"):
        extra.append(f"<p>Longest input: {_e(info['max_length'])} tokens (format {_e(info.get('format', '?'))}).</p>")
    return f"<table><tr><th>split</th><th>examples</th></tr>{rows}</table>{''.join(extra)}"


def build_report(run_dir: Path) -> Path:
    """Write ``report.html`` in ``run_dir`` from what the run left there (through a temporary file); returns its path."""
    run_dir = Path(run_dir)
    manifest_path = run_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    records = _records(run_dir)
    recipe = manifest.get("recipe") or {}
    parts = [f"<h1>{_e(recipe.get('name', run_dir.name))}</h1>",
             f"<p>Run directory <code>{_e(run_dir)}</code>; started {_e(manifest.get('started', '?'))}; "
             f"seed {_e(manifest.get('seed', '?'))}.</p>",
             "<h2>Training</h2>", _curves(records), "<h2>Evaluation</h2>"]
    finals = [r for r in records if "split" in r and "step" not in r]
    if not finals:
        parts.append("<p>The recipe has no evaluate block.</p>")
    for record in finals:
        split = record["split"]
        parts.append(f"<h3>{_e(split)} ({_e(record.get('examples', 0))} examples)</h3>")
        parts.append(_metric_table(record))
        if isinstance(record.get("confusion_matrix"), dict):
            parts.append(_confusion(record["confusion_matrix"], f"{split}: fine-tuned"))
            base = record.get("baseline") or {}
            if isinstance(base.get("confusion_matrix"), dict):
                parts.append(_confusion(base["confusion_matrix"], f"{split}: starting model"))
        parts.append(_samples(run_dir, split))
    parts += ["<h2>Data</h2>", _data(run_dir), "<h2>Recipe</h2>", f"<pre>{_e(recipe.get('text', ''))}</pre>",
              "<h2>Libraries</h2><table>" + "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>"
                                                  for k, v in (manifest.get("libraries") or {}).items()) + "</table>",
              "<h2>Command</h2>", f"<pre>{_e(' '.join((manifest.get('command') or {}).get('argv') or []))}</pre>"]
    page = (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{_e(recipe.get('name', 'run'))} report"
            f"</title><style>{STYLE}</style></head><body>{''.join(parts)}</body></html>\n")
    target = run_dir / "report.html"
    tmp = run_dir / f".report.html.{os.getpid()}.tmp"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    return target


class ReportStage:
    """The ``report`` stage: keeps the data summary in the run directory and writes ``report.html``."""

    def run(self, stage, inputs, ctx):
        """Return ``path``: the report written for this run."""
        run_dir = Path(ctx.run_dir) if ctx.run_dir is not None else Path(ctx.output_dir)
        info = inputs.get("info") or {}
        keep = {k: info[k] for k in ("rows", "label_names", "max_length", "format", "task") if k in info}
        (run_dir / DATA_SUMMARY).write_text(json.dumps(keep, indent=2), encoding="utf-8")
        path = build_report(run_dir)
        return {"path": str(path)}

    def rebuild(self, run_dir: Path) -> Path:
        """``ftcore report RUN_DIR``: write the page again from the run directory alone."""
        return build_report(Path(run_dir))


REPORT_STAGE = ReportStage()
