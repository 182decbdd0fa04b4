"""The exercise registry: every graded exercise, its expected values and its hidden cases.

An exercise is known by the ``:label:`` of its ``{exercise}`` directive in the
chapter (``ex-bp-count``). Its entry says in which chapter it is, how hard it is
(points: easy 1, medium 2, hard 3), which notebook variable holds the answer,
which ``name=`` the chapter's answer check passes today (so a check called as
``checks.check_number(x, expected, name="parameter count")`` is recognised
without any change to the notebook), how to check an answer (the *visible* case,
what the notebook's check does, with the expected value computed here from the
library rather than in a visible cell) and **hidden cases**: other inputs, never
shown to the student, on which a function or a construction must also be right.
Only the grader (:mod:`nntheory.teaching.grade`) runs the hidden cases.

No message of a verdict contains the expected value (the same rule as
:mod:`nntheory.teaching.checks`). Expected values are computed lazily, when a
check needs them; importing this module imports no core.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from . import checks as _checks

__all__ = ["Exercise", "HiddenCase", "REGISTRY", "POINTS", "MINUTES", "get", "for_chapter",
           "chapters", "by_name"]

#: Points and an estimated working time (minutes) per difficulty.
POINTS = {"easy": 1, "medium": 2, "hard": 3}
MINUTES = {"easy": 10, "medium": 25, "hard": 45}

Verdict = tuple[bool, str]


@dataclass(frozen=True)
class HiddenCase:
    """One hidden case: ``run(answer) -> (ok, message)``; ``what`` says in words what
    is tested (shown in the feedback), never the inputs' values."""
    what: str
    run: Callable[[object], Verdict]


@dataclass(frozen=True)
class Exercise:
    """One exercise of a chapter (see the module docstring)."""
    label: str
    chapter: str
    title: str
    difficulty: str
    answer: str
    names: tuple[str, ...]
    check: Callable[[object], Verdict]
    expected: Callable[[], object] | None = None
    hidden: tuple[HiddenCase, ...] = ()
    goal: str = ""
    hint: str | None = None
    needs_human: str = ""   # what a teacher reads by hand (an explanation asked for)
    kind: str = field(default="value")

    @property
    def points(self) -> int:
        return POINTS[self.difficulty]

    @property
    def minutes(self) -> int:
        return MINUTES[self.difficulty]

    def expected_value(self):
        """The expected value (for ``checks.check_number(..., exercise=label)``)."""
        if self.expected is None:
            raise ValueError(f"exercise {self.label!r} has no single expected value; "
                             f"use checks.check_exercise({self.label!r}, answer)")
        return self.expected()

    def verdict(self, answer) -> Verdict:
        """``(ok, message)`` of the visible case."""
        return self.check(answer)


# ------------------------------------------------------------------ small helpers


def _number(expected: Callable[[], object], rtol: float = 1e-6, atol: float = 0.0):
    def check(answer) -> Verdict:
        return _checks.number_verdict(answer, expected(), rtol=rtol, atol=atol)
    return check


def _whole(answer) -> int:
    """``answer`` as a whole number (``TypeError``/``ValueError`` otherwise)."""
    value = float(_checks._as_float(answer))
    if not value.is_integer():
        raise ValueError("not a whole number")
    return int(value)


def _params(answer, count: int) -> list[np.ndarray]:
    if not isinstance(answer, (list, tuple)) or len(answer) != count:
        raise TypeError(f"give a list of {count} arrays")
    return [_checks._as_array(a) for a in answer]


def _guard(fn: Callable[[object], Verdict]) -> Callable[[object], Verdict]:
    """A verdict that reports instead of raising (bad shapes, wrong types)."""
    def safe(answer) -> Verdict:
        try:
            ok, message = fn(answer)
        except Exception as exc:
            return False, f"the answer could not be checked ({type(exc).__name__}: {exc})"
        return bool(ok), message
    safe.__name__ = getattr(fn, "__name__", "verdict")
    return safe


def _mlp(sizes, activation, params):
    from .. import numpy_core as npc
    net = npc.MLP(list(sizes), activation)
    net.set_parameters(params)
    return net


# ------------------------------------------------------------------ chapter 1

#: the data of chapter 1's exercises (the notebook defines the same arrays)
_PC_X = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [-1.0, 1.0]])
_PC_Y = np.array([1.0, -1.0, 1.0, -1.0])
_PC_U = np.array([1.0, -1.0, 0.5])
_LEN_X = np.diag([1.0, 2.0, 3.0, 4.0])

#: by-hand numbers: three significant digits pass
_BY_HAND = 2e-3


def _pc_margin() -> float:
    from .. import perceptron
    return perceptron.margin(_PC_U, _PC_X, _PC_Y)


def _pc_epoch(answer) -> Verdict:
    from .. import perceptron
    expected = perceptron.train_perceptron(_PC_X, _PC_Y, max_epochs=1).w
    ok, message = _checks.array_verdict(answer, expected, rtol=1e-9, atol=1e-12)
    if not ok and "shape" not in message:
        message += " (y_i <w, x_i> = 0 counts as a mistake; the bias is the last entry)"
    return ok, message


