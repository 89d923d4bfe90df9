"""Preference tuning for ftcore: the ``preference`` data format, the ``dpo`` and ``simpo``
objectives and the cached reference log-probabilities DPO compares against."""

__version__ = "0.1.0"
