"""Shortcut probes over EVERY registered exercise (issue 23, "Done when"): what holds for
the whole registry, so that an exercise added later is probed too, not only those the
other tests name.

* bisection: numbers spread over 1e-6 ... 1e6, on both sides of any answer, get words
  that carry no direction, and after the exercise's limit of different wrong numbers the
  check stops answering (until the kernel restarts);
* variants: every exercise whose answer is a number draws its data per student key:
  different keys give different data (a copied number is another variant's answer);
* written proofs: every chapter with exercises has a written exercise with a rubric;
* the registry hands nothing out: no field of an exercise is a function of no
  arguments that returns data other than through ``exercises.data`` (the data cell).
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from nntheory.teaching import exercises, variants

NUMERIC = [ex.label for ex in exercises.REGISTRY.values() if ex.kind == "value"]
ALL = list(exercises.REGISTRY)
LEAKS = ("large", "small", "big", "sign", "factor", "magnitude", "close", "order",
         "higher", "lower", "more", "less", "exceed", "below", "above", "between")


@pytest.fixture(autouse=True)
def _fresh_kernel():
    exercises._TRIES.clear()
    variants.clear()
    yield
    exercises._TRIES.clear()
    variants.clear()


@pytest.mark.parametrize("label", NUMERIC)
def test_bisection_learns_no_direction_and_guessing_stops(label):
    ex = exercises.get(label)
    messages = []
    for x in np.geomspace(1e-6, 1e6, 13):
        for value in (float(x), -float(x), float(round(x))):
            exercises._TRIES.clear()
            ok, message = ex.verdict(value)
            if not ok:
                messages.append(message.lower())
    assert messages, "every probe passed"
    recognised = {m.lower() for m in ex.mistakes}
    for message in set(messages) - recognised:
        assert not any(word in message.split() for word in LEAKS), (label, message)
    # the limit: once the allowed number of different wrong numbers is spent, the check
    # stops answering (the answer itself is not judged any more)
    exercises._TRIES.clear()
    for i in range(ex.max_tries):
        ex.verdict(1e6 + 17.0 * i + 0.123)
    ok, message = ex.verdict(1e6 + 0.5)
    assert not ok and "tried" in message, (label, message)


@pytest.mark.parametrize("label", NUMERIC)
def test_a_number_answer_is_drawn_per_student(label):
    ex = exercises.get(label)
    assert ex.data is not None, f"{label}: a number answer without per-student data"
    seen = set()
    for i in range(6):
        variants.set_student(f"s{i}", f"{i:02x}" * 16)
        seen.add(pickle.dumps(_plain(exercises.data(label))))
    variants.clear()
    seen.add(pickle.dumps(_plain(exercises.data(label))))
    assert len(seen) >= 5, f"{label}: 7 keys gave only {len(seen)} different instances"


def _plain(value):
    """Data as nested tuples of Python numbers and strings (arrays compared by value)."""
    if isinstance(value, np.ndarray):
        return ("array", value.shape, tuple(np.asarray(value, dtype=float).ravel().tolist()))
    if isinstance(value, dict):
        return tuple(sorted((str(k), _plain(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def test_every_chapter_has_a_written_proof_exercise_with_a_rubric():
    for chapter in exercises.chapters():
        written = [ex for ex in exercises.for_chapter(chapter) if ex.kind == "written"]
        assert written, f"{chapter}: no written exercise"
        for ex in written:
            assert len(ex.rubric) > 80 and "point" in ex.rubric.lower(), (ex.label, ex.rubric)


@pytest.mark.parametrize("label", ALL)
def test_a_verdict_never_repeats_the_answer_it_was_given(label):
    """A correct-looking echo would tell a student which of its parts were kept; a wrong
    number's message does not contain the number either way."""
    ex = exercises.get(label)
    if ex.kind != "value":
        pytest.skip("numbers only")
    ok, message = ex.verdict(123456.789)
    assert not ok and "123456" not in message
