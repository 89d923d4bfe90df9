"""What the data plugin declares: the ``data`` block and every source, cleaner, split method and format.

Pure declarations (no machine-learning imports): ``ftcore check`` and ``ftcore describe`` read
them. Each component's ``impl`` names the class implementing its kind's contract in
:mod:`ftcore.api` as ``"module:Class"``; the kinds are declared with those contracts, so a
third party's component of any of them is held to the same one.
"""

from __future__ import annotations

from ftcore.api import (KIND_CONTRACTS, AttrSpec, BlockSpec, Boolean, Choice, Component, FilePath, Float, Fraction,
                        Integer, ListOf, OneOf, Param, ParamType, PortionType, String, TypeProblem)
from ftcore.lang import ast


class Name(ParamType):
    """A bare identifier (``tickets``) or a string; converts to ``str``. Used for the data block's label."""

    description = "a name"

    def convert(self, value, ctx):
        if isinstance(value, ast.Ref) and len(value.parts) == 1:
            return value.parts[0]
        if isinstance(value, ast.Str) and value.value.isidentifier():
            return value.value
        raise self.fail(value, "use letters, digits and _, e.g. data tickets { ... }")

class DataPath(FilePath):
    """A data file or folder, relative to the recipe that names it (a :class:`FilePath`): a missing
    one is a "data file", and reading the wrong kind says which sources read the other kind."""

    def _check_exists(self, path, value) -> None:
        try:
            super()._check_exists(path, value)
        except TypeProblem as problem:
            message, hint = problem.message, problem.hint
            if message.endswith("does not exist"):
                message = f"data {message}"
            elif self.kind == "folder" and message.endswith("not a folder"):
                hint = "use jsonl(...), json(...), csv(...) or parquet(...) for a single file"
            elif self.kind == "file" and message.endswith("not a file"):
                hint = 'use text_files("folder") or disk("folder") for a folder'
            raise TypeProblem(message, problem.span, hint) from None


KINDS = {
    "source": "Where rows come from: a file, a folder, a saved dataset or a hub dataset.",
    "cleaner": "A step that removes or rewrites rows before splitting; each reports what it did.",
    "split_method": "How rows are assigned to train/eval/test: at random (seeded) or by a stable hash.",
    "format": "How rows become model inputs (token ids and the labels that carry loss).",
}

_WEIGHT = Param("weight", Float(min=0, min_open=True), 1.0,
                "How often each row of this source appears in the training split, relative to others "
                "(2: twice; 0.5: a seeded half). Eval and test splits are never re-weighted.",
                positional=False)

SOURCES = [
    ("jsonl", "ftcore_data.sources:JSONL",
     (Param("path", DataPath("file"), help="A JSON Lines file (one object per line), relative to the recipe."),),
     "JSON Lines: one JSON object per line. Bad lines are reported as path:line."),
    ("json", "ftcore_data.sources:JSON",
     (Param("path", DataPath("file"), help="A JSON file, relative to the recipe."),
      Param("field", String(), "", "The key holding the list of rows when the file is an object; "
                                   "empty: the file is a list of rows.", positional=False)),
     "A JSON file holding a list of objects (rows are reported as path#index)."),
    ("csv", "ftcore_data.sources:CSV",
     (Param("path", DataPath("file"), help="A CSV file with a header line, relative to the recipe."),
      Param("delimiter", String(), ",", "The field separator (one character).", positional=False)),
     "CSV with a header line; every value is a string. Rows are reported as path:line."),
    ("parquet", "ftcore_data.sources:PARQUET",
     (Param("path", DataPath("file"), help="A Parquet file, relative to the recipe."),),
     "A Parquet file (rows are reported as path#index)."),
    ("text_files", "ftcore_data.sources:TEXT_FILES",
     (Param("path", DataPath("folder"), help="A folder, relative to the recipe."),
      Param("pattern", String(), "**/*.txt", "Glob of the files to read, relative to the folder.",
            positional=False),
      Param("field", String(), "text", "The field each file's text goes into.", positional=False)),
     "A folder of UTF-8 text files, one row per file."),
    ("disk", "ftcore_data.sources:DISK",
     (Param("path", DataPath("folder"), help="A folder written by datasets' save_to_disk, relative to the recipe."),
      Param("split", String(), "train", "Which split to read when the folder holds a DatasetDict.",
            positional=False)),
     "A Hugging Face datasets Dataset or DatasetDict saved to disk."),
    ("hub", "ftcore_data.sources:HUB",
     (Param("name", String(), help='A dataset id on the Hugging Face Hub, e.g. "imdb".'),
      Param("split", String(), "train", "Which split to read.", positional=False),
      Param("config", String(), "", "The dataset's configuration name, if it has several.", positional=False),
      Param("revision", String(), "", "A git revision to pin (recommended for reproducibility).",
            positional=False)),
     "A dataset from the Hugging Face Hub (needs network access, or the datasets cache)."),
]

