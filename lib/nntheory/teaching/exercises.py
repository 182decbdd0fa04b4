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

No message of a verdict contains the expected value or a direction (the same
rule as :mod:`nntheory.teaching.checks`); a hint is given only for a *recognised
mistake* (``mistakes=``: a wrong value, or a predicate, mapped to the
misconception it shows). **Nothing here hands out an answer**: an expected value
is computed inside the check, from the exercise's data (for the student's
variant, :mod:`nntheory.teaching.variants`), by functions that take that data;
no attribute of an :class:`Exercise` holds an expected value, a recognised wrong
value or a hidden case's inputs (hidden cases with random inputs draw fresh ones
each time they run). A value exercise tried with more than :data:`MAX_TRIES`
different wrong numbers in one kernel (``max_tries``, fewer for an answer that is a
small whole number) is not checked any more until the kernel restarts, so guessing
1, 2, 3, ... does not work.

**Implement it yourself.** ``forbid=`` names what an answer must not use
(:mod:`nntheory.teaching.forbid`): the verdict and every hidden case refuse code
that names it and run the student's function with it disabled.

**Written answers.** ``kind="written"`` with a ``rubric=``: an explanation or a
proof that a teacher marks by hand (the student copy has a tagged Markdown answer
cell; the grader copies it into the feedback).

Importing this module imports no core.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from . import checks as _checks
from . import forbid as _forbid
from . import variants as _variants

__all__ = ["Exercise", "HiddenCase", "REGISTRY", "POINTS", "MINUTES", "KINDS", "MAX_TRIES",
           "get", "for_chapter", "chapters", "by_name", "data"]

#: Points and an estimated working time (minutes) per difficulty.
POINTS = {"easy": 1, "medium": 2, "hard": 3}
MINUTES = {"easy": 10, "medium": 25, "hard": 45}

Verdict = tuple[bool, str]
#: What an exercise asks for.
KINDS = ("value", "function", "construction", "written")
#: Different wrong numbers one kernel may try on a value exercise (``max_tries=`` per
#: exercise: fewer where the answer is a small whole number).
MAX_TRIES = 8
_TRIES: dict[str, set[str]] = {}
#: Every call of a visible check (``check_exercise``, ``ex.verdict``, ``ex.check``) is
#: logged to the grading log; the grader's private copy of this module turns it off.
_LOG_VERDICTS = True
#: The grader's private copy wraps the student's function with this (the lock on while
#: it runs: :func:`nntheory.teaching.grade.in_kernel`); ``None`` elsewhere.
_CALL_WRAPPER = None


@dataclass(frozen=True)
class HiddenCase:
    """One hidden case: ``run(answer) -> (ok, message)``; ``what`` says in words what
    is tested (shown in the feedback), never the inputs' values."""
    what: str
    run: Callable[[object], Verdict]


@dataclass(frozen=True)
class Exercise:
    """One exercise of a chapter (see the module docstring).

    ``check(answer) -> (ok, message)`` is the visible case; ``mistakes`` maps a
    recognised wrong answer (a number, compared to 1e-9, or a predicate
    ``answer -> bool``) to the misconception it shows; ``forbid`` names what the
    answer must not use; ``data`` (no arguments) gives the exercise's data for the
    current variant. Once registered, ``check``, ``hidden`` and ``mistakes`` are
    replaced by guarded versions: ``mistakes`` keeps only the misconceptions' texts.
    """
    label: str
    chapter: str
    title: str
    difficulty: str
    answer: str
    names: tuple[str, ...]
    check: Callable[[object], Verdict] | None
    hidden: tuple[HiddenCase, ...] = ()
    goal: str = ""
    hint: str | None = None
    needs_human: str = ""   # what a teacher reads by hand (an explanation asked for)
    kind: str = field(default="value")
    forbid: tuple[str, ...] = ()
    mistakes: object = ()
    rubric: str = ""
    data: Callable[[], object] | None = field(default=None, repr=False)
    max_tries: int = MAX_TRIES

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}; got {self.kind!r}")
        if self.kind == "written" and not self.rubric:
            raise ValueError(f"exercise {self.label!r}: a written exercise needs a rubric=")
        if self.kind != "written" and not callable(self.check):
            raise TypeError(f"exercise {self.label!r}: check must be callable")
        if isinstance(self.forbid, str):
            raise TypeError("forbid must be a tuple of dotted names, not one string")
        pairs = tuple(dict(self.mistakes).items()) if self.mistakes else ()
        set_ = object.__setattr__
        set_(self, "forbid", tuple(self.forbid))
        set_(self, "mistakes", tuple(message for _, message in pairs))
        if self.kind == "written":
            set_(self, "check", _written)
            return
        set_(self, "check", _enforce(self.label, self.answer, self.check, self.forbid, pairs,
                                     count=self.max_tries if self.kind in
                                     ("value", "construction") else 0, log=True))
        set_(self, "hidden", tuple(HiddenCase(c.what, _enforce(self.label, self.answer, c.run,
                                                                self.forbid, (), count=0))
                                   for c in self.hidden))

    @property
    def points(self) -> int:
        return POINTS[self.difficulty]

    @property
    def minutes(self) -> int:
        return MINUTES[self.difficulty]

    def verdict(self, answer) -> Verdict:
        """``(ok, message)`` of the visible case: a try like
        :func:`~nntheory.teaching.checks.check_exercise` (logged for the grader, and
        counted towards the exercise's limit of different wrong answers)."""
        return self.check(answer)


