r"""Rademacher complexity of finite classes, exactly: Massart's lemma, the contraction
lemma and symmetrisation, checked by enumeration.

A finite class restricted to a sample :math:`(x_1, \dots, x_n)` is a finite set
:math:`A \subset \mathbb R^n` of vectors :math:`a = (f(x_1), \dots, f(x_n))`, and

.. math:: \hat{\mathcal R}(A) = \mathbb E_\sigma \max_{a \in A} \frac1n \sum_i \sigma_i a_i

is an average over the :math:`2^n` sign vectors, computed exactly by
:func:`rademacher_exact`. *Massart's lemma*: :math:`\hat{\mathcal R}(A) \le
\max_{a}\|a\|_2\sqrt{2\log|A|}/n` (:func:`massart_bound`). *Contraction*
(Ledoux–Talagrand; the form without absolute values, Shalev-Shwartz and Ben-David Lemma
26.9): if every :math:`\phi_i` is :math:`\rho`-Lipschitz,
:math:`\hat{\mathcal R}(\phi \circ A) \le \rho\,\hat{\mathcal R}(A)`.
*Symmetrisation*: for a distribution on finitely many points and a finite class,
:math:`\mathbb E_S \max_f (\mathbb E f - \hat{\mathbb E}_S f) \le 2\,\mathbb E_S
\hat{\mathcal R}_S`, both sides computed exactly by :func:`symmetrisation_sides`.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .validation import check_array

__all__ = ["rademacher_exact", "massart_bound", "symmetrisation_sides"]

_MAX_N = 16


def _signs(n: int) -> np.ndarray:
    return np.array(list(itertools.product((-1.0, 1.0), repeat=n)))


def rademacher_exact(A) -> float:
    """The empirical Rademacher complexity of the rows of ``A`` (shape ``(|A|, n)``),
    averaged over all ``2^n`` sign vectors (``n <= 16``)."""
    A = check_array(A, "A", ndim=2, finite=True)
    n = A.shape[1]
    if not 1 <= n <= _MAX_N:
        raise ValueError(f"A must have between 1 and {_MAX_N} columns; got {n}")
    return float(np.mean(np.max(_signs(n) @ A.T, axis=1)) / n)


def massart_bound(A) -> float:
    """Massart's bound ``max ||a|| sqrt(2 log |A|) / n`` for the rows of ``A``."""
    A = check_array(A, "A", ndim=2, finite=True)
    return float(np.max(np.linalg.norm(A, axis=1)) * math.sqrt(2 * math.log(len(A)))
                 / A.shape[1])


def symmetrisation_sides(values, probs, n: int) -> tuple[float, float]:
    r"""Both sides of the symmetrisation inequality, exactly.

    ``values[f, j]`` is :math:`f(z_j)` for a class of functions on points
    :math:`z_1, \dots, z_M` drawn with probabilities ``probs``; samples of size ``n``
    are enumerated (``M^n`` of them). Returns
    :math:`(\mathbb E_S \max_f (\mathbb E f - \hat{\mathbb E}_S f),\;
    2\,\mathbb E_S \hat{\mathcal R}_S)`."""
    values = check_array(values, "values", ndim=2, finite=True)
    probs = check_array(probs, "probs", shape=(values.shape[1],), finite=True)
    if np.any(probs < 0) or abs(probs.sum() - 1) > 1e-12:
        raise ValueError("probs must be a probability vector")
    M = values.shape[1]
    if not isinstance(n, int) or n < 1 or M ** n * 2 ** n > 5 * 10**6:
        raise ValueError(f"n must be a positive integer with M^n 2^n <= 5e6; got {n!r}")
    mean = values @ probs
    gap, rad = 0.0, 0.0
    for sample in itertools.product(range(M), repeat=n):
        weight = float(np.prod(probs[list(sample)]))
        if weight == 0.0:
            continue
        A = values[:, sample]
        gap += weight * float(np.max(mean - A.mean(axis=1)))
        rad += weight * rademacher_exact(A)
    return gap, 2 * rad
