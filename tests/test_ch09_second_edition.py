"""Chapter 9, second edition (referee 3): ex-opt-defeat asks for the smallest period p with
S(p) < 0, from the periodic limit of Adam's second moment.

The closed form the check relies on is tested against what it describes (the recursion
for v, and Adam itself far from the threshold); a corner guess, a copied number and a
lookup of the printed beta2 fail; the library's Adam is refused or disabled; the
recognised mistake gets its hint and other wrong answers no direction.
"""

from __future__ import annotations

import math

import numpy as np
from exercise_helpers import define as _define
from exercise_helpers import fresh_kernel  # noqa: F401 (the autouse fixture)
from test_exercises_ch08_09 import KEYS, NOT_DIRECTION, defeat_answer

from nntheory.teaching import exercises, variants
from nntheory.teaching.bank import ch08_09 as bank


def _v_iterated(beta2: float, p: int, periods: int) -> np.ndarray:
    """v over the last period after ``periods`` periods of the recursion from v = 0."""
    C, v, out = 1.1 * p, 0.0, []
    for t in range(1, periods * p + 1):
        v = beta2 * v + (1 - beta2) * (C * C if t % p == 1 else 1.0)
        if t > (periods - 1) * p:
            out.append(v)
    return np.array(out)


def test_the_period_sum_is_the_limit_of_the_recursion():
    for beta2, p in ((0.99, 46), (0.99, 47), (0.9, 9), (0.995, 120)):
        v = _v_iterated(beta2, p, math.ceil(40 / (p * (1 - beta2))) + 1)
        direct = 1.1 * p / math.sqrt(v[0]) - float(np.sum(1 / np.sqrt(v[1:])))
        assert abs(direct - bank._period_sum(beta2, p)) < 1e-9, (beta2, p)


def test_the_smallest_period_is_a_sign_change_and_matches_the_model_answer():
    for beta2 in (0.9, 0.95, 0.98, 0.99, 0.995, 0.999):
        p, margin = bank._smallest_period(beta2)
        assert bank._period_sum(beta2, p) < 0 <= bank._period_sum(beta2, p - 1)
        assert all(bank._period_sum(beta2, q) >= 0 for q in range(2, p))
        assert p == defeat_answer(beta2) and margin > 1e-6


def _adam_last_mean(beta2, p, steps):
    C, x, v, last = 1.1 * p, 0.0, 0.0, 0.0
    for t in range(1, steps + 1):
        g = C if t % p == 1 else -1.0
        v = beta2 * v + (1 - beta2) * g * g
        x = min(1.0, max(-1.0, x - 0.5 / math.sqrt(t) * g
                         / (math.sqrt(v / (1 - beta2 ** t)) + 1e-8)))
        last += x if t > steps - p else 0.0
    return last / p


def test_adam_goes_where_minus_s_points_far_from_the_threshold():
    """Half and twice the smallest period for beta2 = 0.98: Adam ends at -1, resp. +1;
    and the torch core's Adam agrees with the loop written here."""
    from nntheory import optimisation as op
    p = bank._smallest_period(0.98)[0]
    assert _adam_last_mean(0.98, p // 2, 10000) < -0.95
    assert _adam_last_mean(0.98, 2 * p, 10000) > 0.95
    x = op.run_optimizer("adam", lambda t, x: op.reddi_gradient(t, 2.2 * p, 2 * p), [0.0],
                         lr=0.5, steps=3000, lr_schedule=lambda t: 0.5 / math.sqrt(t),
                         project=op.project_interval(-1.0, 1.0), betas=(0.0, 0.98))
    assert abs(x[-2 * p:].mean() - _adam_last_mean(0.98, 2 * p, 3000)) < 1e-12


def _student(i: int) -> None:
    variants.set_student(f"s{i}", KEYS[i])
    exercises._TRIES.clear()


def test_every_variant_differs_from_variant_0_and_a_copied_number_fails():
    ex = exercises.get("ex-opt-defeat")
    site = defeat_answer(exercises.data("ex-opt-defeat"))
    for i in range(4):
        _student(i)
        beta2 = exercises.data("ex-opt-defeat")
        assert 0.99 <= beta2 <= 0.999
        if i:
            assert defeat_answer(beta2) != site
        ok, message = ex.verdict(lambda b: site)
        assert not ok or i == 0
        assert ex.verdict(defeat_answer)[0]
    variants.clear()
    _student(0)


def test_corner_guesses_and_a_lookup_of_the_visible_cases_fail():
    ex = exercises.get("ex-opt-defeat")
    beta2 = exercises.data("ex-opt-defeat")
    guesses = (lambda b: round(2 / (1 - b)), lambda b: round(3 / (1 - b)),
               lambda b: round(1 / (1 - b)), lambda b: 3,
               lambda b: round(0.4 / (1 - b)))
    for guess in guesses:
        ok, message = ex.verdict(guess)
        assert not ok
        assert not any(w in message.lower() for w in NOT_DIRECTION), message
    table = {beta2: defeat_answer(beta2), bank._DEFEAT_OTHER: defeat_answer(0.98)}
    lookup = _define("def smallest_period(beta2):\n    return TABLE[beta2]\n",
                     {"TABLE": table})["smallest_period"]
    assert ex.verdict(lookup)[0]                     # the visible check passes ...
    assert not ex.hidden[0].run(lookup)[0]           # ... the grader's fresh beta2 do not
    assert ex.hidden[0].run(defeat_answer)[0]


def test_the_recognised_mistake_gets_its_hint():
    ex = exercises.get("ex-opt-defeat")

    def large_only(beta2):           # v from the large gradient alone
        p = 2
        while True:
            C = 1.1 * p
            v = C * C * (1 - beta2) * beta2 ** np.arange(p) / (1 - beta2 ** p)
            if C / math.sqrt(v[0]) < float(np.sum(1 / np.sqrt(v[1:]))):
                return p
            p += 1
    ok, message = ex.verdict(large_only)
    assert not ok and "small gradients enter the second moment" in message


def test_the_library_adam_is_refused_or_disabled():
    ex = exercises.get("ex-opt-defeat")
    hidden = _define("import importlib\n"
                     "op = importlib.import_module('nntheory.optimisation')\n"
                     "run = getattr(op, 'run' + '_optimizer')\n"
                     "def smallest_period(beta2):\n"
                     "    run('adam', lambda t, x: 1.0, [0.0], lr=0.1, steps=3)\n"
                     "    return 47\n")["smallest_period"]
    ok, text = ex.verdict(hidden)
    assert not ok and "disabled here" in text, text
    private = _define("import importlib\n"
                      "E = importlib.import_module('nntheory.teaching.bank.ch08_09')\n"
                      "f = getattr(E, '_smallest' + '_period')\n"
                      "def smallest_period(beta2):\n"
                      "    return f(beta2)[0]\n")["smallest_period"]
    ok, text = ex.verdict(private)
    assert not ok and "disabled here" in text, text


def test_no_module_level_cache_holds_the_expected_periods():
    """A cache of _smallest_period would hold the hidden cases' answers (drawn before the
    student's function runs) where that function could read them."""
    ex = exercises.get("ex-opt-defeat")
    assert ex.verdict(defeat_answer)[0] and ex.hidden[0].run(defeat_answer)[0]
    for value in vars(bank).values():
        if isinstance(value, dict):
            assert not any(isinstance(k, float) and 0.9 <= k < 1 for k in value), value
