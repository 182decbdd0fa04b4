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

Every function takes ``add_bias`` (default ``True``): append the constant
coordinate to ``X`` before anything else. Pass ``add_bias=False`` for data that
already carry it, or for a perceptron without a bias.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from .validation import check_array, check_flag, check_int, check_positive

__all__ = ["augment", "PerceptronRun", "train_perceptron", "perceptron_path",
           "reachable_weights", "margin",
           "max_margin", "novikoff_bound", "radius", "MAX_INPUT", "MAX_PATH_LENGTH",
           "MAX_REACHABLE", "KernelPerceptronRun", "kernel_perceptron",
           "freund_schapire_bound"]

#: Inputs are refused above this magnitude: the perceptron's weights are sums of
#: ``lr * x_i`` and its tests are dot products ``<w, x_i>``, which overflow float64
#: (about 1.8e308) long before the inputs themselves do.
MAX_INPUT = 1e100

#: :func:`reachable_weights` gives up after this many distinct weight vectors.
MAX_REACHABLE = 1_000_000

#: :func:`perceptron_path` stores one weight vector per presentation; longer
#: sequences are refused (about 1 s and 150 MB of Python tuples at this length).
MAX_PATH_LENGTH = 1_000_000


def augment(X) -> np.ndarray:
    """Append a constant coordinate 1 to every row: the bias becomes a weight."""
    X = _check_X(X)
    return np.hstack([X, np.ones((X.shape[0], 1))])


def _check_X(X) -> np.ndarray:
    try:
        X = check_array(X, "X", ndim=2)
    except ValueError as exc:
        raise ValueError(f"X must be a non-empty 2-D array (n_samples, n_features) of "
                         f"finite numbers: {exc}") from None
    biggest = float(np.max(np.abs(X)))
    if biggest > MAX_INPUT:
        raise ValueError(f"X has entries of magnitude up to {biggest:.3g}; above "
                         f"{MAX_INPUT:.0e} the perceptron's dot products overflow float64. "
                         "Rescale the inputs")
    return X


def _prepare(X, add_bias) -> np.ndarray:
    add_bias = check_flag(add_bias, "add_bias")
    return augment(X) if add_bias else _check_X(X)


def _check_labels(y, n: int) -> np.ndarray:
    y = check_array(y, "y", ndim=(1, 2)).reshape(-1)
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
                     add_bias: bool = True) -> PerceptronRun:
    """Run the perceptron from ``w_0 = 0`` until an epoch without mistakes.

    Parameters
    ----------
    X, y : inputs ``(n, d)`` and labels in ``{-1, +1}``.
    lr : the step ``eta > 0`` (from ``w_0 = 0`` it only rescales every ``w_t``).
    order : the order in which examples are visited in every epoch (a permutation
        of ``range(n)``); default ``0, 1, ..., n-1``. Or a function
        ``order(epoch) -> permutation`` called at the start of every epoch
        (``epoch = 1, 2, ...``), for a different order in every pass.
    max_epochs : give up after this many passes (an integer >= 1).
    add_bias : append the constant coordinate 1 to ``X`` (the default). With
        ``False`` the perceptron runs on ``X`` as given: no bias, or one that ``X``
        already carries as a column.

    With a fixed order the run also stops when the weight vector at the start of
    an epoch equals its value at the start of an earlier epoch: from then on the
    run repeats forever (``cycled=True``, with the epoch where the cycle starts and
    its length). With an order that changes from pass to pass a repeated weight
    vector does not imply a repeated run, so this test is not made.
    """
    Xa = _prepare(X, add_bias)
    n = Xa.shape[0]
    y = _check_labels(y, n)
    lr = check_positive(lr, "lr")
    if lr > MAX_INPUT:
        raise ValueError(f"lr must be at most {MAX_INPUT:.0e} (the weights are sums of "
                         f"lr * x_i and would overflow); got {lr!r}")
    max_epochs = check_int(max_epochs, "max_epochs", minimum=1)
    order_of = order if callable(order) else None
    if order_of is None:
        order = _check_order(np.arange(n) if order is None else order, n)
    w = np.zeros(Xa.shape[1])
    run = PerceptronRun(w=w, mistakes=0, epochs=0, converged=False, weights=[w.copy()])
    seen = {w.tobytes(): 0}
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is raised below
        for epoch in range(1, max_epochs + 1):
            run.epochs = epoch
            clean = True
            if order_of is not None:
                order = _check_order(order_of(epoch), n)
            for i in order:
                score = float(y[i] * (Xa[i] @ w))
                if not math.isfinite(score):
                    raise OverflowError(f"the perceptron's scores overflowed float64 after "
                                        f"{run.mistakes} updates; rescale X or lr")
                if score <= 0:
                    w = w + lr * y[i] * Xa[i]
                    run.mistakes += 1
                    run.mistake_indices.append(int(i))
                    run.weights.append(w.copy())
                    clean = False
            if clean:
                run.converged = True
                break
            if order_of is not None:
                continue
            key = w.tobytes()
            if key in seen:
                run.cycled = True
                run.cycle_start_epoch = seen[key]
                run.cycle_length = epoch - seen[key]
                break
            seen[key] = epoch
    run.w = w
    return run


