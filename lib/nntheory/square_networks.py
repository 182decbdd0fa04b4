r"""Polynomials as networks with the square activation, in logarithmic depth.

Chapter 6 writes a polynomial of degree :math:`d` as a square network of depth :math:`d`
by Horner's rule (:func:`nntheory.polynomials.horner_square_network`). Estrin's scheme
does it in depth :math:`\lceil \log_2(d + 1) \rceil`, which is the best possible up to one
layer: a square network with :math:`L` hidden layers has degree at most :math:`2^L`.

Estrin's scheme. Pad the coefficients to :math:`2^m` entries, :math:`m = \lceil \log_2(d+1)
\rceil`. Level 0 holds the affine pieces :math:`q_i = c_{2i} + c_{2i+1}x` and
:math:`y = x^2`; each level pairs neighbours, :math:`q'_i = q_{2i} + q_{2i+1}\,y`, and squares
:math:`y`. After :math:`m - 1` levels one value is left: :math:`p(x)`.

As a network (activation :math:`t^2`, no skips): the first hidden layer holds
:math:`(x + 1)^2, (x - 1)^2, x^2`, so that :math:`x`, :math:`x^2` and hence every
:math:`q_i` are affine in its outputs. Each further layer forms products with
:math:`ab = \tfrac14[(a + b)^2 - (a - b)^2]` and carries a value :math:`e` forward with
:math:`e = \tfrac14[(e + 1)^2 - (e - 1)^2]`: four units per pair, plus one unit squaring
:math:`y` while it is still needed.
"""

from __future__ import annotations

import numpy as np

from . import numpy_core
from .validation import check_array

__all__ = ["estrin_square_network", "estrin_depth"]


def estrin_depth(degree: int) -> int:
    r""":math:`\max(1, \lceil \log_2(d + 1) \rceil)`, the hidden layers of
    :func:`estrin_square_network` for a polynomial of degree ``d``."""
    if isinstance(degree, bool) or not isinstance(degree, (int, np.integer)) or degree < 0:
        raise ValueError(f"degree must be a non-negative integer; got {degree!r}")
    return max(1, int(degree).bit_length())


def estrin_square_network(coef) -> numpy_core.MLP:
    r"""A square-activation ``MLP`` (no skips) equal to :math:`\sum_j c_j x^j` on all of
    :math:`\mathbb{R}`, with :func:`estrin_depth` hidden layers (``coef`` in increasing
    powers, as ``numpy.polynomial.Polynomial.coef``)."""
    c = check_array(coef, "coef", ndim=1, min_size=1)
    m = estrin_depth(c.size - 1)
    c = np.pad(c, (0, 2 ** m - c.size))
    # a quantity is (weights over the current layer's outputs, constant)
    params = [np.array([[1.0, 1.0, 1.0]]), np.array([1.0, -1.0, 0.0])]
    x_lin = np.array([0.25, -0.25, 0.0])              # x = ((x+1)^2 - (x-1)^2) / 4
    y = (np.array([0.0, 0.0, 1.0]), 0.0)             # y = x^2
    q = [(c[2 * i + 1] * x_lin, float(c[2 * i])) for i in range(2 ** (m - 1))]
    while len(q) > 1:
        cols, sums = [], []
        for i in range(len(q) // 2):
            (a, a0), (e, e0) = q[2 * i + 1], q[2 * i]
            k = len(cols)
            cols += [(a + y[0], a0 + y[1]), (a - y[0], a0 - y[1]), (e, e0 + 1.0),
                     (e, e0 - 1.0)]
            sums.append([(k, 0.25), (k + 1, -0.25), (k + 2, 0.25), (k + 3, -0.25)])
        k_y = None
        if len(q) > 2:                                  # y is needed at the next level
            k_y = len(cols)
            cols.append(y)
        params += [np.stack([w for w, _ in cols], axis=1), np.array([b for _, b in cols])]
        n = len(cols)
        q = []
        for terms in sums:
            v = np.zeros(n)
            for j, w in terms:
                v[j] += w
            q.append((v, 0.0))
        if k_y is not None:
            v = np.zeros(n)
            v[k_y] = 1.0
            y = (v, 0.0)
    (v, const), = q
    params += [v[:, None], np.array([const])]
    sizes = [1] + [params[i].shape[1] for i in range(0, len(params) - 2, 2)] + [1]
    net = numpy_core.MLP(sizes, "square")
    net.set_parameters(params)
    return net