def _pc_lengths_expected() -> tuple[int, float, float, float, float]:
    """(mistakes, gamma*, bound, k R^2 / |w_k|^2, |w_k|^2 / <u*, w_k>^2)."""
    from itertools import permutations

    from .. import perceptron
    ones = np.ones(4)
    counts = {perceptron.train_perceptron(_LEN_X, ones, order=list(p),
                                          add_bias=False).mistakes
              for p in permutations(range(4))}
    if len(counts) != 1:
        raise RuntimeError("the number of mistakes depends on the order")
    k = counts.pop()
    w = perceptron.train_perceptron(_LEN_X, ones, add_bias=False).w
    u, gamma = perceptron.max_margin(_LEN_X, ones, add_bias=False)
    R = perceptron.radius(_LEN_X, add_bias=False)
    return k, gamma, (R / gamma) ** 2, k * R**2 / (w @ w), (w @ w) / (u @ w) ** 2


def _pc_lengths(answer) -> Verdict:
    if not isinstance(answer, (list, tuple)) or len(answer) != 5:
        return False, ("give five numbers: (mistakes, best margin, bound, "
                       "norm factor, Cauchy-Schwarz factor)")
    expected = _pc_lengths_expected()
    parts = ("(a) mistakes", "(b) best margin", "(c) bound", "(d) norm factor",
             "(d) Cauchy-Schwarz factor")
    wrong = []
    for i, (value, target, part) in enumerate(zip(answer, expected, parts, strict=True)):
        if i == 0:
            ok = _is_whole(value) and int(value) == target
        else:
            ok = _checks.number_verdict(value, target, rtol=_BY_HAND)[0]
        if not ok:
            wrong.append(part)
    if not wrong:
        return True, "all five are right"
    return False, "not yet right: " + ", ".join(wrong)


# ------------------------------------------------------------------ chapter 2

_COLLINEAR = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
_FARKAS_X = np.array([[0.0], [1.0], [2.0]])
_FARKAS_Y = np.array([1.0, -1.0, 1.0])


def _xor_collinear() -> int:
    from .. import separability
    return separability.count_separable_dichotomies(_COLLINEAR)


def _xor_farkas(answer) -> Verdict:
    from .. import separability
    lam = _checks._as_array(answer)
    if lam.shape != (3,):
        return False, "give three multipliers, one per point"
    ok = separability.check_certificate(_FARKAS_X, _FARKAS_Y, lam)
    return ok, ("a valid proof that no threshold separates these labels" if ok else
                "the multipliers must be >= 0, sum to 1 and make "
                "sum_i lambda_i y_i (x_i, 1) vanish")


def _xor_parity(answer) -> Verdict:
    """Exact up to round-off: weights like 1/3 are exact in real arithmetic but leave
    errors of about 1e-16 in floating point, so the check allows 1e-9."""
    from .. import datasets
    net = _mlp([3, 3, 1], "relu", _params(answer, 4))
    cube = datasets.boolean_cube(3)
    error = np.abs(net.forward(cube).ravel() - cube.sum(axis=1) % 2)
    wrong = int(np.sum(~(error <= 1e-9)))       # NaN counts as wrong
    return wrong == 0, ("exact on all 8 points" if wrong == 0
                        else f"wrong on {wrong} of 8 points")


# ------------------------------------------------------------------ chapter 3


def _bp_count() -> int:
    from .. import numpy_core as npc
    return npc.MLP([3, 64, 64, 10]).n_parameters


def _bp_scalar() -> float:
    from .. import numpy_core as npc
    tiny = npc.MLP([1, 1, 1], "tanh")
    tiny.set_parameters([np.array([[0.5]]), np.array([-0.2]), np.array([[1.5]]),
                         np.array([0.1])])
    return float(npc.loss_and_gradients(tiny, [[2.0]], [[1.0]])[1][0][0, 0])


def _softplus_case(seed: int, sizes, n: int, scale: float = 1.0):
    def run(fn) -> Verdict:
        from .. import gradcheck
        from .. import numpy_core as npc
        if not callable(fn):
            return False, "softplus_gradients is not a function"
        rng = np.random.default_rng(seed)
        X = scale * rng.normal(size=(n, sizes[0]))
        Y = rng.normal(size=(n, sizes[-1]))
        net = npc.MLP(list(sizes), "softplus", init="xavier", seed=seed + 1)
        grads = fn(net.get_parameters(), X, Y)
        if not isinstance(grads, (list, tuple)) or len(grads) != 4:
            return False, "return a list of four arrays [gW1, gb1, gW2, gb2]"
        ref = npc.loss_and_gradients(net, X, Y)[1]
        got = [np.asarray(g, dtype=float) for g in grads]
        if any(g.shape != r.shape for g, r in zip(got, ref, strict=True)):
            return False, "the gradients do not have the parameters' shapes"
        if not all(np.all(np.isfinite(g)) for g in got):
            return False, "some gradient entries are NaN or infinite"
        err = gradcheck.relative_error(got, ref)
        return err < 1e-10, ("agrees with backpropagation" if err < 1e-10 else
                             "does not agree with backpropagation")
    return _guard(run)


