"""Chapters 6 and 7's exercises (issues 23 and 25) against a lazy but clever student.

For every auto-graded exercise: the chapter's own solution code (run from the notebook's
cells) and a model answer written here pass on variant 0 and on other students' keys; the
variant-0 answer (the site's) fails for another key; the library calls, computer algebra
and the bank's helpers that would do the work are refused in the answer's cells, and
disabled under the grader's lock however they are reached; recognised mistakes get their
hint and other wrong answers no direction. For the two written proof exercises, the claims
of their model proofs are checked numerically.
"""

from __future__ import annotations

import ast
import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from nntheory import depth, polynomials
from nntheory import numpy_core as npc
from nntheory.teaching import exercises, forbid, variants

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "book" / "chapters"
CH6, CH7 = "06_residual_polynomials", "07_approximation_spaces"
GRADED = {CH6: ("ex-res-cubic", "ex-res-project", "ex-res-inverse"),
          CH7: ("ex-space-fold", "ex-space-graded", "ex-space-widths")}
WRITTEN = {CH6: "ex-res-prove", CH7: "ex-space-graded-proof"}
VARIABLE = {"ex-res-cubic": "cubic_coefficient", "ex-res-project": "projection",
            "ex-res-inverse": "inverse_weights", "ex-space-fold": "fold_answer",
            "ex-space-graded": "graded_beta", "ex-space-widths": "unrolled_answer"}
CHAPTER = {label: ch for ch, labels in GRADED.items() for label in labels}
KEYS = [("s1", "0123456789abcdef" * 2), ("s2", "fedcba9876543210" * 2),
        ("s3", "00112233445566778899aabbccddeeff"), ("s4", "a5" * 16), ("s5", "3c" * 16)]


@pytest.fixture(autouse=True)
def fresh_session():
    """Each test starts as a fresh kernel would: variant 0, no tries counted."""
    variants.clear()
    exercises._TRIES.clear()
    yield
    variants.clear()
    exercises._TRIES.clear()


def _verdict(label, answer):
    exercises._TRIES.clear()            # each try as in a fresh kernel (limits tested apart)
    return exercises.get(label).verdict(answer)


# ------------------------------------------------------------------ model answers
# written here from the mathematics, independently of the chapter's solution cells


def cubic(w) -> Fraction:
    s = [Fraction(v) ** 2 for v in w]
    return sum(s) ** 2 - sum(v * v for v in s)             # 2 sum_{j<k} s_j s_k


def project(q) -> list[Fraction]:
    # Gram system of 1, x, x^2 on [-1, 1], solved exactly by Cramer's rule
    def moment(k):
        return Fraction(2, k + 1) if k % 2 == 0 else Fraction(0)
    gram = [[moment(i + j) for j in range(3)] for i in range(3)]
    rhs = [sum(Fraction(qk) * moment(k + i) for k, qk in enumerate(q)) for i in range(3)]

    def det(m):
        return (m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
                - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]))
    d = det(gram)
    out = []
    for col in range(3):
        m = [row[:] for row in gram]
        for i in range(3):
            m[i][col] = rhs[i]
        out.append(det(m) / d)
    return out


def inverse(c) -> list[float]:
    # s1 from the two top coefficients, then s2, s3 from c2, c3 and the order from c8
    s1 = 4 * c[8] / c[7]
    total = c[2] - s1
    product = c[3] / 2 - s1 * total
    disc = math.sqrt(float(total * total - 4 * product))
    for s2, s3 in (((float(total) + disc) / 2, (float(total) - disc) / 2),
                   ((float(total) - disc) / 2, (float(total) + disc) / 2)):
        if math.isclose(float(s1) ** 4 * s2 * s2 * s3, float(c[8]), rel_tol=1e-9):
            return [-math.sqrt(float(s1)), math.sqrt(s2), -math.sqrt(s3)]   # any signs
    raise AssertionError("no order of the roots matches c_8")


def fold(m, L) -> tuple[int, int]:
    return m ** L, (L - 1) * (m * m + m - 1) + 3 * m - 1


