r"""Constructive universal approximation: networks written down, not trained.

Each construction returns a :class:`nntheory.numpy_core.MLP` (so it can be
evaluated, trained further or compared with the torch core like any other
model) together with the quantities its error bound is made of.

* :func:`relu_interpolant`: the piecewise-linear interpolant of ``f`` on a
  uniform grid, written as ``f(x_0) + sum_k c_k relu(x - x_k)``. For
  ``f in C^2`` its sup error on ``[a, b]`` is at most ``h^2/8 * sup|f''|``.
* :func:`sigmoid_staircase`: steep logistic steps that rise by
  ``f(x_k) - f(x_{k-1})`` half-way between grid points (the "visual proof"
  popularised by Nielsen). Away from the step points it is within
  ``sum_k |Delta_k| sigma(-s |x - t_k|)`` of the ideal staircase; inside a window
  around each step point it cannot be closer than ``|Delta_k| / 2`` to it,
  however steep the steps (the *windows of failure*).
* :func:`bump_network_2d`: towers on ``[0, 1]^2`` built with two hidden sigmoid
  layers: steps in ``x`` and in ``y``, combined into one tower per grid cell.

:func:`best_polynomial_error` computes the best uniform error of degree-``k``
polynomials on a grid by linear programming; networks with a polynomial
activation can never do better (Leshno et al.'s converse).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from . import numpy_core

__all__ = [
    "relu_interpolant",
    "interpolation_bound",
    "Staircase",
    "sigmoid_staircase",
    "BumpNetwork",
    "bump_network_2d",
    "forward_with",
    "best_polynomial_error",
    "network_polynomial",
    "sup_error",
]


# --------------------------------------------------------------------------- validation

def _check_function(f: object, argument: str = "f") -> Callable[[np.ndarray], np.ndarray]:
    if not callable(f):
        raise TypeError(f"{argument} must be a callable taking a NumPy array; got "
                        f"{type(f).__name__}")
    return f


def _values(f: Callable, x: np.ndarray, argument: str = "f") -> np.ndarray:
    """``f`` on the points ``x`` (1-D, or rows of a 2-D array), as a flat float array."""
    v = np.asarray(f(x), dtype=np.float64).reshape(-1)
    n = x.shape[0]
    if v.size != n:
        raise ValueError(f"{argument} must return one value per point; got {v.size} values "
                         f"for {n} points")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{argument} returned NaN or infinite values on the grid")
    return v


def _check_interval(a: object, b: object) -> tuple[float, float]:
    for name, v in (("a", a), ("b", b)):
        if not isinstance(v, numbers.Real) or isinstance(v, bool) or not math.isfinite(v):
            raise ValueError(f"{name} must be a finite real number; got {v!r}")
    if not a < b:
        raise ValueError(f"the interval needs a < b; got a={a}, b={b}")
    return float(a), float(b)


def _check_count(value: object, argument: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{argument} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def _check_positive(value: object, argument: str) -> float:
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not math.isfinite(value) or value <= 0):
        raise ValueError(f"{argument} must be a positive finite number; got {value!r}")
    return float(value)


# --------------------------------------------------------------------------- ReLU interpolation

def relu_interpolant(f: Callable, a: float, b: float, n_knots: int) -> numpy_core.MLP:
    r"""The one-hidden-layer ReLU network equal to the linear interpolant of ``f``.

    With knots ``x_k = a + k h`` (``k = 0..n-1``, ``h = (b - a)/(n - 1)``) and
    slopes ``m_k = (f(x_{k+1}) - f(x_k))/h``,

    .. math::

        I_h f(x) = f(x_0) + m_0 \,\mathrm{relu}(x - x_0)
                   + \sum_{k=1}^{n-2} (m_k - m_{k-1})\, \mathrm{relu}(x - x_k),
        \qquad x \in [a, b],

    a ``[1, n-1, 1]`` ReLU network: each hidden unit switches on one change of
    slope. It agrees with ``f`` at every knot.
    """
    f = _check_function(f)
    a, b = _check_interval(a, b)
    n = _check_count(n_knots, "n_knots", 2)
    knots = np.linspace(a, b, n)
    v = _values(f, knots[:, None])
    slopes = np.diff(v) / np.diff(knots)
    c = np.diff(slopes, prepend=0.0)
    model = numpy_core.MLP([1, n - 1, 1], "relu")
    model.set_parameters([np.ones((1, n - 1)), -knots[:-1], c[:, None], np.array([v[0]])])
    return model


def interpolation_bound(a: float, b: float, n_knots: int, second_derivative_sup: float) -> float:
    r"""``h^2/8 * sup|f''|``: the sup error of linear interpolation on a uniform grid.

    On one cell ``[x_k, x_k + h]`` the error ``e = f - I_h f`` vanishes at both
    ends, so ``e(x) = f''(xi)/2 (x - x_k)(x - x_k - h)`` for some ``xi`` (Rolle,
    twice), and ``|(x - x_k)(x - x_k - h)| <= h^2/4``.
    """
    a, b = _check_interval(a, b)
    n = _check_count(n_knots, "n_knots", 2)
    m2 = second_derivative_sup
    if (isinstance(m2, bool) or not isinstance(m2, numbers.Real) or not math.isfinite(m2)
            or m2 < 0):
        raise ValueError("second_derivative_sup must be a finite number >= 0; got "
                         f"{second_derivative_sup!r}")
    h = (b - a) / (n - 1)
    return h * h / 8.0 * float(second_derivative_sup)


# --------------------------------------------------------------------------- sigmoid staircase

@dataclass(frozen=True)
class Staircase:
    r"""A steep-sigmoid staircase network and the pieces of its error bound.

    ``model(x) = f(x_0) + sum_k Delta_k sigma(s (x - t_k))`` with grid nodes
    ``x_k``, step points ``t_k = (x_{k-1} + x_k)/2`` and jumps
    ``Delta_k = f(x_k) - f(x_{k-1})``.
    """

    model: numpy_core.MLP
    nodes: np.ndarray
    step_points: np.ndarray
    jumps: np.ndarray
    steepness: float

    def ideal(self, x) -> np.ndarray:
        """The exact staircase ``S(x) = f(nearest node)`` (Heaviside steps at ``t_k``)."""
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        on = (x[:, None] >= self.step_points[None, :]).astype(np.float64)
        return self.model.get_parameters()[3][0] + on @ self.jumps

    def tail(self, x) -> np.ndarray:
        r"""``sum_k |Delta_k| sigma(-s |x - t_k|)``, a pointwise bound on ``|model - S|``.

        Each logistic step differs from its Heaviside step by exactly
        ``sigma(-s |x - t_k|)``.
        """
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        d = np.abs(x[:, None] - self.step_points[None, :])
        return special.expit(-self.steepness * d) @ np.abs(self.jumps)

    def window(self, eps: float) -> float:
        r"""A half-width ``delta`` such that ``tail(x) <= eps`` whenever ``x`` is at least
        ``delta`` from every step point.

        With ``sigma(-u) <= e^{-u}`` and step points ``h`` apart, the tail is at
        most ``2 max|Delta| e^{-s delta} / (1 - e^{-s h})``; solving for
        ``delta`` gives a window that shrinks like ``log(1/eps)/s``.
        """
        eps = _check_positive(eps, "eps")
        h = float(self.nodes[1] - self.nodes[0])
        m = float(np.max(np.abs(self.jumps)))
        if m == 0.0:
            return 0.0
        s = self.steepness
        return max(0.0, math.log(2.0 * m / (eps * -math.expm1(-s * h))) / s)


def sigmoid_staircase(f: Callable, a: float, b: float, n_steps: int,
                      steepness: float) -> Staircase:
    r"""A ``[1, n_steps, 1]`` logistic network that climbs ``f`` in ``n_steps`` steps.

    Nodes ``x_k = a + k h`` (``k = 0..n``, ``h = (b - a)/n``); hidden unit ``k``
    is ``sigma(s (x - t_k))`` with ``t_k`` the midpoint of ``[x_{k-1}, x_k]``, and
    its output weight is the jump ``f(x_k) - f(x_{k-1})``. As ``s -> infinity``
    the network tends to the staircase that equals ``f`` at the nearest node,
    which is within ``omega_f(h/2)`` of ``f``.
    """
    f = _check_function(f)
    a, b = _check_interval(a, b)
    n = _check_count(n_steps, "n_steps", 1)
    s = _check_positive(steepness, "steepness")
    nodes = np.linspace(a, b, n + 1)
    v = _values(f, nodes[:, None])
    jumps = np.diff(v)
    t = (nodes[:-1] + nodes[1:]) / 2.0
    model = numpy_core.MLP([1, n, 1], "sigmoid")
    model.set_parameters([np.full((1, n), s), -s * t, jumps[:, None], np.array([v[0]])])
    return Staircase(model=model, nodes=nodes, step_points=t, jumps=jumps, steepness=s)


# --------------------------------------------------------------------------- 2-D bumps

@dataclass(frozen=True)
class BumpNetwork:
    r"""Towers on ``[0, 1]^2``: ``model(x, y) ~ sum_{ij} f(c_ij) 1[(x, y) in cell ij]``.

    Layer 1 has one logistic step per interior grid line in each coordinate
    (steepness ``s``); layer 2 one tower per cell,
    ``T_ij = sigma(s2 (B_i(x) + B_j(y) - 3/2))`` where ``B_i`` is the soft
    indicator of the ``i``-th column (a difference of two steps); the output
    weights are the values ``f(c_ij)`` at the cell centres.
    """

    model: numpy_core.MLP
    n: int
    steepness: float
    steepness2: float
    values: np.ndarray  # f at the cell centres, shape (n, n), [i, j] = column i, row j

    def ideal(self, X) -> np.ndarray:
        """The piecewise-constant function ``f(centre of the cell containing (x, y))``."""
        X = np.asarray(X, dtype=np.float64)
        idx = np.clip(np.floor(X * self.n).astype(int), 0, self.n - 1)
        return self.values[idx[:, 0], idx[:, 1]]

    def distance_to_grid(self, X) -> np.ndarray:
        """Distance of each point to the nearest interior grid line (``x`` or ``y``)."""
        X = np.asarray(X, dtype=np.float64)
        lines = np.arange(1, self.n) / self.n
        return np.abs(X.reshape(-1, 1, 2) - lines.reshape(1, -1, 1)).min(axis=(1, 2))

    def tail(self, delta: float) -> float:
        r"""A bound on ``|model - ideal|`` at points at least ``delta`` from every interior line.

        Each step is within ``e = sigma(-s delta)`` of its Heaviside limit, so the
        tower's argument is within ``4e`` of its ideal value in
        ``{1/2, -1/2, -3/2}``; every tower is then within
        ``tau = sigma(-s2 (1/2 - 4e))`` of 0 or 1, and the output within
        ``tau sum |f(c_ij)|`` of the ideal. Infinite when ``4e >= 1/2``.
        """
        if isinstance(delta, bool) or not isinstance(delta, numbers.Real) or delta < 0:
            raise ValueError(f"delta must be a number >= 0; got {delta!r}")
        e = float(special.expit(-self.steepness * delta))
        if 4 * e >= 0.5:
            return math.inf
        tau = float(special.expit(-self.steepness2 * (0.5 - 4 * e)))
        return tau * float(np.abs(self.values).sum())


def bump_network_2d(f: Callable, n: int, steepness: float,
                    steepness2: float = 60.0) -> BumpNetwork:
    """A ``[2, 2(n-1), n^2, 1]`` logistic network of towers approximating ``f`` on ``[0, 1]^2``.

    ``f`` takes an array of shape ``(m, 2)`` and returns ``m`` values.
    """
    f = _check_function(f)
    n = _check_count(n, "n", 2)
    s = _check_positive(steepness, "steepness")
    s2 = _check_positive(steepness2, "steepness2")
    lines = np.arange(1, n) / n
    centres = (np.arange(n) + 0.5) / n
    cx, cy = np.meshgrid(centres, centres, indexing="ij")
    values = _values(f, np.column_stack([cx.ravel(), cy.ravel()])).reshape(n, n)

    m = n - 1  # interior lines per axis; steps u_1..u_m in x, v_1..v_m in y
    W1 = np.zeros((2, 2 * m))
    W1[0, :m] = s
    W1[1, m:] = s
    b1 = -s * np.concatenate([lines, lines])
    # Column indicator B_i = u_i - u_{i+1} with u_0 = 1 and u_n = 0 (outside the domain),
    # so the first column is 1 - u_1 and the last is u_{n-1}.
    W2 = np.zeros((2 * m, n * n))
    b2 = np.full(n * n, -1.5 * s2)
    for i in range(n):
        for j in range(n):
            cell = i * n + j
            for axis, k in ((0, i), (1, j)):
                off = axis * m
                if k == 0:
                    b2[cell] += s2
                else:
                    W2[off + k - 1, cell] += s2
                if k < n - 1:
                    W2[off + k, cell] -= s2
    W3 = values.reshape(n * n, 1).copy()
    model = numpy_core.MLP([2, 2 * m, n * n, 1], "sigmoid")
    model.set_parameters([W1, b1, W2, b2, W3, np.zeros(1)])
    return BumpNetwork(model=model, n=n, steepness=s, steepness2=s2, values=values)


# --------------------------------------------------------------------------- other activations

def forward_with(params, X, sigma: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Evaluate library-layout parameters ``[W1, b1, ..., WL, bL]`` with a custom activation.

    For activations the cores do not offer (say, a non-monotone sigmoidal one):
    ``A_l = sigma(A_{l-1} W_l + b_l)`` on hidden layers, a linear output layer.
    """
    sigma = _check_function(sigma, "sigma")
    params = list(params)
    if len(params) < 2 or len(params) % 2:
        raise ValueError("params must be a list [W1, b1, ..., WL, bL] of even length >= 2")
    A = np.asarray(X, dtype=np.float64)
    if A.ndim != 2 or A.shape[1] != np.shape(params[0])[0]:
        raise ValueError(f"X must have shape (n, {np.shape(params[0])[0]}); got {A.shape}")
    L = len(params) // 2
    for l in range(L):
        Z = A @ np.asarray(params[2 * l]) + np.asarray(params[2 * l + 1])
        A = Z if l == L - 1 else np.asarray(sigma(Z), dtype=np.float64)
    return A


