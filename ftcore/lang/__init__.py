"""The .ftr language: grammar, parser, AST, resolution of imports/lets/--set, formatter, diagnostics."""