def graded(gamma) -> Fraction:
    return 2 / Fraction(gamma)


def widths(ws) -> tuple[tuple[int, ...], int]:
    plain = [2 * w if i > 0 and w == ws[i - 1] else w for i, w in enumerate(ws)]
    sizes = [1, *plain, 1]
    return tuple(plain), sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


MODEL = {"ex-res-cubic": cubic, "ex-res-project": project, "ex-res-inverse": inverse,
         "ex-space-fold": lambda d: fold(*d), "ex-space-graded": graded,
         "ex-space-widths": widths}
SITE = {"ex-res-cubic": (Fraction(1, 2), Fraction(1, 3), Fraction(2)),
        "ex-res-project": (0, 0, 0, 0, 1, 1), "ex-space-fold": (3, 4),
        "ex-space-graded": Fraction(1, 3), "ex-space-widths": (3, 3, 5, 5)}


# ------------------------------------------------------------------ the chapters' cells


def _cells(chapter: str) -> list[dict]:
    return json.loads((CHAPTERS / f"{chapter}.ipynb").read_text(encoding="utf-8"))["cells"]


def _source(cell) -> str:
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def _code(chapter: str) -> list[str]:
    return [_source(c) for c in _cells(chapter) if c["cell_type"] == "code"]


def _exercise_code(label: str) -> tuple[str, str]:
    """(data cell, solution cell) of ``label`` in its chapter."""
    code = _code(CHAPTER[label])
    data = next(s for s in code if f'exercises.data("{label}")' in s)
    solution = code[code.index(data) + 1]
    assert "# BEGIN SOLUTION" in solution
    return data, solution


def _chapter_functions(chapter: str) -> str:
    """The chapter's own function definitions (sup_error, graded_interpolant)."""
    out = []
    for source in _code(chapter):
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        out += [ast.get_source_segment(source, node) for node in tree.body
                if isinstance(node, ast.FunctionDef)]
    return "\n\n".join(out)


def _run_solution(label: str):
    data, solution = _exercise_code(label)
    ns: dict = {"np": np, "math": math, "Fraction": Fraction, "exercises": exercises,
                "depth": depth, "npc": npc}
    if CHAPTER[label] == CH7:
        exec(_chapter_functions(CH7), ns)
    exec(data, ns)
    exec(solution, ns)
    return ns[VARIABLE[label]]


def test_each_chapter_has_three_graded_exercises_and_one_proof():
    for chapter, labels in GRADED.items():
        ch = exercises.for_chapter(chapter)
        assert sorted(e.label for e in ch) == sorted([*labels, WRITTEN[chapter]])
        assert [exercises.get(label).difficulty for label in labels] == \
            ["easy", "medium", "hard"]
        proof = exercises.get(WRITTEN[chapter])
        assert proof.kind == "written" and "points in all" in proof.rubric
        assert "wrong proofs" in proof.rubric
        text = "\n".join(_source(c) for c in _cells(chapter) if c["cell_type"] == "markdown")
        for e in ch:
            assert f":label: {e.label}" in text and f"{{solution-start}} {e.label}" in text
            directive = text[text.index(f":label: {e.label}"):]
            directive = directive[:directive.index("```")]
            assert f"({e.difficulty}" in directive
            if e.kind != "written":
                assert "next cell prints" in directive          # the prose refers to data
                assert e.data is not None and e.forbid
                assert "not allowed" in directive or "disabled" in directive
        # no typed number of another exercise: the old fixed instances are gone
        assert "(\\tfrac12, \\tfrac13, 2)" not in text and "folding_net(3, 4)`" not in text


@pytest.mark.parametrize("label", [lab for labs in GRADED.values() for lab in labs])
def test_the_chapters_solution_passes_for_every_student_and_uses_no_shortcut(label):
    ex = exercises.get(label)
    data, solution = _exercise_code(label)
    history = _code(CHAPTER[label])
    history = history[:history.index(solution) + 1]
    names = (*ex.forbid, forbid.REGISTRY_INTERNALS)
    assert forbid.refusal(0, names, VARIABLE[label], history=history) is None
    for key in [None, *KEYS[:3]]:
        if key:
            variants.set_student(*key)
        assert _verdict(label, _run_solution(label))[0], key


