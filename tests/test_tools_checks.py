"""Answer checks: never leak the expected value, never pass NaN, accept every correct form.

The leak tests run many wrong answers against several expected values and assert
that the printed message contains no number except the ones a hint may state
(a shape, a count of wrong entries): in particular neither the expected value nor
the difference, in any formatting.
"""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout
from fractions import Fraction

import numpy as np
import pytest
import torch

from nntheory import checks

NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def run(fn, *args, **kwargs):
    buf = io.StringIO()
    with redirect_stdout(buf):
        result = fn(*args, **kwargs)
    return result, buf.getvalue()


def formats(x: float) -> set[str]:
    """The ways a number is commonly printed."""
    out = {repr(x), str(x), f"{x:g}", f"{x:.3g}", f"{x:.6g}", f"{x:+.3g}", f"{x:.2f}",
           f"{x:.4f}", f"{x:.1e}", f"{x:.3e}", f"{abs(x):g}", f"{abs(x):.3g}"}
    if float(x).is_integer():
        out.add(str(int(x)))
    return {s for s in out if s not in ("0", "0.0", "-0", "+0")}


# ----------------------------------------------------------------------------- check_number

EXPECTED = [3.7, -66.25, 1234.5, 0.0123, 71, -2, 0.35355339059327373, 1e-7, 4.5e6]
WRONG_FACTORS = [1.0001, 0.999, 1.5, 0.5, 2, -1, -0.3, 11, 0.01, 1e6, 0]
WRONG_SHIFTS = [1, -1, 0.5, 66]


def wrong_answers(expected):
    answers = [expected * f for f in WRONG_FACTORS] + [expected + d for d in WRONG_SHIFTS]
    return [a for a in answers if abs(a - expected) > 1e-6 * abs(expected)]


@pytest.mark.parametrize("expected", EXPECTED)
def test_check_number_never_reveals_the_expected_value_or_the_difference(expected):
    tried = 0
    for answer in wrong_answers(expected):
        for form in (answer, np.float64(answer), np.array(answer), torch.tensor(answer,
                                                                               dtype=torch.float64)):
            ok, out = run(checks.check_number, form, expected, name="q")
            tried += 1
            assert not ok and out.startswith("❌ Not yet [q]"), out
            message = out.split("]:", 1)[1]
            # no number at all in the message: neither the expected value nor a difference
            assert not NUMBER.search(message), (answer, expected, out)
            for leak in formats(expected) | formats(answer - expected):
                assert leak not in message, (leak, out)
    assert tried >= 40


@pytest.mark.parametrize("answer, expected", [
    (-3.7, 3.7), (3.7, -3.7), (370.0, 3.7), (0.037, 3.7), (4.0, 3.7), (3.0, 3.7), (0, 71),
    (1.0, 0), (72, 71), (70, 71)])
def test_check_number_gives_no_direction(answer, expected):
    """Issue 23: a wrong number is "not correct", whatever side of the answer it is on,
    so bisection learns nothing (the same message above and below)."""
    ok, out = run(checks.check_number, answer, expected, name="q")
    assert not ok and out.strip() == "❌ Not yet [q]: not correct", out


def test_check_number_says_only_the_form_of_a_wrong_answer():
    ok, out = run(checks.check_number, 70.5, 71)
    assert not ok and "whole number" in out
    ok, out = run(checks.check_number, float("nan"), 71)
    assert not ok and "NaN" in out


def test_a_correct_check_prints_no_value():
    """Issue 22 item 5: the site shows solved notebooks' check outputs."""
    for answer in (5066, 0.3223456, np.float64(71.25)):
        ok, out = run(checks.check_number, answer, answer, name="q")
        assert ok and out.strip() == "✅ Correct [q]: right", out
    ok, out = run(checks.check_array, [1.5, 2.5], [1.5, 2.5], name="q")
    assert ok and not NUMBER.search(out.split("]:", 1)[1]), out


def test_check_number_custom_hint_is_added_to_wrong_answers_only():
    ok, out = run(checks.check_number, 5, 4, hint="count the bias too")
    assert not ok and out.rstrip().endswith("Hint: count the bias too")
    ok, out = run(checks.check_number, 4, 4, hint="count the bias too")
    assert ok and "Hint" not in out
    ok, out = run(checks.check_number, "x", 4, hint="count the bias too")
    assert not ok and "Hint: count the bias too" in out


CORRECT_FORMS = [4, 4.0, np.float64(4), np.float32(4), np.float16(4), np.int64(4), np.int8(4),
                 np.array(4.0), np.array([4.0]), np.array([[4]]), torch.tensor(4.0),
                 torch.tensor(4.0, dtype=torch.float64), torch.tensor([4]),
                 torch.tensor(4.0, requires_grad=True), Fraction(4), np.complex128(4 + 0j), (4,),
                 [4.0]]


