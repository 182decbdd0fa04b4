"""Chapter 10's exercises (bank/ch10.py): shortcut-free model answers pass on every
variant, copied answers and library shortcuts fail, recognised mistakes get their hint
and other wrong answers get no direction.

The model answers here are written from the definitions (Cover's count, the sign
enumeration, the leaky-ReLU kernel derived by hand, the projection), never with the
functions the exercises forbid.
"""

from __future__ import annotations

import importlib
import itertools
import math

import numpy as np
import pytest

from nntheory.teaching import exercises, forbid, variants

KEYS = ("0123456789abcdef0123", "fedcba98765432100000", "a1b2c3d4e5f60718293a",
        "5a5a5a5a5a5a5a5a5a5a")
LEAKS = ("large", "small", "factor", "magnitude", "close", "order", "too ", "bigger", "less")


@pytest.fixture(autouse=True)
def fresh_kernel():
    variants.clear()
    exercises._TRIES.clear()
    yield
    variants.clear()
    exercises._TRIES.clear()


def as_student(i: int) -> None:
    variants.set_student(f"s{i}", KEYS[i])


# ------------------------------------------------------------------ model answers


def vc_answer(n, d):
    return 2 * sum(math.comb(n - 1, j) for j in range(d + 1))


def rad_answer(X, B):
    X = np.asarray(X, dtype=float)
    norms = [np.linalg.norm(np.array(s) @ X)
             for s in itertools.product((-1, 1), repeat=len(X))]
    return B / len(X) * float(np.mean(norms))


def leaky_ntk(p, q, alpha):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    norms_pq = np.linalg.norm(p) * np.linalg.norm(q)
    theta = np.arccos(np.clip(p @ q / norms_pq, -1.0, 1.0))
    k1 = norms_pq / (2 * np.pi) * (np.sin(theta) + (np.pi - theta) * np.cos(theta))
    k1_opposite = norms_pq / (2 * np.pi) * (np.sin(theta) - theta * np.cos(theta))
    outer = (1 + alpha ** 2) * k1 - 2 * alpha * k1_opposite
    inner = (1 + alpha ** 2) * (np.pi - theta) / (2 * np.pi) + alpha * theta / np.pi
    return outer + (p @ q) * inner


def ntk_answer(x, xp, alpha):
    return np.array([[leaky_ntk(p, q, alpha) for q in (x, xp)] for p in (x, xp)])


def gd_limit(X, y, w0):
    X, y, w0 = (np.asarray(v, dtype=float) for v in (X, y, w0))
    return w0 - X.T @ np.linalg.solve(X @ X.T, X @ w0 - y)


VALUE_ANSWERS = {
    "ex-gen-vc": lambda d: vc_answer(*d),
    "ex-gen-rademacher": lambda d: rad_answer(*d),
    "ex-gen-ntk": lambda d: ntk_answer(*d),
}


def answer_of(label):
    return VALUE_ANSWERS[label](exercises.data(label))


def test_the_leaky_kernel_is_the_limit_of_the_empirical_kernel():
    """The derivation checked against a quadrature of its definition (E over w ~ N(0, I)
    in R^2: the radial part gives E r^2 = 2), and alpha = 0 against the library's ReLU
    kernel; the diagonal is (1 + alpha^2) ||x||^2."""
    from nntheory import generalisation
    phi = np.linspace(0, 2 * np.pi, 400_001)[:-1]
    E = np.stack([np.cos(phi), np.sin(phi)], axis=1)
    for x, xp, alpha in (([1.0, 1.0], [2.0, -1.0], 0.2), ([3.0, -2.0], [-1.0, -1.0], 0.3),
                         ([1.0, 0.0], [-2.0, 1.0], 0.5)):
        x, xp = np.array(x), np.array(xp)
        u, v = E @ x, E @ xp
        s = lambda z, a=alpha: np.where(z > 0, z, a * z)           # noqa: E731
        ds = lambda z, a=alpha: np.where(z > 0, 1.0, a)            # noqa: E731
        quad = 2 * np.mean(s(u) * s(v)) + x @ xp * np.mean(ds(u) * ds(v))
        # the derivative's jump makes the rule first order: 2 pi / 4e5 ~ 1.6e-5
        assert abs(quad - leaky_ntk(x, xp, alpha)) < 1e-4 * abs(quad)
        # arccos near 1 loses half the digits (theta ~ 1e-8): the check's rtol is 1e-6
        assert abs(leaky_ntk(x, x, alpha) - (1 + alpha ** 2) * (x @ x)) < 1e-7 * (x @ x)
        relu = generalisation.arccos_ntk(np.array([x, xp]))
        assert np.allclose(ntk_answer(x, xp, 0.0), relu, rtol=1e-7)


