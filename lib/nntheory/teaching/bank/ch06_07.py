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
from .. import forbid as _forbid
from .. import variants as _variants
from ..exercises import (
    Exercise,
    HiddenCase,
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
    # mpmath's Taylor coefficients of a function that runs the recursion numerically
    "mpmath.taylor", "mpmath.calculus.differentiation",
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


def _residual_coefficients(weights) -> list[Fraction]:
    """The coefficients of F_n (lowest first), padded with zeros to degree 8 at least."""
    from ... import polynomials as poly
    c = list(poly.residual_square_coefficients([Fraction(w) for w in weights]))
    return c + [Fraction(0)] * max(0, 9 - len(c))


def _call(fn, *args):
    """``fn(*args)``, or a message saying why the answer is not a usable function."""
    if not callable(fn):
        return "the answer is not a function"
    try:
        return fn(*args)
    except _forbid.ForbiddenError:
        raise
    except Exception as exc:
        return f"the function raised {type(exc).__name__} on one of the cases"


# --- ex-res-quartic: a function w -> c_4(F_n), for any depth n (the library has no such
# function; its expansions are disabled while the student's function runs)


def _res_quartic_data() -> tuple[Fraction, ...]:
    """Four weights (w_1, ..., w_4) of F_4, the visible case."""
    def draw(rng):
        return tuple(_rational_weight(rng, range(1, 6), range(1, 6)) for _ in range(4))
    return _variants.instance("ex-res-quartic", lambda: (Fraction(1, 2), Fraction(1, 3),
                                                          Fraction(2), Fraction(-1)), draw)


def _quartic_recursion(weights, kind: str = "right") -> Fraction:
    """c_4 of F_n by the three running coefficients; ``kind`` names a recognised wrong
    recursion ("no square": the a_2^2 term left out; "new": updated in place, a_3 and
    a_4 computed from the new a_2 and a_3)."""
    a2 = a3 = a4 = Fraction(0)
    for w in weights:
        s = Fraction(w) ** 2
        if kind == "new":
            a2 = a2 + s
            a3 = a3 + 2 * s * a2
            a4 = a4 + s * (2 * a3 + a2 * a2)
        else:
            square = 0 if kind == "no square" else a2 * a2
            a2, a3, a4 = a2 + s, a3 + 2 * s * a2, a4 + s * (2 * a3 + square)
    return a4


#: the hidden depths (fourth referee report, finding 3): F_n has degree 2^n, so at depth 30
#: and more no expansion of the whole polynomial (np.convolve on the coefficients, say)
#: can finish (the grader stops a hidden case after grade.HIDDEN_CASE_S seconds), while
#: the recursion on the three low coefficients takes microseconds
_QUARTIC_DEPTHS = (30, 61)
def _quartic_cases(hidden: bool):
    def cases():
        if not hidden:
            return [_res_quartic_data()]
        rng = np.random.default_rng()
        out = [(), (Fraction(3, 2),), (2, -1, 3)]           # F_0, F_1, integer weights
        for _ in range(24):
            n = int(rng.integers(*_QUARTIC_DEPTHS))
            out.append(tuple(Fraction(int(rng.integers(-9, 10)), int(rng.integers(1, 10)))
                             for _ in range(n)))
        return out

    def run(fn) -> Verdict:
        for w in cases():
            got = _call(fn, list(w))
            if isinstance(got, str):
                return False, got
            expected = _quartic_recursion(w)
            if not _same_number(_as_number(got), expected):
                return False, "not correct" if not hidden else \
                    "not the coefficient of x^4 for some weights"
        return True, "right for every depth tried" if hidden else "right"
    return _guard(run)


def _quartic_mistake(kind: str):
    def hit(fn) -> bool:
        w = list(_res_quartic_data())
        got = fn(list(w))
        return _same_number(_as_number(got), _quartic_recursion(w, kind))
    return hit


# --- ex-res-project: the best L2[0, 1] approximation by a x + b x^2 (no constant term);
# the library projects on [-1, 1] onto all polynomials of a degree


def _res_project_data() -> tuple[int, ...]:
    """Monomial coefficients (q_0, ..., q_5) of q, lowest first."""
    def draw(rng):
        while True:
            q = tuple(int(v) for v in rng.integers(-3, 4, size=6))
            if q[5] != 0 and (q[0], q[3], q[4]) != (0, 0, 0) and \
                    len({tuple(v) for v in _project_candidates(q).values()}) == 4:
                return q
    return _variants.instance("ex-res-project", lambda: (0, 0, 0, 0, 1, 1), draw)


def _project01(q) -> tuple[Fraction, Fraction]:
    """(a, b) minimising the L2[0, 1] norm of q - a x - b x^2: the normal equations
    [[1/3, 1/4], [1/4, 1/5]] (a, b) = (<q, x>, <q, x^2>), determinant 1/240."""
    r1 = sum(Fraction(qk, k + 2) for k, qk in enumerate(q))
    r2 = sum(Fraction(qk, k + 3) for k, qk in enumerate(q))
    return 240 * (r1 / 5 - r2 / 4), 240 * (r2 / 3 - r1 / 4)


def _project_candidates(q) -> dict[str, tuple[Fraction, Fraction]]:
    """The right pair and three recognised wrong ones."""
    from ... import polynomials as poly
    sym = (*poly.l2_projection_exact(list(q), 2), Fraction(0), Fraction(0))[:3]
    # onto 1, x, x^2 in L2[0, 1] (Hilbert matrix), then the constant dropped
    h = [[Fraction(1, i + j + 1) for j in range(3)] for i in range(3)]
    rhs = [sum(Fraction(qk, k + i + 1) for k, qk in enumerate(q)) for i in range(3)]
    full = _solve3(h, rhs)
    return {"right": _project01(q), "truncated": (Fraction(q[1]), Fraction(q[2])),
            "symmetric": (sym[1], sym[2]), "dropped": (full[1], full[2])}


def _solve3(m, rhs) -> list[Fraction]:
    """Cramer's rule for a 3 x 3 system of Fractions."""
    def det(a):
        return (a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1])
                - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
                + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]))
    d = det(m)
    out = []
    for col in range(3):
        a = [row[:] for row in m]
        for i in range(3):
            a[i][col] = rhs[i]
        out.append(det(a) / d)
    return out


