r"""A norm-based margin bound for two-layer ReLU networks, evaluated on trained networks.

Two published results combine into a bound that can be computed from a trained network.

*Margin bound* (Mohri, Rostamizadeh and Talwalkar, *Foundations of Machine Learning*,
2nd ed., Theorem 5.8). Let :math:`\mathcal H` be a class of real functions, :math:`\rho > 0`
fixed, and :math:`S` a sample of :math:`n` independent pairs :math:`(x_i, y_i)`,
:math:`y_i \in \{-1, 1\}`. With probability at least :math:`1 - \delta`, for every
:math:`h \in \mathcal H`,

.. math:: P[y\,h(x) \le 0] \le \hat R_{S,\rho}(h) + \frac2\rho\,\hat{\mathcal R}_S(\mathcal H)
          + 3\sqrt{\frac{\log(2/\delta)}{2n}},

where :math:`\hat R_{S,\rho}(h) = \frac1n\sum_i \Phi_\rho(y_i h(x_i))` with the ramp
:math:`\Phi_\rho(t) = \min(1, \max(0, 1 - t/\rho))`; it is at most the fraction of
training points with margin :math:`y_i h(x_i) < \rho`.

*Frobenius-norm complexity* (Golowich, Rakhlin and Shamir 2018, Theorem 1). For networks
:math:`x \mapsto W_L\sigma(W_{L-1}\cdots\sigma(W_1x))` *without biases*, with an
activation that is 1-Lipschitz, positively homogeneous and applied elementwise (ReLU),
and :math:`\|W_j\|_F \le M_j`,

.. math:: \hat{\mathcal R}_S \le \frac1n\Bigl(\prod_{j=1}^L M_j\Bigr)
          \bigl(\sqrt{2L\log 2} + 1\bigr)\sqrt{\textstyle\sum_i\|x_i\|^2}.

:func:`golowich_complexity` is the right-hand side, :func:`margin_bound` the sum. Both
hold for a class fixed *before* the sample is seen; evaluated at a trained network's own
norms and margin they omit the union bound over scales that makes them valid for
data-dependent choices (it adds terms logarithmic in the norms and in :math:`1/\rho`).

:func:`random_label_margins` trains bias-free two-layer ReLU networks (logistic loss,
full-batch Adam, all seeds in one stack) on the data of
:func:`nntheory.memorisation.random_label_fits` (same inputs, teacher labels and random
labels for the same ``data_seed`` and seeds) and returns, per seed and label set, the
training accuracy, the test error, the smallest training margin and the complexity of the
class with the trained network's norms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import memorisation
from .validation import check_array, check_positive, check_probability

__all__ = ["golowich_complexity", "margin_bound", "MarginRuns", "random_label_margins",
           "PROTOCOL_BLOCKS", "chapter_statements"]


def golowich_complexity(norms, X) -> float:
    r"""Golowich et al.'s bound on the empirical Rademacher complexity of bias-free ReLU
    networks with :math:`\|W_j\|_F \le` ``norms[j]`` on the sample ``X`` (rows)."""
    norms = check_array(norms, "norms", ndim=1, finite=True)
    if norms.size == 0 or np.any(norms < 0):
        raise ValueError("norms must be a non-empty list of non-negative numbers")
    X = check_array(X, "X", ndim=2, finite=True)
    L, n = norms.size, X.shape[0]
    return float(np.prod(norms) * (math.sqrt(2 * L * math.log(2)) + 1)
                 * math.sqrt(np.sum(X ** 2)) / n)


def margin_bound(margins, rho: float, complexity: float, delta: float = 0.05) -> float:
    r"""The right-hand side of the margin bound: ramp loss of the training ``margins``
    :math:`y_i h(x_i)` at level ``rho``, plus ``2 / rho`` times ``complexity``, plus
    :math:`3\sqrt{\log(2/\delta)/(2n)}`."""
    margins = check_array(margins, "margins", ndim=1, finite=True)
    rho = check_positive(rho, "rho")
    complexity = check_positive(complexity, "complexity")
    delta = check_probability(delta, "delta")
    if delta == 0:
        raise ValueError("delta must be in (0, 1)")
    n = margins.size
    ramp = np.clip(1 - margins / rho, 0.0, 1.0).mean()
    return float(ramp + 2 * complexity / rho + 3 * math.sqrt(math.log(2 / delta) / (2 * n)))


@dataclass
class MarginRuns:
    """Per seed (rows) and label set (column 0: teacher's labels, 1: random labels):
    training accuracy, test error against the teacher, the smallest training margin
    ``rho``, the complexity of the class with the trained norms, and the bound at
    ``rho`` (``delta`` as given)."""

    train_acc: np.ndarray
    test_err: np.ndarray
    rho: np.ndarray
    complexity: np.ndarray
    bound: np.ndarray


def random_label_margins(n: int, dim: int, width: int, *, seeds, data_seed: int = 0,
                         n_test: int = 2000, steps: int = 1500, lr: float = 1e-2,
                         delta: float = 0.05) -> MarginRuns:
    """Train bias-free ``dim → width → 1`` ReLU networks on true and random labels and
    evaluate the margin bound at each trained network; see the module docstring."""
    seeds, X, X_test, y_true, y_test, y_rand = memorisation._random_label_problem(
        n, dim, width, seeds, data_seed, n_test, steps, lr)      # the data of random_label_fits
    K = len(seeds)
    Y = np.concatenate([np.broadcast_to(y_true, (K, n)), y_rand])          # (2K, n)
    W = np.stack([np.random.default_rng(s).standard_normal((dim, width))
                  * math.sqrt(2 / dim) for s in seeds * 2])                   # He
    v = np.stack([np.random.default_rng(s + 10**6).standard_normal(width)
                  / math.sqrt(width) for s in seeds * 2])
    params = [W, v]
    m1 = [np.zeros_like(p) for p in params]
    m2 = [np.zeros_like(p) for p in params]
    b1, b2, eps = 0.9, 0.999, 1e-8
    for t in range(1, steps + 1):                    # full-batch Adam, logistic loss
        Z = X @ W                                    # (2K, n, width)
        H = np.maximum(Z, 0.0)
        f = np.matmul(H, v[:, :, None])[:, :, 0]
        g = -Y / (1 + np.exp(np.clip(Y * f, -50, 50))) / n      # d loss / d f
        grads = [np.matmul(X.T, (g[:, :, None] * (Z > 0)) * v[:, None, :]),
                 np.matmul(g[:, None, :], H)[:, 0, :]]
        for i, gr in enumerate(grads):
            m1[i] = b1 * m1[i] + (1 - b1) * gr
            m2[i] = b2 * m2[i] + (1 - b2) * gr ** 2
            params[i] -= lr * (m1[i] / (1 - b1 ** t)) / (np.sqrt(m2[i] / (1 - b2 ** t)) + eps)
    W, v = params

    def out(Xe):
        return np.matmul(np.maximum(Xe @ W, 0.0), v[:, :, None])[:, :, 0]

    margins = Y * out(X)
    train_acc = (margins > 0).mean(axis=1)
    test_err = (np.sign(out(X_test)) != y_test).mean(axis=1)
    rho = margins.min(axis=1)
    norms = np.stack([np.linalg.norm(W, axis=(1, 2)), np.linalg.norm(v, axis=1)], axis=1)
    complexity = np.array([golowich_complexity(nm, X) for nm in norms])
    bound = np.array([margin_bound(mg, r, c, delta) if r > 0 else np.inf
                      for mg, r, c in zip(margins, rho, complexity, strict=True)])

    def split(a):
        return np.stack([a[:K], a[K:]], axis=1)

    return MarginRuns(*(split(a) for a in (train_acc, test_err, rho, complexity, bound)))


#: Disjoint blocks of 8 seeds (chapter 10's quick size), apart from the chapter's own seeds
#: (0-7 quick, 0-23 full), on which tests/test_ch10_fixes.py reruns every statement of
#: :func:`chapter_statements`: seeds 24-87.
PROTOCOL_BLOCKS = tuple(range(s, s + 8) for s in range(24, 88, 8))


def chapter_statements(runs: MarginRuns) -> dict[str, bool]:
    """Whether each statement chapter 10 asserts about the margin bound holds on ``runs``
    (from :func:`random_label_margins`)."""
    if not isinstance(runs, MarginRuns):
        raise TypeError("runs must be a MarginRuns (from random_label_margins)")
    ratio = runs.complexity / runs.rho
    return {
        "every network fits its training labels (all margins positive)":
            bool(np.all(runs.train_acc == 1.0) and np.all(runs.rho > 0)),
        "every random-label network has a larger complexity / margin than every "
        "true-label one": bool(ratio[:, 1].min() > ratio[:, 0].max()),
        "the bound exceeds 1 for every network (vacuous)": bool(np.all(runs.bound > 1)),
    }