# ------------------------------------------------------------------ right on every variant


@pytest.mark.parametrize("label", sorted(VALUE_ANSWERS))
def test_a_model_answer_passes_on_variant0_and_three_students(label):
    ex = exercises.get(label)
    assert ex.verdict(answer_of(label)) == (True, "right")
    seen = {repr(exercises.data(label))}
    for i in range(1, 4):
        as_student(i)
        seen.add(repr(exercises.data(label)))
        assert ex.verdict(answer_of(label)) == (True, "right"), (label, i)
    assert len(seen) >= 3, seen


def test_the_function_answer_passes_visible_and_hidden_cases_on_every_variant():
    ex = exercises.get("ex-gen-implicit")
    for i in range(4):
        if i:
            as_student(i)
        assert ex.verdict(gd_limit) == (True, "the limit")
        for case in ex.hidden:
            for _ in range(3):                              # fresh data each run
                assert case.run(gd_limit)[0], case.what


@pytest.mark.parametrize("label", sorted(VALUE_ANSWERS))
def test_the_answer_of_variant0_is_wrong_for_the_other_students(label):
    """A copied answer (the site's solution, or a friend's) fails."""
    site = answer_of(label)
    ex = exercises.get(label)
    failed = 0
    for i in range(1, 4):
        as_student(i)
        if np.allclose(answer_of(label), site, rtol=1e-6):
            continue
        exercises._TRIES.clear()
        assert not ex.verdict(site)[0]
        failed += 1
    assert failed >= 2


def test_variant0_is_the_instance_the_prose_describes():
    assert exercises.data("ex-gen-vc") == (9, 4)
    X, B = exercises.data("ex-gen-rademacher")
    assert len(X) == 3 and all(len(x) == 2 for x in X) and B == 2.0
    X, y, w0 = exercises.data("ex-gen-implicit")
    assert np.allclose(gd_limit(X, y, w0), [1.0, 1.0, 1.0])    # the first edition's


@pytest.mark.parametrize("i", range(4))
def test_the_variants_are_well_posed(i):
    """N >= d + 3; no two Rademacher points orthogonal (the bound is not attained);
    NTK points neither parallel nor orthogonal; the GD start has a null-space part."""
    if i:
        as_student(i)
    n, d = exercises.data("ex-gen-vc")
    assert n >= d + 3 and vc_answer(n, d) < 2 ** n - 2
    X, B = exercises.data("ex-gen-rademacher")
    X = np.asarray(X)
    assert B != 1 and np.all((X @ X.T)[np.triu_indices(3, 1)] != 0)
    assert rad_answer(X, B) < 0.99 * B / 3 * np.sqrt(np.sum(X ** 2))
    x, xp, alpha = exercises.data("ex-gen-ntk")
    assert 0 < alpha < 1 and x[0] * xp[1] != x[1] * xp[0] and np.dot(x, xp) != 0
    X, y, w0 = (np.asarray(v) for v in exercises.data("ex-gen-implicit"))
    assert np.linalg.matrix_rank(X) == 2
    assert abs(np.cross(X[0], X[1]) @ w0) >= 1


# ------------------------------------------------------------------ shortcuts


