"""Chapter 8, third referee (issue 26): the correlation depth scale on both sides of the
edge of chaos (``initialisation.correlation_depth_scale``)."""

import math

import pytest

from nntheory import initialisation as ini

SB2 = 0.1                  # the chapter's bias variance; tanh's edge lies in (1.95, 2)


def test_ordered_phase_is_depth_scales():
    """chi_1 < 1: the fixed point is c* = 1 and xi_c is -1/ln chi_1, as in depth_scales."""
    for sw2 in (1.0, 1.5, 1.75):
        cs, ds = ini.correlation_depth_scale("tanh", sw2, SB2), ini.depth_scales("tanh", sw2, SB2)
        assert cs.c_star == 1.0 and cs.q_star == ds.q_star
        assert cs.chi_c == pytest.approx(ds.chi_1, rel=1e-9)
        assert cs.xi_c == pytest.approx(ds.xi_c, rel=1e-8) and cs.xi_c < math.inf


def test_chaotic_phase_fixed_point_slope_and_rate():
    """chi_1 > 1: c* < 1 is a fixed point of C, chi_c = C'(c*) (central difference of the
    map itself, not the Price-theorem quadrature), and C iterated from 0.2 approaches c* at
    the rate chi_c: a wrong c* or a wrong slope fails one of the three."""
    sw2 = 2.5
    cs = ini.correlation_depth_scale("tanh", sw2, SB2)
    q = cs.q_star
    assert ini.depth_scales("tanh", sw2, SB2).chi_1 > 1 and 0 < cs.c_star < 1
    assert ini.correlation_map("tanh", cs.c_star, q, sw2, SB2) == pytest.approx(cs.c_star,
                                                                               abs=1e-12)
    h = 1e-5
    slope = (ini.correlation_map("tanh", cs.c_star + h, q, sw2, SB2)
             - ini.correlation_map("tanh", cs.c_star - h, q, sw2, SB2)) / (2 * h)
    assert slope == pytest.approx(cs.chi_c, rel=1e-7)
    c = [0.2]
    for _ in range(120):
        c.append(ini.correlation_map("tanh", c[-1], q, sw2, SB2))
    assert (c[-1] - cs.c_star) / (c[-2] - cs.c_star) == pytest.approx(cs.chi_c, rel=1e-3)
    assert cs.xi_c == pytest.approx(-1 / math.log(cs.chi_c))


def test_the_referees_independent_values():
    """The third referee iterated correlation_map and took a central difference: at
    sigma_w2 = 2, c* = 0.98800 and xi_c = 336; at 2.5, c* = 0.664 and xi_c = 13.5."""
    cs2, cs25 = (ini.correlation_depth_scale("tanh", s, SB2) for s in (2.0, 2.5))
    assert cs2.c_star == pytest.approx(0.98800, abs=1e-5)
    assert cs2.xi_c == pytest.approx(336, abs=1)
    assert cs25.c_star == pytest.approx(0.664, abs=1e-3)
    assert cs25.xi_c == pytest.approx(13.5, abs=0.05)


def test_xi_c_diverges_from_both_sides_of_the_edge():
    """Increasing towards the edge on the ordered side, decreasing away from it on the
    chaotic side, and large on both sides close to it."""
    ordered = [ini.correlation_depth_scale("tanh", s, SB2).xi_c for s in (1.0, 1.5, 1.75, 1.95)]
    chaotic = [ini.correlation_depth_scale("tanh", s, SB2).xi_c for s in (2.0, 2.5, 3.0, 4.0)]
    assert all(a < b for a, b in zip(ordered, ordered[1:], strict=False))
    assert all(a > b for a, b in zip(chaotic, chaotic[1:], strict=False))
    assert min(ordered[-1], chaotic[0]) > 100 and max(ordered[0], chaotic[-1]) < 10


def test_bad_input():
    with pytest.raises(ValueError, match="sigma_b2"):
        ini.correlation_depth_scale("tanh", 2.0, 0.0)
    with pytest.raises(ValueError, match="activation"):
        ini.correlation_depth_scale("cosh", 2.0, 0.1)
    with pytest.raises(ValueError, match="settle"):      # ReLU's signal explodes for sw2 > 2
        ini.correlation_depth_scale("relu", 3.0, 0.1)
    with pytest.raises(ValueError, match="n_nodes"):
        ini.correlation_depth_scale("tanh", 2.0, 0.1, n_nodes=1)
