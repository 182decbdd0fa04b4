r"""The control for double descent: interpolants other than the minimum-norm one.

:func:`nntheory.generalisation.random_feature_errors` fits random-ReLU-feature
regression by the minimum-norm interpolant :math:`\Phi^+y` and by ridge. Whether the
second descent is *caused* by the minimum-norm choice needs another interpolant on the
same data. Gradient descent from a start :math:`w_0` ends at

.. math:: w_\infty = \Phi^+y + (I - \Phi^+\Phi)\,w_0

(chapter 10's theorem on under-determined least squares), the interpolant nearest to
:math:`w_0`. :func:`interpolant_errors` draws the data, the features and the widths
exactly as ``random_feature_errors`` does (the same generator calls in the same order,
so for the same seed the minimum-norm errors agree: tested) and returns the test error
of :math:`w_\infty` for :math:`w_0 \sim N(0, \text{scale}^2 I_p)` (``scale = 1``: the
standard-normal start of the issue's control). For :math:`p < n` the least-squares
solution is unique, so :math:`w_\infty = \Phi^+y` there.

Computed in the primal: :math:`(I - \Phi^+\Phi)w_0 = w_0 - \Phi^\top(\Phi\Phi^\top)^+
\Phi w_0` with the same cut-off of small eigenvalues as the library (relative
``1e-12``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .generalisation import random_feature_errors
from .validation import check_int, check_real, check_seed

__all__ = ["interpolant_errors", "PROTOCOL_BLOCKS", "ChapterRun", "chapter_run",
           "chapter_statements"]

_EIG_RTOL = 1e-12


def interpolant_errors(n_train: int, dim: int, n_features, *, seeds=(0,), noise=0.3,
                       scale: float = 1.0, n_test: int = 500, n_val: int = 200):
    r"""Test MSE of the minimum-norm interpolant and of
    :math:`\Phi^+y + (I - \Phi^+\Phi)w_0`, arrays of shape ``(len(seeds), len(widths))``.

    The start :math:`w_0` is drawn from ``default_rng(seed + 1_000_003)`` (its first
    ``p`` entries of one vector of the largest width), independent of the data."""
    n_train = check_int(n_train, "n_train", minimum=1)
    dim = check_int(dim, "dim", minimum=1)
    ps = [check_int(p, "n_features", minimum=1) for p in np.atleast_1d(n_features)]
    if not ps:
        raise ValueError("n_features must hold at least one width")
    seeds = [check_seed(s, "seeds", allow_none=False) for s in seeds]
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    noise = check_real(noise, "noise", low=0.0)
    scale = check_real(scale, "scale", low=0.0)
    if max(ps) * (n_train + n_val + n_test) > 5 * 10**7:
        raise ValueError("n_features is too large for a feature matrix here")
    mn = np.empty((len(seeds), len(ps)))
    w0_err = np.empty_like(mn)
    for i, seed in enumerate(seeds):
        rng = np.random.default_rng(seed)          # the calls of random_feature_errors
        beta = rng.standard_normal(dim) / math.sqrt(dim)
        Xtr, _, Xte = (rng.standard_normal((m, dim)) for m in (n_train, n_val, n_test))
        ytr = Xtr @ beta + noise * rng.standard_normal(n_train)
        rng.standard_normal(n_val)                  # the validation noise
        yte = Xte @ beta
        W = rng.standard_normal((dim, max(ps))) / math.sqrt(dim)
        w0_all = scale * np.random.default_rng(seed + 1_000_003).standard_normal(max(ps))
        for j, p in enumerate(ps):
            Ftr = np.maximum(Xtr @ W[:, :p], 0.0) / math.sqrt(p)
            Fte = np.maximum(Xte @ W[:, :p], 0.0) / math.sqrt(p)
            e, Q = np.linalg.eigh(Ftr @ Ftr.T)
            keep = e > _EIG_RTOL * e[-1]
            inv = np.where(keep, 1.0 / np.where(keep, e, 1.0), 0.0)

            def gram_pinv(v, Q=Q, inv=inv):
                return Q @ (inv * (Q.T @ v))

            w_mn = Ftr.T @ gram_pinv(ytr)
            w0 = w0_all[:p]
            w_0 = w_mn + w0 - Ftr.T @ gram_pinv(Ftr @ w0)
            mn[i, j] = np.mean((Fte @ w_mn - yte) ** 2)
            w0_err[i, j] = np.mean((Fte @ w_0 - yte) ** 2)
    return mn, w0_err


# ---------------------------------------------------------------------------------------
# Chapter 10's double-descent experiment and the statements it asserts, shared by the
# chapter and by tests/test_ch10_fixes.py, which reruns them on the seed blocks below.

#: Disjoint blocks of 8 seeds (the quick scale's size), apart from the chapter's own
#: seeds (0-7 quick, 0-29 full), on which tests/test_ch10_fixes.py reruns every statement
#: of :func:`chapter_statements`: seeds 32-127.
PROTOCOL_BLOCKS = tuple(range(s, s + 8) for s in range(32, 128, 8))


@dataclass
class ChapterRun:
    """Test errors ``[seed, width]`` of chapter 10's three fits on the same data: the
    minimum-norm fit, ridge with :math:`\\lambda` chosen per seed and width on the
    validation set, and the interpolant nearest a standard-normal start :math:`w_0`;
    ``train_minnorm`` the training error of the minimum-norm fit, ``sigma_min`` the
    smallest singular value of the training feature matrix."""

    n_train: int
    n_features: np.ndarray
    minnorm: np.ndarray
    ridge: np.ndarray
    from_w0: np.ndarray
    train_minnorm: np.ndarray
    sigma_min: np.ndarray


def chapter_run(seeds, n_features, *, n_train: int = 40, dim: int = 10,
                noise: float = 0.3, lambdas=None) -> ChapterRun:
    """Run chapter 10's experiment: :func:`nntheory.generalisation.random_feature_errors`
    (minimum norm and ridge over ``lambdas``, default :math:`10^{-8}` and seven values
    from :math:`10^{-3}` to 1) and :func:`interpolant_errors` on the same seeds; raises
    ``RuntimeError`` if the two disagree on the minimum-norm errors (same data, same
    fits: they agree to round-off)."""
    if lambdas is None:
        lambdas = np.concatenate([[1e-8], np.geomspace(1e-3, 1.0, 7)])
    dd = random_feature_errors(n_train, dim, n_features, seeds=seeds, noise=noise,
                               lambdas=lambdas)
    best = dd.val_ridge.argmin(axis=1)          # per seed and width, by validation error
    ridge = np.take_along_axis(dd.test_ridge, best[:, None], axis=1)[:, 0]
    mn, from_w0 = interpolant_errors(n_train, dim, n_features, seeds=seeds, noise=noise)
    if not np.allclose(mn, dd.test_minnorm, rtol=1e-8):
        raise RuntimeError("the two minimum-norm fits disagree")
    return ChapterRun(n_train, np.asarray(dd.n_features), dd.test_minnorm, ridge, from_w0,
                      dd.train_minnorm, dd.sigma_min)


def chapter_statements(run: ChapterRun) -> dict[str, bool]:
    """Whether each statement chapter 10 asserts about double descent holds on ``run``
    (medians over the seeds; ``n`` the number of training points). The grid must contain
    ``n/2``, ``n`` and ``2n`` and widths beyond ``n + 1``."""
    if not isinstance(run, ChapterRun):
        raise TypeError("run must be a ChapterRun (from chapter_run)")
    n, ps = run.n_train, run.n_features
    if not all(np.any(ps == p) for p in (n // 2, n, 2 * n)) or ps[-1] < n + 2:
        raise ValueError("run's widths must include n/2, n, 2n and widths beyond n + 1")
    med_mn, med_r, med_w0 = (np.median(e, axis=0) for e in
                             (run.minnorm, run.ridge, run.from_w0))
    peak = int(np.argmax(med_mn))
    small = ps <= n // 2
    smin = np.median(run.sigma_min, axis=0)
    at = {p: int(np.flatnonzero(ps == p)[0]) for p in (n // 2, n, 2 * n)}
    return {
        "the minimum-norm median peaks at p within [0.8 n, 1.25 n]":
            bool(0.8 * n <= ps[peak] <= 1.25 * n),
        "the minimum-norm fit interpolates for p >= n + 2":
            bool(np.all(run.train_minnorm[:, ps >= n + 2] < 1e-12)),
        "second descent: the peak is above 20 times the last width's median":
            bool(med_mn[peak] > 20 * med_mn[-1]),
        "the peak is above twice the best median with p <= n/2":
            bool(med_mn[peak] > 2 * med_mn[small].min()),
        "the tuned ridge is below 5 % of the minimum-norm median at the peak":
            bool(med_r[peak] < 0.05 * med_mn[peak]),
        "the tuned ridge's median never rises by more than 20 % to the next width":
            bool(np.all(med_r[1:] / med_r[:-1] <= 1.2)),
        "the tuned ridge's median is at most 1.05 times the minimum-norm one at every width":
            bool(np.all(med_r <= 1.05 * med_mn)),
        "the control at the last width is below its best median with p <= n/2":
            bool(med_w0[-1] < med_w0[small].min()),
        "the minimum-norm median is below the control's at the last width":
            bool(med_mn[-1] < med_w0[-1]),
        "the smallest singular value at p = n is below 0.2 times that at n/2 and 2n":
            bool(max(smin[at[n]] / smin[at[n // 2]], smin[at[n]] / smin[at[2 * n]]) < 0.2),
    }