VALUE_SHORTCUTS = [
    ("ex-gen-vc", "n_labellings",
     ["from nntheory import separability",
      "n_labellings = separability.cover_count(N_ex, d_ex)"]),
    ("ex-gen-vc", "n_labellings",
     ["from nntheory import separability",
      "c = separability.count_separable_dichotomies(np.random.default_rng(0)"
      ".standard_normal((N_ex, d_ex)))", "n_labellings = c"]),
    ("ex-gen-vc", "n_labellings",
     ["from nntheory import separability",
      "n_labellings = getattr(separability, 'cover_' + 'count')(N_ex, d_ex)"]),
    ("ex-gen-vc", "n_labellings",
     ["import nntheory.separability as s", "n_labellings = s.cover_C(N_ex, d_ex + 1)"]),
    ("ex-gen-rademacher", "rademacher_S",
     ["from nntheory import generalisation",
      "rademacher_S = generalisation.rademacher_linear_exact(X_rad, B_rad)"]),
    ("ex-gen-rademacher", "rademacher_S",
     ["from nntheory import generalisation",
      "f = getattr(generalisation, 'rademacher_linear' + '_exact')",
      "rademacher_S = f(X_rad, B_rad)"]),
    ("ex-gen-rademacher", "rademacher_S",
     ["from nntheory import finite_classes",
      "W = np.stack([np.cos(t), np.sin(t)], 1)",
      "rademacher_S = finite_classes.rademacher_exact(B_rad * W @ np.array(X_rad).T)"]),
    ("ex-gen-ntk", "ntk_matrix",
     ["from nntheory import generalisation",
      "ntk_matrix = generalisation.arccos_ntk(np.array([x_ex, xp_ex]))"]),
    ("ex-gen-ntk", "ntk_matrix",
     ["from nntheory import generalisation",
      "W, a = generalisation.ntk_init(2, 10**6, seed=0)",
      "ntk_matrix = generalisation.empirical_ntk(W, a, np.array([x_ex, xp_ex]))"]),
    ("ex-gen-ntk", "ntk_matrix",
     ["from scipy.integrate import dblquad",
      "ntk_matrix = dblquad(lambda u, v: u * v, 0, 1, 0, 1)[0]"]),
    ("ex-gen-ntk", "ntk_matrix",
     ["import torch", "t = torch.ones(2, requires_grad=True)",
      "ntk_matrix = torch.autograd.grad(t.sum(), t)"]),
]


@pytest.mark.parametrize("label, variable, cells", VALUE_SHORTCUTS,
                         ids=[f"{v[0]}-{i}" for i, v in enumerate(VALUE_SHORTCUTS)])
def test_value_shortcuts_are_refused(label, variable, cells):
    ex = exercises.get(label)
    why = forbid.refusal(0, ex.forbid, variable, history=cells)
    assert why and "not allowed" in why, why
    # the check refuses it too, whatever the value (in a kernel it reads the history)
    other = [*cells[:-1], "unrelated = 1", f"{variable} = 123"]
    assert forbid.refusal(0, ex.forbid, variable, history=other) is None


def test_the_chapters_own_solutions_are_not_refused():
    """The solution cells of the chapter, with the data cells they read."""
    data = ["from nntheory.teaching import exercises",
            "N_ex, d_ex = exercises.data('ex-gen-vc')",
            "X_rad, B_rad = exercises.data('ex-gen-rademacher')",
            "x_ex, xp_ex, alpha_ex = exercises.data('ex-gen-ntk')",
            "import itertools\nimport math\n\nimport numpy as np\n"
            "from nntheory import approximation, checks, generalisation, separability"]
    cells = {
        "ex-gen-vc": ("n_labellings", "n_labellings = 2 * sum(math.comb(N_ex - 1, j) "
                                      "for j in range(d_ex + 1))"),
        "ex-gen-rademacher": ("rademacher_S",
                              "X_arr = np.array(X_rad)\nnorms = [np.linalg.norm(np.array(s) "
                              "@ X_arr) for s in itertools.product((-1, 1), repeat=3)]\n"
                              "rademacher_S = B_rad / 3 * np.mean(norms)"),
        "ex-gen-ntk": ("ntk_matrix", "ntk_matrix = np.array([[leaky_ntk(p, q, alpha_ex) "
                                     "for q in (x_ex, xp_ex)] for p in (x_ex, xp_ex)])"),
    }
    for label, (variable, source) in cells.items():
        ex = exercises.get(label)
        assert forbid.refusal(0, ex.forbid, variable,
                              history=[data[-1], *data[:-1], source]) is None, label


