"""Finite-difference checks of the NumPy core's hand-written gradients.

Central differences with step h have truncation error O(h^2 |f'''|) and
round-off O(eps |f| / h); with h = 1e-6 both are below ~1e-9 relative on these
smooth, O(1) problems, so we accept 1e-6 relative to the gradient's scale.
Inputs are random, so ReLU-type kinks (a measure-zero set) are not hit, and
we check that no pre-activation lies within 10 h of a kink.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_problem

from nntheory import common, gradcheck
from nntheory import numpy_core as nc

H = 1e-6
RTOL = 1e-6


@pytest.mark.parametrize("activation", common.ACTIVATIONS)
@pytest.mark.parametrize("skip", [False, True])
def test_backprop_matches_finite_differences(activation, skip):
    sizes = [3, 4, 4, 2]
    X, y = make_problem("mse", sizes, n=6, seed=2)
    model = nc.MLP(sizes, activation, skip=skip, init="xavier", seed=3)
    if activation in ("relu", "leaky_relu", "elu"):
        assert gradcheck.distance_to_kinks(model, X) > 10 * H
    _, grads = nc.loss_and_gradients(model, X, y, "mse")
    fds = gradcheck.finite_difference_gradients(model, X, y, "mse", h=H)
    for g, fd in zip(grads, fds, strict=True):
        scale = max(np.max(np.abs(fd)), 1e-8)
        assert np.max(np.abs(g - fd)) <= RTOL * scale


@pytest.mark.parametrize("loss", common.LOSSES)
def test_loss_gradients_match_finite_differences(loss):
    sizes = [2, 5, 3]
    X, y = make_problem(loss, sizes, n=8, seed=4)
    model = nc.MLP(sizes, "tanh", seed=5)
    if loss == "hinge":  # keep away from the hinge's kink at y z = 1
        margins = 1 - y * model.forward(X)
        assert np.min(np.abs(margins)) > 10 * H
    _, grads = nc.loss_and_gradients(model, X, y, loss)
    fds = gradcheck.finite_difference_gradients(model, X, y, loss, h=H)
    for g, fd in zip(grads, fds, strict=True):
        scale = max(np.max(np.abs(fd)), 1e-8)
        assert np.max(np.abs(g - fd)) <= RTOL * scale


@pytest.mark.parametrize("activation", common.ACTIVATIONS)
def test_activation_derivatives_match_finite_differences(activation):
    z = np.linspace(-4.05, 4.05, 82)  # avoids 0, where ReLU-type kinks sit
    fd = (nc.activation(activation, z + H) - nc.activation(activation, z - H)) / (2 * H)
    np.testing.assert_allclose(nc.activation_derivative(activation, z), fd, rtol=1e-6, atol=1e-8)


def test_finite_differences_restore_parameters_and_are_exact_on_quadratics():
    # A linear model with MSE is quadratic in its parameters, so central differences are
    # exact up to round-off (the truncation term involves the vanishing third derivative).
    X = np.array([[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5]])
    y = np.array([[1.0], [-2.0], [0.5]])
    model = nc.MLP([2, 1], seed=0)
    before = model.get_parameters()
    fd = gradcheck.finite_difference_gradients(model, X, y, h=1e-3)
    for p, q in zip(before, model.get_parameters(), strict=True):
        assert np.array_equal(p, q)
    W, b = before
    r = X @ W + b - y
    exact = [2 * X.T @ r / 3, 2 * r.sum(axis=0) / 3]
    assert gradcheck.relative_error(fd, exact) < 1e-9


def test_relative_error_and_kink_distance():
    assert gradcheck.relative_error([np.zeros(3)], [np.zeros(3)]) == 0.0
    assert gradcheck.relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.5])) == 0.5 / 2.5
    smooth = nc.MLP([1, 3, 1], "tanh", seed=0)
    assert gradcheck.distance_to_kinks(smooth, np.ones((2, 1))) == np.inf
    kinked = nc.MLP([1, 2, 1], "relu")
    kinked.set_parameters([np.array([[1.0, -1.0]]), np.array([-0.25, 0.5]),
                           np.ones((2, 1)), np.zeros(1)])
    assert gradcheck.distance_to_kinks(kinked, np.array([[0.0], [1.0]])) == 0.25


def test_gradcheck_bad_input():
    model = nc.MLP([1, 2, 1], seed=0)
    X, y = np.ones((2, 1)), np.ones((2, 1))
    with pytest.raises(ValueError, match="h must be"):
        gradcheck.finite_difference_gradients(model, X, y, h=0.0)
    with pytest.raises(TypeError, match="model must be"):
        gradcheck.finite_difference_gradients("net", X, y)
    with pytest.raises(ValueError, match="X"):
        gradcheck.finite_difference_gradients(model, np.ones((2, 3)), y)
    with pytest.raises(ValueError, match="same shape"):
        gradcheck.relative_error([np.ones(2)], [np.ones(3)])


def test_relative_error_is_per_block():
    # a wrong small block next to a large right one: the global max-norm would call this
    # 1e-3 / 10 = 1e-4, per block it is 1e-3 / 1e-3 = 1
    big, small = np.full(3, 10.0), np.array([1e-3])
    errors = gradcheck.relative_errors([big, small], [big, np.zeros(1)])
    assert errors == [0.0, 1.0]
    assert gradcheck.relative_error([big, small], [big, np.zeros(1)]) == 1.0
    errors = gradcheck.relative_errors([np.array([1.0, 2.0]), np.array([4.0])],
                                       [np.array([1.0, 2.5]), np.array([4.0])])
    assert errors == [0.5 / 2.5, 0.0]
    assert gradcheck.relative_error(np.array([[3.0]]), np.array([[3.0]])) == 0.0
    assert gradcheck.relative_errors([np.zeros((0, 2))], [np.zeros((0, 2))]) == [0.0]


NON_FINITE = [np.nan, np.inf, -np.inf]


@pytest.mark.parametrize("bad", NON_FINITE)
@pytest.mark.parametrize("block", [0, 1])
@pytest.mark.parametrize("side", ["a", "b"])
def test_relative_error_never_drops_a_nan_block(bad, block, side):
    good = [np.array([1.0, 2.0]), np.array([0.5])]
    broken = [g.copy() for g in good]
    broken[block][0] = bad
    a, b = (broken, good) if side == "a" else (good, broken)
    with pytest.raises(ValueError, match=rf"{side}\[{block}\] contains NaN"):
        gradcheck.relative_error(a, b)
    with pytest.raises(ValueError, match=rf"{side}\[{block}\]"):
        gradcheck.relative_errors(a, b)


@pytest.mark.parametrize("a, b, exc, match", [
    ([], [], ValueError, "at least one array"),
    ([np.ones(2)], [np.ones(2), np.ones(1)], ValueError, "same number of arrays"),
    ([np.ones(2), np.ones(2)], [np.ones(2), np.ones(3)], ValueError, r"a\[1\] and b\[1\]"),
    (np.ones(2), np.ones(3), ValueError, "same shape"),
    ("abc", np.ones(3), TypeError, "a must be an array"),
    ([np.ones(2)], [None], TypeError, r"b\[0\]"),
    (np.nan, 1.0, ValueError, "a contains NaN"),
    ([np.ones(2)], [[1.0, [2.0]]], TypeError, r"b\[0\]"),
])
def test_relative_error_bad_input(a, b, exc, match):
    with pytest.raises(exc, match=match):
        gradcheck.relative_error(a, b)


def test_distance_to_kinks_bad_input():
    kinked = nc.MLP([2, 3, 1], "relu", seed=0)
    for bad, exc, match in [
        (np.ones((4, 3)), ValueError, "shape"),
        (np.ones(4), ValueError, "shape"),
        (np.array([[np.nan, 1.0]]), ValueError, "NaN"),
        (np.array([[np.inf, 1.0]]), ValueError, "NaN"),
        (np.zeros((0, 2)), ValueError, "at least one"),
        ("abc", TypeError, "X"),
        (None, TypeError, "X"),
    ]:
        with pytest.raises(exc, match=match):
            gradcheck.distance_to_kinks(kinked, bad)
    with pytest.raises(TypeError, match="model must be"):
        gradcheck.distance_to_kinks(None, np.ones((1, 2)))
    broken = nc.MLP([2, 3, 1], "relu", seed=0)
    broken._params[0][0, 0] = np.nan   # set_parameters refuses NaN; force it as training might
    with pytest.raises(ValueError, match="NaN"):
        gradcheck.distance_to_kinks(broken, np.ones((1, 2)))
    huge = nc.MLP([2, 3, 3, 1], "relu", seed=0)
    huge.set_parameters([p * 1e200 for p in huge.get_parameters()])
    with pytest.raises(ValueError, match="overflow"):
        gradcheck.distance_to_kinks(huge, np.full((1, 2), 1e200))


@pytest.mark.parametrize("h, exc", [(0.0, ValueError), (-1e-6, ValueError), (np.nan, ValueError),
                                    (np.inf, ValueError), ("1e-6", TypeError),
                                    (True, TypeError), (None, TypeError)])
def test_finite_difference_step_is_validated(h, exc):
    model = nc.MLP([1, 2, 1], seed=0)
    with pytest.raises(exc, match="h must be"):
        gradcheck.finite_difference_gradients(model, np.ones((2, 1)), np.ones((2, 1)), h=h)
