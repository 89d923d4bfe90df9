"""Import lark without the third-party ``regex`` module it loads whenever that is installed.

lark needs ``regex`` only for grammars built with ``regex=True`` or using Unicode categories;
``ftr.lark`` does neither, and in an installed ftcore its tables are loaded, not built
(:mod:`ftcore.lang.parser_tables`). Importing ``regex`` costs about 5 ms of every ``ftcore
check``, a tenth of a bare interpreter's start-up. Modules of ``ftcore.lang`` import this one
before lark. The block lasts only while lark is imported: anything importing ``regex`` later
(a tokenizer, say) gets it as usual. The one thing given up: another library in the same process
calling ``Lark(..., regex=True)`` after ftcore imported lark is told ``regex`` is missing.
"""

from __future__ import annotations

import sys

if "lark" not in sys.modules and "regex" not in sys.modules:
    sys.modules["regex"] = None  # `import regex` now raises ImportError, which lark handles
    try:
        import lark  # noqa: F401
    finally:
        if sys.modules.get("regex", 0) is None:
            del sys.modules["regex"]
