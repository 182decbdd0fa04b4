"""Tests of nntheory.depth: sawtooth, Yarotsky, exact piece counting, skip unrolling."""

import math

import numpy as np
import pytest

from nntheory import approximation, common, depth
from nntheory import numpy_core as nc


def _manual_net(sizes, params):
    net = nc.MLP(sizes, "relu")
    net.set_parameters([np.asarray(p, dtype=float) for p in params])
    return net


@pytest.mark.parametrize("width", [2, 3])
def test_sawtooth_exact_at_dyadics(width):
    rng = np.random.default_rng(0)
    for k in range(1, 21):
        net = depth.sawtooth(k, width)
        i = np.arange(2 ** k + 1)
        if k > 14:  # every node up to k = 14, then a random 4097 of them (ends included)
            i = np.unique(np.concatenate([[0, 2 ** k], rng.integers(0, 2 ** k, 4095)]))
        y = net.predict((i / 2 ** k)[:, None]).ravel()
        assert np.array_equal(y, (i % 2).astype(float)), k
        assert net.sizes == (1,) + (width,) * k + (1,)


def test_sawtooth_parameter_counts_linear_in_k():
    for k in range(1, 10):
        assert depth.sawtooth(k).n_parameters == 6 * k + 1
        assert depth.sawtooth(k, 3).n_parameters == 12 * k - 2


def test_sawtooth_width3_is_tent_on_whole_line():
    x = np.linspace(-3, 4, 7001)
    tent = np.maximum(0.0, np.minimum(2 * x, 2 - 2 * x))
    assert np.allclose(depth.sawtooth(1, 3).predict(x[:, None]).ravel(), tent, atol=1e-15)
    # composed with itself: Delta^2 = Delta(Delta(x)) everywhere
    assert np.allclose(depth.sawtooth(2, 3).predict(x[:, None]).ravel(),
                       np.maximum(0, np.minimum(2 * tent, 2 - 2 * tent)), atol=1e-14)


@pytest.mark.parametrize("k", range(1, 13))
def test_sawtooth_has_2k_pieces(k):
    assert depth.count_pieces(depth.sawtooth(k), 0, 1) == 2 ** k
    assert depth.count_pieces(depth.sawtooth(k, 3), 0, 1) == 2 ** k
    pw = depth.piecewise_linear(depth.sawtooth(k), 0, 1)
    assert np.array_equal(pw.breakpoints, np.arange(1, 2 ** k) / 2 ** k)
    assert pw.derivative_l1() == 2.0 ** k


def test_folding_net_reaches_w_to_the_L():
    for w in (1, 2, 3, 4, 5):
        for L in (1, 2, 3):
            assert depth.count_pieces(depth.folding_net(w, L), 0, 1) == w ** L


@pytest.mark.parametrize("m", range(1, 21))
def test_yarotsky_square_error_exact_at_midpoints(m):
    net = depth.yarotsky_square(m)
    assert net.n_parameters == 12 * m - 2
    i = np.arange(2 ** m)
    if m > 14:  # every midpoint up to m = 14, then a random 4096 of them
        i = np.random.default_rng(m).integers(0, 2 ** m, 4096)
    mid = (2 * i + 1) / 2 ** (m + 1)
    err = net.predict(mid[:, None]).ravel() - mid ** 2
    assert np.all(err == depth.yarotsky_error(m))           # attained at every midpoint
    if m <= 10:
        x = np.linspace(0, 1, 2 ** (m + 3) + 1)
        e = net.predict(x[:, None]).ravel() - x ** 2
        assert e.min() >= 0 and e.max() == depth.yarotsky_error(m)
        nodes = np.arange(2 ** m + 1) / 2 ** m
        assert np.array_equal(net.predict(nodes[:, None]).ravel(), nodes ** 2)