# --------------------------------------------------------------------------- polynomials

def best_polynomial_error(f: Callable, degree: int, a: float = -1.0, b: float = 1.0,
                          n_grid: int = 2001) -> tuple[float, np.polynomial.Chebyshev]:
    r"""The best uniform error of degree-``k`` polynomials to ``f`` on a grid, by LP.

    Solves ``min t`` subject to ``|p(x_i) - f(x_i)| <= t`` on ``n_grid`` equally
    spaced points, with ``p`` in the Chebyshev basis (well conditioned). Any
    polynomial of degree ``<= k`` has a grid error at least this value, so it is
    a certified floor for every network whose output is such a polynomial.
    Returns ``(error, p)``.
    """
    f = _check_function(f)
    k = _check_count(degree, "degree", 0)
    a, b = _check_interval(a, b)
    n = _check_count(n_grid, "n_grid", k + 2)
    x = np.linspace(a, b, n)
    y = _values(f, x[:, None])
    V = np.polynomial.chebyshev.chebvander((2 * x - a - b) / (b - a), k)
    ones = np.ones((n, 1))
    # variables (c_0..c_k, t): minimise t with  V c - t <= y  and  -V c - t <= -y
    A_ub = np.block([[V, -ones], [-V, -ones]])
    b_ub = np.concatenate([y, -y])
    cost = np.zeros(k + 2)
    cost[-1] = 1.0
    res = optimize.linprog(cost, A_ub=A_ub, b_ub=b_ub,
                           bounds=[(None, None)] * (k + 1) + [(0, None)], method="highs")
    if res.status != 0:  # pragma: no cover - the LP is always feasible and bounded
        raise RuntimeError(f"linprog failed: {res.message}")
    p = np.polynomial.Chebyshev(res.x[:-1], domain=[a, b])
    return float(np.max(np.abs(p(x) - y))), p


