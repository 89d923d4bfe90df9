"""Property-based tests: whatever the text, compiling gives a graph or a RecipeError with good spans.

Two sources of input: recipes generated from the grammar (block, attribute and component names
drawn from the registry, mixed with random ones) and real recipe text mutated the way a person
mistypes (truncated, a character deleted or inserted, a name misspelled). Generated text that
parses must also format to the same AST, and formatting it again must change nothing.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftcore.compiler.pipeline import compile_recipe
from ftcore.lang.diagnostics import RecipeError, render_all
from ftcore.lang.fmt import format_text, quote
from ftcore.lang.parser import parse
from ftcore.plugins.manager import load_host

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
# FTCORE_FUZZ_SCALE=20 runs twenty times as many examples (for a deeper search now and then).
SCALE = float(os.environ.get("FTCORE_FUZZ_SCALE", "1"))
SETTINGS = settings(max_examples=int(150 * SCALE), deadline=None, suppress_health_check=[HealthCheck.too_slow])

_HOSTS = {}


def host(which: str):
    """``fake``: built-ins plus the fake plugin (set by the ``hosts`` fixture); ``installed``: all."""
    if which not in _HOSTS:
        _HOSTS[which] = load_host()
    return _HOSTS[which]


@pytest.fixture(autouse=True)
def hosts(fake_host):
    _HOSTS.setdefault("fake", fake_host)


_WORKDIR = Path(tempfile.mkdtemp(prefix="ftcore-fuzz-"))
atexit.register(shutil.rmtree, _WORKDIR, True)


def compiles_or_reports(text: str, overrides=(), which: str = "fake", folder: Path = _WORKDIR) -> None:
    """The property: a graph, or a RecipeError whose every diagnostic points into a file."""
    path = folder / "fuzz.ftr"
    path.write_text(text, encoding="utf-8")
    try:
        compile_recipe(path, list(overrides), host(which))
    except RecipeError as err:
        assert err.diagnostics, "a RecipeError must carry at least one diagnostic"
        for d in err.diagnostics:
            assert d.span is not None, f"no span: {d}"
            assert d.span.line >= 1 and d.span.col >= 1, f"bad span {d.span}: {d.message}"
            assert d.message.strip()
            line = err.sources.line(d.span.path, d.span.line)
            assert line is not None, f"{d.span} points at no line: {d.message}"
            assert d.span.col <= len(line) + 1, f"{d.span} is past the end of {line!r}: {d.message}"
        rendered = render_all(err.diagnostics, err.sources)
        assert "Traceback" not in rendered


# ---------------------------------------------------------------- generating recipes


def _registry_names(which: str):
    reg = host(which).registry
    blocks = sorted(reg.blocks)
    attrs = sorted({a.name for b in reg.blocks.values() for a in b.attrs} |
                   {a.name for b in reg.blocks.values() for n in b.blocks for a in n.attrs})
    nested = sorted({n.name for b in reg.blocks.values() for n in b.blocks})
    components = sorted({n for _, n in reg.components})
    params = sorted({p.name for c in reg.components.values() for p in c.params} |
                    {p.name for b in reg.blocks.values() for a in b.attrs for p in a.params})
    return blocks, attrs, nested, components, params


random_name = st.sampled_from(["x", "tickets", "eval", "loss", "_a1", "Train", "true", "let", "import", "rogue",
                                "epoch", "lr", "drop_empty", "test", "seeds"])


def names(which: str, index: int):
    known = _registry_names(which)[index]
    return st.one_of(st.sampled_from(known), random_name) if known else random_name


def values(which: str):
    leaves = st.one_of(
        st.text(alphabet='ab "\\\n\té#{}', max_size=6).map(quote),
        st.integers(-10**6, 10**6).map(str),
        st.sampled_from(["5e-5", "1e3", "0.1", "-0.5", ".5", "2.", "1E-4", "+3", "0", "4294967296", "80%",
                         "10%", "-5%", "150%", "0.5%", "true", "false"]),
        st.lists(names(which, 3), min_size=1, max_size=3).map(".".join),
    )

    def extend(inner):
        arg = st.one_of(inner, st.tuples(names(which, 4), inner).map(lambda kv: f"{kv[0]}: {kv[1]}"))
        return st.one_of(
            st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
            st.tuples(names(which, 3), st.lists(arg, max_size=3)).map(lambda c: f"{c[0]}({', '.join(c[1])})"),
        )

    return st.recursive(leaves, extend, max_leaves=4)


def attributes(which: str):
    arg = st.one_of(values(which), st.tuples(names(which, 4), values(which)).map(lambda kv: f"{kv[0]}: {kv[1]}"))
    plain = st.tuples(names(which, 1), st.lists(arg, min_size=1, max_size=3)).map(
        lambda a: f"{a[0]} {', '.join(a[1])}")
    paren = st.tuples(names(which, 1), st.lists(arg, max_size=3)).map(lambda a: f"{a[0]}({', '.join(a[1])})")
    return st.one_of(plain, plain, paren)


def blocks(which: str, depth: int = 0):
    label = st.one_of(st.none(), st.text(max_size=8).map(quote), names(which, 3),
                      st.lists(names(which, 3), min_size=2, max_size=2).map(".".join),
                      values(which).filter(lambda v: v.endswith(")")))
    body = [attributes(which)] + ([st.deferred(lambda: blocks(which, depth + 1))] if depth < 2 else [])
    kind = names(which, 0) if depth == 0 else names(which, 2)
    return st.tuples(kind, label, st.lists(st.one_of(*body), max_size=4), st.sampled_from([" ", "\n  ", "  ", "  # c\n  "])).map(
        lambda b: f"{b[0]}{' ' + b[1] if b[1] else ''} {{{b[3]}{b[3].join(b[2])}\n}}")


def recipes(which: str):
    item = st.one_of(
        blocks(which), blocks(which),
        st.tuples(random_name, values(which)).map(lambda kv: f"let {kv[0]} = {kv[1]}"),
        st.sampled_from(['import "missing.ftr"', 'import "fuzz.ftr"', "# a comment", 'import ""']),
    )
    return st.tuples(st.lists(item, max_size=6), st.sampled_from(["\n", "  # c\n", "\n\n# c\n"])).map(
        lambda t: t[1].join(t[0]))


def overrides(which: str):
    target = st.tuples(names(which, 0), names(which, 1)).map(".".join)
    return st.lists(st.one_of(st.tuples(target, values(which)).map("=".join), st.text(max_size=10)), max_size=2)


@pytest.mark.parametrize("which", ["fake", "installed"])
def test_generated_recipes_compile_or_report(which):
    @SETTINGS
    @given(text=recipes(which), sets=overrides(which))
    def check(text, sets):
        compiles_or_reports(text, sets, which)
        module, diagnostics = parse(text, "fuzz.ftr")
        if diagnostics:
            return
        formatted, problems = format_text(text, "fuzz.ftr")
        assert not problems, "formatted text must parse"
        again, _ = parse(formatted, "fuzz.ftr")
        assert again.items == module.items, "formatting changed the meaning"
        assert [c.text for c in again.comments] == [c.text for c in module.comments], "a comment was lost"
        assert format_text(formatted)[0] == formatted, "formatting is not idempotent"

    check()


# ---------------------------------------------------------------- mutating real recipes


def _corpus() -> list[tuple[str, str]]:
    out = [("fake", (FIXTURES / "support.ftr").read_text(encoding="utf-8"))]
    out += [("installed", p.read_text(encoding="utf-8")) for p in sorted((ROOT / "recipes").glob("*.ftr"))]
    return out


CORPUS = _corpus()
NOISE = st.sampled_from(list("{}()[],:.=\"'#%\\\n -+5e_a") + ["\t", "é", "\x00", "let", "import"])


@st.composite
def mutated(draw):
    which, text = draw(st.sampled_from(CORPUS))
    how = draw(st.sampled_from(["truncate", "delete", "insert", "misspell", "swap"]))
    if not text:
        return which, text
    i = draw(st.integers(0, len(text) - 1))
    if how == "truncate":
        text = text[:i]
    elif how == "delete":
        text = text[:i] + text[i + 1:]
    elif how == "insert":
        text = text[:i] + draw(NOISE) + text[i:]
    elif how == "swap" and i + 1 < len(text):
        text = text[:i] + text[i + 1] + text[i] + text[i + 2:]
    else:  # misspell the name at or after i
        match = re.compile(r"[A-Za-z_]\w*").search(text, i) or re.compile(r"[A-Za-z_]\w*").search(text)
        if match:
            word = match.group()
            j = draw(st.integers(0, len(word) - 1))
            typo = draw(st.sampled_from(["drop", "double", "swap"]))
            if typo == "drop" and len(word) > 1:
                word = word[:j] + word[j + 1:]
            elif typo == "swap" and j + 1 < len(word):
                word = word[:j] + word[j + 1] + word[j] + word[j + 2:]
            else:
                word = word[:j] + word[j] + word[j:]
            text = text[:match.start()] + word + text[match.end():]
    return which, text


@pytest.fixture(scope="module")
def recipes_copy(tmp_path_factory):
    """A copy of recipes/ (so that imports between recipes resolve) to write mutated text into."""
    folder = tmp_path_factory.mktemp("recipes")
    source = ROOT / "recipes"
    if source.is_dir():
        for entry in source.iterdir():
            target = folder / entry.name
            if entry.suffix == ".ftr":
                shutil.copy(entry, target)
            else:
                target.symlink_to(entry, target_is_directory=entry.is_dir())
    return folder


def test_mutated_recipes_compile_or_report(recipes_copy):
    @settings(max_examples=int(250 * SCALE), deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(case=mutated())
    def check(case):
        which, text = case
        compiles_or_reports(text, (), which, recipes_copy)

    check()