def _check_order(order, n: int) -> np.ndarray:
    order = np.asarray(order)
    if (order.ndim != 1 or order.dtype.kind not in "iu"
            or sorted(order.tolist()) != list(range(n))):
        raise ValueError(f"order must be a permutation of range({n}) (integers), or a "
                         "function of the epoch that returns one")
    return order


def perceptron_path(X, y, sequence, *, lr: float = 1.0,
                    add_bias: bool = True) -> np.ndarray:
    """The perceptron's weights along an arbitrary sequence of presentations.

    From ``w_0 = 0``, example ``sequence[t]`` is presented at step ``t`` and
    ``w <- w + lr * y_i x_i`` when ``y_i <w, x_i> <= 0``, whether or not the data
    are separable and with repetitions allowed (the setting of the perceptron
    cycling theorem: the sequence need not be made of passes). Returns the array
    of shape ``(len(sequence) + 1, d)`` of ``w_0, w_1, ...`` (augmented weights,
    bias last, when ``add_bias``). ``sequence`` holds indices in ``range(n)``, at
    most :data:`MAX_PATH_LENGTH` of them.
    """
    Xa = _prepare(X, add_bias)
    n = Xa.shape[0]
    y = _check_labels(y, n)
    lr = check_positive(lr, "lr")
    if lr > MAX_INPUT:
        raise ValueError(f"lr must be at most {MAX_INPUT:.0e}; got {lr!r}")
    seq = np.asarray(sequence)
    if seq.ndim != 1 or (seq.size and seq.dtype.kind not in "iu"):
        raise ValueError("sequence must be a 1-D array of example indices (integers)")
    if seq.size and (seq.min() < 0 or seq.max() >= n):
        raise ValueError(f"sequence must hold indices in range({n})")
    if seq.size > MAX_PATH_LENGTH:
        raise ValueError(f"sequence has {seq.size} presentations; at most "
                         f"{MAX_PATH_LENGTH} are accepted")
    Z = (y[:, None] * Xa).tolist()                            # y_i x_i
    U = [((lr * y[i]) * Xa[i]).tolist() for i in range(n)]    # its update, as in training
    w = [0.0] * Xa.shape[1]
    path = [tuple(w)]
    for i in seq.tolist():
        score = sum(a * b for a, b in zip(w, Z[i], strict=True))
        if not math.isfinite(score):
            raise OverflowError(f"the perceptron's scores overflowed float64 after "
                                f"{len(path) - 1} presentations; rescale X or lr")
        if score <= 0:
            w = [a + b for a, b in zip(w, U[i], strict=True)]
        path.append(tuple(w))
    return np.array(path)


