"""Tests of chapter 10's second-edition modules: nntheory.lottery (IMP over many seeds,
paired statistics) and nntheory.double_descent (the other-interpolant control).

Tolerances: the stacked training does the same float64 operations as the one-network
training in another order (batched matmul), so the two agree to round-off amplified by
a few dozen Adam steps: 1e-8 relative is ample (observed ~1e-14).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nntheory import double_descent, generalisation, lottery


def _data(n=30, d=3):
    rng = np.random.default_rng(0)
    X, Xt = rng.standard_normal((n, d)), rng.standard_normal((50, d))
    w = rng.standard_normal((d, 1))
    return X, np.tanh(X @ w), Xt, np.tanh(Xt @ w)


def test_imp_ensemble_agrees_with_one_seed_runs():
    X, y, Xt, yt = _data()
    sizes = [3, 6, 6, 1]
    ens = lottery.imp_ensemble(sizes, X, y, Xt, yt, seeds=[2, 7], rounds=2,
                               fraction=0.5, lr=1e-2, epochs=25)
    for i, s in enumerate([2, 7]):
        one = generalisation.iterative_magnitude_pruning(
            sizes, X, y, Xt, yt, rounds=2, fraction=0.5, seed=s, lr=1e-2, epochs=25)
        np.testing.assert_allclose(ens.kept, one.kept, rtol=0, atol=0)
        for name in ("test_rewind", "test_reinit", "test_random_mask"):
            np.testing.assert_allclose(getattr(ens, name)[i], getattr(one, name),
                                       rtol=1e-8)
    # round 0 is the dense network in every arm
    assert np.array_equal(ens.test_rewind[:, 0], ens.test_reinit[:, 0])


def test_imp_ensemble_rewind_step_and_bad_input():
    X, y, Xt, yt = _data()
    late = lottery.imp_ensemble([3, 6, 6, 1], X, y, Xt, yt, seeds=[0], rounds=1,
                                fraction=0.5, epochs=20, rewind_step=5)
    early = lottery.imp_ensemble([3, 6, 6, 1], X, y, Xt, yt, seeds=[0], rounds=1,
                                 fraction=0.5, epochs=20, rewind_step=0)
    assert late.test_rewind[0, 0] == early.test_rewind[0, 0]   # the dense run is shared
    assert late.test_rewind[0, 1] != early.test_rewind[0, 1]
    with pytest.raises(ValueError, match="rewind_step"):
        lottery.imp_ensemble([3, 6, 6, 1], X, y, Xt, yt, seeds=[0], epochs=5,
                             rewind_step=5)
    with pytest.raises(ValueError, match="seeds"):
        lottery.imp_ensemble([3, 6, 6, 1], X, y, Xt, yt, seeds=[])
    with pytest.raises(ValueError, match="sizes"):
        lottery.imp_ensemble([3, 1], X, y, Xt, yt, seeds=[0])


def test_proportion_ci_clopper_pearson_edges():
    # 0 successes: the upper end solves (1 - p)^n = alpha / 2
    lo, hi = lottery.proportion_ci(0, 20)
    assert lo == 0.0 and abs(hi - (1 - 0.025 ** (1 / 20))) < 1e-12
    lo, hi = lottery.proportion_ci(20, 20)
    assert hi == 1.0 and abs(lo - 0.025 ** (1 / 20)) < 1e-12
    with pytest.raises(ValueError, match="successes"):
        lottery.proportion_ci(5, 4)


def test_paired_comparison_mcnemar_is_the_binomial_on_discordant_pairs():
    a = np.arange(10.0)
    b = a + 0.5                                  # a better on every seed
    fail_a = np.zeros(10, bool)
    fail_b = np.zeros(10, bool)
    fail_b[:6] = True                            # six discordant seeds, all one way
    c = lottery.paired_comparison(a, b, fail_a, fail_b)
    assert (c.only_a, c.only_b, c.fail_a, c.fail_b, c.a_worse) == (0, 6, 0, 6, 0)
    assert abs(c.p_mcnemar - 2 * 0.5 ** 6) < 1e-12
    # Wilcoxon, all ten differences of one sign: exact two-sided p = 2 / 2^10
    assert abs(c.p_wilcoxon - 2 / 2 ** 10) < 1e-12
    none = lottery.paired_comparison(a, a, fail_a, fail_a)
    assert none.p_mcnemar == 1.0 and none.p_wilcoxon == 1.0
    with pytest.raises(ValueError, match="one entry per seed"):
        lottery.paired_comparison(a, b, fail_a[:3], fail_b)


def test_interpolant_errors_reproduce_the_library_and_agree_below_n():
    ps = [5, 10, 25, 60]
    mn, w0 = double_descent.interpolant_errors(20, 4, ps, seeds=[0, 3])
    ref = generalisation.random_feature_errors(20, 4, ps, seeds=[0, 3])
    np.testing.assert_allclose(mn, ref.test_minnorm, rtol=1e-8)
    below = np.array(ps) < 20                    # unique least-squares fit there
    np.testing.assert_allclose(w0[:, below], mn[:, below], rtol=1e-8)
    assert np.all(w0[:, ~below] != mn[:, ~below])
    # scale 0 is the minimum-norm interpolant
    mn0, w00 = double_descent.interpolant_errors(20, 4, ps, seeds=[0], scale=0.0)
    np.testing.assert_allclose(w00, mn0, rtol=1e-10)
    assert math.isfinite(float(w0.sum()))


def test_random_label_fits_memorise_and_agree_with_one_network():
    from nntheory import memorisation
    from nntheory import numpy_core as npc

    fits = memorisation.random_label_fits(12, 3, 40, seeds=[0, 1], steps=300,
                                          n_test=200)
    # 40 hidden units fit 12 points with any labels
    assert np.all(fits.train_true == 1.0) and np.all(fits.train_random == 1.0)
    # the true-label network of seed 1 is numpy_core's MLP trained by Adam
    rng = np.random.default_rng(0)
    X, Xt = rng.standard_normal((12, 3)), rng.standard_normal((200, 3))
    u = rng.standard_normal(3)
    net = npc.MLP([3, 40, 1], "relu", seed=1)
    generalisation.train_masked(net, [np.ones_like(p) for p in net.get_parameters()],
                                X, np.sign(X @ u)[:, None], lr=1e-2, epochs=300)
    acc = float(np.mean(np.sign(net.predict(Xt)) == np.sign(Xt @ u)[:, None]))
    assert acc == fits.test_true[1]
    with pytest.raises(ValueError, match="seeds"):
        memorisation.random_label_fits(12, 3, 4, seeds=[])


def test_finite_classes_exact_values():
    from nntheory import finite_classes as fc

    # one vector: E max = E sum sigma_i a_i / n = 0
    assert fc.rademacher_exact(np.array([[1.0, -2.0, 3.0]])) == 0.0
    # {a, -a}: E |<sigma, a>| / n, for a = (1, 1): (2 + 0 + 0 + 2) / 4 / 2 = 1/2
    assert abs(fc.rademacher_exact(np.array([[1.0, 1.0], [-1.0, -1.0]])) - 0.5) < 1e-15
    # the cube {-1, 1}^n: the max is n for every sigma, so the complexity is 1
    cube = np.array([[s1, s2, s3] for s1 in (-1, 1) for s2 in (-1, 1) for s3 in (-1, 1)],
                    dtype=float)
    assert abs(fc.rademacher_exact(cube) - 1.0) < 1e-15
    assert abs(fc.massart_bound(cube) - math.sqrt(3) * math.sqrt(2 * math.log(8)) / 3) < 1e-15
    # symmetrisation for a single function: the deviation has mean 0, complexity 0
    gap, rad = fc.symmetrisation_sides(np.array([[0.2, 0.9]]), np.array([0.5, 0.5]), 3)
    assert abs(gap) < 1e-15 and rad == 0.0
    with pytest.raises(ValueError, match="probs"):
        fc.symmetrisation_sides(np.ones((2, 2)), np.array([0.5, 0.6]), 2)
    with pytest.raises(ValueError, match="columns"):
        fc.rademacher_exact(np.ones((2, 17)))
