"""Library pieces added for chapters 8 and 9's referee fixes (issue 26)."""

import numpy as np
import pytest

from nntheory import common, trainability
from nntheory import numpy_core as npc


def test_train_many_sigmoid_follows_the_cores_fit():
    """The sigmoid branch of train_many is the cores' fit rule, network by network."""
    rng = np.random.default_rng(1)
    X = rng.uniform(-2, 2, size=(24, 2))
    y = np.sin(2 * X[:, :1]) * np.cos(X[:, 1:])
    sizes = [2, 6, 6, 1]
    starts = [common.init_parameters(sizes, "xavier", seed=s) for s in range(3)]
    losses = trainability.train_many(starts, X, y, activation="sigmoid", lr=0.1,
                                     momentum=0.9, epochs=20)
    for s in range(3):
        net = npc.MLP(sizes, "sigmoid", seed=s)
        net.set_parameters(starts[s])
        hist = npc.fit(net, X, y, optimizer="sgd", lr=0.1, epochs=20, momentum=0.9)
        np.testing.assert_allclose(losses[s, :20], hist.loss, rtol=1e-12)
        assert losses[s, 20] == pytest.approx(npc.loss_value(net, X, y), rel=1e-12)
    assert np.all(losses[:, -1] < losses[:, 0])


def test_ghadimi_lan_bound_is_the_truth_plus_the_final_gap_on_an_isotropic_quadratic():
    """On f = L/2 |x|^2 with isotropic noise the proof's only inequality is f(x_{N+1}) >= f*."""
    from nntheory import optimisation as op
    from nntheory import stochastic

    L, sigma, x0 = 2.0, 0.7, np.array([3.0, -2.0])
    lrs = np.linspace(0.3, 0.05, 200)                     # a decreasing schedule, < 1/L
    expected, _ = stochastic.noisy_quadratic_sgd([L, L], x0, sigma, lrs)
    w = op.ghadimi_lan_weights(lrs, L)
    assert w.sum() == pytest.approx(1.0, abs=1e-15) and np.all(w > 0)
    truth = float(np.sum(w * 2 * L * expected[:-1]))     # E|grad f(x_k)|^2 = 2 L E f(x_k)
    bound = op.ghadimi_lan_bound(0.5 * L * x0 @ x0, L, 2 * sigma ** 2, lrs)
    slack = 2 * expected[-1] / np.sum(2 * lrs - L * lrs ** 2)
    assert bound - truth == pytest.approx(slack, rel=1e-10)
    assert truth < bound


def test_ghadimi_lan_corollary_and_refusals():
    from nntheory import optimisation as op

    L, gap, sigma2 = 4.0, 3.0, 2.0
    D = np.sqrt(2 * gap / L)
    for N in (10, 100, 10000):
        gamma = min(1 / L, D / np.sqrt(sigma2 * N))
        bound = op.ghadimi_lan_bound(gap, L, sigma2, np.full(N, gamma))
        corollary = L * (L * D ** 2 / N + 2 * D * np.sqrt(sigma2 / N))   # Corollary 2.2
        assert bound <= corollary * (1 + 1e-12)
    np.testing.assert_allclose(op.ghadimi_lan_weights(np.full(5, 0.1), L), 0.2)
    with pytest.raises(ValueError, match="lrs"):
        op.ghadimi_lan_bound(gap, L, sigma2, [0.1, 0.5])            # 0.5 = 2/L
    with pytest.raises(ValueError, match="lrs"):
        op.ghadimi_lan_weights([], L)
    with pytest.raises(ValueError, match="gap"):
        op.ghadimi_lan_bound(-1.0, L, sigma2, [0.1])


def test_correlation_map_fixed_point_slope_and_the_relu_kernel():
    import math

    from nntheory import initialisation as ini

    ds = ini.depth_scales("tanh", 1.5, 0.1)
    q = ds.q_star
    assert q == pytest.approx(1.5 * ini.second_moment("tanh", q) + 0.1, rel=1e-12)
    assert ini.correlation_map("tanh", 1.0, q, 1.5, 0.1) == pytest.approx(1.0, abs=1e-10)
    h = 1e-5                                            # C'(1) = chi_1
    slope = (1 - ini.correlation_map("tanh", 1 - h, q, 1.5, 0.1)) / h
    assert slope == pytest.approx(ds.chi_1, rel=1e-3)
    assert ds.xi_c == pytest.approx(-1 / math.log(ds.chi_1)) and ds.chi_1 < 1
    # the slope of the signal map: iterate from above q* and compare the last ratio
    qs = [2 * q]
    for _ in range(8):
        qs.append(1.5 * ini.second_moment("tanh", qs[-1]) + 0.1)
    assert (qs[-1] - q) / (qs[-2] - q) == pytest.approx(ds.slope_q, rel=1e-2)
    # ReLU, sigma_w2 = 2: the arc-cosine kernel (sqrt(1 - c^2) + (pi - arccos c) c) / pi
    for c in (-0.5, 0.0, 0.3, 0.9):
        exact = (math.sqrt(1 - c * c) + (math.pi - math.acos(c)) * c) / math.pi
        got = (ini.correlation_map("relu", c, 1.0, 2.0, 1e-300, n_nodes=200) - 1e-300)
        assert got == pytest.approx(exact, abs=2e-3)
    with pytest.raises(ValueError, match="sigma_b2"):
        ini.depth_scales("tanh", 1.5, 0.0)
    with pytest.raises(ValueError, match="c"):
        ini.correlation_map("tanh", 1.5, 1.0, 1.5, 0.1)
    assert ini.depth_scales("tanh", 4.0, 0.1).xi_c == math.inf        # chaotic phase