def _pair(answer) -> list:
    if isinstance(answer, (str, bytes)) or not hasattr(answer, "__len__") or len(answer) != 2:
        raise TypeError("expected a list [a, b] of two numbers")
    return [_as_number(v) for v in answer]


#: why floats are refused (fourth referee report, finding 2): a float pair to nine digits
#: came out of a least-squares fit on a fine grid (``pinv`` of the sampled monomials,
#: midpoint quadrature) with no inner product computed; the exact pair needs them
_PROJECT_INEXACT = ("give a and b exactly, as Fractions or ints, not floats: q has integer "
                    "coefficients, so the projection is rational, and a float can come from a "
                    "fit on sample points instead of the inner products")


def _exact_pair(answer) -> list[Fraction] | None:
    """The answer's two entries as Fractions; None when one of them is not exact."""
    values = [_exact(v) for v in _pair(answer)]
    return None if any(v is None for v in values) else values


def _res_project(answer) -> Verdict:
    values = _exact_pair(answer)
    if values is None:
        return False, _PROJECT_INEXACT
    ok = tuple(values) == _project01(_res_project_data())
    return ok, ("q - a x - b x^2 is orthogonal to x and x^2 in L2[0, 1]" if ok
                else "not correct")


def _project_mistake(kind: str):
    """A recognised wrong pair, given exactly (a float answer gets the float message)."""
    def hit(answer) -> bool:
        values = _exact_pair(answer)
        return values is not None and \
            tuple(values) == _project_candidates(_res_project_data())[kind]
    return hit


# --- ex-res-inverse: a function c -> (w_1, w_2, w_3) for every F_3 (hidden cases with
# weights +-a/b, a, b <= 999: a search over pairs of squares, with s_3 from c_2 = s_1 + s_2 + s_3,
# would have about 3.7e11 pairs per network)


def _inverse_weights_draw(rng, top: int = 12) -> list[Fraction]:
    return [_rational_weight(rng, range(1, top + 1), range(1, top + 1)) for _ in range(3)]