def _written(answer) -> Verdict:
    return False, "a written answer: your teacher marks it"


def _is_mistake(key, answer) -> bool:
    if callable(key):
        return bool(key(answer))
    try:
        value, target = _checks._as_float(answer), float(key)
    except (TypeError, ValueError):
        return False
    return abs(value - target) <= 1e-9 * max(1.0, abs(target))


def _try_key(answer) -> tuple | None:
    """What identifies a try: the numbers of the answer (a number, an array, a list of
    arrays of different shapes); ``None`` for junk (told its form, not counted)."""
    try:
        value = _checks._as_array(answer).ravel()
    except Exception:
        if not isinstance(answer, (list, tuple)) or not answer:
            return None
        try:
            value = np.concatenate([_checks._as_array(a).ravel() for a in answer])
        except Exception:
            return None
    if not value.size or not np.all(np.isfinite(value)):
        return None
    return tuple(value.tolist())


def _enforce(label: str, variable: str, check: Callable[[object], Verdict],
             forbid: tuple[str, ...], mistakes: tuple, *, count: int, log: bool = False):
    """``check`` with the exercise's rules: refuse forbidden source, run a function
    answer with the forbidden callables disabled, name a recognised mistake, and
    stop answering a value or construction exercise after ``count`` different wrong
    answers. ``log``: every call is a try, written to the grading log."""
    forbid = (*forbid, _forbid.REGISTRY_INTERNALS)   # every exercise: no registry helpers

    def verdict(answer) -> Verdict:
        ok, message = judged(answer)
        if log and _LOG_VERDICTS:
            mark = "✅ Correct" if ok else "❌ Not yet"
            _checks._record(label, label, ok, False, f"{mark} [{label}]: {message}")
        return ok, message

    def judged(answer) -> Verdict:
        if count and len(_TRIES.get(label, ())) >= count:
            return False, (f"{count} different wrong answers were tried in this session; "
                           "work it out, then restart the kernel and run again")
        why = _forbid.refusal(answer, forbid, variable)
        if why:
            return False, why
        if callable(answer) and _CALL_WRAPPER is not None:
            answer = _CALL_WRAPPER(answer)
        given = _forbid.guard(answer, forbid) if callable(answer) else answer
        _forbid.tripped(clear=True)
        try:
            ok, message = check(given)
        except _forbid.ForbiddenError as exc:
            ok, message = False, str(exc)
        except Exception as exc:
            ok, message = False, f"the answer could not be checked ({type(exc).__name__})"
        tripped = _forbid.tripped(clear=True)
        if tripped:
            return False, tripped[0]
        ok = bool(ok)
        if not ok:
            for key, text in mistakes:
                try:
                    hit = _is_mistake(key, answer)
                except Exception:
                    hit = False
                if hit:
                    message = text
                    break
            if count:                        # numbers, arrays, lists of arrays
                key = _try_key(answer)
                if key is not None:
                    _TRIES.setdefault(label, set()).add(key)
        return ok, str(message)
    verdict.__name__ = f"verdict_{label.replace('-', '_')}"
    return verdict