def network_polynomial(model, degree: int, a: float = -1.0, b: float = 1.0
                       ) -> tuple[np.polynomial.Chebyshev, float]:
    """Fit a degree-``k`` polynomial to a 1-D network on ``[a, b]``; return it and the residual.

    Interpolates at ``4(k+1)`` Chebyshev points and reports the largest
    deviation on a fine grid: round-off level exactly when the network *is* a
    polynomial of degree ``<= k``.
    """
    k = _check_count(degree, "degree", 0)
    a, b = _check_interval(a, b)
    if not hasattr(model, "predict"):
        raise TypeError(f"model must be a network with predict(); got {type(model).__name__}")
    nodes = np.polynomial.chebyshev.chebpts1(4 * (k + 1))
    x = (a + b) / 2 + (b - a) / 2 * nodes
    p = np.polynomial.Chebyshev.fit(x, np.asarray(model.predict(x[:, None])).ravel(), k,
                                    domain=[a, b])
    grid = np.linspace(a, b, 1001)
    residual = np.max(np.abs(p(grid) - np.asarray(model.predict(grid[:, None])).ravel()))
    return p, float(residual)


def sup_error(f: Callable, g: Callable, a: float = -1.0, b: float = 1.0,
              n_grid: int = 4001) -> float:
    """``max |f - g|`` on ``n_grid`` equally spaced points of ``[a, b]`` (1-D inputs)."""
    f = _check_function(f)
    g = _check_function(g, "g")
    a, b = _check_interval(a, b)
    n = _check_count(n_grid, "n_grid", 2)
    x = np.linspace(a, b, n)[:, None]
    return float(np.max(np.abs(_values(f, x) - _values(g, x, "g"))))