def reachable_weights(X, y, *, add_bias: bool = True,
                      max_states: int = 100_000) -> np.ndarray:
    """Every weight vector the perceptron (``lr = 1``, ``w_0 = 0``) reaches under
    *some* sequence of presentations, by breadth-first search.

    From ``w``, presenting example ``i`` leads to ``w + y_i x_i`` if
    ``y_i <w, x_i> <= 0`` and leaves ``w`` unchanged otherwise; the search
    follows every ``i`` from every state found. For integer data the states are
    integer vectors, so the set is finite exactly when it is bounded, which is
    what the perceptron cycling theorem asserts; then the search ends and
    returns the states as rows (the first is ``w_0 = 0``). It raises
    ``RuntimeError`` after ``max_states`` distinct states (at most
    :data:`MAX_REACHABLE`). That alone proves nothing: an unbounded or non-lattice
    set never ends, but a finite set can also be larger than ``max_states`` (the
    cycling theorem bounds the weights, not the number of reachable states).
    """
    Xa = _prepare(X, add_bias)
    y = _check_labels(y, Xa.shape[0])
    max_states = check_int(max_states, "max_states", minimum=1, maximum=MAX_REACHABLE)
    Z = [tuple(z) for z in (y[:, None] * Xa).tolist()]
    start = (0.0,) * Xa.shape[1]
    seen, frontier = {start}, [start]
    while frontier:
        new = []
        for w in frontier:
            for z in Z:
                if sum(a * b for a, b in zip(w, z, strict=True)) <= 0:
                    v = tuple(a + b for a, b in zip(w, z, strict=True))
                    if v not in seen:
                        seen.add(v)
                        new.append(v)
        if len(seen) > max_states:
            raise RuntimeError(f"more than {max_states} reachable weight vectors: the "
                               "search stopped; the set may be finite but larger, or "
                               "unbounded, or not on a lattice (raise max_states to "
                               "search further)")
        frontier = new
    states = sorted(seen, key=lambda v: (v != start, v))
    return np.array(states)


def radius(X, *, add_bias: bool = True) -> float:
    """``R = max_i ||x_i||`` (of the augmented inputs by default)."""
    Xa = _prepare(X, add_bias)
    return float(np.max(np.linalg.norm(Xa, axis=1)))


def _separator(u, X, y, add_bias: bool):
    """The checked (augmented) inputs, labels and the unit vector ``u / ||u||``."""
    Xa = _prepare(X, add_bias)
    y = _check_labels(y, Xa.shape[0])
    u = check_array(u, "u", shape=(Xa.shape[1],))
    norm = np.linalg.norm(u)
    if norm == 0:
        raise ValueError("u must be non-zero")
    return Xa, y, u / norm


def margin(u, X, y, *, add_bias: bool = True) -> float:
    """``gamma(u) = min_i y_i <u, x_i> / ||u||``: the margin of the separator ``u``
    (on augmented inputs by default, so ``u = (w, b)``). Negative if ``u`` errs."""
    Xa, y, unit = _separator(u, X, y, add_bias)
    return float(np.min(y * (Xa @ unit)))


def _primal_polish(Z: np.ndarray, w0: np.ndarray):
    """SLSQP on ``min ||w||^2 / 2  s.t.  Z w >= 1`` from ``w0`` (few variables: fast)."""
    return optimize.minimize(
        lambda w: 0.5 * w @ w, w0, jac=lambda w: w, method="SLSQP",
        constraints=[{"type": "ineq", "fun": lambda w: Z @ w - 1.0, "jac": lambda w: Z}],
        options={"ftol": 1e-15, "maxiter": 500},
    )


