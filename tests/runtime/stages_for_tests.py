"""Tiny stage implementations the executor tests run (importable as ``"module:attr"``)."""

import json
from pathlib import Path

CALLS: list[str] = []


class Source:
    """Reads a file named by the stage's content_inputs; cacheable."""

    @staticmethod
    def run(stage, inputs, ctx):
        CALLS.append(stage.id)
        text = Path(stage.content_inputs[0]).read_text()
        (ctx.output_dir / "out.json").write_text(json.dumps({"text": text}))
        return {"text": text}

    @staticmethod
    def load(stage, ctx):
        return json.loads((ctx.output_dir / "out.json").read_text())


class Upper:
    """Upper-cases its input, with a suffix parameter; cacheable."""

    @staticmethod
    def run(stage, inputs, ctx):
        CALLS.append(stage.id)
        out = inputs["text"].upper() + stage.params.get("suffix", "")
        (ctx.output_dir / "out.json").write_text(json.dumps({"text": out}))
        return {"text": out}

    @staticmethod
    def load(stage, ctx):
        return json.loads((ctx.output_dir / "out.json").read_text())


class Fails:
    """Writes a file, then fails; cacheable."""

    @staticmethod
    def run(stage, inputs, ctx):
        from ftcore.runtime.errors import RunError

        CALLS.append(stage.id)
        (ctx.output_dir / "half.json").write_text("{")
        raise RunError("data.jsonl:3: broken", "fix line 3")

    @staticmethod
    def load(stage, ctx):  # pragma: no cover - never complete
        return {}


class Uncached:
    """No load: always runs."""

    @staticmethod
    def run(stage, inputs, ctx):
        CALLS.append(stage.id)
        return {"value": 7}
