"""Built-in plugin: the ``recipe`` block (name, seed, description)."""

__version__ = "0.1.0"
