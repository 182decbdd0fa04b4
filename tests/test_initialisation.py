"""Tests of nntheory.initialisation (chapter 8).

Tolerances: closed forms evaluated in float64 are checked to ~1e-12; Gaussian
integrals by quadrature to 1e-9; Monte Carlo statements use seeded generators and
margins of 4 standard errors computed from the sample size (stated at each test).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import special

from nntheory import common
from nntheory import initialisation as ini
from nntheory import numpy_core as npc
from nntheory import torch_core as thc

SMOOTH = ["sigmoid", "tanh", "elu", "silu", "gelu", "gelu_tanh", "softplus"]


# --------------------------------------------------------------------------- variances

@pytest.mark.parametrize("init", common.INITS)
def test_weight_variance_matches_init_parameters(init):
    # 200 x 300 = 60000 draws: the sample variance has relative sd sqrt(2/60000) ~ 0.6%
    # (normal) or less (uniform), so a 3% margin is 5 standard errors.
    W, b = common.init_parameters([200, 300], init, seed=3)
    v = ini.weight_variance(init, 200, 300)
    assert abs(W.var() / v - 1) < 0.03
    vb = ini.bias_variance(init, 200)
    assert (vb == 0 and np.all(b == 0)) or abs(b.var() / vb - 1) < 0.3  # 300 draws


def test_weight_variance_values():
    assert ini.weight_variance("he", 50, 7) == 2 / 50
    assert ini.weight_variance("xavier", 50, 30) == 2 / 80
    assert ini.weight_variance("normal", 3, 4) == 1.0
    assert ini.weight_variance("torch", 12, 4) == pytest.approx(1 / 36, rel=1e-15)
    # torch's own default for nn.Linear is U(+-1/sqrt(n_in)): its variance is 1/(3 n_in)
    torch.manual_seed(0)
    lin = torch.nn.Linear(400, 500)
    w = lin.weight.detach().double()
    assert float(w.abs().max()) <= 1 / math.sqrt(400)
    assert abs(float(w.var()) * 3 * 400 - 1) < 0.02       # 2e5 draws: sd ~0.3%


@pytest.mark.parametrize("init", common.INITS)
def test_sample_parameters_shapes_and_distribution(init):
    W, b = ini.sample_parameters(init, [30, 40, 20], 50, seed=1)
    assert [w.shape for w in W] == [(50, 30, 40), (50, 40, 20)]
    assert [x.shape for x in b] == [(50, 40), (50, 20)]
    assert abs(W[0].var() / ini.weight_variance(init, 30, 40) - 1) < 0.03
    W2, _ = ini.sample_parameters(init, [30, 40, 20], 50, seed=1)
    assert np.array_equal(W[1], W2[1])


# --------------------------------------------------------------------------- mean field

def test_second_moments_closed_forms():
    assert ini.second_moment("relu", 1.0) == pytest.approx(0.5, abs=1e-10)
    assert ini.second_moment("relu", 3.0) == pytest.approx(1.5, abs=1e-10)
    assert ini.second_moment("relu", 1.0, derivative=True) == pytest.approx(0.5, abs=1e-10)
    assert ini.second_moment("leaky_relu", 2.0) == pytest.approx(1 + 1e-4, abs=1e-10)
    assert ini.second_moment("identity", 0.7) == pytest.approx(0.7, abs=1e-10)
    # E[sigma(g)^2]: no closed form; compare with Gauss-Hermite on 200 nodes
    t, w = np.polynomial.hermite_e.hermegauss(200)
    ref = float(np.dot(w, special.expit(t) ** 2) / math.sqrt(2 * math.pi))
    assert ini.second_moment("sigmoid", 1.0) == pytest.approx(ref, abs=1e-10)


def test_mean_field_relu_he_is_flat_and_torch_has_a_fixed_point():
    q = ini.mean_field("relu", "he", 64, 12)
    np.testing.assert_allclose(q[1:], 2.0, rtol=1e-9)
    q = ini.mean_field("relu", "torch", 64, 40)
    assert q[-1] == pytest.approx(2 / (5 * 64), rel=1e-9)       # q* = 2/(5n)
    q = ini.mean_field("relu", "xavier", 64, 10)
    np.testing.assert_allclose(q[2:] / q[1:-1], 0.5, rtol=1e-9)


def test_mean_field_gain():
    # a gain g multiplies Var(W) by g^2: ReLU/He then grows by exactly g^2 per layer;
    # torch's default with gain g settles at q* = (1/(3n)) / (1 - g^2/6) when g^2 < 6
    g = 1.3
    q = ini.mean_field("relu", "he", 16, 8, gain=g)
    assert q[1] == pytest.approx(2 * g ** 2, rel=1e-12)
    np.testing.assert_allclose(q[2:] / q[1:-1], g ** 2, rtol=1e-9)
    for n, g in ((32, 1.0), (10, 2.0), (7, 0.5)):
        q = ini.mean_field("relu", "torch", n, 200, gain=g)
        assert q[-1] == pytest.approx(1 / (3 * n) / (1 - g ** 2 / 6), rel=1e-9)
    assert np.array_equal(ini.mean_field("tanh", "xavier", 8, 5, gain=1.0),
                          ini.mean_field("tanh", "xavier", 8, 5))


def test_gelu_layer_factor_lies_between_a_quarter_and_a_half_and_increases():
    # E[GELU(sqrt(q) g)^2]/q = E[g^2 (Phi^2 + (1-Phi)^2)]/2 with Phi = Phi(sqrt(q) g):
    # strictly between 1/4 and 1/2 and strictly increasing in q (the chapter's proof).
    qs = np.logspace(-4, 3, 15)
    h = np.array([ini.second_moment("gelu", q) / q for q in qs])
    assert np.all((h > 0.25) & (h < 0.5))
    assert np.all(np.diff(h) > 0)
    assert h[0] == pytest.approx(0.25, abs=1e-3) and h[-1] == pytest.approx(0.5, abs=1e-3)


# --------------------------------------------------------------------------- propagation

@pytest.mark.parametrize("activation", ["relu", "tanh", "gelu"])
def test_propagate_matches_numpy_core_backprop(activation):
    # one network: hidden layers by propagate, then a linear output y = a_L . v, MSE loss
    rng = np.random.default_rng(0)
    sizes = [5, 7, 6, 4]
    params = common.init_parameters(sizes + [1], "xavier", seed=2)
    params[1] = rng.normal(size=7)
    X = rng.normal(size=(9, 5))
    y = rng.normal(size=(9, 1))
    net = npc.MLP(sizes + [1], activation)
    net.set_parameters(params)
    out = net.predict(X)
    G = 2 * (out - y) / out.size * params[-2].T                  # dloss/da_L
    P = ini.propagate([p[None] for p in params[0:-2:2]], [p[None] for p in params[1:-2:2]],
                      X[None], activation, G[None])
    Z1 = X @ params[0] + params[1]
    assert P.signal[0, 1] == pytest.approx(np.mean(Z1 ** 2), rel=1e-14)
    # gradient[:, 0] is the mean square of dloss/dX: compare with torch's autograd
    Xt = torch.tensor(X, requires_grad=True)
    tnet = thc.MLP(sizes + [1], activation, device="cpu")
    tnet.set_parameters(params)
    loss = torch.mean((tnet(Xt) - torch.tensor(y)) ** 2)
    (gx,) = torch.autograd.grad(loss, Xt)
    assert P.gradient[0, 0] == pytest.approx(float(torch.mean(gx ** 2)), rel=1e-12)
    assert P.gradient[0, 3] == pytest.approx(np.mean(G ** 2), rel=1e-15)


def test_signal_propagation_gain_scales_a_relu_network_exactly():
    # ReLU is positively homogeneous and biases are zero under He: with the same draws,
    # a gain g multiplies q_l by g^(2l) and the input gradient by g^(2L)
    P1 = ini.signal_propagation("relu", "he", 8, 6, n_nets=5, seed=3)
    Pg = ini.signal_propagation("relu", "he", 8, 6, n_nets=5, seed=3, gain=1.5)
    layers = np.arange(7)
    np.testing.assert_allclose(Pg.signal, P1.signal * 1.5 ** (2 * layers), rtol=1e-12)
    np.testing.assert_allclose(Pg.gradient[:, 0], P1.gradient[:, 0] * 1.5 ** 12,
                               rtol=1e-12)


def test_slope_and_correlation():
    P = ini.signal_propagation("relu", "he", 16, 5, n_nets=4, seed=1)
    assert P.correlation is None
    np.testing.assert_array_equal(P.slope, P.active)          # relu' is 0 or 1
    P = ini.signal_propagation("sigmoid", "normal", 16, 5, n_nets=4, seed=1)
    assert np.all(P.slope[:, 1:] <= 0.25) and np.all(P.slope[:, 1:] > 0)
    # correlation against a direct forward pass of one network and two inputs
    W, b = ini.sample_parameters("torch", [6, 5, 4], 1, seed=2)
    X = np.random.default_rng(0).normal(size=(1, 2, 6))
    P = ini.propagate(W, b, X, "tanh", np.zeros((1, 2, 4)))

    def cos(u, v):
        return u @ v / np.linalg.norm(u) / np.linalg.norm(v)

    z1 = X[0] @ W[0][0] + b[0][0]
    z2 = np.tanh(z1) @ W[1][0] + b[1][0]
    np.testing.assert_allclose(P.correlation[0], [cos(*X[0]), cos(*z1), cos(*z2)],
                               rtol=1e-13)
    # torch's default forgets the input: 1 - cos shrinks ~6-fold per layer (ReLU)
    P = ini.signal_propagation("relu", "torch", 32, 40, n_nets=10, n_samples=2, seed=0)
    assert np.all(1 - P.correlation[:, -1] < 1e-10)
    assert np.all(np.abs(P.correlation[:, 0]) < 1)


def test_relu_he_log_signal_matches_exact_moments():
    # 400 networks: the mean of log q_L has standard error sd/20; margin 4 SE.
    # The sample sd has relative standard error ~1/sqrt(800) = 3.5%; margin 15%.
    width, depth, k = 32, 30, 400
    P = ini.signal_propagation("relu", "he", width, depth, n_nets=k, seed=5)
    lq = np.log(P.signal[:, depth])
    mean, var = ini.relu_log_signal_moments(width, depth)
    assert abs(lq.mean() - mean) < 4 * math.sqrt(var / k)
    assert abs(lq.std(ddof=1) / math.sqrt(var) - 1) < 0.15


def test_relu_log_moments_large_width_asymptotics():
    # E log R = -5/(2n) + O(n^-2), Var log R = 5/n + O(n^-2): compare at n = 4000
    n = 4000
    m1, v1 = ini.relu_log_signal_moments(n, 1)
    m2, v2 = ini.relu_log_signal_moments(n, 2)
    assert (m2 - m1) * n == pytest.approx(-2.5, rel=2e-3)
    assert (v2 - v1) * n == pytest.approx(5.0, rel=2e-3)


# --------------------------------------------------------------------------- gradients

def test_derivative_sup_values():
    assert ini.derivative_sup("sigmoid") == 0.25
    assert ini.derivative_sup("tanh") == 1.0
    for name in ("relu", "leaky_relu", "elu", "softplus", "identity"):
        assert ini.derivative_sup(name) == 1.0
    s2 = math.sqrt(2)
    exact = special.ndtr(s2) + s2 * math.exp(-1) / math.sqrt(2 * math.pi)  # z = sqrt(2)
    assert ini.derivative_sup("gelu") == pytest.approx(exact, rel=1e-12)
    assert 1.09 < ini.derivative_sup("silu") < 1.11
    with pytest.raises(ValueError, match="square"):
        ini.derivative_sup("square")


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "gelu", "elu"])
def test_jacobian_norms_respect_the_product_bound(activation):
    rng = np.random.default_rng(1)
    params = common.init_parameters([8] * 7, "xavier", seed=4)
    for l in range(1, len(params), 2):
        params[l] = rng.normal(size=params[l].shape)
    norms, bounds = ini.jacobian_norms(params, rng.normal(size=8), activation)
    assert norms[-1] == bounds[-1] == 1.0
    assert np.all(norms <= bounds * (1 + 1e-12))


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_jacobian_bound_attained_with_orthogonal_weights_at_zero(activation):
    # orthogonal W and biases that make every z exactly 0: phi'(0) = sup phi'
    rng = np.random.default_rng(2)
    n, L = 6, 8
    x = rng.normal(size=n)
    params, a = [], x
    for _ in range(L):
        Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
        b = -(a @ Q)
        params += [Q, b]
        a = npc.activation(activation, a @ Q + b)
    norms, bounds = ini.jacobian_norms(params, x, activation)
    np.testing.assert_allclose(norms, bounds, rtol=1e-12)
    assert bounds[0] == pytest.approx(ini.derivative_sup(activation) ** L, rel=1e-12)


# --------------------------------------------------------------------------- dying ReLUs

def test_first_dead_layer_agrees_with_constant_output():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(64, 2))
    W, b = ini.sample_parameters("he", [2] + [2] * 12, 60, seed=7)
    first = ini.first_dead_layer(W, b, X)
    assert np.any(first > 0) and np.any(first == 0)
    for i in range(60):
        params = []
        for Wl, bl in zip(W, b, strict=True):
            params += [Wl[i], bl[i]]
        params += [np.ones((2, 1)), np.zeros(1)]
        out = npc.MLP([2] + [2] * 12 + [1], "relu")
        out.set_parameters(params)
        y = out.predict(X)
        assert (first[i] > 0) == bool(np.all(y == y[0]))
        masks = ini.dead_units(params, X)
        if first[i] > 0:
            assert masks[first[i] - 1].all()
            assert not any(m.all() for m in masks[:first[i] - 1])


def test_width_one_dead_fraction_is_exactly_geometric():
    # width 1, zero biases: a layer after the first is dead iff its weight is negative,
    # so P(alive after d layers) = 2^-(d-1). 4000 networks: SE <= 0.008; margin 4 SE.
    X = np.random.default_rng(0).normal(size=(128, 2))
    W, b = ini.sample_parameters("he", [2] + [1] * 6, 4000, seed=11)
    first = ini.first_dead_layer(W, b, X)
    for d in range(1, 7):
        dead = np.mean((first > 0) & (first <= d))
        expected = 1 - 2.0 ** -(d - 1)
        assert abs(dead - expected) < 4 * math.sqrt(0.25 / 4000)


def test_dead_unit_parameters_do_not_change_in_both_cores():
    rng = np.random.default_rng(4)
    X = rng.uniform(-1, 1, size=(40, 2))
    y = np.sin(X[:, :1]) + X[:, 1:]
    params = common.init_parameters([2, 5, 1], "he", seed=1)
    params[1][2] = -100.0                                      # unit 2 is dead on X
    assert ini.dead_units(params, X)[0].tolist() == [False, False, True, False, False]
    for core in (npc, thc):
        kw = {} if core is npc else {"device": "cpu"}
        net = core.MLP([2, 5, 1], "relu", **kw)
        net.set_parameters(params)
        core.fit(net, X, y, optimizer="adam", lr=0.05, epochs=20)
        new = net.get_parameters()
        assert np.array_equal(new[0][:, 2], params[0][:, 2])
        assert new[1][2] == params[1][2]
        assert np.array_equal(new[2][2], params[2][2])
        assert not np.array_equal(new[0][:, 0], params[0][:, 0])   # the others moved


# --------------------------------------------------------------------------- activations

def test_activation_minima():
    z, v = ini.activation_minimum("silu")
    assert v == pytest.approx(z + 1, abs=1e-14)         # at the minimum, sigma(z) = 1 + 1/z
    assert -1.28 < z < -1.27
    z, v = ini.activation_minimum("gelu")
    phi = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    assert v == pytest.approx(-z * z * phi, abs=1e-14)   # Phi(z) = -z phi(z)
    grid = np.linspace(-6, 6, 120001)
    for name in ("silu", "gelu", "gelu_tanh"):
        z, v = ini.activation_minimum(name)
        assert v <= npc.activation(name, grid).min() + 1e-15
    with pytest.raises(ValueError, match="monotone"):
        ini.activation_minimum("relu")


def test_gelu_forms_difference():
    z, d = ini.max_abs_difference("gelu", "gelu_tanh", -6, 6)
    grid = np.linspace(-6, 6, 240001)
    dense = np.abs(npc.activation("gelu", grid) - npc.activation("gelu_tanh", grid)).max()
    assert dense <= d <= dense + 1e-10
    assert 1e-4 < d < 1e-3


def test_tanh_to_sigmoid_same_function():
    rng = np.random.default_rng(5)
    sizes = [3, 6, 5, 4, 2]
    params = common.init_parameters(sizes, "xavier", seed=6)
    params = [p + 0.3 * rng.normal(size=p.shape) for p in params]
    X = rng.normal(size=(50, 3))
    a = npc.MLP(sizes, "tanh")
    a.set_parameters(params)
    s = npc.MLP(sizes, "sigmoid")
    s.set_parameters(ini.tanh_to_sigmoid(params))
    np.testing.assert_allclose(s.predict(X), a.predict(X), rtol=0, atol=1e-12)


# --------------------------------------------------------------------------- bad input

def test_bad_input():
    with pytest.raises(ValueError, match="init"):
        ini.weight_variance("kaiming", 3, 3)
    with pytest.raises(ValueError, match="n_in"):
        ini.weight_variance("he", 0, 3)
    with pytest.raises(TypeError, match="n_out"):
        ini.weight_variance("he", 3, 2.5)
    with pytest.raises(ValueError, match="q"):
        ini.second_moment("relu", -1.0)
    with pytest.raises(TypeError, match="derivative"):
        ini.second_moment("relu", 1.0, derivative="yes")
    with pytest.raises(ValueError, match="activation"):
        ini.mean_field("swish", "he", 4, 3)
    with pytest.raises(ValueError, match="depth"):
        ini.signal_propagation("relu", "he", 4, 0)
    with pytest.raises(ValueError, match="seed"):
        ini.signal_propagation("relu", "he", 4, 3, seed=-1)
    with pytest.raises(ValueError, match="depth"):
        ini.signal_propagation("relu", "normal", 64, 400)      # (n/2)^400 overflows
    with pytest.raises(ValueError, match="depth"):
        ini.mean_field("relu", "normal", 64, 400)
    with pytest.raises(ValueError, match="gain"):
        ini.mean_field("relu", "he", 4, 3, gain=0.0)
    with pytest.raises(ValueError, match="gain"):
        ini.signal_propagation("relu", "he", 4, 3, gain=-1.0)
    W, b = ini.sample_parameters("he", [3, 4, 4], 2, seed=0)
    with pytest.raises(ValueError, match="X"):
        ini.propagate(W, b, np.zeros((2, 5, 4)), "relu", np.zeros((2, 5, 4)))
    with pytest.raises(ValueError, match="out_grad"):
        ini.propagate(W, b, np.zeros((2, 5, 3)), "relu", np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match="X"):
        ini.propagate(W, b, np.full((2, 5, 3), np.nan), "relu", np.zeros((2, 5, 4)))
    with pytest.raises(TypeError, match="params"):
        ini.jacobian_norms([np.eye(2)], np.zeros(2), "relu")
    with pytest.raises(ValueError, match="x"):
        ini.jacobian_norms([np.eye(2), np.zeros(2)], np.zeros(3), "relu")
    with pytest.raises(ValueError, match="high"):
        ini.max_abs_difference("gelu", "gelu_tanh", 1.0, -1.0)
    with pytest.raises(ValueError, match="X"):
        ini.first_dead_layer(W, b, np.zeros((5, 2)))
    with pytest.raises(TypeError, match="params"):
        ini.tanh_to_sigmoid("weights")
