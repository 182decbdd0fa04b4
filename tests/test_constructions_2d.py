"""Tests of the constructions added after the referee's review of chapter 4.

* the two-hidden-layer ReLU network equal to the P1 interpolant on the Courant
  triangulation, and its bound ``M h^2 / 4`` (attained by ``|x|^2``);
* what the tower network achieves (convergence off the grid lines) and where it
  fails (about 0 where interior grid lines cross, at every ``n``);
* the ramp ``relu(t) - relu(t - 1)`` as two ReLU units;
* the staircase's values inside its windows of failure;
* bad input to ``forward_with``, ``BumpNetwork`` and the staircase.

Tolerances: the networks are exact formulas in float64, so identities hold to
~1e-12 (sums of a few hundred terms of size <= 1).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from nntheory import constructions

SLACK = 1e-12


def _square_grid(m: int) -> np.ndarray:
    g = np.linspace(0, 1, m)
    return np.column_stack([a.ravel() for a in np.meshgrid(g, g, indexing="ij")])


def _p1_by_formula(f, n: int, P: np.ndarray) -> np.ndarray:
    """Barycentric interpolation on the triangles (i,j),(i+1,j),(i+1,j+1) / (i,j),(i,j+1),..."""
    i = np.minimum(np.floor(P[:, 0] * n).astype(int), n - 1)
    j = np.minimum(np.floor(P[:, 1] * n).astype(int), n - 1)
    a, b = P[:, 0] * n - i, P[:, 1] * n - j

    def v(di, dj):
        return f(np.column_stack([(i + di) / n, (j + dj) / n]))

    f00, f10, f01, f11 = v(0, 0), v(1, 0), v(0, 1), v(1, 1)
    lower = f00 + a * (f10 - f00) + b * (f11 - f10)
    upper = f00 + b * (f01 - f00) + a * (f11 - f01)
    return np.where(a >= b, lower, upper)


def _bump(X):
    return np.sin(np.pi * X[:, 0]) * np.sin(np.pi * X[:, 1])


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_relu_interpolant_2d_is_the_p1_interpolant(n):
    def f(X):
        return np.exp(X[:, 0]) * np.cos(2 * X[:, 1]) + X[:, 0] * X[:, 1]

    net = constructions.relu_interpolant_2d(f, n)
    assert net.sizes == (2, 8 * n + 6, (n + 1) ** 2, 1) and net.activation == "relu"
    P = _square_grid(97)
    np.testing.assert_allclose(net.predict(P).ravel(), _p1_by_formula(f, n, P), rtol=0,
                               atol=1e-12)
    nodes = _square_grid(n + 1)
    np.testing.assert_allclose(net.predict(nodes).ravel(), f(nodes), rtol=0, atol=1e-12)


def test_hats_form_a_partition_of_unity_and_reproduce_linear_functions():
    P = _square_grid(61)
    one = constructions.relu_interpolant_2d(lambda X: np.ones(len(X)), 6)
    np.testing.assert_allclose(one.predict(P).ravel(), 1.0, rtol=0, atol=1e-13)
    lin = constructions.relu_interpolant_2d(lambda X: 2 * X[:, 0] - 3 * X[:, 1] + 0.5, 5)
    np.testing.assert_allclose(lin.predict(P).ravel(), 2 * P[:, 0] - 3 * P[:, 1] + 0.5,
                               rtol=0, atol=1e-12)


@pytest.mark.parametrize("n", [1, 2, 4, 8])
def test_bound_2d_is_attained_by_the_paraboloid_at_diagonal_midpoints(n):
    # f = x^2 + y^2 has Hessian 2 I (M = 2); I f - f = R^2 - |x - c|^2 = h^2/2 at c
    net = constructions.relu_interpolant_2d(lambda X: (X**2).sum(axis=1), n)
    h = 1.0 / n
    centres = (np.arange(n) + 0.5) * h
    C = np.column_stack([a.ravel() for a in np.meshgrid(centres, centres, indexing="ij")])
    gap = net.predict(C).ravel() - (C**2).sum(axis=1)
    bound = constructions.interpolation_bound_2d(n, 2.0)
    assert bound == h * h / 2
    np.testing.assert_allclose(gap, bound, rtol=1e-12)
    P = _square_grid(81)
    assert np.max(np.abs(net.predict(P).ravel() - (P**2).sum(axis=1))) <= bound + SLACK


@pytest.mark.parametrize("n", [4, 8, 16])
def test_bound_2d_holds_and_is_nearly_attained_for_a_smooth_bump(n):
    # sin(pi x) sin(pi y): Hessian eigenvalues -pi^2 cos(pi(x -+ y)), so M = pi^2
    net = constructions.relu_interpolant_2d(_bump, n)
    P = _square_grid(8 * n + 1)          # contains every diagonal midpoint
    err = np.max(np.abs(net.predict(P).ravel() - _bump(P)))
    bound = constructions.interpolation_bound_2d(n, math.pi**2)
    assert err <= bound + SLACK
    assert err / bound >= 0.9            # a constant 4x too small would fail here


def test_towers_converge_off_the_lines_but_vanish_at_crossings():
    for n in (4, 8):
        towers = constructions.bump_network_2d(_bump, n, steepness=60.0 * n, steepness2=60.0)
        lines = np.arange(1, n) / n
        X = np.column_stack([a.ravel() for a in np.meshgrid(lines, lines, indexing="ij")])
        G = towers.model.predict(X).ravel()
        # every tower's argument is <= -1/2 at an interior crossing: |G| <= sigma(-30) sum|f|
        assert np.max(np.abs(G)) <= special.expit(-30.0) * np.abs(towers.values).sum()
        assert np.max(np.abs(_bump(X) - G)) >= 0.9 * np.max(np.abs(_bump(X)))
        P = _square_grid(121)
        far = towers.distance_to_grid(P) >= 1 / (8 * n)
        ideal_gap = np.abs(towers.model.predict(P).ravel() - towers.ideal(P))[far]
        assert np.max(ideal_gap) <= towers.tail(1 / (8 * n)) + SLACK


def test_towers_in_the_propositions_regime_cover_more_of_the_square():
    # delta = h^2 (delta / h -> 0), s = 60 n^3 (s delta = 60 n -> infinity): the region
    # where part 1 of the proposition applies grows, and the bound holds there
    P = _square_grid(161)
    fractions = []
    for n in (4, 8, 16):
        h, delta = 1 / n, 1 / n ** 2
        towers = constructions.bump_network_2d(_bump, n, steepness=60.0 * n ** 3)
        inside = (P.min(axis=1) >= delta) & (P.max(axis=1) <= 1 - delta)
        far = (towers.distance_to_grid(P) >= delta) & inside
        err = np.abs(towers.model.predict(P).ravel() - _bump(P))[far]
        assert np.max(err) <= math.sqrt(2) * math.pi * (h / 2 - delta) + towers.tail(delta)
        fractions.append(far.mean())
    assert fractions[0] < fractions[1] < fractions[2]
    # (1 - 2 delta / h)^2 of the square, up to the resolution of the 1/160 grid, which
    # is coarser than delta = 1/256 at n = 16 (observed deviation 0.034)
    np.testing.assert_allclose(fractions, [(1 - 2 / n) ** 2 for n in (4, 8, 16)], atol=0.05)


def test_ramp_is_sigmoidal_and_two_relus():
    t = np.linspace(-5, 5, 1001)
    r = constructions.ramp(t)
    assert r[0] == 0.0 and r[-1] == 1.0 and np.all(np.diff(r) >= 0)
    np.testing.assert_array_equal(constructions.ramp(np.array([-1e9, 0.25, 1e9])),
                                  [0.0, 0.25, 1.0])
    rng = np.random.default_rng(0)
    params = [rng.normal(size=(2, 5)), rng.normal(size=5), rng.normal(size=(5, 3)),
              rng.normal(size=3)]
    X = rng.normal(size=(40, 2)) * 3
    relu_net = constructions.ramp_as_relu(params)
    assert relu_net.sizes == (2, 10, 3)
    np.testing.assert_allclose(relu_net.predict(X),
                               constructions.forward_with(params, X, constructions.ramp),
                               rtol=0, atol=1e-12)


def test_staircase_values_inside_the_windows():
    f = np.cos
    stair = constructions.sigmoid_staircase(f, 0.0, 3.0, 12, 300.0)
    t = stair.step_points
    below, above = stair.ideal(t - 1e-9), stair.ideal(t + 1e-9)
    G = stair.model.predict(t[:, None]).ravel()
    # at t_k the k-th step is exactly 1/2: G(t_k) is the midpoint of the two levels,
    # up to the other steps' tails
    others = stair.tail(t) - np.abs(stair.jumps) / 2
    assert np.all(np.abs(G - (below + above) / 2) <= others + SLACK)
    # and a wrong midpoint (say, the lower level) is far off
    assert np.all(np.abs(G - below)[np.abs(stair.jumps) > 0.1] > 0.04)


def test_bad_input_names_the_argument():
    net_params = [np.ones((2, 3)), np.zeros(3), np.ones((3, 1)), np.zeros(1)]
    X = np.ones((4, 2))
    cases = [
        (lambda: constructions.forward_with([np.ones((2, 3)), np.zeros(2)], X, np.tanh),
         r"params\[1\] must have shape"),
        (lambda: constructions.forward_with(net_params[:2] + [np.ones((2, 1)), np.zeros(1)],
                                            X, np.tanh), r"params\[2\] must have 3 rows"),
        (lambda: constructions.forward_with([np.full((2, 3), np.nan)] + net_params[1:], X,
                                            np.tanh), r"params\[0\] contains NaN"),
        (lambda: constructions.forward_with(net_params, np.full((4, 2), np.nan), np.tanh),
         "X contains NaN"),
        (lambda: constructions.forward_with(net_params, X, lambda z: z[:, :1]),
         "sigma must return an array of the shape"),
        (lambda: constructions.forward_with(net_params, X, lambda z: z * np.nan),
         "sigma returned NaN"),
        (lambda: constructions.forward_with([np.full((2, 3), 1e308)] + net_params[1:], X,
                                            np.tanh), "overflow"),
        (lambda: constructions.forward_with("params", X, np.tanh), "params must be a list"),
        (lambda: constructions.ramp_as_relu(net_params + net_params), "one hidden layer"),
        (lambda: constructions.sigmoid_staircase(np.sin, 0, 4, 3, 1e308),
         "steepness is too large"),
        (lambda: constructions.bump_network_2d(_bump, 3, 10.0, 1e308),
         "steepness2 is too large"),
        (lambda: constructions.relu_interpolant_2d(_bump, 0), "n must be"),
        (lambda: constructions.relu_interpolant_2d(_bump, 10**6), "n must be at most"),
        (lambda: constructions.relu_interpolant_2d(lambda X: X, 2), "one value per"),
        (lambda: constructions.interpolation_bound_2d(3, float("nan")), "hessian_sup"),
        (lambda: constructions.interpolation_bound_2d(3, -1.0), "hessian_sup"),
    ]
    towers = constructions.bump_network_2d(_bump, 3, 10.0)
    stair = constructions.sigmoid_staircase(np.sin, 0, 1, 3, 10.0)
    cases += [
        (lambda: towers.ideal(np.ones((3, 3))), "X must have shape"),
        (lambda: towers.ideal([[np.nan, 0.5]]), "X contains NaN"),
        (lambda: towers.distance_to_grid(np.ones(4)), "X must have"),
        (lambda: towers.tail(float("nan")), "delta"),
        (lambda: stair.ideal([np.nan]), "x contains NaN"),
        (lambda: stair.tail("abc"), "x must be an array"),
    ]
    for call, match in cases:
        with pytest.raises((ValueError, TypeError), match=match):
            call()