def data(label: str):
    """The data of exercise ``label`` for the current variant (what its data cell
    prints; the check computes the expected value from the same data)."""
    ex = get(label)
    if ex.data is None:
        raise ValueError(f"exercise {label!r} has no variant data")
    return ex.data()


# ------------------------------------------------------------------ small helpers


def _number(expected: Callable[[object], object], data: Callable[[], object],
            rtol: float = 1e-6, atol: float = 0.0):
    """A number checked against ``expected(data())``: computed inside the check, from
    the current variant's data."""
    def check(answer) -> Verdict:
        return _checks.number_verdict(answer, expected(data()), rtol=rtol, atol=atol)
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


def _pc_data():
    return _PC_U, _PC_X, _PC_Y


def _pc_margin(d) -> float:
    from .. import perceptron
    u, X, y = d
    return perceptron.margin(u, X, y)


def _pc_epoch(answer) -> Verdict:
    from .. import perceptron
    _, X, y = _pc_data()
    expected = perceptron.train_perceptron(X, y, max_epochs=1).w
    return _checks.array_verdict(answer, expected, rtol=1e-9, atol=1e-12)


def _pc_epoch_strict(answer) -> bool:
    """The pass as if y_i <w, x_i> = 0 were not a mistake."""
    _, X, y = _pc_data()
    Xb, w = np.hstack([X, np.ones((len(X), 1))]), np.zeros(X.shape[1] + 1)
    for xi, yi in zip(Xb, y, strict=True):
        if yi * (w @ xi) < 0:
            w = w + yi * xi
    return _checks.array_verdict(answer, w, rtol=1e-9, atol=1e-12)[0]


def _pc_lengths_expected(X) -> tuple[int, float, float, float, float]:
    """(mistakes, gamma*, bound, k R^2 / |w_k|^2, |w_k|^2 / <u*, w_k>^2)."""
    from itertools import permutations

    from .. import perceptron
    ones = np.ones(4)
    counts = {perceptron.train_perceptron(X, ones, order=list(p),
                                          add_bias=False).mistakes
              for p in permutations(range(4))}
    if len(counts) != 1:
        raise RuntimeError("the number of mistakes depends on the order")
    k = counts.pop()
    w = perceptron.train_perceptron(X, ones, add_bias=False).w
    u, gamma = perceptron.max_margin(X, ones, add_bias=False)
    R = perceptron.radius(X, add_bias=False)
    return k, gamma, (R / gamma) ** 2, k * R**2 / (w @ w), (w @ w) / (u @ w) ** 2


def _pc_lengths(answer) -> Verdict:
    if not isinstance(answer, (list, tuple)) or len(answer) != 5:
        return False, ("give five numbers: (mistakes, best margin, bound, "
                       "norm factor, Cauchy-Schwarz factor)")
    expected = _pc_lengths_expected(_LEN_X)
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
    return False, "not correct"          # which part is not said: parts could be guessed


# ------------------------------------------------------------------ chapter 2

_COLLINEAR = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
_FARKAS_X = np.array([[0.0], [1.0], [2.0]])
_FARKAS_Y = np.array([1.0, -1.0, 1.0])


def _xor_collinear(X) -> int:
    from .. import separability
    return separability.count_separable_dichotomies(X)


def _xor_farkas(answer) -> Verdict:
    from .. import separability
    lam = _checks._as_array(answer)
    if lam.shape != (3,):
        return False, "give three multipliers, one per point"
    ok = separability.check_certificate(_FARKAS_X, _FARKAS_Y, lam)
    return ok, ("a valid proof that no threshold separates these labels" if ok else
                "not a certificate for these labels")


def _xor_parity(answer) -> Verdict:
    """Exact up to round-off: weights like 1/3 are exact in real arithmetic but leave
    errors of about 1e-16 in floating point, so the check allows 1e-9."""
    from .. import datasets
    net = _mlp([3, 3, 1], "relu", _params(answer, 4))
    cube = datasets.boolean_cube(3)
    error = np.abs(net.forward(cube).ravel() - cube.sum(axis=1) % 2)
    wrong = int(np.sum(~(error <= 1e-9)))       # NaN counts as wrong
    return wrong == 0, ("exact on every point of the cube" if wrong == 0
                        else f"wrong on {wrong} of 8 points")


# ------------------------------------------------------------------ chapter 3