def _res_inverse_data() -> tuple[Fraction, ...]:
    """The coefficients (c_0, ..., c_8) of an F_3; the weights are not part of the data."""
    def draw(rng):
        while True:
            w = _inverse_weights_draw(rng)
            if len({v * v for v in w}) == 3:
                return tuple(_residual_coefficients(w))
    return _variants.instance(
        "ex-res-inverse",
        lambda: tuple(_residual_coefficients([1, Fraction(1, 2), 2])), draw)


#: why floats are refused: the hidden weights run from 1/999 to 999, and a correct
#: algorithm done in floats loses the small s_2, s_3 in c_2 - s_1 (about one network in
#: sixty with weights up to 999, so a quarter of the hidden runs of eighteen)
_INEXACT = ("return exact weights (int or Fraction), not floats: the coefficients are exact, "
            "and in floating point c_2 - s_1 loses the small squared weights when s_1 is large")


def _expand_answer(answer) -> tuple | None:
    """The coefficients of F_3 for the answer's weights, exactly; None when a weight is not
    an exact rational (int, Fraction): floats are refused (see ``_INEXACT``)."""
    if isinstance(answer, (str, bytes)) or not hasattr(answer, "__len__") or len(answer) != 3:
        raise TypeError("the function must return three weights [w1, w2, w3]")
    ws = [_exact(_as_number(v)) for v in answer]
    if any(w is None for w in ws):
        return None
    return tuple(_residual_coefficients(ws))


def _coefficients_match(got, target) -> bool:
    return len(got) == len(target) and all(_same_number(g, t) for g, t in
                                           zip(got, target, strict=True))


def _inverse_cases(hidden: bool):
    def cases():
        if not hidden:
            return [_res_inverse_data()]
        rng = np.random.default_rng()
        out = [tuple(_residual_coefficients([2, 2, Fraction(1, 3)])),   # s_1 = s_2
               tuple(_residual_coefficients([Fraction(5, 7), 3, 3]))]   # s_2 = s_3
        out += [tuple(_residual_coefficients(_inverse_weights_draw(rng, 999)))
                for _ in range(18)]
        return out

    def run(fn) -> Verdict:
        for c in cases():
            got = _call(fn, list(c))
            if isinstance(got, str):
                return False, got
            expanded = _expand_answer(got)
            if expanded is None:
                return False, _INEXACT
            if not _coefficients_match(expanded, c):
                return False, ("not correct" if not hidden else
                               "F_3 with the returned weights misses some coefficients")
        return True, ("F_3 has the given coefficients" if not hidden
                      else "right on every network tried")
    return _guard(run)


def _inverse_reversed(fn) -> bool:
    c = _res_inverse_data()
    got = list(fn(list(c)))
    expanded = _expand_answer(got[::-1])
    return expanded is not None and _coefficients_match(expanded, c)


# ------------------------------------------------------------------ chapter 7


# --- ex-space-fold: folds of different widths m_1, ..., m_L composed (folding_net has
# one width; nothing in the library composes different ones)


def _space_fold_data() -> tuple[int, ...]:
    """(m_1, ..., m_L): the widths of the folds, applied in this order."""
    def draw(rng):
        while True:
            folds = tuple(int(v) for v in rng.integers(2, 7, size=int(rng.integers(3, 6))))
            if len(set(folds)) >= 2 and folds != (3, 2, 4):
                return folds
    return _variants.instance("ex-space-fold", lambda: (3, 2, 4), draw)


def _fold_expected(folds) -> tuple[int, int]:
    """(variation, non-zeros): the slopes multiply to prod m_l in absolute value; layer 1
    has m_1 weights and m_1 - 1 non-zero biases, layer l >= 2 m_{l-1} m_l weights (the
    previous fold's coefficients, all non-zero) and m_l - 1 biases, the output m_L."""
    variation = int(np.prod(folds))
    nonzeros = 2 * folds[0] - 1 + sum(a * b + b - 1 for a, b in zip(folds[:-1], folds[1:],
                                                                     strict=True))
    return variation, nonzeros + folds[-1]


def _fold_pair(answer) -> tuple[int, int]:
    if isinstance(answer, (str, bytes)) or not hasattr(answer, "__len__") or \
            len(answer) != 2 or not all(_is_whole(v) for v in answer):
        raise TypeError("expected two whole numbers (variation, nonzeros)")
    return int(answer[0]), int(answer[1])