def test_yarotsky_product_error_bound_attained():
    for m in range(1, 7):
        net = depth.yarotsky_product(m)
        g = np.linspace(0, 1, 2 ** (m + 1) + 1)
        X = np.array(np.meshgrid(g, g)).reshape(2, -1).T
        err = np.abs(net.predict(X).ravel() - X[:, 0] * X[:, 1])
        assert err.max() == depth.yarotsky_product_error(m)
        worst = np.array([[0.0, 2.0 ** -m]])
        assert abs(net.predict(worst)[0, 0] - 0.0) == depth.yarotsky_product_error(m)
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, size=(2000, 2))
    err = np.abs(depth.yarotsky_product(4).predict(X).ravel() - X[:, 0] * X[:, 1])
    assert err.max() <= depth.yarotsky_product_error(4)


def test_count_pieces_hand_built():
    # relu(x) on [-1, 1]: two pieces; on [0.5, 1]: one
    net = _manual_net([1, 1, 1], [[[1.0]], [0.0], [[1.0]], [0.0]])
    assert depth.count_pieces(net, -1, 1) == 2
    assert depth.count_pieces(net, 0.5, 1) == 1
    # |x| = relu(x) + relu(-x): two pieces; relu(x) - relu(-x) = x: one piece (merged)
    absx = _manual_net([1, 2, 1], [[[1.0, -1.0]], [0.0, 0.0], [[1.0], [1.0]], [0.0]])
    ident = _manual_net([1, 2, 1], [[[1.0, -1.0]], [0.0, 0.0], [[1.0], [-1.0]], [0.0]])
    assert depth.count_pieces(absx, -1, 1) == 2
    assert depth.count_pieces(ident, -1, 1) == 1
    # the hat relu(x+1) - 2 relu(x) + relu(x-1): 4 pieces on [-2, 2]
    hat = _manual_net([1, 3, 1], [[[1.0, 1.0, 1.0]], [1.0, 0.0, -1.0],
                                  [[1.0], [-2.0], [1.0]], [0.0]])
    pw = depth.piecewise_linear(hat, -2, 2)
    assert pw.n_pieces == 4 and np.array_equal(pw.breakpoints, [-1.0, 0.0, 1.0])
    assert np.array_equal(pw.slopes, [0.0, 1.0, -1.0, 0.0])
    # two units with the same kink count once; a dead unit adds nothing
    twin = _manual_net([1, 3, 1], [[[1.0, 2.0, 0.0]], [0.0, 0.0, -1.0],
                                   [[1.0], [1.0], [5.0]], [0.0]])
    assert depth.count_pieces(twin, -1, 1) == 2
    # a second layer that folds: relu(1 - 2 relu(x)) on [-1, 1] has kinks at 0 and 1/2
    fold = _manual_net([1, 1, 1, 1], [[[1.0]], [0.0], [[-2.0]], [1.0], [[1.0]], [0.0]])
    pw = depth.piecewise_linear(fold, -1, 1)
    assert np.allclose(pw.breakpoints, [0.0, 0.5]) and pw.n_pieces == 3


def test_count_pieces_matches_function_and_dense_grid():
    rng = np.random.default_rng(1)
    agree = 0
    for seed in range(25):
        w, L = int(rng.integers(1, 6)), int(rng.integers(1, 4))
        net = depth.random_relu_net(w, L, seed)
        pw = depth.piecewise_linear(net, -2, 2)
        # the pieces reproduce the network
        x = np.linspace(-2, 2, 20001)
        assert np.allclose(pw(x), net.predict(x[:, None]).ravel(), atol=1e-10)
        # slopes really change at each breakpoint
        assert np.all(np.abs(np.diff(pw.slopes)) > 1e-9)
        # dense grid: each breakpoint strictly inside a cell changes the slope twice
        n = 200_001
        h = 4 / (n - 1)
        gaps = np.diff(pw.knots)
        if gaps.min() > 3 * h:
            changes = depth.grid_slope_changes(net, -2, 2, n)
            assert changes == 2 * (pw.n_pieces - 1)
            agree += 1
    assert agree >= 18