@pytest.mark.parametrize("form", CORRECT_FORMS, ids=[repr(f) for f in CORRECT_FORMS])
@pytest.mark.parametrize("expected", [4, 4.0, np.float32(4), np.array(4.0), torch.tensor(4.0)])
def test_every_correct_form_passes(form, expected):
    ok, out = run(checks.check_number, form, expected, name="q")
    assert ok and out.startswith("✅ Correct [q]"), out


def test_float32_answers_pass_at_the_default_tolerance():
    for x in [0.1, 1 / 3, np.pi, 1 / np.sqrt(8), 1e-5, 12345.678]:
        assert run(checks.check_number, np.float32(x), x)[0]
        assert run(checks.check_number, torch.tensor(x), x)[0]


BAD_ANSWERS = [np.nan, np.inf, -np.inf, np.float32("nan"), np.array(np.nan), torch.tensor(np.nan),
               "4", b"4", "four", True, False, np.bool_(True), [4.0, 4.0], (4, 4), np.ones(2),
               torch.ones(2), {}, {"a": 4}, object(), lambda: 4, 4 + 1j, np.array([]), [],
               np.array(["4"]), [[4.0], [4.0]]]


def _stable_id(a) -> str:
    """A test id that is the same in every process (pytest-xdist compares them): no
    memory addresses from the default repr of objects and functions."""
    text = repr(a)
    if " at 0x" in text:
        text = f"<{type(a).__name__}>"
    return text[:30]


@pytest.mark.parametrize("answer", BAD_ANSWERS, ids=[_stable_id(a) for a in BAD_ANSWERS])
def test_check_number_reports_bad_answers(answer):
    ok, out = run(checks.check_number, answer, 4.0, name="q")
    assert not ok and out.startswith("❌ Not yet [q]"), out


def test_unsolved_placeholders():
    for placeholder in (..., None):
        for check, expected in ((checks.check_number, 4.0), (checks.check_array, [1.0])):
            ok, out = run(check, placeholder, expected, name="q")
            assert not ok and out.startswith("… Not yet solved [q]")
        ok, out = run(checks.check_true, placeholder, lambda a: True, name="q")
        assert not ok and "Not yet solved" in out


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"rtol": -1}, ValueError, "rtol"),
    ({"rtol": np.nan}, ValueError, "rtol"),
    ({"rtol": np.inf}, ValueError, "rtol"),
    ({"rtol": "1e-6"}, TypeError, "rtol"),
    ({"rtol": None}, TypeError, "rtol"),
    ({"atol": -1e-12}, ValueError, "atol"),
    ({"atol": np.nan}, ValueError, "atol"),
    ({"atol": True}, TypeError, "atol"),
    ({"name": 3}, TypeError, "name"),
    ({"name": None}, TypeError, "name"),
    ({"hint": 3}, TypeError, "hint"),
    ({"hint": ["x"]}, TypeError, "hint"),
])
def test_author_mistakes_raise_at_definition(kwargs, exc, match):
    for check, expected in ((checks.check_number, 4.0), (checks.check_array, [4.0])):
        with pytest.raises(exc, match=match):
            check(4.0, expected, **kwargs)


def test_tolerances_zero_are_exact_and_positive_ones_apply():
    assert run(checks.check_number, 4.0, 4.0, rtol=0, atol=0)[0]
    assert not run(checks.check_number, 4.0 + 1e-12, 4.0, rtol=0, atol=0)[0]
    assert run(checks.check_number, 70.25, 70.248, rtol=1e-4)[0]
    assert not run(checks.check_number, 70.25, 70.248, rtol=1e-6)[0]
    assert run(checks.check_number, 1e-9, 0.0, atol=1e-8)[0]


@pytest.mark.parametrize("expected", [np.nan, np.inf, "abc", None, [1.0, 2.0], object()])
def test_a_misconfigured_expected_value_is_reported_not_raised(expected):
    ok, out = run(checks.check_number, 4.0, expected, name="q")
    assert not ok and "misconfigured" in out


# ----------------------------------------------------------------------------- check_array

def test_check_array_never_passes_nan_or_inf():
    for answer in ([1.0, np.nan], [np.nan, np.nan], [1.0, np.inf], [-np.inf, 2.0],
                   np.array([1.0, np.nan]), torch.tensor([1.0, float("nan")])):
        ok, out = run(checks.check_array, answer, [1.0, 2.0], name="q")
        assert not ok and "NaN or infinite" in out, out
    ok, out = run(checks.check_array, [np.nan], [np.nan], name="q")
    assert not ok and "misconfigured" in out


ARRAY_EXPECTED = [np.array([3.7, -66.25, 1234.5]), np.array([[0.0123, 71.5], [-2.25, 9.75]]),
                  np.array([0.25, 0.5, 0.25]), np.array([1e-7, 4.5e6, -8.125, 13.0625])]