def _space_fold(answer) -> Verdict:
    try:
        pair = _fold_pair(answer)
    except TypeError as exc:
        return False, str(exc)
    ok = pair == _fold_expected(_space_fold_data())
    return ok, "both right" if ok else "not correct"


def _fold_counted_all(answer) -> bool:
    folds = _space_fold_data()
    variation, count = _fold_pair(answer)
    sizes = [1, *folds, 1]
    return count == sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def _fold_power(answer) -> bool:
    """The variation as m^L for one of the widths (the uniform fold's formula)."""
    folds = _space_fold_data()
    variation, _ = _fold_pair(answer)
    return variation != int(np.prod(folds)) and any(
        variation == m ** len(folds) for m in folds)


# --- ex-space-graded: the threshold power for the L^p error (the sup norm's 2/gamma is
# the written exercise; this is the other constant)

#: gamma = p/q for f(x) = x^gamma, q <= 8 (not 1/2: the chapter's sqrt uses the power 4)
_GAMMAS = tuple(sorted({Fraction(p, q) for q in range(3, 9) for p in range(1, q)}
                       - {Fraction(1, 2)}))
_POWERS = (1, 2, 3, 4)


def _space_graded_data() -> tuple[Fraction, int]:
    """(gamma, p): f(x) = x^gamma, the error measured in L^p[0, 1]."""
    def draw(rng):
        while True:
            gamma = _GAMMAS[int(rng.integers(len(_GAMMAS)))]
            p = _POWERS[int(rng.integers(len(_POWERS)))]
            if (gamma, p) != (Fraction(1, 3), 2):
                return gamma, p
    # variant 0 (printed with its solution): gamma = 1/3, p = 2, beta* = 12/5, which is
    # neither p, 1/gamma, 2/gamma nor any recognised wrong formula (the earlier (1/6, 6) had
    # beta* = 6 = p = 1/gamma: third referee report, finding 8)
    return _variants.instance("ex-space-graded", lambda: (Fraction(1, 3), 2), draw)


def _graded_threshold(gamma, p) -> Fraction:
    """beta* = 2 / (gamma + 1/p): the first cell's L^p error is ~ N^(-beta (gamma + 1/p)),
    the others sum to N^-2 (sum (i/N)^(beta (1 + p gamma) - 2p - 1) / N)^(1/p)."""
    return 2 / (Fraction(gamma) + Fraction(1, p))


def _space_graded(answer) -> Verdict:
    answer = _as_number(answer)
    ok = _same_number(answer, _graded_threshold(*_space_graded_data()))
    return ok, ("the threshold power for the rate 2 in L^p" if ok else "not correct")


def _graded_sup(answer) -> bool:
    """2 / gamma: the sup norm's power (the first cell weighed by its height only)."""
    gamma, _ = _space_graded_data()
    return _same_number(_as_number(answer), 2 / gamma)


def _graded_equidistributed(answer) -> bool:
    """(2p + 1) / (1 + p gamma): the knots that equidistribute |f''|^(p/(2p+1)) (the L^p
    analogue of the chapter's recipe) give rate 2, but are not the threshold."""
    gamma, p = _space_graded_data()
    return _same_number(_as_number(answer), (2 * p + 1) / (1 + p * gamma))


def _graded_p_for_1_over_p(answer) -> bool:
    gamma, p = _space_graded_data()
    return p != 1 and _same_number(_as_number(answer), 2 / (gamma + p))


# --- ex-space-converse: a plain network as a residual one (the converse of
# prop-unroll-skip, which the library does not construct)


def _space_converse_data() -> tuple[int, int, int]:
    """(w, L, seed): the plain network depth.random_relu_net(w, L, seed)."""
    def draw(rng):
        while True:
            w, L = int(rng.integers(2, 6)), int(rng.integers(3, 6))
            if (w, L) != (3, 4):
                return w, L, int(rng.integers(1, 1000))
    return _variants.instance("ex-space-converse", lambda: (3, 4, 0), draw)


def _plain_net(w: int, L: int, seed: int):
    from ... import depth
    return depth.random_relu_net(w, L, seed)


def _forward(sizes, params, skip, x) -> np.ndarray:
    """The network's output at the points ``x``, computed here from its arrays (not by the
    returned object's methods)."""
    a = np.asarray(x, dtype=float)[:, None]
    n = len(sizes) - 1
    for layer in range(n):
        z = a @ params[2 * layer] + params[2 * layer + 1]
        if layer == n - 1:
            return z.ravel()
        a = a + np.maximum(z, 0.0) if skip[layer] else np.maximum(z, 0.0)
    return a.ravel()