@pytest.mark.parametrize("label", [lab for labs in GRADED.values() for lab in labs])
def test_model_answers_pass_and_a_copied_answer_fails(label):
    site = MODEL[label](exercises.data(label))
    assert _verdict(label, site)[0]
    datas = {exercises.data(label)}
    for key in KEYS:
        variants.set_student(*key)
        d = exercises.data(label)
        datas.add(d)
        assert _verdict(label, MODEL[label](d))[0], (key, d)
        ok, _ = _verdict(label, site)                   # the variant-0 answer, copied
        assert not ok, (key, d)
    assert len(datas) >= 4                              # the keys give other instances
    variants.clear()
    if label in SITE:
        assert exercises.data(label) == SITE[label]


def test_variants_are_well_posed():
    """Over 60 keys: the cubic's weights have distinct squares (so its two mistakes are
    other numbers); the inverse's coefficients come from three distinct squares (the order
    of s2, s3 is decided by c8) and have a rational solution; the projection has b != 0 and
    an odd part; the widths have at least two skips and a plain layer after a doubled one;
    the exponents are in (0, 1) and never the chapter's 1/2."""
    for i in range(60):
        variants.set_student(f"v{i}", f"{i:032x}")
        w = exercises.data("ex-res-cubic")
        assert len({v * v for v in w}) == 3 and all(v != 0 for v in w)
        c = exercises.data("ex-res-inverse")
        assert len(c) == 9 and c[0] == 0 and c[1] == 1
        assert _verdict("ex-res-inverse", inverse(c))[0]
        q = exercises.data("ex-res-project")
        assert q[4] != 0 and (q[3], q[5]) != (0, 0) and q[:3] == (0, 0, 0)
        ws = exercises.data("ex-space-widths")
        skips = [ws[j] == ws[j - 1] for j in range(1, len(ws))]
        assert sum(skips) >= 2 and min(ws) >= 2
        assert any(skips[j - 2] and not skips[j - 1] for j in range(2, len(ws)))
        gamma = exercises.data("ex-space-graded")
        assert 0 < gamma < 1 and gamma != Fraction(1, 2)
        m, L = exercises.data("ex-space-fold")
        assert 3 <= m <= 6 and 3 <= L <= 6


# ------------------------------------------------------------------ shortcuts

