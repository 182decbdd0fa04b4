"""Part I library hardening: perceptron, datasets and separability refuse bad input by
name, never return NaN or a wrong answer, and never hang (issue 16, items 1, 7, 8, 9);
plus the mathematical facts chapters 1 and 2 now assert (issue 8)."""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import pytest
from scipy import stats

from nntheory import datasets, perceptron, separability

XOR_X, XOR_Y = datasets.xor()
NAN, INF = float("nan"), float("inf")

# ----------------------------------------------------------------------------- perceptron


@pytest.mark.parametrize(("kwargs", "error", "word"), [
    ({"lr": INF}, ValueError, "lr"),
    ({"lr": -INF}, ValueError, "lr"),
    ({"lr": NAN}, ValueError, "lr"),
    ({"lr": 0.0}, ValueError, "lr"),
    ({"lr": -1.0}, ValueError, "lr"),
    ({"lr": 1e300}, ValueError, "lr"),
    ({"lr": "1"}, TypeError, "lr"),
    ({"lr": True}, TypeError, "lr"),
    ({"max_epochs": -1}, ValueError, "max_epochs"),
    ({"max_epochs": 0}, ValueError, "max_epochs"),
    ({"max_epochs": 2.5}, TypeError, "max_epochs"),
    ({"max_epochs": "10"}, TypeError, "max_epochs"),
    ({"max_epochs": None}, TypeError, "max_epochs"),
    ({"add_bias": "yes"}, TypeError, "add_bias"),
    ({"add_bias": 1}, TypeError, "add_bias"),
    ({"order": [0, 1, 2]}, ValueError, "order"),
    ({"order": [0.0, 1.0, 2.0, 3.0]}, ValueError, "order"),
    ({"order": [[0, 1], [2, 3]]}, ValueError, "order"),
    ({"order": [0, 1, 2, 5]}, ValueError, "order"),
])
def test_train_perceptron_refuses_bad_settings(kwargs, error, word):
    with pytest.raises(error, match=word):
        perceptron.train_perceptron(XOR_X, XOR_Y, **kwargs)


def test_the_old_flag_is_gone():
    """``augmented=`` said the opposite of what it did; nothing else used it."""
    with pytest.raises(TypeError, match="augmented"):
        perceptron.train_perceptron(XOR_X, XOR_Y, augmented=True)


@pytest.mark.parametrize(("X", "error", "word"), [
    (np.full((4, 2), 1e300), ValueError, "Rescale"),
    (np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, -2e100]]), ValueError, "magnitude"),
    (np.array([[0.0, NAN], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), ValueError, "X"),
    (np.array([[0.0, INF], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), ValueError, "X"),
    (np.zeros(4), ValueError, "X must be"),
    (np.zeros((0, 2)), ValueError, "X must be"),
    ("abcd", TypeError, "X"),
    (None, TypeError, "X"),
])
def test_train_perceptron_refuses_bad_inputs(X, error, word):
    with pytest.raises(error, match=word):
        perceptron.train_perceptron(X, XOR_Y)


@pytest.mark.parametrize(("y", "error", "word"), [
    ([1.0, -1.0, 1.0], ValueError, "4 labels"),
    ([1.0, -1.0, 1.0, NAN], ValueError, "y"),
    ([1.0, -1.0, 1.0, 0.0], ValueError, "-1 or"),
    ("abcd", TypeError, "y"),
])
def test_train_perceptron_refuses_bad_labels(y, error, word):
    with pytest.raises(error, match=word):
        perceptron.train_perceptron(XOR_X, y)


def test_large_but_accepted_inputs_run_exactly():
    """Inputs of 1e100 (the largest accepted) scale the weights, not the mistakes:
    with a power-of-two scale and no bias the run is the unit run times the scale."""
    X, y, *_ = datasets.linearly_separable(30, 3, 0.1, seed=5)
    scale = 2.0 ** 330  # about 2e99
    base = perceptron.train_perceptron(X, y, add_bias=False)
    big = perceptron.train_perceptron(scale * X, y, add_bias=False)
    assert big.mistake_indices == base.mistake_indices and big.converged
    np.testing.assert_array_equal(big.w, scale * base.w)


