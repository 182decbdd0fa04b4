"""Answer checks for the exercises: a clear pass/fail message, never a traceback.

Each check takes the student's answer and prints one line that starts with
``✅ Correct``, ``❌ Not yet`` or ``… Not yet solved`` (when the answer is still
the placeholder ``...`` or ``None`` of a student copy), and returns ``True`` only
on a correct answer. Whatever the answer is (wrong type, wrong shape, NaN, an
exception inside the check itself), the check reports instead of raising.

A wrong answer is told *that* it is "not correct", and nothing that points
towards the answer: no direction (too large, too small, a factor of ten, a sign),
no formula, no count of right entries, so bisection and guessing by parts learn
nothing. What is reported is the form of an answer: a wrong shape or type, NaN,
not a whole number where one is asked for. A correct answer is told "right"
without its value (the book's site shows the solved notebooks' check outputs).
An exercise of the registry may list *recognised mistakes* (``mistakes=`` in
:mod:`nntheory.teaching.exercises`): only those get a hint. Every correct form of
an answer passes: a Python or NumPy number, a 0-d or one-element array, a torch
tensor, a ``Fraction``.

Mistakes of the exercise's author (a negative ``rtol``, a predicate that is not
callable) raise at once, with the argument named, so that they are found when
the chapter is written rather than by a student.

**Grading.** Every check can name its exercise (``exercise="ex-bp-count"``, the
``:label:`` of the ``{exercise}`` directive). :func:`check_exercise` checks an answer
against its registered exercise alone (:mod:`nntheory.teaching.exercises`): the
expected value is computed inside the check, for the student's variant
(:mod:`nntheory.teaching.variants`), and no attribute of the registry hands it out.
When the environment variable ``NNTHEORY_GRADE_LOG`` names a file (the grader,
:mod:`nntheory.teaching.grade`, sets it), each check also appends one JSON line
``{"kind": "check", "name", "exercise", "passed", "unsolved", "message"}`` to it:
the grader reads results from that channel, never from printed text.
"""

from __future__ import annotations

import functools
import json
import numbers
import os
from collections.abc import Callable

import numpy as np

from .. import validation

__all__ = ["answer_check", "check_number", "check_array", "check_true", "check_exercise",
           "CheckResult", "UNSOLVED", "LOG_ENV"]

UNSOLVED = (Ellipsis, None)
#: The environment variable naming the file that every check appends its JSON line to.
LOG_ENV = "NNTHEORY_GRADE_LOG"
_FROM_REGISTRY = object()   # the default of ``expected``: none given


def _record(name: str, exercise: str | None, passed: bool, unsolved: bool,
            message: str) -> None:
    """Append the check's result to the grading log, when a grader has named one."""
    path = os.environ.get(LOG_ENV)
    if not path:
        return
    line = json.dumps({"kind": "check", "name": name, "exercise": exercise,
                       "passed": bool(passed), "unsolved": bool(unsolved),
                       "message": message}, ensure_ascii=False)
    try:
        with open(path, "a", encoding="utf-8") as log:
            log.write(line + "\n")
    except OSError:  # a grading log that cannot be written must not break the notebook
        pass


def _check_exercise_label(exercise: object) -> str | None:
    if exercise is None:
        return None
    if not isinstance(exercise, str):
        raise TypeError(f"exercise must be an exercise label (a string) or None; "
                        f"got {exercise!r}")
    from . import exercises  # the registry imports this module: import it lazily
    exercises.get(exercise)  # ValueError naming the label when it is not registered
    return exercise


def _registered(exercise: str | None, expected: object, what: str):
    """``expected``; the registry hands out no expected value, so a check of a
    registered exercise without one is told to use :func:`check_exercise`."""
    if expected is not _FROM_REGISTRY:
        return expected
    if exercise is None:
        raise TypeError(f"{what}: give expected (or check a registered exercise with "
                        "checks.check_exercise(label, answer))")
    raise ValueError(f"{what}: the registry does not hand out expected values; check "
                     f"exercise {exercise!r} with checks.check_exercise({exercise!r}, answer)")


class CheckResult:
    """Truthy when the answer is correct; shows nothing more in a notebook (the
    message has already been printed)."""

    def __init__(self, passed: bool, message: str):
        self.passed = bool(passed)
        self.message = message

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"CheckResult(passed={self.passed})"

    def _ipython_display_(self) -> None:
        pass


def _check_name(name: object) -> str:
    if not isinstance(name, str):
        raise TypeError(f"name must be a string; got {name!r}")
    return name


def _check_hint(hint: object) -> str | None:
    if hint is not None and not isinstance(hint, str):
        raise TypeError(f"hint must be a string or None; got {hint!r}")
    return hint or None


def _check_tolerances(rtol: object, atol: object) -> tuple[float, float]:
    return (validation.check_real(rtol, "rtol", low=0.0),
            validation.check_real(atol, "atol", low=0.0))