# ------------------------------------------------------------------ chapter 4


def _ua_units() -> int:
    from .. import constructions
    return next(m for m in range(1, 1000)
                if constructions.interpolation_bound(-1, 1, m + 1, math.pi ** 2) <= 1e-3)


def _hat_on(xs: np.ndarray):
    def run(answer) -> Verdict:
        net = _mlp([1, 3, 1], "relu", _params(answer, 4))
        err = float(np.max(np.abs(net.predict(xs[:, None]).ravel()
                                  - np.maximum(0, 1 - np.abs(xs)))))
        ok = err <= 1e-12 * max(1.0, float(np.max(np.abs(xs))))
        return ok, "equals the hat" if ok else "differs from the hat somewhere"
    return _guard(run)


def _square_floor(xs: np.ndarray):
    def run(answer) -> Verdict:
        net = _mlp([1, 1, 1], "square", _params(answer, 4))
        err = float(np.max(np.abs(net.predict(xs[:, None]).ravel() - np.abs(xs))))
        ok = abs(err - 1 / 8) < 1e-9
        return ok, "attains the floor" if ok else "its sup error is not the floor 1/8"
    return _guard(run)


# ------------------------------------------------------------------ chapter 5


def _is_whole(value) -> bool:
    return (isinstance(value, numbers.Integral) and not isinstance(value, bool)) or (
        isinstance(value, float | np.floating) and float(value).is_integer())


def _depth_product(answer) -> Verdict:
    from .. import depth
    if not _is_whole(answer):
        return False, "expected a whole number"
    ok = int(answer) == depth.nonzero_parameters(depth.yarotsky_product(6))
    return ok, ("the count of the block-diagonal construction" if ok else
                "not yet: count per layer, block by block, and skip the zero entries")


def _depth_layers(answer) -> Verdict:
    from .. import constructions, depth
    if len(answer) != 2 or not all(_is_whole(v) and v >= 1 for v in answer):
        return False, "expected two whole numbers (m, N), both at least 1"
    m, N = (int(v) for v in answer)
    ok_m = depth.yarotsky_error(m) <= 1e-6 < depth.yarotsky_error(m - 1)
    ok_N = (constructions.interpolation_bound(0, 1, N + 1, 2.0) <= 1e-6
            < constructions.interpolation_bound(0, 1, N, 2.0))
    hint = ("" if ok_m else "m: solve 2^(-2m-2) <= 1e-6 for the least m. ") + (
        "" if ok_N else "N: the interpolant's error is 1/(4N^2); take the least N.")
    return ok_m and ok_N, "both are the least sizes" if ok_m and ok_N else hint.strip()


def _fold_on(xs: np.ndarray):
    def run(answer) -> Verdict:
        from .. import depth
        net = _mlp([1, 3, 3, 1], "relu", _params(answer, 6))
        p = depth.count_pieces(net, 0.0, 1.0)
        ends = float(np.abs(net.predict(xs[:, None])).max())
        if p < 9:
            return False, (f"only {p} pieces: make the first layer's output go up and down, "
                           "then apply a second broken line to it")
        if ends > 1e-12:
            return False, f"{p} pieces, but the network does not vanish at both ends"
        return True, f"{p} pieces and zero at both ends"
    return _guard(run)


# ------------------------------------------------------------------ chapter 6


def _res_quadratic(answer) -> Verdict:
    from .. import polynomials as poly
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
    return ok, ("the sum of the squared weights" if ok else
                "not yet: which coefficient does the theorem give in closed form?")


def _res_project(answer) -> Verdict:
    from .. import polynomials as poly
    c = [float(v) for v in answer]
    if len(c) > 3 and any(abs(v) > 1e-12 for v in c[3:]):
        return False, "the projection has degree at most 2"
    c = (c + [0.0, 0.0, 0.0])[:3]
    expected = [float(v) for v in poly.l2_projection_exact([0, 0, 0, 0, 1], 2)]
    ok = bool(np.allclose(c, expected, rtol=1e-9, atol=1e-12))
    return ok, ("the residual x^4 - p is orthogonal to 1, x and x^2" if ok else
                "not yet: check that x^4 - p is orthogonal to 1 and to x^2")


def _res_inverse(answer) -> Verdict:
    from .. import polynomials as poly
    if len(answer) != 2:
        return False, "give two weights [w1, w2]"
    c = poly.residual_square_coefficients(list(answer))
    target = (0, 1, Fraction(5, 4), Fraction(1, 2), Fraction(1, 4))
    got = [float(v) for v in c]
    ok = len(got) == len(target) and bool(
        np.allclose(got, [float(v) for v in target], rtol=1e-12, atol=1e-12))
    return ok, ("F_2 has the required coefficients" if ok else
                "not yet: match x^2, x^3 and x^4 coefficients one by one")


