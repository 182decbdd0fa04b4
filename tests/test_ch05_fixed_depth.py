"""depth.square_base (issue 25, chapter 5: Yarotsky's lower bound for fixed depth, executed):
the base-w squaring network and the fixed-depth lower bound it nearly attains."""

from __future__ import annotations

import numpy as np
import pytest

from nntheory import depth, separation


@pytest.mark.parametrize("w, m", [(2, 1), (2, 4), (3, 2), (4, 3), (5, 3), (8, 2)])
def test_square_base_error_pieces_and_units(w, m):
    net = depth.square_base(w, m)
    assert list(net.sizes) == [1, w] + [w + 1] * (m - 1) + [1]
    assert sum(net.sizes[1:-1]) == m * (w + 1) - 1
    assert depth.count_pieces(net, 0.0, 1.0) == w ** m          # the interpolant's pieces
    eps = 0.25 * float(w) ** (-2 * m)
    mid = (np.arange(w ** m) + 0.5) / w ** m
    err_mid = net.predict(mid[:, None]).ravel() - mid ** 2
    # attained at every midpoint (exactly for powers of 2; observed 2e-11 relative else)
    assert np.max(np.abs(err_mid / eps - 1)) < 1e-9
    if w in (2, 4, 8):
        assert np.all(err_mid == eps)
    fine = np.linspace(0.0, 1.0, 16 * w ** m + 1)
    err = net.predict(fine[:, None]).ravel() - fine ** 2
    assert err.min() >= -1e-15 and err.max() <= eps * (1 + 1e-9)   # nowhere larger
    # the fixed-depth lower bound: m hidden layers, N units -> at most (N/m + 1)^m pieces
    # (thm-telgarsky-runnable) -> sup error >= 1/(8 (N/m + 1)^(2m)) (prop-shallow-square)
    n_units = m * (w + 1) - 1
    pieces_cap = (n_units / m + 1) ** m
    bound = separation.shallow_square_floor(1) / pieces_cap ** 2
    assert bound <= eps <= 2 * ((w + 2) / w) ** (2 * m) * bound


def test_square_base_two_is_yarotskys_function():
    x = np.linspace(0.0, 1.0, 4097)[:, None]
    for m in range(1, 11):
        assert np.array_equal(depth.square_base(2, m).predict(x),
                              depth.yarotsky_square(m).predict(x))
        assert depth.square_base(2, m).n_parameters < depth.yarotsky_square(m).n_parameters


def test_square_base_refuses_bad_arguments():
    with pytest.raises(ValueError, match="base"):
        depth.square_base(1, 2)
    with pytest.raises(TypeError, match="base"):
        depth.square_base(2.5, 2)
    with pytest.raises(ValueError, match="m"):
        depth.square_base(3, 0)
