"""Chapter 1, second edition: the dual (kernel) perceptron and Freund and Schapire's
mistake bound for data that need not be separable; the lower bound on the cube."""

from __future__ import annotations

import numpy as np
import pytest

from nntheory import datasets, perceptron


def _poly2_features(X):
    """The explicit feature map of the kernel (1 + <x, x'>)^2 on R^2."""
    x1, x2 = X[:, 0], X[:, 1]
    r2 = np.sqrt(2.0)
    return np.column_stack([np.ones(len(X)), r2 * x1, r2 * x2, x1**2, r2 * x1 * x2, x2**2])


@pytest.mark.parametrize("seed", range(4))
def test_dual_with_the_linear_kernel_is_the_primal_perceptron(seed):
    X, y, *_ = datasets.linearly_separable(80, 3, margin=0.05, bias=0.2, seed=seed)
    Xa = perceptron.augment(X)
    order = np.random.default_rng(seed).permutation(len(X))
    primal = perceptron.train_perceptron(X, y, order=order)
    dual = perceptron.kernel_perceptron(Xa @ Xa.T, y, order=order)
    assert dual.converged and dual.mistake_indices == primal.mistake_indices
    assert int(dual.alpha.sum()) == primal.mistakes
    np.testing.assert_allclose((dual.alpha * y) @ Xa, primal.w, rtol=0, atol=1e-12)


def test_kernel_perceptron_is_the_perceptron_in_feature_space():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(120, 2))
    r = np.linalg.norm(X, axis=1)
    keep = (r < 0.45) | (r > 0.65)
    X, y = X[keep], np.where(r[keep] < 0.45, 1.0, -1.0)
    Phi = _poly2_features(X)
    dual = perceptron.kernel_perceptron((1 + X @ X.T) ** 2, y)
    primal = perceptron.train_perceptron(Phi, y, add_bias=False)
    assert dual.converged and primal.converged
    assert dual.mistake_indices == primal.mistake_indices
    assert dual.mistakes <= perceptron.novikoff_bound(Phi, y, add_bias=False)