_BP_WIDTHS = (3, 64, 64, 10)


def _bp_count(widths) -> int:
    from .. import numpy_core as npc
    return npc.MLP(list(widths)).n_parameters


def _bp_weights_only(widths) -> int:
    return int(sum(a * b for a, b in zip(widths[:-1], widths[1:], strict=False)))


def _bp_scalar_data():
    """(x, y, w1, b1, w2, b2) of the student's variant (variant 0: the chapter's)."""
    def draw(rng):
        while True:
            x = float(rng.choice([-2.0, -1.5, -1.0, 1.0, 1.5, 2.0]))
            y = float(rng.choice([-1.0, 0.5, 1.0, 2.0]))
            w1, b1, w2, b2 = (float(v) for v in np.round(rng.uniform(-1.5, 1.5, 4), 1))
            if abs(_bp_scalar((x, y, w1, b1, w2, b2))) > 0.05 and w1 != 0 and w2 != 0:
                return x, y, w1, b1, w2, b2
    return _variants.instance("ex-bp-scalar", lambda: (2.0, 1.0, 0.5, -0.2, 1.5, 0.1), draw)


def _bp_scalar(d) -> float:
    from .. import numpy_core as npc
    x, y, w1, b1, w2, b2 = d
    tiny = npc.MLP([1, 1, 1], "tanh")
    tiny.set_parameters([np.array([[w1]]), np.array([b1]), np.array([[w2]]),
                         np.array([b2])])
    return float(npc.loss_and_gradients(tiny, [[x]], [[y]])[1][0][0, 0])


def _bp_sign_flipped(answer) -> bool:
    """dL/dw1 with the sign of 2 (y - y_hat) instead of 2 (y_hat - y), to two digits."""
    value, target = _checks._as_float(answer), _bp_scalar(_bp_scalar_data())
    return abs(value + target) <= 0.02 * abs(target)


def _softplus_case(seed: int | None, sizes, n: int, scale: float = 1.0):
    """``seed=None`` (a hidden case): fresh random data each time it runs."""
    def run(fn) -> Verdict:
        from .. import gradcheck
        from .. import numpy_core as npc
        if not callable(fn):
            return False, "softplus_gradients is not a function"
        rng = np.random.default_rng(seed)
        net_seed = int(rng.integers(2**31)) if seed is None else seed + 1
        X = scale * rng.normal(size=(n, sizes[0]))
        Y = rng.normal(size=(n, sizes[-1]))
        net = npc.MLP(list(sizes), "softplus", init="xavier", seed=net_seed)
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


def _ua_units(d) -> int:
    from .. import constructions
    lo, hi, second, tol = d
    return next(m for m in range(1, 1000)
                if constructions.interpolation_bound(lo, hi, m + 1, second) <= tol)


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
    return ok, ("the count of the block-diagonal construction" if ok else "not correct")


def _depth_layers(answer) -> Verdict:
    from .. import constructions, depth
    if len(answer) != 2 or not all(_is_whole(v) and v >= 1 for v in answer):
        return False, "expected two whole numbers (m, N), both at least 1"
    m, N = (int(v) for v in answer)
    ok_m = depth.yarotsky_error(m) <= 1e-6 < depth.yarotsky_error(m - 1)
    ok_N = (constructions.interpolation_bound(0, 1, N + 1, 2.0) <= 1e-6
            < constructions.interpolation_bound(0, 1, N, 2.0))
    return ok_m and ok_N, "both are the least sizes" if ok_m and ok_N else "not correct"


def _fold_on(xs: np.ndarray):
    def run(answer) -> Verdict:
        from .. import depth
        net = _mlp([1, 3, 3, 1], "relu", _params(answer, 6))
        p = depth.count_pieces(net, 0.0, 1.0)
        ends = float(np.abs(net.predict(xs[:, None])).max())
        if p < 9:
            return False, f"only {p} pieces"
        if ends > 1e-12:
            return False, f"{p} pieces, but the network does not vanish at both ends"
        return True, "enough pieces, and zero at both ends"
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
    return ok, ("right" if ok else "not correct")