def test_upper_bound_on_random_nets():
    for seed in range(200):
        w, L = 1 + seed % 5, 1 + (seed // 5) % 4
        net = depth.random_relu_net(w, L, seed, bias_std=0.5)
        assert depth.count_pieces(net, -3, 3) <= depth.pieces_upper_bound(w, L)


def test_upper_bound_attained_for_one_layer():
    from nntheory import constructions
    for w in (1, 3, 8):
        net = constructions.relu_interpolant(lambda x: np.exp(2 * x),
                                             -1.0, 1.0, w + 1)
        assert depth.count_pieces(net, -1.5, 1.5) == depth.pieces_upper_bound(w, 1)


def test_he_init_with_zero_bias_is_homogeneous():
    for seed in range(10):
        net = nc.MLP([1, 8, 8, 8, 1], "relu", init="he", seed=seed)
        assert depth.count_pieces(net, -1, 1) <= 2


@pytest.mark.parametrize("sizes", [[1, 6, 6, 6, 1], [2, 2, 2, 1], [3, 3, 4, 4, 2], [1, 1, 1, 1]])
def test_unroll_skip_equal_function(sizes):
    rng = np.random.default_rng(0)
    net = nc.MLP(sizes, "relu", skip=True, seed=1)
    net.set_parameters([p + 0.3 * rng.normal(size=p.shape) for p in net.get_parameters()])
    plain = depth.unroll_skip(net)
    assert not any(plain.skip)
    X = rng.normal(size=(500, sizes[0])) * 2
    assert np.allclose(plain.predict(X), net.predict(X), atol=1e-12)


def test_unroll_skip_overhead_below_four():
    for w in (2, 5, 20):  # w = 1 would put a skip around the input layer
        for L in (2, 3, 6):
            net = nc.MLP([1] + [w] * L + [1], "relu", skip=True, seed=0)
            ratio = depth.unroll_skip(net).n_parameters / net.n_parameters
            assert 1 < ratio < 4
    net = nc.MLP([1] + [200] * 50 + [1], "relu", skip=True, seed=0)
    assert depth.unroll_skip(net).n_parameters / net.n_parameters > 3.9


def test_unroll_skip_nonzero_overhead():
    # all residual entries non-zero: the plain network's non-zero count is exactly
    # w^2 + 6w + 1 + (L - 2)(2w^2 + 3w), below (2 + 1/(w + 1)) times the residual one
    rng = np.random.default_rng(3)
    for w, L in [(2, 2), (3, 5), (6, 4), (2, 80)]:
        net = nc.MLP([1] + [w] * L + [1], "relu", skip=True, seed=0)
        net.set_parameters([rng.uniform(0.5, 1.5, p.shape) * rng.choice([-1, 1], p.shape)
                            for p in net.get_parameters()])
        plain = depth.unroll_skip(net)
        nz_res, nz_plain = depth.nonzero_parameters(net), depth.nonzero_parameters(plain)
        assert nz_res == net.n_parameters == 3 * w + 1 + (L - 1) * (w * w + w)
        assert nz_plain == w * w + 6 * w + 1 + (L - 2) * (2 * w * w + 3 * w)
        assert nz_plain < (2 + 1 / (w + 1)) * nz_res
    assert nz_plain / nz_res > 0.98 * (2 + 1 / 3)      # (2, 80): 0.988 of the limit


def test_nonzero_parameters_of_constructions():
    for k in (1, 4, 9):
        assert depth.nonzero_parameters(depth.sawtooth(k)) == 5 * k
    for m in (1, 2, 7):
        assert depth.nonzero_parameters(depth.yarotsky_square(m)) == 8 * m - 1
        assert depth.nonzero_parameters(depth.yarotsky_product(m)) == 24 * m
    net = nc.MLP([1, 3, 1], "relu")
    net.set_parameters([np.zeros((1, 3)), np.zeros(3), np.zeros((3, 1)), np.zeros(1)])
    assert depth.nonzero_parameters(net) == 0


def test_relu_spline_is_the_broken_line():
    knots = np.array([-1.0, -0.2, 0.3, 0.35, 2.0])
    values = np.array([0.5, -1.0, 2.0, 2.0, -3.0])
    net = depth.relu_spline(knots, values)
    assert net.sizes == (1, 4, 1)
    x = np.linspace(-1, 2, 3001)
    assert np.allclose(net.predict(x[:, None]).ravel(), np.interp(x, knots, values),
                       rtol=0, atol=1e-12)
    assert depth.count_pieces(net, -1, 2) == 4


def _l1_to_sawtooth(k, a, b, g, n=2049):
    x = np.linspace(a, b, n)
    return float(np.trapezoid(np.abs(g(x) - depth.sawtooth(k).predict(x[:, None]).ravel()),
                              x))


@pytest.mark.parametrize("k", [1, 3, 6])
def test_sawtooth_l1_bound_attained_on_each_interval(k):
    # on I_j = [x_j, x_{j+1}] (x_j = (2j+1)/2^(k+1)) the best constant is 3/4 or 1/4,
    # at distance exactly 2^(-k-3); other constants and lines are farther
    mids = (2 * np.arange(2 ** k) + 1) / 2 ** (k + 1)
    for j in range(2 ** k - 1):
        best = 0.75 if j % 2 == 0 else 0.25
        e = _l1_to_sawtooth(k, mids[j], mids[j + 1], lambda x, c=best: np.full_like(x, c))
        assert abs(e - 2.0 ** (-k - 3)) < 1e-15
        for c in (0.5, best + 0.05, best - 0.05):
            assert _l1_to_sawtooth(k, mids[j], mids[j + 1],
                                   lambda x, c=c: np.full_like(x, c)) > 2.0 ** (-k - 3)
        line = lambda x, j=j, best=best: best + 0.3 * (x - (j + 1) / 2 ** k) * 2 ** k  # noqa: E731
        assert _l1_to_sawtooth(k, mids[j], mids[j + 1], line) > 2.0 ** (-k - 3)
    assert depth.sawtooth_l1_bound(k, 1) == (2 ** k - 1) * 2.0 ** (-k - 3)
    assert depth.sawtooth_l1_bound(k, 2 ** k + 5) == 0.0


def test_sawtooth_l1_bound_holds_for_random_piecewise_affine():
    rng = np.random.default_rng(11)
    k = 4
    for _ in range(60):
        p = int(rng.integers(1, 2 ** k))
        cuts = np.concatenate([[0.0], np.sort(rng.uniform(0, 1, p - 1)), [1.0]])
        err = 0.0
        for a, b in zip(cuts[:-1], cuts[1:], strict=True):
            t = np.linspace(a, b, 33)
            fit = np.polynomial.Polynomial.fit(
                t, depth.sawtooth(k).predict(t[:, None]).ravel(), 1)
            err += _l1_to_sawtooth(k, a, b, fit, n=4097)
        assert err >= depth.sawtooth_l1_bound(k, p)


def test_train_architecture_and_rates():
    r = depth.train_architecture([1, 4, 1], np.sin, seed=0, epochs=5)
    assert r.n_parameters == 13 and r.sizes == (1, 4, 1) and r.mse > 0 and r.seconds >= 0
    n = np.array([10.0, 20, 40, 80])
    E = np.column_stack([n ** -2.0, 3 * n ** -1.0])
    assert np.allclose(depth.fit_rates(n, E), [-2.0, -1.0])
    assert np.allclose(depth.fit_rates(n, n ** -0.5), [-0.5])


@pytest.mark.parametrize("sizes", [[1, 6, 1], [1, 5, 5, 5, 1]], ids=["shallow", "deep"])
def test_train_architectures_equals_one_run_per_seed(sizes):
    f = approximation.TARGETS["smooth"]
    runs = depth.train_architectures(sizes, f, seeds=range(3), epochs=40, n_train=32)
    assert len(runs) == 3 and len({r.seconds for r in runs}) == 1
    for s, r in enumerate(runs):
        one = depth.train_architecture(sizes, f, seed=s, epochs=40, n_train=32)
        assert r.sizes == one.sizes and r.n_parameters == one.n_parameters
        # member s follows fit from seed s to round-off (1e-10 relative: see
        # tests/test_ensemble.py; measured ~1e-15 here)
        assert abs(r.mse - one.mse) <= 1e-10 * one.mse
    assert len({r.mse for r in runs}) == 3   # three different seeds, three results
    again = depth.train_architectures(sizes, f, seeds=np.array([0, 1, 2]), epochs=40,
                                      n_train=32)
    assert [r.mse for r in again] == [r.mse for r in runs]   # any sequence of seeds
    with pytest.raises(ValueError, match="seeds"):
        depth.train_architectures(sizes, f, seeds=[], epochs=1)
    with pytest.raises(TypeError, match="seeds"):
        depth.train_architectures(sizes, f, seeds=3, epochs=1)


def test_train_architectures_raises_what_train_architecture_raises():
    # Adam at lr 1e6 throws the weights far out: the loss passes the divergence limit
    with pytest.raises(common.DivergenceError) as one:
        depth.train_architecture([1, 4, 1], np.sin, seed=1, epochs=30, lr=1e6)
    with pytest.raises(common.DivergenceError) as many:
        depth.train_architectures([1, 4, 1], np.sin, seeds=[1, 2], epochs=30, lr=1e6)
    assert (many.value.epoch, many.value.step) == (one.value.epoch, one.value.step)


def test_bad_input():
    with pytest.raises(ValueError, match="k"):
        depth.sawtooth(0)
    with pytest.raises(TypeError, match="k"):
        depth.sawtooth(2.5)
    with pytest.raises(ValueError, match="width"):
        depth.sawtooth(3, width=4)
    with pytest.raises(ValueError, match="m"):
        depth.yarotsky_square(0)
    with pytest.raises(TypeError, match="m"):
        depth.yarotsky_product("3")
    with pytest.raises(TypeError, match="model"):
        depth.count_pieces("net", 0, 1)
    with pytest.raises(ValueError, match="model"):
        depth.count_pieces(nc.MLP([2, 3, 1]), 0, 1)
    with pytest.raises(ValueError, match="model"):
        depth.count_pieces(nc.MLP([1, 3, 1], "tanh"), 0, 1)
    with pytest.raises(ValueError, match="a < b"):
        depth.count_pieces(depth.sawtooth(2), 1, 0)
    with pytest.raises(ValueError, match="b"):
        depth.count_pieces(depth.sawtooth(2), 0, math.inf)
    with pytest.raises(ValueError, match="width"):
        depth.pieces_upper_bound(0, 2)
    with pytest.raises(TypeError, match="seed"):
        depth.random_relu_net(2, 2, seed=-1.5)
    with pytest.raises(TypeError, match="f"):
        depth.train_architecture([1, 2, 1], 3.0, seed=0, epochs=1)
    with pytest.raises(ValueError, match="errors"):
        depth.fit_rates([1, 2, 3], [1.0, 2.0])
    with pytest.raises(ValueError, match="positive"):
        depth.fit_rates([1, 2], [1.0, 0.0])
    with pytest.raises(TypeError, match="model"):
        depth.unroll_skip(None)
    with pytest.raises(ValueError, match="p"):
        depth.sawtooth_l1_bound(3, 0)
    with pytest.raises(TypeError, match="k"):
        depth.sawtooth_l1_bound(2.5, 3)
    with pytest.raises(ValueError, match="increasing"):
        depth.relu_spline([0.0, 0.0, 1.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="values"):
        depth.relu_spline([0.0, 1.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="knots"):
        depth.relu_spline([0.0, np.nan], [1.0, 2.0])
    with pytest.raises(TypeError, match="model"):
        depth.nonzero_parameters([1, 2])
