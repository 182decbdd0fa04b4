"""The exercises of chapters 6 and 7 (residual networks; approximation spaces):
registered in :mod:`nntheory.teaching.exercises`.

Each entry's check computes its expected value here, from the exercise's data for the
student's variant; nothing in this module is meant to be called from a notebook (the
checks forbid its private functions, like the registry's own).
"""

from __future__ import annotations

import numbers
from fractions import Fraction

import numpy as np

from .. import checks as _checks
from ..exercises import (
    Exercise,
    Verdict,
    _guard,
    _is_whole,
)

# ------------------------------------------------------------------ chapter 6


def _res_quadratic(answer) -> Verdict:
    from ... import polynomials as poly
    exact = poly.residual_square_coefficients([Fraction(1, 2), Fraction(1, 3), 2])[2]
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        try:
            answer = _checks._as_float(answer)
        except Exception:
            return False, "expected a single number (int, float or Fraction)"
    if isinstance(answer, numbers.Rational):
        ok = Fraction(int(answer.numerator), int(answer.denominator)) == exact
    else:
        ok = abs(float(answer) - float(exact)) <= 1e-9 * float(exact)
    return ok, ("right" if ok else "not correct")


def _res_project(answer) -> Verdict:
    from ... import polynomials as poly
    c = [float(v) for v in answer]
    if len(c) > 3 and any(abs(v) > 1e-12 for v in c[3:]):
        return False, "the projection has degree at most 2"
    c = (c + [0.0, 0.0, 0.0])[:3]
    expected = [float(v) for v in poly.l2_projection_exact([0, 0, 0, 0, 1], 2)]
    ok = bool(np.allclose(c, expected, rtol=1e-9, atol=1e-12))
    return ok, ("the residual x^4 - p is orthogonal to 1, x and x^2" if ok else
                "not correct: check that x^4 - p is orthogonal to 1, x and x^2")


def _res_inverse(answer) -> Verdict:
    from ... import polynomials as poly
    if len(answer) != 2:
        return False, "give two weights [w1, w2]"
    c = poly.residual_square_coefficients(list(answer))
    target = (0, 1, Fraction(5, 4), Fraction(1, 2), Fraction(1, 4))
    got = [float(v) for v in c]
    ok = len(got) == len(target) and bool(
        np.allclose(got, [float(v) for v in target], rtol=1e-12, atol=1e-12))
    return ok, ("F_2 has the required coefficients" if ok else "not correct")


# ------------------------------------------------------------------ chapter 7


def _space_fold(answer) -> Verdict:
    from ... import depth
    if len(answer) != 2 or not all(_is_whole(v) for v in answer):
        return False, "expected two whole numbers (variation, nonzeros)"
    net = depth.folding_net(3, 4)
    ok_v = answer[0] == depth.piecewise_linear(net, 0.0, 1.0).derivative_l1()
    ok_n = answer[1] == depth.nonzero_parameters(net)
    return ok_v and ok_n, "both right" if ok_v and ok_n else "not correct"


def _space_graded(answer) -> Verdict:
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        return False, "expected a single number"
    alpha = 1 / 3                                  # f = x^alpha; rate min(beta alpha, 2)
    ok = abs(float(answer) - 2 / alpha) < 1e-9
    return ok, ("the least power with rate 2" if ok else "not correct")


def _space_widths(answer) -> Verdict:
    from ... import depth
    from ... import numpy_core as npc
    if len(answer) != 2 or not _is_whole(answer[1]):
        return False, "expected (widths, count) with a whole number count"
    plain = depth.unroll_skip(npc.MLP([1, 3, 3, 5, 5, 1], "relu", skip=True, seed=0))
    try:
        ok_w = tuple(int(v) for v in answer[0]) == tuple(plain.sizes[1:-1]) and all(
            _is_whole(v) for v in answer[0])
    except (TypeError, ValueError):
        ok_w = False
    ok_n = int(answer[1]) == plain.n_parameters
    return ok_w and ok_n, "both right" if ok_w and ok_n else "not correct"


EXERCISES = [
    # chapter 6
    Exercise("ex-res-quadratic", "06_residual_polynomials", "The quadratic coefficient", "easy",
             "quadratic_coefficient", ("coefficient of x^2",), _guard(_res_quadratic),
             forbid=("nntheory.polynomials.residual_square_coefficients",
                     "nntheory.polynomials.residual_square_polynomial"),
             goal="read a coefficient off the residual expansion"),
    Exercise("ex-res-project", "06_residual_polynomials", "Project x⁴ by hand", "medium",
             "projection_x4", ("projection of x^4",), _guard(_res_project),
             forbid=("nntheory.polynomials.l2_projection_exact",
                     "nntheory.polynomials.l2_projection"),
             goal="compute an L2 projection onto polynomials"),
    Exercise("ex-res-inverse", "06_residual_polynomials", "Weights from coefficients", "hard",
             "inverse_weights", ("weights from coefficients",), _guard(_res_inverse),
             goal="invert the residual expansion",
             needs_human="the explanation why no weights give x + x^2 + x^3 + x^4"),
    # chapter 7
    Exercise("ex-space-fold", "07_approximation_spaces",
             "Variation and size of a folding network", "easy", "fold_answer",
             ("variation and non-zeros of folding_net(3, 4)",), _guard(_space_fold),
             forbid=("nntheory.depth.folding_net", "nntheory.depth.piecewise_linear",
                     "nntheory.depth.nonzero_parameters"),
             goal="compute the variation and the budget of a deep network"),
    Exercise("ex-space-graded", "07_approximation_spaces", "Graded knots for the cube root",
             "medium", "graded_beta", ("graded knots for the cube root",),
             _guard(_space_graded), max_tries=3,
             goal="choose graded knots to recover the optimal rate",
             needs_human="the comparison of the first cell with the others (the argument)"),
    Exercise("ex-space-widths", "07_approximation_spaces", "Unrolling with changing widths",
             "hard", "unrolled_answer", ("unrolling with changing widths",),
             _guard(_space_widths),
             # the parameter count, not the whole MLP class: the chapter's own helpers
             # (graded_interpolant) build MLPs, and its solutions call them
             forbid=("nntheory.depth.unroll_skip", "nntheory.common.n_parameters"),
             goal="count the cost of writing a residual network as a plain one"),
]