def _is_kkt_point(Z: np.ndarray, w: np.ndarray, tol: float = 1e-7) -> bool:
    """Whether ``w`` solves ``min ||w||^2/2 s.t. Z w >= 1``: feasible, and
    ``w = Z_A^T alpha`` with ``alpha >= 0`` on the active rows ``A`` (KKT; the problem
    is convex, so KKT means optimal). ``alpha`` comes from non-negative least squares."""
    if not (np.all(np.isfinite(w)) and np.any(w)):
        return False
    s = Z @ w
    if np.min(s) < 1 - tol:
        return False
    active = s <= 1 + tol
    if not np.any(active):
        return False
    _, residual = optimize.nnls(Z[active].T, w)
    return bool(residual <= tol * np.linalg.norm(w))


def max_margin(X, y, *, add_bias: bool = True) -> tuple[np.ndarray, float]:
    """The unit vector ``u*`` with the largest margin ``gamma*`` (the hard-margin SVM
    through the origin of the augmented space). The primal is
    ``min ||w||^2 / 2  s.t.  y_i <w, x_i> >= 1`` (then ``u* = w/||w||``,
    ``gamma* = 1/||w||``). We solve it with SLSQP from the feasible point of the LP
    ``y_i <w, x_i> >= 1`` and verify the KKT conditions (``w`` a non-negative
    combination of the active ``y_i x_i``). Only if that fails do we also solve the
    bound-constrained dual with L-BFGS-B and polish it on the primal; then the
    candidate with the largest measured margin wins.

    Returns ``(u*, gamma(u*))`` with the margin *measured* from ``u*``, so it is a
    valid margin for Novikoff's bound whatever the solver's accuracy.
    Raises ``ValueError`` if the data are not linearly separable.
    """
    Xa = _prepare(X, add_bias)
    y = _check_labels(y, Xa.shape[0])
    Z = y[:, None] * Xa
    # a feasible start from the LP  Z w >= 1  (also the separability test)
    lp = optimize.linprog(np.zeros(Z.shape[1]), A_ub=-Z, b_ub=-np.ones(len(Z)),
                          bounds=[(None, None)] * Z.shape[1], method="highs")
    if lp.status == 2:
        raise ValueError("the data are not linearly separable: no u has positive margin")
    if lp.status != 0:
        raise RuntimeError(f"the LP solver failed ({lp.message}); rescale X")
    primal = _primal_polish(Z, lp.x)
    candidates = [lp.x, primal.x]
    if not _is_kkt_point(Z, primal.x):  # SLSQP may stop early yet be optimal
        # the dual  min_{alpha >= 0} |Z^T alpha|^2 / 2 - sum(alpha), then w = Z^T alpha,
        # polished on the primal. Every candidate is scored by its measured margin.
        K = Z @ Z.T
        dual = optimize.minimize(
            lambda a: (0.5 * a @ K @ a - a.sum(), K @ a - 1.0), np.zeros(len(Z)),
            jac=True, method="L-BFGS-B", bounds=[(0, None)] * len(Z),
            options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 20000},
        )
        w_dual = Z.T @ dual.x
        candidates.append(w_dual)
        candidates.append(_primal_polish(
            Z, w_dual / max(np.min(Z @ w_dual), 1e-300)).x)
    best_u, best_gamma = None, -np.inf
    for w in candidates:
        if np.all(np.isfinite(w)) and np.any(w):
            u = w / np.linalg.norm(w)
            gamma = float(np.min(Z @ u))
            if gamma > best_gamma:
                best_u, best_gamma = u, gamma
    return best_u, best_gamma


def novikoff_bound(X, y, u=None, *, add_bias: bool = True) -> float:
    """``(R / gamma)^2`` with ``gamma`` the margin of ``u`` (default: the max-margin ``u*``)."""
    if u is None:
        u, g = max_margin(X, y, add_bias=add_bias)
    else:
        g = margin(u, X, y, add_bias=add_bias)
    if g <= 0:
        raise ValueError(f"u does not separate the data (margin {g:.3g} <= 0)")
    return (radius(X, add_bias=add_bias) / g) ** 2



