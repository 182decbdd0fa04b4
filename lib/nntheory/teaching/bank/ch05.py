"""The exercises of chapter 5 (depth separation):
registered in :mod:`nntheory.teaching.exercises`.

Each entry's check computes its expected value here, from the exercise's data for the
student's variant; nothing in this module is meant to be called from a notebook (the
checks forbid its private functions, like the registry's own).

* ``ex-depth-product`` (medium): the non-zero weights and biases of a balanced tree of
  Yarotsky's product networks for the student's ``d`` numbers and ``m`` hidden layers per
  product, each level's output layer composed with the next level's first layer (no library
  function builds the tree).
* ``ex-depth-layers`` (medium): for the student's ``L`` hidden layers, interval ``[0, R]``
  and accuracy ``eps``, the least number of units and the least number of parameters that
  the piece count ``prod(w_l + 1)`` with whole widths, together with the ``1/(8 p^2)``
  floor for x^2 rescaled to ``[0, R]``, does not rule out. No chapter cell computes either
  (the chapter's real-width bound ``L((8 eps)^(-1/(2L)) - 1)`` rescaled is wrong for every
  variant; the fewest parameters need a search over the widths).
* ``ex-depth-fold`` (hard): a ``1 -> w1 -> w2 -> 1`` ReLU network with at least
  ``w1 * w2`` pieces on the student's interval and the student's values at its ends.
* ``ex-depth-crossings`` (hard, written): a proof that a continuous function with ``p``
  affine pieces misclassifies at least ``(2^k - p)/2`` points of the sawtooth labelling.
"""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import pairwise

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

_PRODUCT_0 = (4, 6)


def _product_data() -> tuple[int, int]:
    """``(d, m)``: a tree of product networks for ``d = 2^j`` numbers, each product with
    ``m`` hidden layers (variant 0: d = 4, m = 6)."""
    def draw(rng):
        while True:
            d = int(rng.choice([4, 8, 16, 32]))
            m = int(rng.integers(2, 17))
            if (d, m) != _PRODUCT_0 and _product_count(d, m) != _product_count(*_PRODUCT_0):
                return d, m
    return _variants.instance("ex-depth-product", lambda: _PRODUCT_0, draw)


