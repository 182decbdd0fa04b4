"""What the exercise tests share: a fresh kernel per test, a function defined as a notebook
cell defines it, a verdict as a fresh kernel gives it, and the check that a wrong answer's
message gives no direction.

Imported by tests/test_exercises_ch*.py and tests/test_homework.py (``from exercise_helpers
import ...``; pytest puts tests/ on the path). Importing ``fresh_kernel`` into a test module
makes it that module's autouse fixture.
"""

from __future__ import annotations

import linecache
import math

import numpy as np
import pytest

from nntheory.teaching import exercises, variants

#: Words a "not correct" message must not contain: they would say which way to move.
DIRECTION_WORDS = ("large", "small", "bigger", "smaller", "larger", "close", "magnitude",
                   "order of", "higher", "lower", "too ", "factor")


@pytest.fixture(autouse=True)
def fresh_kernel():
    """Each test starts as a fresh kernel would: variant 0, no tries counted."""
    variants.clear()
    exercises._TRIES.clear()
    yield
    variants.clear()
    exercises._TRIES.clear()


def define(source: str, namespace: dict | None = None) -> dict:
    """Run ``source`` as a notebook cell would (module ``__main__``, its source cached so
    that ``inspect.getsource`` finds it, as the forbid checks need) and return the
    namespace it defined its names in (``np`` and ``math`` are there already)."""
    name = f"<cell-{abs(hash(source))}>"
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    if namespace is None:
        namespace = {"__name__": "__main__", "np": np, "math": math}
    exec(compile(source, name, "exec"), namespace)
    return namespace


def verdict(label: str, answer):
    """The check's ``(ok, message)`` for ``answer``, each try as in a fresh kernel (the
    limit on tries is tested apart)."""
    exercises._TRIES.clear()
    return exercises.get(label).verdict(answer)


def hidden(label: str, fn) -> list:
    """The results of ``fn`` on the exercise's hidden cases."""
    return [case.run(fn) for case in exercises.get(label).hidden]


def assert_no_direction(message: str, words=DIRECTION_WORDS) -> None:
    """A wrong answer's message says "not correct", never which way to move."""
    lowered = message.lower()
    assert not any(word in lowered for word in words), message


def first_negative(S, start: int = 2) -> int:
    """The least integer p >= start with S(p) < 0, for an S that changes sign once (from
    >= 0 to < 0): doubling, then bisection (a few dozen evaluations even where p is about
    a million)."""
    if S(start) < 0:
        return start
    lo, hi = start, 2 * start
    while S(hi) >= 0:
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if S(mid) >= 0 else (lo, mid)
    return hi