def _converse_verdict(net, got) -> Verdict:
    from ... import common
    # by name: the grader's check runs on a private copy of the library, whose MLP class is
    # not the kernel's; what is judged are the returned arrays, evaluated here
    if not any(c.__name__ == "MLP" and c.__module__.endswith("numpy_core")
               for c in type(got).__mro__):
        return False, "the function must return a nntheory.numpy_core.MLP"
    sizes = tuple(int(s) for s in got.sizes)
    w, L = net.sizes[1], net.n_layers - 1
    if got.activation != "relu" or sizes[0] != 1 or sizes[-1] != 1 or len(sizes) != L + 2:
        return False, (f"the residual network must be a ReLU MLP with one input, one output "
                       f"and {L} hidden layers")
    skip = common.skip_layers(sizes, True)
    if tuple(got.skip) != skip or not all(skip[1:L]):
        return False, ("build it with skip=True, with an identity skip around every hidden "
                       "layer after the first")
    if max(sizes[1:-1]) > 2 * w:
        return False, f"its hidden widths must be at most 2w = {2 * w}"
    params = [np.array(p, dtype=float) for p in got.get_parameters()]
    shapes = [s for a, b in zip(sizes[:-1], sizes[1:], strict=True) for s in ((a, b), (b,))]
    if [p.shape for p in params] != shapes or not all(np.all(np.isfinite(p)) for p in params):
        return False, "the returned network's parameters do not fit its sizes"
    rng = np.random.default_rng()
    x = np.concatenate([np.linspace(-4.0, 4.0, 2001), rng.normal(0.0, 3.0, 500)])
    ref = _forward(net.sizes, net.get_parameters(), (False,) * net.n_layers, x)
    out = _forward(sizes, params, skip, x)
    ok = bool(np.max(np.abs(out - ref)) <= 1e-9 * max(1.0, float(np.max(np.abs(ref)))))
    return ok, "computes the same function" if ok else "does not compute the same function"


def _converse_cases(hidden: bool):
    def cases():
        if not hidden:
            return [_plain_net(*_space_converse_data())]
        rng = np.random.default_rng()
        nets = [_plain_net(1, 3, int(rng.integers(10 ** 6))),    # width one
                _plain_net(2, 2, int(rng.integers(10 ** 6)))]
        nets += [_plain_net(int(rng.integers(2, 7)), int(rng.integers(2, 7)),
                            int(rng.integers(10 ** 6))) for _ in range(8)]
        return nets

    def run(fn) -> Verdict:
        for net in cases():
            copy = _plain_net(net.sizes[1], net.n_layers - 1, 0)
            copy.set_parameters(net.get_parameters())
            got = _call(fn, copy)
            if isinstance(got, str):
                return False, got
            ok, message = _converse_verdict(net, got)
            if not ok:
                return False, message
        return True, "computes the same function" if not hidden else \
            "right on every network tried"
    return _guard(run)


_RUBRIC_RES = (
    "2 points in all. 0.5 point: c_3 of F_n computed correctly by induction on n from "
    "F_n = F_{n-1} + w_n^2 F_{n-1}^2 (the x^3 coefficient of F_{n-1}^2 is 2 c_2(F_{n-1})), "
    "giving c_3 = 2 sum_{j<k} w_j^2 w_k^2 = c_2^2 - sum_k w_k^4; an answer that checks "
    "n = 2 or n = 3 only gets nothing here. 0.5 point: sum_k w_k^4 >= c_2^2 / n by "
    "Cauchy-Schwarz (or the power-mean inequality), hence c_3 <= (1 - 1/n) c_2^2. "
    "0.5 point: equality exactly when all |w_k| are equal (the equality case of "
    "Cauchy-Schwarz), and strict inequality c_3 < c_2^2 whenever some weight is non-zero. "
    "0.5 point: the conclusion: a polynomial with c_3 = c_2^2 > 0 (such as "
    "x + x^2 + x^3 + x^4, for every depth n) is no F_n (c_2 = c_3 alone is not "
    "excluded: F_2 with w_1^2, w_2^2 = (3 +- sqrt 3)/2 has c_2 = c_3 = 3); zero weights "
    "are allowed and must be covered (they only remove layers, or c_2 = 0 forces all weights 0 and "
    "F_n = x). Usual wrong proofs: arguing from the degree alone (degree 4 does not force "
    "n = 2 when weights may vanish, and says nothing about c_3); treating only n = 2 "
    "(AM-GM on two weights) and claiming the general case 'similarly'; using "
    "c_3 = sum w_k^2 (confusing c_3 with c_2); dividing by a weight that may be zero.")

