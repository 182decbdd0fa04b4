"""Answer checks for the exercises: a clear pass/fail message, never a traceback.

Each check takes the student's answer and prints one line that starts with
``✅ Correct``, ``❌ Not yet`` or ``… Not yet solved`` (when the answer is still
the placeholder ``...`` or ``None`` of a student copy), and returns ``True`` only
on a correct answer. Whatever the answer is (wrong type, wrong shape, an
exception inside the check itself), the check reports instead of raising.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

__all__ = ["answer_check", "check_number", "check_array", "check_true", "CheckResult",
           "UNSOLVED"]

UNSOLVED = (Ellipsis, None)


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


def _report(ok: bool, name: str, message: str) -> CheckResult:
    mark = "✅ Correct" if ok else "❌ Not yet"
    line = f"{mark} [{name}]: {message}"
    print(line)
    return CheckResult(ok, line)


def answer_check(name: str):
    """Decorate ``fn(answer, ...) -> (ok, message)`` into a safe, printing check."""

    def wrap(fn: Callable) -> Callable[..., CheckResult]:
        @functools.wraps(fn)
        def check(answer, *args, **kwargs) -> CheckResult:
            if any(answer is u for u in UNSOLVED):
                line = f"… Not yet solved [{name}]: replace the ... with your answer and run again."
                print(line)
                return CheckResult(False, line)
            try:
                ok, message = fn(answer, *args, **kwargs)
            except Exception as exc:  # the checker must never crash on a student's answer
                return _report(False, name, f"the answer could not be checked "
                                            f"({type(exc).__name__}: {exc})")
            return _report(bool(ok), name, message)

        return check

    return wrap


def check_number(answer, expected: float, *, name: str = "answer", rtol: float = 1e-6,
                 atol: float = 0.0) -> CheckResult:
    """``answer`` is a real number within ``atol + rtol |expected|`` of ``expected``."""

    @answer_check(name)
    def _check(ans):
        if isinstance(ans, (bool, str, bytes)) or not np.isscalar(ans):
            return False, f"expected a single number, got {type(ans).__name__}"
        value = float(ans)
        if not np.isfinite(value):
            return False, f"expected a finite number, got {value}"
        ok = abs(value - expected) <= atol + rtol * abs(expected)
        return ok, (f"{value:.6g} is right" if ok else
                    f"{value:.6g} is not the expected value (off by {value - expected:+.3g})")

    return _check(answer)


def check_array(answer, expected, *, name: str = "answer", rtol: float = 1e-6,
                atol: float = 1e-12) -> CheckResult:
    """``answer`` has ``expected``'s shape and matches it entrywise within tolerance."""
    expected = np.asarray(expected, dtype=float)

    @answer_check(name)
    def _check(ans):
        arr = np.asarray(ans, dtype=float)
        if arr.shape != expected.shape:
            return False, f"expected shape {expected.shape}, got {arr.shape}"
        err = np.abs(arr - expected)
        bad = int(np.sum(err > atol + rtol * np.abs(expected)))
        if bad == 0:
            return True, "all entries match"
        return False, f"{bad} of {arr.size} entries differ (largest difference {err.max():.3g})"

    return _check(answer)


def check_true(answer, predicate: Callable[[object], tuple[bool, str]], *,
               name: str = "answer") -> CheckResult:
    """Run ``predicate(answer) -> (ok, message)`` safely (for answers with many right forms)."""
    return answer_check(name)(predicate)(answer)