VALUE_SHORTCUTS = [
    ("ex-res-cubic",
     ["from nntheory import polynomials as poly",
      "cubic_coefficient = poly.residual_square_coefficients(w_cubic)[3]"]),
    ("ex-res-cubic",
     ["from nntheory import polynomials as poly",
      "cubic_coefficient = poly.residual_square_polynomial(w_cubic).coef[3]"]),
    ("ex-res-cubic",
     ["from nntheory import polynomials as poly",
      "net = poly.residual_square_network(w_cubic)",
      "cubic_coefficient = poly.mlp_polynomial(net, exact=True)[3]"]),
    ("ex-res-cubic",
     ["import numpy as np",
      "F = np.polynomial.Polynomial([0, 1])\nfor w in w_cubic:\n"
      "    F = F + float(w) ** 2 * F ** 2\ncubic_coefficient = F.coef[3]"]),
    ("ex-res-cubic",
     ["from numpy.polynomial import Polynomial",
      "F = Polynomial([0, 1])\nfor w in w_cubic:\n"
      "    F = F + float(w) ** 2 * F ** 2\ncubic_coefficient = F.coef[3]"]),
    ("ex-res-cubic",
     ["import sympy as sp", "x = sp.Symbol('x')", "F = x",
      "for w in w_cubic:\n    F = F + (w * F) ** 2",
      "cubic_coefficient = sp.expand(F).coeff(x, 3)"]),
    ("ex-res-cubic",
     ["from nntheory.teaching.bank import ch06_07",
      "cubic_coefficient = ch06_07._res_cubic_expected(w_cubic)"]),
    ("ex-res-project",
     ["from nntheory import polynomials as poly",
      "projection = poly.l2_projection_exact(list(q_coef), 2)"]),
    ("ex-res-project",
     ["from nntheory import polynomials as poly",
      "p = poly.l2_projection(lambda x: sum(c * x ** k for k, c in enumerate(q_coef)), 2)",
      "projection = list(p.convert(kind=type(p).__mro__[0]).coef)"]),
    ("ex-res-project",
     ["import numpy as np", "t = np.linspace(-1, 1, 100001)",
      "projection = np.polyfit(t, np.polyval(list(q_coef)[::-1], t), 2)[::-1]"]),
    ("ex-res-project",
     ["import numpy as np", "t, wq = np.polynomial.legendre.leggauss(20)",
      "projection = list(np.polynomial.legendre.Legendre.fit(t, t ** 4, 2).convert().coef)"]),
    ("ex-res-project",
     ["import numpy as np", "t = np.linspace(-1, 1, 1001)",
      "A = np.stack([t ** 0, t, t ** 2], 1)",
      "projection = np.linalg.lstsq(A, t ** 4 + t ** 5, rcond=None)[0]"]),
    ("ex-res-inverse",
     ["from scipy import optimize", "from nntheory import polynomials as poly",
      "sol = optimize.least_squares(lambda w: [float(a) - float(b) for a, b in "
      "zip(poly.residual_square_coefficients(list(w)), c_target)], [1, 1, 1])",
      "inverse_weights = list(sol.x)"]),
    ("ex-res-inverse",
     ["import sympy as sp", "a, b, c = sp.symbols('a b c')",
      "inverse_weights = sp.solve([a + b + c - c_target[2]], [a, b, c])"]),
    ("ex-res-inverse",
     ["import torch", "w = torch.ones(3).requires_grad_()",
      "inverse_weights = w.detach().tolist()"]),
    ("ex-space-fold",
     ["from nntheory import depth", "net = depth.folding_net(m_fold, L_fold)",
      "fold_answer = (depth.piecewise_linear(net, 0.0, 1.0).derivative_l1(), "
      "depth.nonzero_parameters(net))"]),
    ("ex-space-fold",
     ["from nntheory import depth", "import numpy as np",
      "net = depth.folding_net(m_fold, L_fold)",
      "fold_answer = (m_fold ** L_fold, "
      "sum(int(np.count_nonzero(p)) for p in net.get_parameters()))"]),
    ("ex-space-fold",
     ["from nntheory import depth", "c, t = depth._fold_layer(m_fold)",
      "fold_answer = (m_fold ** L_fold, int((c != 0).sum() + (t != 0).sum()))"]),
    ("ex-space-graded",
     ["from nntheory.teaching.bank import ch06_07",
      "graded_beta = 2 / ch06_07._space_graded_data()"]),
    ("ex-space-widths",
     ["from nntheory import depth", "from nntheory import numpy_core as npc",
      "plain = depth.unroll_skip(npc.MLP([1, *widths_ex, 1], 'relu', skip=True))",
      "unrolled_answer = (plain.sizes[1:-1], plain.n_parameters)"]),
    ("ex-space-widths",
     ["from nntheory import numpy_core as npc",
      "plain = npc.MLP([1, 3, 6, 5, 10, 1], 'relu')",
      "unrolled_answer = ((3, 6, 5, 10), plain.n_parameters)"]),
    ("ex-space-widths",
     ["from nntheory.teaching.bank import ch06_07",
      "p = ch06_07._unrolled(ch06_07._space_widths_data())",
      "unrolled_answer = (p.sizes[1:-1], 136)"]),
]


@pytest.mark.parametrize("label, cells", VALUE_SHORTCUTS,
                         ids=[f"{v[0]}-{i}" for i, v in enumerate(VALUE_SHORTCUTS)])
def test_library_shortcuts_in_the_notebook_are_refused(label, cells):
    variable = VARIABLE[label]
    names = (*exercises.get(label).forbid, forbid.REGISTRY_INTERNALS)   # as the check does
    why = forbid.refusal(0, names, variable, history=cells)
    assert why and "not allowed" in why
    # the chapter's own use of these functions in other cells does not count
    other = [*cells[:-1], "unrelated = 1", f"{variable} = 123"]
    assert forbid.refusal(0, names, variable, history=other) is None