_RUBRIC_GRADED = (
    "3 points in all, for f(x) = x^gamma, 0 < gamma < 1, and the interpolant on the knots "
    "x_i = (i/N)^beta. 1 point: the first cell [0, N^-beta]: the error of the chord of "
    "x^gamma on [0, h] is exactly c_gamma h^gamma with c_gamma = (1 - gamma) "
    "gamma^(gamma/(1 - gamma)) > 0 (or at least a correct bound of this order from above and "
    "below), so the sup error is >= c_gamma N^(-beta gamma). 1 point: the other cells: the "
    "error on [x_{i-1}, x_i] is at most h_i^2 max|f''| / 8 with max|f''| at x_{i-1}, "
    "h_i <= beta (i/N)^(beta - 1) / N by the mean value theorem, and x_{i-1} >= x_i / 2^beta "
    "for i >= 2, giving a bound C N^-2 (i/N)^(beta gamma - 2); or, equally, the scaling "
    "x = y/N^beta, which turns the error on cell i into N^(-beta gamma) e_i with e_i the chord "
    "error of y^gamma on [(i-1)^beta, i^beta], independent of N, together with a bound "
    "e_i <= C i^(beta gamma - 2) uniform in i. 0.5 point: for beta = 2/gamma the "
    "factor (i/N)^(beta gamma - 2) is 1, so the sup error is O(N^-2) (first cell included), "
    "and for beta < 2/gamma the first cell alone gives error >= c N^(-beta gamma), not "
    "O(N^-2): the least beta is 2/gamma. 0.5 point: constants stated or tracked and the "
    "bound uniform in i (not only for i of order N). Usual wrong proofs: using the bound "
    "h^2 max|f''|/8 on the first cell (f'' is unbounded there); estimating only the last "
    "cell; showing the fitted rate of an experiment instead of a bound; concluding "
    "'least' from the upper bound without the lower bound on the first cell.")