def test_overflow_is_reported_not_returned(monkeypatch):
    """Were the input limit lifted, a score that overflows raises instead of being
    compared as inf or NaN (which would silently count as 'correct')."""
    monkeypatch.setattr(perceptron, "MAX_INPUT", 1e300)
    X = np.array([[1e200], [-1e200]])
    with pytest.raises(OverflowError, match="overflow"):
        perceptron.train_perceptron(X, [1.0, -1.0], add_bias=False)


@pytest.mark.parametrize(("u", "error"), [
    ([NAN, 1.0, 0.0], ValueError), ([INF, 1.0, 0.0], ValueError),
    ([1.0, 0.0], ValueError), ([0.0, 0.0, 0.0], ValueError), ("abc", TypeError),
    (None, TypeError),
])
def test_margin_refuses_bad_separators(u, error):
    with pytest.raises(error, match="u"):
        perceptron.margin(u, XOR_X, XOR_Y)
    if u is not None:  # u=None asks for the max-margin separator
        with pytest.raises(error, match="u"):
            perceptron.novikoff_bound(XOR_X, XOR_Y, u=u)


@pytest.mark.parametrize("fn", [perceptron.radius, perceptron.augment])
def test_radius_and_augment_refuse_nan(fn):
    with pytest.raises(ValueError, match="X"):
        fn([[0.0, NAN]])


def test_add_bias_flag_everywhere():
    X = np.array([[3.0, 4.0]])
    assert perceptron.radius(X) == pytest.approx(math.sqrt(26))
    assert perceptron.radius(X, add_bias=False) == pytest.approx(5.0)
    for fn, args in [(perceptron.radius, (X,)), (perceptron.max_margin, (X, [1.0])),
                     (perceptron.margin, ([1.0, 0.0], X, [1.0])),
                     (perceptron.novikoff_bound, (X, [1.0]))]:
        with pytest.raises(TypeError, match="add_bias"):
            fn(*args, add_bias="no")


@pytest.mark.parametrize("n", [1, 2, 5, 8, 13])
def test_novikoff_attained_on_basis_vectors(n):
    """x_i = e_i, y_i = +1, no bias: n mistakes in any order and (R/gamma*)^2 = n."""
    E, ones = np.eye(n), np.ones(n)
    _, g = perceptron.max_margin(E, ones, add_bias=False)
    assert g == pytest.approx(1 / math.sqrt(n), rel=1e-9)
    bound = perceptron.novikoff_bound(E, ones, add_bias=False)
    assert bound == pytest.approx(n, rel=1e-8)
    for seed in range(3):
        order = np.random.default_rng(seed).permutation(n)
        run = perceptron.train_perceptron(E, ones, order=order, add_bias=False)
        assert run.mistakes == n and run.converged


def test_unaugmented_novikoff_is_false_but_augmented_holds():
    """The version without augmentation (R of the raw inputs, gamma of an affine
    separator with ||w|| = 1) fails on two points of the line; the true one holds."""
    X, y = np.array([[0.01], [0.03]]), np.array([-1.0, 1.0])
    run = perceptron.train_perceptron(X, y, max_epochs=100_000)
    raw_bound = (0.03 / 0.01) ** 2  # w* = 1, b* = -0.02: gamma = 0.01, R = 0.03
    assert run.converged and run.mistakes > 100 * raw_bound
    assert run.mistakes <= perceptron.novikoff_bound(X, y)


def test_perceptron_cycles_inside_a_bounded_lattice():
    """Integer data, fixed order: weights stay on the integer lattice and the first
    repeat comes within as many passes as there are lattice points in their ball."""
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [0.0, 2.0], [1.0, 0.0]])
    y = np.array([1.0, 1.0, -1.0, -1.0, -1.0])
    assert not separability.separate(X, y).separable
    run = perceptron.train_perceptron(X, y, max_epochs=10_000)
    assert run.cycled
    W = np.array(run.weights)
    np.testing.assert_array_equal(W, np.round(W))
    r = int(np.ceil(np.max(np.linalg.norm(W, axis=1))))
    grid = np.array(list(itertools.product(range(-r, r + 1), repeat=3)))
    lattice_points = int(np.sum(np.linalg.norm(grid, axis=1) <= r))
    assert run.cycle_start_epoch + run.cycle_length <= lattice_points

