"""Chapter 5, sixth referee reading, optional items 3-6.

* Part 1 of prop-fixed-depth extends to networks mixing ReLUs with binary step units: the
  cell-splitting argument still gives at most prod(w_l + 1) cells, on each of which the
  network is affine (checked exactly at three points per cell, so a step unit that changed
  twice inside a cell would be caught).
* The width-3 network of thm-pieces-bound's proof: every piece of z_l is monotone with range
  [0, c], c >= 1 (c = inf on the two unbounded end pieces), the slopes alternate in sign, and
  there are exactly 4^l pieces; all in exact rational arithmetic.
"""

from fractions import Fraction as Fr

import numpy as np
import pytest


def _mixed_net(widths, seed):
    rng = np.random.default_rng(seed)
    layers, n_in = [], 1
    for w in widths:
        W = rng.normal(size=(n_in, w)) * np.sqrt(2.0 / n_in)
        b = rng.normal(size=w)
        step = rng.random(w) < 0.5
        layers.append((W, b, step))
        n_in = w
    out = rng.normal(size=n_in)
    return layers, out


def _forward(layers, out, x):
    h = np.atleast_1d(np.asarray(x, dtype=float))[:, None]
    for W, b, step in layers:
        z = h @ W + b
        h = np.where(step, (z > 0).astype(float), np.maximum(z, 0.0))
    return h @ out


def _cells(layers, a, b):
    # exact propagation: on each cell every unit so far is s*x + c
    cells = [(a, b, np.ones(1), np.zeros(1))]
    for W, bias, step in layers:
        new = []
        for lo, hi, s, c in cells:
            zs, zc = s @ W, c @ W + bias
            cuts = sorted({-zc[j] / zs[j] for j in range(len(zs))
                           if zs[j] != 0 and lo < -zc[j] / zs[j] < hi})
            ends = [lo, *cuts, hi]
            for u, v in zip(ends[:-1], ends[1:], strict=True):
                m = 0.5 * (u + v)
                on = zs * m + zc > 0
                s2 = np.where(step, 0.0, np.where(on, zs, 0.0))
                c2 = np.where(step, on.astype(float), np.where(on, zc, 0.0))
                new.append((u, v, s2, c2))
        cells = new
    return cells


@pytest.mark.parametrize("widths", [(3,), (2, 3), (4, 2, 3), (3, 3, 3, 2)])
def test_mixed_relu_step_cells(widths):
    bound = int(np.prod([w + 1 for w in widths]))
    most = 0
    for seed in range(60):
        layers, out = _mixed_net(widths, seed)
        cells = _cells(layers, -3.0, 3.0)
        assert len(cells) <= bound
        most = max(most, len(cells))
        for lo, hi, s, c in cells:
            t = lo + (hi - lo) * np.array([0.1, 0.5, 0.9])
            exact = _forward(layers, out, t)
            affine = (s @ out) * t + c @ out
            assert np.allclose(exact, affine, atol=1e-9)
    assert most > 1                       # the splitting is exercised


def _g(t):
    # z = 3 sigma(t) - 2 sigma(t - 1) + 2 sigma(2 - t) - 4
    r = lambda u: max(u, 0)  # noqa: E731
    return 3 * r(t) - 2 * r(t - 1) + 2 * r(2 - t) - 4


def test_width3_pieces_alternate_and_ends():
    # breakpoints of z_l, in exact arithmetic; the end pieces are checked far out
    far = Fr(10 ** 6)
    kinks = [Fr(0), Fr(1), Fr(2)]
    z = _g
    for level in range(1, 5):
        pts = [-far, *kinks, far]
        vals = [z(p) for p in pts]
        slopes = [(v1 - v0) / (p1 - p0) for p0, p1, v0, v1 in
                  zip(pts[:-1], pts[1:], vals[:-1], vals[1:], strict=True)]
        assert len(slopes) == 4 ** level
        pairs = zip(slopes[:-1], slopes[1:], strict=True)
        assert all(s0 * s1 < 0 for s0, s1 in pairs)      # the slopes alternate in sign
        # every piece is monotone with range [0, c], c >= 1; the end pieces reach 'far'
        for v0, v1 in zip(vals[:-1], vals[1:], strict=True):
            assert min(v0, v1) == 0 and max(v0, v1) >= 1
        assert vals[0] > 1000 and vals[-1] > 1000
        # check the piece is affine at its midpoint (no kink missed)
        for p0, p1, v0, v1 in zip(pts[:-1], pts[1:], vals[:-1], vals[1:], strict=True):
            assert z((p0 + p1) / 2) == (v0 + v1) / 2
        # next level: z_{l+1} = g(4 z_l - 1), new kinks where z_l = 1/4, 1/2, 3/4
        new = []
        for p0, p1, v0, v1 in zip(pts[:-1], pts[1:], vals[:-1], vals[1:], strict=True):
            for q in (Fr(1, 4), Fr(1, 2), Fr(3, 4)):
                if min(v0, v1) < q < max(v0, v1):
                    new.append(p0 + (q - v0) / (v1 - v0) * (p1 - p0))
        kinks = sorted(set(kinks) | set(new))
        z = (lambda f: (lambda t: _g(4 * f(t) - 1)))(z)
