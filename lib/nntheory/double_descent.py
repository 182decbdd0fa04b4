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

import numpy as np

from .validation import check_int, check_real, check_seed

__all__ = ["interpolant_errors"]

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
