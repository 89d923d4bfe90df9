"""Built-in plugin: the ``export`` block and its exporters."""

__version__ = "0.1.0"