def _product_count(d: int, m: int) -> int:
    """Non-zero parameters of the balanced tree of ``d - 1`` product networks
    ``yarotsky_product(m)``, each level's output layer composed with the next level's
    first layer. One product has 15 (first layer) + 24 per later hidden layer + 9
    (output, bias 0); a first layer composed with the outputs below (9 units each, bias 0)
    reads 18 units for each of its 3 units on u = (A + B)/2, 9 for each of the 3 on A and
    the 3 on B, and keeps its 3 biases: 111."""
    return (d - 1) * 24 * (m - 1) + 15 * (d // 2) + 111 * (d // 2 - 1) + 9


def _depth_product(answer) -> Verdict:
    if not _is_whole(answer):
        return False, "expected a whole number"
    ok = int(answer) == _product_count(*_product_data())
    return ok, ("the count of the composed tree" if ok else "not correct")


def _product_all_entries(answer) -> bool:
    d, m = _product_data()
    sizes = [d]
    width = d
    while width > 1:
        width //= 2
        sizes += [9 * width] * m
    sizes.append(1)
    dense = sum((a + 1) * b for a, b in pairwise(sizes))
    return _is_whole(answer) and int(answer) == dense


def _product_separate(answer) -> bool:
    d, m = _product_data()
    return _is_whole(answer) and int(answer) == (d - 1) * 24 * m


def _product_first_as_input(answer) -> bool:
    d, m = _product_data()
    return _is_whole(answer) and int(answer) == (d - 1) * (24 * (m - 1) + 15) + 9


# ------------------------------------------------------------------ ex-depth-layers


def _bound_pieces(R: float, eps: float) -> int:
    """The least ``p`` with ``R^2 / (8 p^2) <= eps``, in exact arithmetic (on the decimal
    numbers the data cell prints): a function with fewer than ``p`` affine pieces is
    farther than ``eps`` from x^2 somewhere on ``[0, R]`` (prop-shallow-square rescaled)."""
    e = Fraction(repr(float(eps)))
    r2 = Fraction(repr(float(R))) ** 2
    p = max(1, math.isqrt(int(r2 / (8 * e))))
    while r2 > 8 * e * p * p:
        p += 1
    while p > 1 and r2 <= 8 * e * (p - 1) ** 2:
        p -= 1
    return p


def _most_pieces(n: int, depth: int) -> int:
    """``max prod(w_l + 1)`` over ``depth`` whole widths ``w_l >= 1`` with sum ``n``: the
    balanced widths (if two differ by 2 or more, moving a unit from the wider to the
    narrower raises the product)."""
    q, r = divmod(n, depth)
    return (q + 2) ** r * (q + 1) ** (depth - r)


def _n_params(widths) -> int:
    """Weights and biases of ``1 -> w_1 -> ... -> w_L -> 1``."""
    return sum((a + 1) * b for a, b in pairwise([1, *widths, 1]))


def _least_params(p: int, depth: int) -> int:
    """The fewest weights and biases of a ``1 -> w_1 -> ... -> w_depth -> 1`` network
    (every ``w_l >= 1``) with ``prod(w_l + 1) >= p``: an exhaustive search over the first
    ``depth - 1`` widths (the last one is then the least that reaches ``p``). A branch
    stops once the parameters of its prefix, closed by an output unit, reach the best
    found: every completion costs at least that, and more for a wider prefix."""
    def search(prefix: list[int], best: int) -> int:
        if len(prefix) == depth - 1:
            last = max(1, -(-p // math.prod(v + 1 for v in prefix)) - 1)
            return min(best, _n_params([*prefix, last]))
        w = 1
        while _n_params([*prefix, w]) < best:
            best = search([*prefix, w], best)
            if math.prod(v + 1 for v in [*prefix, w]) >= p:
                break                       # wider only costs more from here
            w += 1
        return best

    return search([], _n_params([p - 1] + [1] * (depth - 1)))


def _layers_sizes(depth: int, R: float, eps: float) -> tuple[int, int]:
    """``(N, M)``: the least number of hidden units, and the least number of parameters,
    of a ReLU network with ``depth`` hidden layers that the piece count of
    thm-telgarsky-runnable part 1 (``prod(w_l + 1)`` pieces) together with
    prop-shallow-square on ``[0, R]`` does not rule out for sup error ``eps`` to x^2."""
    p = _bound_pieces(R, eps)
    n = depth
    while _most_pieces(n, depth) < p:
        n += 1
    return n, _least_params(p, depth)


def _amgm_units(depth: int, R: float, eps: float) -> int:
    """The least ``N`` with ``R^2 / (8 (N/L + 1)^(2L)) <= eps``: prop-fixed-depth part 1
    as printed (real widths ``N/L``), rescaled."""
    e = Fraction(repr(float(eps)))
    r2 = Fraction(repr(float(R))) ** 2
    n = depth
    while r2 > 8 * e * (Fraction(n, depth) + 1) ** (2 * depth):
        n += 1
    return n


def _near_a_threshold(R: float, eps: float) -> bool:
    """Whether ``R^2 / (8 p^2)`` is within a relative 1e-6 of ``eps`` for the two piece
    counts around the answer (then round-off in a float formula could move it)."""
    p = _bound_pieces(R, eps)
    return any(abs(R * R / (8.0 * q * q) - eps) <= 1e-6 * eps for q in (p - 1, p) if q > 0)


_LAYERS_0 = (3, 2.0, 1.5e-6)


def _layers_data() -> tuple[int, float, float]:
    """``(L, R, eps)``: hidden layers, the interval [0, R] and the accuracy (variant 0:
    three hidden layers, R = 2, eps = 1.5e-6). Every variant is one where the whole-width
    N differs from the real-width bound of prop-fixed-depth (about 1 in 30 of the grid
    drawn from, some 500 instances), so that the chapter's formula, rescaled, is wrong."""
    def draw(rng):
        site = _layers_sizes(*_LAYERS_0)
        while True:
            depth = int(rng.integers(2, 5))
            R = float(rng.choice([r for r in np.arange(0.5, 8.01, 0.5) if r != 1.0]))
            eps = float(f"{rng.choice(np.arange(10, 100)) / 10:.1f}e-{rng.integers(4, 9)}")
            p = _bound_pieces(R, eps)
            if not 40 <= p <= (5000 if depth < 4 else 2000) or _near_a_threshold(R, eps):
                continue
            n = depth
            while _most_pieces(n, depth) < p:
                n += 1
            if n == _amgm_units(depth, R, eps) or (depth, R, eps) == _LAYERS_0:
                continue
            sizes = _layers_sizes(depth, R, eps)
            if sizes != site and sizes != _layers_sizes(depth, 1.0, eps):
                return depth, R, eps
    return _variants.instance("ex-depth-layers", lambda: _LAYERS_0, draw)


def _pair(answer) -> tuple[int, int] | None:
    if not isinstance(answer, (list, tuple, np.ndarray)) or len(answer) != 2:
        return None
    if not all(_is_whole(v) and v >= 1 for v in answer):
        return None
    return int(answer[0]), int(answer[1])


def _depth_layers(answer) -> Verdict:
    pair = _pair(answer)
    if pair is None:
        return False, "expected two whole numbers (N, M), both at least 1"
    ok = pair == _layers_sizes(*_layers_data())
    return ok, "both are the least sizes the argument allows" if ok else "not correct"


def _layers_swapped(answer) -> bool:
    pair = _pair(answer)
    return pair is not None and pair[::-1] == _layers_sizes(*_layers_data())


# ------------------------------------------------------------------ ex-depth-fold

#: (w1, w2) pairs of the keyed variants: w1 odd and w1 * w2 > w1 + w2 + 1 (more than one
#: hidden layer of w1 + w2 units can have), large enough that search does not find the
#: pieces. Random draws (40,000 per pair) never reached w1 * w2 even for (3, 5); but the
#: lazy-student probe's hill climbing on depth.count_pieces (random restarts, Gaussian steps
#: kept when the count does not drop) found 15 pieces for (3, 5) within seconds and 18 for
#: (3, 6) in 2 of 3 runs, while it stayed at 15/20 for (5, 4) and 12/21 for (7, 3) in 120 s.
#: The same climber, 60 s per run, reached 20 of 30 for (5, 6) in both runs. So the keyed
#: variants use w1 * w2 >= 30; variant 0, the site's (3, 5), has its solution printed anyway.
_FOLD_WIDTHS = ((5, 6), (5, 7), (7, 5), (7, 6))


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
    Exercise("ex-depth-product", "05_depth", "Non-zero weights of a tree of products",
             "medium",
             "product_nonzeros", ("non-zeros of the product network",), _guard(_depth_product),
             data=_product_data,
             forbid=("nntheory.depth.nonzero_parameters", "nntheory.depth.yarotsky_product",
                     "nntheory.depth.yarotsky_square", "nntheory.depth.square_base",
                     "nntheory.depth._parallel"),
             mistakes={_product_all_entries: "that counts every entry of the weight "
                                              "matrices, the zeros of the block-diagonal "
                                              "layers included",
                       _product_separate: "that counts d - 1 product networks, each with its "
                                          "own output layer; in the tree an output layer and "
                                          "the next first layer are one composed layer",
                       _product_first_as_input: "a composed first layer does not read two "
                                                "numbers: it reads the units below"},
             max_tries=5,
             goal="count the non-zero parameters of a composed block-diagonal construction"),
    Exercise("ex-depth-layers", "05_depth", "What a fixed depth needs, counted exactly",
             "medium", "layers_and_units", ("layers and units for eps",),
             _guard(_depth_layers), data=_layers_data,
             forbid=("nntheory.separation.pieces_bound_widths",
                     "nntheory.separation.random_relu_widths",
                     "nntheory.separation.shallow_square_floor",
                     "nntheory.separation.shallow_square_best",
                     "nntheory.depth.pieces_upper_bound", "nntheory.depth.square_base",
                     "nntheory.depth.yarotsky_error", "nntheory.depth.yarotsky_square",
                     "nntheory.common.n_parameters"),
             mistakes={_layers_swapped: "the order asked for is (units, parameters)"},
             max_tries=6,
             goal="turn a piece-count lower bound into exact sizes at a fixed depth"),
    Exercise("ex-depth-fold", "05_depth", "Pieces that multiply, values that are given", "hard",
             "fold_params", ("pieces multiply, given ends",), _guard(_depth_fold),
             data=_fold_data,
             forbid=("nntheory.depth.folding_net", "nntheory.depth.sawtooth",
                     "nntheory.depth._fold_layer", "nntheory.depth.relu_spline",
                     "nntheory.depth.square_base",
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
