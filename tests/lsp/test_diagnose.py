"""Compiler diagnostics as LSP diagnostics, and the did-you-mean quick fix."""

from ftcore.lang.ast import Span
from ftcore.lang.diagnostics import Diagnostic, did_you_mean, suggested_name
from ftcore.lsp.diagnose import quick_fixes, replace_name, to_lsp


def test_the_suggestion_of_a_did_you_mean_hint():
    assert suggested_name(did_you_mean("rogue", ["rouge", "bleu"])) == "rouge"
    assert suggested_name("add `epochs 3`") is None and suggested_name(None) is None


def test_a_replacement_keeps_quotes_and_the_other_parts_of_a_reference():
    assert replace_name("rogue", "rouge") == "rouge"
    assert replace_name('"macroo"', "macro") == '"macro"'
    assert replace_name("tickts.test", "tickets") == "tickets.test"
    assert replace_name("tickets.tset", "test") == "tickets.test"
    assert replace_name("3", "three") is None


def test_message_help_severity_and_quick_fix():
    text = "evaluate t.test { metrics rogue }\n"
    diag = to_lsp(Diagnostic('unknown metric "rogue"', Span("r.ftr", 1, 27, 1, 32), 'did you mean "rouge"?'), text)
    assert diag.message == 'unknown metric "rogue"\nhelp: did you mean "rouge"?'
    assert diag.severity == 1 and diag.source == "ftcore" and diag.data == {"replacement": "rouge"}
    [fix] = quick_fixes("file:///r.ftr", text, [diag])
    [edit] = fix.edit.changes["file:///r.ftr"]
    assert edit.new_text == "rouge" and (edit.range.start.character, edit.range.end.character) == (26, 31)
    warning = to_lsp(Diagnostic('variable "n" is never used', Span("r.ftr", 1, 5, 1, 6), "remove it", "warning"), text)
    assert warning.severity == 2 and warning.data is None and quick_fixes("file:///r.ftr", text, [warning]) == []
