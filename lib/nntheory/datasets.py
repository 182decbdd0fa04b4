r"""Seeded toy data sets used across the book (no downloads, ever).

Labels for linear classifiers are ``+1``/``-1`` unless stated otherwise.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy import special

from .validation import check_choice, check_int, check_positive, check_real, check_seed

__all__ = ["linearly_separable", "xor", "boolean_cube", "MAX_CUBE_DIM"]

#: ``boolean_cube`` refuses more inputs than this: ``2^24`` rows of 24 floats are
#: already 3 GiB, and nothing in the book needs more than a few inputs.
MAX_CUBE_DIM = 20


def _tail(c: float, a: float) -> float:
    r"""``P(s >= c)`` for the first coordinate ``s`` of a point uniform in the unit
    ball of ``R^dim`` (``a = (dim + 1) / 2``): ``s^2 ~ Beta(1/2, a)``, so for
    ``c >= 0`` the tail is ``I_{1-c^2}(a, 1/2) / 2`` (regularised incomplete beta)."""
    if c >= 1.0:
        return 0.0
    if c <= -1.0:
        return 1.0
    half = 0.5 * special.betainc(a, 0.5, 1.0 - c * c)
    return half if c >= 0 else 1.0 - half


def _tail_inverse(q: np.ndarray, a: float) -> np.ndarray:
    """The ``c`` with ``P(s >= c) = q`` (inverse of :func:`_tail`), elementwise."""
    q = np.asarray(q, dtype=float)
    upper = q <= 0.5
    p = np.where(upper, 2.0 * q, 2.0 * (1.0 - q))
    c = np.sqrt(np.clip(1.0 - special.betaincinv(a, 0.5, p), 0.0, 1.0))
    return np.where(upper, c, -c)


def linearly_separable(n: int, dim: int = 2, margin: float = 0.1, *, bias: float = 0.0,
                       radius: float = 1.0, seed: int | None = None):
    r"""``n`` points uniform in the ball of radius ``radius`` in ``R^dim``, labelled by a
    random hyperplane ``<w, x> + bias = 0`` (``w`` a unit vector), conditioned on lying
    at distance at least ``margin`` from it.

    Returns ``(X, y, w, bias)``: every point has ``y_i (<w, x_i> + bias) >= margin``
    (the planted separator's margin is at least ``margin``).

    The points are drawn directly from that conditional law, never by rejection, so
    the time does not depend on how small the allowed region is. Write
    ``x = radius (s w + v)`` with ``v`` orthogonal to ``w``. For a point uniform in the
    ball, ``s^2 ~ Beta(1/2, (dim+1)/2)`` (density of ``s`` proportional to
    ``(1 - s^2)^{(dim-1)/2}``), and given ``s`` the part ``v`` is uniform in the ball
    of radius ``sqrt(1 - s^2)`` of ``w``'s orthogonal complement. The condition
    involves ``s`` only (``s >= (margin - bias)/radius`` or
    ``s <= (-margin - bias)/radius``), so ``s`` is drawn by inverting its
    (incomplete-beta) distribution on those two intervals and ``v`` as above.
    """
    n = check_int(n, "n", minimum=1)
    dim = check_int(dim, "dim", minimum=1)
    radius = check_positive(radius, "radius")
    margin = check_real(margin, "margin", low=0.0, high=radius, high_open=True)
    bias = check_real(bias, "bias")
    if abs(bias) + margin >= radius:
        raise ValueError(f"bias must satisfy |bias| + margin < radius = {radius:g} "
                         f"(else one side of the margin is empty); got bias={bias!r}, "
                         f"margin={margin!r}")
    seed = check_seed(seed)
    rng = np.random.default_rng(seed)
    w = rng.normal(size=dim)
    w /= np.linalg.norm(w)
    a = (dim + 1) / 2
    hi = (margin - bias) / radius     # s >= hi: the positive side
    lo = (-margin - bias) / radius    # s <= lo: the negative side
    mass_hi, mass_lo = _tail(hi, a), _tail(-lo, a)  # P(s <= lo) = P(s >= -lo)
    total = mass_hi + mass_lo
    if not total > 0:
        raise ValueError(f"margin={margin!r} leaves no room in dimension {dim}: the "
                         "allowed region has probability below float64's range; "
                         "choose a smaller margin")
    q = rng.uniform(0.0, total, size=n)
    positive = q < mass_hi
    s = np.where(positive, _tail_inverse(np.where(positive, q, 0.5), a),
                 -_tail_inverse(np.where(positive, 0.5, q - mass_hi), a))
    # keep s on the allowed side despite round-off in the inverse
    s = np.where(positive, np.maximum(s, hi), np.minimum(s, lo))
    X = s[:, None] * w
    if dim > 1:
        g = rng.normal(size=(n, dim))
        g -= np.outer(g @ w, w)
        g /= np.linalg.norm(g, axis=1, keepdims=True)
        rho = np.sqrt(1.0 - s**2) * rng.uniform(size=n) ** (1.0 / (dim - 1))
        X = X + rho[:, None] * g
    X = radius * X
    y = np.where(positive, 1.0, -1.0)
    return X, y, w, float(bias)


def xor(labels: str = "pm1"):
    """The four points of ``{0, 1}^2`` with XOR labels.

    ``labels="pm1"`` gives ``y = +1`` where ``x_1 != x_2`` and ``-1`` elsewhere;
    ``labels="01"`` gives ``y = x_1 XOR x_2`` in ``{0, 1}``.
    """
    labels = check_choice(labels, ("pm1", "01"), "labels")
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    t = np.array([0.0, 1.0, 1.0, 0.0])
    return (X, t) if labels == "01" else (X, 2 * t - 1)


def boolean_cube(n: int) -> np.ndarray:
    """All ``2^n`` points of ``{0, 1}^n`` as rows, in binary counting order
    (row ``k`` is the binary expansion of ``k``, most significant bit first).
    ``n`` is at most :data:`MAX_CUBE_DIM`."""
    n = check_int(n, "n", minimum=1, maximum=MAX_CUBE_DIM)
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))
