"""ftcore's built-in data plugin: the ``data`` block, its sources, cleaners, splits and formats.

Only :mod:`ftcore_data.plugin`, :mod:`ftcore_data.spec`, :mod:`ftcore_data.rules` and
:mod:`ftcore_data.lowering` are imported when a recipe is checked; everything that touches
``datasets``, ``transformers`` or ``torch`` is imported when a stage runs.
"""

__version__ = "0.1.0"