def test_novikoff_attained_with_a_bias():
    """The augmented statement is attained too: the 2d points +-e_i labelled by their
    sign, with a bias, have (R/gamma*)^2 = 2 / (1/d) = 2d, and the worst order makes
    exactly 2d mistakes (d = 1: the points +-1 of the line, 2 mistakes in both orders)."""
    for d in (1, 2, 3):
        P, labels = np.vstack([np.eye(d), -np.eye(d)]), np.r_[np.ones(d), -np.ones(d)]
        bound = perceptron.novikoff_bound(P, labels)
        assert abs(bound - 2 * d) <= 4 * np.finfo(float).eps * 2 * d
        counts = [perceptron.train_perceptron(P, labels, order=list(o)).mistakes
                  for o in itertools.permutations(range(2 * d))]
        assert max(counts) == 2 * d
        assert d > 1 or counts == [2, 2]


def test_a_new_order_in_every_pass():
    """order may be a function of the pass: it is called once per pass, its orders are
    used, and Novikoff's bound holds for such runs too; no cycle test is made."""
    X, y, *_ = datasets.linearly_separable(100, 4, margin=0.03, bias=0.2, seed=3)
    bound = perceptron.novikoff_bound(X, y)
    calls = []
    for seed in range(5):
        rng = np.random.default_rng(seed)

        def order(epoch, rng=rng):
            calls.append(epoch)
            return rng.permutation(len(X))

        run = perceptron.train_perceptron(X, y, order=order)
        assert run.converged and run.mistakes <= bound and not run.cycled
        assert calls[-run.epochs:] == list(range(1, run.epochs + 1))
    # a fixed order given as a function is the same run as the order itself
    fixed = np.random.default_rng(9).permutation(len(X))
    a = perceptron.train_perceptron(X, y, order=fixed)
    b = perceptron.train_perceptron(X, y, order=lambda epoch: fixed)
    assert a.mistake_indices == b.mistake_indices and np.array_equal(a.w, b.w)


@pytest.mark.parametrize("bad", [lambda e: [0, 1, 2], lambda e: [0.0, 1.0, 2.0, 3.0],
                                 lambda e: None])
def test_an_order_function_must_return_permutations(bad):
    with pytest.raises(ValueError, match="order"):
        perceptron.train_perceptron(XOR_X, XOR_Y, order=bad)


def test_perceptron_path_is_the_perceptron():
    """Presenting a fixed order pass after pass gives train_perceptron's weights."""
    X, y, *_ = datasets.linearly_separable(30, 3, margin=0.05, seed=4)
    order = np.random.default_rng(1).permutation(30)
    run = perceptron.train_perceptron(X, y, order=order, lr=0.5)
    path = perceptron.perceptron_path(X, y, np.tile(order, run.epochs), lr=0.5)
    changed = np.any(np.diff(path, axis=0) != 0, axis=1)
    assert int(changed.sum()) == run.mistakes
    np.testing.assert_array_equal(path[1:][changed], np.array(run.weights[1:]))
    assert perceptron.perceptron_path(X, y, np.array([], dtype=int)).shape == (1, 4)


@pytest.mark.parametrize(("sequence", "word"), [
    ([0.0, 1.0], "integers"), ([[0, 1]], "1-D"), ([0, 4], "range"), ([-1], "range"),
])
def test_perceptron_path_refuses_bad_sequences(sequence, word):
    with pytest.raises(ValueError, match=word):
        perceptron.perceptron_path(XOR_X, XOR_Y, sequence)


def test_perceptron_path_refuses_long_sequences(monkeypatch):
    monkeypatch.setattr(perceptron, "MAX_PATH_LENGTH", 10)
    with pytest.raises(ValueError, match="at most 10"):
        perceptron.perceptron_path(XOR_X, XOR_Y, np.zeros(11, dtype=int))


def test_reachable_weights_hold_every_sequence():
    """XOR: the exhaustive search ends (the cycling theorem), starts at 0, and every
    weight vector of a long random sequence and of fixed-order runs is in the set."""
    states = perceptron.reachable_weights(XOR_X, XOR_Y)
    assert not np.any(states[0])
    found = {tuple(s) for s in states.tolist()}
    assert len(found) == len(states)
    seq = np.random.default_rng(0).integers(0, 4, size=20_000)
    path = perceptron.perceptron_path(XOR_X, XOR_Y, seq)
    assert {tuple(w) for w in path.tolist()} <= found
    for order in itertools.permutations(range(4)):
        run = perceptron.train_perceptron(XOR_X, XOR_Y, order=list(order))
        assert run.cycled and {tuple(w) for w in np.array(run.weights).tolist()} <= found