# ------------------------------------------------------------------ chapter 7


def _space_fold(answer) -> Verdict:
    from .. import depth
    if len(answer) != 2 or not all(_is_whole(v) for v in answer):
        return False, "expected two whole numbers (variation, nonzeros)"
    net = depth.folding_net(3, 4)
    ok_v = answer[0] == depth.piecewise_linear(net, 0.0, 1.0).derivative_l1()
    ok_n = answer[1] == depth.nonzero_parameters(net)
    hint = ("" if ok_v else "variation: what is |slope| after four compositions? ") + (
        "" if ok_n else "nonzeros: count layer by layer; some biases are 0.")
    return ok_v and ok_n, "both right" if ok_v and ok_n else hint.strip()


def _space_graded(answer) -> Verdict:
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        return False, "expected a single number"
    alpha = 1 / 3                                  # f = x^alpha; rate min(beta alpha, 2)
    ok = abs(float(answer) - 2 / alpha) < 1e-9
    return ok, ("the least power with rate 2" if ok else
                "not yet: for which beta does the first cell stop dominating?")


def _space_widths(answer) -> Verdict:
    from .. import depth
    from .. import numpy_core as npc
    if len(answer) != 2 or not _is_whole(answer[1]):
        return False, "expected (widths, count) with a whole number count"
    plain = depth.unroll_skip(npc.MLP([1, 3, 3, 5, 5, 1], "relu", skip=True, seed=0))
    try:
        ok_w = tuple(int(v) for v in answer[0]) == tuple(plain.sizes[1:-1]) and all(
            _is_whole(v) for v in answer[0])
    except (TypeError, ValueError):
        ok_w = False
    ok_n = int(answer[1]) == plain.n_parameters
    hint = ("" if ok_w else "widths: a skip layer doubles, a plain layer keeps its width. ") + (
        "" if ok_n else "count: (inputs + 1) x outputs, layer by layer.")
    return ok_w and ok_n, "both right" if ok_w and ok_n else hint.strip()


# ------------------------------------------------------------------ chapter 8

_INIT_HINT = "compute E[phi(z)^2] for a symmetric z: half positive, half negative"


def _leaky_second_moment(alpha: float) -> float:
    """``E[phi(g)^2]``, ``g ~ N(0, 1)``, for leaky ReLU of slope ``alpha``, by
    quadrature (not by the closed form the exercise asks for)."""
    from scipy import integrate

    def integrand(t):
        return (t if t > 0 else alpha * t) ** 2 * math.exp(-t * t / 2)
    parts = [integrate.quad(integrand, lo, hi)[0]
             for lo, hi in ((-np.inf, 0), (0, np.inf))]
    return sum(parts) / math.sqrt(2 * math.pi)


def _leaky_on(alphas, *, visible: bool):
    """A function of alpha must keep ``E[q_l]`` at every slope of ``alphas``; a value
    (accepted by the exercise) is checked at alpha = 0.01 by the visible case only."""
    def run(answer) -> Verdict:
        if not callable(answer):
            if not visible:
                return True, "a value, not a function: nothing more to test"
            ok, message = _checks.number_verdict(answer, 1 / _leaky_second_moment(0.01),
                                                 rtol=1e-6)
            return ok, message if ok else f"{message}; {_INIT_HINT}"
        for alpha in alphas:
            where = f"for alpha = {alpha}" if visible else "for one of these slopes"
            try:
                value = _checks._as_float(answer(alpha))
            except Exception as exc:         # its message could show a hidden input
                return False, f"the function raised {type(exc).__name__} {where}"
            if not abs(value * _leaky_second_moment(alpha) - 1) < 1e-6:  # NaN fails
                return False, f"not right {where}; {_INIT_HINT}"
        return True, "the signal's expected scale is kept"
    return _guard(run)


_TANH_NET = ([[1.0, -2.0]], [0.5, 0.0], [[3.0], [1.0]], [0.0])


def _tanh_as_sigmoid_on(xs: np.ndarray):
    def run(answer) -> Verdict:
        tanh_net = _mlp([1, 2, 1], "tanh", [np.array(p) for p in _TANH_NET])
        try:
            sig_net = _mlp([1, 2, 1], "sigmoid", _params(answer, 4))
        except (TypeError, ValueError) as exc:
            return False, f"the parameters do not fit a 1-2-1 network: {exc}"
        x = xs[:, None]
        gap = float(np.max(np.abs(sig_net.predict(x) - tanh_net.predict(x))))
        if gap < 1e-9:                                               # NaN fails
            return True, "the two networks compute the same function"
        return False, ("the functions differ; remember the 2 inside sigma(2u) and the -1 "
                       "outside, which the output layer must absorb")
    return _guard(run)


