"""Tests of the library behind chapters 3 and 4: constructions, approximation, seed000.

Tolerances: constructions are exact formulas evaluated in float64, so identities
(interpolation at knots, equality with np.interp, polynomial floors) hold to
~1e-12 relative; bounds are checked with a 1e-12 slack for round-off only.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from nntheory import approximation, constructions, seed000
from nntheory import numpy_core as npc
from nntheory import torch_core as thc

SLACK = 1e-12


# --------------------------------------------------------------------------- constructions

@pytest.mark.parametrize("f, f2sup", [(np.sin, 1.0), (np.exp, math.e), (lambda x: x**3, 6.0)])
@pytest.mark.parametrize("n_knots", [2, 3, 7, 30])
def test_relu_interpolant_is_the_linear_interpolant_and_obeys_its_bound(f, f2sup, n_knots):
    net = constructions.relu_interpolant(f, -1.0, 1.0, n_knots)
    assert net.sizes == (1, n_knots - 1, 1) and net.activation == "relu"
    knots = np.linspace(-1, 1, n_knots)
    x = np.linspace(-1, 1, 3001)
    out = net.predict(x[:, None]).ravel()
    np.testing.assert_allclose(out, np.interp(x, knots, f(knots)), rtol=0, atol=1e-12)
    err = np.max(np.abs(out - f(x)))
    assert err <= constructions.interpolation_bound(-1.0, 1.0, n_knots, f2sup) + SLACK


def test_relu_interpolant_is_exact_on_linear_functions():
    net = constructions.relu_interpolant(lambda x: 3 * x - 1, 0.0, 2.0, 5)
    x = np.linspace(0, 2, 101)[:, None]
    np.testing.assert_allclose(net.predict(x), 3 * x - 1, atol=1e-12)


def test_interpolation_bound_is_attained_by_a_parabola():
    # f = x^2 has f'' = 2; the error of the chord is exactly h^2/4 at each cell's midpoint
    net = constructions.relu_interpolant(np.square, -1.0, 1.0, 5)
    mid = np.array([[-0.75], [-0.25], [0.25], [0.75]])
    np.testing.assert_allclose(net.predict(mid).ravel() - mid.ravel() ** 2, 0.5**2 / 4,
                               atol=1e-14)
    assert constructions.interpolation_bound(-1.0, 1.0, 5, 2.0) == 0.5**2 / 4


def test_staircase_pointwise_bound_windows_and_failure():
    f = np.cos
    stair = constructions.sigmoid_staircase(f, 0.0, 3.0, 12, 300.0)
    assert stair.model.sizes == (1, 12, 1) and stair.model.activation == "sigmoid"
    x = np.linspace(0, 3, 6001)
    G = stair.model.predict(x[:, None]).ravel()
    S = stair.ideal(x)
    # |G - S| = |sum_k Delta_k (sigma - H)| <= tail, pointwise
    assert np.all(np.abs(G - S) <= stair.tail(x) + SLACK)
    h = stair.nodes[1] - stair.nodes[0]
    assert np.all(np.abs(f(x) - G) <= h / 2 + stair.tail(x) + SLACK)  # cos is 1-Lipschitz
    for eps in (1e-2, 1e-5):
        d = stair.window(eps)
        far = np.min(np.abs(x[:, None] - stair.step_points), axis=1) >= d
        assert far.any() and np.all(stair.tail(x[far]) <= eps)
    # inside the windows: G(t_k) is the midpoint of the two stair levels, up to the other
    # steps' tails (the k-th step is exactly 1/2 there), at distance |Delta_k|/2 from both
    t = stair.step_points
    Gt = stair.model.predict(t[:, None]).ravel()
    below, above = stair.ideal(t - 1e-9), stair.ideal(t + 1e-9)
    others = stair.tail(t) - np.abs(stair.jumps) / 2
    assert np.all(np.abs(Gt - (below + above) / 2) <= others + SLACK)


def test_staircase_of_a_constant_has_no_window():
    stair = constructions.sigmoid_staircase(lambda x: np.ones(len(x)), 0.0, 1.0, 3, 10.0)
    assert stair.window(1e-6) == 0.0
    np.testing.assert_allclose(stair.model.predict([[0.3]]), [[1.0]])


def test_bump_network_shapes_and_bound():
    def f(X):
        return X[:, 0] ** 2 - X[:, 1]

    towers = constructions.bump_network_2d(f, 5, steepness=400.0, steepness2=60.0)
    assert towers.model.sizes == (2, 8, 25, 1)
    g = np.linspace(0, 1, 81)
    P = np.column_stack([a.ravel() for a in np.meshgrid(g, g, indexing="ij")])
    delta = 0.03
    far = towers.distance_to_grid(P) >= delta
    G = towers.model.predict(P).ravel()
    assert far.any()
    assert np.max(np.abs(G - towers.ideal(P))[far]) <= towers.tail(delta) + SLACK
    lipschitz = math.sqrt(2**2 + 1)
    assert np.max(np.abs(G - f(P))[far]) <= lipschitz * 0.2 / math.sqrt(2) + towers.tail(delta)
    assert towers.tail(0.0) == math.inf          # on a grid line nothing is promised
    np.testing.assert_allclose(towers.values[2, 3], f(np.array([[0.5, 0.7]]))[0])


def test_forward_with_logistic_equals_the_sigmoid_core():
    net = npc.MLP([2, 4, 3, 1], "sigmoid", seed=0)
    X = np.random.default_rng(1).normal(size=(6, 2))
    np.testing.assert_allclose(constructions.forward_with(net.get_parameters(), X, special.expit),
                               net.predict(X), rtol=1e-14, atol=1e-15)


def test_best_polynomial_error_known_values():
    e2, p2 = constructions.best_polynomial_error(np.abs, 2)
    assert abs(e2 - 0.125) < 1e-9
    np.testing.assert_allclose(p2(np.array([0.0, 1.0])), [0.125, 1.125], atol=1e-8)
    e3, _ = constructions.best_polynomial_error(lambda x: x**3 - x, 3)
    assert e3 < 1e-10                                   # a cubic fits itself
    # the Chebyshev alternation: best degree-1 approximation of x^2 on [-1,1] errs by 1/2
    e1, _ = constructions.best_polynomial_error(np.square, 1)
    assert abs(e1 - 0.5) < 1e-9


@pytest.mark.parametrize("f, k, known", [(np.abs, 2, 0.125), (np.square, 1, 0.5),
                                         (np.abs, 4, None), (np.exp, 3, None)])
def test_polynomial_floor_is_a_certified_tight_lower_bound(f, k, known):
    fl = constructions.polynomial_floor(f, k)
    # the bracket is tight: the LP solution is optimal to well below the solver tolerance
    assert 0 < fl.lower <= fl.upper < fl.lower * (1 + 1e-9)
    if known is not None:
        assert abs(fl.lower - known) < 1e-9
    # the certificate itself: k + 2 points where f - p alternates with |f - p| >= lower
    x = fl.points
    e = f(x) - fl.polynomial(x)
    assert x.size == k + 2 and np.all(np.diff(x) > 0)
    assert np.all(np.abs(e) >= fl.lower) and np.all(e[1:] * e[:-1] < 0)
    assert fl.alternations >= k + 2                      # Chebyshev equioscillation
    # and it is a floor: no polynomial of degree k does better on the grid
    grid = np.linspace(-1, 1, 2001)
    rng = np.random.default_rng(0)
    for _ in range(200):
        c = fl.polynomial.coef + rng.normal(scale=10.0 ** rng.uniform(-8, -1), size=k + 1)
        q = np.polynomial.Chebyshev(c, domain=[-1, 1])
        assert np.max(np.abs(f(grid) - q(grid))) >= fl.lower


def test_polynomial_floor_of_a_polynomial_is_zero():
    fl = constructions.polynomial_floor(lambda x: x ** 3 - x, 3)
    assert fl.lower <= fl.upper < 1e-10


def test_relu_breakpoints_of_an_interpolant_are_its_knots():
    net = constructions.relu_interpolant(np.square, -1.0, 1.0, 5)
    np.testing.assert_allclose(constructions.relu_breakpoints(net), [-1.0, -0.5, 0.0, 0.5],
                               atol=1e-15)
    linear = constructions.relu_interpolant(lambda x: 2 * x, -1.0, 1.0, 5)
    # only the first unit changes the slope (from 0 to 2); the others add nothing
    np.testing.assert_allclose(constructions.relu_breakpoints(linear), [-1.0], atol=1e-15)


def test_network_polynomial_detects_polynomials():
    sq = npc.MLP([1, 5, 5, 1], "square", init="xavier", seed=2)
    _, residual = constructions.network_polynomial(sq, 4)
    assert residual < 1e-10
    _, residual3 = constructions.network_polynomial(sq, 3)
    assert residual3 > 1e-6                             # generically of degree exactly 4
    relu = npc.MLP([1, 5, 1], "relu", seed=2)
    assert constructions.network_polynomial(relu, 6)[1] > 1e-6


def test_sup_error():
    assert constructions.sup_error(np.sin, np.sin) == 0.0
    assert constructions.sup_error(np.zeros_like, np.ones_like, 0.0, 1.0) == 1.0


@pytest.mark.parametrize("call, match", [
    (lambda: constructions.relu_interpolant("sin", 0, 1, 3), "f must be a callable"),
    (lambda: constructions.relu_interpolant(np.sin, 1, 0, 3), "a < b"),
    (lambda: constructions.relu_interpolant(np.sin, 0, 1, 1), "n_knots"),
    (lambda: constructions.relu_interpolant(np.sin, 0, float("nan"), 3), "b must be"),
    (lambda: constructions.relu_interpolant(lambda x: np.ones(2), 0, 1, 5), "one value per"),
    (lambda: constructions.relu_interpolant(lambda x: np.full(len(x), np.inf), -1, 1, 5),
     "NaN or infinite"),
    (lambda: constructions.interpolation_bound(0, 1, 3, -1.0), "second_derivative_sup"),
    (lambda: constructions.sigmoid_staircase(np.sin, 0, 1, 0, 10.0), "n_steps"),
    (lambda: constructions.sigmoid_staircase(np.sin, 0, 1, 3, 0.0), "steepness"),
    (lambda: constructions.sigmoid_staircase(np.sin, 0, 1, 3, 1.0).window(0), "eps"),
    (lambda: constructions.bump_network_2d(np.sin, 1, 10.0), "n must be"),
    (lambda: constructions.bump_network_2d(lambda X: X[:, 0], 3, 10.0, -1.0), "steepness2"),
    (lambda: constructions.forward_with([np.ones((1, 1))], np.ones((2, 1)), np.tanh), "params"),
    (lambda: constructions.forward_with([np.ones((2, 1)), np.zeros(1)], np.ones((2, 1)),
                                        np.tanh), "X must have shape"),
    (lambda: constructions.best_polynomial_error(np.abs, -1), "degree"),
    (lambda: constructions.network_polynomial("net", 2), "model must be"),
    (lambda: constructions.polynomial_floor(np.abs, -1), "degree"),
    (lambda: constructions.polynomial_floor("abs", 2), "f must be"),
    (lambda: constructions.relu_breakpoints(npc.MLP([1, 3, 3, 1])), "model must be"),
    (lambda: constructions.relu_breakpoints(npc.MLP([1, 3, 1], "tanh")), "relu"),
    (lambda: constructions.relu_breakpoints(npc.MLP([1, 3, 1]), min_slope_change=-1.0),
     "min_slope_change"),
])
def test_constructions_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


# --------------------------------------------------------------------------- approximation

@pytest.mark.parametrize("name", list(approximation.TARGETS))
def test_target_constants_are_valid(name):
    T = approximation.TARGETS[name]
    x = np.linspace(-1, 1, 200001)
    slopes = np.abs(np.diff(T(x))) / np.diff(x)
    assert slopes.max() <= T.lipschitz * (1 + 1e-9)
    assert slopes.max() >= 0.99 * T.lipschitz           # and sharp
    if T.second_derivative_sup is not None:
        h = x[1] - x[0]
        second = np.abs(T(x[2:]) - 2 * T(x[1:-1]) + T(x[:-2])) / h**2
        assert second.max() <= T.second_derivative_sup * (1 + 1e-4)


def test_kink_is_never_a_knot():
    for m in range(1, 2000):
        theta = ((approximation.KINK + 1) * m / 2) % 1.0
        assert 1e-6 < theta < 1 - 1e-6


def test_errors_of_an_exact_model_are_zero():
    net = npc.MLP([1, 2, 1], "relu")
    net.set_parameters([np.array([[1.0, -1.0]]), np.zeros(2), np.ones((2, 1)), np.zeros(1)])
    assert approximation.errors(net, np.abs) == (0.0, 0.0)


def test_train_width_agrees_across_cores():
    f = approximation.TARGETS["smooth"]
    a = approximation.train_width(f, 4, core=npc, epochs=40, seed=3)
    b = approximation.train_width(f, 4, core=thc, epochs=40, seed=3)
    sup_a, mse_a = approximation.errors(a, f)
    sup_b, mse_b = approximation.errors(b, f)
    assert math.isclose(sup_a, sup_b, rel_tol=1e-9) and math.isclose(mse_a, mse_b, rel_tol=1e-9)


def test_width_sweep_shape_and_determinism():
    f = approximation.TARGETS["kinked"]
    e1 = approximation.width_sweep(f, [2, 3], seeds=(0, 1), epochs=20, progress=False)
    e2 = approximation.width_sweep(f, [2, 3], seeds=(0, 1), epochs=20, progress=False)
    assert e1.shape == (2, 2) and np.array_equal(e1, e2) and np.all(e1 > 0)


def test_width_sweep_returns_the_networks_it_measured():
    f = approximation.TARGETS["smooth"]
    errs, ensembles = approximation.width_sweep(f, [2, 5], seeds=(0, 3, 4), epochs=30,
                                                progress=False, return_ensembles=True)
    assert np.array_equal(errs, approximation.width_sweep(f, [2, 5], seeds=(0, 3, 4),
                                                          epochs=30, progress=False))
    assert [e.sizes[1] for e in ensembles] == [2, 5]
    for i, ens in enumerate(ensembles):
        assert ens.seeds == (0, 3, 4)
        for j in range(3):   # each member's own sup error is the table's entry: exactly,
            # since member(j) holds the member's parameters and its forward pass makes the
            # same products as the ensemble's for that member
            assert approximation.errors(ens.member(j), f)[0] == errs[i, j]
    # a separate fit agrees to round-off (the fast path orders some sums differently):
    # 1e-12 is thousands of ulps of errors of order 0.1-1 (measured difference: 0)
    one = approximation.train_width(f, 5, seed=3, epochs=30)
    assert abs(approximation.errors(one, f)[0] - errs[1, 1]) <= 1e-12
    with pytest.raises(TypeError, match="return_ensembles"):
        approximation.width_sweep(f, [2], epochs=1, return_ensembles="yes")


def test_loglog_slope_of_a_power_law():
    x = np.array([1.0, 2.0, 4.0, 8.0])
    assert abs(approximation.loglog_slope(x, 3 * x**-2.5) + 2.5) < 1e-12


@pytest.mark.parametrize("call, match", [
    (lambda: approximation.grid(1), "n must be"),
    (lambda: approximation.errors(npc.MLP([1, 1]), "f"), "f must be callable"),
    (lambda: approximation.errors(object(), np.sin), "model must be"),
    (lambda: approximation.train_width(np.sin, 0), "width"),
    (lambda: approximation.width_sweep(np.sin, [], epochs=1), "non-empty"),
    (lambda: approximation.loglog_slope([1, 2], [1, -1]), "positive"),
    (lambda: approximation.loglog_slope([1, 2, 3], [1, 2]), "same length"),
])
def test_approximation_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


# --------------------------------------------------------------------------- seed000

def test_parameter_counts_and_the_seed_builder():
    for d, w in seed000.SEED_DEPTH_WIDTH_TABLE:
        # counted independently: input layer w + w, (d - 1) hidden-to-hidden w^2 + w,
        # output layer w + 1
        n = 2 * w + (d - 1) * (w * w + w) + w + 1
        sizes = seed000.layer_sizes(d, w)
        assert len(sizes) == d + 2
        assert seed000.count_parameters(npc.MLP(sizes)) == n
        assert seed000.count_parameters(thc.MLP(sizes)) == n
        assert seed000.SEED_DEPTH_WIDTH_TABLE[d, w][0] != n   # the article's counts are wrong
    assert seed000._seed_layer_shapes(1, 100, 1, 1) == [(1, 100)]          # no output layer
    assert seed000._seed_layer_shapes(1, 50, 1, 3) == [(1, 50), (50, 50), (50, 1)]
    assert "seed_layer_shapes" not in seed000.__all__


def test_seed_initial_parameters_scale():
    params = seed000.seed_initial_parameters([100, 400, 1], 0.01, seed=0)
    assert abs(params[0].std() - 0.01) < 0.001 and not params[1].any()


def test_sequential_model_checks_shapes_and_trains_like_the_core():
    with pytest.raises(ValueError, match="layer 1 expects 50 inputs"):
        seed000.SequentialModel([seed000.LinearLayer(1, 100), seed000.LinearLayer(50, 1)])
    layers = [seed000.LinearLayer(1, 8, scale=0.5, seed=1), seed000.LinearLayer(8, 1, seed=2)]
    model = seed000.SequentialModel(layers)
    assert model.sizes == [1, 8, 1] and seed000.count_parameters(model) == 25
    X = np.linspace(-1, 1, 30)[:, None]
    y = np.sin(3 * X)
    reference = model.to_mlp()
    h_ref = npc.fit(reference, X, y, lr=0.05, epochs=20)
    h = model.train(X, y, epochs=20, lr=0.05)
    assert h.loss == h_ref.loss
    np.testing.assert_array_equal(model.predict(X), reference.predict(X))


def test_approximator_trains_by_gradient_descent():
    net = seed000.NeuralNetworkApproximator(1, 6, 1, seed=0)
    ref = npc.MLP([1, 6, 1], "relu", seed=0)
    X = np.linspace(-1, 1, 20)[:, None]
    h = net.train(X, X**2, learning_rate=0.1, epochs=15)
    h_ref = npc.fit(ref, X, X**2, lr=0.1, epochs=15)
    assert h.loss == h_ref.loss and seed000.count_parameters(net) == 19


def test_capacity_functions_return_numbers():
    vc = seed000.ExpressivenessBoundary.compute_vc_dimension(3)
    assert vc == 4 and isinstance(vc, int)
    assert seed000.ExpressivenessBoundary.estimate_capacity(thc.MLP([2, 3, 1])) == 13
    net = npc.MLP([1, 1])
    net.set_parameters([np.ones((1, 1)), np.zeros(1)])
    X = np.linspace(-1, 1, 5)[:, None]
    assert seed000.ExpressivenessBoundary.check_approximation_error(net, lambda x: x + 1, X) == 1.0


def test_verify_is_reproducible_and_records_every_width():
    kwargs = {"hidden_dims": (2, 3), "epochs": 5, "tolerance": 1e-9}
    r1 = seed000.UniversalApproximationTheorem.verify(np.sin, **kwargs)
    r2 = seed000.UniversalApproximationTheorem.verify(np.sin, **kwargs)
    assert r1 == r2 and not r1.found and list(r1.errors) == [2, 3]


def test_remeasure_the_linear_row():
    claim = seed000.SEED_APPROXIMATION_TABLE[0]
    m = seed000.remeasure_claim(claim, ladder=(1,), seeds=(0,), epochs=300)
    assert m.constructed_units == 0 and m.constructed_mse < 1e-20   # a least-squares line
    assert m.fewest_units == (0, "by construction")
    assert "not minimal: 0 by construction" in m.verdict


def test_verdict_logic():
    claim = seed000.ApproximationClaim("demo", "x", np.sin, 10, 0.01)
    ok = seed000.ClaimMeasurement(claim, 12, 0.005, 4, 0.001, 0.5, 0.01)
    assert ok.fewest_units == (4, "by training")
    assert ok.verdict == "10 units: reachable; not minimal: 4 by training"
    bad = seed000.ClaimMeasurement(claim, 10, 0.009, None, 0.2, 0.5, 0.01)
    assert bad.verdict == "10 units: not reached by training; no smaller network found"


@pytest.mark.parametrize("call, match", [
    (lambda: seed000.layer_sizes(0, 10), "depth"),
    (lambda: seed000.layer_sizes(1, 0), "width"),
    (lambda: seed000.count_parameters(3), "parameters"),
    (lambda: seed000.seed_initial_parameters([1, 2], 0.0, 0), "scale"),
    (lambda: seed000.FunctionApproximator("sin"), "target_function"),
    (lambda: seed000.SequentialModel([]), "non-empty"),
    (lambda: seed000.ExpressivenessBoundary.compute_vc_dimension(0), "input_dim"),
])
def test_seed000_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