def test_xor_weights_return_to_zero_after_each_pass():
    run = perceptron.train_perceptron(XOR_X, XOR_Y, max_epochs=10)
    assert run.mistakes == 4 and not np.any(run.w)
    assert (run.cycle_start_epoch, run.cycle_length) == (0, 1)


def test_reachable_weights_stops_at_its_limit():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [0.0, 2.0], [1.0, 0.0]])
    y = np.array([1.0, 1.0, -1.0, -1.0, -1.0])
    with pytest.raises(RuntimeError, match="more than 3"):
        perceptron.reachable_weights(X, y, max_states=3)
    with pytest.raises(TypeError, match="max_states"):
        perceptron.reachable_weights(X, y, max_states=2.5)
    with pytest.raises(ValueError, match="max_states"):
        perceptron.reachable_weights(X, y, max_states=perceptron.MAX_REACHABLE + 1)

# ----------------------------------------------------------------------------- datasets


@pytest.mark.parametrize(("kwargs", "error", "word"), [
    ({"n": 5, "radius": -1.0}, ValueError, "radius"),
    ({"n": 5, "radius": 0.0}, ValueError, "radius"),
    ({"n": 5, "radius": NAN}, ValueError, "radius"),
    ({"n": 5, "radius": INF}, ValueError, "radius"),
    ({"n": 5, "margin": -0.1}, ValueError, "margin"),
    ({"n": 5, "margin": NAN}, ValueError, "margin"),
    ({"n": 5, "margin": 1.0}, ValueError, "margin"),
    ({"n": 5, "bias": NAN}, ValueError, "bias"),
    ({"n": 5, "bias": -0.95}, ValueError, "bias"),
    ({"n": 5, "bias": "0"}, TypeError, "bias"),
    ({"n": "5"}, TypeError, "n"),
    ({"n": 2.0}, TypeError, "n"),
    ({"n": -3}, ValueError, "n"),
    ({"n": 5, "dim": 0}, ValueError, "dim"),
    ({"n": 5, "dim": 1.5}, TypeError, "dim"),
    ({"n": 5, "seed": -1}, ValueError, "seed"),
    ({"n": 5, "seed": 1.5}, TypeError, "seed"),
    ({"n": 5, "seed": "abc"}, TypeError, "seed"),
    ({"n": 5, "seed": [1, 2]}, TypeError, "seed"),
])
def test_linearly_separable_bad_input_names_the_argument(kwargs, error, word):
    with pytest.raises(error, match=word):
        datasets.linearly_separable(**kwargs)


@pytest.mark.parametrize(("n", "dim", "margin"), [(10, 50, 0.9), (5, 200, 0.99),
                                                  (1000, 1000, 0.5)])
def test_linearly_separable_never_hangs(n, dim, margin):
    """Regions of probability 1e-20 and below are drawn directly (it used to loop)."""
    start = time.perf_counter()
    X, y, w, b = datasets.linearly_separable(n, dim=dim, margin=margin, seed=0)
    assert time.perf_counter() - start < 5.0
    assert X.shape == (n, dim)
    assert np.min(y * (X @ w + b)) >= margin * (1 - 1e-12)
    assert np.max(np.linalg.norm(X, axis=1)) <= 1 + 1e-12


def test_linearly_separable_refuses_an_empty_region():
    with pytest.raises(ValueError, match="margin"):
        datasets.linearly_separable(5, dim=100_000, margin=0.999, seed=0)


def _rejection_reference(n, dim, margin, bias, radius, w, rng):
    """The definition itself: uniform in the ball, keep points outside the slab."""
    kept = []
    while sum(len(k) for k in kept) < n:
        g = rng.normal(size=(4 * n, dim))
        g /= np.linalg.norm(g, axis=1, keepdims=True)
        pts = g * radius * rng.uniform(size=(4 * n, 1)) ** (1 / dim)
        kept.append(pts[np.abs(pts @ w + bias) >= margin])
    return np.concatenate(kept)[:n]


@pytest.mark.parametrize(("dim", "margin", "bias", "radius"), [
    (1, 0.2, 0.1, 1.0), (2, 0.1, 0.2, 2.0), (3, 0.3, -0.1, 1.0), (8, 0.15, 0.05, 0.5)])
