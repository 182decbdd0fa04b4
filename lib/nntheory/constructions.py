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
  It converges away from the grid lines (and so in ``L^p``) but **not**
  uniformly: where two interior grid lines cross it is about 0 whatever ``n``.
* :func:`relu_interpolant_2d`: the piecewise-linear interpolant of ``f`` on the
  triangulation of ``[0, 1]^2`` into ``2 n^2`` right triangles, as a ReLU
  network with two hidden layers. For ``f in C^2`` its sup error is at most
  ``M h^2 / 4`` (``h = 1/n``, ``M`` the sup of the Hessian's spectral norm):
  a construction that converges uniformly.
* :func:`ramp` and :func:`ramp_as_relu`: ``relu(t) - relu(t - 1)`` is a
  continuous sigmoidal function, so a one-hidden-layer network of ``N`` ramps
  is a ReLU network of ``2N`` units.
* :func:`compare_with_training`: the verdicts of a trained-versus-constructed
  width sweep, computed from the measured errors (so prose generated from it is
  true at every scale).

:func:`best_polynomial_error` computes the best uniform error of degree-``k``
polynomials on a grid by linear programming (to solver tolerance), and
:func:`polynomial_floor` certifies a lower bound for it by de la Vallée
Poussin's theorem; networks with a polynomial activation can never do better
(Leshno et al.'s converse). :func:`relu_breakpoints` lists where a
one-hidden-layer ReLU network on the line changes slope.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from . import numpy_core, validation

__all__ = [
    "relu_interpolant",
    "interpolation_bound",
    "Staircase",
    "sigmoid_staircase",
    "BumpNetwork",
    "bump_network_2d",
    "relu_interpolant_2d",
    "interpolation_bound_2d",
    "ramp",
    "ramp_as_relu",
    "forward_with",
    "SweepVerdict",
    "compare_with_training",
    "best_polynomial_error",
    "PolynomialFloor",
    "polynomial_floor",
    "network_polynomial",
    "relu_breakpoints",
    "sup_error",
    "ridge_sum",
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


def _isfinite(v: numbers.Real) -> bool:
    """``math.isfinite``, False (not an OverflowError) for an integer beyond float64."""
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


def _check_interval(a: object, b: object) -> tuple[float, float]:
    for name, v in (("a", a), ("b", b)):
        if not isinstance(v, numbers.Real) or isinstance(v, bool) or not _isfinite(v):
            raise ValueError(f"{name} must be a finite real number; got {v!r}")
    if not a < b:
        raise ValueError(f"the interval needs a < b; got a={a}, b={b}")
    return float(a), float(b)


def _check_count(value: object, argument: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{argument} must be an integer >= {minimum}; got {value!r}")
    validation.check_elements(value, argument)  # each sizes a grid or a layer
    return int(value)


def _check_positive(value: object, argument: str) -> float:
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not _isfinite(value) or value <= 0):
        raise ValueError(f"{argument} must be a positive finite number; got {value!r}")
    return float(value)


def _check_no_overflow(scale: float, points: np.ndarray, argument: str) -> None:
    """Refuse a steepness whose products with the step points overflow to inf."""
    with np.errstate(over="ignore"):
        products = scale * np.asarray(points, dtype=np.float64)
    if not np.all(np.isfinite(products)):
        raise ValueError(f"{argument} is too large: {argument} * (step point) overflows "
                         f"float64 (got {argument}={scale!r}); use a steepness below "
                         f"{np.finfo(np.float64).max / max(1.0, np.max(np.abs(points))):.3g}")


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
    if (isinstance(m2, bool) or not isinstance(m2, numbers.Real) or not _isfinite(m2)
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
        x = validation.check_array(x, "x").reshape(-1)
        on = (x[:, None] >= self.step_points[None, :]).astype(np.float64)
        return self.model.get_parameters()[3][0] + on @ self.jumps

    def tail(self, x) -> np.ndarray:
        r"""``sum_k |Delta_k| sigma(-s |x - t_k|)``, a pointwise bound on ``|model - S|``.

        Each logistic step differs from its Heaviside step by exactly
        ``sigma(-s |x - t_k|)``.
        """
        x = validation.check_array(x, "x").reshape(-1)
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
    _check_no_overflow(s, t, "steepness")
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

    What it achieves, exactly: at points at least ``delta`` from every interior
    grid line it is within :meth:`tail` of the ideal piecewise-constant
    function, so it converges to ``f`` there and, being bounded, in ``L^p`` for
    ``p < infinity``. It does **not** converge uniformly: where an interior
    vertical and horizontal line cross, every step through that point equals
    ``1/2``, the four neighbouring towers have argument ``-1/2`` and the others
    less, so the network is about ``sigma(-s2/2) sum |f(c_ij)|`` there, whatever
    ``n`` and ``s``.
    """

    model: numpy_core.MLP
    n: int
    steepness: float
    steepness2: float
    values: np.ndarray  # f at the cell centres, shape (n, n), [i, j] = column i, row j

    def ideal(self, X) -> np.ndarray:
        """The piecewise-constant function ``f(centre of the cell containing (x, y))``.

        ``X`` has shape ``(m, 2)``; points outside ``[0, 1]^2`` take the value of
        the nearest cell.
        """
        X = validation.check_array(X, "X", shape=(None, 2))
        idx = np.clip(np.floor(X * self.n).astype(int), 0, self.n - 1)
        return self.values[idx[:, 0], idx[:, 1]]

    def distance_to_grid(self, X) -> np.ndarray:
        """Distance of each point to the nearest interior grid line (``x`` or ``y``)."""
        X = validation.check_array(X, "X", shape=(None, 2))
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
        delta = validation.check_real(delta, "delta", low=0.0, finite=False)
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
    validation.check_elements(n * n, "n", what="an n x n grid of bumps")
    s = _check_positive(steepness, "steepness")
    s2 = _check_positive(steepness2, "steepness2")
    lines = np.arange(1, n) / n
    _check_no_overflow(s, lines, "steepness")
    _check_no_overflow(s2, np.array([3.5]), "steepness2")  # tower arguments reach 3.5 s2
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


# --------------------------------------------------------------------------- 2-D interpolation

def _grid_count(n: object) -> int:
    n = validation.check_int(n, "n", minimum=1)
    if n > 512:
        raise ValueError(f"n must be at most 512 (the second hidden layer has (n+1)^2 units); "
                         f"got {n}")
    return n


def relu_interpolant_2d(f: Callable, n: int) -> numpy_core.MLP:
    r"""The ReLU network with two hidden layers equal to the P1 interpolant of ``f``.

    The square ``[0, 1]^2`` is cut into ``n x n`` squares of side ``h = 1/n`` and
    each square into two right triangles by its diagonal of slope ``+1`` (the
    Courant triangulation). The continuous function that is linear on every
    triangle and equals ``f`` at the ``(n+1)^2`` nodes ``(i h, j h)`` is
    ``sum_{ij} f(i h, j h) phi_ij`` with the hat functions

    .. math::

        \phi_{ij}(x, y) = \mathrm{relu}\Bigl(1 - \tfrac12\bigl(|u| + |v| + |u - v|\bigr)\Bigr),
        \qquad u = x/h - i,\ v = y/h - j,

    because ``(|u| + |v| + |u - v|)/2 = max(|u|, |v|, |u - v|)`` is the
    hexagonal norm whose unit ball is the union of the six triangles around a
    node. Layer 1 computes ``|t| = relu(t) + relu(-t)`` for the ``n+1``
    vertical, ``n+1`` horizontal and ``2n+1`` diagonal lines (``8n + 6`` units),
    layer 2 one hat per node, the output the values: a
    ``[2, 8n+6, (n+1)^2, 1]`` ReLU network, exact on ``[0, 1]^2``.

    ``f`` takes an array of shape ``(m, 2)`` and returns ``m`` values.
    """
    f = _check_function(f)
    n = _grid_count(n)
    nodes = np.arange(n + 1)
    I, J = np.meshgrid(nodes, nodes, indexing="ij")
    values = _values(f, np.column_stack([I.ravel() / n, J.ravel() / n]))
    n_lines = n + 1
    n_diag = 2 * n + 1
    width1 = 2 * (2 * n_lines + n_diag)
    W1 = np.zeros((2, width1))
    b1 = np.zeros(width1)
    # pairs (relu(t), relu(-t)) for t = n x - i, n y - j, n (x - y) - k (k = -n..n)
    for i in range(n_lines):
        W1[0, 2 * i], b1[2 * i] = n, -i
        W1[0, 2 * i + 1], b1[2 * i + 1] = -n, i
    off_y = 2 * n_lines
    for j in range(n_lines):
        W1[1, off_y + 2 * j], b1[off_y + 2 * j] = n, -j
        W1[1, off_y + 2 * j + 1], b1[off_y + 2 * j + 1] = -n, j
    off_d = 4 * n_lines
    for k in range(-n, n + 1):
        c = off_d + 2 * (k + n)
        W1[:, c], b1[c] = (n, -n), -k
        W1[:, c + 1], b1[c + 1] = (-n, n), k
    W2 = np.zeros((width1, n_lines * n_lines))
    for node, (i, j) in enumerate(zip(I.ravel(), J.ravel(), strict=True)):
        for c in (2 * i, off_y + 2 * j, off_d + 2 * (i - j + n)):
            W2[c, node] = W2[c + 1, node] = -0.5
    model = numpy_core.MLP([2, width1, n_lines * n_lines, 1], "relu")
    model.set_parameters([W1, b1, W2, np.ones(n_lines * n_lines), values[:, None],
                          np.zeros(1)])
    return model


def interpolation_bound_2d(n: int, hessian_sup: float) -> float:
    r"""``M h^2 / 4``: the sup error of :func:`relu_interpolant_2d` for ``f in C^2``.

    ``M`` is the supremum over ``[0, 1]^2`` of the spectral norm of the Hessian
    of ``f``. On a triangle with vertices ``p_k`` and barycentric coordinates
    ``lambda_k`` of ``x``, ``I f(x) - f(x) = sum_k lambda_k (f(p_k) - f(x) -
    grad f(x) . (p_k - x))`` (the gradient terms cancel), each bracket is at most
    ``M |p_k - x|^2 / 2``, and ``sum_k lambda_k |p_k - x|^2 = R^2 - |x - c|^2
    <= R^2`` with ``c`` and ``R = h / sqrt(2)`` the circumcentre and radius.
    Attained by ``f = |x|^2`` at the midpoints of the diagonals.
    """
    n = _grid_count(n)
    m = validation.check_real(hessian_sup, "hessian_sup", low=0.0)
    return m / (4.0 * n * n)


# --------------------------------------------------------------------------- other activations

def ramp(t) -> np.ndarray:
    """``relu(t) - relu(t - 1)``: 0 for ``t <= 0``, ``t`` on ``[0, 1]``, 1 for ``t >= 1``.

    Continuous and sigmoidal (limits 0 and 1), so Cybenko's theorem applies to
    it; each ramp is two ReLU units (:func:`ramp_as_relu`).
    """
    t = validation.check_array(t, "t", min_size=0)
    return np.maximum(t, 0.0) - np.maximum(t - 1.0, 0.0)


def ramp_as_relu(params) -> numpy_core.MLP:
    """The ``[n, 2N, m]`` ReLU network equal to a one-hidden-layer ramp network.

    ``params = [W1, b1, W2, b2]`` (library layout, ``N`` hidden units) evaluated
    with :func:`ramp` as the activation (:func:`forward_with`) equals the ReLU
    network with hidden units ``relu(z)`` and ``relu(z - 1)`` and output
    weights ``W2`` and ``-W2``.
    """
    W1, b1, W2, b2 = _check_params(params, one_hidden_layer=True)
    model = numpy_core.MLP([W1.shape[0], 2 * W1.shape[1], W2.shape[1]], "relu")
    model.set_parameters([np.hstack([W1, W1]), np.concatenate([b1, b1 - 1.0]),
                          np.vstack([W2, -W2]), b2])
    return model


def _check_params(params, one_hidden_layer: bool = False) -> list[np.ndarray]:
    """``[W1, b1, ..., WL, bL]`` as float arrays whose shapes fit together, finite."""
    if isinstance(params, (str, bytes)) or not hasattr(params, "__len__"):
        raise TypeError(f"params must be a list [W1, b1, ..., WL, bL] of arrays; got "
                        f"{type(params).__name__}")
    params = list(params)
    if len(params) < 2 or len(params) % 2:
        raise ValueError("params must be a list [W1, b1, ..., WL, bL] of even length >= 2; "
                         f"got length {len(params)}")
    if one_hidden_layer and len(params) != 4:
        raise ValueError("params must be [W1, b1, W2, b2] (one hidden layer); got "
                         f"{len(params)} arrays")
    out = []
    for l in range(len(params) // 2):
        W = validation.check_array(params[2 * l], f"params[{2 * l}]", ndim=2)
        b = validation.check_array(params[2 * l + 1], f"params[{2 * l + 1}]", ndim=1,
                                   shape=(W.shape[1],))
        if out and W.shape[0] != out[-2].shape[1]:
            raise ValueError(f"params[{2 * l}] must have {out[-2].shape[1]} rows (the width "
                             f"of the layer before); got shape {W.shape}")
        out += [W, b]
    return out


def forward_with(params, X, sigma: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Evaluate library-layout parameters ``[W1, b1, ..., WL, bL]`` with a custom activation.

    For activations the cores do not offer (say, a non-monotone sigmoidal one):
    ``A_l = sigma(A_{l-1} W_l + b_l)`` on hidden layers, a linear output layer.
    Shapes that do not fit, NaN or infinite entries, an activation that changes
    the shape or returns NaN, and an output that overflows are refused with a
    ``ValueError`` naming the culprit.
    """
    sigma = _check_function(sigma, "sigma")
    params = _check_params(params)
    A = validation.check_array(X, "X", shape=(None, params[0].shape[0]))
    L = len(params) // 2
    with np.errstate(over="ignore", invalid="ignore"):
        for l in range(L):
            Z = A @ params[2 * l] + params[2 * l + 1]
            if not np.all(np.isfinite(Z)):
                raise ValueError(f"the pre-activations of layer {l + 1} overflow (NaN or inf): "
                                 "params or X are too large")
            if l == L - 1:
                return Z
            A = np.asarray(sigma(Z), dtype=np.float64)
            if A.shape != Z.shape:
                raise ValueError(f"sigma must return an array of the shape it is given; got "
                                 f"{A.shape} for {Z.shape}")
            if not np.all(np.isfinite(A)):
                raise ValueError(f"sigma returned NaN or infinite values on layer {l + 1}")
    raise AssertionError("unreachable")  # pragma: no cover


# --------------------------------------------------------------------------- trained vs built

def _widths_text(widths, language: str = "en") -> str:
    widths = [str(w) for w in widths]
    sep, last = (", ", " and ") if language == "en" else ("、", " 和 ")
    if len(widths) <= 2:
        return last.join(widths)
    return sep.join(widths[:-1]) + last + widths[-1]


@dataclass(frozen=True)
class SweepVerdict:
    """What a width sweep of trained networks against constructions showed.

    Every field is computed from the measured errors, and :meth:`sentences`
    turns them into prose, so the prose is true at every scale.
    """

    widths: tuple[int, ...]
    smooth_tracking: tuple[int, ...]   # widths where trained <= factor * constructed
    smooth_factor: float               # the factor used
    smooth_worst_ratio: float          # max trained / constructed over widths[1:]
    kink_beating: tuple[int, ...]      # widths where training beats the fixed grid
    osc_failing: tuple[int, ...]       # widths where trained sup error >= fail_level
    osc_constructed_ok: tuple[int, ...]  # widths where the construction is below good_level
    osc_best: float                    # best trained sup error on the oscillating target
    osc_best_width: int
    osc_built_at_best: float
    fail_level: float
    good_level: float

    @property
    def existence_without_learning(self) -> tuple[int, ...]:
        """Widths where the construction is good and training is no better than zero."""
        return tuple(w for w in self.osc_failing if w in self.osc_constructed_ok)

    #: the editions :meth:`sentences` writes: English and Simplified Chinese
    LANGUAGES = ("en", "zh_CN")

    def sentences(self, language: str = "en") -> dict[str, str]:
        """Prose for the smooth, kinked and oscillating targets (plain text, no math), in
        ``language``: ``"en"`` (English) or ``"zh_CN"`` (Simplified Chinese, for the
        Chinese edition's glued variants). Both say the same thing with the same numbers."""
        language = validation.check_choice(language, self.LANGUAGES, "language")
        if language == "zh_CN":
            return self._sentences_zh()
        w = self.widths
        rest = [x for x in w[1:] if x not in self.smooth_tracking]
        if not rest:
            where = (f"at width {w[1]}" if len(w) == 2
                     else f"at every width from {w[1]} to {w[-1]}")
            smooth = (f"training tracks the construction: {where} its sup error is within a "
                      f"factor {self.smooth_worst_ratio:.1f} of the constructed network's")
        elif self.smooth_tracking:
            smooth = (f"training tracks the construction (within a factor "
                      f"{self.smooth_factor:g}) at widths {_widths_text(self.smooth_tracking)} "
                      f"but not at {_widths_text(rest)}, where the construction's error keeps "
                      f"falling like the square of the grid step and the trained network's "
                      f"falls more slowly (a factor {self.smooth_worst_ratio:.0f} at worst)")
        else:
            smooth = (f"training never comes within a factor {self.smooth_factor:g} of the "
                      "construction")
        beating = [x for x in w if x in self.kink_beating]
        if len(beating) == len(w):
            kinked = (f"training does better than the uniform-grid construction at every "
                      f"width from {w[0]} to {w[-1]}")
        elif w[-1] in self.kink_beating:
            kinked = (f"training does better than the uniform-grid construction at widths "
                      f"{_widths_text(beating)} but not at "
                      f"{_widths_text([x for x in w if x not in beating])}")
        else:
            kinked = (f"training does not beat the uniform-grid construction at width {w[-1]}")
        failing, ok = self.osc_failing, self.existence_without_learning
        if len(failing) == len(w):
            osc = (f"training fails at every width (sup error at least {self.fail_level:g}: "
                   "in sup norm no better than predicting zero)")
        elif failing:
            osc = (f"training fails (sup error at least {self.fail_level:g}: in sup norm no "
                   f"better than predicting zero) at widths {_widths_text(failing)}; its best is "
                   f"{self.osc_best:.2f}, at width {self.osc_best_width}")
        else:
            osc = (f"training gets below {self.fail_level:g} at every width; its best is "
                   f"{self.osc_best:.2f}, at width {self.osc_best_width}")
        if ok:
            osc += (f", while at width {_widths_text(ok)} the construction of the same width "
                    f"is within {self.good_level:g} of the target")
        return {"smooth": smooth, "kinked": kinked, "oscillating": osc}

    def _sentences_zh(self) -> dict[str, str]:
        """:meth:`sentences` in Simplified Chinese: the same verdicts and numbers."""
        w = self.widths
        rest = [x for x in w[1:] if x not in self.smooth_tracking]
        if not rest:
            where = (f"在宽度 {w[1]} 上，它的上确界误差" if len(w) == 2
                     else f"在从 {w[1]} 到 {w[-1]} 的每个宽度上，它的上确界误差都")
            smooth = (f"训练跟上了构造：{where}在构造网络误差的 "
                      f"{self.smooth_worst_ratio:.1f} 倍以内")
        elif self.smooth_tracking:
            smooth = (f"训练在宽度 {_widths_text(self.smooth_tracking, 'zh_CN')} 上跟上了构造"
                      f"（误差在 {self.smooth_factor:g} 倍以内），在宽度 "
                      f"{_widths_text(rest, 'zh_CN')} 上则没有：在那里构造的误差继续随网格步长"
                      f"的平方下降，而训练得到的网络的误差下降得更慢（最坏时相差 "
                      f"{self.smooth_worst_ratio:.0f} 倍）")
        else:
            smooth = f"训练的误差从未进入构造误差的 {self.smooth_factor:g} 倍以内"
        beating = [x for x in w if x in self.kink_beating]
        if len(beating) == len(w):
            kinked = f"在从 {w[0]} 到 {w[-1]} 的每个宽度上，训练都胜过均匀网格上的构造"
        elif w[-1] in self.kink_beating:
            kinked = (f"训练在宽度 {_widths_text(beating, 'zh_CN')} 上胜过均匀网格上的构造，"
                      f"在宽度 {_widths_text([x for x in w if x not in beating], 'zh_CN')} "
                      "上则没有")
        else:
            kinked = f"在宽度 {w[-1]} 上，训练没有胜过均匀网格上的构造"
        failing, ok = self.osc_failing, self.existence_without_learning
        fails = (f"上确界误差至少为 {self.fail_level:g}：在上确界范数下不比预测零更好")
        if len(failing) == len(w):
            osc = f"训练在每个宽度上都失败（{fails}）"
        elif failing:
            osc = (f"训练在宽度 {_widths_text(failing, 'zh_CN')} 上失败（{fails}）；它的最好"
                   f"结果是宽度 {self.osc_best_width} 时的 {self.osc_best:.2f}")
        else:
            osc = (f"训练在每个宽度上都低于 {self.fail_level:g}；它的最好结果是宽度 "
                   f"{self.osc_best_width} 时的 {self.osc_best:.2f}")
        if ok:
            osc += (f"，而在宽度 {_widths_text(ok, 'zh_CN')} 上，同样宽度的构造与目标函数的"
                    f"差距在 {self.good_level:g} 以内")
        return {"smooth": smooth, "kinked": kinked, "oscillating": osc}


def compare_with_training(widths, trained: dict, built: dict, *, factor: float = 10.0,
                          fail_level: float = 0.99, good_level: float = 0.05) -> SweepVerdict:
    """Verdicts of a width sweep: trained (best-of-seeds) against constructed sup errors.

    ``trained`` and ``built`` map the target names ``"smooth"``, ``"kinked"`` and
    ``"oscillating"`` to one sup error per width.
    """
    widths = tuple(validation.check_int(x, "widths entry", minimum=1) for x in widths)
    if len(widths) < 2:
        raise ValueError(f"widths must hold at least two widths; got {widths}")
    factor = validation.check_real(factor, "factor", low=1.0)
    fail_level = validation.check_positive(fail_level, "fail_level")
    good_level = validation.check_positive(good_level, "good_level")
    arrays = {}
    for label, table in (("trained", trained), ("built", built)):
        if not isinstance(table, dict):
            raise TypeError(f"{label} must be a dict of target name -> errors; got "
                            f"{type(table).__name__}")
        for name in ("smooth", "kinked", "oscillating"):
            if name not in table:
                raise ValueError(f"{label} has no errors for the target {name!r}")
            arr = validation.check_array(table[name], f"{label}[{name!r}]", ndim=1,
                                         shape=(len(widths),))
            if np.any(arr < 0):
                raise ValueError(f"{label}[{name!r}] must hold sup errors >= 0")
            arrays[label, name] = arr
    ts, bs = arrays["trained", "smooth"], arrays["built", "smooth"]
    if np.any(bs[1:] == 0):
        raise ValueError("built['smooth'] must be positive beyond the first width")
    ratio = ts[1:] / bs[1:]
    osc_t, osc_b = arrays["trained", "oscillating"], arrays["built", "oscillating"]
    best = int(np.argmin(osc_t))
    return SweepVerdict(
        widths=widths,
        smooth_tracking=tuple(w for w, r in zip(widths[1:], ratio, strict=True) if r <= factor),
        smooth_factor=factor,
        smooth_worst_ratio=float(np.max(ratio)),
        kink_beating=tuple(w for w, t, b in zip(widths, arrays["trained", "kinked"],
                                                 arrays["built", "kinked"], strict=True)
                           if t < b),
        osc_failing=tuple(w for w, e in zip(widths, osc_t, strict=True) if e >= fail_level),
        osc_constructed_ok=tuple(w for w, e in zip(widths, osc_b, strict=True)
                                 if e < good_level),
        osc_best=float(osc_t[best]),
        osc_best_width=widths[best],
        osc_built_at_best=float(osc_b[best]),
        fail_level=fail_level,
        good_level=good_level,
    )


# --------------------------------------------------------------------------- polynomials

def best_polynomial_error(f: Callable, degree: int, a: float = -1.0, b: float = 1.0,
                          n_grid: int = 2001) -> tuple[float, np.polynomial.Chebyshev]:
    r"""The best uniform error of degree-``k`` polynomials to ``f`` on a grid, by LP.

    Solves ``min t`` subject to ``|p(x_i) - f(x_i)| <= t`` on ``n_grid`` equally
    spaced points, with ``p`` in the Chebyshev basis (well conditioned), and
    returns ``(error, p)`` with ``error = max_i |p(x_i) - f(x_i)|``, the *primal*
    error of the solver's polynomial. That is an upper bound on the grid minimum,
    equal to it only up to the solver's tolerance (HiGHS: about ``1e-7``
    relative), so it is not by itself a floor. For a certified lower bound use
    :func:`polynomial_floor`.
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


@dataclass(frozen=True)
class PolynomialFloor:
    """A certified bracket for the best uniform error ``E_k`` of degree-``k`` polynomials.

    ``lower <= E_k(f on [a, b]) `` by de la Vallée Poussin's theorem (``f - p``
    alternates in sign at the ``k + 2`` points ``points`` with ``|f - p| >= lower``
    there), and ``upper = max |f - p|`` on the grid is an upper bound on the best
    grid error. ``alternations`` is the length of the longest sign-alternating
    sequence of grid extrema of ``f - p`` (at least ``k + 2`` for a best
    approximation, by Chebyshev's equioscillation theorem).
    """

    lower: float
    upper: float
    points: np.ndarray
    alternations: int
    polynomial: np.polynomial.Chebyshev


def polynomial_floor(f: Callable, degree: int, a: float = -1.0, b: float = 1.0,
                     n_grid: int = 2001) -> PolynomialFloor:
    r"""Certify the best uniform polynomial error of ``f`` on ``[a, b]`` from below.

    Solves the linear program of :func:`best_polynomial_error`, then applies de la
    Vallée Poussin's theorem to the error ``e = f - p`` on the grid: split the grid
    into maximal runs of constant sign, take the largest ``|e|`` of each run, and
    over every ``k + 2`` consecutive runs take the smallest of those maxima; the
    best such value is a lower bound on the best error of *every* polynomial of
    degree ``<= k``, on the grid and hence on ``[a, b]`` (up to the round-off of
    evaluating ``f`` and ``p``). If ``e`` alternates fewer than ``k + 2`` times
    (for example when ``f`` is itself such a polynomial) the floor returned is 0.
    """
    f = _check_function(f)
    k = _check_count(degree, "degree", 0)
    a, b = _check_interval(a, b)
    n = _check_count(n_grid, "n_grid", k + 2)
    upper, p = best_polynomial_error(f, k, a, b, n)
    x = np.linspace(a, b, n)
    e = _values(f, x[:, None]) - p(x)
    keep = e != 0.0
    xs, es = x[keep], e[keep]
    run_start = np.flatnonzero(np.concatenate([[True], np.sign(es[1:]) != np.sign(es[:-1])]))
    run_end = np.append(run_start[1:], es.size)
    best_in_run = np.array([s + int(np.argmax(np.abs(es[s:t])))
                            for s, t in zip(run_start, run_end, strict=True)], dtype=int)
    m = best_in_run.size
    if m < k + 2:  # too few alternations for a certificate: 0 is the only safe floor
        return PolynomialFloor(lower=0.0, upper=upper, points=np.empty(0), alternations=int(m),
                               polynomial=p)
    heights = np.abs(es[best_in_run])
    windows = np.array([heights[i:i + k + 2].min() for i in range(m - k - 1)])
    i = int(np.argmax(windows))
    return PolynomialFloor(lower=float(windows[i]), upper=upper,
                           points=xs[best_in_run[i:i + k + 2]], alternations=int(m),
                           polynomial=p)


def relu_breakpoints(model, *, min_slope_change: float = 1e-8) -> np.ndarray:
    """The points where a ``[1, m, 1]`` ReLU network changes slope, sorted.

    Unit ``j`` computes ``relu(w_j x + b_j)``; with output weight ``a_j`` it changes
    the slope by ``|a_j w_j|`` at ``x = -b_j / w_j``. Units with ``w_j = 0`` or a
    slope change below ``min_slope_change`` are left out.
    """
    sizes = tuple(getattr(model, "sizes", ()))
    if len(sizes) != 3 or sizes[0] != 1 or sizes[2] != 1:
        raise TypeError(f"model must be a [1, m, 1] network; got sizes {sizes}")
    if getattr(model, "activation", "relu") != "relu":
        raise ValueError(f"model must use the relu activation; got {model.activation!r}")
    min_slope_change = validation.check_real(min_slope_change, "min_slope_change", low=0.0)
    W1, b1, W2, _ = (np.asarray(p, dtype=np.float64) for p in model.get_parameters())
    w, bias, out = W1.ravel(), b1.ravel(), W2.ravel()
    active = (w != 0) & (np.abs(out * w) > min_slope_change)
    return np.sort(-bias[active] / w[active])


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


# --------------------------------------------------------------------------- ridge sums

def ridge_sum(terms) -> numpy_core.MLP:
    r"""One hidden layer computing a sum of ridge functions :math:`\sum_k c_k g_k(w_k^\top x)`.

    ``terms`` is a sequence of ``(w, c, g)``: a direction ``w`` in :math:`\mathbb R^d`
    (the same ``d`` for every term), a coefficient ``c`` and a one-hidden-layer
    ReLU network ``g`` on the line (a ``numpy_core.MLP`` of sizes ``[1, m, 1]``,
    e.g. :func:`relu_interpolant`). Since
    :math:`g(t) = \beta + \sum_j \alpha_j \operatorname{relu}(a_j t + \theta_j)`,
    :math:`c\,g(w^\top x) = c\beta + \sum_j c\,\alpha_j \operatorname{relu}((a_j w)^\top x +
    \theta_j)`: the result is the ``[d, sum m_k, 1]`` ReLU network with those units,
    exactly (up to round-off in the products). Its sup error to
    :math:`\sum_k c_k f_k(w_k^\top x)` on a set :math:`K` is at most
    :math:`\sum_k |c_k| \sup_{t \in w_k^\top K} |f_k(t) - g_k(t)|` (triangle inequality).
    """
    if isinstance(terms, (str, bytes)) or not hasattr(terms, "__iter__"):
        raise TypeError("terms must be a sequence of (w, c, g) triples")
    terms = list(terms)
    if not terms:
        raise ValueError("terms must hold at least one (w, c, g) triple")
    blocks_W, blocks_b, blocks_out, bias, d = [], [], [], 0.0, None
    for i, term in enumerate(terms):
        if not isinstance(term, (tuple, list)) or len(term) != 3:
            raise ValueError(f"terms[{i}] must be a triple (w, c, g); got {term!r}")
        w, c, g = term
        w = validation.check_array(w, f"terms[{i}] direction w", ndim=1, min_size=1)
        if d is None:
            d = w.size
        elif w.size != d:
            raise ValueError(f"terms[{i}] direction w must have {d} entries like the first; "
                             f"got {w.size}")
        c = validation.check_real(c, f"terms[{i}] coefficient c")
        if not isinstance(g, numpy_core.MLP) or len(g.sizes) != 3 or g.sizes[0] != 1 or (
                g.sizes[2] != 1 or g.activation != "relu"):
            raise ValueError(f"terms[{i}] network g must be a [1, m, 1] ReLU numpy_core.MLP")
        W1, b1, W2, b2 = (np.asarray(p, dtype=np.float64) for p in g.get_parameters())
        blocks_W.append(np.outer(w, W1[0]))
        blocks_b.append(b1)
        blocks_out.append(c * W2)
        bias += c * float(b2[0])
    model = numpy_core.MLP([d, sum(b.size for b in blocks_b), 1], "relu")
    model.set_parameters([np.hstack(blocks_W), np.concatenate(blocks_b),
                          np.vstack(blocks_out), np.array([bias])])
    return model