_FIELD = Param("field", String(), help="The field the step looks at (for a chat field: every message's content).")

CLEANERS = [
    ("drop_empty", (_FIELD,), "Drop rows whose field is empty or only whitespace."),
    ("dedupe", (_FIELD, Param("normalize", Boolean(), False,
                              "Compare normalized text (Unicode NFKC, case-folded, whitespace collapsed) "
                              "instead of the exact value.", positional=False)),
     "Drop rows whose field repeats an earlier row's (the first one is kept)."),
    ("min_chars", (_FIELD, Param("limit", Integer(min=0), help="Fewest characters a row may have.")),
     "Drop rows whose field has fewer characters than the limit."),
    ("max_chars", (_FIELD, Param("limit", Integer(min=1), help="Most characters a row may have.")),
     "Drop rows whose field has more characters than the limit."),
    ("max_tokens", (_FIELD, Param("limit", Integer(min=1), help="Most tokens a row may have.")),
     "Drop rows whose field has more tokens (with the model's tokenizer) than the limit."),
    ("keep_regex", (_FIELD, Param("pattern", String(), help="A Python regular expression.")),
     "Keep only rows whose field matches the pattern (anywhere in the text)."),
    ("drop_regex", (_FIELD, Param("pattern", String(), help="A Python regular expression.")),
     "Drop rows whose field matches the pattern (anywhere in the text)."),
    ("normalize_unicode", (_FIELD, Param("form", Choice("NFC", "NFKC", "NFD", "NFKD"), "NFKC",
                                         "The Unicode normalization form.", positional=False)),
     "Rewrite the field in a Unicode normal form (counts the rows it changed)."),
    ("mask_emails", (_FIELD, Param("replacement", String(), "[EMAIL]", "What replaces each address.",
                                   positional=False)),
     "Replace e-mail addresses in the field (counts the rows it changed)."),
    ("mask_phones", (_FIELD, Param("replacement", String(), "[PHONE]", "What replaces each number.",
                                   positional=False)),
     "Replace phone numbers (7+ digits, with spaces, dots, dashes, brackets or a leading +) in the field."),
]

SPLIT_METHODS = [
    ("random", "RandomSplit", (), "Shuffle with the recipe's seed, then cut (the default)."),
    ("hash", "HashSplit", (Param("field", String(), help="A field that identifies a row (an id)."),),
     "Assign each row by a hash of its field: a row keeps its split when the data set grows."),
]

DEFAULT_TEMPLATE = "### Instruction:\n{prompt}\n\n### Response:\n"

FORMATS = [
    ("classification", "ClassificationFormat",
     (Param("text", String(), "text", "The field holding the text to classify."),
      Param("label", String(), "label", "The field holding the class (a string or an integer)."),
      Param("labels", ListOf(String()), [], "The label set, in order; empty: every label seen, sorted. "
                                            "With a set, other labels are bad rows.", positional=False),
      Param("text_pair", String(), "", "A second text field, encoded as a pair with the first.",
            positional=False)),
     ("classification",), "Text and a label; the label set is recorded and stored with the model."),
    ("instruction", "InstructionFormat",
     (Param("template", String(), DEFAULT_TEMPLATE,
            "The prompt, with {field} placeholders filled from the row. No loss on the prompt."),
      Param("completion", String(), "completion", "The field holding the answer; loss is on it only.")),
     ("causal_lm",), "Prompt (from a template) and completion; loss only on the completion."),
    ("chat", "ChatFormat",
     (Param("messages", String(), "messages",
            "The field holding a list of {role, content} messages (roles: system, user, assistant)."),),
     ("causal_lm",), "A conversation rendered with the tokenizer's chat template; loss only on assistant turns."),
    ("seq2seq", "Seq2SeqFormat",
     (Param("source", String(), "source", "The field holding the input text."),
      Param("target", String(), "target", "The field holding the output text."),
      Param("max_target_length", Integer(min=1), 0, "Longest target in tokens; 0: the block's max_length.",
            positional=False)),
     ("seq2seq",), "Source and target texts for an encoder-decoder model."),
    ("text", "TextFormat",
     (Param("field", String(), "text", "The field holding the text."),),
     ("causal_lm",), "Plain text for causal language modelling; loss on every token."),
]