def _pinv_limit(X, y, w0):
    P = np.linalg.pinv(X)
    return P @ y + w0 - P @ (X @ w0)


def _lstsq_limit(X, y, w0):
    return w0 + np.linalg.lstsq(X, y - X @ w0, rcond=None)[0]


def _getattr_limit(X, y, w0):
    p = getattr(np.linalg, "pi" + "nv")
    return p(X) @ y + w0 - p(X) @ (X @ w0)


def _importlib_limit(X, y, w0):
    g = importlib.import_module("nntheory.general" + "isation")
    return getattr(g, "implicit_bias" + "_limit")(X, y, w0)


def _scipy_limit(X, y, w0):
    import scipy.linalg as sl
    return w0 + getattr(sl, "lst" + "sq")(X, y - X @ w0)[0]


def _private_limit(X, y, w0):
    bank = importlib.import_module("nntheory.teaching.bank.ch10")
    return getattr(bank, "_imp" + "_limit")(X, y, w0)


def _gd_loop(X, y, w0):
    """Gradient descent itself, 20 000 steps at the best constant step."""
    w = np.array(w0, dtype=float)
    s = np.linalg.svd(X, compute_uv=False)
    lr = 2 / (s[0] ** 2 + s[-1] ** 2)
    for _ in range(20_000):
        w -= lr * X.T @ (X @ w - y)
    return w


@pytest.mark.parametrize("fn", [_pinv_limit, _lstsq_limit, _getattr_limit, _importlib_limit,
                                _scipy_limit, _private_limit])
def test_function_shortcuts_are_refused_or_disabled(fn):
    ok, message = exercises.get("ex-gen-implicit").verdict(fn)
    assert not ok
    assert "not allowed" in message or "disabled" in message, message


def test_a_loop_of_gradient_steps_passes_the_visible_case_not_the_hidden_one():
    ex = exercises.get("ex-gen-implicit")
    assert ex.verdict(_gd_loop)[0]
    results = {case.what: case.run(_gd_loop) for case in ex.hidden}
    assert not results["a badly conditioned system"][0]


def test_the_registry_hands_out_no_expected_value_of_chapter_10():
    for label in ("ex-gen-vc", "ex-gen-rademacher", "ex-gen-ntk", "ex-gen-implicit"):
        ex = exercises.get(label)
        assert not hasattr(ex, "expected") and not hasattr(ex, "expected_value")
        assert all(isinstance(m, str) for m in ex.mistakes)


# ------------------------------------------------------------------ mistakes, no direction


def _mistake(label, value):
    exercises._TRIES.clear()
    ok, message = exercises.get(label).verdict(value)
    assert not ok
    return message


@pytest.mark.parametrize("i", [0, 2])
def test_recognised_mistakes_get_their_hint(i):
    if i:
        as_student(i)
    n, d = exercises.data("ex-gen-vc")
    assert "every labelling" in _mistake("ex-gen-vc", 2 ** n)
    assert "only two" in _mistake("ex-gen-vc", 2 ** n - 2)
    assert "Sauer" in _mistake("ex-gen-vc", sum(math.comb(n, k) for k in range(d + 2)))
    assert "through the origin" in _mistake("ex-gen-vc",
                                            2 * sum(math.comb(n - 1, k) for k in range(d)))
    X, B = exercises.data("ex-gen-rademacher")
    bound = B / 3 * math.sqrt(float(np.sum(np.square(X))))
    assert "upper bound" in _mistake("ex-gen-rademacher", bound)
    assert "averages" in _mistake("ex-gen-rademacher", 3 * rad_answer(X, B))
    assert "norm at most B" in _mistake("ex-gen-rademacher", rad_answer(X, B) / B)
    x, xp, alpha = exercises.data("ex-gen-ntk")
    assert "ReLU kernel" in _mistake("ex-gen-ntk", ntk_answer(x, xp, 0.0))
    unit = ntk_answer(np.divide(x, np.linalg.norm(x)), np.divide(xp, np.linalg.norm(xp)),
                      alpha)
    assert "unit vectors" in _mistake("ex-gen-ntk", unit)
    X, y, w0 = exercises.data("ex-gen-implicit")

    def min_norm(X, y, w0):
        return gd_limit(X, y, np.zeros_like(np.asarray(w0, dtype=float)))

    def kept_wrong_part(X, y, w0):
        right = gd_limit(X, y, w0)
        null = right - min_norm(X, y, w0)                   # (I - X^+X) w0
        return min_norm(X, y, w0) + (np.asarray(w0, dtype=float) - null)
    assert "from w = 0" in exercises.get("ex-gen-implicit").verdict(min_norm)[1]
    assert "never change" in exercises.get("ex-gen-implicit").verdict(kept_wrong_part)[1]


