"""``ftcore lsp``: the recipe language server (diagnostics, completion, hover, definition, formatting, outline, semantic tokens).

``scan`` finds where the cursor is from tokens (so half-typed text answers), ``slots`` binds that
to what the plugins declared, and ``complete``, ``hover``, ``navigate``, ``highlight`` and
``diagnose`` answer the editor's requests; ``server`` wires them to the protocol with pygls.
"""
