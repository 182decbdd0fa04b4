"""Library hardening, round 2 (issue 28): sizes refused at once, no NaN, no raw
exceptions, valid extremes answered exactly, and the battery of bad and valid inputs
of tools/hardening_battery.py (every call under a time limit)."""

from __future__ import annotations

import math
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from nntheory import approximation as A
from nntheory import depth as D
from nntheory import generalisation as G
from nntheory import initialisation as I  # noqa: E741
from nntheory import numpy_core as nc
from nntheory import optimisation as O  # noqa: E741
from nntheory import polynomials as P
from nntheory import seed000, validation
from nntheory import torch_core as tc

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import hardening_battery  # noqa: E402

EPS = np.finfo(float).eps


# ----------------------------------------------------------------------------- the guard

def test_check_size_names_argument_limit_and_reason():
    assert validation.check_size(5, "n", 10, "why") == 5
    with pytest.raises(ValueError, match=r"n = 11 exceeds the limit of 10: because"):
        validation.check_size(11, "n", 10, "because")
    with pytest.raises(TypeError, match="n must be an integer"):
        validation.check_size(2.5, "n", 10, "why")
    with pytest.raises(ValueError, match=r"w asks for a degree = 16, above the limit of 8"):
        validation.check_size(16, "w", 8, "why", what="a degree")


def test_check_elements_counts_exactly_and_refuses_before_allocating():
    assert validation.check_elements((10, 10), "shape") == 100
    with pytest.raises(ValueError, match=r"n would need an array of 10,000,000,000 float64"):
        validation.check_elements(10**10, "n")
    # a product far beyond int64 is still exact (Python integers)
    with pytest.raises(ValueError, match="limit is 50,000,000 entries"):
        validation.check_elements((10**12, 10**12), "shape")


def test_huge_numbers_are_named_value_errors_not_overflow():
    for fn in (validation.check_real, validation.check_positive):
        with pytest.raises(ValueError, match="x is too large for a float64"):
            fn(10**400, "x")
    with pytest.raises(ValueError, match="x has an entry too large"):
        validation.check_array([1.0, 10**400], "x")


# ----------------------------------------------------------------------------- item 1: hangs

@pytest.mark.parametrize("call, name", [
    (lambda: D.pieces_upper_bound(10**9, 10**9), "depth"),
    (lambda: P.residual_square_coefficients([0.5] * 40), "weights"),
    (lambda: P.residual_square_coefficients([0.5] * 10), "weights"),  # 6e6 exact bits
    (lambda: P.residual_square_polynomial([0.5] * 40), "weights"),
    (lambda: P.mlp_polynomial(P.residual_square_network([0.5] * 60)), "model"),
    (lambda: P.gram_schmidt_legendre(10**6), "degree"),
    (lambda: nc.Ensemble([1000, 1000, 1000, 1], seeds=range(10**6)), "seeds"),
    (lambda: tc.Ensemble([1000, 1000, 1000, 1], seeds=range(10**6)), "seeds"),
    (lambda: D.count_pieces(D.sawtooth(40), 0.0, 1.0), "model"),  # 2**40 pieces
])
def test_sizes_that_hung_are_refused_with_the_limit(call, name):
    with pytest.raises(ValueError, match=rf"{name}.*limit"):
        call()


