"""nntheory.emulation: ReLU networks running Chebyshev sums by Clenshaw with Yarotsky products."""

import numpy as np
import pytest

from nntheory import emulation as em


@pytest.mark.parametrize("n, m", [(0, 3), (1, 4), (3, 6), (6, 10), (10, 14)])
def test_network_stays_within_the_bound(n, m):
    c = np.random.default_rng(n).normal(size=n + 1) / (1 + np.arange(n + 1)) ** 2
    net = em.relu_chebyshev_network(c, m)
    assert net.n_layers - 1 == (n + 1) * (m + 1) and max(net.sizes) <= 12
    x = np.linspace(-1.0, 1.0, 2001)
    dev = float(np.max(np.abs(net.predict(x[:, None]).ravel()
                              - np.polynomial.Chebyshev(c)(x))))
    bound = em.relu_chebyshev_error_bound(c, m)
    assert bound < 1 and dev <= bound
    # and not absurdly loose: within a factor 1000 (observed 3 to 32)
    assert n == 0 or dev >= bound / 1000


def test_error_falls_by_about_four_per_level():
    c = np.array([0.3, -0.5, 0.25, 0.1])
    x = np.linspace(-1.0, 1.0, 4001)
    p = np.polynomial.Chebyshev(c)(x)
    devs = [float(np.max(np.abs(em.relu_chebyshev_network(c, m).predict(x[:, None]).ravel()
                                - p))) for m in (6, 8, 10)]
    # each extra level of Yarotsky's square divides its error by 4: two levels, by 16
    assert 4 < devs[0] / devs[1] < 64 and 4 < devs[1] / devs[2] < 64


def test_clenshaw_bound_bounds_the_recurrence():
    rng = np.random.default_rng(2)
    c = rng.normal(size=9)
    x = np.linspace(-1, 1, 1001)
    b1 = b2 = np.zeros_like(x)
    for k in range(8, 0, -1):
        b1, b2 = c[k] + 2 * x * b1 - b2, b1
        assert np.max(np.abs(b1)) <= em.clenshaw_bound(c)


def test_bad_input():
    with pytest.raises(ValueError, match="cheb_coef"):
        em.relu_chebyshev_network([], 3)
    with pytest.raises(ValueError, match="m"):
        em.relu_chebyshev_network([1.0, 2.0], 0)