def _res_project(answer) -> Verdict:
    from .. import polynomials as poly
    c = [float(v) for v in answer]
    if len(c) > 3 and any(abs(v) > 1e-12 for v in c[3:]):
        return False, "the projection has degree at most 2"
    c = (c + [0.0, 0.0, 0.0])[:3]
    expected = [float(v) for v in poly.l2_projection_exact([0, 0, 0, 0, 1], 2)]
    ok = bool(np.allclose(c, expected, rtol=1e-9, atol=1e-12))
    return ok, ("the residual x^4 - p is orthogonal to 1, x and x^2" if ok else
                "not correct: check that x^4 - p is orthogonal to 1, x and x^2")


def _res_inverse(answer) -> Verdict:
    from .. import polynomials as poly
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
    from .. import depth
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
    return ok_w and ok_n, "both right" if ok_w and ok_n else "not correct"


# ------------------------------------------------------------------ chapter 8


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
    """A function of alpha must keep ``E[q_l]`` at every slope of ``alphas`` (``None``:
    three slopes drawn afresh each run); a value (accepted by the exercise) is checked
    at alpha = 0.01 by the visible case only."""
    fixed = alphas

    def run(answer) -> Verdict:
        alphas = fixed if fixed is not None else \
            tuple(np.round(np.random.default_rng().uniform(0.02, 0.98, 3), 3))
        if not callable(answer):
            if not visible:
                return True, "a value, not a function: nothing more to test"
            return _checks.number_verdict(answer, 1 / _leaky_second_moment(0.01), rtol=1e-6)
        for alpha in alphas:
            where = f"for alpha = {alpha}" if visible else "for one of these slopes"
            try:
                value = _checks._as_float(answer(alpha))
            except Exception as exc:         # its message could show a hidden input
                return False, f"the function raised {type(exc).__name__} {where}"
            if not abs(value * _leaky_second_moment(alpha) - 1) < 1e-6:  # NaN fails
                return False, f"not correct {where}"
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
        return False, "the two networks compute different functions"
    return _guard(run)


def _torch_limit(n: int, gain: float) -> float:
    """Where the library's recursion of ``E[q_l]`` settles (ReLU, torch's default
    initialisation, weights scaled by ``gain``): run it until the contraction factor
    ``gain^2 / 6`` has shrunk the distance to the limit below 1e-13."""
    from .. import initialisation as ini
    depth = 10 + math.ceil(math.log(1e-13) / math.log(gain ** 2 / 6))
    return float(ini.mean_field("relu", "torch", n, depth, gain=gain)[-1])


