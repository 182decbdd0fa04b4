r"""Stochastic gradient descent on a noisy quadratic: the exact mean and Monte Carlo runs.

The model problem of chapter 9's section on stochastic optimisation. With
:math:`f(x) = \tfrac12 \sum_j \lambda_j x_j^2` (minimum :math:`f^* = 0`) and the
stochastic gradient :math:`g_k = \nabla f(x_k) + \sigma \xi_k`, the :math:`\xi_k`
independent standard normal vectors, SGD :math:`x_{k+1} = x_k - \alpha_k g_k` moves each
coordinate independently, :math:`x_{k+1,j} = (1 - \alpha_k\lambda_j)x_{k,j} -
\alpha_k\sigma\xi_{k,j}`, so its second moments obey the *exact* recursion

.. math::

    m_{k+1,j} = (1 - \alpha_k \lambda_j)^2\, m_{k,j} + \alpha_k^2 \sigma^2,
    \qquad E f(x_k) = \tfrac12 \sum_j \lambda_j m_{k,j},

from :math:`m_{0,j} = x_{0,j}^2`. For a constant step :math:`\alpha < 2/\lambda_j` the
fixed point is :math:`m_j = \alpha\sigma^2 / (\lambda_j(2 - \alpha\lambda_j))`, so
:math:`E f(x_k) \to \sum_j \alpha\sigma^2 / (2(2 - \alpha\lambda_j))`: the *noise
floor*, proportional to :math:`\alpha` for small :math:`\alpha`, whatever the start.
"""

from __future__ import annotations

import numpy as np

from .validation import check_array, check_elements, check_int, check_positive, check_seed

__all__ = ["noisy_quadratic_sgd", "noise_floor", "harmonic_limit"]


def _eigenvalues(eigenvalues) -> np.ndarray:
    lam = check_array(eigenvalues, "eigenvalues", ndim=1)
    if np.any(lam <= 0):
        raise ValueError("eigenvalues must all be positive (a strongly convex quadratic)")
    return lam


def noisy_quadratic_sgd(eigenvalues, x0, sigma: float, lrs, *, n_runs: int = 0,
                        seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    r"""Exact :math:`E f(x_k)` and ``n_runs`` independent runs of SGD on the noisy quadratic.

    ``lrs`` holds the steps :math:`\alpha_1, \dots, \alpha_K` (positive). Returns
    ``(expected, runs)``: ``expected`` of shape ``(K + 1,)`` from the recursion of the
    module docstring (exact in exact arithmetic), ``runs`` of shape ``(n_runs, K + 1)``,
    the values :math:`f(x_k)` of independent runs from the same ``x0``, seeded.
    """
    lam = _eigenvalues(eigenvalues)
    x0 = check_array(x0, "x0", shape=(lam.size,))
    sigma = check_positive(sigma, "sigma")
    lrs = check_array(lrs, "lrs", ndim=1)
    if np.any(lrs <= 0):
        raise ValueError("lrs must all be positive")
    n_runs = check_int(n_runs, "n_runs", minimum=0)
    check_elements((n_runs + 1) * (lrs.size + 1), "n_runs", what="the runs' values")
    check_elements(max(n_runs, 1) * lam.size, "n_runs", what="the runs' iterates")
    rng = np.random.default_rng(check_seed(seed))
    m = x0 ** 2
    expected = np.empty(lrs.size + 1)
    expected[0] = 0.5 * float(lam @ m)
    X = np.tile(x0, (n_runs, 1))
    runs = np.empty((n_runs, lrs.size + 1))
    runs[:, 0] = 0.5 * (X * X) @ lam
    for k, a in enumerate(lrs, start=1):
        m = (1 - a * lam) ** 2 * m + a * a * sigma * sigma
        expected[k] = 0.5 * float(lam @ m)
        if n_runs:
            X -= a * (lam * X + sigma * rng.standard_normal(X.shape))
            runs[:, k] = 0.5 * (X * X) @ lam
    return expected, runs


def noise_floor(eigenvalues, sigma: float, lr: float) -> float:
    r""":math:`\lim_k E f(x_k) = \sum_j \alpha\sigma^2/(2(2 - \alpha\lambda_j))` for a
    constant step :math:`0 < \alpha < 2/\max_j \lambda_j` (else the variance diverges)."""
    lam = _eigenvalues(eigenvalues)
    sigma, lr = check_positive(sigma, "sigma"), check_positive(lr, "lr")
    if lr * lam.max() >= 2:
        raise ValueError(f"lr must be below 2/L = {2 / lam.max():g}; got {lr:g}")
    return float(np.sum(lr * sigma ** 2 / (2 * (2 - lr * lam))))


def harmonic_limit(eigenvalues, sigma: float, beta: float) -> float:
    r""":math:`\lim_k k\,E f(x_k) = \sum_j \lambda_j\beta^2\sigma^2/(2(2\beta\lambda_j - 1))`
    for the steps :math:`\alpha_k = \beta/(\gamma + k)` with :math:`2\beta\lambda_j > 1`
    for every :math:`j` (Chung's lemma applied to each coordinate's recursion
    :math:`m_{k+1} = (1 - \alpha_k\lambda)^2 m_k + \alpha_k^2\sigma^2`)."""
    lam = _eigenvalues(eigenvalues)
    sigma, beta = check_positive(sigma, "sigma"), check_positive(beta, "beta")
    if np.any(2 * beta * lam <= 1):
        raise ValueError("beta must exceed 1/(2 min eigenvalue): below it the rate is "
                         "slower than 1/k")
    return float(np.sum(lam * beta ** 2 * sigma ** 2 / (2 * (2 * beta * lam - 1))))
