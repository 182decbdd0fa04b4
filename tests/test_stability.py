"""Activations and losses are finite, warning-free and exact far from the origin (|x| = 1000).

The BCE value at logits up to 1e16 is tested against an exact reference in
test_core_hardening.py; activations up to |z| = 1e300 there too.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from nntheory import common
from nntheory import numpy_core as nc
from nntheory import torch_core as tc

Z = np.array([-1000.0, -700.0, -50.0, -1e-300, 0.0, 1e-300, 50.0, 700.0, 1000.0])


@pytest.mark.parametrize("activation", common.ACTIVATIONS)
def test_activations_finite_without_warnings(activation):
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        a = nc.activation(activation, Z)
        d = nc.activation_derivative(activation, Z)
        t = tc.activation(activation, torch.as_tensor(Z)).numpy()
    assert np.isfinite(a).all() and np.isfinite(d).all() and np.isfinite(t).all()
    np.testing.assert_allclose(a, t, rtol=1e-14, atol=0)


def test_saturated_values_are_right():
    with np.errstate(all="raise", under="ignore"):
        assert nc.activation("sigmoid", Z)[0] == 0.0 and nc.activation("sigmoid", Z)[-1] == 1.0
        assert nc.activation("softplus", Z)[-1] == 1000.0
        assert nc.activation("softplus", Z)[0] == 0.0
        assert nc.activation("elu", Z)[0] == -1.0
        assert nc.activation("gelu", Z)[-1] == 1000.0 and nc.activation("gelu", Z)[0] == 0.0


@pytest.mark.parametrize("loss", common.LOSSES)
@pytest.mark.parametrize("core", [nc, tc], ids=["numpy", "torch"])
def test_losses_finite_at_huge_logits(loss, core):
    kw = {"device": "cpu"} if core is tc else {}
    n_out = 3 if loss == "cross_entropy" else 1
    m = core.MLP([1, n_out], "identity", seed=0, **kw)
    W = np.full((1, n_out), 1000.0)
    if n_out == 3:
        W[0, 1] = -1000.0
    m.set_parameters([W, np.zeros(n_out)])
    X = np.array([[1.0], [-1.0]])
    y = {"mse": np.zeros((2, 1)), "bce": np.array([[0.0], [1.0]]),
         "hinge": np.array([[-1.0], [1.0]]), "cross_entropy": np.array([1, 1])}[loss]
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        value, grads = core.loss_and_gradients(m, X, y, loss)
    # badly wrong logits +-1000: the exact losses, not merely "finite and large"
    # (mse: 1000^2; bce: softplus(1000) = softplus(-1000) + 1000 = 1000 + log1p(e^-1000);
    # hinge: 1 + 1000; cross-entropy: rows (1000, -1000, 1000) and (-1000, 1000, -1000)
    # with label 1 give 2000 + log 2 and log(1 + 2 e^-2000) = 0)
    exact = {"mse": 1e6, "bce": 1000.0, "hinge": 1001.0,
             "cross_entropy": (2000.0 + np.log(2.0)) / 2}[loss]
    assert abs(value - exact) <= 1e-15 * exact
    assert all(np.isfinite(g).all() for g in grads)