def _torch_limit(n: int, gain: float) -> float:
    """Where the library's recursion of ``E[q_l]`` settles (ReLU, torch's default
    initialisation, weights scaled by ``gain``): run it until the contraction factor
    ``gain^2 / 6`` has shrunk the distance to the limit below 1e-13."""
    from .. import initialisation as ini
    depth = 10 + math.ceil(math.log(1e-13) / math.log(gain ** 2 / 6))
    return float(ini.mean_field("relu", "torch", n, depth, gain=gain)[-1])


def _torch_on(cases, *, visible: bool):
    def run(answer) -> Verdict:
        if not callable(answer):
            return False, "the answer should be a function of n and gain"
        for n, gain in cases:
            where = (f"n = {n}, gain = {gain}" if visible
                     else "one of these widths and gains")
            try:
                value = _checks._as_float(answer(n, gain))
            except Exception as exc:         # its message could show a hidden input
                return False, f"the function raised {type(exc).__name__} at {where}"
            if not abs(value / _torch_limit(n, gain) - 1) < 1e-6:    # NaN fails
                return False, f"not where the recursion settles for {where}"
        return True, "the fixed point is right for every width and gain tried"
    return _guard(run)


_FAR = np.concatenate([np.linspace(-40, 40, 8001),
                       np.random.default_rng(2027).uniform(-10, 10, 2000)])


# ------------------------------------------------------------------ the registry

_WIDE = np.concatenate([np.linspace(-1e3, 1e3, 20001),
                        np.random.default_rng(2026).uniform(-50, 50, 5000)])
_DENSE = np.concatenate([np.linspace(-1, 1, 40001), [-1.0, -0.5, 0.0, 0.5, 1.0]])

