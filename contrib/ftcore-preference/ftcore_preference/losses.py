"""The preference losses on sequence log-probabilities (torch only).

DPO (Rafailov et al. 2023, eq. 7):
    L = -log σ(β · [(log π(y_w|x) - log π_ref(y_w|x)) - (log π(y_l|x) - log π_ref(y_l|x))])
with the implicit rewards r = β · (log π - log π_ref) of the chosen (w) and rejected (l) answers.

SimPO (Meng et al. 2024, eq. 6), reference-free, on length-normalised log-probabilities:
    L = -log σ(β/|y_w| · log π(y_w|x) - β/|y_l| · log π(y_l|x) - γ)
with the rewards r = β/|y| · log π(y|x).
"""

from __future__ import annotations


def dpo_loss(chosen, rejected, ref_chosen, ref_rejected, beta: float):
    """Per-pair DPO losses and the chosen and rejected rewards, from summed log-probabilities (shape (B,))."""
    import torch.nn.functional as F

    chosen_reward = beta * (chosen - ref_chosen)
    rejected_reward = beta * (rejected - ref_rejected)
    return -F.logsigmoid(chosen_reward - rejected_reward), chosen_reward, rejected_reward


def simpo_loss(chosen, rejected, chosen_tokens, rejected_tokens, beta: float, gamma: float):
    """Per-pair SimPO losses and rewards, from summed log-probabilities and response token counts."""
    import torch.nn.functional as F

    chosen_reward = beta * chosen / chosen_tokens
    rejected_reward = beta * rejected / rejected_tokens
    return -F.logsigmoid(chosen_reward - rejected_reward - gamma), chosen_reward, rejected_reward


def pair_statistics(losses, chosen_reward, rejected_reward, chosen_logp, rejected_logp) -> dict[str, float]:
    """The statistics every preference objective reports (means over the pairs of a batch)."""
    return {
        "reward_accuracy": float((chosen_reward > rejected_reward).float().mean()),
        "reward_margin": float((chosen_reward - rejected_reward).mean()),
        "reward_chosen": float(chosen_reward.mean()),
        "reward_rejected": float(rejected_reward.mean()),
        "logp_chosen": float(chosen_logp.mean()),
        "logp_rejected": float(rejected_logp.mean()),
        "prefers_chosen": float((chosen_logp > rejected_logp).float().mean()),
    }


STATISTICS = ("reward_accuracy", "reward_margin", "reward_chosen", "reward_rejected", "logp_chosen",
              "logp_rejected", "prefers_chosen")
