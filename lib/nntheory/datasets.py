"""Seeded toy data sets used across the book (no downloads, ever).

Labels for linear classifiers are ``+1``/``-1`` unless stated otherwise.
"""

from __future__ import annotations

import itertools
import numbers

import numpy as np

__all__ = ["linearly_separable", "xor", "boolean_cube"]


def _positive_int(value: object, argument: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{argument} must be a positive integer; got {value!r}")
    return int(value)


def linearly_separable(n: int, dim: int = 2, margin: float = 0.1, *, bias: float = 0.0,
                       radius: float = 1.0, seed: int | None = None):
    """``n`` points uniform in the ball of radius ``radius`` in ``R^dim``, labelled by a
    random hyperplane ``<w, x> + bias = 0`` (``w`` a unit vector), keeping only points
    at distance at least ``margin`` from it.

    Returns ``(X, y, w, bias)``: so every point has ``y_i (<w, x_i> + bias) >= margin``
    (the planted separator's margin is at least ``margin``).
    """
    n = _positive_int(n, "n")
    dim = _positive_int(dim, "dim")
    if not (isinstance(margin, numbers.Real) and 0 <= margin < radius):
        raise ValueError(f"margin must lie in [0, radius={radius}); got {margin!r}")
    if not (isinstance(bias, numbers.Real) and abs(bias) + margin < radius):
        raise ValueError(f"|bias| + margin must be below radius={radius}; got bias={bias!r}")
    rng = np.random.default_rng(seed)
    w = rng.normal(size=dim)
    w /= np.linalg.norm(w)
    kept: list[np.ndarray] = []
    while sum(len(k) for k in kept) < n:
        m = 4 * n
        direction = rng.normal(size=(m, dim))
        direction /= np.linalg.norm(direction, axis=1, keepdims=True)
        pts = direction * radius * rng.uniform(size=(m, 1)) ** (1.0 / dim)
        kept.append(pts[np.abs(pts @ w + bias) >= margin])
    X = np.concatenate(kept)[:n]
    y = np.where(X @ w + bias > 0, 1.0, -1.0)
    return X, y, w, float(bias)


def xor(labels: str = "pm1"):
    """The four points of ``{0, 1}^2`` with XOR labels.

    ``labels="pm1"`` gives ``y = +1`` where ``x_1 != x_2`` and ``-1`` elsewhere;
    ``labels="01"`` gives ``y = x_1 XOR x_2`` in ``{0, 1}``.
    """
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    t = np.array([0.0, 1.0, 1.0, 0.0])
    if labels == "01":
        return X, t
    if labels == "pm1":
        return X, 2 * t - 1
    raise ValueError(f"labels must be 'pm1' or '01'; got {labels!r}")


def boolean_cube(n: int) -> np.ndarray:
    """All ``2^n`` points of ``{0, 1}^n`` as rows, in binary counting order
    (row ``k`` is the binary expansion of ``k``, most significant bit first)."""
    n = _positive_int(n, "n")
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))