_EXERCISES = [
    # chapter 1
    Exercise("ex-perceptron-margin", "01_perceptron", "Computing the margin", "easy",
             "gamma_answer", ("margin",), _guard(_number(_pc_margin, rtol=_BY_HAND)),
             _pc_margin, goal="compute the margin of a separator on augmented points"),
    Exercise("ex-perceptron-epoch", "01_perceptron", "One pass by hand", "medium",
             "w_after_pass", ("one pass",), _guard(_pc_epoch),
             goal="run the perceptron's update rule by hand"),
    Exercise("ex-perceptron-lengths", "01_perceptron", "Orthogonal data of unequal lengths",
             "hard", "lengths_answer", ("orthogonal data of unequal lengths",),
             _guard(_pc_lengths),
             goal="locate the two inequalities where Novikoff's bound loses",
             needs_human="the explanation of the two factors (which step of the proof "
                         "each one measures)"),
    # chapter 2
    Exercise("ex-xor-count", "02_xor", "Four points on a line", "easy", "n_collinear",
             ("separable labellings of four collinear points",),
             _guard(_number(_xor_collinear)), _xor_collinear,
             goal="see why Cover's count needs general position"),
    Exercise("ex-xor-farkas", "02_xor", "A certificate on the line", "medium", "lam_line",
             ("Farkas certificate",), _guard(_xor_farkas),
             goal="write a Farkas certificate of non-separability", kind="construction"),
    Exercise("ex-xor-parity", "02_xor", "Parity of three bits", "hard", "parity_params",
             ("parity network",), _guard(_xor_parity),
             goal="build a two-layer ReLU network for parity", kind="construction"),
    # chapter 3
    Exercise("ex-bp-count", "03_backprop", "Counting parameters", "easy", "n_params",
             ("parameter count",), _guard(_number(_bp_count)), _bp_count,
             goal="count the parameters of a multilayer perceptron"),
    Exercise("ex-bp-scalar", "03_backprop", "One gradient by hand", "medium", "dL_dw1",
             ("dL/dw1",), _guard(_number(_bp_scalar, rtol=1e-3)), _bp_scalar,
             goal="apply the chain rule through one unit"),
    Exercise("ex-bp-softplus", "03_backprop", "A backward pass for softplus", "hard",
             "softplus_gradients", ("softplus backward pass",),
             _softplus_case(11, (3, 4, 2), 7),
             hidden=(HiddenCase("other widths and batch size", _softplus_case(5, (2, 6, 3), 13)),
                     HiddenCase("one example, one output", _softplus_case(8, (4, 3, 1), 1)),
                     HiddenCase("large inputs",
                                _softplus_case(21, (3, 5, 2), 9, scale=30.0))),
             goal="derive and implement backpropagation for a new activation",
             kind="function"),
    # chapter 4
    Exercise("ex-ua-units", "04_universal_approximation", "How many units for three decimals?",
             "easy", "units_needed", ("hidden units for 1e-3",), _guard(_number(_ua_units)),
             _ua_units, goal="turn an interpolation error bound into a network size"),
    Exercise("ex-ua-hat", "04_universal_approximation", "A hat from three ReLUs", "medium",
             "hat_params", ("hat network",), _hat_on(np.linspace(-4, 4, 8001)),
             hidden=(HiddenCase("far from the origin and at random points", _hat_on(_WIDE)),),
             goal="build a ReLU network by hand", kind="construction"),
    Exercise("ex-ua-square", "04_universal_approximation", "The best square network for |x|",
             "hard", "square_params", ("best square network",),
             _square_floor(np.linspace(-1, 1, 4001)),
             hidden=(HiddenCase("a finer grid with the extremal points", _square_floor(_DENSE)),),
             goal="use equioscillation to find a best approximation", kind="construction"),
    # chapter 5
    Exercise("ex-depth-product", "05_depth", "Non-zero weights of the product network", "easy",
             "product_nonzeros", ("non-zeros of the product network",), _guard(_depth_product),
             goal="count the non-zero parameters of a block-diagonal construction"),
    Exercise("ex-depth-layers", "05_depth", "Layers for six digits", "medium",
             "layers_and_units", ("layers and units for 1e-6",), _guard(_depth_layers),
             goal="compare deep and shallow sizes for one accuracy"),
    Exercise("ex-depth-fold", "05_depth", "Nine pieces that vanish at the ends", "hard",
             "fold_params", ("nine pieces, zero ends",), _fold_on(np.array([0.0, 1.0])),
             goal="use composition to multiply linear pieces", kind="construction"),
    # chapter 6
    Exercise("ex-res-quadratic", "06_residual_polynomials", "The quadratic coefficient", "easy",
             "quadratic_coefficient", ("coefficient of x^2",), _guard(_res_quadratic),
             goal="read a coefficient off the residual expansion"),
    Exercise("ex-res-project", "06_residual_polynomials", "Project x⁴ by hand", "medium",
             "projection_x4", ("projection of x^4",), _guard(_res_project),
             goal="compute an L2 projection onto polynomials"),
    Exercise("ex-res-inverse", "06_residual_polynomials", "Weights from coefficients", "hard",
             "inverse_weights", ("weights from coefficients",), _guard(_res_inverse),
             goal="invert the residual expansion",
             needs_human="the explanation why no weights give x + x^2 + x^3 + x^4"),
    # chapter 7
    Exercise("ex-space-fold", "07_approximation_spaces",
             "Variation and size of a folding network", "easy", "fold_answer",
             ("variation and non-zeros of folding_net(3, 4)",), _guard(_space_fold),
             goal="compute the variation and the budget of a deep network"),
    Exercise("ex-space-graded", "07_approximation_spaces", "Graded knots for the cube root",
             "medium", "graded_beta", ("graded knots for the cube root",),
             _guard(_space_graded), goal="choose graded knots to recover the optimal rate",
             needs_human="the comparison of the first cell with the others (the argument)"),
    Exercise("ex-space-widths", "07_approximation_spaces", "Unrolling with changing widths",
             "hard", "unrolled_answer", ("unrolling with changing widths",),
             _guard(_space_widths),
             goal="count the cost of writing a residual network as a plain one"),
    # chapter 8
    Exercise("ex-init-leaky", "08_activations", "He's constant for leaky ReLU", "easy",
             "he_constant", ("He's constant for leaky ReLU",),
             _leaky_on((0.01, 0.2, 0.5), visible=True),
             hidden=(HiddenCase("ReLU and the identity (the ends of the slopes)",
                                _leaky_on((0.0, 1.0), visible=False)),
                     HiddenCase("other slopes",
                                _leaky_on((0.05, 0.3, 0.9), visible=False))),
             goal="derive the variance-preserving weight scale for leaky ReLU"),
    Exercise("ex-init-tanh-sigmoid", "08_activations",
             "A sigmoid network for a tanh network", "medium", "sigmoid_params",
             ("tanh to sigmoid",),
             _tanh_as_sigmoid_on(np.linspace(-3, 3, 61)),
             hidden=(HiddenCase("far from the origin and at random points",
                                _tanh_as_sigmoid_on(_FAR)),),
             goal="rewrite a tanh network as a sigmoid network", kind="construction"),
    Exercise("ex-init-torch", "08_activations",
             "Where torch's default initialisation settles", "hard", "torch_fixed_point",
             ("fixed point of torch's default initialisation",),
             _torch_on(((32, 1.0), (10, 2.0), (7, 0.5)), visible=True),
             hidden=(HiddenCase("other widths and gains",
                                _torch_on(((1, 1.0), (3, 1.5), (128, 0.1)), visible=False)),
                     HiddenCase("gains close to the critical one",
                                _torch_on(((64, 2.4), (1000, 2.3)), visible=False))),
             goal="find where the signal recursion with biases settles",
             hint="the bias adds a constant every layer",
             needs_human="for which gains the recursion settles (the argument)",
             kind="function"),
]

# ------------------------------------------------------------------ chapter 9

#: the data of chapter 9's first exercise (the notebook defines the same array)
_OPT_X = np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 1.0], [2.0, 2.0]])
_OPT_MOMENTUM = 0.9


def _opt_L() -> float:
    from .. import optimisation as op
    return float(np.linalg.eigvalsh(op.linear_mse_hessian(_OPT_X)).max())


