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

import numbers
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import checks as _checks
from . import forbid as _forbid

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


#: by-hand numbers: three significant digits pass
_BY_HAND = 2e-3

def _is_whole(value) -> bool:
    return (isinstance(value, numbers.Integral) and not isinstance(value, bool)) or (
        isinstance(value, float | np.floating) and float(value).is_integer())



# ------------------------------------------------------------------ the registry

from .bank import ch01_02, ch03_04, ch05, ch06_07, ch08_09, ch10  # noqa: E402 - use the above

_EXERCISES: list[Exercise] = [*ch01_02.EXERCISES, *ch03_04.EXERCISES, *ch05.EXERCISES,
                              *ch06_07.EXERCISES,
                              *ch08_09.EXERCISES, *ch10.EXERCISES]

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
