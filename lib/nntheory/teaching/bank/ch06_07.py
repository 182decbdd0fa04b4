"""The exercises of chapters 6 and 7 (residual networks; approximation spaces):
registered in :mod:`nntheory.teaching.exercises`.

Each entry's check computes its expected value here, from the exercise's data for the
student's variant; nothing in this module is meant to be called from a notebook (the
checks forbid its private functions, like the registry's own).

Every exercise whose answer is a number or depends on data draws its data from
:func:`nntheory.teaching.variants.variant_rng` (variant 0, without a student key, is
the instance the chapter prints on the site).
"""

from __future__ import annotations

import numbers
from fractions import Fraction

import numpy as np

from .. import checks as _checks
from .. import variants as _variants
from ..exercises import (
    Exercise,
    Verdict,
    _guard,
    _is_whole,
)

# ------------------------------------------------------------------ chapter 6

#: What expands F_n or a polynomial for the student: the chapter's own expansion and
#: network-to-polynomial functions, NumPy's polynomial arithmetic, computer algebra.
_EXPANDERS = (
    "nntheory.polynomials.residual_square_coefficients",
    "nntheory.polynomials.residual_square_polynomial",
    "nntheory.polynomials.residual_square_network",
    "nntheory.polynomials.mlp_polynomial",
    "numpy.polynomial", "numpy.polynomial.Polynomial", "numpy.polymul", "numpy.poly1d",
    "numpy.polyfit", "numpy.vander", "numpy.linalg.inv", "numpy.linalg.lstsq",
    "scipy.interpolate",
    "nntheory.polynomials._mul", "nntheory.polynomials._add", "nntheory.polynomials._scale",
    "sympy.symbols", "sympy.Symbol", "sympy.var", "sympy.expand", "sympy.Poly",
    "sympy.series", "sympy.solve", "sympy.nsolve", "sympy.solve_poly_system",
    "torch.autograd", "torch.func",
)


def _exact(value) -> Fraction | None:
    """``value`` as a Fraction when it is an exact rational (int, Fraction); else None."""
    if isinstance(value, bool) or not isinstance(value, numbers.Rational):
        return None
    return Fraction(int(value.numerator), int(value.denominator))


def _same_number(answer, target: Fraction) -> bool:
    """An exact answer must equal ``target``; a float must agree to 1e-9 (relative)."""
    exact = _exact(answer)
    if exact is not None:
        return exact == target
    value = _checks._as_float(answer)
    return bool(np.isfinite(value)) and abs(value - float(target)) <= 1e-9 * max(
        1.0, abs(float(target)))


def _as_number(answer):
    if isinstance(answer, bool) or (not isinstance(answer, numbers.Real)
                                    and np.ndim(answer) != 0):
        raise TypeError("expected a single number (int, float or Fraction)")
    return answer if isinstance(answer, numbers.Real) else _checks._as_float(answer)


def _rational_weight(rng, numerators, denominators) -> Fraction:
    sign = int(rng.choice([-1, 1]))
    return Fraction(sign * int(rng.choice(numerators)), int(rng.choice(denominators)))


def _res_cubic_data() -> tuple[Fraction, ...]:
    """The weights (w_1, w_2, w_3) of F_3."""
    def draw(rng):
        while True:
            w = tuple(_rational_weight(rng, (1, 2, 3, 4), (1, 2, 3, 4)) for _ in range(3))
            squares = [v * v for v in w]
            if len(set(squares)) == 3:           # the mistakes below tell different numbers
                return w
    return _variants.instance("ex-res-cubic",
                              lambda: (Fraction(1, 2), Fraction(1, 3), Fraction(2)), draw)


def _res_cubic_expected(w) -> Fraction:
    from ... import polynomials as poly
    return poly.residual_square_coefficients(list(w))[3]


def _res_cubic(answer) -> Verdict:
    answer = _as_number(answer)
    ok = _same_number(answer, _res_cubic_expected(_res_cubic_data()))
    return ok, ("right" if ok else "not correct")


