"""Dropout in both cores: same masks from the same seed, train/eval modes, parity.

(AdamW's step-by-step parity with torch.optim.AdamW is in test_optimizers.py.)

Masks are drawn in NumPy (``common.dropout_masks``) from ``model.dropout_rng``,
a child stream of the model's seed, and multiplied into ``sigma(Z_l)`` by both
cores, so the cores compute the same random function; the tolerances are those
of test_parity.py (1e-10 relative to the model's scale, observed ~1e-15).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_problem

from nntheory import common
from nntheory import numpy_core as nc
from nntheory import torch_core as tc

CORES = [nc, tc]
IDS = ["numpy", "torch"]
RTOL = 1e-10


def make(core, *args, **kw):
    if core is tc:
        kw.setdefault("device", "cpu")
    return core.MLP(*args, **kw)


def out(core, model, X):
    y = model.forward(X)
    return y.detach().numpy() if core is tc else y


def grad_error(ga, gb) -> float:
    scale = max(max(float(np.max(np.abs(g))) for g in gb), 1e-300)
    return max(float(np.max(np.abs(u - v))) for u, v in zip(ga, gb, strict=True)) / scale


@pytest.mark.parametrize("core", CORES, ids=IDS)
@pytest.mark.parametrize("skip", [False, True])
def test_eval_mode_is_deterministic_and_equals_the_plain_network(core, skip):
    sizes = [3, 5, 5, 5, 2]
    X, _ = make_problem("mse", sizes, n=9)
    plain = make(core, sizes, "tanh", skip=skip, seed=3)
    drop = make(core, sizes, "tanh", skip=skip, seed=3, dropout=0.5)
    assert drop.training                       # models start in training mode, as in torch
    assert drop.eval() is drop and not drop.training
    first = out(core, drop, X)
    np.testing.assert_array_equal(first, out(core, drop, X))        # deterministic
    np.testing.assert_array_equal(first, out(core, plain, X))       # = no dropout, exactly
    drop.train()
    np.testing.assert_array_equal(drop.predict(X), plain.predict(X))  # predict: always eval
    lp = core.loss_value(plain, X, np.zeros((9, 2)))
    assert core.loss_value(drop, X, np.zeros((9, 2))) == lp         # loss_value: eval too


@pytest.mark.parametrize("core", CORES, ids=IDS)
def test_training_mode_drops_units(core):
    sizes = [2, 6, 1]
    X, _ = make_problem("mse", sizes, n=7)
    m = make(core, sizes, "relu", seed=1, dropout=0.5)
    a, b = out(core, m, X), out(core, m, X)
    assert not np.array_equal(a, b)                 # fresh masks each forward
    assert not np.array_equal(a, m.predict(X))      # and not the eval network


@pytest.mark.parametrize("activation", ["relu", "tanh", "gelu", "softplus"])
@pytest.mark.parametrize("skip", [False, True])
@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_dropout_forward_and_gradients_agree_across_cores(activation, skip, loss):
    sizes = [3, 4, 4, 4, 3] if loss == "cross_entropy" else [3, 4, 4, 4, 2]
    X, y = make_problem(loss, sizes, n=10, seed=2)
    a = make(nc, sizes, activation, skip=skip, seed=8, dropout=0.3)
    b = make(tc, sizes, activation, skip=skip, seed=8, dropout=0.3)
    for _ in range(2):  # the second call uses the next masks of each stream
        fa, fb = out(nc, a, X), out(tc, b, X)
        assert np.max(np.abs(fa - fb)) <= RTOL * np.max(np.abs(fb))
        la, ga = nc.loss_and_gradients(a, X, y, loss)
        lb, gb = tc.loss_and_gradients(b, X, y, loss)
        assert abs(la - lb) <= RTOL * abs(lb)
        assert grad_error(ga, gb) <= RTOL
    # the masks really were used: the training-mode loss is not the eval loss
    assert la != nc.loss_value(a, X, y, loss)


def test_dropout_gradient_matches_finite_differences_with_fixed_masks():
    """The NumPy backward through a mask, against central differences of the same masked
    function (the masks replayed by resetting the generator before every evaluation)."""
    sizes = [2, 4, 3, 1]
    X, y = make_problem("mse", sizes, n=6, seed=5)
    m = make(nc, sizes, "tanh", seed=2, dropout=0.4)

    def masked_loss():
        m.dropout_rng = np.random.default_rng(11)
        return nc.loss_and_gradients(m, X, y)

    _, grads = masked_loss()
    params = m.get_parameters()
    for k in range(len(params)):
        # central differences: truncation O(h^2) ~ 1e-12, round-off ~ 1e-16 / h = 1e-10
        np.testing.assert_allclose(grads[k], _central(m, params, k, masked_loss, 1e-6),
                                   rtol=0, atol=1e-8)


def _central(m, params, k, f, h):
    p = params[k]
    out_ = np.empty_like(p)
    for idx in np.ndindex(p.shape):
        vals = []
        for sign in (1, -1):
            q = [r.copy() for r in params]
            q[k][idx] += sign * h
            m.set_parameters(q)
            vals.append(f()[0])
        out_[idx] = (vals[0] - vals[1]) / (2 * h)
    m.set_parameters(params)
    return out_


def test_masks_are_inverted_dropout():
    rng = np.random.default_rng(0)
    p = 0.3
    (mask,) = common.dropout_masks(rng, 100_000, [1, 2, 1], p)
    assert mask.shape == (100_000, 2)
    assert set(np.unique(mask)) == {0.0, 1.0 / (1.0 - p)}
    dropped = float(np.mean(mask == 0.0))
    # binomial standard deviation sqrt(p(1-p)/2e5) = 1e-3: 5 sigma
    assert abs(dropped - p) < 5e-3
    assert common.dropout_masks(rng, 3, [2, 4], 0.5) == []    # no hidden layer, no mask


def test_dropout_is_unbiased_for_a_linear_hidden_layer():
    """Inverted dropout keeps the expected output: for an identity hidden layer
    E[f_train(x)] = f_eval(x) exactly; the mean over 4000 masks is within 5 standard
    errors (the standard error estimated from the same draws)."""
    m = make(nc, [2, 8, 1], "identity", seed=4, dropout=0.5)
    X = np.array([[0.3, -0.7]])
    draws = np.array([m.forward(X)[0, 0] for _ in range(4000)])
    target = m.predict(X)[0, 0]
    assert abs(draws.mean() - target) <= 5 * draws.std() / np.sqrt(len(draws))
    assert draws.std() > 0.01 * abs(target)     # and the draws do vary


@pytest.mark.parametrize(("optimizer", "options", "batch_size"), [
    ("sgd", {"lr": 0.05, "momentum": 0.9}, None),
    ("adamw", {"lr": 0.01, "weight_decay": 0.05}, 8),
])
def test_fit_with_dropout_traces_the_same_curve_in_both_cores(optimizer, options, batch_size):
    X = np.linspace(-1, 1.3, 32).reshape(-1, 1)
    y = np.sin(np.pi * X) + 0.3
    a = make(nc, [1, 16, 16, 1], "tanh", init="torch", seed=0, dropout=0.2)
    b = make(tc, [1, 16, 16, 1], "tanh", init="torch", seed=0, dropout=0.2)
    ha = nc.fit(a, X, y, optimizer=optimizer, epochs=30, batch_size=batch_size, seed=3,
                **options)
    hb = tc.fit(b, X, y, optimizer=optimizer, epochs=30, batch_size=batch_size, seed=3,
                **options)
    np.testing.assert_allclose(ha.loss, hb.loss, rtol=1e-9)
    scale = max(float(np.max(np.abs(p))) for p in b.get_parameters())
    for p, q in zip(a.get_parameters(), b.get_parameters(), strict=True):
        assert float(np.max(np.abs(p - q))) <= 1e-10 * scale
    # dropout changed the run: the same model without dropout gives another curve
    c = make(nc, [1, 16, 16, 1], "tanh", init="torch", seed=0)
    hc = nc.fit(c, X, y, optimizer=optimizer, epochs=30, batch_size=batch_size, seed=3,
                **options)
    assert not np.allclose(ha.loss, hc.loss, rtol=1e-3)


@pytest.mark.parametrize("core", CORES, ids=IDS)
def test_eval_mode_fit_ignores_dropout_and_no_dropout_draws_nothing(core):
    X = np.linspace(-1, 1, 16).reshape(-1, 1)
    y = np.cos(X)
    a = make(core, [1, 6, 1], "tanh", seed=5, dropout=0.5).eval()
    b = make(core, [1, 6, 1], "tanh", seed=5)
    state = b.dropout_rng.bit_generator.state
    ha = core.fit(a, X, y, lr=0.05, epochs=5)
    hb = core.fit(b, X, y, lr=0.05, epochs=5)
    assert ha.loss == hb.loss
    assert b.dropout_rng.bit_generator.state == state    # p = 0: the stream is untouched


def test_reseeding_the_mask_stream_replays_the_masks():
    sizes = [2, 5, 1]
    X, _ = make_problem("mse", sizes, n=4)
    outs = []
    for core in CORES:
        m = make(core, sizes, "relu", seed=0, dropout=0.5)
        m.dropout_rng = np.random.default_rng(99)
        first = out(core, m, X)
        m.dropout_rng = np.random.default_rng(99)
        np.testing.assert_array_equal(first, out(core, m, X))
        outs.append(first)
    assert np.max(np.abs(outs[0] - outs[1])) <= RTOL * np.max(np.abs(outs[1]))
