"""One ``dropout`` value from the recipe, written into every dropout field a model config has."""

from __future__ import annotations

# Config fields, per role, across the architectures transformers ships.
HIDDEN = ("hidden_dropout_prob", "hidden_dropout", "dropout", "dropout_rate", "resid_pdrop", "embd_pdrop",
          "activation_dropout")
ATTENTION = ("attention_probs_dropout_prob", "attention_dropout", "attn_pdrop")
CLASSIFIER = ("classifier_dropout", "summary_first_dropout", "seq_classif_dropout", "classifier_dropout_prob")


def dropout_overrides(value) -> dict[str, float]:
    """Config overrides setting hidden, attention and classifier dropout to ``value`` (None: no change)."""
    if value is None:
        return {}
    return {key: float(value) for key in HIDDEN + ATTENTION + CLASSIFIER}
