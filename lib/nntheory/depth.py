r"""Why depth: sawtooth networks, Yarotsky's squaring network, exact piece counting.

Everything here is a :class:`nntheory.numpy_core.MLP` with ReLU hidden units and
explicit weights (layout ``W`` of shape ``(n_in, n_out)``, forward ``X @ W + b``).

* The tent map :math:`\Delta(x) = 2\sigma(x) - 4\sigma(x - 1/2) + 2\sigma(x - 1)`
  (:math:`\sigma` = ReLU) maps :math:`[0, 1]` onto itself; its ``k``-fold composition
  :math:`\Delta^k` has :math:`2^k` linear pieces and costs ``O(k)`` parameters
  (:func:`sawtooth`, :func:`folding_net`).
* Yarotsky's network :math:`f_m(x) = x - \sum_{s=1}^m \Delta^s(x)/4^s` is the
  piecewise-linear interpolant of :math:`x^2` on the grid :math:`2^{-m}\mathbb{Z}`
  (:func:`yarotsky_square`); products follow from
  :math:`xy = ((x+y)^2 - x^2 - y^2)/2` (:func:`yarotsky_product`).
* :func:`count_pieces` counts the linear pieces of a scalar ReLU network exactly,
  by propagating breakpoints layer by layer.
* :func:`unroll_skip` rewrites a network with identity skip connections as a plain
  ReLU network computing the same function.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from . import numpy_core
from .common import MAX_LAYERS
from .validation import (
    check_array,
    check_callable,
    check_elements,
    check_int,
    check_real,
    check_seed,
    check_size,
)

#: The most bits :func:`pieces_upper_bound` will compute (a 300,000-digit integer).
MAX_BOUND_BITS = 1_000_000
#: The most (cells x units) entries :func:`piecewise_linear` tracks (a few seconds of work).
MAX_PIECE_TABLE = 2_500_000
#: The most seeds :func:`train_architectures` trains at once.
MAX_SEEDS = 100_000

__all__ = [
    "folding_net",
    "sawtooth",
    "yarotsky_square",
    "yarotsky_error",
    "square_base",
    "yarotsky_product",
    "yarotsky_product_error",
    "PiecewiseLinear",
    "piecewise_linear",
    "count_pieces",
    "grid_slope_changes",
    "pieces_upper_bound",
    "sawtooth_l1_bound",
    "relu_spline",
    "nonzero_parameters",
    "random_relu_net",
    "unroll_skip",
    "TrainResult",
    "train_architecture",
    "train_architectures",
    "fit_rates",
    "broken_line_lp",
]


def _check_model(model: object, argument: str = "model") -> numpy_core.MLP:
    if not isinstance(model, numpy_core.MLP):
        raise TypeError(f"{argument} must be a nntheory.numpy_core.MLP; "
                        f"got {type(model).__name__}")
    if model.activation != "relu":
        raise ValueError(f"{argument} must have ReLU hidden units; got {model.activation!r}")
    return model


def _check_scalar_model(model: object) -> numpy_core.MLP:
    model = _check_model(model)
    if model.sizes[0] != 1 or model.sizes[-1] != 1:
        raise ValueError(f"model must map R to R (sizes [1, ..., 1]); got {list(model.sizes)}")
    return model


def _interval(a: object, b: object) -> tuple[float, float]:
    a = check_real(a, "a")
    b = check_real(b, "b")
    if not a < b:
        raise ValueError(f"the interval needs a < b; got a={a!r}, b={b!r}")
    return a, b


def _mlp(sizes: Sequence[int], params: list[np.ndarray]) -> numpy_core.MLP:
    net = numpy_core.MLP(list(sizes), "relu")
    net.set_parameters(params)
    return net


# --------------------------------------------------------------------------- sawtooth

def _fold_layer(width: int) -> tuple[np.ndarray, np.ndarray]:
    """Output weights ``c`` and biases ``t`` of the ``width``-fold tent ``g``.

    ``g(x) = sum_j c_j relu(x - j/width)`` with ``c_0 = width`` and
    ``c_j = 2 width (-1)^j``: slopes ``+width, -width, +width, ...`` on the cells
    ``[j/width, (j+1)/width]``, so ``g`` rises and falls ``width`` times between 0 and 1.
    """
    c = np.array([float(width)] + [2.0 * width * (-1) ** j for j in range(1, width)])
    t = -np.arange(width) / width
    return c, t


def folding_net(width: int, depth: int) -> numpy_core.MLP:
    r"""A ``[1, width, ..., width, 1]`` network (``depth`` hidden layers) computing ``g^depth``.

    ``g`` is the ``width``-fold tent of :func:`_fold_layer`, which maps ``[0, 1]``
    onto ``[0, 1]`` with ``width`` linear pieces; composed ``depth`` times it has
    exactly ``width**depth`` pieces on ``[0, 1]``. Only valid on ``[0, 1]``.
    ``folding_net(2, k)`` is the width-2 sawtooth :math:`\Delta^k`.
    """
    width = check_int(width, "width", minimum=1)
    depth = check_size(depth, "depth", MAX_LAYERS, "one hidden layer per fold")
    check_elements((width * width + width) * (depth - 1) + 3 * width + 1, "width and depth",
                   what="a parameter list")
    c, t = _fold_layer(width)
    params = [np.ones((1, width)), t.copy()]
    for _ in range(depth - 1):
        params += [np.outer(c, np.ones(width)), t.copy()]
    params += [c[:, None].copy(), np.zeros(1)]
    return _mlp([1] + [width] * depth + [1], params)


def sawtooth(k: int, width: int = 2) -> numpy_core.MLP:
    r"""A network with ``k`` hidden ReLU layers computing :math:`\Delta^k`.

    ``width=2`` uses :math:`\Delta(x) = 2\sigma(x) - 4\sigma(x - 1/2)`, equal to the tent on
    ``[0, 1]`` (``6k + 1`` parameters); ``width=3`` adds :math:`+2\sigma(x - 1)` and equals
    the tent map :math:`\min(2x, 2 - 2x)^+` on all of :math:`\mathbb{R}` (``12k - 2``
    parameters). On ``[0, 1]`` both compute :math:`\Delta^k`, with
    :math:`\Delta^k(i/2^k) = i \bmod 2`, exactly in float64 for ``k <= 20``.
    """
    k = check_size(k, "k", MAX_LAYERS, "one hidden layer per tent")
    width = check_int(width, "width", minimum=2, maximum=3)
    if width == 2:
        return folding_net(2, k)
    c = np.array([2.0, -4.0, 2.0])
    t = np.array([0.0, -0.5, -1.0])
    params = [np.ones((1, 3)), t.copy()]
    for _ in range(k - 1):
        params += [np.outer(c, np.ones(3)), t.copy()]
    params += [c[:, None].copy(), np.zeros(1)]
    return _mlp([1] + [3] * k + [1], params)


# --------------------------------------------------------------------------- Yarotsky

def yarotsky_square(m: int) -> numpy_core.MLP:
    r"""Yarotsky's network ``[1, 3, ..., 3, 1]`` (``m`` hidden layers, ``12m - 2`` parameters).

    It computes :math:`f_m(x) = x - \sum_{s=1}^m \Delta^s(x)/4^s` on ``[0, 1]``, the
    piecewise-linear interpolant of :math:`x^2` on the grid :math:`i/2^m`. Hidden layer
    ``s`` holds :math:`\sigma(g_{s-1})`, :math:`\sigma(g_{s-1} - 1/2)` (so that
    :math:`g_s = \Delta(g_{s-1}) = 2\sigma(g_{s-1}) - 4\sigma(g_{s-1} - 1/2)`, with
    :math:`g_0 = x`) and :math:`\sigma(f_{s-1}) = f_{s-1}` (non-negative, as
    :math:`f_{s-1} \ge x^2`). Then :math:`\sup_{[0,1]} |f_m - x^2| = 2^{-2m-2}`
    (:func:`yarotsky_error`), attained at the midpoints :math:`(2i+1)/2^{m+1}`.
    """
    m = check_size(m, "m", MAX_LAYERS, "one hidden layer per level")
    # layer 1: relu(x), relu(x - 1/2), relu(x) (= f_0 = x on [0, 1])
    params = [np.array([[1.0, 1.0, 1.0]]), np.array([0.0, -0.5, 0.0])]
    for s in range(1, m):
        # inputs (a, b, c) with g_s = 2a - 4b and c = f_{s-1}; f_s = c - g_s / 4^s
        q = 0.25 ** s
        W = np.array([[2.0, 2.0, -2.0 * q],
                      [-4.0, -4.0, 4.0 * q],
                      [0.0, 0.0, 1.0]])
        params += [W, np.array([0.0, -0.5, 0.0])]
    q = 0.25 ** m
    params += [np.array([[-2.0 * q], [4.0 * q], [1.0]]), np.zeros(1)]
    return _mlp([1] + [3] * m + [1], params)


def yarotsky_error(m: int) -> float:
    """``2**(-2m - 2)``: the sup error of :func:`yarotsky_square` to ``x**2`` on ``[0, 1]``."""
    m = check_int(m, "m", minimum=0)
    return math.ldexp(1.0, -2 * min(m, 10 ** 6) - 2)  # 0.0 (underflow) for m > 537


def square_base(base: int, m: int) -> numpy_core.MLP:
    r"""Yarotsky's squaring network in base ``w = base``: ``m`` hidden layers, the first of
    ``w`` units and the others of ``w + 1`` (``m (w + 1) - 1`` units in all).

    With :math:`T(t) = t(1 - t)`, :math:`I_w` the interpolation on the grid :math:`j/w` and
    :math:`g` the ``w``-fold tent (``w`` pieces, each onto :math:`[0, 1]`), the interpolant
    of :math:`x^2` on :math:`w^{-s}\mathbb{Z}` is
    :math:`F_s = x - \sum_{r=0}^{s-1} w^{-2r} (I_w T)(g^r(x))`, and
    :math:`F_s(x) - x^2 = w^{-2s}\,T(g^s(x))`. Hidden layer ``s`` holds
    :math:`\sigma(g^{s-1} - j/w)`, ``j < w`` (their combinations give :math:`g^s` and
    :math:`(I_w T)(g^{s-1})`), and, from layer 2 on, :math:`\sigma(F_{s-1}) = F_{s-1}`. The
    output is :math:`F_m`: on :math:`[0, 1]` its sup error to :math:`x^2` is
    :math:`w^{-2m}/4`, attained at the midpoints of the grid :math:`w^{-m}\mathbb{Z}`.
    ``base=2`` computes :func:`yarotsky_square`'s :math:`f_m` with one unit less.
    """
    w = check_int(base, "base", minimum=2, maximum=10_000)
    m = check_size(m, "m", MAX_LAYERS, "one hidden layer per level")
    check_elements((w + 1) * (w + 1) * m + 2 * w + 2, "base and m", what="a parameter list")
    t = -np.arange(w) / w
    c = np.array([float(w)] + [2.0 * w * (-1) ** j for j in range(1, w)])   # g
    knots = np.arange(w + 1) / w
    e = np.diff(np.diff(knots * (1 - knots)) * w, prepend=0.0)                # I_w T
    first = -e.copy()
    first[0] += 1.0                                   # F_1 = x - I_w T(x), x = relu(x)
    params = [np.ones((1, w)), t.copy()]
    for s in range(1, m):
        if s == 1:
            W = np.hstack([np.outer(c, np.ones(w)), first[:, None]])
        else:
            W = np.zeros((w + 1, w + 1))
            W[:w, :w] = np.outer(c, np.ones(w))
            W[:w, w] = -(float(w) ** (-2 * (s - 1))) * e
            W[w, w] = 1.0
        params += [W, np.append(t, 0.0)]
    if m == 1:
        out = first
    else:
        out = np.append(-(float(w) ** (-2 * (m - 1))) * e, 1.0)
    params += [out[:, None], np.zeros(1)]
    return _mlp([1, w] + [w + 1] * (m - 1) + [1], params)


def _parallel(nets: Sequence[numpy_core.MLP], inputs: np.ndarray,
              outputs: Sequence[float]) -> numpy_core.MLP:
    """Networks of equal depth side by side: input ``X @ inputs[:, i]`` to net ``i``,
    output ``sum_i outputs[i] * net_i``."""
    plist = [n.get_parameters() for n in nets]
    depth = nets[0].n_layers
    W1 = np.hstack([inputs[:, [i]] @ p[0] for i, p in enumerate(plist)])
    params = [W1, np.concatenate([p[1] for p in plist])]
    for layer in range(1, depth - 1):
        blocks = [p[2 * layer] for p in plist]
        n_in = sum(b.shape[0] for b in blocks)
        n_out = sum(b.shape[1] for b in blocks)
        W = np.zeros((n_in, n_out))
        r = c = 0
        for b in blocks:
            W[r:r + b.shape[0], c:c + b.shape[1]] = b
            r, c = r + b.shape[0], c + b.shape[1]
        params += [W, np.concatenate([p[2 * layer + 1] for p in plist])]
    params += [np.vstack([w * p[-2] for w, p in zip(outputs, plist, strict=True)]),
               sum(w * p[-1] for w, p in zip(outputs, plist, strict=True))]
    sizes = [inputs.shape[0]] + [sum(n.sizes[l] for n in nets) for l in range(1, depth)] + [1]
    return _mlp(sizes, params)


def yarotsky_product(m: int) -> numpy_core.MLP:
    r"""A ``[2, 9, ..., 9, 1]`` network (``m`` hidden layers) approximating ``xy`` on ``[0,1]^2``.

    With :math:`u = (x + y)/2 \in [0, 1]`,
    :math:`xy = 2u^2 - x^2/2 - y^2/2`; each square is replaced by :math:`f_m`
    (:func:`yarotsky_square`, three copies side by side). Since
    :math:`0 \le f_m - (\cdot)^2 \le \varepsilon_m = 2^{-2m-2}`, the error lies in
    :math:`[-\varepsilon_m, 2\varepsilon_m]`, so its sup is at most
    :math:`2^{-2m-1}` (:func:`yarotsky_product_error`), attained at
    :math:`(0, 2^{-m})`.
    """
    m = check_int(m, "m", minimum=1)
    sq = yarotsky_square(m)
    inputs = np.array([[0.5, 1.0, 0.0], [0.5, 0.0, 1.0]])
    return _parallel([sq, sq, sq], inputs, [2.0, -0.5, -0.5])


def yarotsky_product_error(m: int) -> float:
    """``2**(-2m - 1)``: the sup error of :func:`yarotsky_product` on ``[0, 1]^2``."""
    m = check_int(m, "m", minimum=0)
    return math.ldexp(1.0, -2 * min(m, 10 ** 6) - 1)  # 0.0 (underflow) for m > 537


# --------------------------------------------------------------------------- piece counting

@dataclass(frozen=True)
class PiecewiseLinear:
    """A scalar network on ``[a, b]`` as maximal linear pieces.

    ``breakpoints``: the interior points where the slope changes (sorted);
    ``slopes`` and ``intercepts``: one per piece (``len(breakpoints) + 1``).
    """

    a: float
    b: float
    breakpoints: np.ndarray
    slopes: np.ndarray
    intercepts: np.ndarray

    @property
    def n_pieces(self) -> int:
        return int(self.slopes.size)

    @property
    def knots(self) -> np.ndarray:
        """``[a, breakpoints..., b]``."""
        return np.concatenate([[self.a], self.breakpoints, [self.b]])

    def derivative_l1(self) -> float:
        r""":math:`\int_a^b |f'(x)|\,dx = \sum_i |s_i|\,(x_{i+1} - x_i)` (the total variation)."""
        return float(np.sum(np.abs(self.slopes) * np.diff(self.knots)))

    def __call__(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        i = np.clip(np.searchsorted(self.breakpoints, x, side="right"), 0, self.n_pieces - 1)
        return self.slopes[i] * x + self.intercepts[i]


def piecewise_linear(model: numpy_core.MLP, a: float, b: float, *,
                     rtol: float = 1e-9) -> PiecewiseLinear:
    r"""The exact linear pieces of a ReLU network :math:`\mathbb{R} \to \mathbb{R}` on ``[a, b]``.

    Layer by layer, keep a partition of ``[a, b]`` on whose cells every unit computed
    so far is affine, :math:`z(x) = s x + c`. A unit of the next layer is affine on
    each cell, so it has at most one zero there, :math:`x = -c/s`; splitting the cells
    at those zeros and applying the ReLU (active where :math:`z > 0` at the cell's
    midpoint) gives the next partition. Skip connections add the previous affine maps.
    At the end, neighbouring cells whose output slopes agree (within
    ``rtol * max(1, max |slope|)``, round-off) are merged: the result lists the
    maximal pieces. A zero within ``1e-12 max(1, |a|, |b|)`` of a cell's end is taken to
    be that end (a kink computed twice with different round-off). No grid is involved.
    """
    model = _check_scalar_model(model)
    a, b = _interval(a, b)
    rtol = check_real(rtol, "rtol", low=0.0)
    xtol = 1e-12 * max(1.0, abs(a), abs(b))
    params = model.parameters()
    lo, hi = np.array([a]), np.array([b])
    S = np.ones((1, 1))          # slopes of the current layer's outputs, (cells, units)
    C = np.zeros((1, 1))
    L = model.n_layers
    for layer in range(L):
        W, bias = params[2 * layer], params[2 * layer + 1]
        Sz, Cz = S @ W, C @ W + bias
        if layer == L - 1:
            S, C = Sz, Cz
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            T = -Cz / Sz
        inside = (Sz != 0) & (T > lo[:, None] + xtol) & (T < hi[:, None] - xtol)
        check_elements((lo.size + int(np.count_nonzero(inside))) * max(model.sizes),
                       "model", what="a table of its linear pieces (cells x units)",
                       limit=MAX_PIECE_TABLE)
        cuts = np.unique(np.concatenate([lo, [b], T[inside]]))
        new_lo, new_hi = cuts[:-1], cuts[1:]
        parent = np.searchsorted(lo, new_lo, side="right") - 1
        Sz, Cz = Sz[parent], Cz[parent]
        mid = 0.5 * (new_lo + new_hi)
        active = (Sz * mid[:, None] + Cz) > 0
        Sa, Ca = np.where(active, Sz, 0.0), np.where(active, Cz, 0.0)
        if model.skip[layer]:
            Sa, Ca = Sa + S[parent], Ca + C[parent]
        S, C, lo, hi = Sa, Ca, new_lo, new_hi
    s, c = S[:, 0], C[:, 0]
    tol = rtol * max(1.0, float(np.max(np.abs(s))))
    keep = np.concatenate([[True], np.abs(np.diff(s)) > tol])
    starts = np.flatnonzero(keep)
    return PiecewiseLinear(a, b, lo[starts[1:]].copy(), s[starts].copy(), c[starts].copy())


def count_pieces(model: numpy_core.MLP, a: float, b: float, *, rtol: float = 1e-9) -> int:
    """The exact number of maximal linear pieces of ``model`` on ``[a, b]``
    (see :func:`piecewise_linear`)."""
    return piecewise_linear(model, a, b, rtol=rtol).n_pieces


def grid_slope_changes(model: numpy_core.MLP, a: float, b: float, n: int = 100_001, *,
                       rtol: float = 1e-7) -> int:
    """The naive estimate: the number of grid cells whose slope differs from the previous one.

    A breakpoint strictly inside a cell makes that cell's slope differ from both
    neighbours, so it is counted twice; one on a grid point is counted once. Returned
    for comparison with :func:`count_pieces` (it is *not* a piece count).
    """
    model = _check_scalar_model(model)
    a, b = _interval(a, b)
    n = check_int(n, "n", minimum=3)
    check_elements(n, "n")
    x = np.linspace(a, b, n)
    y = model.predict(x[:, None]).ravel()
    s = np.diff(y) / np.diff(x)
    tol = rtol * max(1.0, float(np.max(np.abs(s))))
    return int(np.sum(np.abs(np.diff(s)) > tol))


def pieces_upper_bound(width: int, depth: int) -> int:
    r"""``(width + 1) ** depth``: the most pieces a ReLU network :math:`\mathbb{R}\to\mathbb{R}`
    with ``depth`` hidden layers of ``width`` units can have (on any interval)."""
    width = check_int(width, "width", minimum=1)
    depth = check_int(depth, "depth", minimum=1)
    check_size(depth * (width + 1).bit_length(), "depth", MAX_BOUND_BITS,
               "(width + 1) ** depth would be an integer of more bits than that",
               what="about depth * log2(width + 1) bits")
    return (width + 1) ** depth


def sawtooth_l1_bound(k: int, p: int) -> float:
    r"""``max(0, (2**k - p) * 2**(-k - 3))``: the counting lower bound on the :math:`L^1(0, 1)`
    distance from :math:`\Delta^k` to any function that is affine on each of ``p`` intervals.

    :math:`\Delta^k - \tfrac12` vanishes at the midpoints :math:`(2j+1)/2^{k+1}`; between
    consecutive ones lie :math:`2^k - 1` intervals of length :math:`2^{-k}`, on each of which
    :math:`|\Delta^k - \tfrac12|` is a symmetric tent of height :math:`\tfrac12`. An affine
    function is at :math:`L^1` distance at least :math:`2^{-k-3}` from such a tent (the best
    one is the constant at half its height), and the ``p - 1`` breakpoints of a
    ``p``-piece function lie inside at most ``p - 1`` of the intervals. Continuity is not
    needed. A step function equal to 3/4 and 1/4 on alternate intervals attains
    :math:`2^{-k-3}` on each of them.
    """
    k = check_int(k, "k", minimum=1)
    p = check_int(p, "p", minimum=1)
    if k < p.bit_length():  # 2**k < p, without forming 2**k when k is huge
        return 0.0
    if k > p.bit_length() + 64:  # p / 2**k < 2**-64: the bound is 1/8 to float64 precision
        return 0.125
    # here 2**k <= 2**64 * p (no bigger than p's own bits allow): exact, rounded once
    return float(Fraction(2 ** k - p, 2 ** (k + 3)))


def relu_spline(knots, values) -> numpy_core.MLP:
    r"""The ``[1, n - 1, 1]`` ReLU network equal to the broken line through ``(knots, values)``.

    ``knots`` strictly increasing (``n >= 2`` of them). On ``[knots[0], knots[-1]]`` the
    network is :math:`v_0 + \sum_i c_i\,\sigma(x - x_i)` with :math:`c_i` the change of slope
    at :math:`x_i` (the first slope at :math:`x_0`): one hidden unit per piece.
    """
    x = check_array(knots, "knots", ndim=1, min_size=2)
    v = check_array(values, "values", ndim=1, min_size=2)
    if v.size != x.size:
        raise ValueError(f"values must have one entry per knot ({x.size}); got {v.size}")
    if np.any(np.diff(x) <= 0):
        raise ValueError("knots must be strictly increasing")
    c = np.diff(np.diff(v) / np.diff(x), prepend=0.0)
    return _mlp([1, x.size - 1, 1], [np.ones((1, x.size - 1)), -x[:-1], c[:, None], v[:1]])


def nonzero_parameters(model: numpy_core.MLP) -> int:
    """The number of non-zero weights and biases of ``model`` (what the budget
    :math:`W_n` of approximation theory counts; ``n_parameters`` counts all entries)."""
    if not isinstance(model, numpy_core.MLP):
        raise TypeError(f"model must be a nntheory.numpy_core.MLP; got {type(model).__name__}")
    return int(sum(np.count_nonzero(p) for p in model.parameters()))


def random_relu_net(width: int, depth: int, seed: int, *, bias_std: float = 1.0,
                    skip: bool = False) -> numpy_core.MLP:
    """A ``[1, width x depth, 1]`` ReLU network with He weights and ``N(0, bias_std**2)`` biases.

    He initialisation itself sets every bias to zero, which makes the network
    positively homogeneous (at most two pieces on any interval); random biases
    spread the breakpoints out.
    """
    width = check_int(width, "width", minimum=1)
    depth = check_size(depth, "depth", MAX_LAYERS, "one hidden layer each")
    check_elements((width + 1) * width * depth + 2 * width + 1, "width and depth",
                   what="a parameter list")
    seed = check_seed(seed, allow_none=False)
    bias_std = check_real(bias_std, "bias_std", low=0.0)
    net = numpy_core.MLP([1] + [width] * depth + [1], "relu", skip=skip, init="he", seed=seed)
    rng = np.random.default_rng([seed, 1])
    params = net.get_parameters()
    for i in range(1, len(params), 2):
        params[i] = rng.normal(0.0, bias_std, size=params[i].shape)
    net.set_parameters(params)
    return net


# --------------------------------------------------------------------------- skip -> plain

def unroll_skip(model: numpy_core.MLP) -> numpy_core.MLP:
    r"""A plain ReLU network computing the same function as ``model`` (which may have skips).

    The plain network's hidden layer ``l`` holds a vector :math:`H_l` with
    :math:`A_l = H_l P_l` for a fixed 0/±1 matrix :math:`P_l`. A plain layer is copied
    (:math:`P_l = I`). A skip layer :math:`A_l = A_{l-1} + \sigma(A_{l-1}W + b)` becomes
    :math:`H_l = [\sigma(H_{l-1}P_{l-1}W + b),\ \sigma(H_{l-1}P_{l-1})]` when
    :math:`A_{l-1} \ge 0` (the output of a hidden layer), and carries
    :math:`\sigma(A) - \sigma(-A)` otherwise (a skip around the input layer). So a skip
    layer of width ``n`` costs a plain layer of width ``2n`` (``3n`` at the input). For
    ``[1, w, ..., w, 1]`` with ``L`` hidden layers and skips around layers 2 to ``L``, all
    entries counted, the plain network has less than 4 times the parameters; counting
    non-zero entries (the residual weights and biases all non-zero) it has
    ``w**2 + 6w + 1 + (L - 2)(2w**2 + 3w)`` against ``3w + 1 + (L - 1)(w**2 + w)``, a ratio
    below ``2 + 1/(w + 1)`` that tends to it as ``L`` grows.
    """
    model = _check_model(model)
    params = model.parameters()
    L = model.n_layers
    P = np.eye(model.sizes[0])
    nonneg = False
    new_params, sizes = [], [model.sizes[0]]
    for layer in range(L):
        W, bias = params[2 * layer], params[2 * layer + 1]
        W_eff = P @ W
        if layer == L - 1:
            new_params += [W_eff, bias.copy()]
            sizes.append(W.shape[1])
            break
        if not model.skip[layer]:
            new_params += [W_eff, bias.copy()]
            P = np.eye(W.shape[1])
            nonneg = True  # the output of a ReLU layer
        else:
            n = W.shape[0]
            if nonneg:
                carry = P
                P = np.vstack([np.eye(n), np.eye(n)])
            else:
                carry = np.hstack([P, -P])
                P = np.vstack([np.eye(n), np.eye(n), -np.eye(n)])
            new_params += [np.hstack([W_eff, carry]),
                           np.concatenate([bias, np.zeros(carry.shape[1])])]
            # A_l = A_{l-1} + relu(...) is non-negative exactly when A_{l-1} is
        sizes.append(new_params[-1].size)
    return _mlp(sizes, new_params)


# --------------------------------------------------------------------------- experiments

@dataclass(frozen=True)
class TrainResult:
    """One trained architecture: its sizes, parameter count, test MSE and CPU time."""

    sizes: tuple[int, ...]
    n_parameters: int
    mse: float
    #: CPU time of the training in seconds (every thread of this process; per run for
    #: :func:`train_architectures`, whose runs share one ensemble)
    seconds: float


def _architecture_problem(f, epochs, n_train, n_test, a, b):
    """The checked arguments and data of :func:`train_architecture`(``s``)."""
    f = check_callable(f, "f")
    epochs = check_int(epochs, "epochs", minimum=1)
    n_train = check_int(n_train, "n_train", minimum=2)
    n_test = check_int(n_test, "n_test", minimum=2)
    check_elements(n_train, "n_train")
    check_elements(n_test, "n_test")
    a, b = _interval(a, b)
    X = np.linspace(a, b, n_train)[:, None]
    y = np.asarray(f(X), dtype=np.float64).reshape(-1, 1)
    Xt = np.linspace(a, b, n_test)[:, None]
    return epochs, X, y, Xt, np.asarray(f(Xt), dtype=np.float64).reshape(-1, 1)


def train_architecture(sizes: Sequence[int], f: Callable, *, seed: int, epochs: int,
                       lr: float = 1e-2, n_train: int = 256, a: float = -1.0,
                       b: float = 1.0, n_test: int = 2001) -> TrainResult:
    """Train a ReLU ``MLP(sizes)`` (He init, Adam, full batch, MSE) on ``n_train`` equally
    spaced points of ``f`` on ``[a, b]``; report the MSE on ``n_test`` points and the CPU
    time of the training."""
    seed = check_seed(seed, allow_none=False)
    epochs, X, y, Xt, yt = _architecture_problem(f, epochs, n_train, n_test, a, b)
    net = numpy_core.MLP(list(sizes), "relu", init="he", seed=seed)
    t0 = time.process_time()
    numpy_core.fit(net, X, y, optimizer="adam", lr=lr, epochs=epochs)
    seconds = time.process_time() - t0
    mse = float(np.mean((net.predict(Xt) - yt) ** 2))
    return TrainResult(tuple(net.sizes), net.n_parameters, mse, seconds)


def train_architectures(sizes: Sequence[int], f: Callable, *, seeds: Sequence[int],
                        epochs: int, lr: float = 1e-2, n_train: int = 256, a: float = -1.0,
                        b: float = 1.0, n_test: int = 2001) -> list[TrainResult]:
    """:func:`train_architecture` for every seed in ``seeds``, trained together as one
    :class:`~nntheory.numpy_core.Ensemble`: result ``j`` equals
    ``train_architecture(sizes, f, seed=seeds[j], ...)`` to round-off, and its
    ``seconds`` is the CPU time of the ensemble's training (every thread: an ensemble
    may use two) divided by ``len(seeds)``, the time per run. A member that diverges raises the
    :class:`~nntheory.common.DivergenceError` ``train_architecture`` would raise for
    it (the first such member in ``seeds`` order)."""
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise TypeError(f"seeds must be a sequence of non-negative integers; got {seeds!r}")
    if hasattr(seeds, "__len__"):  # before converting ten million seeds one by one
        check_size(len(seeds), "seeds", MAX_SEEDS, "one ensemble member each", minimum=0,
                   what="a number of seeds")
    seeds = [check_seed(s, "seeds entry", allow_none=False) for s in seeds]
    if not seeds:
        raise ValueError("seeds must be non-empty")
    epochs, X, y, Xt, yt = _architecture_problem(f, epochs, n_train, n_test, a, b)
    ens = numpy_core.Ensemble(list(sizes), "relu", init="he", seeds=seeds)
    t0 = time.process_time()
    histories = numpy_core.fit_ensemble(ens, X, y, optimizer="adam", lr=lr, epochs=epochs)
    seconds = (time.process_time() - t0) / len(seeds)
    for h in histories:
        if h.diverged is not None:
            raise h.diverged
    mse = np.mean((ens.predict(Xt) - yt) ** 2, axis=(1, 2))
    n_parameters = ens.member(0).n_parameters
    return [TrainResult(tuple(ens.sizes), n_parameters, float(m), seconds) for m in mse]


def fit_rates(n, errors) -> np.ndarray:
    """Least-squares slopes of ``log E`` against ``log n``, one per column of ``errors``.

    ``errors`` has shape ``(len(n), n_runs)`` (or ``(len(n),)`` for one run); the spread
    of the returned slopes is the spread of the empirical rate over the runs.
    """
    n = check_array(n, "n", ndim=1, min_size=2)
    E = check_array(errors, "errors", ndim=(1, 2))
    E = E[:, None] if E.ndim == 1 else E
    if E.shape[0] != n.size:
        raise ValueError(f"errors must have len(n) = {n.size} rows; got {E.shape[0]}")
    if np.any(n <= 0) or np.any(E <= 0):
        raise ValueError("n and errors must be positive for a log-log fit")
    if np.ptp(np.log(n)) == 0:
        raise ValueError("n must not all be equal: a slope needs at least two distinct n")
    return np.polyfit(np.log(n), np.log(E), 1)[0]


def broken_line_lp(x, y, p: float) -> float:
    r""":math:`\bigl(\int |g|^p\bigr)^{1/p}` over ``[x[0], x[-1]]`` for the broken line ``g``
    through ``(x, y)``, exactly up to rounding, for every ``0 < p <= inf`` (a quasi-norm when
    ``p < 1``).

    On a cell of length :math:`\ell` where ``g`` runs from :math:`a` to :math:`b` without a
    sign change, :math:`\int |g|^p = \ell\,(|b|^{p+1} - |a|^{p+1})/((p+1)(|b| - |a|))`
    (:math:`\ell|a|^p` when :math:`|a| = |b|`); where it changes sign, the zero splits the cell
    and the integral is :math:`\ell\,(|a|^{p+1} + |b|^{p+1})/((p+1)(|a| + |b|))`. No
    quadrature rule is used, so the value is exact also where :math:`|g|^p` is not smooth.
    """
    x = check_array(x, "x", ndim=1, min_size=2)
    y = check_array(y, "y", ndim=1, min_size=2)
    if y.size != x.size:
        raise ValueError(f"y must have len(x) = {x.size} entries; got {y.size}")
    if np.any(np.diff(x) <= 0):
        raise ValueError("x must be strictly increasing")
    p = float(p)
    if not p > 0:
        raise ValueError(f"p must be positive (inf allowed); got {p}")
    if np.isinf(p):
        return float(np.max(np.abs(y)))
    a, b, ell = np.abs(y[:-1]), np.abs(y[1:]), np.diff(x)
    cross = y[:-1] * y[1:] < 0
    same = np.isclose(a, b, rtol=1e-12, atol=0) & ~cross
    with np.errstate(divide="ignore", invalid="ignore"):
        monotone = (b ** (p + 1) - a ** (p + 1)) / ((p + 1) * (b - a))
        split = (a ** (p + 1) + b ** (p + 1)) / ((p + 1) * (a + b))
    cell = np.where(cross, split, np.where(same, np.maximum(a, b) ** p, monotone))
    return float(np.sum(ell * cell)) ** (1 / p)
