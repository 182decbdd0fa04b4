"""Tests of nntheory.optimisation: quadratics and their rates, heavy-ball tuning,
Rosenbrock, the washboard, the Reddi–Kale–Kumar problem, trajectories in both cores.

Tolerances: closed forms are compared to round-off of a few float64 operations
(1e-12 relative); finite differences with central step h have truncation
O(h^2) and round-off O(1e-16/h), so h = 1e-6 gives agreement to ~1e-8.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import optimize

from nntheory import common
from nntheory import numpy_core as npc
from nntheory import optimisation as op


def fd_grad(f, x, h=1e-6):
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


# ------------------------------------------------------------------ quadratics


def test_quadratic_gradient_and_constants():
    q = op.quadratic([1.0, 4.0, 10.0], basis=np.linalg.qr(np.random.default_rng(0)
                                                         .normal(size=(3, 3)))[0],
                     minimiser=[1.0, -2.0, 0.5])
    x = np.array([0.3, 0.1, -0.7])
    np.testing.assert_allclose(q.grad(x), fd_grad(q.value, x), rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(np.linalg.eigvalsh(q.A), [1.0, 4.0, 10.0], rtol=1e-12)
    assert (q.mu, q.L, q.kappa) == (1.0, 10.0, 10.0)
    assert q.value(q.minimiser) == 0.0


def test_gd_rate_is_the_spectral_norm_and_attained_along_mu():
    q = op.quadratic([0.5, 2.0, 8.0])
    for lr in (0.01, 1 / 8, 0.2, 0.249, 0.26):
        M = np.eye(3) - lr * q.A
        assert op.gd_rate(q.mu, q.L, lr) == pytest.approx(np.linalg.norm(M, 2), rel=1e-12)
    assert op.gd_rate(0.5, 8.0, 1 / 8) == pytest.approx(1 - 0.5 / 8, rel=1e-15)
    assert op.gd_rate(0.5, 8.0, 0.2499) < 1 < op.gd_rate(0.5, 8.0, 0.2501)
    xs = op.run_optimizer("sgd", lambda t, x: q.grad(x), [1.0, 0.0, 0.0], lr=1 / 8, steps=20)
    np.testing.assert_allclose(xs[:, 0], (1 - 0.5 / 8) ** np.arange(21), rtol=1e-13)


def test_heavy_ball_tuned_radius_and_optimality():
    mu, L = 1.0, 100.0
    lr, beta = op.heavy_ball_tuning(mu, L)
    lam = np.linspace(mu, L, 101)
    rate = op.heavy_ball_rate(mu, L)
    assert rate == pytest.approx(9 / 11, rel=1e-15)
    assert op.heavy_ball_spectral_radius(lam, lr, beta) == pytest.approx(rate, rel=1e-12)
    # interior eigenvalues (complex roots) agree with a numerical eigen-solver
    for l_ in lam[1:-1]:
        M = np.array([[1 + beta - lr * l_, -beta], [1.0, 0.0]])
        assert np.abs(np.linalg.eigvals(M)).max() == pytest.approx(rate, rel=1e-9)
    # any other (lr, beta) nearby is worse
    for dlr, db in ((1.05, 1), (0.95, 1), (1, 1.05), (1, 0.95)):
        assert op.heavy_ball_spectral_radius(lam, lr * dlr, beta * db) > rate + 1e-4


def test_heavy_ball_is_torch_sgd_with_momentum():
    q = op.quadratic([1.0, 25.0], basis=op.rotation(0.4))
    lr, beta = op.heavy_ball_tuning(q.mu, q.L)
    xs = op.run_optimizer("sgd", lambda t, x: q.grad(x), [1.0, 1.0], lr=lr, steps=30,
                          momentum=beta)
    prev, x = np.array([1.0, 1.0]), np.array([1.0, 1.0])
    for t in range(1, 31):
        prev, x = x, x - lr * q.grad(x) + beta * (x - prev)
        np.testing.assert_allclose(xs[t], x, rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------------ Rosenbrock, washboard


def test_rosenbrock():
    assert op.rosenbrock([1.0, 1.0]) == 0.0
    assert np.all(op.rosenbrock_grad([1.0, 1.0]) == 0.0)
    x = np.array([-1.2, 1.0])
    np.testing.assert_allclose(op.rosenbrock_grad(x), fd_grad(op.rosenbrock, x), rtol=1e-7)


@pytest.mark.parametrize("T", [1, 2, 7])
def test_washboard_is_L_smooth_and_gd_crawls(T):
    L, g = 2.0, 3.0
    w = op.Washboard(T, L, g)
    xs = np.linspace(-1.0, (T + 2) * w.s, 4001)
    d = np.array([w.grad(x) for x in xs])
    v = np.array([w.value(x) for x in xs])
    assert np.all(np.abs(np.diff(d)) <= L * np.diff(xs) * (1 + 1e-9))   # L-Lipschitz f'
    # f' is the derivative of f (the trapezoid rule is exact to O(h^2 f''') = 0 here
    # between kinks; kinks of f' contribute O(L h^2))
    np.testing.assert_allclose(np.diff(v), (d[1:] + d[:-1]) / 2 * np.diff(xs),
                               atol=L * np.diff(xs).max() ** 2)
    assert v.min() == pytest.approx(w.f_star, abs=1e-12)
    path = op.run_optimizer("sgd", lambda t, x: w.grad(x[0]), [0.0], lr=1 / L, steps=T)
    np.testing.assert_allclose(path[:, 0], w.s * np.arange(T + 1), rtol=1e-13)
    grads2 = [w.grad(x) ** 2 for x in path[:-1, 0]]
    bound = 2 * (w.value(0.0) - w.f_star) / ((1 / L) * T)
    assert min(grads2) / bound == pytest.approx(T / (1.5 * T + 1), rel=1e-12)


# ------------------------------------------------------------------ Reddi et al.


def test_reddi_gradient_and_regret():
    assert [op.reddi_gradient(t, 3.0) for t in range(1, 7)] == [3, -1, -1, 3, -1, -1]
    assert [op.reddi_gradient(t, 5.0, 4) for t in range(1, 6)] == [5, -1, -1, -1, 5]
    np.testing.assert_allclose(op.reddi_regret(-np.ones(9), 3.0), 0.0)
    r = op.reddi_regret(np.ones(300), 3.0)
    assert r[-1] == pytest.approx(2 * (3 - 2) / 3, rel=1e-12)   # (C - 2) * 2 per period
    with pytest.raises(ValueError, match="C"):
        op.reddi_regret(np.ones(3), 2.0)


@pytest.mark.parametrize("core", ["numpy", "torch"])
def test_adam_fails_amsgrad_converges(core):
    C = 3.0
    kw = dict(lr=0.5, steps=1500, core=core, lr_schedule=lambda t: 0.5 / math.sqrt(t),
              project=op.project_interval(-1, 1), betas=(0.0, 1 / (1 + C * C)))
    grad = lambda t, x: op.reddi_gradient(t, C)  # noqa: E731
    adam = op.run_optimizer("adam", grad, [0.0], **kw)
    ams = op.run_optimizer("adam", grad, [0.0], amsgrad=True, **kw)
    assert adam[-3:].mean() > 0.95 and ams[-3:].mean() < -0.95
    # the point played at step t is out[t-1]: run_optimizer's gradient at step t is there
    r_adam, r_ams = op.reddi_regret(adam[:-1], C), op.reddi_regret(ams[:-1], C)
    assert r_adam[-1] > 0.5
    # AMSGrad: positive on this run (measured), and shrinking with T
    assert np.all(r_ams > 0) and r_ams[-1] < 0.05
    assert r_ams[-1] < 0.8 * r_ams[len(r_ams) // 2 - 1]


def test_regret_pairs_each_loss_with_the_point_played():
    """With run_optimizer's iterates, loss t is evaluated at out[t-1], the point the
    optimiser held when it received gradient t (the played point)."""
    C = 3.0
    played = []

    def grad(t, x):
        played.append(float(x[0]))
        return op.reddi_gradient(t, C)

    out = op.run_optimizer("sgd", grad, [0.25], lr=0.1, steps=7,
                           project=op.project_interval(-1, 1))
    np.testing.assert_array_equal(out[:-1, 0], played)
    by_hand = np.cumsum([op.reddi_gradient(t, C) * (x + 1) for t, x in
                         enumerate(played, start=1)]) / np.arange(1, 8)
    np.testing.assert_allclose(op.reddi_regret(out[:-1], C), by_hand, rtol=1e-15)


# ------------------------------------------------------------------ trajectories


CASES = [("sgd", {}), ("sgd", {"momentum": 0.9, "nesterov": True}),
         ("sgd", {"momentum": 0.8, "dampening": 0.3, "weight_decay": 0.1}),
         ("adagrad", {"lr_decay": 0.01, "initial_accumulator_value": 0.1}),
         ("rmsprop", {"centered": True, "momentum": 0.5}),
         ("adam", {"amsgrad": True, "weight_decay": 0.01}), ("adamw", {})]


@pytest.mark.parametrize("name,options", CASES)
def test_both_cores_give_the_same_trajectory(name, options):
    """50 steps on Rosenbrock: 1e-12 relative (a dozen operations of round-off per
    step, mildly amplified by the valley's curvature)."""
    a = op.run_optimizer(name, lambda t, x: op.rosenbrock_grad(x), [-1.2, 1.0], lr=1e-3,
                         steps=50, **options)
    b = op.run_optimizer(name, lambda t, x: op.rosenbrock_grad(x), [-1.2, 1.0], lr=1e-3,
                         steps=50, core="torch", **options)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert not np.array_equal(a[0], a[-1])


def test_schedule_and_projection_are_applied():
    xs = op.run_optimizer("sgd", lambda t, x: np.array([-1.0]), [0.0], lr=1.0, steps=4,
                          lr_schedule=lambda t: 0.1 * t, project=op.project_interval(-1, 0.5))
    np.testing.assert_allclose(xs[:, 0], [0.0, 0.1, 0.3, 0.5, 0.5])


def test_run_optimizer_rejects_bad_input_and_reports_divergence():
    g = lambda t, x: x  # noqa: E731
    with pytest.raises(ValueError, match="optimizer"):
        op.run_optimizer("lbfgs", g, [1.0], lr=0.1, steps=3)
    with pytest.raises(ValueError, match="core"):
        op.run_optimizer("sgd", g, [1.0], lr=0.1, steps=3, core="jax")
    with pytest.raises(TypeError, match="gradient"):
        op.run_optimizer("sgd", None, [1.0], lr=0.1, steps=3)
    with pytest.raises(ValueError, match="lr"):
        op.run_optimizer("sgd", g, [1.0], lr=-0.1, steps=3)
    with pytest.raises(ValueError, match="gradient"):
        op.run_optimizer("sgd", lambda t, x: np.ones(2), [1.0], lr=0.1, steps=3)
    with pytest.raises(ValueError, match="momentum"):
        op.run_optimizer("sgd", g, [1.0], lr=0.1, steps=3, momentum=-1.0)
    with pytest.raises(ValueError, match="x0"):
        op.run_optimizer("sgd", g, [np.nan], lr=0.1, steps=3)
    with pytest.raises(common.DivergenceError):
        op.run_optimizer("sgd", g, [1.0], lr=10.0, steps=400)   # x <- -9x overflows
    with pytest.raises(common.DivergenceError):
        op.run_optimizer("sgd", g, [1.0], lr=10.0, steps=400, core="torch")


def test_bad_arguments_of_the_problems():
    with pytest.raises(ValueError, match="eigenvalues"):
        op.quadratic([1.0, 0.0])
    with pytest.raises(ValueError, match="basis"):
        op.quadratic([1.0, 2.0], basis=np.ones((2, 2)))
    with pytest.raises(ValueError, match="mu"):
        op.gd_rate(2.0, 1.0, 0.1)
    with pytest.raises(ValueError, match="T"):
        op.Washboard(0)
    with pytest.raises(ValueError, match="x"):
        op.rosenbrock([1.0])
    with pytest.raises(ValueError, match="alpha"):
        op.elastic_net_prox(1.0, 0.1, 1.5)
    with pytest.raises(ValueError, match="low"):
        op.project_interval(1.0, -1.0)


# ------------------------------------------------------------------ losses


def test_linear_mse_hessian_matches_the_core():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(20, 3)), rng.normal(size=(20, 1))
    model = npc.MLP([3, 1], seed=0)

    def loss(theta):
        model.set_parameters([theta[:3].reshape(3, 1), theta[3:]])
        return npc.loss_value(model, X, y)

    theta = rng.normal(size=4)
    H = op.linear_mse_hessian(X)
    np.testing.assert_allclose(fd_grad(loss, theta),
                               H @ theta - 2 / 20 * np.hstack([X, np.ones((20, 1))]).T
                               @ y[:, 0], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("alpha", [0.0, 0.3, 1.0])
def test_elastic_net_prox_is_the_minimiser(alpha):
    lam = 0.7
    for z in (-2.0, -0.5, 0.0, 0.3, 0.69, 1.5):
        res = optimize.minimize_scalar(
            lambda th, z=z: 0.5 * (th - z) ** 2 + lam * (alpha * abs(th)
                                                         + (1 - alpha) / 2 * th * th),
            bounds=(-3, 3), method="bounded", options={"xatol": 1e-10})
        assert float(op.elastic_net_prox(z, lam, alpha)) == pytest.approx(res.x, abs=1e-7)
    assert op.elastic_net_prox(0.5, lam, 1.0) == 0.0      # lasso: exact zero
    assert op.elastic_net_prox(0.5, lam, 0.0) != 0.0      # ridge: never


def test_torch_is_float64_in_trajectories():
    xs = op.run_optimizer("sgd", lambda t, x: np.array([1e-20]), [1.0], lr=1.0, steps=1,
                          core="torch")
    assert xs[1, 0] == 1.0 - 1e-20 and torch.get_default_dtype() in (torch.float32,
                                                                     torch.float64)