SPLIT_ATTR = AttrSpec(
    "split",
    params=(
        Param("train", PortionType(), None, "Share or count for training; default: every row not taken "
                                            "by eval and test.", positional=False),
        Param("eval", OneOf(PortionType(), Component("source")), None,
              "Share or count held out during training, or a source of its own.", positional=False),
        Param("test", OneOf(PortionType(), Component("source")), None,
              "Share or count held out for the final evaluation, or a source of its own.", positional=False),
        Param("stratify", String(), None, "A field whose value shares are kept in every split "
                                          "(usually the label).", positional=False),
        Param("by", Component("split_method"), None, "random (default) or hash(\"id\").", positional=False),
    ),
    help="How rows are divided into train, eval and test.",
)

DATA_BLOCK = BlockSpec(
    name="data",
    help="Where the fine-tuning data comes from, how it is checked, cleaned, split and turned into model inputs.",
    label=Name(),
    label_required=True,
    label_help="a name for the data set, used by evaluate blocks: data tickets { ... }",
    multiple=True,
    attrs=(
        AttrSpec.many("source", Component("source"), "Where rows come from; several are mixed.", required=True),
        AttrSpec("validate", params=(
            Param("on_error", Choice("skip", "fail"), "skip",
                  "skip: leave bad rows out and report them; fail: stop at any bad row.", positional=False),
            Param("max_bad", Fraction(), 0.05, "With skip, stop if more than this share of rows is bad.",
                  positional=False)),
            help="What to do with rows that lack a field the format needs or hold the wrong type."),
        AttrSpec.many("clean", Component("cleaner"), "Cleaning steps, applied in order before splitting."),
        SPLIT_ATTR,
        AttrSpec.single("format", Component("format"), help="How rows become model inputs.", required=True),
        AttrSpec.single("max_length", Integer(min=8), None,
                        "Longest sequence in tokens; default: the model block's max_length, else 512."),
        AttrSpec.single("overlength", Choice("truncate", "drop"), "truncate",
                        "What to do with rows longer than max_length (counted either way)."),
        AttrSpec.single("pack", Boolean(), False,
                        "Pack several training rows into one sequence (causal formats); packed rows "
                        "cannot attend to each other."),
    ),
    example='data tickets { source jsonl("tickets.jsonl")  format classification(text: "text", label: "label") }',
)


def _class_name(snake: str) -> str:
    return "".join(part.title() for part in snake.split("_"))


def register_all(register) -> None:
    """Declare the kinds (with their contracts), the ``data`` block and every component through ``register``."""
    for kind, help in KINDS.items():
        register.kind(kind, help, contract=KIND_CONTRACTS[kind])
    register.block(DATA_BLOCK)
    for name, impl, params, help in SOURCES:
        register.component("source", name, params + (_WEIGHT,), help, impl=impl)
    for name, params, help in CLEANERS:
        register.component("cleaner", name, params, help, impl=f"ftcore_data.cleaners:{_class_name(name)}",
                           needs_tokenizer=(name == "max_tokens"))
    for name, cls, params, help in SPLIT_METHODS:
        register.component("split_method", name, params, help, impl=f"ftcore_data.splitting:{cls}")
    for name, cls, params, tasks, help in FORMATS:
        register.component("format", name, params, help, impl=f"ftcore_data.formats:{cls}", tasks=tasks)