def test_freund_schapire_is_novikoff_when_no_point_deviates():
    X, y, w, b = datasets.linearly_separable(60, 2, margin=0.1, bias=0.1, seed=5)
    u = np.append(w, b)
    g = perceptron.margin(u, X, y)
    assert perceptron.freund_schapire_bound(X, y, u, g) == pytest.approx(
        perceptron.novikoff_bound(X, y, u), rel=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_freund_schapire_bound_holds_for_one_pass_over_noisy_data(seed):
    X, y, w, b = datasets.linearly_separable(400, 2, margin=0.02, bias=0.1, seed=seed)
    flip = np.random.default_rng(seed).random(len(y)) < 0.05
    y = np.where(flip, -y, y)
    path = perceptron.perceptron_path(X, y, np.arange(len(y)))
    mistakes = int(np.sum(np.any(np.diff(path, axis=0) != 0, axis=1)))
    u = np.append(w, b)
    bound = min(perceptron.freund_schapire_bound(X, y, u, g)
                for g in np.geomspace(1e-3, 1.0, 60))
    assert 0 < mistakes <= bound


@pytest.mark.parametrize(("call", "word"), [
    (lambda: perceptron.kernel_perceptron(np.ones((2, 3)), [1.0, -1.0]), "K"),
    (lambda: perceptron.kernel_perceptron(np.array([[1.0, 2.0], [0.0, 1.0]]), [1.0, -1.0]),
     "K"),
    (lambda: perceptron.kernel_perceptron(np.eye(2), [1.0, 1.0, 1.0]), "y"),
    (lambda: perceptron.freund_schapire_bound(np.eye(2), [1.0, 1.0], [0.0, 0.0, 0.0], 0.1),
     "u"),
    (lambda: perceptron.freund_schapire_bound(np.eye(2), [1.0, 1.0], [1.0, 0.0, 0.0], 0.0),
     "gamma"),
])
def test_bad_input_names_the_argument(call, word):
    with pytest.raises(ValueError, match=word):
        call()


@pytest.mark.parametrize("d", [1, 7, 300])
def test_the_interleaved_order_attains_two_d_mistakes(d):
    """e_1, -e_1, e_2, -e_2, ... with a bias: 2d = (R/gamma*)^2 mistakes (chapter 1)."""
    P = np.vstack([np.eye(d), -np.eye(d)])
    labels = np.r_[np.ones(d), -np.ones(d)]
    order = np.ravel(np.column_stack([np.arange(d), d + np.arange(d)]))
    run = perceptron.train_perceptron(P, labels, order=order)
    assert run.converged and run.mistakes == 2 * d and run.epochs == 2
    np.testing.assert_array_equal(run.w, np.r_[2 * np.ones(d), 0.0])


def test_the_bias_coordinate_R_makes_the_count_scale_free():
    """Appending R instead of 1: the same run at every scale s = 2^-k, within
    4 R^2 |w*|^2 / gamma^2, while the coordinate 1 needs >= 1/(0.03 s)^2 updates."""
    X, y = np.array([[0.01], [0.03]]), np.array([-1.0, 1.0])
    counts = []
    for k in range(0, 31, 5):
        s = 2.0**-k
        R = 0.03 * s
        run = perceptron.train_perceptron(np.hstack([s * X, [[R], [R]]]), y, add_bias=False)
        gamma = 0.01 * s                                  # w* = 1, b* = -0.02 s
        assert run.converged and run.mistakes <= 4 * R**2 / gamma**2 + 1e-9
        counts.append(run.mistakes)
    assert len(set(counts)) == 1
    with_one = perceptron.train_perceptron(X, y, max_epochs=100_000)
    assert with_one.mistakes >= 1 / 0.03**2 > 100 * counts[0]


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_cube_mistakes_between_the_integer_lower_bound_and_novikoff(n):
    # prop-cube-lower: on {0,1}^n, 1/(gamma* sqrt(n+1)) <= mistakes <= (n+1)/gamma*^2,
    # for random threshold functions (both labels present), several orders and steps
    cube = datasets.boolean_cube(n)
    rng = np.random.default_rng(100 + n)
    checked = 0
    for _ in range(30):
        w, b = rng.normal(size=n), rng.normal()
        y = np.where(cube @ w + b > 0, 1.0, -1.0)
        if abs(y.sum()) == len(y):
            continue
        _, gamma = perceptron.max_margin(cube, y)
        lower, upper = 1 / (gamma * np.sqrt(n + 1)), (n + 1) / gamma**2
        for order_seed, lr in ((0, 1.0), (1, 0.25), (2, 8.0)):
            order = np.random.default_rng(order_seed).permutation(len(cube))
            run = perceptron.train_perceptron(cube, y, order=order, lr=lr,
                                              max_epochs=100_000)
            assert run.converged
            assert lower <= run.mistakes <= upper * (1 + 1e-9)
        checked += 1
    assert checked >= 10


def test_cube_lower_bound_is_met_by_the_final_integer_weights():
    # the proof's step: with lr = 1 the final weights are integers, each at most k in size,
    # with every score >= 1
    n = 7
    cube = datasets.boolean_cube(n)
    value = cube @ 2.0 ** np.arange(n - 1, -1, -1)
    y = np.where(value > int("0101010", 2), 1.0, -1.0)
    run = perceptron.train_perceptron(cube, y, max_epochs=100_000)
    w = run.w
    assert np.array_equal(w, np.round(w)) and np.max(np.abs(w)) <= run.mistakes
    assert np.min(y * (perceptron.augment(cube) @ w)) >= 1


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_comparison_with_a_constant_has_margin_above_0_43_over_N(n):
    # prop-cube-binary: f_c(x) = [v(x) > c], v(x) = x_1...x_n in binary, 0 <= c < 2^n - 1
    # (both labels present): the proof's u = (2^(n-1), ..., 1, -(c + 1/2)) has margin
    # exactly 1/(2|u|) > sqrt(3)/(4N), max_margin finds at least that, and the bound on
    # the margin of u is nearly attained at c = 2^n - 2
    cube = datasets.boolean_cube(n)
    N = 2**n
    powers = 2.0 ** np.arange(n - 1, -1, -1)
    value = cube @ powers
    ratios = []
    for c in range(N - 1):
        y = np.where(value > c, 1.0, -1.0)
        u = np.append(powers, -(c + 0.5))
        margin_u = perceptron.margin(u, cube, y)
        assert margin_u == pytest.approx(0.5 / np.linalg.norm(u), rel=1e-12)
        assert margin_u > np.sqrt(3) / (4 * N)
        _, gamma = perceptron.max_margin(cube, y)
        assert gamma >= margin_u * (1 - 1e-9)
        ratios.append(margin_u / (np.sqrt(3) / (4 * N)))
    assert min(ratios) < 1 + 2 / N       # c = 2^n - 2: ratio about 1 + 9/(8N), n >= 2
    # the corollary: at most 16(n+1)N^2/3 mistakes and one pass more than mistakes
    y = np.where(value > int("01" * (n // 2) + "0" * (n % 2), 2), 1.0, -1.0)
    for order_seed in range(3):
        order = np.random.default_rng(order_seed).permutation(N)
        run = perceptron.train_perceptron(cube, y, order=order, max_epochs=100_000)
        assert run.converged and run.epochs <= run.mistakes + 1
        assert run.mistakes <= 16 * (n + 1) * N**2 / 3