def _opt_threshold_expected() -> float:
    """The heavy ball's stability limit 2(1 + beta)/L (roots of z^2 - (1 + beta - eta
    lambda) z + beta inside the unit circle)."""
    return 2 * (1 + _OPT_MOMENTUM) / _opt_L()


def _opt_threshold(answer) -> Verdict:
    value = _checks._as_float(answer)
    ok, message = _checks.number_verdict(value, _opt_threshold_expected(), rtol=1e-3)
    if ok:
        return ok, message
    if abs(value * _opt_L() / 2 - 1) < 1e-3:                 # NaN fails
        return False, ("that is plain gradient descent's threshold: the momentum changes "
                       "where a root of the heavy ball's iteration leaves the unit circle")
    return False, (f"{message}; write the iteration on one eigen-direction of the Hessian "
                   "(2/n) Z^T Z and find where a root of its characteristic polynomial "
                   "reaches -1")


def _adamax_on(cases, *, visible: bool):
    """``adamax_step`` must follow ``torch.optim.Adamax`` for every
    ``(lr, beta1, beta2, eps, scales, steps, zero_start)`` of ``cases``."""
    def run(answer) -> Verdict:
        if not callable(answer):
            return False, ("expected a function adamax_step(p, g, m, u, t, lr, beta1, beta2, "
                           "eps)")
        import torch
        gen = np.random.default_rng(11 if visible else 29)
        for lr, b1, b2, eps, scales, steps, zero_start in cases:
            where = "for some hyper-parameters" if visible else "in one of these cases"
            scales = np.asarray(scales, dtype=float)
            p0 = gen.normal(size=scales.size)
            grads = gen.normal(size=(steps, scales.size)) * scales
            grads[:zero_start, 0] = 0.0
            pt = torch.tensor(p0, dtype=torch.float64, requires_grad=True)
            reference = torch.optim.Adamax([pt], lr=lr, betas=(b1, b2), eps=eps)
            p, m, u = p0.copy(), np.zeros(scales.size), np.zeros(scales.size)
            for t, g in enumerate(grads, start=1):
                pt.grad = torch.tensor(g, dtype=torch.float64)
                reference.step()
                try:
                    p, m, u = answer(p.copy(), g.copy(), m, u, t, lr, b1, b2, eps)
                    far = float(np.max(np.abs(np.asarray(p, dtype=float)
                                              - pt.detach().numpy())))
                except Exception as exc:     # its message could show a hidden input
                    return False, f"adamax_step raised {type(exc).__name__} {where}"
                if not far <= 1e-12 * max(1.0, float(np.abs(p0).max())):   # NaN fails
                    return False, (f"differs from torch at step {t} {where}: check where eps "
                                   "goes and which moment is bias-corrected")
        return True, "every step matches torch.optim.Adamax"
    return _guard(run)


def _adam_defeated(steps: int, core: str):
    """``(p, C)`` must make Adam (beta1 = 0, beta2 = 0.99, alpha_t = 0.5/sqrt(t),
    projection onto [-1, 1]) end with its last ``p`` iterates above 0.5 on average."""
    def run(answer) -> Verdict:
        try:
            period, C = answer
            period, C = int(period), float(C)
        except (TypeError, ValueError):
            return False, "expected a pair (p, C)"
        if not (2 <= period <= 300 and answer[0] == period and math.isfinite(C)
                and C > period - 1):
            return False, "p must be a whole number in [2, 300] and C > p - 1"
        from .. import optimisation as op
        x = op.run_optimizer("adam", lambda t, x: op.reddi_gradient(t, C, period), [0.0],
                             lr=0.5, steps=steps, lr_schedule=lambda t: 0.5 / math.sqrt(t),
                             project=op.project_interval(-1.0, 1.0), betas=(0.0, 0.99),
                             core=core)
        if x[-period:].mean() > 0.5:
            return True, "Adam ends near the worst point"
        return False, ("Adam still finds -1: make the period long compared with "
                       "1/(1 - beta2), and C only a little above p - 1")
    return _guard(run)


