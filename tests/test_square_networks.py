"""nntheory.square_networks: Estrin's scheme as a square network of logarithmic depth."""

import numpy as np
import pytest

from nntheory import polynomials as poly
from nntheory import square_networks as sq


@pytest.mark.parametrize("d", [0, 1, 2, 3, 4, 7, 8, 15, 16, 21])
def test_estrin_network_is_the_polynomial(d):
    c = np.random.default_rng(d).normal(size=d + 1)
    net = sq.estrin_square_network(c)
    assert net.n_layers - 1 == sq.estrin_depth(d) == max(1, int(np.ceil(np.log2(d + 1))))
    assert net.activation == "square" and not any(net.skip)
    x = np.linspace(-1.0, 1.0, 201)
    p = np.polynomial.Polynomial(c)
    # round-off of the product and identity formulas (observed up to 3e-11 at d = 16..21)
    assert np.max(np.abs(net.predict(x[:, None]).ravel() - p(x))) < 1e-9
    q = poly.mlp_polynomial(net)
    assert np.allclose(np.pad(q.coef, (0, d + 1))[: d + 1], c, rtol=0, atol=1e-9)


def test_estrin_depth_is_within_one_layer_of_the_degree_floor():
    # L hidden square layers give degree <= 2^L, so degree d needs ceil(log2 d) layers
    for d in range(2, 200):
        assert int(np.ceil(np.log2(d))) <= sq.estrin_depth(d) <= int(np.ceil(np.log2(d))) + 1


def test_bad_input():
    with pytest.raises(ValueError, match="coef"):
        sq.estrin_square_network([])
    with pytest.raises(ValueError, match="degree"):
        sq.estrin_depth(-1)
