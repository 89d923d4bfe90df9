"""docs/plugin_hooks.md matches the hook specifications (that every hook is called: tests/runtime/test_every_hook_is_called.py)."""

from pathlib import Path

from ftcore.plugins import hookdoc

ROOT = Path(__file__).resolve().parents[2]


def test_plugin_hooks_doc_is_generated_from_hookspecs():
    doc = (ROOT / "docs" / "plugin_hooks.md").read_text(encoding="utf-8")
    assert doc == hookdoc.render(), "regenerate: python -m ftcore.plugins.hookdoc > docs/plugin_hooks.md"


def test_every_hook_has_a_docstring():
    from ftcore.plugins import hookspecs

    for name in hookdoc.hook_names():
        assert (getattr(hookspecs, name).__doc__ or "").strip(), f"{name} has no docstring"
