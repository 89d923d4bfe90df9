"""The DPO and SimPO losses and their gradients against the papers' formulas computed by hand."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from ftcore_preference.losses import dpo_loss, pair_statistics, simpo_loss  # noqa: E402

# Fixed log-probabilities of three pairs: policy chosen, policy rejected, reference chosen, reference rejected.
PAIRS = [(-12.0, -15.0, -13.0, -14.0), (-20.5, -18.0, -21.0, -17.5), (-7.25, -9.0, -7.25, -9.0)]


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


@pytest.mark.parametrize("beta", [0.1, 0.5])
def test_dpo_loss_and_gradients_are_the_papers_formula(beta):
    pc, pr, rc, rr = (torch.tensor(col, dtype=torch.float64, requires_grad=i < 2) for i, col in enumerate(zip(*PAIRS)))
    losses, chosen_reward, rejected_reward = dpo_loss(pc, pr, rc, rr, beta)
    losses.mean().backward()
    for i, (c, r, ref_c, ref_r) in enumerate(PAIRS):
        z = beta * ((c - ref_c) - (r - ref_r))  # Rafailov et al. (2023), eq. 7
        assert losses[i].item() == pytest.approx(-math.log(sigmoid(z)), abs=1e-12)
        assert chosen_reward[i].item() == pytest.approx(beta * (c - ref_c))
        assert rejected_reward[i].item() == pytest.approx(beta * (r - ref_r))
        # d/dc of the mean of -log σ(z): -β σ(-z) / n; d/dr: +β σ(-z) / n
        assert pc.grad[i].item() == pytest.approx(-beta * sigmoid(-z) / len(PAIRS), abs=1e-12)
        assert pr.grad[i].item() == pytest.approx(beta * sigmoid(-z) / len(PAIRS), abs=1e-12)


def test_dpo_at_the_starting_model_is_log_two_with_zero_rewards():
    same = torch.tensor([-3.0, -8.0])
    losses, chosen_reward, rejected_reward = dpo_loss(same, same + 1, same, same + 1, 0.1)
    assert torch.allclose(losses, torch.full((2,), math.log(2.0), dtype=losses.dtype))
    assert chosen_reward.abs().max() == 0 and rejected_reward.abs().max() == 0


def test_simpo_loss_and_gradients_are_the_papers_formula():
    beta, gamma = 2.0, 0.5
    lengths_c, lengths_r = [4, 10, 3], [6, 5, 3]
    pc = torch.tensor([p[0] for p in PAIRS], dtype=torch.float64, requires_grad=True)
    pr = torch.tensor([p[1] for p in PAIRS], dtype=torch.float64, requires_grad=True)
    losses, chosen_reward, rejected_reward = simpo_loss(pc, pr, torch.tensor(lengths_c), torch.tensor(lengths_r),
                                                        beta, gamma)
    losses.sum().backward()
    for i, (c, r, _, _) in enumerate(PAIRS):
        z = beta / lengths_c[i] * c - beta / lengths_r[i] * r - gamma  # Meng et al. (2024), eq. 6
        assert losses[i].item() == pytest.approx(-math.log(sigmoid(z)), abs=1e-12)
        assert chosen_reward[i].item() == pytest.approx(beta * c / lengths_c[i])
        assert pc.grad[i].item() == pytest.approx(-beta / lengths_c[i] * sigmoid(-z), abs=1e-12)
        assert pr.grad[i].item() == pytest.approx(beta / lengths_r[i] * sigmoid(-z), abs=1e-12)


def test_statistics_of_a_batch():
    stats = pair_statistics(torch.zeros(3), torch.tensor([1.0, 0.0, 2.0]), torch.tensor([0.0, 1.0, 2.0]),
                            torch.tensor([-1.0, -5.0, -2.0]), torch.tensor([-2.0, -4.0, -2.0]))
    assert stats["reward_accuracy"] == pytest.approx(1 / 3)  # a tie is not a win
    assert stats["reward_margin"] == pytest.approx(0.0)
    assert stats["prefers_chosen"] == pytest.approx(1 / 3)
    assert stats["logp_chosen"] == pytest.approx(-8 / 3) and stats["logp_rejected"] == pytest.approx(-8 / 3)