def _torch_on(cases, *, visible: bool):
    """``cases=None``: three (width, gain) drawn afresh each run."""
    fixed = cases

    def run(answer) -> Verdict:
        cases = fixed
        if cases is None:
            rng = np.random.default_rng()
            cases = tuple((int(rng.integers(1, 300)), float(np.round(rng.uniform(0.1, 2.2), 3)))
                          for _ in range(3))
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
             "gamma_answer", ("margin",),
             _guard(_number(_pc_margin, _pc_data, rtol=_BY_HAND)),
             forbid=("nntheory.perceptron.margin",),
             goal="compute the margin of a separator on augmented points"),
    Exercise("ex-perceptron-epoch", "01_perceptron", "One pass by hand", "medium",
             "w_after_pass", ("one pass",), _guard(_pc_epoch),
             forbid=("nntheory.perceptron.train_perceptron",),
             mistakes={(lambda a: _pc_epoch_strict(a)): "a point with y_i <w, x_i> = 0 "
                       "counts as a mistake: the update is made there too"},
             goal="run the perceptron's update rule by hand"),
    Exercise("ex-perceptron-lengths", "01_perceptron", "Orthogonal data of unequal lengths",
             "hard", "lengths_answer", ("orthogonal data of unequal lengths",),
             _guard(_pc_lengths), forbid=("nntheory.perceptron",),
             goal="locate the two inequalities where Novikoff's bound loses",
             needs_human="the explanation of the two factors (which step of the proof "
                         "each one measures)"),
    # chapter 2
    Exercise("ex-xor-count", "02_xor", "Four points on a line", "easy", "n_collinear",
             ("separable labellings of four collinear points",),
             _guard(_number(_xor_collinear, lambda: _COLLINEAR)),
             max_tries=3,
             mistakes={16: "16 = 2^4 counts every labelling: on a line, a threshold cannot "
                           "realise labellings that alternate",
                       14: "14 is Cover's count for points in general position in the plane; "
                           "these points are collinear"},
             goal="see why Cover's count needs general position"),
    Exercise("ex-xor-farkas", "02_xor", "A certificate on the line", "medium", "lam_line",
             ("Farkas certificate",), _guard(_xor_farkas),
             forbid=("nntheory.separability.farkas_certificate",),
             goal="write a Farkas certificate of non-separability", kind="construction"),
    Exercise("ex-xor-parity", "02_xor", "Parity of three bits", "hard", "parity_params",
             ("parity network",), _guard(_xor_parity),
             goal="build a two-layer ReLU network for parity", kind="construction"),
    # chapter 3
    Exercise("ex-bp-count", "03_backprop", "Counting parameters", "easy", "n_params",
             ("parameter count",), _guard(_number(_bp_count, lambda: _BP_WIDTHS)),
             forbid=("nntheory.numpy_core.MLP", "nntheory.torch_core.MLP",
                     "nntheory.common.n_parameters", "torch.nn"),
             mistakes={(lambda a: _checks._as_float(a) == _bp_weights_only(_BP_WIDTHS)):
                       "you counted the weights but not the biases"},
             goal="count the parameters of a multilayer perceptron"),
    Exercise("ex-bp-scalar", "03_backprop", "One gradient by hand", "medium", "dL_dw1",
             ("dL/dw1",), _guard(_number(_bp_scalar, _bp_scalar_data, rtol=1e-3)),
             data=_bp_scalar_data,
             forbid=("nntheory.numpy_core.loss_and_gradients",
                     "nntheory.torch_core.loss_and_gradients", "nntheory.numpy_core.MLP",
                     "nntheory.torch_core.MLP", "torch.autograd", "torch.func"),
             mistakes={_bp_sign_flipped: "the sign is wrong: the derivative of the loss "
                                         "with respect to the prediction is 2 (y_hat - y)"},
             goal="apply the chain rule through one unit"),
    Exercise("ex-bp-softplus", "03_backprop", "A backward pass for softplus", "hard",
             "softplus_gradients", ("softplus backward pass",),
             _softplus_case(11, (3, 4, 2), 7),
             hidden=(HiddenCase("other widths and batch size",
                                _softplus_case(None, (2, 6, 3), 13)),
                     HiddenCase("one example, one output", _softplus_case(None, (4, 3, 1), 1)),
                     HiddenCase("large inputs",
                                _softplus_case(None, (3, 5, 2), 9, scale=30.0))),
             forbid=("nntheory.numpy_core.loss_and_gradients",
                     "nntheory.torch_core.loss_and_gradients", "nntheory.gradcheck",
                     "torch.autograd", "torch.func"),
             goal="derive and implement backpropagation for a new activation",
             kind="function"),
    # chapter 4
    Exercise("ex-ua-units", "04_universal_approximation", "How many units for three decimals?",
             "easy", "units_needed", ("hidden units for 1e-3",),
             _guard(_number(_ua_units, lambda: (-1, 1, math.pi ** 2, 1e-3))),
             forbid=("nntheory.constructions.interpolation_bound",),
             goal="turn an interpolation error bound into a network size"),
    Exercise("ex-ua-hat", "04_universal_approximation", "A hat from three ReLUs", "medium",
             "hat_params", ("hat network",), _hat_on(np.linspace(-4, 4, 8001)),
             hidden=(HiddenCase("far from the origin and at random points", _hat_on(_WIDE)),),
             forbid=("nntheory.depth.relu_spline", "nntheory.constructions"),
             goal="build a ReLU network by hand", kind="construction"),
    Exercise("ex-ua-square", "04_universal_approximation", "The best square network for |x|",
             "hard", "square_params", ("best square network",),
             _square_floor(np.linspace(-1, 1, 4001)),
             hidden=(HiddenCase("a finer grid with the extremal points", _square_floor(_DENSE)),),
             forbid=("nntheory.separation.shallow_square_best",),
             goal="use equioscillation to find a best approximation", kind="construction"),
    # chapter 5
    Exercise("ex-depth-product", "05_depth", "Non-zero weights of the product network", "easy",
             "product_nonzeros", ("non-zeros of the product network",), _guard(_depth_product),
             forbid=("nntheory.depth.nonzero_parameters", "nntheory.depth.yarotsky_product"),
             goal="count the non-zero parameters of a block-diagonal construction"),
    Exercise("ex-depth-layers", "05_depth", "Layers for six digits", "medium",
             "layers_and_units", ("layers and units for 1e-6",), _guard(_depth_layers),
             forbid=("nntheory.depth.yarotsky_error",
                     "nntheory.constructions.interpolation_bound"),
             goal="compare deep and shallow sizes for one accuracy"),
    Exercise("ex-depth-fold", "05_depth", "Nine pieces that vanish at the ends", "hard",
             "fold_params", ("nine pieces, zero ends",), _fold_on(np.array([0.0, 1.0])),
             forbid=("nntheory.depth.folding_net", "nntheory.depth.sawtooth",
                     "nntheory.separation.sawtooth_series_net"),
             goal="use composition to multiply linear pieces", kind="construction"),
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
    # chapter 8
    Exercise("ex-init-leaky", "08_activations", "He's constant for leaky ReLU", "easy",
             "he_constant", ("He's constant for leaky ReLU",),
             _leaky_on((0.01, 0.2, 0.5), visible=True),
             hidden=(HiddenCase("ReLU and the identity (the ends of the slopes)",
                                _leaky_on((0.0, 1.0), visible=False)),
                     HiddenCase("other slopes",
                                _leaky_on(None, visible=False))),
             forbid=("nntheory.initialisation.second_moment",
                     "nntheory.initialisation.weight_variance",
                     "torch.nn.init.calculate_gain"),
             goal="derive the variance-preserving weight scale for leaky ReLU"),
    Exercise("ex-init-tanh-sigmoid", "08_activations",
             "A sigmoid network for a tanh network", "medium", "sigmoid_params",
             ("tanh to sigmoid",),
             _tanh_as_sigmoid_on(np.linspace(-3, 3, 61)),
             hidden=(HiddenCase("far from the origin and at random points",
                                _tanh_as_sigmoid_on(_FAR)),),
             forbid=("nntheory.initialisation.tanh_to_sigmoid",),
             goal="rewrite a tanh network as a sigmoid network", kind="construction"),
    Exercise("ex-init-torch", "08_activations",
             "Where torch's default initialisation settles", "hard", "torch_fixed_point",
             ("fixed point of torch's default initialisation",),
             _torch_on(((32, 1.0), (10, 2.0), (7, 0.5)), visible=True),
             hidden=(HiddenCase("other widths and gains (drawn afresh)",
                                _torch_on(None, visible=False)),
                     HiddenCase("gains close to the critical one",
                                _torch_on(((64, 2.4), (1000, 2.3)), visible=False))),
             forbid=("nntheory.initialisation.mean_field",),
             goal="find where the signal recursion with biases settles",
             needs_human="for which gains the recursion settles (the argument)",
             kind="function"),
]