def _cubic_mistake(kind: str):
    """A recognised wrong c_3 for the current variant's weights."""
    def hit(answer) -> bool:
        s = [v * v for v in _res_cubic_data()]
        pairs = sum(s[j] * s[k] for j in range(3) for k in range(j + 1, 3))
        wrong = {"square": sum(s) ** 2, "half": pairs}[kind]
        return _same_number(_as_number(answer), wrong)
    return hit


def _res_project_data() -> tuple[int, ...]:
    """Monomial coefficients (lowest first) of q = c x^3 + b x^4 + a x^5."""
    def draw(rng):
        while True:
            a, b, c = (int(v) for v in rng.integers(-3, 4, size=3))
            if b != 0 and (a, c) != (0, 0) and (a, b, c) != (1, 1, 0):
                return (0, 0, 0, c, b, a)
    return _variants.instance("ex-res-project", lambda: (0, 0, 0, 0, 1, 1), draw)


def _res_project(answer) -> Verdict:
    from ... import polynomials as poly
    if isinstance(answer, (str, bytes)) or not hasattr(answer, "__len__"):
        return False, "expected a list [c0, c1, c2] of three numbers"
    values = list(answer)
    if len(values) < 3:
        return False, "expected a list [c0, c1, c2] of three numbers"
    if any(_checks._as_float(v) != 0 for v in values[3:]):
        return False, "the approximation asked for has degree at most 2"
    expected = poly.l2_projection_exact(list(_res_project_data()), 2)
    expected = (tuple(expected) + (Fraction(0),) * 3)[:3]
    ok = all(_same_number(_as_number(v), e) for v, e in zip(values[:3], expected,
                                                             strict=True))
    return ok, ("q minus your polynomial is orthogonal to 1, x and x^2" if ok
                else "not correct")


def _is_truncation(answer) -> bool:
    """[0, 0, 0]: q's terms of degree > 2 simply dropped."""
    return len(answer) >= 3 and all(_checks._as_float(v) == 0 for v in answer)


def _res_inverse_data() -> tuple[Fraction, ...]:
    """The coefficients (c_0, ..., c_8) of an F_3; the weights are not part of the data."""
    from ... import polynomials as poly

    def draw(rng):
        while True:
            w = [_rational_weight(rng, (1, 2, 3), (1, 2, 3)) for _ in range(3)]
            squares = [v * v for v in w]
            if len(set(squares)) == 3 and squares != [1, Fraction(1, 4), 4]:
                return tuple(poly.residual_square_coefficients(w))
    return _variants.instance(
        "ex-res-inverse",
        lambda: tuple(poly.residual_square_coefficients([1, Fraction(1, 2), 2])), draw)


def _expand_answer(answer) -> tuple:
    """The coefficients of F_3 for the answer's weights: exact Fractions for exact
    weights, floats when a weight is a float (compared to 1e-9 then)."""
    from ... import polynomials as poly
    if isinstance(answer, (str, bytes)) or not hasattr(answer, "__len__") or len(answer) != 3:
        raise TypeError("give three weights [w1, w2, w3]")
    ws = [_as_number(v) for v in answer]
    exact = all(_exact(v) is not None for v in ws)
    coefficients = poly.residual_square_coefficients(
        [_exact(v) if exact else float(v) for v in ws])
    return coefficients if exact else tuple(float(c) for c in coefficients)


def _coefficients_match(got, target) -> bool:
    return len(got) == len(target) and all(_same_number(g, t) for g, t in
                                           zip(got, target, strict=True))


def _res_inverse(answer) -> Verdict:
    ok = _coefficients_match(_expand_answer(answer), _res_inverse_data())
    return ok, ("F_3 has the printed coefficients" if ok else "not correct")


def _inverse_reversed(answer) -> bool:
    return _coefficients_match(_expand_answer(list(answer)[::-1]), _res_inverse_data())


# ------------------------------------------------------------------ chapter 7


def _space_fold_data() -> tuple[int, int]:
    """(m, L): the m-fold tent composed L times, depth.folding_net(m, L)."""
    def draw(rng):
        while True:
            m, L = int(rng.integers(3, 7)), int(rng.integers(3, 7))
            if (m, L) != (3, 4):
                return m, L
    return _variants.instance("ex-space-fold", lambda: (3, 4), draw)


