"""Answer checks for the exercises: a clear pass/fail message, never a traceback.

Each check takes the student's answer and prints one line that starts with
``✅ Correct``, ``❌ Not yet`` or ``… Not yet solved`` (when the answer is still
the placeholder ``...`` or ``None`` of a student copy), and returns ``True`` only
on a correct answer. Whatever the answer is (wrong type, wrong shape, NaN, an
exception inside the check itself), the check reports instead of raising.

A wrong answer is told *that* it is wrong, with a hint (wrong sign, off by more
than a factor of ten, not a whole number, wrong shape, entries in another
order, ...) and the exercise's own ``hint=`` if it gives one. A message never
contains the expected value, a difference or a largest difference: the hint
must not give the answer away. Every correct form of an answer passes: a
Python or NumPy number, a 0-d or one-element array, a torch tensor, a
``Fraction``.

Mistakes of the exercise's author (a negative ``rtol``, a predicate that is not
callable) raise at once, with the argument named, so that they are found when
the chapter is written rather than by a student.

**Grading.** Every check can name its exercise (``exercise="ex-bp-count"``, the
``:label:`` of the ``{exercise}`` directive); with a label and no expected value,
the expected value comes from the exercise registry
(:mod:`nntheory.teaching.exercises`), so no visible cell computes it.
:func:`check_exercise` checks an answer against its registered exercise alone.
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
_FROM_REGISTRY = object()   # the default of ``expected``: take it from the registry


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
    """``expected``, or the registered exercise's expected value when it is omitted."""
    if expected is not _FROM_REGISTRY:
        return expected
    if exercise is None:
        raise TypeError(f"{what}: give expected, or exercise= the label of a registered "
                        "exercise")
    from . import exercises
    return exercises.get(exercise).expected_value()


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
            exercise: str | None = None) -> CheckResult:
    mark = "✅ Correct" if ok else "❌ Not yet"
    if not ok and hint:
        message = f"{message}. Hint: {hint}" if message else f"Hint: {hint}"
    line = f"{mark} [{name}]: {message}"
    print(line)
    _record(name, exercise, ok, False, line)
    return CheckResult(ok, line)


def answer_check(name: str, *, hint: str | None = None, exercise: str | None = None):
    """Decorate ``fn(answer, ...) -> (ok, message)`` into a safe, printing check.

    ``fn`` may also return a plain ``bool``. ``hint`` is added to the message of a
    wrong answer; ``exercise`` (a registered label) is recorded for the grader.
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
            return _report(ok, name, str(message), hint, exercise)

        return check

    return wrap


def _as_array(value: object) -> np.ndarray:
    """``value`` as a float64 array: NumPy, lists, torch tensors (torch imported lazily)."""
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError("not a number")
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    arr = np.asarray(value)
    if arr.dtype == object:  # lists of Fractions, tensors, ...: convert entry by entry
        arr = np.vectorize(_as_float, otypes=[np.float64])(arr) if arr.size else \
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


def _number_hints(value: float, expected: float, integer: bool) -> str:
    """Why ``value`` is wrong, without the expected value or the difference."""
    if integer and not float(value).is_integer():
        return "the answer should be a whole number"
    if expected != 0 and value != 0 and np.sign(value) != np.sign(expected):
        return "the sign is wrong"
    if expected != 0 and value == 0:
        return "the answer is not zero"
    if expected == 0:
        return "the answer is not right"
    ratio = abs(value) / abs(expected)
    if ratio > 10:
        return "too large, by more than a factor of ten"
    if ratio < 0.1:
        return "too small, by more than a factor of ten"
    if ratio > 1:
        return "the right sign and order of magnitude, but too large"
    return "the right sign and order of magnitude, but too small"


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
        return True, f"{value:.6g} is right"
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
        return True, "all entries match"
    return False, _array_hints(arr, target, wrong, close)


def _default_name(name: str, exercise: str | None) -> str:
    return exercise if exercise is not None and name == "answer" else name


def check_number(answer, expected: float = _FROM_REGISTRY, *, name: str = "answer",
                 rtol: float = 1e-6, atol: float = 0.0, hint: str | None = None,
                 exercise: str | None = None) -> CheckResult:
    """``answer`` is a real number within ``atol + rtol |expected|`` of ``expected``.

    Accepted forms: ``int``, ``float``, ``Fraction``, NumPy scalars, 0-d or
    one-element arrays and torch tensors. A wrong answer gets a hint (sign, a
    factor of ten, "a whole number" when ``expected`` is an integer) and
    ``hint`` if given, never the expected value. ``rtol``/``atol`` must be
    ``>= 0`` (``ValueError`` otherwise, raised at once). ``exercise`` names the
    registered exercise; without ``expected``, its expected value is used.
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


def _array_hints(arr: np.ndarray, expected: np.ndarray, wrong: np.ndarray,
                 close) -> str:
    """Why ``arr`` is wrong (entrywise mask ``wrong``), without any expected entry."""
    n_bad, size = int(wrong.sum()), arr.size
    text = f"{n_bad} of {size} entries are not right"
    if arr.ndim == 2 and arr.shape[0] == arr.shape[1] and arr.shape[0] > 1 and \
            np.all(close(arr.T, expected)):
        return text + "; the array looks transposed"
    if size > 1 and np.all(close(np.sort(arr, axis=None), np.sort(expected, axis=None))):
        return text + "; the right entries, but in another order"
    if np.all(close(-arr, expected)):
        return text + "; every sign is wrong"
    e, a = expected[wrong], arr[wrong]
    flipped = (e != 0) & (a != 0) & (np.sign(a) != np.sign(e))
    parts = []
    if flipped.any():
        parts.append("some have the wrong sign")
    nonzero = (e != 0) & (a != 0) & ~flipped
    ratio = np.abs(a[nonzero]) / np.abs(e[nonzero])
    if np.any(ratio > 10) or np.any(ratio < 0.1):
        parts.append("some are off by more than a factor of ten")
    return text + ("; " + " and ".join(parts) if parts else "")


def check_array(answer, expected=_FROM_REGISTRY, *, name: str = "answer",
                rtol: float = 1e-6, atol: float = 1e-12, hint: str | None = None,
                exercise: str | None = None) -> CheckResult:
    """``answer`` has ``expected``'s shape and matches it entrywise within tolerance.

    Accepted forms: lists, tuples, NumPy arrays, torch tensors. A wrong answer
    is told its shape, or how many entries are wrong with a hint (transposed,
    reordered, signs), never the expected entries or a difference. An answer with
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
    nothing. Hidden cases are not run here: only the grader runs them.
    """
    label = _check_exercise_label(exercise)
    if label is None:
        raise TypeError("exercise must be an exercise label (a string); got None")
    from . import exercises
    ex = exercises.get(label)
    return answer_check(label, hint=ex.hint, exercise=label)(ex.verdict)(answer)