# ------------------------------------------------------------------ chapter 9

#: the data of chapter 9's first exercise (the notebook defines the same array)
_OPT_X = np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 1.0], [2.0, 2.0]])
_OPT_MOMENTUM = 0.9


def _opt_L(X) -> float:
    from .. import optimisation as op
    return float(np.linalg.eigvalsh(op.linear_mse_hessian(X)).max())


def _opt_threshold_expected(d) -> float:
    """The heavy ball's stability limit 2(1 + beta)/L (roots of z^2 - (1 + beta - eta
    lambda) z + beta inside the unit circle)."""
    X, beta = d
    return 2 * (1 + beta) / _opt_L(X)


def _opt_threshold(answer) -> Verdict:
    return _checks.number_verdict(_checks._as_float(answer),
                                  _opt_threshold_expected((_OPT_X, _OPT_MOMENTUM)), rtol=1e-3)


def _opt_gd_threshold(answer) -> bool:
    return abs(_checks._as_float(answer) * _opt_L(_OPT_X) / 2 - 1) < 1e-3


def _adamax_on(cases, *, visible: bool):
    """``adamax_step`` must follow ``torch.optim.Adamax`` for every
    ``(lr, beta1, beta2, eps, scales, steps, zero_start)`` of ``cases``."""
    def run(answer) -> Verdict:
        if not callable(answer):
            return False, ("expected a function adamax_step(p, g, m, u, t, lr, beta1, beta2, "
                           "eps)")
        import torch
        gen = np.random.default_rng(11 if visible else None)   # hidden: fresh data
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
                    return False, f"differs from torch at step {t} {where}"
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
        return False, "Adam still finds -1"
    return _guard(run)


