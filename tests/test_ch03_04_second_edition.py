"""Library functions added for the second edition of chapters 3 and 4.

* ``constructions.ridge_sum`` writes a sum of ridge functions with 1-D ReLU profiles as one
  hidden layer: checked against evaluating the profiles directly (an identity, to round-off),
  and against the bound of the chapter's proposition for sin(pi x) sin(pi y).
* ``seed000.depth_width_errors`` trains many seeds at once: checked against
  ``DepthWidthAnalysis``, which trains one seed at a time through ``numpy_core.fit``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nntheory import constructions, gradcheck, seed000
from nntheory import numpy_core as npc


def _cos_pi(t):
    return np.cos(np.pi * t)


def test_ridge_sum_is_the_sum_of_its_profiles():
    rng = np.random.default_rng(0)
    g1 = constructions.relu_interpolant(np.sin, -2.0, 2.0, 9)
    g2 = constructions.relu_interpolant(np.abs, -3.0, 3.0, 6)
    w1, w2 = np.array([0.3, -1.2, 0.5]), np.array([1.0, 0.0, 2.0])
    net = constructions.ridge_sum([(w1, 1.5, g1), (w2, -0.25, g2)])
    assert net.sizes == (3, 8 + 5, 1)
    X = rng.uniform(-1, 1, size=(500, 3))
    direct = 1.5 * g1.predict(X @ w1[:, None]) - 0.25 * g2.predict(X @ w2[:, None])
    # the same sums of products in another order: a few ulps of the largest terms
    assert np.max(np.abs(net.predict(X) - direct)) < 1e-13


@pytest.mark.parametrize("m", [3, 7, 21])
def test_ridge_sum_bound_for_the_product_of_sines(m):
    h = 2.0 / m
    net = constructions.ridge_sum([
        (np.array([1.0, -1.0]), 0.5, constructions.relu_interpolant(_cos_pi, -1.0, 1.0, m + 1)),
        (np.array([1.0, 1.0]), -0.5, constructions.relu_interpolant(_cos_pi, 0.0, 2.0, m + 1))])
    g = np.linspace(0, 1, 241)
    P = np.column_stack([a.ravel() for a in np.meshgrid(g, g, indexing="ij")])
    err = np.max(np.abs(net.predict(P).ravel() - np.sin(np.pi * P[:, 0]) * np.sin(np.pi * P[:, 1])))
    bound = math.pi ** 2 * h ** 2 / 8
    assert err <= bound
    # odd m: the error at (1/2, 1/2) is exactly 1 - cos(pi h / 2), the grid contains it
    assert abs(err - (1 - math.cos(math.pi * h / 2))) < 1e-12


def test_ridge_sum_bad_input():
    g = constructions.relu_interpolant(np.sin, -1.0, 1.0, 4)
    for terms, exc, match in [
        ([], ValueError, "at least one"),
        ("abc", TypeError, "sequence"),
        ([(np.ones(2), 1.0)], ValueError, r"terms\[0\] must be a triple"),
        ([(np.ones(2), 1.0, g), (np.ones(3), 1.0, g)], ValueError, "2 entries"),
        ([(np.ones(2), 1.0, npc.MLP([1, 3, 3, 1]))], ValueError, r"\[1, m, 1\] ReLU"),
        ([(np.ones(2), 1.0, npc.MLP([1, 3, 1], "tanh"))], ValueError, r"\[1, m, 1\] ReLU"),
        ([(np.array([np.nan, 1.0]), 1.0, g)], ValueError, "direction w"),
        ([(np.ones(2), "a", g)], (TypeError, ValueError), "coefficient c"),
    ]:
        with pytest.raises(exc, match=match):
            constructions.ridge_sum(terms)


def _target(x):
    return np.sin(np.pi * x)


def test_depth_width_errors_match_depth_width_analysis():
    shapes = [{"depth": 1, "width": 12}, {"depth": 3, "width": 6}]
    seeds = [0, 3]
    errors = seed000.depth_width_errors(_target, shapes, seeds, n_samples=64, epochs=200)
    assert errors.shape == (2, 2)
    for j, s in enumerate(seeds):
        rows = seed000.DepthWidthAnalysis(seed=s, n_samples=64, epochs=200).compare_models(
            _target, shapes)
        # the same float64 arithmetic in a different order (stacked products): observed
        # relative gaps ~1e-15 after 200 steps
        assert gradcheck.relative_error([errors[:, j]], [np.array([r["error"] for r in rows])]
                                        ) < 1e-11
    # zero epochs: the loss at initialisation
    e0 = seed000.depth_width_errors(_target, shapes[:1], [5], n_samples=32, epochs=0)
    rng = np.random.default_rng(5)
    X = rng.uniform(-1, 1, size=(32, 1))
    net = npc.MLP([1, 12, 1], "relu", init="he", seed=5)
    assert abs(e0[0, 0] - npc.loss_value(net, X, _target(X))) < 1e-15


def test_depth_width_errors_bad_input():
    shapes = [{"depth": 1, "width": 4}]
    for call, exc, match in [
        (lambda: seed000.depth_width_errors(_target, shapes, []), ValueError, "non-empty"),
        (lambda: seed000.depth_width_errors(_target, shapes, "01"), TypeError, "seeds"),
        (lambda: seed000.depth_width_errors(_target, [{"depth": 1}], [0]), ValueError,
         r"configurations\[0\]"),
        (lambda: seed000.depth_width_errors(_target, {"depth": 1}, [0]), TypeError,
         "configurations"),
        (lambda: seed000.depth_width_errors(_target, shapes, [0], lr=-1.0), ValueError, "lr"),
        (lambda: seed000.depth_width_errors("f", shapes, [0]), TypeError, "target_function"),
    ]:
        with pytest.raises(exc, match=match):
            call()
    with pytest.raises(FloatingPointError, match="smaller lr"):
        seed000.depth_width_errors(_target, [{"depth": 4, "width": 30}], [0], lr=50.0,
                                   epochs=50, init="normal")


def test_best_one_unit_mse_is_exact_on_units_and_beats_every_grid():
    from nntheory import approximation
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, 60)
    # a single unit with its kink between samples (either direction) is fitted exactly, up
    # to the round-off of sum(y^2) - b.theta (data of size ~1: ~1e-16)
    assert approximation.best_one_unit_mse(x, 2 * np.maximum(x - 0.3137, 0) + 1) < 1e-12
    assert approximation.best_one_unit_mse(x, -3 * np.maximum(0.2 - x, 0) + 0.5) < 1e-12
    # on noise: never above a fine grid of kinks (it is a minimum over all t), and close to it
    y = rng.normal(size=x.size)
    grid = np.inf
    for sign in (1.0, -1.0):
        for t in np.linspace(-1.2, 1.2, 4001):
            F = np.column_stack([np.ones(x.size), np.maximum(sign * (x - t), 0.0)])
            r = y - F @ np.linalg.lstsq(F, y, rcond=None)[0]
            grid = min(grid, float(np.mean(r * r)))
    exact = approximation.best_one_unit_mse(x, y)
    assert exact <= grid + 1e-12 and exact > grid - 1e-3
    # constant and affine data: 0
    assert approximation.best_one_unit_mse(x, 0.5 * x - 1) < 1e-12
    with pytest.raises(ValueError, match="x and y"):
        approximation.best_one_unit_mse(x, y[:-1])
