"""nntheory.separation: the floors of chapters 5 and 7, each checked where it is attained."""

import numpy as np
import pytest

from nntheory import depth, separation


@pytest.mark.parametrize("n", [1, 2, 5, 17, 64])
def test_shallow_square_best_attains_the_floor_for_its_pieces(n):
    net = separation.shallow_square_best(n)
    x = np.linspace(0.0, 1.0, 16 * n + 1)           # every knot and every midpoint
    err = float(np.max(np.abs(net.predict(x[:, None]).ravel() - x ** 2)))
    # values of size 1, round-off a few 1e-16
    assert abs(err - separation.shallow_square_floor(n)) < 1e-14
    assert depth.count_pieces(net, 0.0, 1.0) == n
    assert net.sizes == (1, n, 1)


def test_square_floor_holds_for_any_knots():
    # the best continuous broken line on p cells (LP) never beats 1/(8 p^2); equal cells
    # attain it (up to the LP's grid and tolerance)
    rng = np.random.default_rng(3)
    for p in (2, 3, 5, 8):
        for _ in range(5):
            knots = np.sort(np.r_[0.0, rng.uniform(0, 1, p - 1), 1.0])
            best = separation.best_fixed_knot_error(np.square, knots, n_grid=2001)
            assert best >= separation.shallow_square_floor(p) * (1 - 1e-6)
        uniform = separation.best_fixed_knot_error(np.square, np.linspace(0, 1, p + 1),
                                                   n_grid=8 * p + 1)
        assert abs(uniform / separation.shallow_square_floor(p) - 1) < 1e-6


