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

from nntheory import common
from nntheory import numpy_core as nc

H = 1e-6
RTOL = 1e-6


def numerical_gradients(model, X, y, loss):
    params = model.parameters()
    grads = []
    for p in params:
        g = np.empty_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + H
            up = nc.loss_value(model, X, y, loss)
            p[idx] = old - H
            down = nc.loss_value(model, X, y, loss)
            p[idx] = old
            g[idx] = (up - down) / (2 * H)
        grads.append(g)
    return grads


def min_distance_to_kink(model, X):
    """The smallest |pre-activation| over all hidden units."""
    A = X
    dist = np.inf
    params = model.get_parameters()
    for l in range(model.n_layers - 1):
        Z = A @ params[2 * l] + params[2 * l + 1]
        dist = min(dist, float(np.min(np.abs(Z))))
        S = nc.activation(model.activation, Z)
        A = A + S if model.skip[l] else S
    return dist


@pytest.mark.parametrize("activation", common.ACTIVATIONS)
@pytest.mark.parametrize("skip", [False, True])
def test_backprop_matches_finite_differences(activation, skip):
    sizes = [3, 4, 4, 2]
    X, y = make_problem("mse", sizes, n=6, seed=2)
    model = nc.MLP(sizes, activation, skip=skip, init="xavier", seed=3)
    if activation in ("relu", "leaky_relu", "elu"):
        assert min_distance_to_kink(model, X) > 10 * H
    _, grads = nc.loss_and_gradients(model, X, y, "mse")
    for g, fd in zip(grads, numerical_gradients(model, X, y, "mse"), strict=True):
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
    for g, fd in zip(grads, numerical_gradients(model, X, y, loss), strict=True):
        scale = max(np.max(np.abs(fd)), 1e-8)
        assert np.max(np.abs(g - fd)) <= RTOL * scale


@pytest.mark.parametrize("activation", common.ACTIVATIONS)
def test_activation_derivatives_match_finite_differences(activation):
    z = np.linspace(-4.05, 4.05, 82)  # avoids 0, where ReLU-type kinks sit
    fd = (nc.activation(activation, z + H) - nc.activation(activation, z - H)) / (2 * H)
    np.testing.assert_allclose(nc.activation_derivative(activation, z), fd, rtol=1e-6, atol=1e-8)
