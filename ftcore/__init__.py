"""ftcore: fine-tune pre-trained language models from checked, reproducible .ftr recipes."""

__version__ = "0.1.0"