@pytest.mark.parametrize("expected", ARRAY_EXPECTED, ids=["vector", "matrix", "lambda", "wide"])
def test_check_array_never_reveals_entries_or_differences(expected):
    rng = np.random.default_rng(0)
    wrongs = [expected * 1.5, -expected, expected + 1, expected * 100, np.zeros_like(expected),
              expected[::-1].copy(), expected * rng.uniform(0.5, 2, expected.shape)]
    if expected.ndim == 2:
        wrongs.append(expected.T.copy())
    one = expected.copy()
    one.flat[0] += 0.5
    wrongs.append(one)
    tried = 0
    for answer in wrongs:
        if np.allclose(answer, expected, rtol=1e-6, atol=1e-12):
            continue
        for form in (answer, answer.tolist(), torch.tensor(answer)):
            ok, out = run(checks.check_array, form, expected, name="q")
            tried += 1
            assert not ok, out
            message = out.split("]:", 1)[1]
            allowed = {str(n) for n in (expected.size, *expected.shape)} | {
                str(k) for k in range(expected.size + 1)}
            for token in NUMBER.findall(message):
                assert token in allowed, (token, out)   # only counts and shapes
            leaks = set().union(*(formats(float(v)) for v in expected.flat),
                                *(formats(float(d)) for d in (answer - expected).flat))
            for leak in leaks - allowed:
                assert leak not in message, (leak, out)
    assert tried >= 18


@pytest.mark.parametrize("answer, expected, hint", [
    ([[1, 3], [2, 4]], [[1, 2], [3, 4]], "not correct"),
    ([2, 1, 3], [1, 2, 3], "not correct"),
    ([-1, -2, -3], [1, 2, 3], "not correct"),
    ([1, -2, 3], [1, 2, 3], "not correct"),
    ([1, 200, 3], [1, 2, 3], "not correct"),
    ([1, 2], [1, 2, 3], "expected shape (3,), got (2,)"),
    ([[1, 2, 3]], [1, 2, 3], "expected shape (3,), got (1, 3)"),
])
def test_check_array_hints(answer, expected, hint):
    """Only the shape is told; which or how many entries are wrong is not."""
    ok, out = run(checks.check_array, answer, expected)
    assert not ok and out.strip().endswith(hint), out


@pytest.mark.parametrize("form", [[1, 2], (1, 2), np.array([1, 2]), np.array([1.0, 2.0]),
                                  np.array([1, 2], dtype=np.float32), torch.tensor([1, 2]),
                                  torch.tensor([1.0, 2.0], requires_grad=True),
                                  [Fraction(1), Fraction(2)], [np.float32(1), 2],
                                  [torch.tensor(1.0), torch.tensor(2.0)]])
def test_check_array_accepts_every_correct_form(form):
    ok, out = run(checks.check_array, form, [1.0, 2.0], name="q")
    assert ok and out.startswith("✅ Correct [q]"), out


BAD_ARRAYS = ["abc", b"ab", 3.0, True, [1, "a"], [[1, 2], [3]], {"a": 1}, object(), [1 + 2j, 2],
              np.array(["1", "2"]), [None, None], [[1.0, 2.0]], [1.0, 2.0, 3.0]]


@pytest.mark.parametrize("answer", BAD_ARRAYS, ids=[_stable_id(a) for a in BAD_ARRAYS])
def test_check_array_reports_bad_answers(answer):
    ok, out = run(checks.check_array, answer, [1.0, 2.0], name="q")
    assert not ok and out.startswith("❌ Not yet [q]"), out


@pytest.mark.parametrize("expected", ["abc", None, [1, "a"], [[1, 2], [3]], object(),
                                      [1.0, np.inf]])
def test_check_array_with_a_bad_expected_value_reports(expected):
    ok, out = run(checks.check_array, [1.0, 2.0], expected, name="q")
    assert not ok and "misconfigured" in out


# ----------------------------------------------------------------------------- check_true

def test_check_true_accepts_bool_or_pair_and_never_raises():
    assert run(checks.check_true, 3, lambda a: a == 3)[0]
    ok, out = run(checks.check_true, 4, lambda a: a == 3, hint="odd")
    assert not ok and "not right" in out and "Hint: odd" in out
    ok, out = run(checks.check_true, 4, lambda a: (a == 3, "pick another"), name="q")
    assert not ok and "pick another" in out
    ok, out = run(checks.check_true, "x", lambda a: int(a) == 3, name="q")
    assert not ok and "could not be checked (ValueError" in out
    ok, out = run(checks.check_true, 3, lambda a: np.array([True, False]), name="q")
    assert not ok and "could not be checked" in out   # an ambiguous truth value: reported


@pytest.mark.parametrize("predicate", [None, 3, "lambda a: True"])
def test_check_true_refuses_a_non_callable_predicate(predicate):
    with pytest.raises(TypeError, match="predicate"):
        checks.check_true(3, predicate)