@dataclass
class KernelPerceptronRun:
    """The outcome of :func:`kernel_perceptron`: ``alpha[i]`` counts the updates made on
    example ``i``, so the weight vector in feature space is ``sum_i alpha_i y_i phi(x_i)``."""

    alpha: np.ndarray
    mistakes: int
    epochs: int
    converged: bool
    mistake_indices: list[int] = field(default_factory=list)


def kernel_perceptron(K, y, *, order=None, max_epochs: int = 1000) -> KernelPerceptronRun:
    r"""The perceptron in its dual form, on a Gram matrix ``K[i, j] = k(x_i, x_j)``.

    From :math:`w_0 = 0` and step 1, the perceptron's weight vector is always
    :math:`w = \sum_i \alpha_i y_i \phi(x_i)` with :math:`\alpha_i` the number of updates
    made on example :math:`i`, so its test on example :math:`j` needs only inner products:
    :math:`y_j \langle w, \phi(x_j)\rangle = y_j \sum_i \alpha_i y_i K_{ij} \le 0`
    means a mistake, and the update is :math:`\alpha_j \leftarrow \alpha_j + 1`. With
    ``K = X_a X_a^T`` (augmented inputs) this is :func:`train_perceptron` with ``lr = 1``;
    with a kernel it is the perceptron in the kernel's feature space (Aizerman, Braverman
    and Rozonoer 1964), and Novikoff's bound holds there with
    :math:`R^2 = \max_i K_{ii}`. The scores of all examples are kept and updated by a row
    of ``K`` at each mistake. Passes stop after one without mistakes or after
    ``max_epochs``; ``order`` is a permutation of ``range(n)`` used in every pass.
    """
    K = check_array(K, "K", ndim=2)
    n = K.shape[0]
    if K.shape != (n, n) or not np.allclose(K, K.T, rtol=1e-12, atol=0):
        raise ValueError(f"K must be a symmetric (n, n) Gram matrix; got shape {K.shape}")
    y = _check_labels(y, n)
    max_epochs = check_int(max_epochs, "max_epochs", minimum=1)
    order = _check_order(np.arange(n) if order is None else order, n)
    alpha = np.zeros(n, dtype=np.int64)
    scores = np.zeros(n)                      # sum_i alpha_i y_i K[i, j]
    run = KernelPerceptronRun(alpha=alpha, mistakes=0, epochs=0, converged=False)
    for epoch in range(1, max_epochs + 1):
        run.epochs = epoch
        clean = True
        for j in order:
            if y[j] * scores[j] <= 0:
                alpha[j] += 1
                scores = scores + y[j] * K[j]
                run.mistakes += 1
                run.mistake_indices.append(int(j))
                clean = False
        if clean:
            run.converged = True
            break
    return run


def freund_schapire_bound(X, y, u, gamma: float, *, add_bias: bool = True) -> float:
    r"""Freund and Schapire's (1999) mistake bound for one pass of the perceptron (from
    :math:`w_0 = 0`) over the sequence of rows of ``X`` with labels ``y``, separable or
    not: for every unit :math:`u` and :math:`\gamma > 0`, with the deviations
    :math:`d_i = \max(0, \gamma - y_i\langle u, x_i\rangle)` and
    :math:`D = (\sum_i d_i^2)^{1/2}`,

    .. math:: \text{mistakes} \le \left(\frac{R + D}{\gamma}\right)^2 .

    ``u`` is normalised here; ``R = max_i ||x_i||`` (of the augmented inputs by default).
    With ``D = 0`` this is Novikoff's bound. Repeated examples count once per occurrence.
    """
    Xa, y, unit = _separator(u, X, y, add_bias)
    gamma = check_positive(gamma, "gamma")
    d = np.maximum(0.0, gamma - y * (Xa @ unit))
    R = float(np.max(np.linalg.norm(Xa, axis=1)))
    return float(((R + np.linalg.norm(d)) / gamma) ** 2)