def _fold_pair(answer) -> tuple[int, int]:
    if isinstance(answer, (str, bytes)) or not hasattr(answer, "__len__") or \
            len(answer) != 2 or not all(_is_whole(v) for v in answer):
        raise TypeError("expected two whole numbers (variation, nonzeros)")
    return int(answer[0]), int(answer[1])


def _space_fold(answer) -> Verdict:
    from ... import depth
    try:
        variation, nonzeros = _fold_pair(answer)
    except TypeError as exc:
        return False, str(exc)
    net = depth.folding_net(*_space_fold_data())
    ok = (variation == depth.piecewise_linear(net, 0.0, 1.0).derivative_l1()
          and nonzeros == depth.nonzero_parameters(net))
    return ok, "both right" if ok else "not correct"


def _fold_counted_all(answer) -> bool:
    from ... import depth
    variation, count = _fold_pair(answer)
    net = depth.folding_net(*_space_fold_data())
    return count == net.n_parameters and count != depth.nonzero_parameters(net)


#: gamma = p/q for f(x) = x^gamma, q <= 8 (not 1/2: the chapter's sqrt uses the power 4);
#: the first is variant 0
_GAMMAS = (Fraction(1, 3), *sorted({Fraction(p, q) for q in range(3, 9) for p in range(1, q)}
                                   - {Fraction(1, 2), Fraction(1, 3)}))


def _space_graded_data() -> Fraction:
    def draw(rng):
        return _GAMMAS[int(rng.integers(1, len(_GAMMAS)))]
    return _variants.instance("ex-space-graded", lambda: _GAMMAS[0], draw)


def _space_graded(answer) -> Verdict:
    answer = _as_number(answer)
    ok = _same_number(answer, 2 / _space_graded_data())
    return ok, ("the least power with rate 2" if ok else "not correct")


def _graded_inverted(answer) -> bool:
    """2 gamma instead of 2 / gamma (or gamma / 2)."""
    g = _space_graded_data()
    value = _as_number(answer)
    return _same_number(value, 2 * g) or _same_number(value, g / 2)


_WIDTH_CHOICES = (2, 3, 4, 5)


def _space_widths_data() -> tuple[int, ...]:
    """The hidden widths of the residual network MLP([1, *widths, 1], "relu", skip=True)."""
    def draw(rng):
        while True:
            n = int(rng.integers(4, 6))
            widths = tuple(int(v) for v in rng.choice(_WIDTH_CHOICES, size=n))
            skips = [widths[i] == widths[i - 1] for i in range(1, n)]
            after = [i for i in range(2, n) if skips[i - 2] and not skips[i - 1]]
            if sum(skips) >= 2 and after and widths != (3, 3, 5, 5):
                return widths
    return _variants.instance("ex-space-widths", lambda: (3, 3, 5, 5), draw)


def _unrolled(widths):
    from ... import depth
    from ... import numpy_core as npc
    return depth.unroll_skip(npc.MLP([1, *widths, 1], "relu", skip=True, seed=0))


def _widths_pair(answer):
    if isinstance(answer, (str, bytes)) or not hasattr(answer, "__len__") or \
            len(answer) != 2 or not _is_whole(answer[1]):
        raise TypeError("expected (widths, count) with a whole number count")
    widths = answer[0]
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__len__") or \
            not all(_is_whole(v) for v in widths):
        raise TypeError("expected (widths, count) with widths a tuple of whole numbers")
    return tuple(int(v) for v in widths), int(answer[1])


def _space_widths(answer) -> Verdict:
    try:
        widths, count = _widths_pair(answer)
    except TypeError as exc:
        return False, str(exc)
    plain = _unrolled(_space_widths_data())
    ok = widths == tuple(plain.sizes[1:-1]) and count == plain.n_parameters
    return ok, "both right" if ok else "not correct"


def _widths_all_doubled(answer) -> bool:
    widths, _ = _widths_pair(answer)
    return widths == tuple(2 * w for w in _space_widths_data())