def _report(ok: bool, name: str, message: str, hint: str | None = None,
            exercise: str | None = None, record: bool = True) -> CheckResult:
    mark = "✅ Correct" if ok else "❌ Not yet"
    if not ok and hint:
        message = f"{message}. Hint: {hint}" if message else f"Hint: {hint}"
    line = f"{mark} [{name}]: {message}"
    print(line)
    if record:
        _record(name, exercise, ok, False, line)
    return CheckResult(ok, line)


def answer_check(name: str, *, hint: str | None = None, exercise: str | None = None,
                 _logged_by_fn: bool = False):
    """Decorate ``fn(answer, ...) -> (ok, message)`` into a safe, printing check.

    ``fn`` may also return a plain ``bool``. ``hint`` is added to the message of a
    wrong answer; ``exercise`` (a registered label) is recorded for the grader
    (``_logged_by_fn``: ``fn`` writes its own line, a registered exercise's verdict).
    """
    name = _check_name(name)
    hint = _check_hint(hint)
    exercise = _check_exercise_label(exercise)

    def wrap(fn: Callable) -> Callable[..., CheckResult]:
        @functools.wraps(fn)
        def check(answer, *args, **kwargs) -> CheckResult:
            if any(answer is u for u in UNSOLVED):
                line = (f"… Not yet solved [{name}]: replace the ... with your answer "
                        "and run again.")
                print(line)
                _record(name, exercise, False, True, line)
                return CheckResult(False, line)
            try:
                result = fn(answer, *args, **kwargs)
                if isinstance(result, tuple) and len(result) == 2:
                    ok, message = result
                else:
                    ok, message = result, None
                ok = bool(ok)
                if message is None:
                    message = "the answer is right" if ok else "the answer is not right"
            except Exception as exc:  # the checker must never crash on a student's answer
                return _report(False, name, f"the answer could not be checked "
                                            f"({type(exc).__name__}: {exc})", hint, exercise)
            return _report(ok, name, str(message), hint, None if _logged_by_fn else exercise,
                           record=not _logged_by_fn)

        return check

    return wrap


def _entry(value: object) -> float:
    """One entry of an object array (a Fraction, a tensor, a NumPy scalar) as a float;
    never recurses into containers (a dict or a function is refused at once)."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError("True/False, not a number")
    if isinstance(value, numbers.Real):
        return float(value)
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "biuf":
        return float(value.reshape(()))
    raise TypeError(f"an entry of type {type(value).__name__}, not a number")


def _as_array(value: object) -> np.ndarray:
    """``value`` as a float64 array: NumPy, lists, torch tensors (torch imported lazily)."""
    if value is None or isinstance(value, (str, bytes, dict, set)) or callable(value):
        raise TypeError(f"{type(value).__name__}, not a number or an array")
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value)
    except ValueError as exc:      # ragged nested lists
        raise TypeError(f"not an array of numbers ({exc})") from None
    if arr.dtype == object:  # lists of Fractions, tensors, ...: convert entry by entry
        arr = np.vectorize(_entry, otypes=[np.float64])(arr) if arr.size else \
            arr.astype(np.float64)
    if np.iscomplexobj(arr):
        if np.any(np.imag(arr) != 0):
            raise TypeError("complex, not real")
        arr = np.real(arr)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"entries of type {arr.dtype}")
    return arr.astype(np.float64)


def _as_float(value: object) -> float:
    """One real number from any of its correct forms (raises ``TypeError`` otherwise)."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError("True/False, not a number")
    if isinstance(value, numbers.Real):
        return float(value)
    arr = _as_array(value)
    if arr.size != 1:
        raise TypeError(f"an array of shape {arr.shape}, not a single number")
    return float(arr.reshape(()))


#: What every wrong answer that is not a recognised mistake is told.
NOT_CORRECT = "not correct"


def _number_hints(value: float, expected: float, integer: bool) -> str:
    """Why ``value`` is wrong: its form only (a whole number is asked for), never a
    direction, a size or anything else that depends on the expected value."""
    if integer and not float(value).is_integer():
        return "the answer should be a whole number"
    return NOT_CORRECT


def number_verdict(answer, expected, *, rtol: float = 1e-6, atol: float = 0.0,
                   integer: bool | None = None) -> tuple[bool, str]:
    """``(ok, message)`` for one number against ``expected``; the message never
    contains the expected value (see :func:`check_number`)."""
    if integer is None:
        integer = isinstance(expected, numbers.Integral) and not isinstance(expected, bool)
    try:
        target = _as_float(expected)
    except Exception:
        target = float("nan")
    if not np.isfinite(target):
        return False, "this check is misconfigured (its expected value is not a number)"
    try:
        value = _as_float(answer)
    except (TypeError, ValueError) as exc:
        return False, f"expected a single number, got {type(answer).__name__} ({exc})"
    if not np.isfinite(value):
        return False, "the answer is NaN or infinite, not a finite number"
    if abs(value - target) <= atol + rtol * abs(target):
        return True, "right"
    return False, _number_hints(value, target, integer)


