"""The NumPy core and the torch core compute the same function and gradients.

Tolerance: 1e-10 relative to the model's scale: outputs are compared relative to
the largest output, gradients relative to the largest gradient entry of the whole
model (not per array: an array whose gradient is nearly 0 — a bias at a symmetric
point — holds only round-off of the larger terms, and a per-array normalisation
makes the test pass or fail by the luck of the seed). Both cores evaluate the
same float64 expressions in a different order, so they differ by a few ulps per
operation; through four layers of at most 6 units that stays below 1e-13,
leaving three orders of margin. A wrong formula (a missing skip term, a
derivative off by a factor) shows up at order 1e-2 or more.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import make_problem

from nntheory import common
from nntheory import numpy_core as nc
from nntheory import torch_core as tc

RTOL = 1e-10


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    scale = max(float(np.max(np.abs(b))), 1e-300)
    return float(np.max(np.abs(a - b))) / scale


def grad_errors(ga, gb) -> list[float]:
    """Per-array max |difference| over the model's gradient scale (largest entry)."""
    scale = max(max(float(np.max(np.abs(g))) for g in gb), 1e-300)
    return [float(np.max(np.abs(u - v))) / scale for u, v in zip(ga, gb, strict=True)]


def sizes_for(depth: int, loss: str, width: int = 5) -> list[int]:
    n_out = 3 if loss == "cross_entropy" else 2
    return [3] + [width] * depth + [n_out]


@pytest.mark.parametrize("activation", common.ACTIVATIONS)
@pytest.mark.parametrize("skip", [False, True])
@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_forward_and_mse_gradients_agree(activation, skip, depth):
    sizes = sizes_for(depth, "mse")
    X, y = make_problem("mse", sizes, seed=depth)
    a = nc.MLP(sizes, activation, skip=skip, init="xavier", seed=7)
    b = tc.MLP(sizes, activation, skip=skip, init="xavier", seed=7, device="cpu")
    assert rel_err(a.forward(X), b.predict(X)) <= RTOL
    la, ga = nc.loss_and_gradients(a, X, y, "mse")
    lb, gb = tc.loss_and_gradients(b, X, y, "mse")
    assert abs(la - lb) <= RTOL * abs(lb)
    for u, v in zip(ga, gb, strict=True):
        assert u.shape == v.shape
    assert max(grad_errors(ga, gb)) <= RTOL


@pytest.mark.parametrize("loss", common.LOSSES)
@pytest.mark.parametrize("activation", common.ACTIVATIONS)
@pytest.mark.parametrize("skip", [False, True])
def test_every_loss_agrees(loss, activation, skip):
    sizes = sizes_for(2, loss)
    X, y = make_problem(loss, sizes, seed=3)
    a = nc.MLP(sizes, activation, skip=skip, init="torch", seed=11)
    b = tc.MLP(sizes, activation, skip=skip, init="torch", seed=11, device="cpu")
    la, ga = nc.loss_and_gradients(a, X, y, loss)
    lb, gb = tc.loss_and_gradients(b, X, y, loss)
    assert abs(la - lb) <= RTOL * abs(lb)
    assert abs(la - nc.loss_value(a, X, y, loss)) <= 1e-15 * abs(la)
    assert abs(lb - tc.loss_value(b, X, y, loss)) <= 1e-15 * abs(lb)
    assert max(grad_errors(ga, gb)) <= RTOL


def test_parity_over_random_models():
    """60 random (activation, loss, depth, width, skip, init, seed) draws: no hand-picked
    seeds. Same tolerance, relative to each model's gradient scale."""
    rng = np.random.default_rng(2024)
    worst = 0.0
    for _ in range(60):
        activation = common.ACTIVATIONS[rng.integers(len(common.ACTIVATIONS))]
        loss = common.LOSSES[rng.integers(len(common.LOSSES))]
        sizes = sizes_for(int(rng.integers(1, 5)), loss, width=int(rng.integers(1, 7)))
        kw = {"skip": bool(rng.integers(2)), "init": common.INITS[rng.integers(4)],
              "seed": int(rng.integers(10**6))}
        X, y = make_problem(loss, sizes, n=int(rng.integers(1, 20)),
                            seed=int(rng.integers(10**6)))
        a = nc.MLP(sizes, activation, **kw)
        b = tc.MLP(sizes, activation, device="cpu", **kw)
        la, ga = nc.loss_and_gradients(a, X, y, loss)
        lb, gb = tc.loss_and_gradients(b, X, y, loss)
        assert abs(la - lb) <= RTOL * abs(lb)
        worst = max(worst, *grad_errors(ga, gb))
    assert worst <= RTOL