_EXERCISES += [
    Exercise("ex-opt-threshold", "09_optimisers", "The stability threshold with momentum",
             "easy", "hb_threshold", ("heavy-ball stability threshold",),
             _guard(_opt_threshold),
             forbid=("nntheory.optimisation.run_optimizer",),
             mistakes={_opt_gd_threshold: "that is plain gradient descent's threshold: the "
                                          "momentum changes where a root of the heavy ball's "
                                          "iteration leaves the unit circle"},
             goal="find the learning rate at which the heavy ball becomes unstable"),
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
             forbid=("torch.optim", "nntheory.optimisation.run_optimizer"),
             goal="implement an optimiser's update exactly as torch.optim computes it",
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


def _gen_labellings(d) -> int:
    from .. import separability
    return separability.cover_count(*d)


def _gen_rademacher(d) -> float:
    from .. import generalisation
    return generalisation.rademacher_linear_exact(*d)


def _gen_ntk(X) -> np.ndarray:
    from .. import generalisation
    return generalisation.arccos_ntk(X)[0]


def _gen_implicit(d) -> np.ndarray:
    from .. import generalisation
    return generalisation.implicit_bias_limit(*d)


def _gen_array(expected: Callable[[object], object], data: Callable[[], object],
               rtol: float, atol: float = 1e-9):
    def check(answer) -> Verdict:
        return _checks.array_verdict(answer, expected(data()), rtol=rtol, atol=atol)
    return check


_EXERCISES += [
    Exercise("ex-gen-vc", "10_generalisation", "Nine points in seven dimensions", "easy",
             "n_labellings", ("separable labellings of nine points in R^7",),
             _guard(_number(_gen_labellings, lambda: (9, 7))),
             forbid=("nntheory.separability.cover_count",
                     "nntheory.separability.count_separable_dichotomies"),
             mistakes={512: "512 = 2^9 counts every labelling: nine points in R^7 are more "
                            "than the VC dimension allows to shatter"},
             goal="count the labellings halfspaces realise beyond the VC dimension"),
    Exercise("ex-gen-vc-why", "10_generalisation", "Which two are missing?", "medium", "",
             (), None, kind="written",
             goal="explain a counting argument with Radon's theorem",
             needs_human="the explanation (the answer cell)",
             rubric="2 points in all. 1 point: names the two labellings no halfspace "
                    "realises, the Radon partition (I positive, J negative) and its negative, "
                    "and says why (the hulls of I and J meet, and a halfspace containing I "
                    "contains its hull). 1 point: why every other labelling is realised "
                    "(the partition is unique for points in general position, or Cover's "
                    "count 2(2^8 - 1) = 2^9 - 2). Half a point off for an argument that "
                    "needs the points to be in convex position."),
    Exercise("ex-gen-rademacher", "10_generalisation",
             "Rademacher complexity of two points at an angle", "medium", "rademacher_2",
             ("Rademacher complexity of two points",),
             _guard(_number(_gen_rademacher, lambda: ([[1.0, 0.0], [1.0, 1.0]], 2.0),
                            rtol=2e-3)),
             forbid=("nntheory.generalisation.rademacher_linear_exact",
                     "nntheory.generalisation.rademacher_linear_mc"),
             goal="compute an empirical Rademacher complexity by enumerating signs"),
    Exercise("ex-gen-ntk", "10_generalisation", "The tangent kernel of orthogonal inputs",
             "medium", "ntk_values", ("tangent kernel of orthogonal unit vectors",),
             _guard(_gen_array(_gen_ntk, lambda: np.eye(2), rtol=2e-3)),
             forbid=("nntheory.generalisation.arccos_ntk",),
             goal="evaluate the arc-cosine tangent kernel"),
    Exercise("ex-gen-implicit", "10_generalisation", "Where gradient descent ends", "hard",
             "w_limit", ("limit of gradient descent",),
             _guard(_gen_array(_gen_implicit, lambda: ([[1.0, 1, 0], [0, 1, 1]], [2.0, 2],
                                                       [1.0, 0, 0]), rtol=1e-6)),
             forbid=("nntheory.generalisation.implicit_bias_limit",),
             goal="find the implicit bias of gradient descent from a non-zero start"),
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
