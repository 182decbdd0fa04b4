"""Chapters 8 and 9, referee 4's corrections, tested on what they claim.

* ch. 9, value clipping: ``clip_grad_value_`` keeps a descent direction
  (<c, g> = sum |g_i| min(|g_i|, tau) > 0) but bounds the length only by tau sqrt(d);
* ch. 8, prop-depth-scales: for tanh in the chaotic phase C(c) - c has exactly one root c*
  in [-1, 1), C'(c*) lies in (0, 1), C is convex on [0, 1] and C(c) - c >= sigma_b^2/q* on
  [-1, 0] (the steps of the proof);
* ch. 9, ex-opt-defeat-why: from x_1 = -1 the first step is cut at -1, and the cut at -1
  only moves Adam's iterates to the right (the projection is monotone); the model answer
  and the rubric say so.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from nntheory import initialisation as ini
from nntheory.teaching import exercises

ROOT = Path(__file__).resolve().parents[1]


def test_value_clipping_length_is_tau_sqrt_d_not_tau():
    tau = 5.0
    for d in (1, 2, 4, 9):
        p = torch.zeros(d, dtype=torch.float64, requires_grad=True)
        p.grad = torch.full((d,), 100.0, dtype=torch.float64)
        torch.nn.utils.clip_grad_value_([p], tau)
        assert float(p.grad.norm()) == pytest.approx(tau * math.sqrt(d), rel=1e-14)


def test_value_clipping_is_a_descent_direction_that_turns():
    rng = np.random.default_rng(4)
    g = rng.normal(size=(5000, 6)) * 10.0 ** rng.uniform(-2, 3, size=(5000, 6))
    p = torch.zeros(g.shape, dtype=torch.float64, requires_grad=True)
    p.grad = torch.tensor(g)
    torch.nn.utils.clip_grad_value_([p], 5.0)
    c = p.grad.numpy()
    inner = np.sum(c * g, axis=1)
    np.testing.assert_allclose(inner, np.sum(np.abs(g) * np.minimum(np.abs(g), 5.0), axis=1),
                               rtol=1e-12)
    cos = inner / np.linalg.norm(c, axis=1) / np.linalg.norm(g, axis=1)
    assert np.all(cos > 0)
    assert cos.min() < 0.7          # the direction does change (seen 0.46 here)


@pytest.mark.parametrize("sw2,sb2", [(2.0, 0.1), (2.5, 0.1), (3.0, 0.1), (4.0, 0.3),
                                     (2.2, 0.02)])
def test_chaotic_fixed_point_is_unique_with_slope_in_0_1(sw2, sb2):
    s = ini.depth_scales("tanh", sw2, sb2)
    assert s.chi_1 > 1                                    # chaotic
    cs = ini.correlation_depth_scale("tanh", sw2, sb2)
    assert 0 < cs.c_star < 1 and 0 < cs.chi_c < 1
    grid = np.linspace(-1, 1, 241)[:-1]
    h = np.array([ini.correlation_map("tanh", c, cs.q_star, sw2, sb2) - c for c in grid])
    assert np.all(h[grid < cs.c_star] > 0) and np.all(h[grid > cs.c_star] < 0)
    # the proof's step on [-1, 0]: sum_k a_k^2 c^k >= c sum_k a_k^2 (odd k, |c| <= 1), i.e.
    # C(c) >= (sigma_b^2 + c sigma_w^2 E phi^2)/q*, with equality at c = -1; since
    # sigma_w^2 E phi^2 = q* - sigma_b^2 at the fixed point, h >= sigma_b^2/q* (1 - c) there
    neg = grid <= 0
    # sigma_w^2 E phi^2 from the same quadrature as C (C(1) q* - sigma_b^2), so that the
    # equality at c = -1 holds to rounding
    m = ini.correlation_map("tanh", 1.0, cs.q_star, sw2, sb2) * cs.q_star - sb2
    lower = (sb2 + grid[neg] * m) / cs.q_star - grid[neg]
    assert np.all(h[neg] >= lower - 1e-12)
    assert h[0] == pytest.approx(lower[0], abs=1e-12)            # attained at c = -1
    assert m == pytest.approx(cs.q_star - sb2, rel=1e-5)    # quadrature: seen 2.1e-6 at q* 2.5
    # convex on [0, 1]: positive second differences
    pos = grid[grid >= 0]
    C = np.array([ini.correlation_map("tanh", c, cs.q_star, sw2, sb2) for c in pos])
    assert np.all(np.diff(C, 2) > 0)
    # slope strictly below the secant (C(1) - C(c*))/(1 - c*) = 1
    hstep = 1e-5
    slope = (ini.correlation_map("tanh", cs.c_star + hstep, cs.q_star, sw2, sb2)
             - ini.correlation_map("tanh", cs.c_star - hstep, cs.q_star, sw2, sb2)) / (2 * hstep)
    assert slope == pytest.approx(cs.chi_c, rel=1e-5) and slope < 1


def _projected_adam(x1: float, low: float | None, steps: int) -> np.ndarray:
    """torch's Adam on Reddi's problem (C = 3), alpha_t = 0.5/sqrt(t), beta1 = 0,
    beta2 = 1/(1 + C^2), each step followed by a clamp to [low, 1]."""
    C = 3.0
    x = torch.tensor([x1], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([x], lr=0.5, betas=(0.0, 1 / (1 + C * C)))
    out = [x1]
    for t in range(1, steps + 1):
        opt.param_groups[0]["lr"] = 0.5 / math.sqrt(t)
        opt.zero_grad()
        x.grad = torch.tensor([C if t % 3 == 1 else -1.0], dtype=torch.float64)
        opt.step()
        with torch.no_grad():
            x.clamp_(min=low, max=1.0)
        out.append(float(x.detach()))
    return np.array(out)


def test_the_cut_at_minus_one_only_moves_adam_right():
    both = _projected_adam(-1.0, -1.0, 3000)
    upper = _projected_adam(-1.0, None, 3000)
    assert upper[1] < -1 and both[1] == -1.0              # the first step is cut at -1
    assert np.all(both >= upper)                          # monotone projection
    assert np.any(both > upper + 0.1)                     # and the cut does move it
    assert both[-1] > 0.9                                 # Adam still ends near +1


def test_model_answer_and_rubric_handle_the_cut_at_minus_one():
    rubric = exercises.get("ex-opt-defeat-why").rubric
    assert "only cuts moves at +1" not in rubric
    assert "a cut at -1 only moves the iterate further right" in rubric
    nb = json.loads((ROOT / "book/chapters/09_optimisers.ipynb").read_text())
    answer = next("".join(c["source"]) for c in nb["cells"]
                  if c.get("id") == "ex-opt-defeat-why-sol")
    assert "only cuts\nmoves at $+1$" not in answer and "A cut at $-1$ only moves" in answer
    guide = (ROOT / "book/teaching.md").read_text()
    assert "a cut at -1 only moves the iterate further right" in guide