def test_skip_connection_changes_the_function():
    """The skip flag is not a no-op: with equal widths it adds the identity path."""
    X, _ = make_problem("mse", [2, 4, 4, 1])
    plain = nc.MLP([2, 4, 4, 1], "tanh", seed=0).forward(X)
    skip = nc.MLP([2, 4, 4, 1], "tanh", skip=True, seed=0).forward(X)
    assert np.max(np.abs(plain - skip)) > 1e-3
    assert common.skip_layers([2, 4, 4, 3, 1], True) == (False, True, False, False)
    assert common.skip_layers([1, 1, 1, 1], True) == (True, True, False)


def test_skip_forward_by_hand():
    """A_1 = X + tanh(X W1 + b1) when n_in == h_1, checked against the formula."""
    m = nc.MLP([2, 2, 1], "tanh", skip=True, seed=4)
    W1, b1, W2, b2 = m.get_parameters()
    X, _ = make_problem("mse", [2, 2, 1])
    expected = (X + np.tanh(X @ W1 + b1)) @ W2 + b2
    assert rel_err(m.forward(X), expected) <= 1e-15


@pytest.mark.parametrize("init", common.INITS)
def test_same_seed_same_start_in_both_cores(init):
    a = nc.MLP([4, 6, 3], "relu", init=init, seed=5)
    b = tc.MLP([4, 6, 3], "relu", init=init, seed=5, device="cpu")
    for u, v in zip(a.get_parameters(), b.get_parameters(), strict=True):
        np.testing.assert_array_equal(u, v)
    c = nc.MLP([4, 6, 3], "relu", init=init, seed=6)
    assert not np.array_equal(a.get_parameters()[0], c.get_parameters()[0])


def test_parameter_layout_matches_nn_linear():
    """W_l in our layout is nn.Linear.weight transposed; counts match numel."""
    b = tc.MLP([3, 7, 2], seed=0, device="cpu")
    W1 = b.get_parameters()[0]
    assert W1.shape == (3, 7)
    np.testing.assert_array_equal(W1, b.layers[0].weight.detach().numpy().T)
    n_numel = sum(p.numel() for p in b.parameters())
    assert b.n_parameters == n_numel == common.n_parameters([3, 7, 2]) == 7 * 4 + 2 * 8
    assert nc.MLP([3, 7, 2]).n_parameters == n_numel


def test_set_parameters_round_trip_between_cores():
    a = nc.MLP([2, 3, 1], "sigmoid", seed=1)
    b = tc.MLP([2, 3, 1], "sigmoid", seed=2, device="cpu")
    b.set_parameters(a.get_parameters())
    X, _ = make_problem("mse", [2, 3, 1])
    assert rel_err(a.forward(X), b.predict(X)) <= RTOL
    a2 = nc.MLP([2, 3, 1], "sigmoid", seed=9)
    a2.set_parameters(b.get_parameters())
    np.testing.assert_array_equal(a2.forward(X), a.forward(X))


def test_get_parameters_returns_copies():
    a = nc.MLP([2, 3, 1], seed=1)
    p = a.get_parameters()
    p[0][...] = 0.0
    assert np.any(a.get_parameters()[0] != 0.0)


def test_torch_core_accepts_tensors():
    b = tc.MLP([2, 3, 1], seed=1, device="cpu")
    X, _ = make_problem("mse", [2, 3, 1])
    out = b(torch.as_tensor(X))
    assert isinstance(out, torch.Tensor) and out.shape == (X.shape[0], 1)
    np.testing.assert_allclose(out.detach().numpy(), b.predict(X), rtol=0, atol=0)


@pytest.mark.parametrize("activation", common.ACTIVATIONS)
def test_activation_functions_agree(activation):
    z = np.linspace(-8, 8, 401)
    a = nc.activation(activation, z)
    b = tc.activation(activation, torch.as_tensor(z)).numpy()
    assert rel_err(a, b) <= 1e-14