def test_linearly_separable_has_the_conditional_uniform_law(dim, margin, bias, radius):
    """Two-sample Kolmogorov-Smirnov tests against rejection sampling, on the distance
    along w, the norm and the first coordinate. Seeds are fixed, so the p-values are
    too (smallest observed: 0.20); under the null each is uniform, so a threshold of
    1e-3 over 12 tests would fail a correct sampler with probability about 1 %.
    ``test_the_law_test_can_fail`` shows the same test rejecting a wrong law."""
    X, y, w, b = datasets.linearly_separable(3000, dim, margin, bias=bias, radius=radius,
                                             seed=1)
    assert np.min(y * (X @ w + b)) >= margin * (1 - 1e-12)
    assert np.all(y == np.where(X @ w + b > 0, 1.0, -1.0))
    ref = _rejection_reference(3000, dim, margin, bias, radius, w,
                               np.random.default_rng(99))
    for stat in (lambda P: P @ w, lambda P: np.linalg.norm(P, axis=1), lambda P: P[:, 0]):
        assert stats.ks_2samp(stat(X), stat(ref)).pvalue > 1e-3


@pytest.mark.parametrize("dim", [2, 3, 8])
def test_the_law_test_can_fail(dim):
    """A wrong radial law (radius uniform on [0, r] instead of r U^(1/dim)) is rejected
    by the KS test on the norms above: measured p-values are below 1e-47."""
    _, _, w, _ = datasets.linearly_separable(10, dim, 0.1, bias=0.05, seed=1)
    ref = _rejection_reference(3000, dim, 0.1, 0.05, 1.0, w, np.random.default_rng(99))
    rng = np.random.default_rng(7)
    g = rng.normal(size=(20000, dim))
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    wrong = g * rng.uniform(size=(20000, 1))
    wrong = wrong[np.abs(wrong @ w + 0.05) >= 0.1][:3000]
    norms = (np.linalg.norm(wrong, axis=1), np.linalg.norm(ref, axis=1))
    assert stats.ks_2samp(*norms).pvalue < 1e-3


def test_linearly_separable_is_deterministic_and_seed_checked():
    a = datasets.linearly_separable(50, 4, 0.1, seed=np.int64(3))
    b = datasets.linearly_separable(50, 4, 0.1, seed=3)
    for u, v in zip(a[:3], b[:3], strict=True):
        np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize(("n", "error"), [("3", TypeError), (0, ValueError),
                                          (21, ValueError), (2.0, TypeError)])
def test_boolean_cube_bad_input(n, error):
    with pytest.raises(error, match="n"):
        datasets.boolean_cube(n)


@pytest.mark.parametrize(("labels", "error"), [(3, TypeError), ("bool", ValueError),
                                               (None, TypeError)])
def test_xor_bad_labels(labels, error):
    with pytest.raises(error, match="labels"):
        datasets.xor(labels)

# ----------------------------------------------------------------------------- separability


@pytest.mark.parametrize(("X", "y", "error", "word"), [
    ([[0.0, NAN], [1.0, 1.0]], [1.0, -1.0], ValueError, "X"),
    ([[0.0, INF], [1.0, 1.0]], [1.0, -1.0], ValueError, "X"),
    ([[0.0, 0.0], [1.0, 1.0]], [1.0, NAN], ValueError, "y"),
    ([[0.0, 0.0], [1.0, 1.0]], [1.0, INF], ValueError, "y"),
    ("ab", [1.0, -1.0], TypeError, "X"),
    ([0.0, 1.0], [1.0, -1.0], ValueError, "X"),
    ([[0.0, 0.0], [1.0, 1.0]], [1.0], ValueError, "one label per row"),
])
def test_separate_refuses_bad_input(X, y, error, word):
    with pytest.raises(error, match=word):
        separability.separate(X, y)
    with pytest.raises(error, match=word):
        separability.farkas_certificate(X, y)


def test_check_certificate_refuses_bad_multipliers():
    with pytest.raises(ValueError, match="lam"):
        separability.check_certificate(XOR_X, XOR_Y, [0.25, 0.25, 0.5])
    with pytest.raises(ValueError, match="lam"):
        separability.check_certificate(XOR_X, XOR_Y, [0.25, 0.25, 0.25, NAN])
    with pytest.raises(ValueError, match="tol"):
        separability.check_certificate(XOR_X, XOR_Y, [0.25] * 4, tol=-1)
    assert separability.check_certificate(XOR_X, XOR_Y, [0.25] * 4)


