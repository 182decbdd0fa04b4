r"""The perceptron (Rosenblatt 1958) and the quantities of Novikoff's theorem.

With labels :math:`y_i \in \{-1, +1\}` and augmented inputs
:math:`\tilde x_i = (x_i, 1)` (so the bias is the last weight), the perceptron
starts at :math:`w_0 = 0` and, for each example in turn, updates on a mistake:

.. math::

    y_i \langle w, \tilde x_i \rangle \le 0 \;\Rightarrow\;
    w \leftarrow w + \eta\, y_i \tilde x_i.

Novikoff (1962): if :math:`\|\tilde x_i\| \le R` and a unit vector :math:`u` has
:math:`y_i \langle u, \tilde x_i \rangle \ge \gamma > 0` for all :math:`i`, the
number of updates is at most :math:`(R/\gamma)^2`, whatever the order.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

__all__ = ["augment", "PerceptronRun", "train_perceptron", "margin", "max_margin",
           "novikoff_bound", "radius"]


def augment(X) -> np.ndarray:
    """Append a constant coordinate 1 to every row: the bias becomes a weight."""
    X = _check_X(X)
    return np.hstack([X, np.ones((X.shape[0], 1))])


def _check_X(X) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a non-empty 2-D array (n_samples, n_features); "
                         f"got shape {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or infinite values")
    return X


def _check_labels(y, n: int) -> np.ndarray:
    y = np.asarray(y, dtype=float).reshape(-1)
    if y.shape != (n,):
        raise ValueError(f"y must hold {n} labels; got shape {np.shape(y)}")
    if not np.all(np.abs(y) == 1):
        raise ValueError("y must hold labels -1 or +1")
    return y


@dataclass
class PerceptronRun:
    """The outcome of :func:`train_perceptron` (all weights are augmented: bias last)."""

    w: np.ndarray
    mistakes: int
    epochs: int
    converged: bool
    cycled: bool = False
    mistake_indices: list[int] = field(default_factory=list)
    weights: list[np.ndarray] = field(default_factory=list)  # w_0 = 0, then after each update
    cycle_start_epoch: int | None = None
    cycle_length: int | None = None


def train_perceptron(X, y, *, lr: float = 1.0, order=None, max_epochs: int = 1000,
                     augmented: bool = False) -> PerceptronRun:
    """Run the perceptron from ``w_0 = 0`` until an epoch without mistakes.

    Parameters
    ----------
    X, y : inputs ``(n, d)`` and labels in ``{-1, +1}``.
    lr : the step ``eta > 0`` (from ``w_0 = 0`` it only rescales every ``w_t``).
    order : the order in which examples are visited in every epoch (a permutation
        of ``range(n)``); default ``0, 1, ..., n-1``.
    max_epochs : give up after this many passes.
    augmented : ``X`` already carries the constant coordinate (do not add one).

    The run also stops when the weight vector at the start of an epoch equals
    its value at the start of an earlier epoch: from then on the run repeats
    forever (``cycled=True``, with the epoch where the cycle starts and its length).
    """
    Xa = _check_X(X) if augmented else augment(X)
    n = Xa.shape[0]
    y = _check_labels(y, n)
    if not (isinstance(lr, numbers.Real) and lr > 0):
        raise ValueError(f"lr must be a positive number; got {lr!r}")
    if order is None:
        order = np.arange(n)
    order = np.asarray(order)
    if sorted(order.tolist()) != list(range(n)):
        raise ValueError(f"order must be a permutation of range({n})")
    w = np.zeros(Xa.shape[1])
    run = PerceptronRun(w=w, mistakes=0, epochs=0, converged=False, weights=[w.copy()])
    seen = {w.tobytes(): 0}
    for epoch in range(1, max_epochs + 1):
        run.epochs = epoch
        clean = True
        for i in order:
            if y[i] * (Xa[i] @ w) <= 0:
                w = w + lr * y[i] * Xa[i]
                run.mistakes += 1
                run.mistake_indices.append(int(i))
                run.weights.append(w.copy())
                clean = False
        if clean:
            run.converged = True
            break
        key = w.tobytes()
        if key in seen:
            run.cycled = True
            run.cycle_start_epoch = seen[key]
            run.cycle_length = epoch - seen[key]
            break
        seen[key] = epoch
    run.w = w
    return run


def radius(X, *, augmented: bool = True) -> float:
    """``R = max_i ||x_i||`` (of the augmented inputs by default)."""
    Xa = augment(X) if augmented else _check_X(X)
    return float(np.max(np.linalg.norm(Xa, axis=1)))


def margin(u, X, y, *, augmented: bool = True) -> float:
    """``gamma(u) = min_i y_i <u, x_i> / ||u||``: the margin of the separator ``u``
    (on augmented inputs by default, so ``u = (w, b)``). Negative if ``u`` errs."""
    Xa = augment(X) if augmented else _check_X(X)
    y = _check_labels(y, Xa.shape[0])
    u = np.asarray(u, dtype=float)
    if u.shape != (Xa.shape[1],):
        raise ValueError(f"u must have shape ({Xa.shape[1]},); got {u.shape}")
    norm = np.linalg.norm(u)
    if norm == 0:
        raise ValueError("u must be non-zero")
    return float(np.min(y * (Xa @ u)) / norm)


def max_margin(X, y, *, augmented: bool = True) -> tuple[np.ndarray, float]:
    """The unit vector ``u*`` with the largest margin ``gamma*`` (the hard-margin SVM
    through the origin of the augmented space). The primal is
    ``min ||w||^2 / 2  s.t.  y_i <w, x_i> >= 1`` (then ``u* = w/||w||``, ``gamma* = 1/||w||``);
    we solve its bound-constrained dual with L-BFGS-B, polish on the primal with
    SLSQP, and keep whichever candidate (the LP's feasible point included) has the
    largest measured margin.

    Returns ``(u*, gamma(u*))`` with the margin *measured* from ``u*``, so it is a
    valid margin for Novikoff's bound whatever the solver's accuracy.
    Raises ``ValueError`` if the data are not linearly separable.
    """
    Xa = augment(X) if augmented else _check_X(X)
    y = _check_labels(y, Xa.shape[0])
    Z = y[:, None] * Xa
    # a feasible start from the LP  Z w >= 1  (also the separability test)
    lp = optimize.linprog(np.zeros(Z.shape[1]), A_ub=-Z, b_ub=-np.ones(len(Z)),
                          bounds=[(None, None)] * Z.shape[1], method="highs")
    if lp.status != 0:
        raise ValueError("the data are not linearly separable: no u has positive margin")
    # the dual  min_{alpha >= 0} |Z^T alpha|^2 / 2 - sum(alpha), a bound-constrained QP
    # (L-BFGS-B), then w = Z^T alpha; polished by SLSQP on the primal. Every candidate
    # is scored by the margin it actually has; the best one is returned.
    K = Z @ Z.T
    dual = optimize.minimize(
        lambda a: (0.5 * a @ K @ a - a.sum(), K @ a - 1.0), np.zeros(len(Z)), jac=True,
        method="L-BFGS-B", bounds=[(0, None)] * len(Z),
        options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 20000},
    )
    candidates = [lp.x, Z.T @ dual.x]
    primal = optimize.minimize(
        lambda w: 0.5 * w @ w, candidates[1] / max(np.min(Z @ candidates[1]), 1e-300),
        jac=lambda w: w, method="SLSQP",
        constraints=[{"type": "ineq", "fun": lambda w: Z @ w - 1.0, "jac": lambda w: Z}],
        options={"ftol": 1e-15, "maxiter": 500},
    )
    candidates.append(primal.x)
    best_u, best_gamma = None, -np.inf
    for w in candidates:
        if np.all(np.isfinite(w)) and np.any(w):
            u = w / np.linalg.norm(w)
            gamma = float(np.min(Z @ u))
            if gamma > best_gamma:
                best_u, best_gamma = u, gamma
    return best_u, best_gamma


def novikoff_bound(X, y, u=None, *, augmented: bool = True) -> float:
    """``(R / gamma)^2`` with ``gamma`` the margin of ``u`` (default: the max-margin ``u*``)."""
    if u is None:
        u, g = max_margin(X, y, augmented=augmented)
    else:
        g = margin(u, X, y, augmented=augmented)
    if g <= 0:
        raise ValueError(f"u does not separate the data (margin {g:.3g} <= 0)")
    return (radius(X, augmented=augmented) / g) ** 2