_EXERCISES += [
    Exercise("ex-opt-threshold", "09_optimisers", "The stability threshold with momentum",
             "easy", "hb_threshold", ("heavy-ball stability threshold",),
             _guard(_opt_threshold), _opt_threshold_expected,
             goal="find the learning rate at which the heavy ball becomes unstable",
             hint="one eigen-direction at a time: a 2x2 linear recursion"),
    Exercise("ex-opt-adamax", "09_optimisers", "One Adamax step, as torch takes it", "medium",
             "adamax_step", ("Adamax step",),
             _adamax_on(((1e-2, 0.9, 0.999, 1e-8, (1.0, 1e-3, 10.0), 20, 0),
                         (0.1, 0.5, 0.6, 0.3, (1.0, 1.0, 1.0), 20, 0),
                         (0.05, 0.0, 0.9, 1e-3, (1.0, 1e-3, 10.0), 20, 0)), visible=True),
             hidden=(HiddenCase("a coordinate whose gradient is zero for the first steps",
                                _adamax_on(((1e-2, 0.9, 0.999, 1e-8, (1.0, 2.0), 30, 5),
                                            (0.1, 0.8, 0.5, 0.5, (1.0, 2.0), 30, 3)),
                                           visible=False)),
                     HiddenCase("a long run with gradients of very different sizes",
                                _adamax_on(((3e-3, 0.95, 0.99, 1e-6,
                                             (1e-6, 1.0, 1e4, 0.1), 200, 0),),
                                           visible=False))),
             goal="implement an optimiser's update exactly as torch.optim computes it",
             hint="torch's documentation of Adamax writes out its algorithm",
             kind="function"),
    Exercise("ex-opt-defeat", "09_optimisers", "Defeat beta2 = 0.99", "hard", "defeat",
             ("defeat beta2 = 0.99",), _adam_defeated(4000, "numpy"),
             hidden=(HiddenCase("still defeated after twice as many steps",
                                _adam_defeated(8000, "numpy")),
                     HiddenCase("the same in the torch core (torch.optim.Adam)",
                                _adam_defeated(4000, "torch"))),
             goal="build a problem on which Adam with a given beta2 does not converge",
             needs_human="the explanation why the small gradients win",
             kind="construction"),
]


# ------------------------------------------------------------------ chapter 10


def _gen_labellings() -> int:
    from .. import separability
    return separability.cover_count(9, 7)


def _gen_rademacher() -> float:
    from .. import generalisation
    return generalisation.rademacher_linear_exact([[1.0, 0.0], [1.0, 1.0]], 2.0)


def _gen_ntk() -> np.ndarray:
    from .. import generalisation
    return generalisation.arccos_ntk(np.eye(2))[0]


def _gen_implicit() -> np.ndarray:
    from .. import generalisation
    return generalisation.implicit_bias_limit([[1.0, 1, 0], [0, 1, 1]], [2.0, 2],
                                              [1.0, 0, 0])


def _gen_array(expected: Callable[[], object], rtol: float, atol: float = 1e-9):
    def check(answer) -> Verdict:
        return _checks.array_verdict(answer, expected(), rtol=rtol, atol=atol)
    return check


_EXERCISES += [
    Exercise("ex-gen-vc", "10_generalisation", "Nine points in seven dimensions", "easy",
             "n_labellings", ("separable labellings of nine points in R^7",),
             _guard(_number(_gen_labellings)), _gen_labellings,
             goal="count the labellings halfspaces realise beyond the VC dimension",
             hint="which labellings does Radon's theorem rule out, and are there others?"),
    Exercise("ex-gen-rademacher", "10_generalisation",
             "Rademacher complexity of two points at an angle", "medium", "rademacher_2",
             ("Rademacher complexity of two points",),
             _guard(_number(_gen_rademacher, rtol=2e-3)), _gen_rademacher,
             goal="compute an empirical Rademacher complexity by enumerating signs",
             hint="average ||s1 x1 + s2 x2|| over the four sign vectors, times B/n"),
    Exercise("ex-gen-ntk", "10_generalisation", "The tangent kernel of orthogonal inputs",
             "medium", "ntk_values", ("tangent kernel of orthogonal unit vectors",),
             _guard(_gen_array(_gen_ntk, rtol=2e-3)), _gen_ntk,
             goal="evaluate the arc-cosine tangent kernel",
             hint="theta = 0 and theta = pi/2 in the arc-cosine kernels"),
    Exercise("ex-gen-implicit", "10_generalisation", "Where gradient descent ends", "hard",
             "w_limit", ("limit of gradient descent",),
             _guard(_gen_array(_gen_implicit, rtol=1e-6)), _gen_implicit,
             goal="find the implicit bias of gradient descent from a non-zero start",
             hint="the limit solves Xw = y, and w - w0 is orthogonal to the null space "
                  "of X"),
]

#: label -> exercise, in book order.
REGISTRY: dict[str, Exercise] = {ex.label: ex for ex in _EXERCISES}


def get(label: str) -> Exercise:
    """The registered exercise ``label`` (``ValueError`` naming it if there is none)."""
    if not isinstance(label, str):
        raise TypeError(f"label must be a string; got {label!r}")
    try:
        return REGISTRY[label]
    except KeyError:
        raise ValueError(f"exercise {label!r} is not registered in "
                         "nntheory.teaching.exercises") from None


def chapters() -> list[str]:
    """The chapters (notebook stems) that have registered exercises, in order."""
    return sorted({ex.chapter for ex in _EXERCISES})


def for_chapter(chapter: str) -> list[Exercise]:
    """The registered exercises of ``chapter`` (a notebook stem), in book order."""
    return [ex for ex in _EXERCISES if ex.chapter == chapter]


def by_name(chapter: str, name: str) -> Exercise | None:
    """The exercise of ``chapter`` whose check passes ``name=name`` (or whose label is
    ``name``); ``None`` when there is none."""
    for ex in for_chapter(chapter):
        if name == ex.label or name in ex.names:
            return ex
    return None
