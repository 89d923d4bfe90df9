"""The ``dpo`` and ``simpo`` objectives on the :class:`ftcore.api.Objective` contract."""

from __future__ import annotations

from typing import Any, Mapping

from ftcore.api import Objective, ObjectiveStep, RunError
from ftcore_preference.losses import STATISTICS, dpo_loss, pair_statistics, simpo_loss
from ftcore_preference.pairs import answer_logps


class _Preference(Objective):
    statistics = STATISTICS
    task_metrics = False  # a row is a pair: the task's loss and perplexity do not apply

    def check_data(self, info: Mapping[str, Any], args: Mapping[str, Any]):
        """The data must be tokenized with the preference format."""
        if info.get("format") not in (None, "preference"):
            return (f'the train data is tokenized with format {info.get("format")}: preference objectives train on '
                    'pairs, format preference(prompt: ..., chosen: ..., rejected: ...)')
        return None


class DPO(_Preference):
    """``dpo(beta: 0.1)``: Direct Preference Optimization against the starting model's log-probabilities.

    The reference log-probabilities of every row come from the ``preference.reference`` stage
    (computed once with the starting model and cached); :meth:`setup` receives them.
    """

    def setup(self, args: Mapping[str, Any], inputs: Mapping[str, Any]) -> None:
        """Keep the reference log-probabilities of each split as tensors ``(rows, 2)``."""
        import torch

        reference = inputs["reference"]
        self.reference = {split: torch.tensor(values, dtype=torch.float64).reshape(-1, 2)
                          for split, values in reference["logps"].items()}

    def loss(self, model: Any, batch: Mapping[str, Any], args: Mapping[str, Any],
             step: ObjectiveStep) -> tuple[Any, dict[str, float]]:
        """Mean DPO loss of the batch's pairs, and the reward statistics."""
        chosen, rejected, _, _ = answer_logps(model, batch)
        table = self.reference.get(step.split)
        if table is None or (step.indices and max(step.indices) >= table.size(0)):
            raise RunError(f"the cached reference log-probabilities do not cover the {step.split} split",
                           "delete the stage cache of preference.reference and run again")
        ref = table[list(step.indices)].to(device=chosen.device, dtype=chosen.dtype)
        losses, chosen_reward, rejected_reward = dpo_loss(chosen, rejected, ref[:, 0], ref[:, 1], float(args["beta"]))
        return losses.mean(), pair_statistics(losses.detach(), chosen_reward.detach(), rejected_reward.detach(),
                                              chosen.detach(), rejected.detach())


class SimPO(_Preference):
    """``simpo(beta: 2.0, gamma: 0.5)``: reference-free, length-normalised preference optimisation."""

    def loss(self, model: Any, batch: Mapping[str, Any], args: Mapping[str, Any],
             step: ObjectiveStep) -> tuple[Any, dict[str, float]]:
        """Mean SimPO loss of the batch's pairs, and the reward statistics."""
        chosen, rejected, n_chosen, n_rejected = answer_logps(model, batch)
        losses, chosen_reward, rejected_reward = simpo_loss(chosen, rejected, n_chosen.clamp(min=1),
                                                            n_rejected.clamp(min=1), float(args["beta"]),
                                                            float(args["gamma"]))
        return losses.mean(), pair_statistics(losses.detach(), chosen_reward.detach(), rejected_reward.detach(),
                                              chosen.detach(), rejected.detach())