def array_verdict(answer, expected, *, rtol: float = 1e-6,
                  atol: float = 1e-12) -> tuple[bool, str]:
    """``(ok, message)`` for an array against ``expected``; the message never contains
    an expected entry or a difference (see :func:`check_array`)."""
    try:
        target = _as_array(expected)
    except Exception:
        return False, "this check is misconfigured (its expected value is not an array)"
    if not np.all(np.isfinite(target)):
        return False, "this check is misconfigured (its expected value is not finite)"
    try:
        arr = _as_array(answer)
    except (TypeError, ValueError) as exc:
        return False, f"expected an array of numbers, got {type(answer).__name__} ({exc})"
    if arr.shape != target.shape:
        return False, f"expected shape {target.shape}, got {arr.shape}"
    if not np.all(np.isfinite(arr)):
        return False, "the answer has NaN or infinite entries"

    def close(a, b):
        return np.abs(a - b) <= atol + rtol * np.abs(b)

    wrong = ~close(arr, target)
    if not wrong.any():
        return True, "right"
    return False, NOT_CORRECT


def _default_name(name: str, exercise: str | None) -> str:
    return exercise if exercise is not None and name == "answer" else name


def check_number(answer, expected: float = _FROM_REGISTRY, *, name: str = "answer",
                 rtol: float = 1e-6, atol: float = 0.0, hint: str | None = None,
                 exercise: str | None = None) -> CheckResult:
    """``answer`` is a real number within ``atol + rtol |expected|`` of ``expected``.

    Accepted forms: ``int``, ``float``, ``Fraction``, NumPy scalars, 0-d or
    one-element arrays and torch tensors. A wrong answer is told "not correct" (or
    "a whole number" when ``expected`` is an integer) and ``hint`` if given: no
    direction, never the expected value. ``rtol``/``atol`` must be ``>= 0``
    (``ValueError`` otherwise, raised at once). ``exercise`` names the registered
    exercise the check belongs to (for the grader); ``expected`` is required (a
    registered exercise is checked with :func:`check_exercise`).
    """
    name = _check_name(name)
    hint = _check_hint(hint)
    rtol, atol = _check_tolerances(rtol, atol)
    exercise = _check_exercise_label(exercise)
    name = _default_name(name, exercise)
    expected = _registered(exercise, expected, "check_number")

    @answer_check(name, hint=hint, exercise=exercise)
    def _check(ans):
        return number_verdict(ans, expected, rtol=rtol, atol=atol)

    return _check(answer)


def check_array(answer, expected=_FROM_REGISTRY, *, name: str = "answer",
                rtol: float = 1e-6, atol: float = 1e-12, hint: str | None = None,
                exercise: str | None = None) -> CheckResult:
    """``answer`` has ``expected``'s shape and matches it entrywise within tolerance.

    Accepted forms: lists, tuples, NumPy arrays, torch tensors. A wrong answer
    is told its shape if that is wrong, else "not correct": never which or how many
    entries are wrong, nor the expected entries or a difference. An answer with
    NaN or infinite entries is never right. ``exercise`` as in :func:`check_number`.
    """
    name = _check_name(name)
    hint = _check_hint(hint)
    rtol, atol = _check_tolerances(rtol, atol)
    exercise = _check_exercise_label(exercise)
    name = _default_name(name, exercise)
    expected = _registered(exercise, expected, "check_array")

    @answer_check(name, hint=hint, exercise=exercise)
    def _check(ans):
        return array_verdict(ans, expected, rtol=rtol, atol=atol)

    return _check(answer)


def check_true(answer, predicate: Callable[[object], tuple[bool, str]], *,
               name: str = "answer", hint: str | None = None,
               exercise: str | None = None) -> CheckResult:
    """Run ``predicate(answer) -> (ok, message)`` (or ``-> bool``) safely.

    For answers with many right forms. The predicate's message is printed as it
    is: it must not reveal the answer either.
    """
    validation.check_callable(predicate, "predicate")
    exercise = _check_exercise_label(exercise)
    name = _default_name(_check_name(name), exercise)
    return answer_check(name, hint=_check_hint(hint), exercise=exercise)(predicate)(answer)


def check_exercise(exercise: str, answer) -> CheckResult:
    """Check ``answer`` against the registered exercise ``exercise`` (its label).

    The expected value and the way of checking (a number, an array, a property)
    come from :mod:`nntheory.teaching.exercises`, so the notebook's check cell is
    one line, ``checks.check_exercise("ex-bp-count", n_params)``, and reveals
    nothing. Hidden cases are not run here: only the grader runs them. A wrong
    answer gets a hint only when the exercise recognises the mistake.
    """
    label = _check_exercise_label(exercise)
    if label is None:
        raise TypeError("exercise must be an exercise label (a string); got None")
    from . import exercises
    ex = exercises.get(label)
    if ex.kind == "written":
        return answer_check(label, exercise=label)(ex.verdict)(answer)
    # the verdict logs every try itself (so does a direct ex.verdict(answer))
    return answer_check(label, exercise=label, _logged_by_fn=True)(ex.verdict)(answer)
