"""The exercises of chapter 5 (depth separation):
registered in :mod:`nntheory.teaching.exercises`.

Each entry's check computes its expected value here, from the exercise's data for the
student's variant; nothing in this module is meant to be called from a notebook (the
checks forbid its private functions, like the registry's own).

* ``ex-depth-product`` (easy): the non-zero weights and biases of Yarotsky's product
  network with the student's number of layers ``m``.
* ``ex-depth-layers`` (medium): for x^2 on the student's interval ``[0, R]`` and accuracy
  ``eps``, the least number of layers of Yarotsky's squaring network (rescaled) and the
  least number of units that the lower bound for one hidden layer does not rule out.
* ``ex-depth-fold`` (hard): a ``1 -> w1 -> w2 -> 1`` ReLU network with at least
  ``w1 * w2`` pieces on the student's interval and the student's values at its ends.
* ``ex-depth-crossings`` (hard, written): a proof that a continuous function with ``p``
  affine pieces misclassifies at least ``(2^k - p)/2`` points of the sawtooth labelling.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from .. import variants as _variants
from ..exercises import (
    Exercise,
    Verdict,
    _guard,
    _is_whole,
    _mlp,
    _params,
)

# ------------------------------------------------------------------ ex-depth-product


def _product_data() -> int:
    """The number of hidden layers ``m`` of the product network (variant 0: 6)."""
    def draw(rng):
        while True:
            m = int(rng.integers(2, 31))
            if m != 6:
                return m
    return _variants.instance("ex-depth-product", lambda: 6, draw)


def _product_count(m: int) -> int:
    """Non-zero parameters of ``depth.yarotsky_product(m)``, counted block by block:
    first layer 3 * 5 (u reads both inputs), 3 * 8 in each later hidden layer, 9
    output weights (the output bias is 0)."""
    return 15 + 24 * (m - 1) + 9


def _depth_product(answer) -> Verdict:
    if not _is_whole(answer):
        return False, "expected a whole number"
    ok = int(answer) == _product_count(_product_data())
    return ok, ("the count of the block-diagonal construction" if ok else "not correct")


def _product_all_entries(answer) -> bool:
    m = _product_data()
    return _is_whole(answer) and int(answer) == 90 * m - 53       # n_parameters


def _product_no_mixing(answer) -> bool:
    m = _product_data()
    return _is_whole(answer) and int(answer) == _product_count(m) - 3


# ------------------------------------------------------------------ ex-depth-layers


def _layers_sizes(R: float, eps: float) -> tuple[int, int, int]:
    """``(m, N, N_interpolant)`` for x^2 on ``[0, R]`` and accuracy ``eps``, in exact
    arithmetic: the least ``m`` with ``R^2 2^(-2m-2) <= eps`` (Yarotsky's network
    rescaled, ``R^2 f_m(x/R)``); the least ``N`` with ``R^2 / (8 (N+1)^2) <= eps`` (every
    one-hidden-layer network with fewer units misses ``eps``); the least ``N`` with
    ``R^2 / (4 N^2) <= eps`` (the interpolant on ``N`` equal cells)."""
    e = Fraction(repr(float(eps)))          # the decimal numbers the data cell prints
    r2 = Fraction(repr(float(R))) ** 2
    m = 1
    while 4 ** (m + 1) * e < r2:
        m += 1
    n = 1
    while 8 * (n + 1) ** 2 * e < r2:
        n += 1
    n_int = 1
    while 4 * n_int ** 2 * e < r2:
        n_int += 1
    return m, n, n_int


def _near_a_threshold(R: float, eps: float) -> bool:
    """Whether ``eps`` is within a relative 1e-6 of a threshold of :func:`_layers_sizes`
    (then round-off in a student's formula could move a ceiling)."""
    m, n, n_int = _layers_sizes(R, eps)
    edges = [R * R * 2.0 ** (-2 * j - 2) for j in (m - 1, m)]
    edges += [R * R / (8 * j ** 2) for j in (n, n + 1)]
    edges += [R * R / (4 * j ** 2) for j in (n_int - 1, n_int) if j > 0]
    return any(abs(eps - t) <= 1e-6 * t for t in edges)


def _layers_data() -> tuple[float, float]:
    """``(R, eps)``: the interval [0, R] and the accuracy (variant 0: R = 2, eps = 1e-6)."""
    def draw(rng):
        while True:
            R = float(rng.choice([0.5, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0]))
            c = float(rng.choice([1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]))
            eps = float(f"{c}e-{int(rng.integers(4, 10))}")
            m, n, n_int = _layers_sizes(R, eps)
            if (m, n) != _layers_sizes(2.0, 1e-6)[:2] and n != n_int and \
                    _layers_sizes(1.0, eps)[:2] != (m, n) and not _near_a_threshold(R, eps):
                return R, eps
    return _variants.instance("ex-depth-layers", lambda: (2.0, 1e-6), draw)


def _pair(answer) -> tuple[int, int] | None:
    if not isinstance(answer, (list, tuple, np.ndarray)) or len(answer) != 2:
        return None
    if not all(_is_whole(v) and v >= 1 for v in answer):
        return None
    return int(answer[0]), int(answer[1])


def _depth_layers(answer) -> Verdict:
    pair = _pair(answer)
    if pair is None:
        return False, "expected two whole numbers (m, N), both at least 1"
    m, n, _ = _layers_sizes(*_layers_data())
    ok = pair == (m, n)
    return ok, "both are the least sizes" if ok else "not correct"


def _layers_interpolant(answer) -> bool:
    """N is the interpolant's size (``R^2/(4 N^2) <= eps``), up to round-off at the edge."""
    pair = _pair(answer)
    R, eps = _layers_data()
    _, n, n_int = _layers_sizes(R, eps)
    edge = R / (2 * math.sqrt(eps))
    sizes = {n_int, math.ceil(edge * (1 - 1e-9)), math.ceil(edge * (1 + 1e-9))}
    return pair is not None and pair[1] in sizes and pair[1] != n


def _layers_unit_interval(answer) -> bool:
    """The answer is the pair of sizes for [0, 1] instead of [0, R] (what the chapter's
    own helpers for x^2 on [0, 1] return)."""
    pair = _pair(answer)
    R, eps = _layers_data()
    return pair is not None and pair == _layers_sizes(1.0, eps)[:2] != \
        _layers_sizes(R, eps)[:2]


# ------------------------------------------------------------------ ex-depth-fold

#: (w1, w2) pairs with w1 odd and w1 * w2 > w1 + w2 + 1 (more than one hidden layer of
#: w1 + w2 units can have), large enough that random search does not find the pieces: in
#: 40,000 random networks per pair (He-like weights, first-layer kinks in [0, 1]) none
#: reached w1 * w2 pieces on [0, 1] (the most: 13, 14, 14, 16 pieces), while for (3, 3) and
#: (5, 2) about 1 in 300 did.
_FOLD_WIDTHS = ((3, 5), (3, 6), (5, 4), (7, 3))


def _fold_data() -> tuple[int, int, float, float, float, float]:
    """``(w1, w2, a, b, alpha, beta)``: widths, interval, values at its ends (variant 0:
    a 1 -> 3 -> 5 -> 1 network on [0, 1] vanishing at both ends)."""
    def draw(rng):
        while True:
            w1, w2 = _FOLD_WIDTHS[int(rng.integers(len(_FOLD_WIDTHS)))]
            a = round(float(rng.uniform(-2.0, 1.0)), 1) + 0.0        # + 0.0: no -0.0
            b = round(a + float(rng.choice([0.5, 1.0, 1.5, 2.0, 3.0])), 1) + 0.0
            alpha, beta = (round(float(v), 1) + 0.0 for v in rng.uniform(-2.0, 2.0, 2))
            data = (w1, w2, a, b, alpha, beta)
            if data != (3, 5, 0.0, 1.0, 0.0, 0.0):
                return data
    return _variants.instance("ex-depth-fold", lambda: (3, 5, 0.0, 1.0, 0.0, 0.0), draw)


def _depth_fold(answer) -> Verdict:
    from ... import depth
    w1, w2, a, b, alpha, beta = _fold_data()
    params = _params(answer, 6)
    shapes = [(1, w1), (w1,), (w1, w2), (w2,), (w2, 1), (1,)]
    if [p.shape for p in params] != shapes:
        return False, ("expected [W1, b1, W2, b2, W3, b3] with shapes "
                       + ", ".join(str(s) for s in shapes))
    if not all(np.all(np.isfinite(p)) for p in params):
        return False, "some parameters are NaN or infinite"
    net = _mlp([1, w1, w2, 1], "relu", params)
    p = depth.count_pieces(net, a, b)
    ends = net.predict(np.array([[a], [b]])).ravel()
    tol = 1e-9 * max(1.0, abs(alpha), abs(beta))
    if p < w1 * w2:
        return False, f"only {p} pieces"
    if abs(ends[0] - alpha) > tol or abs(ends[1] - beta) > tol:
        return False, f"{p} pieces, but the values at the ends are not the required ones"
    return True, "enough pieces, and the required values at both ends"


# ------------------------------------------------------------------ the exercises

_CROSSINGS_RUBRIC = (
    "3 points in all. 1 point: on each closed piece g is affine, so {g >= 1/2} meets it in "
    "an interval that contains one end of it (or all or none of it): along the points the "
    "predicted label changes at most once inside a piece, and, g being continuous, a change "
    "between two consecutive points x_i, x_{i+1} is charged to one piece that meets "
    "[x_i, x_{i+1}] and switches there; at most p changes in all. 1 point: the predictions "
    "then form at most p + 1 runs of consecutive points with one label; on a run of r points "
    "the alternating labels i mod 2 disagree with that label at least floor(r/2) >= (r - 1)/2 "
    "times, and summing over the runs gives at least (2^k + 1 - (p + 1))/2 = (2^k - p)/2 "
    "errors. 1 point: the corollary, p <= (w + 1)^L by the theorem on pieces (or the product "
    "over the widths), so at least (2^k - (w + 1)^L)/2 errors, while Delta^k, computed by k "
    "hidden layers of width 2, errs on none. Usual wrong proofs, no point for the step: "
    "'g - 1/2 has at most one zero per piece' without treating a piece on which g = 1/2 "
    "(then the label is constant there, which is fine, but must be said); r/2 errors per run "
    "instead of floor(r/2) (wrong for odd r: a run of one point can be right); the L1 lemma "
    "of the chapter used as if it counted points (it bounds an integral, and says nothing "
    "about the values at the 2^k + 1 points); changes at breakpoints counted as extra "
    "(that is the bound for discontinuous g, 2p - 1 changes, and gives (2^k + 1 - 2p)/2) or "
    "ignored without using continuity.")

EXERCISES = [
    Exercise("ex-depth-product", "05_depth", "Non-zero weights of the product network", "easy",
             "product_nonzeros", ("non-zeros of the product network",), _guard(_depth_product),
             data=_product_data,
             forbid=("nntheory.depth.nonzero_parameters", "nntheory.depth.yarotsky_product",
                     "nntheory.depth.yarotsky_square", "nntheory.depth._parallel"),
             mistakes={_product_all_entries: "that counts every entry of the weight "
                                              "matrices, the zeros of the block-diagonal "
                                              "layers included",
                       _product_no_mixing: "three squaring networks side by side, but the "
                                           "first one reads u = (x + y)/2, and u is not "
                                           "an input"},
             max_tries=5,
             goal="count the non-zero parameters of a block-diagonal construction"),
    Exercise("ex-depth-layers", "05_depth", "Deep and shallow sizes for one accuracy",
             "medium", "layers_and_units", ("layers and units for eps",),
             _guard(_depth_layers), data=_layers_data,
             forbid=("nntheory.depth.yarotsky_error", "nntheory.depth.yarotsky_square",
                     "nntheory.separation.shallow_square_floor",
                     "nntheory.separation.shallow_square_best",
                     "nntheory.constructions.interpolation_bound",
                     "nntheory.constructions.relu_interpolant"),
             mistakes={_layers_interpolant: "your N is the size of one network, the "
                                            "interpolant; N asks for the bound that holds "
                                            "for every one-hidden-layer network",
                       _layers_unit_interval: "these are the sizes for x^2 on [0, 1]; the "
                                              "interval here is [0, R]"},
             max_tries=6,
             goal="compare deep and shallow sizes for one accuracy, with a lower bound"),
    Exercise("ex-depth-fold", "05_depth", "Pieces that multiply, values that are given", "hard",
             "fold_params", ("pieces multiply, given ends",), _guard(_depth_fold),
             data=_fold_data,
             forbid=("nntheory.depth.folding_net", "nntheory.depth.sawtooth",
                     "nntheory.depth._fold_layer", "nntheory.depth.relu_spline",
                     "nntheory.separation.sawtooth_series_net",
                     "nntheory.constructions.relu_interpolant"),
             goal="use composition to multiply linear pieces, under constraints",
             kind="construction", max_tries=12),
    Exercise("ex-depth-crossings", "05_depth", "Few pieces misclassify a sawtooth", "hard", "",
             (), None, kind="written",
             goal="prove a counting lower bound for classification by crossings",
             needs_human="the proof (the answer cell)",
             rubric=_CROSSINGS_RUBRIC),
]
