"""Tests of nntheory.polynomials: the residual square expansion (exactly), its agreement
with the cores' forward pass, Gram–Schmidt against numpy's Legendre polynomials, the
projection, interpolation and Taylor helpers, and bad input.

Tolerances: exact identities are compared as Fractions (no tolerance); float forward
passes of polynomials with coefficients O(1)-O(10) on [-1, 1] agree to ~1e-15
relative, asserted at 1e-12.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from nntheory import numpy_core as nc
from nntheory import polynomials as P
from nntheory import torch_core as tc


def random_rational_weights(rng, n):
    """n non-zero rationals p/q with |p| <= 9, 1 <= q <= 9 (signs both ways)."""
    out = []
    while len(out) < n:
        p, q = int(rng.integers(-9, 10)), int(rng.integers(1, 10))
        if p:
            out.append(Fraction(p, q))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_expansion_is_exact_degree_constant_linear_quadratic_positive(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 6))
    w = random_rational_weights(rng, n)
    c = P.residual_square_coefficients(w)
    assert all(isinstance(v, Fraction) for v in c)
    assert len(c) == 2 ** n + 1 and c[-1] != 0                       # degree 2^n
    assert c[0] == 0 and c[1] == 1
    assert c[2] == sum(v * v for v in w)
    assert all(v > 0 for v in c[1:])
    # leading coefficient: lead_k = w_k^2 lead_{k-1}^2, so prod_k w_k^(2^(n-k+1))
    lead = math.prod(wk ** (2 ** (n - k + 1)) for k, wk in enumerate(w, start=1))
    assert c[-1] == lead
    # the recursion itself, checked at rational points by exact evaluation
    for x in (Fraction(-3, 2), Fraction(1, 3), Fraction(2)):
        F = x
        for wk in w:
            F = (wk * F) ** 2 + F
        assert sum(ck * x ** k for k, ck in enumerate(c)) == F


def test_expansion_of_two_layers_by_hand():
    w1, w2 = Fraction(1, 2), Fraction(2, 3)
    c = P.residual_square_coefficients([w1, w2])
    assert c == (0, 1, w1 ** 2 + w2 ** 2, 2 * (w1 * w2) ** 2, w2 ** 2 * w1 ** 4)
    assert P.residual_square_coefficients([]) == (0, 1)


def test_zero_weight_gives_a_zero_coefficient_but_still_x_plus_nonnegative():
    c = P.residual_square_coefficients([0, Fraction(1, 2)])
    # a zero weight makes its layer the identity: degree 2, padded to length 2^n + 1
    assert c == (0, 1, Fraction(1, 4), 0, 0)


@pytest.mark.parametrize("core", [nc, tc])
@pytest.mark.parametrize("seed", range(6))
def test_forward_pass_of_both_cores_matches_the_polynomial(core, seed):
    rng = np.random.default_rng(100 + seed)
    w = rng.uniform(-1.2, 1.2, size=int(rng.integers(1, 5)))
    model = core.MLP([1] * (len(w) + 1) + [1], "square", skip=True)
    assert all(model.skip[: len(w)]) and not model.skip[-1]
    net = P.residual_square_network(w, core)
    x = np.linspace(-1, 1, 201)
    out = net.predict(x[:, None]).ravel()
    exact = P.residual_square_coefficients(w)
    ref = np.array([float(sum(ck * Fraction(xi) ** k for k, ck in enumerate(exact)))
                    for xi in x])
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(P.residual_square_polynomial(w)(x), ref, rtol=1e-12,
                               atol=1e-12)
    assert P.mlp_polynomial(net, exact=True) == P.residual_square_coefficients(w)


@pytest.mark.parametrize("core", [nc, tc])
def test_mlp_polynomial_of_a_general_square_network(core):
    model = core.MLP([1, 3, 3, 1], "square", skip=True, init="torch", seed=4)
    p = P.mlp_polynomial(model)
    assert p.degree() == 4
    x = np.linspace(-1, 1, 101)
    np.testing.assert_allclose(p(x), model.predict(x[:, None]).ravel(), rtol=1e-12,
                               atol=1e-12)
    exact = P.mlp_polynomial(model, exact=True)
    np.testing.assert_allclose([float(v) for v in exact], p.coef, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("coefs", [[0.5, -1.0], [1, -2, 3, 0.5, -1], [0, 0, 0, 0, 0, 1],
                                   [Fraction(1, 3), 2, Fraction(-5, 7)]])
def test_horner_network_computes_any_polynomial(coefs):
    net = P.horner_square_network(coefs)
    assert net.sizes == (1,) + (4,) * (len(coefs) - 1) + (1,) and not any(net.skip)
    x = np.linspace(-1, 1, 101)
    ref = np.polynomial.Polynomial([float(c) for c in coefs])(x)
    np.testing.assert_allclose(net.predict(x[:, None]).ravel(), ref, rtol=1e-12, atol=1e-12)
    got = P.mlp_polynomial(net)
    np.testing.assert_allclose(got.coef[: len(coefs)], [float(c) for c in coefs],
                               rtol=1e-12, atol=1e-12)


def test_gram_schmidt_is_legendre():
    basis = P.gram_schmidt_legendre(12)
    for k, q in enumerate(basis):
        ref = np.polynomial.legendre.leg2poly([0] * k + [1])
        np.testing.assert_allclose([float(v) for v in q], ref, rtol=1e-13, atol=1e-13)
        assert sum(q) == 1                                          # P_k(1) = 1
        for j in range(k):
            assert P.l2_norm_squared_exact(_sum(q, basis[j])) == (
                P.l2_norm_squared_exact(q) + P.l2_norm_squared_exact(basis[j]))
        assert P.l2_norm_squared_exact(q) == Fraction(2, 2 * k + 1)


def _sum(p, q):
    n = max(len(p), len(q))
    return [(p[i] if i < len(p) else 0) + (q[i] if i < len(q) else 0) for i in range(n)]


def test_exact_projection_agrees_with_quadrature_projection_and_is_optimal():
    assert P.l2_projection_exact([0, 0, 0, 1], 1) == (0, Fraction(3, 5))
    rng = np.random.default_rng(7)
    coefs = [Fraction(int(v), 7) for v in rng.integers(-9, 10, size=9)]
    f = np.polynomial.Polynomial([float(c) for c in coefs])
    for n in (0, 2, 5):
        exact = P.l2_projection_exact(coefs, n)
        quad = P.l2_projection(f, n).convert(kind=np.polynomial.Polynomial)
        np.testing.assert_allclose(quad.coef, [float(v) for v in exact] + [0] * (
            len(quad.coef) - len(exact)), rtol=1e-10, atol=1e-12)
        # numpy's least-squares Legendre fit on many points approaches the same answer
        x = np.polynomial.legendre.leggauss(60)[0]
        w = np.polynomial.legendre.leggauss(60)[1]
        fit = np.polynomial.Legendre.fit(x, f(x), n, w=np.sqrt(w), domain=[-1, 1])
        np.testing.assert_allclose(fit.coef, P.l2_projection(f, n).coef, atol=1e-10)
        # the residual is orthogonal to every monomial of degree <= n (exactly)
        resid = _sum(coefs, [-v for v in exact])
        for k in range(n + 1):
            assert sum(r * P.monomial_inner(i, k) for i, r in enumerate(resid)) == 0


def test_runge_taylor_and_its_exact_error():
    T = P.taylor_polynomial(P.runge_taylor_coefficient, 6, exact=True)
    assert T == (1, 0, -25, 0, 625, 0, -15625)
    for d in (0, 2, 5, 8):
        Tf = P.taylor_polynomial(P.runge_taylor_coefficient, d)
        grid = P.sup_error(P.runge, Tf, n_grid=2001)
        assert math.isclose(grid, float(P.runge_taylor_sup_error(d)), rel_tol=1e-12)


def test_chebyshev_interpolant_interpolates():
    p = P.chebyshev_interpolant(np.exp, 7)
    nodes = np.polynomial.chebyshev.chebpts2(8)      # second kind, ends included
    assert nodes[0] == -1.0 and nodes[-1] == 1.0
    np.testing.assert_allclose(p(nodes), np.exp(nodes), rtol=1e-14)
    assert P.sup_error(np.exp, p) < 1e-6
    # degree 0: the constant f(0)
    assert P.chebyshev_interpolant(lambda x: np.cos(x) + 2, 0)(0.7) == 3.0


def test_chebyshev_interpolant_reproduces_polynomials():
    # interpolation at n + 1 distinct points is exact for degree <= n (round-off: 1e-13)
    q = np.polynomial.Polynomial([0.5, -1.0, 0.25, 2.0, 0.0, -0.75])
    for n in (5, 8, 30):
        p = P.chebyshev_interpolant(q, n).convert(kind=np.polynomial.Polynomial)
        x = np.linspace(-1, 1, 1001)
        assert np.max(np.abs(p(x) - q(x))) < 1e-13


def test_geometric_rate_recovers_rho():
    n = np.arange(2, 30, 2)
    assert math.isclose(P.geometric_rate(n, 3.0 * 1.5 ** -n), 1.5, rel_tol=1e-12)
    assert math.isclose(P.l2_error(np.sin, np.sin), 0.0, abs_tol=0)


@pytest.mark.parametrize("call, exc, word", [
    (lambda: P.residual_square_coefficients("ab"), TypeError, "weights"),
    (lambda: P.residual_square_coefficients([1, None]), TypeError, "weights[1]"),
    (lambda: P.residual_square_coefficients([1, True]), TypeError, "weights[1]"),
    (lambda: P.residual_square_coefficients([1.0, float("nan")]), ValueError, "weights[1]"),
    (lambda: P.residual_square_polynomial([float("inf")]), ValueError, "weights[0]"),
    (lambda: P.residual_square_network([1.0], core="jax"), ValueError, "core"),
    (lambda: P.residual_square_network([1.0], core=3), TypeError, "core"),
    (lambda: P.mlp_polynomial(nc.MLP([1, 2, 1], "relu")), ValueError, "square"),
    (lambda: P.mlp_polynomial(nc.MLP([2, 2, 1], "square")), ValueError, "one input"),
    (lambda: P.mlp_polynomial("net"), TypeError, "model"),
    (lambda: P.mlp_polynomial(nc.MLP([1, 1], "square"), exact=1), TypeError, "exact"),
    (lambda: P.horner_square_network([1.0]), ValueError, "degree >= 1"),
    (lambda: P.horner_square_network([]), ValueError, "coefficients"),
    (lambda: P.gram_schmidt_legendre(-1), ValueError, "degree"),
    (lambda: P.gram_schmidt_legendre(2.5), TypeError, "degree"),
    (lambda: P.l2_projection(3.0, 2), TypeError, "f"),
    (lambda: P.l2_projection(np.exp, -2), ValueError, "degree"),
    (lambda: P.l2_projection(lambda x: np.where(x > 0, np.inf, x), 2), ValueError, "NaN"),
    (lambda: P.l2_projection(np.exp, 2, n_quad=0), ValueError, "n_quad"),
    (lambda: P.chebyshev_interpolant(lambda x: x + np.nan, 3), ValueError, "NaN"),
    (lambda: P.taylor_polynomial(lambda k: "a", 2), TypeError, "coefficient(0)"),
    (lambda: P.l2_error(np.exp, [1, 2]), TypeError, "p"),
    (lambda: P.sup_error(np.exp, np.exp, n_grid=1), ValueError, "n_grid"),
    (lambda: P.geometric_rate([1, 2], [1.0, -1.0]), ValueError, "positive"),
    (lambda: P.geometric_rate([1, 2, 3], [1.0, 0.5]), ValueError, "same length"),
    (lambda: P.runge_taylor_sup_error(-1), ValueError, "degree"),
])
def test_bad_input_raises_named_errors(call, exc, word):
    with pytest.raises(exc, match=None) as info:
        call()
    assert word in str(info.value)
