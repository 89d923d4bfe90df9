"""A third party's data plugin, written against ``ftcore.api`` only: one component of each data kind.

- source ``sqlite("shop.db", query: "SELECT ...")``: the rows of a query on an SQLite file
  (standard library ``sqlite3``), located as ``shop.db#<row index>``;
- cleaner ``strip_html("field")``: removes HTML tags and unescapes entities (a rewrite);
- split method ``newest("date")``: a chronological split — the newest rows are held out (dates are
  written DD.MM.YYYY, so the newest are not the largest strings);
- format ``qa(question: ..., answer: ...)``: ``Q: ...\\nA: `` then the answer; loss on the answer only.

The tests install it as an entry point of a distribution, exactly as ``pip install`` would, and
``plugin_module`` builds variants (fewer components, an impl with a typo, code that fails).
"""

from __future__ import annotations

import html
import re
import sqlite3
import types
from datetime import datetime
from typing import Optional

from ftcore.api import (IGNORE_INDEX, Cleaner, Encoded, FilePath, Format, Param, RunError, Source, SourceRow,
                        SplitMethod, String, hookimpl, rewrite_text)

FTCORE_PLUGIN_API = "1.0"

TAG = re.compile(r"<[^>]*>")


class SqliteSource(Source):
    """Rows of a SELECT query; each column becomes a field."""

    def check(self, args):
        """Only a SELECT can be read."""
        if not args["query"].lstrip().lower().startswith("select"):
            return [("sqlite reads the rows of a SELECT query", "query", 'e.g. query: "SELECT * FROM faq"')]
        return []

    def read(self, args, ctx):
        """One row per result row, as ``{column: value}``."""
        connection = sqlite3.connect(f"file:{ctx.paths['path']}?mode=ro", uri=True)
        try:
            cursor = connection.execute(args["query"])
        except sqlite3.Error as exc:
            connection.close()
            raise RunError(f"{args['path']}: the query failed: {exc}", "check the table and column names") from None
        names = [d[0] for d in cursor.description]
        with connection:
            for index, values in enumerate(cursor):
                yield SourceRow(f"{args['path']}#{index}", dict(zip(names, values)))
        connection.close()


class StripHtml(Cleaner):
    """Rewrites the field without HTML tags, entities unescaped."""

    mode = "rewrite"

    def apply(self, values):
        """Every value with its tags removed."""
        return [rewrite_text(v, lambda t: html.unescape(TAG.sub("", t)).strip()) for v in values]


class NewestSplit(SplitMethod):
    """Sorts rows by ``field`` (a date written DD.MM.YYYY): the newest go to test, the next newest to eval."""

    takes_stratify = False

    def assign(self, n, shares, seed, args, values=None):
        """Cut the rows in date order; the oldest rest is train."""
        dates = [datetime.strptime(v, "%d.%m.%Y") for v in values]
        order = sorted(range(n), key=lambda i: dates[i], reverse=True)
        out, start = {}, 0
        for name in ("test", "eval"):
            share = shares.get(name)
            if isinstance(share, dict):
                take = round(n * share["fraction"]) if "fraction" in share else int(share["count"])
                out[name] = sorted(order[start:start + take])
                start += take
        return out


class QaFormat(Format):
    """A question and its answer for a causal language model; loss on the answer only."""

    def check(self, args):
        """The question and the answer must be different fields."""
        if args["question"] == args["answer"]:
            return [("the question and the answer are the same field", "answer", None)]
        return []

    def fields(self, args):
        """The question and answer fields."""
        return {args["question"]: "text", args["answer"]: "text"}

    def encode(self, row, tokenizer, max_length, args, state, overlength="truncate"):
        """``Q: <question>\\nA: `` (no loss), then the answer and end-of-sequence (loss)."""
        prompt = tokenizer(f"Q: {row[args['question']]}\nA: ", add_special_tokens=False)["input_ids"]
        answer = tokenizer(row[args["answer"]], add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
        ids, labels = prompt + answer, [IGNORE_INDEX] * len(prompt) + answer
        full = len(ids)
        if full > max_length and overlength == "drop":
            return Encoded(full_length=full, drop="longer than max_length")
        return Encoded(ids[:max_length], labels[:max_length], full, full > max_length)


IMPLS = {"source": "SqliteSource", "cleaner": "StripHtml", "split_method": "NewestSplit", "format": "QaFormat"}


def register_components(register, impls=None, kinds=None) -> None:
    """Declare the components (of ``kinds``, default all); ``impls`` replaces some kinds' impl."""
    impl = {kind: f"{__name__}:{name}" for kind, name in IMPLS.items()} | dict(impls or {})
    declared = {
        "source": ("sqlite", (Param("path", FilePath("file"), help="An SQLite database file."),
                              Param("query", String(), help="A SELECT query.")), "The rows of a query.", {}),
        "cleaner": ("strip_html", (Param("field", String(), help="The field to clean."),),
                    "Remove HTML tags and unescape entities.", {}),
        "split_method": ("newest", (Param("field", String(), help="A date field (DD.MM.YYYY)."),),
                         "Hold out the newest rows.", {}),
        "format": ("qa", (Param("question", String(), "question", "The question field."),
                          Param("answer", String(), "answer", "The answer field.")),
                   "Question and answer; loss on the answer.", {"tasks": ("causal_lm",)}),
    }
    for kind, (name, params, help, meta) in declared.items():
        if kinds is None or kind in kinds:
            register.component(kind, name, params, help, impl=impl[kind], **meta)


@hookimpl
def ftcore_register_components(register):
    """The four data components."""
    register_components(register)


# ------------------------------------------------------------------------------ broken variants


class ExplodingSqlite(SqliteSource):
    """A source whose reading code has a bug after the first row."""

    def read(self, args, ctx):
        yield SourceRow(f"{args['path']}#0", {"question": "q", "answer": "a"})
        raise AttributeError("'NoneType' object has no attribute 'fetchone'")


class ExplodingStripHtml(StripHtml):
    """A cleaner whose code has a bug."""

    def apply(self, values):
        return [v.decode("utf-8") for v in values]


class ExplodingNewest(NewestSplit):
    """A split method whose code has a bug."""

    def assign(self, n, shares, seed, args, values=None):
        return {"eval": [int(values[0])]}


class ExplodingQa(QaFormat):
    """A format whose code has a bug."""

    def encode(self, row, tokenizer, max_length, args, state, overlength="truncate"):
        return Encoded(row[args["question"]].tokens())


class QaFormatWithBuggyCheck(QaFormat):
    """A format whose argument check has a bug."""

    def check(self, args):
        return [(f"unknown field {args['questions']}", "question", None)]


EXPLODING = {"source": "ExplodingSqlite", "cleaner": "ExplodingStripHtml", "split_method": "ExplodingNewest",
             "format": "ExplodingQa"}


def plugin_module(impls: Optional[dict[str, str]] = None, kinds=None) -> types.ModuleType:
    """This plugin as a fresh module: only ``kinds`` (default all), some kinds' ``impl`` replaced
    (a typo, or a class whose code fails)."""
    module = types.ModuleType(__name__)
    module.FTCORE_PLUGIN_API = FTCORE_PLUGIN_API
    module.ftcore_register_components = hookimpl(lambda register: register_components(register, impls, kinds))
    return module