def test_the_library_would_have_computed_the_answers():
    """The refused calls above are real shortcuts (so refusing them matters)."""
    w = exercises.data("ex-res-cubic")
    assert polynomials.residual_square_coefficients(list(w))[3] == cubic(w)
    q = exercises.data("ex-res-project")
    assert list(polynomials.l2_projection_exact(list(q), 2)) == project(q)
    m, L = exercises.data("ex-space-fold")
    net = depth.folding_net(m, L)
    assert (depth.piecewise_linear(net, 0.0, 1.0).derivative_l1(),
            depth.nonzero_parameters(net)) == fold(m, L)
    ws = exercises.data("ex-space-widths")
    plain = depth.unroll_skip(npc.MLP([1, *ws, 1], "relu", skip=True))
    assert (tuple(plain.sizes[1:-1]), plain.n_parameters) == widths(ws)


def test_the_graders_lock_disables_the_shortcuts_reached_by_a_built_name():
    """A name built at run time escapes the source refusal of a value answer; the
    grader's lock (on for every cell a student wrote) disables the function itself."""
    import importlib

    import sympy
    names = sorted({n for ch in GRADED for lab in GRADED[ch]
                    for n in exercises.get(lab).forbid})
    lock = forbid.Lock(names)
    shortcuts = {
        "getattr": lambda: getattr(polynomials, "residual_square_" + "coefficients")([1]),
        "importlib": lambda: importlib.import_module("nntheory." + "depth")
        .unroll_skip(npc.MLP([1, 2, 2, 1], "relu", skip=True)),
        "property": lambda: npc.MLP([1, 2, 1]).n_parameters,
        "numpy.polynomial": lambda: getattr(np, "poly" + "nomial").Polynomial([0, 1]) ** 2,
        "sympy": lambda: getattr(sympy, "exp" + "and")(sympy.Symbol("x") * 2),
        "fold": lambda: depth.nonzero_parameters(depth.folding_net(3, 2)),
        "fold layer": lambda: getattr(depth, "_fold_" + "layer")(3),
    }
    assert lock.on() > 50
    try:
        for name, call in shortcuts.items():
            with pytest.raises(forbid.ForbiddenError, match="is disabled here"):
                call()
                pytest.fail(name)
    finally:
        lock.off()
    assert polynomials.residual_square_coefficients([1]) == (0, 1, 1)
    assert (np.polynomial.Polynomial([0, 1]) ** 2).degree() == 2
    assert depth.nonzero_parameters(depth.folding_net(3, 2)) == fold(3, 2)[1]


# ------------------------------------------------------------------ messages


def _wrong_messages(label: str, answers) -> set[str]:
    return {_verdict(label, a)[1] for a in answers}


def test_wrong_answers_get_no_direction():
    leaks = ("large", "small", "more", "less", "too", "close", "factor", "sign")
    w = exercises.data("ex-res-cubic")
    right = cubic(w)
    found = _wrong_messages("ex-res-cubic", [right * f for f in (0.9, 1.1, 3, -1)]
                            + [right + 1e-6, right - Fraction(1, 1000)])
    q = exercises.data("ex-res-project")
    p = project(q)
    found |= _wrong_messages("ex-res-project", [[p[0] + d, p[1], p[2]] for d in (-1, 1)]
                             + [[p[0], p[1], p[2] * 1.01], [1, 2, 3]])
    found |= _wrong_messages("ex-res-inverse", [[1, 1, 1], [0.5, 2, 1], [1e3, 1, 1]])
    m, L = exercises.data("ex-space-fold")
    v, n = fold(m, L)
    found |= _wrong_messages("ex-space-fold", [(v, n + 1), (v + 1, n), (v - 1, n - 1)])
    found |= _wrong_messages("ex-space-graded", [5, 7, 6.5, 12])
    ws = exercises.data("ex-space-widths")
    (plain, count) = widths(ws)
    found |= _wrong_messages("ex-space-widths", [(plain, count + 1), (ws, count),
                                                 (plain[:-1], count)])
    assert found == {"not correct"}, found
    for message in found:
        for leak in leaks:
            assert leak not in message


