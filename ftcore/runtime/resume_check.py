"""Whether ``ftcore run --resume`` would reproduce the run it continues, and what differs if not.

A run is reproduced when the training stage and every stage it reads from have the same
parameters, plugin versions and fingerprints (fingerprints follow the bytes of data files), the
data files have the same bytes, the same number of processes trains, and torch, DeepSpeed and
transformers have the same versions. Everything is compared from the two manifests: the one the
run wrote when it started and the one the resumed command would write.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Iterable, Optional

from ftcore.runtime.hashing import file_hash

SHOWN = 12  # differences listed before "... and N more"
TRAINING_LIBRARIES = ("torch", "deepspeed", "transformers", "peft")


def data_files(graph, stage_ids: Optional[Iterable[str]] = None) -> dict[str, dict[str, Any]]:
    """Hash and size of every data file the stages ``stage_ids`` (default: all) read."""
    wanted = set(stage_ids) if stage_ids is not None else None
    out: dict[str, dict[str, Any]] = {}
    for stage in graph.order():
        if wanted is not None and stage.id not in wanted:
            continue
        for path in stage.content_inputs:
            if path in out:
                continue
            try:
                size = os.stat(path).st_size
            except OSError:
                size = None
            out[path] = {"sha256": file_hash(path), "bytes": size}
    return out


def training_stages(graph_json: dict[str, Any]) -> list[str]:
    """Ids of the ``train`` stage and every stage it reads from, directly or not (all stages without one)."""
    stages = {s["id"]: s for s in graph_json.get("stages", [])}
    if "train" not in stages:
        return list(stages)
    found, todo = set(), ["train"]
    while todo:
        sid = todo.pop()
        if sid in found or sid not in stages:
            continue
        found.add(sid)
        todo += [ref.rpartition(".")[0] for ref in stages[sid].get("inputs", {}).values()]
    return [sid for sid in stages if sid in found]


def _leaves(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key, sub in value.items():
            out.update(_leaves(sub, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value:
        out = {}
        for i, sub in enumerate(value):
            out.update(_leaves(sub, f"{prefix}[{i}]"))
        return out
    return {prefix or "(value)": value}


def _project_folder(manifest: dict[str, Any]) -> Optional[str]:
    path = (manifest.get("recipe") or {}).get("path")
    return os.path.dirname(os.path.abspath(path)) if path else None


def _relocator(earlier: dict[str, Any], now: dict[str, Any]):
    """Map paths under the earlier recipe's folder to the same place under the current one.

    A project folder that was moved or copied (recipe, data and run together) resumes: only
    what the files hold is compared, not where the folder is.
    """
    old, new = _project_folder(earlier), _project_folder(now)
    if not old or not new or old == new:
        return lambda value: value

    def relocate(value):
        if isinstance(value, str) and (value == old or value.startswith(old + os.sep)):
            return new + value[len(old):]
        return value
    return relocate


def _show(value: Any) -> str:
    text = "(not set)" if value is None else repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def differences(earlier: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """What differs between two manifests in ways that change training, one line each (empty when none)."""
    lines: list[str] = []
    then_graph = {s["id"]: s for s in earlier.get("graph", {}).get("stages", [])}
    now_graph = {s["id"]: s for s in now.get("graph", {}).get("stages", [])}
    ids = training_stages(now.get("graph", {}))
    for sid in training_stages(earlier.get("graph", {})):
        if sid not in now_graph:
            lines.append(f"stage {sid} is gone")
    unexplained = []
    relocate = _relocator(earlier, now)
    for sid in ids:
        new = now_graph[sid]
        old = then_graph.get(sid)
        where = f" ({new['source']})" if new.get("source") else ""
        if old is None:
            lines.append(f"stage {sid}{where} is new")
            continue
        if old.get("plugin") != new.get("plugin"):
            lines.append(f"{sid}: plugin {old.get('plugin')} then, {new.get('plugin')} now")
        a = {k: relocate(v) for k, v in _leaves(old.get("params", {})).items()}
        b = _leaves(new.get("params", {}))
        changed = [k for k in sorted(set(a) | set(b)) if a.get(k, "<absent>") != b.get(k, "<absent>")]
        for key in changed:
            lines.append(f"{sid}{where}: {key} was {_show(a.get(key))}, is now {_show(b.get(key))}")
        if old.get("code") != new.get("code"):
            lines.append(f"{sid}: the code it runs changed ({old.get('code')} then, {new.get('code')} now)")
        if old.get("fingerprint") != new.get("fingerprint") and not changed:
            unexplained.append(sid)
    then_files, now_files = earlier.get("data_files"), now.get("data_files", {})
    if then_files is not None:
        then_files = {relocate(k): v for k, v in then_files.items()}
        for path in sorted(set(then_files) | set(now_files)):
            old, new = then_files.get(path), now_files.get(path)
            if old is None or new is None:
                continue  # a source that now reads another file shows up as a parameter change
            if old.get("sha256") != new.get("sha256"):
                size = f" ({old.get('bytes')} bytes then, {new.get('bytes')} now)" if old.get("bytes") != \
                    new.get("bytes") else ""
                lines.append(f"data file {path} changed{size}")
    if not lines and unexplained and then_files is None:  # without recorded file hashes, say what is known
        lines.append(f"the fingerprint of {', '.join(unexplained)} changed (the bytes of a data file they read)")
    then_p = (earlier.get("command") or {}).get("nproc"), (earlier.get("command") or {}).get("hostfile")
    now_p = (now.get("command") or {}).get("nproc"), (now.get("command") or {}).get("hostfile")
    if then_p[0] != now_p[0]:
        lines.append(f"training processes: {then_p[0]} then, {now_p[0]} now (--nproc)")
    if then_p[1] != now_p[1]:
        lines.append(f"hostfile: {then_p[1]} then, {now_p[1]} now (--hostfile)")
    then_set, now_set = (earlier.get("command") or {}).get("overrides"), (now.get("command") or {}).get("overrides")
    if lines and then_set is not None and list(then_set) != list(now_set or []):  # explains the changes above
        lines.append(f"--set: {' '.join(then_set) or '(none)'} then, {' '.join(now_set or []) or '(none)'} now")
    if earlier.get("seed") != now.get("seed"):
        lines.append(f"seed: {earlier.get('seed')} then, {now.get('seed')} now")
    for lib in TRAINING_LIBRARIES:
        a, b = (earlier.get("libraries") or {}).get(lib), (now.get("libraries") or {}).get(lib)
        if a and b and a != b:
            lines.append(f"{lib} {a} then, {b} now")
    return lines


def summarize(lines: list[str]) -> list[str]:
    """The first :data:`SHOWN` differences, and how many more there are."""
    if len(lines) <= SHOWN:
        return lines
    return lines[:SHOWN] + [f"... and {len(lines) - SHOWN} more"]


def resumed_manifest(earlier: dict[str, Any], now: dict[str, Any], changes: list[str]) -> dict[str, Any]:
    """The manifest of the resumed run: ``now``, with every earlier manifest kept whole under ``history``."""
    out = dict(now)
    previous = {k: v for k, v in earlier.items() if k != "history"}
    out["history"] = list(earlier.get("history") or []) + [previous]
    out["started"] = earlier.get("started")
    out["resumed"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    out["changes_allowed"] = list(changes)
    return out


def check_resume(run_dir: Path, now: dict[str, Any], *, allow_changes: bool, say) -> dict[str, Any]:
    """The manifest a resumed run writes; raises RunError when the run would not be reproduced.

    With ``allow_changes`` the differences are printed through ``say`` and recorded under
    ``changes_allowed`` instead; the earlier manifest is kept whole in ``history`` either way.
    """
    from ftcore.runtime.errors import RunError

    path = Path(run_dir) / "manifest.json"
    try:
        earlier = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(earlier, dict):
            raise ValueError("it does not hold a JSON object")
    except (OSError, ValueError) as exc:
        raise RunError(f"{path} cannot be read ({exc}); without it ftcore cannot tell whether resuming would "
                       "reproduce the run", "start a new run in another --out folder") from None
    lines = differences(earlier, now)
    if lines and not allow_changes:
        raise RunError(f"resuming {run_dir} would not reproduce the run; {len(lines)} difference(s) from when it "
                       "started:", "restore what changed, or add --allow-changes to continue with the new settings "
                       "(the manifest records the continuation and what changed)", details=summarize(lines))
    if lines:
        say(f"resuming with {len(lines)} change(s) (--allow-changes):")
        for line in summarize(lines):
            say(f"  {line}")
    return resumed_manifest(earlier, now, lines)