def test_count_separable_dichotomies_refuses_large_sets_at_once():
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"at most 14 points"):
        separability.count_separable_dichotomies(np.zeros((40, 2)))
    assert time.perf_counter() - start < 1.0
    with pytest.raises(ValueError, match="X"):
        separability.count_separable_dichotomies([[0.0, NAN]])


@pytest.mark.parametrize(("n", "error"), [("3", TypeError), (3.0, TypeError),
                                          (0, ValueError), (5, ValueError),
                                          (True, TypeError)])
def test_count_threshold_functions_bad_input(n, error):
    with pytest.raises(error, match="n"):
        separability.count_threshold_functions(n)


@pytest.mark.parametrize(("args", "error", "word"), [
    ((-1, 2), ValueError, "n_points"), ((0, 2), ValueError, "n_points"),
    ((5, -1), ValueError, "dim"), ((5, 0), ValueError, "dim"),
    (("5", 2), TypeError, "n_points"), ((5, 2.0), TypeError, "dim"),
])
def test_cover_count_bad_input(args, error, word):
    with pytest.raises(error, match=word):
        separability.cover_count(*args)


@pytest.mark.parametrize(("args", "error", "word"), [
    ((0, 2), ValueError, "n"), ((3, -1), ValueError, "max_weight"),
    (("3", 2), TypeError, "n"), ((7, 1), ValueError, "n"),
    ((6, 9), ValueError, "smaller"),
])
def test_integer_count_bad_input(args, error, word):
    start = time.perf_counter()
    with pytest.raises(error, match=word):
        separability.count_threshold_functions_integer(*args)
    assert time.perf_counter() - start < 1.0


def test_cover_count_is_covers_c_of_n_and_d_plus_one():
    """Cover's C(N, m) = 2 sum_{k<m} binom(N-1, k) counts homogeneous separations in
    R^m; cover_count(N, d) must be C(N, d+1). Checked against an LP count of
    hyperplanes through the origin of R^(d+1) on the augmented points."""
    rng = np.random.default_rng(4)
    for d in (1, 2, 3):
        assert separability.cover_count(d + 1, d) == 2 ** (d + 1)  # N <= d+1: all
        for N in range(d + 2, d + 6):
            P = rng.normal(size=(N, d))
            assert (separability.count_separable_dichotomies(P)
                    == separability.cover_count(N, d)
                    == 2 * sum(math.comb(N - 1, k) for k in range(d + 1)))


def test_threshold_count_for_five_inputs():
    """OEIS A000609: 94572 threshold functions of 5 inputs; weights |w_i| <= 5 realise
    them all, and |w_i| <= 4 do not (so the count is not an artefact of the cap)."""
    assert separability.count_threshold_functions_integer(5, 5) == 94572
    assert separability.count_threshold_functions_integer(5, 4) < 94572


def test_integer_count_ties_and_edges():
    assert separability.count_threshold_functions_integer(2, 0) == 2  # constants only
    assert separability.count_threshold_functions_integer(1, 1) == 4
    assert separability.count_threshold_functions_integer(4, 3) == 1882


def test_max_margin_fast_path_matches_the_dual_path(monkeypatch):
    """The SLSQP-from-LP answer (accepted after a KKT check) and the L-BFGS-B dual
    fallback agree; the KKT check rejects a feasible but non-optimal point."""
    X, y, *_ = datasets.linearly_separable(120, 5, 0.03, bias=0.1, seed=2)
    u_fast, g_fast = perceptron.max_margin(X, y)
    Z = y[:, None] * perceptron.augment(X)
    assert perceptron._is_kkt_point(Z, u_fast / g_fast, 1e-6)
    assert not perceptron._is_kkt_point(Z, 2 * u_fast / g_fast)  # feasible, too long
    monkeypatch.setattr(perceptron, "_is_kkt_point", lambda Z, w, tol=1e-7: False)
    u_slow, g_slow = perceptron.max_margin(X, y)
    assert g_fast == pytest.approx(g_slow, rel=1e-9)
    np.testing.assert_allclose(u_fast, u_slow, atol=1e-6)
