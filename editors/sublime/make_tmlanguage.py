"""Write ftr.tmLanguage (the property-list form Sublime Text and TextMate read) from the VS Code grammar.

The JSON grammar in editors/vscode/syntaxes/ is the one source; run this after changing it:

    python editors/sublime/make_tmlanguage.py

A test fails while the two differ.
"""

import json
import plistlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "vscode" / "syntaxes" / "ftr.tmLanguage.json"


def main() -> None:
    """Convert the JSON grammar to a property list next to this script."""
    grammar = json.loads(SOURCE.read_text(encoding="utf-8"))
    (HERE / "ftr.tmLanguage").write_bytes(plistlib.dumps(grammar, sort_keys=False))


if __name__ == "__main__":
    main()
