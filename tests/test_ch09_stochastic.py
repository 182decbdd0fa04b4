"""nntheory.stochastic: SGD on the noisy quadratic (chapter 9, stochastic optimisation)."""

import math

import numpy as np
import pytest

from nntheory import stochastic as st


def test_one_step_is_the_closed_form():
    # E f(x_1) = 1/2 lam ((1 - a lam)^2 x0^2 + a^2 sigma^2), by hand
    exp, _ = st.noisy_quadratic_sgd([4.0], [0.5], 2.0, [0.1])
    assert exp[1] == pytest.approx(0.5 * 4.0 * ((1 - 0.4) ** 2 * 0.25 + 0.01 * 4.0), rel=1e-15)


def test_monte_carlo_mean_agrees_with_the_exact_recursion():
    lrs = np.full(300, 0.05)
    exp, runs = st.noisy_quadratic_sgd([1.0, 10.0], [1.0, -1.0], 1.0, lrs, n_runs=4000,
                                       seed=3)
    for k in (1, 10, 100, 300):
        se = runs[:, k].std(ddof=1) / math.sqrt(runs.shape[0])
        assert abs(runs[:, k].mean() - exp[k]) < 5 * se, k
    # a different step would be far outside: the check can fail
    other, _ = st.noisy_quadratic_sgd([1.0, 10.0], [1.0, -1.0], 1.0, np.full(300, 0.06))
    se = runs[:, 300].std(ddof=1) / math.sqrt(runs.shape[0])
    assert abs(runs[:, 300].mean() - other[300]) > 5 * se


def test_constant_step_reaches_the_noise_floor_from_any_start():
    lam = [1.0, 10.0]
    for x0 in ([0.0, 0.0], [5.0, -3.0]):
        exp, _ = st.noisy_quadratic_sgd(lam, x0, 0.7, np.full(2000, 0.08))
        assert exp[-1] == pytest.approx(st.noise_floor(lam, 0.7, 0.08), rel=1e-12)
    # nearly proportional to the step: halving it a little more than halves the floor,
    # by the factors 2 - a lam (by hand for lam = 1, 10)
    r = st.noise_floor(lam, 1.0, 0.01) / st.noise_floor(lam, 1.0, 0.02)
    assert r == pytest.approx(0.5 * (1 / 1.99 + 1 / 1.9) / (1 / 1.98 + 1 / 1.8), rel=1e-14)
    assert 0.48 < r < 0.5


def test_decreasing_steps_give_order_one_over_k():
    lam, beta, gamma = np.array([1.0, 10.0]), 2.0, 19.0
    k = np.arange(1, 200_001)
    exp, _ = st.noisy_quadratic_sgd(lam, [1.0, 1.0], 1.0, beta / (gamma + k))
    limit = st.harmonic_limit(lam, 1.0, beta)
    assert (gamma + k[-1]) * exp[-1] == pytest.approx(limit, rel=2e-3)
    assert (gamma + k[99]) * exp[100] > 1.05 * limit or (gamma + k[99]) * exp[100] < 0.95 * limit


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="eigenvalues"):
        st.noisy_quadratic_sgd([1.0, -1.0], [0.0, 0.0], 1.0, [0.1])
    with pytest.raises(ValueError, match="x0"):
        st.noisy_quadratic_sgd([1.0, 2.0], [0.0], 1.0, [0.1])
    with pytest.raises(ValueError, match="lrs"):
        st.noisy_quadratic_sgd([1.0], [0.0], 1.0, [0.1, -0.1])
    with pytest.raises(ValueError, match="lr must be below"):
        st.noise_floor([1.0, 10.0], 1.0, 0.2)
    with pytest.raises(ValueError, match="beta"):
        st.harmonic_limit([1.0, 10.0], 1.0, 0.4)
    with pytest.raises(ValueError, match="n_runs"):
        st.noisy_quadratic_sgd([1.0], [0.0], 1.0, np.full(10_000, 0.1), n_runs=10_000)
    with pytest.raises(TypeError):
        st.noisy_quadratic_sgd("ab", [0.0], 1.0, [0.1])