@pytest.mark.parametrize("label", ["ex-gen-vc", "ex-gen-rademacher"])
def test_wrong_numbers_get_no_direction(label):
    ex = exercises.get(label)
    messages = set()
    for x in np.geomspace(1e-6, 1e6, 30):
        exercises._TRIES.clear()
        value = float(round(x)) if label == "ex-gen-vc" else float(x)
        ok, message = ex.verdict(value)
        assert not ok
        messages.add(message)
    assert messages <= {"not correct", "expected a whole number",
                        "the answer should be a whole number"} | set(ex.mistakes), messages
    words = " ".join(messages).lower()
    assert not any(w in words for w in LEAKS), messages


def test_a_wrong_kernel_matrix_gets_no_direction():
    ex = exercises.get("ex-gen-ntk")
    right = answer_of("ex-gen-ntk")
    for scale in (0.5, 0.999, 1.001, 2.0):
        exercises._TRIES.clear()
        assert ex.verdict(right * scale) == (False, "not correct")
    exercises._TRIES.clear()
    ok, message = ex.verdict(np.ones(3))
    assert not ok and "shape" in message


def test_whole_number_guessing_stops_after_four_tries():
    ex = exercises.get("ex-gen-vc")
    right = answer_of("ex-gen-vc")
    for k in range(1, 5):
        assert not ex.verdict(right + k)[0]
    ok, message = ex.verdict(right)
    assert not ok and "restart the kernel" in message


def test_written_exercises_have_rubrics_with_points():
    for label, points in (("ex-gen-vc-why", 2), ("ex-gen-khintchine", 3)):
        ex = exercises.get(label)
        assert ex.kind == "written" and ex.points == points
        assert ex.rubric.startswith(f"{points} points in all")
        assert ex.verdict("any text") == (False, "a written answer: your teacher marks it")


_P = np.linalg.pinv                          # an alias taken before the check runs


def _alias_limit(X, y, w0):
    p = globals()["_" + "P"]
    return p(X) @ y + w0 - p(X) @ (X @ w0)


def _private_module_limit(X, y, w0):
    basic = importlib.import_module("scipy.linalg._basic")
    p = getattr(basic, "pi" + "nv")
    return p(X) @ y + w0 - p(X) @ (X @ w0)


def _pinvh_limit(X, y, w0):
    import scipy.linalg as sl
    P = getattr(sl, "pin" + "vh")(X.T @ X) @ X.T
    return P @ y + w0 - P @ (X @ w0)


def _sympy_limit(X, y, w0):
    import sympy
    P = np.array(getattr(sympy.Matrix(X), "pi" + "nv")(), dtype=float)
    return P @ y + w0 - P @ (X @ w0)


@pytest.mark.parametrize("fn", [_alias_limit, _private_module_limit, _pinvh_limit,
                                _sympy_limit])
def test_pseudo_inverses_reached_another_way_are_disabled(fn):
    ok, message = exercises.get("ex-gen-implicit").verdict(fn)
    assert not ok and "disabled" in message, message
    assert np.allclose(np.linalg.pinv(np.eye(2)), np.eye(2))     # restored afterwards