def _widths_count_one_half(answer) -> bool:
    """The right widths, but each layer counted as reading only the width of the
    residual network's layer before it (one half)."""
    widths, count = _widths_pair(answer)
    data = _space_widths_data()
    plain = _unrolled(data)
    if widths != tuple(plain.sizes[1:-1]) or count == plain.n_parameters:
        return False
    sizes = [1, *widths, 1]
    original = [1, *data, 1]
    return count == sum((original[i] + 1) * sizes[i + 1] for i in range(len(sizes) - 1))


_RUBRIC_RES = (
    "4 points in all. 1 point: c_3 of F_n computed correctly by induction on n from "
    "F_n = F_{n-1} + w_n^2 F_{n-1}^2 (the x^3 coefficient of F_{n-1}^2 is 2 c_2(F_{n-1})), "
    "giving c_3 = 2 sum_{j<k} w_j^2 w_k^2 = c_2^2 - sum_k w_k^4; an answer that checks "
    "n = 2 or n = 3 only gets no point here. 1 point: sum_k w_k^4 >= c_2^2 / n by "
    "Cauchy-Schwarz (or the power-mean inequality), hence c_3 <= (1 - 1/n) c_2^2. "
    "1 point: equality exactly when all |w_k| are equal (the equality case of "
    "Cauchy-Schwarz), and strict inequality c_3 < c_2^2 whenever some weight is non-zero. "
    "1 point: the conclusion: a polynomial with c_2 = c_3 > 0 (such as "
    "x + x^2 + x^3 + x^4, for every depth n) is no F_n; zero weights are allowed "
    "and must be covered (they only remove layers, or c_2 = 0 forces all weights 0 and "
    "F_n = x). Usual wrong proofs: arguing from the degree alone (degree 4 does not force "
    "n = 2 when weights may vanish, and says nothing about c_3); treating only n = 2 "
    "(AM-GM on two weights) and claiming the general case 'similarly'; using "
    "c_3 = sum w_k^2 (confusing c_3 with c_2); dividing by a weight that may be zero.")

_RUBRIC_GRADED = (
    "4 points in all, for f(x) = x^gamma, 0 < gamma < 1, and the interpolant on the knots "
    "x_i = (i/N)^beta. 1 point: the first cell [0, N^-beta]: the error of the chord of "
    "x^gamma on [0, h] is exactly c_gamma h^gamma with c_gamma = (1 - gamma) "
    "gamma^(gamma/(1 - gamma)) > 0 (or at least a correct bound of this order from above and "
    "below), so the sup error is >= c_gamma N^(-beta gamma). 1 point: the other cells: the "
    "error on [x_{i-1}, x_i] is at most h_i^2 max|f''| / 8 with max|f''| at x_{i-1}, "
    "h_i <= beta (i/N)^(beta - 1) / N by the mean value theorem, and x_{i-1} >= x_i / 2^beta "
    "for i >= 2, giving a bound C N^-2 (i/N)^(beta gamma - 2). 1 point: for beta = 2/gamma the "
    "factor (i/N)^(beta gamma - 2) is 1, so the sup error is O(N^-2) (first cell included), "
    "and for beta < 2/gamma the first cell alone gives error >= c N^(-beta gamma), not "
    "O(N^-2): the least beta is 2/gamma. 1 point: constants stated or tracked and the "
    "bound uniform in i (not only for i of order N). Usual wrong proofs: using the bound "
    "h^2 max|f''|/8 on the first cell (f'' is unbounded there); estimating only the last "
    "cell; showing the fitted rate of an experiment instead of a bound; concluding "
    "'least' from the upper bound without the lower bound on the first cell.")


