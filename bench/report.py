"""The tables of a benchmark result, in Markdown; and their place in docs/benchmarks.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional


def markers(key: str) -> tuple[str, str]:
    """The comments around the generated part ``key`` of a docs file: the mode (quick, full, gpu), then
    ``-<part>`` for each part a run was limited to with ``--only``."""
    return f"<!-- bench:{key}:begin (python -m bench --docs writes this part) -->", f"<!-- bench:{key}:end -->"


LOOPS = {"ftcore": "ftcore run", "deepspeed": "hand-written DeepSpeed loop", "torch": "plain PyTorch AdamW loop",
         "hf_trainer": "Hugging Face Trainer"}
PHASES = ("python start-up", "import ftcore", "compile", "stage model.tokenizer", "stage data.d.load",
          "stage data.d.validate", "stage data.d.clean", "stage data.d.split", "stage data.d.tokenize",
          "train setup", "process group", "model build", "deepspeed init", "steps", "evaluation", "checkpoint",
          "save model/", "stage evaluate.d.test", "stage export.0")


# dense bf16 peak of each GPU (vendor data sheets, SXM parts), for model FLOPs utilisation
PEAK_BF16_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0, "L4": 121.0, "A10": 125.0}


def peak_tflops(gpu: Optional[str]) -> Optional[float]:
    """The dense bf16 peak of ``gpu`` (BENCH_PEAK_TFLOPS overrides); None when unknown."""
    import os

    if os.environ.get("BENCH_PEAK_TFLOPS"):
        return float(os.environ["BENCH_PEAK_TFLOPS"])
    for name, tflops in PEAK_BF16_TFLOPS.items():
        if gpu and name in gpu:
            return tflops
    return None


def num(value: Optional[float], digits: int = 2) -> str:
    """A number for a table, or a dash."""
    if value is None:
        return "–"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def cell(s: dict[str, Any], digits: int = 2) -> str:
    """``median (min–max)``, or the median alone for one run."""
    if not s or s.get("median") is None:
        return "–"
    if s["runs"] == 1:
        return num(s["median"], digits)
    return f"{num(s['median'], digits)} ({num(s['min'], digits)}–{num(s['max'], digits)})"


def training_tables(t: dict[str, Any]) -> list[str]:
    """Throughput, memory, ratios and fixed cost of one workload."""
    lines = [f"### {t['workload']}: {t['describe']}", "",
             f"Batch {t['batch']}, {t['steps']} optimizer steps, {t['reps']} repetition(s); throughput over the "
             f"steps after the first {t['warmup_steps']}. Cells: median (min–max over repetitions).", "",
             "| loop | tokens/s | s/step | peak RSS (MiB) | spawn → first step (s) | last step → exit (s) | final loss |",
             "|---|---|---|---|---|---|---|"]
    for key, name in LOOPS.items():
        if key not in t["variants"]:
            continue
        v = t["variants"][key]
        lines.append(f"| {name} | {cell(v['tokens_per_s'], 0)} | {cell(v['step_s'], 3)} | {cell(v['peak_rss_mb'], 0)} | "
                     f"{cell(v['first_step_s'], 1)} | {cell(v['after_last_step_s'], 1)} | {v['final_loss']:.6f} |")
    lines += ["", "| ftcore against | step time ratio | tokens/s ratio | peak RSS ratio | final loss, relative difference |",
              "|---|---|---|---|---|"]
    for key in (k for k in ("deepspeed", "torch", "hf_trainer") if k in t["ratios"]):
        r = t["ratios"][key]
        lines.append(f"| {LOOPS[key]} | {cell(r['step_time'], 3)} | {cell(r['tokens_per_s'], 3)} | "
                     f"{cell(r['peak_rss'], 3)} | {t['loss_agreement'][key]:.1e} |")
    peak = peak_tflops(t.get("gpu"))
    if t.get("gpu") and t.get("params"):
        lines += ["", f"On {t['gpu']} ({t['params'] / 1e9:.2f}B parameters, {t.get('precision')}); model FLOPs "
                  f"utilisation = 6 × parameters × tokens/s / {peak or '?'} TFLOP/s (dense bf16 peak; attention "
                  "FLOPs not counted):", "", "| loop | MFU | peak GPU memory (MiB) |", "|---|---|---|"]
        for key, name in LOOPS.items():
            v = t["variants"].get(key)
            if not v:
                continue
            tps = v["tokens_per_s"]["median"]
            mfu = f"{6 * t['params'] * tps / (peak * 1e12):.1%}" if (peak and tps) else "–"
            lines.append(f"| {name} | {mfu} | {cell(v.get('peak_gpu_mb') or {}, 0)} |")
    phases = t["ftcore_phases"]
    lines += ["", "Where ftcore's wall time goes (seconds since the process was spawned; nested phases are "
              "part of the one above them; imports counted where they first happen):", "",
              "| phase | seconds |", "|---|---|"]
    for name in PHASES + tuple(sorted(k for k in phases if k.startswith("import ") and k != "import ftcore")):
        if name in phases:
            lines.append(f"| {name} | {cell(phases[name], 2)} |")
    ds = t["baseline_phases"].get("deepspeed") or {}
    if ds:
        lines += ["", "The hand-written DeepSpeed loop's own start-up (first repetition): " + ", ".join(
            f"{k} {v:.2f} s" for k, v in ds.items() if k in ("python start-up", "imports", "model build",
                                                            "deepspeed init")) + "."]
    return lines + [""]


def load_verdict(m: dict[str, Any]) -> str:
    """What the load average says about the times: a machine busy with other work inflates them."""
    if m["load_at_start"][0] <= 1.5 and (m.get("load_at_end") or [0])[0] <= 1.5:
        return "nothing else ran (the benchmark's own process is the load of 1); the ratios come from the same repetition."
    return "the machine was shared, so absolute times are inflated; the ratios come from the same repetition."


def render(result: dict[str, Any], source: Any) -> str:
    """Every table of ``result``, with the machine and the command."""
    m = result["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    begin, end = markers(result.get("key", result["mode"]))
    lines = [begin, "", f"Measured {m['date']} with `{result['command'].strip()}` ({result['mode']}, "
             f"{result['reps']} repetition(s)); raw data `{source}`.", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python {m['python']}, {versions}. "
             f"Load average (1, 5, 15 min) at start {m['load_at_start']}, at end {m.get('load_at_end')}: "
             f"{load_verdict(m)}", ""]
    for t in result.get("training", []):
        lines += training_tables(t)
    pk = result.get("packing")
    for one in (pk if isinstance(pk, list) else [pk] if pk else []):  # one part per workload (a dict before)
        lines += ["### Packing" + (f": {one['describe']}" if isinstance(pk, list) else ""), "",
                  f"{one['describe']}, batch {one['batch']}, {one['steps']} steps, texts with "
                  "log-normal lengths; `pack true` against the same recipe without it:", "",
                  "| data | useful tokens/s | padding share |", "|---|---|---|",
                  f"| packed | {cell(one['packed']['useful_tokens_per_s'], 0)} | {cell(one['packed']['padding_share'], 3)} |",
                  f"| padded | {cell(one['padded']['useful_tokens_per_s'], 0)} | {cell(one['padded']['padding_share'], 3)} |",
                  f"| ratio packed / padded (goal ≥ {one['goal']:g}) | {cell(one['ratio'], 2)} | |", ""]
    pr = result.get("preparation")
    if pr:
        s, g = pr["seconds"], pr["goals"]
        lines += ["### Preparation", "", f"{pr['rows']:,} rows through the quickstart's data block (clean, "
                  "stratified split, MiniLM tokenizer), whole processes:", "",
                  "| run | seconds | rows/s |", "|---|---|---|",
                  f"| `ftcore prepare`, empty cache | {cell(s['cold'], 2)} | {cell(pr['rows_per_s']['cold'], 0)} |",
                  f"| `ftcore prepare`, warm cache | {cell(s['warm'], 2)} | {cell(pr['rows_per_s']['warm'], 0)} |",
                  f"| the same work in `datasets` | {cell(s['direct'], 2)} | {cell(pr['rows_per_s']['direct'], 0)} |",
                  "", "| ratio | value | goal |", "|---|---|---|",
                  f"| warm / cold | {cell(pr['warm_over_cold'], 2)} | < {g['warm_over_cold']:g} |",
                  f"| cold / `datasets` | {cell(pr['cold_over_direct'], 2)} | ≤ {g['cold_over_direct']:g} |", ""]
        cp = pr.get("column_pass")
        if cp:
            lines += [f"One pass over a column of {pr['rows']:,} rows (3 times, in the harness's process): iterating "
                      f"`dataset[name]` {cell(cp['iterate_column'], 3)} s, `ftcore_data.store.column` "
                      f"{cell(cp['store_column'], 3)} s.", ""]
        wp = pr.get("warm_parts")
        if wp:
            lines += ["Where a warm run's time goes: starting Python (`python -c pass`, a fresh process after each "
                      f"warm run) {cell(wp['python'], 3)} s; `ftcore check` on the same recipe (start-up, ftcore's "
                      f"imports, the compile) {cell(wp['check'], 3)} s; hashing the data file (3 times, in the "
                      f"harness's process) {cell(wp['hash_data_file'], 3)} s; the rest is reading the stage reports "
                      "and printing.", ""]
    c = result.get("compile")
    if c:
        lines += compile_tables(c)
    return "\n".join(lines + [end])


def compile_tables(c: dict[str, Any]) -> list[str]:
    """``ftcore check`` against ``python -c pass``, warm and cold user cache, and the phases of a check."""
    if "check_cold_s" not in c:  # a result from before the cold and floor series: rendered as it was then
        return ["### Compile latency", "", f"`ftcore check {c['recipe']}` against `python -c pass`, fresh "
                "processes alternating:", "", "| command | seconds | ", "|---|---|",
                f"| ftcore check | {cell(c['check_s'], 2)} |", f"| python -c pass | {cell(c['python_s'], 2)} |",
                f"| ratio (goal ≤ {c['goal']:g}) | {cell(c['ratio'], 1)} |", ""]
    lines = ["### Compile latency", "", f"`ftcore check {c['recipe']}` against `python -c pass`, fresh processes "
             "alternating; bytecode compiled first, as `pip install` does; the user cache filled by one check first "
             "(cold: an empty user cache each time, as the first check after an install or upgrade):", "",
             "| command | seconds |", "|---|---|", f"| ftcore check | {cell(c['check_s'], 3)} |",
             f"| ftcore check, cold user cache | {cell(c['check_cold_s'], 3)} |",
             f"| python -c pass | {cell(c['python_s'], 3)} |",
             f"| ratio (goal ≤ {c['goal']:g}) | {cell(c['ratio'], 1)} |",
             f"| ratio, cold user cache | {cell(c['ratio_cold'], 1)} |"]
    if "floor_s" in c:
        lines += [f"| python -c \"{c['floor']}\" | {cell(c['floor_s'], 3)} |",
                  f"| ratio of that import alone | {cell(c['ratio_floor'], 1)} |"]
    lines.append("")
    if c.get("phases_s"):
        lines += ["Where a check's time goes, timed inside fresh processes (a standard-library module counts in the "
                  "phase that imports it first); the rest of the check's time is the interpreter's start-up and exit, "
                  "`-m`, the command line and the output:", "", "| phase | ms |", "|---|---|"]
        lines += [f"| {name} | {cell(_in_ms(s), 1)} |" for name, s in c["phases_s"].items()]
        lines.append("")
    return lines


def _in_ms(s: dict[str, Any]) -> dict[str, Any]:
    """A summary of seconds as one of milliseconds."""
    return {k: v * 1000 if k in ("median", "min", "max") and v is not None else v for k, v in s.items()}


def update_docs(path: Path, tables: str, key: str) -> None:
    """Replace the generated part ``key`` of ``path`` (between its markers) with ``tables``; append it if absent."""
    begin, end = markers(key)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if begin in text and end in text:
        head, _, rest = text.partition(begin)
        _, _, tail = rest.partition(end)
        text = head + tables + tail
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + tables + "\n"
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
