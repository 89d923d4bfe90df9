"""Built-in plugin: the ``evaluate`` block and the metrics a recipe can name."""

__version__ = "0.1.0"