EXERCISES = [
    # chapter 6
    Exercise("ex-res-cubic", "06_residual_polynomials", "The cubic coefficient", "easy",
             "cubic_coefficient", ("coefficient of x^3",), _guard(_res_cubic),
             data=_res_cubic_data, forbid=_EXPANDERS,
             mistakes={_cubic_mistake("square"): "(w_1^2 + w_2^2 + w_3^2)^2 also counts the "
                                                 "products of a weight with itself",
                       _cubic_mistake("half"): "each product w_j^2 w_k^2 (j < k) appears "
                                               "twice in the x^3 term of a square"},
             goal="derive a coefficient of the residual expansion"),
    Exercise("ex-res-project", "06_residual_polynomials", "Project a quintic by hand", "medium",
             "projection", ("projection onto degree 2",), _guard(_res_project),
             data=_res_project_data,
             forbid=("nntheory.polynomials.l2_projection_exact",
                     "nntheory.polynomials.l2_projection",
                     "nntheory.polynomials.gram_schmidt_legendre",
                     "nntheory.polynomials.monomial_inner", "nntheory.polynomials._inner",
                     "nntheory.polynomials._gram_schmidt", "numpy.polynomial",
                     "numpy.polynomial.Polynomial", "numpy.polynomial.Legendre",
                     "numpy.polyfit", "numpy.linalg.lstsq", "scipy.linalg.lstsq",
                     "scipy.optimize", "sympy.symbols", "sympy.Symbol", "sympy.integrate",
                     "sympy.solve", "sympy.linsolve"),
             mistakes={_is_truncation: "dropping the terms of degree above 2 is truncation, "
                                       "not the best L2 approximation"},
             goal="compute an L2 projection onto polynomials"),
    Exercise("ex-res-inverse", "06_residual_polynomials", "Weights from coefficients", "hard",
             "inverse_weights", ("weights from coefficients",), _guard(_res_inverse),
             data=_res_inverse_data, forbid=(*_EXPANDERS, "scipy.optimize", "torch.optim"),
             mistakes={_inverse_reversed: "the layers are in the wrong order"},
             goal="invert the residual expansion"),
    Exercise("ex-res-prove", "06_residual_polynomials", "No residual square network has "
             "c₃ = c₂²", "medium", "", (), None, kind="written", rubric=_RUBRIC_RES,
             goal="prove an inequality between coefficients of the residual expansion",
             needs_human="the proof (the answer cell)"),
    # chapter 7
    Exercise("ex-space-fold", "07_approximation_spaces",
             "Variation and size of a folding network", "easy", "fold_answer",
             ("variation and non-zeros of a folding network",), _guard(_space_fold),
             data=_space_fold_data,
             forbid=("nntheory.depth.folding_net", "nntheory.depth.piecewise_linear",
                     "nntheory.depth.nonzero_parameters", "nntheory.depth.count_pieces",
                     "nntheory.depth.sawtooth", "nntheory.depth._fold_layer"),
             mistakes={_fold_counted_all: "the count asked for is of the non-zero weights "
                                          "and biases, not of all entries"},
             goal="compute the variation and the budget of a deep network"),
    Exercise("ex-space-graded", "07_approximation_spaces", "Graded knots for a power",
             "medium", "graded_beta", ("graded knots for a power",),
             _guard(_space_graded), data=_space_graded_data, max_tries=3,
             forbid=("nntheory.separation.equidistributed_knots",),
             mistakes={_graded_inverted: "check how the error on the first cell, of length "
                                         "N^(-beta), depends on beta and gamma"},
             goal="choose graded knots to recover the optimal rate"),
    Exercise("ex-space-graded-proof", "07_approximation_spaces",
             "Why the power 2/γ is the least", "hard", "", (), None, kind="written",
             rubric=_RUBRIC_GRADED,
             goal="prove the rate of the interpolant on graded knots, both directions",
             needs_human="the proof (the answer cell)"),
    Exercise("ex-space-widths", "07_approximation_spaces", "Unrolling with changing widths",
             "hard", "unrolled_answer", ("unrolling with changing widths",),
             _guard(_space_widths), data=_space_widths_data,
             # the parameter count, not the whole MLP class: the chapter's own helpers
             # (graded_interpolant) build MLPs, and its solutions call them
             forbid=("nntheory.depth.unroll_skip", "nntheory.common.n_parameters"),
             mistakes={_widths_all_doubled: "only the layers with a skip connection need "
                                            "carrying units",
                       _widths_count_one_half: "a layer after a doubled layer reads both "
                                               "of its halves"},
             goal="count the cost of writing a residual network as a plain one"),
]