def test_sizes_just_inside_the_limits_still_work():
    assert D.pieces_upper_bound(3, 100) == 4**100
    c = P.residual_square_coefficients([Fraction(1, 2)] * 8)  # degree 256, exact
    assert len(c) == 257 and c[1] == 1 and c[2] == Fraction(8, 4)
    assert len(P.residual_square_polynomial([0.7] * 10).coef) == 2**10 + 1
    assert len(P.gram_schmidt_legendre(P.MAX_GRAM_SCHMIDT_DEGREE // 4)) == 16
    # the exact coefficients of a large float weight are still available
    assert P.residual_square_coefficients([10**400])[2] == 10**800


# ----------------------------------------------------------------------------- item 2: NaN

def test_mean_field_checks_the_signal_after_the_loop():
    with pytest.raises(ValueError, match="q0"):
        I.mean_field("relu", "he", 10, 1, q0=1e308)
    # ReLU, He, no bias: q_1 = n Var(W) q_0 = 2 q_0, then E[relu(sqrt(q) g)^2] = q/2 keeps it
    np.testing.assert_allclose(I.mean_field("relu", "he", 10, 2, q0=1e299),
                               [1e299, 2e299, 2e299], rtol=1e-12)


def test_rosenbrock_validates_a_and_b():
    with pytest.raises(ValueError, match="a must be a finite number"):
        O.rosenbrock([1, 2], a=np.nan)
    with pytest.raises(ValueError, match="b must be a finite number"):
        O.rosenbrock_grad([1, 2], b=np.inf)
    with pytest.raises(ValueError, match="overflows"):
        O.rosenbrock([1e200, 1.0])
    assert O.rosenbrock([2.0, 4.0], a=2.0, b=3.0) == 0.0


# ----------------------------------------------------------------------------- item 3

def test_fit_rates_refuses_equal_n():
    with pytest.raises(ValueError, match="n must not all be equal"):
        D.fit_rates([4, 4, 4], [0.1, 0.2, 0.3])
    assert D.fit_rates([1, 2, 4], [1.0, 0.5, 0.25])[0] == pytest.approx(-1.0, abs=1e-12)


@pytest.mark.parametrize("core", ["numpy", "torch"])
def test_run_optimizer_refuses_a_scalar_projection_of_a_vector(core):
    with pytest.raises(ValueError, match=r"project\(x\) must return a point of x's shape"):
        O.run_optimizer("sgd", lambda t, x: 2 * x, [1.0, 2.0], lr=0.1, steps=2, core=core,
                        project=lambda x: 0.25)
    # one coordinate: a scalar is that point
    out = O.run_optimizer("sgd", lambda t, x: 2 * x, 1.0, lr=0.1, steps=2, core=core,
                          project=lambda x: 0.25)
    assert np.array_equal(out[1:, 0], [0.25, 0.25])


# ----------------------------------------------------------------------------- item 5

@pytest.mark.parametrize("weights, biases, kind", [
    ([], [], TypeError), ([np.ones((1, 3))], [np.zeros(3)], ValueError),
    ("abc", [], TypeError),
])
def test_first_dead_layer_validates_before_reading_shapes(weights, biases, kind):
    with pytest.raises(kind, match="weights"):
        I.first_dead_layer(weights, biases, np.ones((4, 3)))


@pytest.mark.parametrize("call, name", [
    (lambda: D.yarotsky_square(10**400), "m"),
    (lambda: P.residual_square_polynomial([10**400]), "weights"),
    (lambda: P.residual_square_network([10**400]), "weights"),
    (lambda: P.horner_square_network([1, 10**400]), "coefficients"),
    (lambda: P.taylor_polynomial(P.runge_taylor_coefficient, 500), "degree"),
])
def test_overflow_is_a_named_value_error(call, name):
    with pytest.raises(ValueError, match=name):
        call()


@pytest.mark.parametrize("call, name", [
    (lambda: D.folding_net(10**5, 3), "width"),
    (lambda: D.grid_slope_changes(D.sawtooth(2), 0, 1, n=10**11), "n"),
    (lambda: P.l2_projection(np.sin, 3, n_quad=10**10), "n_quad"),
    (lambda: P.chebyshev_interpolant(np.sin, degree=10**9), "degree"),
    (lambda: P.sup_error(np.sin, np.cos, n_grid=10**11), "n_grid"),
    (lambda: I.sample_parameters("he", [1000, 1000], 10**6), "n_nets"),
    (lambda: I.signal_propagation("relu", "he", 10, 3, n_nets=10**9), "n_nets"),
    (lambda: I.relu_log_signal_moments(10**10, 2), "width"),
    (lambda: I.max_abs_difference("relu", "elu", -1e9, 1e9), "low and high"),
    (lambda: G.rademacher_linear_mc(np.ones((3, 2)), n_draws=10**10), "n_draws"),
    (lambda: G.random_feature_errors(10, 3, [10**9]), "n_features"),
    (lambda: G.hessian(nc.MLP([200, 200, 1]), np.ones((2, 200)), np.ones((2, 1))), "model"),
    (lambda: A.train_ensemble(np.sin, 10**9, [0]), "width"),
    (lambda: A.grid(10**11), "n"),
])
def test_memory_errors_are_named_size_limits(call, name):
    with pytest.raises(ValueError, match=rf"{name}.*limit"):
        call()


def test_parameter_counts_are_not_limited_only_allocations():
    from nntheory import common

    assert common.n_parameters([10**5, 10**5]) == 10**10 + 10**5  # counting is free
    with pytest.raises(ValueError, match="sizes would need a parameter list"):
        nc.MLP([10**5, 10**5])


# ----------------------------------------------------------------------------- item 6

def test_sawtooth_l1_bound_is_exact_for_huge_arguments():
    assert D.sawtooth_l1_bound(1100, 1) == 0.125          # 1/8 - 2**-1103, rounded
    assert D.sawtooth_l1_bound(3, 10**400) == 0.0
    assert D.sawtooth_l1_bound(10**400, 3) == 0.125
    # against exact rationals, rounded once, on both sides of every branch
    for k in (1, 2, 5, 30, 62, 63, 64, 65, 70, 200):
        for p in (1, 2, 3, 2**k - 1, 2**k, 2**k + 1, 10**6):
            want = max(Fraction(0), Fraction(2**k - p, 2 ** (k + 3)))
            assert D.sawtooth_l1_bound(k, p) == float(want), (k, p)


def test_yarotsky_errors_underflow_to_zero_exactly():
    assert D.yarotsky_error(10**400) == 0.0 and D.yarotsky_product_error(10**400) == 0.0
    assert D.yarotsky_error(536) == 2.0**-1074 and D.yarotsky_error(537) == 0.0
    assert D.yarotsky_product_error(3) == 2.0**-7


# ----------------------------------------------------------------------------- item 7

def test_arccos_ntk_is_exact_on_the_diagonal():
    assert G.arccos_ntk([[2.0, 0.0, 1.0]])[0, 0] == pytest.approx(5.0, rel=4 * EPS)
    X = np.random.default_rng(0).normal(size=(50, 7))
    K = G.arccos_ntk(X)
    # theta = 0 on the diagonal: kappa_1 = |x|^2 / 2 and <x, x> kappa_0 = |x|^2 / 2
    np.testing.assert_allclose(np.diag(K), np.sum(X * X, axis=1), rtol=8 * EPS, atol=0)
    np.testing.assert_array_equal(K, K.T)


def test_arccos_ntk_is_accurate_at_tiny_angles():
    """x = (1, 0), y = (1, t): theta = atan(t) exactly; arccos(cos theta) would lose half
    the digits (theta ~ 1e-9 from a cosine 1 - 5e-19 that rounds to 1)."""
    for t in (1e-9, 1e-5, 0.3, 2.0):
        th = math.atan(t)
        ny = math.hypot(1.0, t)
        k0 = (math.pi - th) / (2 * math.pi)
        k1 = ny * (math.sin(th) + (math.pi - th) * math.cos(th)) / (2 * math.pi)
        want = k1 + 1.0 * k0
        got = G.arccos_ntk([[1.0, 0.0], [1.0, t]])[0, 1]
        assert got == pytest.approx(want, rel=16 * EPS), t


def test_magnitude_masks_and_pruning_check_their_arguments_first(monkeypatch):
    pm = nc.MLP([2, 3, 1], seed=0).get_parameters()
    with pytest.raises(ValueError, match=r"masks\[0\] must hold only 0"):
        G.magnitude_masks(pm, [np.full_like(p, 0.5) for p in pm], 0.5)

    def no_training(*args, **kwargs):
        raise AssertionError("trained before checking fraction")

    monkeypatch.setattr(G, "train_masked", no_training)
    X = np.ones((3, 1))
    for bad in (1.5, -0.1, float("nan")):
        with pytest.raises(ValueError, match="fraction"):
            G.iterative_magnitude_pruning([1, 4, 1], X, X, X, X, fraction=bad)


def test_expressiveness_analyzer_refuses_constant_test_targets():
    net = nc.MLP([1, 3, 1], seed=0)
    X = np.linspace(-1, 1, 5)[:, None]
    data = {"train": {"X": X, "y": np.sin(X)}, "test": {"X": X, "y": np.ones_like(X)}}
    with pytest.raises(ValueError, match=r"dataset\['test'\]\['y'\] is constant"):
        seed000.ExpressivenessAnalyzer().analyze(net, data)


def test_train_width_refuses_zero_epochs_itself(monkeypatch):
    monkeypatch.setattr(nc, "fit", lambda *a, **k: pytest.fail("fit reached"))
    with pytest.raises(ValueError, match="epochs must be an integer >= 1"):
        A.train_width(np.sin, 3, epochs=0)


# ----------------------------------------------------------------------------- item 8

def test_torch_fused_snapshot_restores_the_same_parameters_as_per_tensor_copies(monkeypatch):
    """A run that diverges ends at the parameters of its last accepted loss, the same
    whether the snapshot is one fused copy or a copy per tensor."""
    X = np.linspace(-1, 1, 20)[:, None]
    y = 3 * X
    ends = []
    for fused in (True, False):
        if not fused:
            monkeypatch.setattr(tc, "_FOREACH_COPY", None)
        net = tc.MLP([1, 8, 1], seed=0)
        with pytest.raises(tc.DivergenceError) as info:
            tc.fit(net, X, y, optimizer="sgd", lr=50.0, epochs=200)
        ends.append((info.value.step, net.get_parameters()))
    (s1, p1), (s2, p2) = ends
    assert s1 == s2 and s1 > 0
    for a, b in zip(p1, p2, strict=True):
        np.testing.assert_array_equal(a, b)
    # and the NumPy core stops at the same step with the same parameters (round-off)
    net = nc.MLP([1, 8, 1], seed=0)
    with pytest.raises(nc.DivergenceError) as info:
        nc.fit(net, X, y, optimizer="sgd", lr=50.0, epochs=200)
    assert info.value.step == s1
    for a, b in zip(net.get_parameters(), p1, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * max(1.0, np.abs(b).max()))


# ----------------------------------------------------------------------------- the battery

_CASES = hardening_battery.cases()


@pytest.mark.parametrize("case", _CASES, ids=[c.label for c in _CASES])
def test_battery(case):
    """Valid input: a finite (and, where checked, right) value. Bad input: a
    ValueError/TypeError naming the argument. Never a hang (20 s alarm)."""
    outcome, detail = hardening_battery.classify(case, timeout=20)
    assert outcome == ("ok" if case.valid else "named"), detail


def test_battery_is_large_and_mixed():
    assert len(_CASES) > 1000
    assert 50 < sum(c.valid for c in _CASES) < len(_CASES) - 900