@pytest.mark.parametrize("n", [4, 8, 32])
def test_fixed_knot_floor_is_attained_at_a_cell_centre(n):
    knots = np.linspace(0.0, 1.0, n + 1)
    a = (knots[n // 2] + knots[n // 2 + 1]) / 2
    best = separation.best_fixed_knot_error(separation.sqrt_singularity(a), knots,
                                            points=[a])
    # attained up to the LP's tolerance (HiGHS; observed up to 1.5e-6 relative)
    assert abs(best / separation.fixed_knot_floor(knots) - 1) < 1e-5


def test_fixed_knot_floor_for_random_knots():
    rng = np.random.default_rng(8)
    for _ in range(10):
        knots = np.sort(np.r_[0.0, rng.uniform(0, 1, 9), 1.0])
        i = int(np.argmax(np.diff(knots)))
        a = (knots[i] + knots[i + 1]) / 2
        best = separation.best_fixed_knot_error(separation.sqrt_singularity(a), knots,
                                                points=[a])
        assert best >= separation.fixed_knot_floor(knots) * (1 - 1e-6)


def test_equidistributed_knots_follow_the_singularity():
    rng = np.random.default_rng(1)
    for a in np.r_[0.0, 1.0, rng.uniform(0, 1, 6)]:
        errs = []
        for n in (16, 64):
            k = separation.equidistributed_knots(a, n)
            assert k.size == n + 1 and k[0] == 0.0 and k[-1] == 1.0
            assert np.all(np.diff(k) > 0) and np.any(k == a)
            f = separation.sqrt_singularity(a)
            x = np.union1d(np.linspace(0, 1, 20001), k)
            errs.append(float(np.max(np.abs(np.interp(x, k, f(k)) - f(x)))))
        # N^2 * error stays bounded (observed below 1) and the rate is about 2
        assert 64 ** 2 * errs[1] < 2.0
        assert np.log(errs[0] / errs[1]) / np.log(4) > 1.7


def test_train_spread_kinks_is_deterministic_and_member_independent():
    def f(x):
        return np.abs(np.asarray(x))
    both = separation.train_spread_kinks([1, 8, 1], f, seeds=[3, 4], epochs=30)
    alone = separation.train_spread_kinks([1, 8, 1], f, seeds=[4], epochs=30)
    again = separation.train_spread_kinks([1, 8, 1], f, seeds=[3, 4], epochs=30)
    assert np.array_equal(both, again)
    assert both.shape == (2,) and abs(both[1] / alone[0] - 1) < 1e-9


def test_bad_input():
    with pytest.raises(ValueError, match="n_pieces"):
        separation.shallow_square_floor(0)
    with pytest.raises(TypeError, match="n_units"):
        separation.shallow_square_best(2.5)
    with pytest.raises(ValueError, match="knots"):
        separation.fixed_knot_floor([0.0, 0.5, 0.5, 1.0])
    with pytest.raises(ValueError, match="seeds"):
        separation.train_spread_kinks([1, 4, 1], np.abs, seeds=[], epochs=1)
    with pytest.raises(ValueError, match="lo <= a <= hi"):
        separation.equidistributed_knots(2.0, 8)


def test_pieces_bound_widths_holds_and_is_attained_for_one_layer():
    rng = np.random.default_rng(4)
    for trial in range(40):
        widths = [int(w) for w in rng.integers(1, 6, size=int(rng.integers(1, 4)))]
        net = separation.random_relu_widths(widths, seed=trial)
        assert net.sizes == (1, *widths, 1)
        bound = separation.pieces_bound_widths(widths)
        assert depth.count_pieces(net, -3.0, 3.0) <= bound
        n, L = sum(widths), len(widths)
        assert bound <= (n / L + 1) ** L * (1 + 1e-12)          # AM-GM
    # one hidden layer: w units at distinct knots inside the interval give w + 1 pieces
    spline = depth.relu_spline(np.linspace(-1.0, 1.0, 6), [0.0, 1.0, -1.0, 2.0, 0.0, 1.0])
    assert depth.count_pieces(spline, -2.0, 2.0) == separation.pieces_bound_widths([5])


def test_random_relu_widths_bad_input():
    with pytest.raises(ValueError, match="widths"):
        separation.random_relu_widths([], seed=0)
    with pytest.raises(ValueError, match="widths entry"):
        separation.pieces_bound_widths([2, 0])


@pytest.mark.parametrize("K", [1, 2, 7])
def test_sawtooth_series_net_is_the_partial_sum(K):
    a = np.random.default_rng(K).uniform(0.0, 1.0, K)
    x = np.linspace(0.0, 1.0, 2 ** 10 + 1)
    ref = sum(a[s - 1] * depth.sawtooth(s).predict(x[:, None]).ravel() for s in range(1, K + 1))
    net = separation.sawtooth_series_net(a)
    assert net.n_parameters == 12 * K - 2
    assert np.max(np.abs(net.predict(x[:, None]).ravel() - ref)) < 1e-14
    # Yarotsky's x^2 network is x minus such a series: the same shape
    assert net.sizes == depth.yarotsky_square(K).sizes


def test_sawtooth_series_net_rejects_negative_coefficients():
    with pytest.raises(ValueError, match="coefficients"):
        separation.sawtooth_series_net([0.5, -0.25])


def _width3_net(L: int, shift: float = 1.0):
    """The width-3 network of thm-pieces-bound's proof: z_1 = 3σ(x) - 2σ(x-1) + 2σ(2-x) - 4,
    then z_{l+1} = the same shape applied to 4 z_l - shift (shift 1: kinks at z_l = 1/4,
    1/2, 3/4, inside the range [0, 1] that every piece of z_l covers)."""
    from nntheory import numpy_core as npc
    w_in, b_in = np.array([[1.0, 1.0, -1.0]]), np.array([0.0, -1.0, 2.0])
    a_out, c_out = np.array([3.0, -2.0, 2.0]), -4.0
    params = [w_in, b_in]
    for _ in range(L - 1):
        params += [4 * np.outer(a_out, w_in[0]), (4 * c_out - shift) * w_in[0] + b_in]
    params += [a_out[:, None], np.array([c_out])]
    net = npc.MLP([1] + [3] * L + [1], "relu")
    net.set_parameters(params)
    return net


@pytest.mark.parametrize("L", [1, 2, 3, 4, 5, 6])
def test_width_three_attains_the_piece_bound(L):
    """(w + 1)^L is attained for w = 3 at every depth (Serra et al. 2018; the chapter's
    proof): exact counts, on an interval holding every kink ([-1/2, 3])."""
    net = _width3_net(L)
    assert depth.count_pieces(net, -10.0, 12.0) == depth.pieces_upper_bound(3, L) == 4 ** L
    # and the proof's invariant: every piece of z_L (here cut at -10 and 12, where the
    # outer pieces are already past [0, 1]) runs over a range containing [0, 1]
    pw = depth.piecewise_linear(net, -10.0, 12.0)
    assert pw.breakpoints.size == 4 ** L - 1
    ends = net.predict(pw.knots[:, None]).ravel()
    lo, hi = np.minimum(ends[:-1], ends[1:]), np.maximum(ends[:-1], ends[1:])
    assert np.all(lo < 1e-9) and np.all(hi > 1 - 1e-9)


def test_width_three_loses_pieces_when_the_kinks_leave_the_range():
    # kinks of the second layer at z = 3/4, 1, 5/4 (shift -2): some fall outside what the
    # pieces of z_1 cover in common, and the count drops below the bound
    assert depth.count_pieces(_width3_net(2, shift=-2.0), -10.0, 12.0) < 16