EXERCISES = [
    # chapter 6
    Exercise("ex-res-quartic", "06_residual_polynomials", "The quartic coefficient, any depth",
             "easy", "quartic_coefficient", ("coefficient of x^4",),
             _quartic_cases(hidden=False), data=_res_quartic_data,
             hidden=(HiddenCase("depths 0, 1, 3 and 24 depths from 30 to 60 layers, "
                                "weights drawn afresh",
                                _quartic_cases(hidden=True)),),
             forbid=_EXPANDERS,
             mistakes={_quartic_mistake("no square"): "the x^4 term of F_{k-1}^2 has two "
                                                      "sources: x^2 times x^2 as well",
                       _quartic_mistake("new"): "all three new coefficients of F_k come "
                                                "from the coefficients of F_{k-1}"},
             goal="derive a coefficient of the residual expansion for every depth",
             kind="function"),
    Exercise("ex-res-project", "06_residual_polynomials",
             "Project onto polynomials through the origin", "medium",
             "projection", ("projection onto a x + b x^2",), _guard(_res_project),
             data=_res_project_data,
             forbid=("nntheory.polynomials.l2_projection_exact",
                     "nntheory.polynomials.l2_projection",
                     "nntheory.polynomials.gram_schmidt_legendre",
                     "nntheory.polynomials.monomial_inner", "nntheory.polynomials._inner",
                     "nntheory.polynomials._gram_schmidt", "numpy.polynomial",
                     "numpy.polynomial.Polynomial", "numpy.polynomial.Legendre",
                     "numpy.polyfit", "numpy.linalg.lstsq", "scipy.linalg.lstsq",
                     "scipy.optimize", "scipy.integrate", "sympy.symbols", "sympy.Symbol",
                     "sympy.integrate", "sympy.solve", "sympy.linsolve",
                     # a float fit turned into fractions (fourth referee report, finding 2)
                     "numpy.linalg.pinv", "scipy.linalg.pinv",
                     "fractions.Fraction.limit_denominator", "sympy.nsimplify",
                     "mpmath.identify"),
             mistakes={_project_mistake("truncated"): "keeping q's own coefficients of x and "
                                                      "x^2 is truncation, not the best L2 "
                                                      "approximation",
                       _project_mistake("symmetric"): "that is a projection in L2[-1, 1]; "
                                                      "the inner product here is over [0, 1]",
                       _project_mistake("dropped"): "dropping the constant of the best "
                                                    "approximation by 1, x, x^2 does not give "
                                                    "the best one without a constant"},
             goal="compute an L2 projection onto a subspace of polynomials"),
    Exercise("ex-res-inverse", "06_residual_polynomials", "Weights from coefficients", "hard",
             "inverse_weights", ("weights from coefficients",), _inverse_cases(hidden=False),
             data=_res_inverse_data,
             hidden=(HiddenCase("eighteen networks with weights a/b, a, b up to 999, and two "
                                "with equal squared weights", _inverse_cases(hidden=True)),),
             forbid=(*_EXPANDERS, "scipy.optimize", "torch.optim", "mpmath.findroot",
                     "mpmath.calculus.optimization"),
             mistakes={_inverse_reversed: "the layers are in the wrong order"},
             goal="invert the residual expansion", kind="function"),
    Exercise("ex-res-prove", "06_residual_polynomials", "No residual square network has "
             "c₃ = c₂² > 0", "medium", "", (), None, kind="written", rubric=_RUBRIC_RES,
             goal="prove an inequality between coefficients of the residual expansion",
             needs_human="the proof (the answer cell)"),
    # chapter 7
    Exercise("ex-space-fold", "07_approximation_spaces",
             "Variation and size of mixed folds", "easy", "fold_answer",
             ("variation and non-zeros of mixed folds",), _guard(_space_fold),
             data=_space_fold_data,
             forbid=("nntheory.depth.folding_net", "nntheory.depth.piecewise_linear",
                     "nntheory.depth.nonzero_parameters", "nntheory.depth.count_pieces",
                     "nntheory.depth.grid_slope_changes",
                     "nntheory.depth.sawtooth", "nntheory.depth._fold_layer"),
             mistakes={_fold_counted_all: "the count asked for is of the non-zero weights "
                                          "and biases, not of all entries",
                       _fold_power: "the folds have different widths: follow the slope "
                                    "through each of them"},
             goal="compute the variation and the budget of a deep network"),
    Exercise("ex-space-graded", "07_approximation_spaces", "Graded knots in L^p",
             "medium", "graded_beta", ("graded knots in L^p",),
             _guard(_space_graded), data=_space_graded_data, max_tries=3,
             forbid=("nntheory.separation.equidistributed_knots",),
             # the sup-norm power only named: the clause on how L^p weighs a cell gave the
             # answer on the second try (fourth referee report, finding 6)
             mistakes={_graded_sup: "that is the sup-norm power",
                       _graded_equidistributed: "knots that equidistribute the error "
                                                "give the rate 2, but the question asks "
                                                "for the threshold",
                       _graded_p_for_1_over_p: "check how the L^p norm of an error of "
                                               "height e on a cell of length h scales "
                                               "with h"},
             goal="choose graded knots to recover the optimal rate in L^p"),
    Exercise("ex-space-graded-proof", "07_approximation_spaces",
             "Why the power 2/γ is the least in the sup norm", "hard", "", (), None,
             kind="written", rubric=_RUBRIC_GRADED,
             goal="prove the rate of the interpolant on graded knots, both directions",
             needs_human="the proof (the answer cell)"),
    Exercise("ex-space-converse", "07_approximation_spaces",
             "A plain network as a residual one", "hard", "as_residual",
             ("plain network as a residual one",), _converse_cases(hidden=False),
             data=_space_converse_data,
             hidden=(HiddenCase("ten random plain networks, widths 1 to 6, 2 to 6 hidden "
                                "layers", _converse_cases(hidden=True)),),
             forbid=("nntheory.depth.unroll_skip",),
             goal="write a plain ReLU network as a residual one (the converse of unrolling)",
             kind="function"),
]
