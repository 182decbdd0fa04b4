"""Referee 6, 7-M1: thm-sawtooth-norms item 3 for every 0 < p <= inf.

At h = 2^-k the r-th difference of the sawtooth is (-2)^r (Delta^k - 1/2) on [0, 1 - rh]
(asserted exactly on the dyadic grid, where every value is a multiple of 2^-4), and its L^p
quasi-norm equals 2^(r-1) ((1 - rh)/(1 + p))^(1/p), so the bound of item 3 is attained.
`depth.broken_line_lp`, which computes that quasi-norm, is checked against closed forms and
an independent adaptive quadrature.
"""
from math import comb

import numpy as np
import pytest
from scipy import integrate

from nntheory import depth


def _difference(k, r):
    x = np.linspace(0, 1, 2 ** (k + 4) + 1)
    v = depth.sawtooth(k).predict(x[:, None]).ravel()
    shift = 2 ** 4                                   # h = 2^-k is 16 grid steps
    m = v.size - r * shift
    diff = sum((-1) ** (r - j) * comb(r, j) * v[j * shift: j * shift + m]
               for j in range(r + 1))
    return x[:m], v[:m], diff


@pytest.mark.parametrize("k", [2, 3, 5, 7, 9])
@pytest.mark.parametrize("r", [1, 2, 3, 4])
def test_shift_identity_exact(k, r):
    if r > 2 ** k:
        pytest.skip("r h > 1")
    _, v, diff = _difference(k, r)
    assert np.array_equal(diff, (-2) ** r * (v - 0.5))
    # the identity is not vacuous: a shift by a quarter tooth breaks it
    x = np.linspace(0, 1, 2 ** (k + 4) + 1)
    w = depth.sawtooth(k).predict(x[:, None]).ravel()
    assert not np.array_equal(w[8:], 1 - w[:-8])


@pytest.mark.parametrize("p", [1 / 3, 0.5, 1.0, 2.0, np.inf])
@pytest.mark.parametrize("k,r", [(3, 1), (4, 2), (6, 3), (8, 2), (10, 1)])
def test_the_difference_at_step_h_attains_the_lower_bound_for_the_modulus(k, r, p):
    """||Delta_h^r Delta^k||_{L^p(0, 1 - rh)} at h = 2^-k equals the bound; the modulus
    omega_r(Delta^k, h)_p, a supremum over steps <= h, is at least this (and can be larger)."""
    x, _, diff = _difference(k, r)
    h = 2.0 ** -k
    bound = 2 ** (r - 1) * (1.0 if np.isinf(p) else ((1 - r * h) / (1 + p)) ** (1 / p))
    assert depth.broken_line_lp(x, diff, p) == pytest.approx(bound, rel=1e-12)


def test_besov_growth_every_p():
    # h^-s omega_r(Delta^k, h)_p >= 2^(ks) 2^(r-1) ((1 - r h)/(1 + p))^(1/p): grows by 2^s per k
    s, r, p = 1.0, 2, 0.5                            # Petrushev's B^1_{1/2,1/2} (X = L^1)
    vals = []
    for k in range(3, 11):
        x, _, diff = _difference(k, r)
        vals.append(2.0 ** (k * s) * depth.broken_line_lp(x, diff, p))
    growth = np.array(vals[1:]) / np.array(vals[:-1])
    assert np.all(growth > 2.0 ** s) and np.all(growth < 2.0 ** s * 1.4)  # (1 - 2h)^2 factors
    deep = [5 * k / 2 for k in range(3, 11)]         # the deep norm bound, alpha = 1
    assert vals[-1] / deep[-1] > 30 * vals[0] / deep[0]


def test_broken_line_lp_closed_forms_and_quadrature():
    x = np.array([0.0, 1.0])
    assert depth.broken_line_lp(x, np.array([-1.0, 1.0]), 0.5) == pytest.approx((2 / 3) ** 2)
    assert depth.broken_line_lp(x, np.array([2.0, 2.0]), 0.25) == pytest.approx(2.0)
    assert depth.broken_line_lp(x, np.array([0.0, 3.0]), 1.0) == pytest.approx(1.5)
    rng = np.random.default_rng(6)
    xs = np.sort(np.append(rng.uniform(0, 1, 7), [0.0, 1.0]))
    ys = rng.normal(size=xs.size)
    for p in (0.3, 0.5, 1.0, 3.0):
        zeros = [xs[i] - ys[i] * (xs[i + 1] - xs[i]) / (ys[i + 1] - ys[i])
                 for i in range(xs.size - 1) if ys[i] * ys[i + 1] < 0]
        ref = integrate.quad(lambda t, p=p: abs(np.interp(t, xs, ys)) ** p, 0, 1,
                             points=list(xs[1:-1]) + zeros, limit=500, epsabs=1e-13)[0]
        assert depth.broken_line_lp(xs, ys, p) == pytest.approx(ref ** (1 / p), rel=1e-9)


@pytest.mark.parametrize("bad, match", [
    (dict(x=[0.0, 1.0], y=[1.0, 2.0], p=0.0), "p must"),
    (dict(x=[0.0, 1.0], y=[1.0, 2.0], p=-1.0), "p must"),
    (dict(x=[1.0, 0.0], y=[1.0, 2.0], p=1.0), "x must"),
    (dict(x=[0.0, 1.0], y=[1.0, 2.0, 3.0], p=1.0), "y must"),
])
def test_broken_line_lp_rejects(bad, match):
    with pytest.raises(ValueError, match=match):
        depth.broken_line_lp(**bad)