def test_recognised_mistakes_get_their_hint():
    for key in [None, *KEYS[:3]]:
        if key:
            variants.set_student(*key)
        s = [v * v for v in exercises.data("ex-res-cubic")]
        assert "itself" in _verdict("ex-res-cubic", sum(s) ** 2)[1]
        half = sum(s[j] * s[k] for j in range(3) for k in range(j + 1, 3))
        assert "twice" in _verdict("ex-res-cubic", half)[1]
        assert "truncation" in _verdict("ex-res-project", [0, 0, 0])[1]
        c = exercises.data("ex-res-inverse")
        assert "order" in _verdict("ex-res-inverse", inverse(c)[::-1])[1]
        m, L = exercises.data("ex-space-fold")
        net = depth.folding_net(m, L)
        assert "non-zero" in _verdict("ex-space-fold", (m ** L, net.n_parameters))[1]
        gamma = exercises.data("ex-space-graded")
        assert "first cell" in _verdict("ex-space-graded", 2 * gamma)[1]
        ws = exercises.data("ex-space-widths")
        plain, count = widths(ws)
        doubled = tuple(2 * w for w in ws)
        assert "carrying" in _verdict("ex-space-widths", (doubled, count))[1]
        sizes, original = [1, *plain, 1], [1, *ws, 1]
        one_half = sum((original[i] + 1) * sizes[i + 1] for i in range(len(sizes) - 1))
        assert one_half != count
        assert "both of its halves" in _verdict("ex-space-widths", (plain, one_half))[1]


def test_the_graded_power_cannot_be_tried_value_by_value():
    """Three different wrong numbers per kernel: trying 1, 2, ... or simple fractions
    finds nothing, and the right answer is refused once the limit is reached."""
    ex = exercises.get("ex-space-graded")
    tries = [k for k in range(1, 40)] + [Fraction(p, q) for p in range(1, 30)
                                         for q in range(2, 6)]
    found = [t for t in tries if ex.verdict(t)[0]]
    assert found == []
    assert "tried" in ex.verdict(6)[1]
    exercises._TRIES.clear()
    assert ex.verdict(6)[0]


def test_no_field_of_an_exercise_holds_an_answer():
    for label in VARIABLE:
        ex = exercises.get(label)
        right = MODEL[label](exercises.data(label))
        if label == "ex-space-widths":
            right = [*right[0], right[1]]
        flat = np.ravel(np.asarray([float(v) for v in np.ravel(np.asarray(right,
                                                                          dtype=object))]))
        for name, value in vars(ex).items():
            try:
                arr = np.ravel(np.asarray(value, dtype=float))
            except (TypeError, ValueError):
                continue
            assert not (arr.shape == flat.shape and np.allclose(arr, flat)), (label, name)


# ------------------------------------------------------------------ the written proofs


def test_the_coefficient_inequality_of_ex_res_prove():
    """c3 = c2^2 - sum w^4 <= (1 - 1/n) c2^2, exactly, for random rational weights (zeros
    included); equality for equal |w_k|; so c3 = c2^2 > 0 never happens."""
    rng = np.random.default_rng(67)
    for _ in range(150):
        n = int(rng.integers(1, 5))
        w = [Fraction(int(rng.integers(-4, 5)), int(rng.integers(1, 5))) for _ in range(n)]
        c = (*polynomials.residual_square_coefficients(w), 0)    # F_1 has no x^3 term
        c2 = sum(v * v for v in w)
        assert c[3] == c2 ** 2 - sum(v ** 4 for v in w) == cubic(w)
        assert c[3] <= (1 - Fraction(1, n)) * c2 ** 2
        assert c2 == 0 or c[3] < c2 ** 2
        equal = [Fraction(int(rng.integers(1, 4)), 3) * int(rng.choice([-1, 1]))] * n
        equal = [v * int(rng.choice([-1, 1])) for v in equal]
        ce = (*polynomials.residual_square_coefficients(equal), 0)
        assert ce[3] == (1 - Fraction(1, n)) * ce[2] ** 2        # attained
    with pytest.raises(AssertionError):       # the bound is not looser than it says
        w = [Fraction(1), Fraction(1)]
        c = polynomials.residual_square_coefficients(w)
        assert c[3] < (1 - Fraction(1, 2)) * c[2] ** 2


@pytest.mark.parametrize("gamma", [Fraction(1, 3), Fraction(1, 4), Fraction(2, 3),
                                   Fraction(4, 5)])
def test_the_graded_knots_bounds_of_the_model_proof(gamma):
    """(a) the first cell's error is c_gamma h^gamma (to the grid's resolution, from below);
    (b) with beta = 2/gamma, N^2 times the sup error stays below C_gamma, and with
    beta = 1/gamma (< 2/gamma) it grows like N^(2 - beta gamma) = N."""
    g = float(gamma)
    c_g = (1 - g) * g ** (g / (1 - g))
    C_g = max(1.0, 0.5 / g * (1 - g) * 2 ** ((4 - 2 * g) / g))
    x = np.concatenate([[0.0], np.geomspace(1e-40, 1.0, 40001)])
    f = x ** g
    scaled = {}
    for beta in (2 / g, 1 / g):
        for N in (8, 32, 128):
            knots = (np.arange(N + 1) / N) ** beta
            knots = np.union1d(knots, [0.0])
            err = np.abs(np.interp(x, knots, knots ** g) - f)
            h = knots[1]
            first = err[x <= h].max()
            assert c_g * h ** g * (1 - 1e-3) <= first <= c_g * h ** g * (1 + 1e-12)
            scaled[beta, N] = err.max() * N ** 2
    assert max(scaled[2 / g, N] for N in (8, 32, 128)) <= C_g
    assert scaled[1 / g, 128] > 10 * scaled[1 / g, 8]       # observed: grows like N


def test_the_written_exercises_are_marked_by_the_teacher():
    for label in WRITTEN.values():
        ex = exercises.get(label)
        ok, message = ex.verdict("a proof")
        assert not ok and "teacher" in message
    assert "Cauchy-Schwarz" in exercises.get("ex-res-prove").rubric
    assert "c_gamma" in exercises.get("ex-space-graded-proof").rubric


INNOCENT = [
    ("ex-res-cubic", ["from nntheory import polynomials as poly", "import numpy as np",
                      "r = poly.runge(0.5) * 0 + float(np.sum(np.diff([1.0, 2.0])))",
                      "cubic_coefficient = r"]),
    ("ex-res-project", ["import numpy as np", "from fractions import Fraction",
                        "projection = [Fraction(0), np.float64(0.5), 1]"]),
    ("ex-res-inverse", ["import math", "import numpy as np",
                        "inverse_weights = [math.sqrt(2), float(np.roots([1, -3, 2])[0]), 1]"]),
    ("ex-space-fold", ["import numpy as np", "from nntheory import numpy_core as npc",
                       "net = npc.MLP([1, 3, 1], 'relu')",
                       "fold_answer = (3, sum(int(np.count_nonzero(p)) "
                       "for p in net.get_parameters()))"]),
    ("ex-space-widths", ["from nntheory import numpy_core as npc",
                         "net = npc.MLP([1, 3, 3, 1], 'relu', skip=True)",
                         "unrolled_answer = ((3, 6), sum(p.size for p in net.get_parameters()))"]),
]


@pytest.mark.parametrize("label, cells", INNOCENT, ids=[v[0] for v in INNOCENT])
def test_what_the_student_may_use_is_not_refused(label, cells):
    """The forbid lists are not so broad that the chapter's aliases (poly, npc), NumPy's
    arithmetic or a network's parameters are refused."""
    names = (*exercises.get(label).forbid, forbid.REGISTRY_INTERNALS)
    assert forbid.refusal(0, names, VARIABLE[label], history=cells) is None
