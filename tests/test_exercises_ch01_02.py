"""The exercises of chapters 1 and 2 (issues 23 and 24) against a lazy but clever student.

For every exercise: a model answer written without the forbidden shortcuts passes on
variant 0 and on other student keys; variant 0's answer, copied, fails for another key;
the library functions that compute the answer are refused when named and disabled when
reached at run time (the grader's lock for value answers); recognised mistakes get their
hint, other wrong answers only "not correct". The model answers here are computed with
the library (an independent reference for the registry's own closed forms).
"""

from __future__ import annotations

import importlib
import itertools
import json
import linecache
import math
from pathlib import Path

import numpy as np
import pytest

from nntheory import perceptron, separability
from nntheory.teaching import exercises, forbid, student, variants

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "book" / "chapters"
KEYS = ["0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210",
        "00112233445566778899aabbccddeeff", "5555aaaa5555aaaa5555aaaa5555aaaa"]
AUTO = ["ex-perceptron-margin", "ex-perceptron-dual", "ex-perceptron-lengths",
        "ex-xor-count", "ex-xor-farkas", "ex-xor-parity"]
WRITTEN = ["ex-perceptron-start", "ex-xor-one-unit"]


@pytest.fixture(autouse=True)
def fresh_session():
    """Each test starts as a fresh kernel would: variant 0, no tries counted."""
    variants.clear()
    exercises._TRIES.clear()
    yield
    variants.clear()
    exercises._TRIES.clear()


def _define(source: str) -> dict:
    """Define functions as a notebook cell would (module ``__main__``, source cached for
    inspect.getsource)."""
    name = f"<cell-ch12-{abs(hash(source))}>"
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    namespace = {"__name__": "__main__", "np": np}
    exec(compile(source, name, "exec"), namespace)
    return namespace


DUAL = _define(
    "def dual_perceptron(K, y):\n"
    "    K, y = np.asarray(K, dtype=float), np.asarray(y, dtype=float)\n"
    "    alpha = np.zeros(len(y))\n"
    "    while True:\n"
    "        clean = True\n"
    "        for j in range(len(y)):\n"
    "            if y[j] * np.sum(alpha * y * K[:, j]) <= 0:\n"
    "                alpha[j] += 1\n"
    "                clean = False\n"
    "        if clean:\n"
    "            return alpha\n")["dual_perceptron"]


def _cube(n: int) -> np.ndarray:
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def model(label: str):
    """A right answer for the current variant, from the library (value exercises) or
    written out (the function and the constructions)."""
    if label == "ex-perceptron-dual":
        return DUAL
    d = exercises.data(label)
    if label == "ex-perceptron-margin":
        X, y, u = d
        return perceptron.margin(u, X, y)
    if label == "ex-perceptron-lengths":
        a = d
        X, ones = np.diag(a), np.ones(len(a))
        counts = {perceptron.train_perceptron(X, ones, order=list(p), add_bias=False).mistakes
                  for p in itertools.permutations(range(len(a)))}
        assert len(counts) == 1                         # (a): the same in every order
        k = counts.pop()
        w = perceptron.train_perceptron(X, ones, add_bias=False).w
        u, gamma = perceptron.max_margin(X, ones, add_bias=False)
        R = perceptron.radius(X, add_bias=False)
        return (k, gamma, (R / gamma) ** 2, k * R**2 / (w @ w), (w @ w) / (u @ w) ** 2)
    if label == "ex-xor-count":
        return separability.count_separable_dichotomies(d)     # one LP per labelling
    if label == "ex-xor-farkas":
        return separability.farkas_certificate(*d)
    if label == "ex-xor-parity":
        n, S = d
        g = np.array([float(s in S) for s in range(n + 1)])
        c = [g[1] - g[0]] + [g[k + 1] - 2 * g[k] + g[k - 1] for k in range(1, n)]
        return [np.ones((n, n)), -np.arange(n, dtype=float), np.array(c)[:, None],
                np.array([g[0]])]
    raise KeyError(label)


# ------------------------------------------------------------------ right answers, variants


@pytest.mark.parametrize("label", AUTO)
def test_a_model_answer_passes_on_variant_0_and_on_other_keys(label):
    ex = exercises.get(label)
    assert ex.verdict(model(label)) [0]
    seen = [repr(exercises.data(label))]
    for i, key in enumerate(KEYS):
        variants.set_student(f"s{i}", key)
        exercises._TRIES.clear()
        ok, message = ex.verdict(model(label))
        assert ok, (label, key, message)
        seen.append(repr(exercises.data(label)))
        if ex.hidden:
            assert all(case.run(model(label))[0] for case in ex.hidden)
    assert len(set(seen)) == len(seen), "every key draws its own instance"


@pytest.mark.parametrize("label", [a for a in AUTO if a != "ex-perceptron-dual"])
def test_variant_0s_answer_copied_fails_for_another_key(label):
    ex = exercises.get(label)
    copied = model(label)
    failed = 0
    for i, key in enumerate(KEYS):
        variants.set_student(f"s{i}", key)
        exercises._TRIES.clear()
        ok, message = ex.verdict(copied)
        assert not ok, (label, key)
        failed += 1
        if label == "ex-xor-parity":            # the site's network: recognised, or too small
            n_bits = exercises.data(label)[0]
            assert ("parity" in message) if n_bits == 3 else ("shape" in message), message
    assert failed == len(KEYS)


def test_the_site_shows_variant_0_the_instance_the_solutions_are_written_for():
    X, y, u = exercises.data("ex-perceptron-margin")
    assert np.array_equal(u, [1.0, -1.0, 0.5]) and abs(perceptron.margin(u, X, y) - 1 / 3) < 1e-12
    assert np.array_equal(exercises.data("ex-perceptron-lengths"), [1.0, 2.0, 3.0, 4.0])
    assert separability.count_separable_dichotomies(exercises.data("ex-xor-count")) == 8
    assert exercises.data("ex-xor-parity") == (3, (1, 3))
    X, y = exercises.data("ex-xor-farkas")
    lam = np.array([1 / 4, 1 / 8, 0, 3 / 8, 1 / 4])        # the solution's certificate
    assert separability.check_certificate(X, y, lam)


@pytest.mark.parametrize("key", [*KEYS, *(f"{i:032x}" for i in range(1, 13))])
def test_every_variant_is_well_posed(key):
    """Each drawn instance has the properties the prose promises."""
    variants.set_student("s", key)
    X, y, u = exercises.data("ex-perceptron-margin")
    assert perceptron.margin(u, X, y) > 0 and set(y) == {-1.0, 1.0}       # u separates
    X, y = exercises.data("ex-perceptron-dual")
    run = perceptron.kernel_perceptron((1 + X @ X.T) ** 2, y)
    assert run.converged and run.mistakes >= 6
    a = exercises.data("ex-perceptron-lengths")
    assert len(set(a)) == len(a) >= 3 and np.all(a > 0)
    X = exercises.data("ex-xor-count")
    n, m = X.shape
    r = np.linalg.matrix_rank(X[1:] - X[0])
    assert r < m and n >= 5 and np.all(X == np.round(X))               # on a lower flat
    X, y = exercises.data("ex-xor-farkas")
    assert not separability.separate(X, y).separable
    n, S = exercises.data("ex-xor-parity")
    target = np.where(np.isin(_cube(n).sum(axis=1), S), 1.0, -1.0)
    assert not separability.separate(_cube(n), target).separable       # needs the layer
    assert S != tuple(range(1, n + 1, 2))                                # not the parity


def test_the_flat_count_is_covers_count_in_the_flat_by_linear_programs():
    """The registry's closed form against one LP per labelling, on two keys with a flat
    of dimension at least 2 (the LP count is the independent reference)."""
    found = 0
    for i in range(1, 40):
        variants.set_student("s", f"{i:032x}")
        X = exercises.data("ex-xor-count")
        r = np.linalg.matrix_rank(X[1:] - X[0])
        if r >= 2 and len(X) <= 7:
            expected = 2 * sum(math.comb(len(X) - 1, k) for k in range(r + 1))
            assert separability.count_separable_dichotomies(X) == expected
            assert exercises.get("ex-xor-count").verdict(expected)[0]
            found += 1
            if found == 2:
                break
    assert found == 2


# ------------------------------------------------------------------ shortcuts


VALUE_SHORTCUTS = [
    ("ex-perceptron-margin", "gamma_answer",
     ["from nntheory import perceptron",
      "X_ex, y_ex, u_ex = exercises.data('ex-perceptron-margin')",
      "gamma_answer = perceptron.margin(u_ex, X_ex, y_ex)"]),
    ("ex-perceptron-margin", "gamma_answer",
     ["from nntheory import perceptron",
      "R = perceptron.radius(X_ex)",
      "gamma_answer = R / np.sqrt(perceptron.novikoff_bound(X_ex, y_ex, u_ex))"]),
    ("ex-perceptron-margin", "gamma_answer",           # the function imported from its module
     ["from nntheory.perceptron import margin as m",
      "gamma_answer = m(u_ex, X_ex, y_ex)"]),
    ("ex-perceptron-lengths", "lengths_answer",
     ["from nntheory import perceptron",
      "u, g = perceptron.max_margin(np.diag(a_len), np.ones(len(a_len)), add_bias=False)",
      "lengths_answer = (len(a_len), g, (a_len.max() / g) ** 2, 1, 1)"]),
    ("ex-perceptron-lengths", "lengths_answer",
     ["from scipy import optimize",
      "res = optimize.minimize(lambda w: w @ w, np.ones(4))",
      "lengths_answer = (4, 1 / np.sqrt(res.fun), 1, 1, 1)"]),
    ("ex-xor-count", "n_flat",
     ["from nntheory import separability",
      "n_flat = separability.count_separable_dichotomies(X_flat)"]),
    ("ex-xor-count", "n_flat",
     ["from nntheory import separability",
      "n_flat = separability.cover_count(len(X_flat), 2)"]),
    ("ex-xor-count", "n_flat",
     ["from scipy.optimize import linprog",
      "n_flat = sum(linprog(np.zeros(3), A_ub=-A, b_ub=-np.ones(4)).status == 0 "
      "for A in systems)"]),
    ("ex-xor-farkas", "lam_plane",
     ["from nntheory import separability",
      "lam_plane = separability.farkas_certificate(X_plane, y_plane)"]),
    ("ex-xor-farkas", "lam_plane",
     ["import scipy.optimize",
      "lam_plane = scipy.optimize.nnls(M, b)[0]"]),
    ("ex-xor-parity", "parity_params",
     ["from nntheory import depth",
      "parity_params = depth.relu_spline([0, 1, 2, 3], [0, 1, 0, 1]).get_parameters()"]),
    ("ex-xor-parity", "parity_params",
     ["from nntheory import constructions",
      "net = constructions.relu_interpolant(f, 0, 3, 4)",
      "parity_params = net.get_parameters()"]),
    ("ex-xor-count", "n_flat",      # the registry's own helper
     ["from nntheory.teaching.bank import ch01_02 as B",
      "n_flat = B._count_expected(X_flat)"]),
]


@pytest.mark.parametrize("label, variable, cells", VALUE_SHORTCUTS,
                         ids=[f"{v[0]}-{i}" for i, v in enumerate(VALUE_SHORTCUTS)])
def test_value_shortcuts_in_the_notebook_are_refused(label, variable, cells):
    """The cells the answer's variable depends on are read (in a kernel, from its
    history): naming the library function that computes the answer is refused."""
    ex = exercises.get(label)
    why = forbid.refusal(0, (*ex.forbid, forbid.REGISTRY_INTERNALS), variable,
                         history=cells)
    assert why and "not allowed" in why, why
    # the chapter's own use of the function elsewhere does not count
    assert forbid.refusal(0, ex.forbid, variable,
                          history=[*cells[:-1], f"{variable} = 123"]) is None


def _locked(names, call):
    """Run ``call`` with the grader's lock on (as the grader runs a student's cells)."""
    lock = forbid.Lock(names)
    lock.on()
    try:
        return call()
    finally:
        lock.off()


@pytest.mark.parametrize("label, module, attribute, args", [
    ("ex-perceptron-margin", "nntheory.perceptron", "mar" + "gin",
     lambda: (np.array([1.0, -1, 0.5]), np.eye(2), np.array([1.0, -1]))),
    ("ex-perceptron-lengths", "nntheory.perceptron", "max_" + "margin",
     lambda: (np.eye(3), np.ones(3))),
    ("ex-perceptron-lengths", "scipy.optimize", "mini" + "mize",
     lambda: (lambda w: float(w @ w), np.ones(2))),
    ("ex-xor-count", "nntheory.separability", "cover_" + "count", lambda: (5, 2)),
    ("ex-xor-count", "nntheory.separability", "count_separable_" + "dichotomies",
     lambda: (np.eye(3),)),
    ("ex-xor-farkas", "nntheory.separability", "farkas_" + "certificate",
     lambda: (np.array([[0.0], [1.0], [2.0]]), np.array([1.0, -1.0, 1.0]))),
    ("ex-xor-farkas", "scipy.optimize", "nn" + "ls", lambda: (np.eye(2), np.ones(2))),
    ("ex-xor-parity", "nntheory.depth", "relu_" + "spline", lambda: ([0, 1, 2], [0, 1, 0])),
    ("ex-xor-count", "nntheory.teaching.bank.ch01_02", "_count_" + "expected",
     lambda: (np.eye(2),)),
])
def test_value_shortcuts_through_importlib_are_disabled_under_the_graders_lock(
        label, module, attribute, args):
    """A value answer is a number: no function of the student's runs in the check. A
    name built at run time escapes the source reading; the grader runs the student's
    cells with the lock on, and there the function raises."""
    ex = exercises.get(label)
    names = (*ex.forbid, forbid.REGISTRY_INTERNALS)
    fn = getattr(importlib.import_module(module), attribute)
    with pytest.raises(forbid.ForbiddenError, match="disabled here"):
        _locked(names, lambda: fn(*args()))
    fn(*args())                                   # restored afterwards


DUAL_SHORTCUTS = {
    "kernel_perceptron named": (
        "from nntheory import perceptron\n"
        "def dual_perceptron(K, y):\n"
        "    return perceptron.kernel_perceptron(K, y).alpha\n", "not allowed"),
    "kernel_perceptron through getattr": (
        "import importlib\n"
        "kp = getattr(importlib.import_module('nntheory.' + 'perc' + 'eptron'),\n"
        "             'kernel_' + 'perc' + 'eptron')\n"
        "def dual_perceptron(K, y):\n"
        "    return kp(K, y).alpha\n", "disabled here"),
    "primal perceptron on eigen-features, through getattr": (
        "import importlib\n"
        "tp = getattr(importlib.import_module('nntheory.' + 'perc' + 'eptron'),\n"
        "             'train_' + 'perc' + 'eptron')\n"
        "def dual_perceptron(K, y):\n"
        "    lam, V = np.linalg.eigh(K)\n"
        "    Phi = V * np.sqrt(np.clip(lam, 0, None))\n"
        "    run = tp(Phi, y, add_bias=False)\n"
        "    return np.bincount(run.mistake_indices, minlength=len(y)).astype(float)\n",
        "disabled here"),
    "the registry's reference": (
        "import importlib\n"
        "ref = getattr(importlib.import_module('nntheory.teaching.bank.ch01_02'),\n"
        "              '_dual_' + 'reference')\n"
        "def dual_perceptron(K, y):\n"
        "    return ref(K, y)\n", "disabled here"),
}


@pytest.mark.parametrize("name", list(DUAL_SHORTCUTS))
def test_dual_perceptron_shortcuts_fail_visible_and_hidden(name):
    source, message = DUAL_SHORTCUTS[name]
    fn = _define(source)["dual_perceptron"]
    ex = exercises.get("ex-perceptron-dual")
    ok, text = ex.verdict(fn)
    assert not ok and message in text and "write it yourself" in text, text
    assert not any(case.run(fn)[0] for case in ex.hidden)
    X, y = exercises.data("ex-perceptron-dual")
    perceptron.kernel_perceptron((1 + X @ X.T) ** 2, y)        # restored afterwards


def test_a_dual_perceptron_that_only_fits_the_visible_data_fails_the_hidden_cases():
    X, y = exercises.data("ex-perceptron-dual")
    alpha = DUAL((1 + X @ X.T) ** 2, y)
    fn = _define(f"def dual_perceptron(K, y):\n    return np.array({alpha.tolist()})\n"
                 )["dual_perceptron"]
    ex = exercises.get("ex-perceptron-dual")
    assert ex.verdict(fn)[0]
    assert not any(case.run(fn)[0] for case in ex.hidden)


# ------------------------------------------------------------------ messages


def test_recognised_mistakes_get_their_hint():
    X, y, u = exercises.data("ex-perceptron-margin")
    low = float(np.min(y * (np.c_[X, np.ones(len(X))] @ u)))
    raw = float(np.min(y * (X @ u[:2])))
    margin = exercises.get("ex-perceptron-margin")
    assert "unit vector" in margin.verdict(low)[1]
    assert "bias included" in margin.verdict(low / np.linalg.norm(u[:2]))[1]
    assert "augmented" in margin.verdict(raw / np.linalg.norm(u))[1]

    strict = _define("def dual_perceptron(K, y):\n"
                     "    alpha = np.zeros(len(y))\n"
                     "    for j in range(len(y)):\n"
                     "        if y[j] * np.sum(alpha * y * K[:, j]) < 0:\n"
                     "            alpha[j] += 1\n"
                     "    return alpha\n")["dual_perceptron"]
    assert "score of 0 counts as a mistake" in exercises.get("ex-perceptron-dual").verdict(
        strict)[1]

    g_uniform = 1 / 2                                  # min_i a_i / sqrt(n), a = 1, ..., 4
    ok, text = exercises.get("ex-perceptron-lengths").verdict((4, g_uniform, 64, 1, 1))
    assert not ok and "uniform direction" in text

    count = exercises.get("ex-xor-count")
    assert "every labelling" in count.verdict(16)[1]
    assert "general position" in count.verdict(14)[1]

    farkas = exercises.get("ex-xor-farkas")
    lam = np.array([1 / 4, 1 / 8, 0, 3 / 8, 1 / 4])
    assert farkas.verdict(2 * lam)[1] == "the multipliers must sum to 1"
    X, y = exercises.data("ex-xor-farkas")
    # sum_i lam_i y_i x_i = 0 with sum_i lam_i = 1, but sum_i lam_i y_i != 0
    Z = y[:, None] * X
    for idx in itertools.combinations(range(5), 3):
        sol = np.linalg.lstsq(np.vstack([Z[list(idx)].T, np.ones(3)]),
                              np.r_[0.0, 0.0, 1.0], rcond=None)[0]
        full = np.zeros(5)
        full[list(idx)] = sol
        if np.all(sol > 1e-9) and np.allclose(Z.T @ full, 0) and abs(y @ full) > 1e-6:
            assert "constant coordinate" in farkas.verdict(full)[1]
            break
    else:
        pytest.fail("no multipliers that forget the bias found")

    parity = exercises.get("ex-xor-parity")
    pm1 = [np.ones((3, 3)), np.array([0.0, -1, -2]), np.array([[2.0], [-4], [4]]),
           np.array([-1.0])]
    assert "not +-1" in parity.verdict(pm1)[1]


def test_a_wrong_margin_gets_the_same_message_on_both_sides():
    ex = exercises.get("ex-perceptron-margin")
    messages = set()
    for x in np.geomspace(1e-6, 1e6, 25):
        exercises._TRIES.clear()
        ok, message = ex.verdict(x)
        assert not ok
        messages.add(message)
    assert messages == {"not correct"}


def test_the_flat_count_cannot_be_guessed_one_by_one():
    ex = exercises.get("ex-xor-count")
    assert [k for k in range(1, 40) if ex.verdict(k)[0]] == []
    assert "tried" in ex.verdict(8)[1]                     # three wrong answers: no more
    exercises._TRIES.clear()
    assert ex.verdict(8)[0]


def test_a_wrong_certificate_or_network_says_nothing_about_the_answer():
    farkas = exercises.get("ex-xor-farkas")
    assert farkas.verdict([0.2] * 5) == (False, "not a certificate for these labels")
    assert "non-negative" in farkas.verdict([-1.0, 1, 1, 0, 0])[1]
    parity = exercises.get("ex-xor-parity")
    wrong = [np.ones((3, 3)), np.zeros(3), np.ones((3, 1)), np.zeros(1)]
    ok, text = parity.verdict(wrong)
    assert not ok and text == "not equal to the target on every point of the cube"


# ------------------------------------------------------------------ written exercises


@pytest.mark.parametrize("label, chapter", [("ex-perceptron-start", "01_perceptron"),
                                            ("ex-xor-one-unit", "02_xor")])
def test_the_proof_exercises_have_a_rubric_a_model_proof_and_an_answer_cell(label, chapter):
    ex = exercises.get(label)
    assert ex.kind == "written" and ex.chapter == chapter
    assert "points in all" in ex.rubric and "Usual wrong proofs" in ex.rubric
    assert f"{ex.points} points in all" in ex.rubric            # the breakdown adds up
    nb = json.loads((CHAPTERS / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    text = ["".join(c["source"]) for c in nb["cells"]]
    assert any(f"{{solution-start}} {label}" in t and "A model answer" in t for t in text)
    copy = student.make_student_copy(nb)
    tagged = [c for c in copy["cells"] if student.ANSWER_TAG in
              (c.get("metadata", {}).get("tags") or [])]
    assert any(c["metadata"]["nntheory"]["exercise"] == label for c in tagged)
    assert not any("A model answer" in "".join(c["source"]) for c in copy["cells"])


def test_the_chapters_solutions_use_nothing_the_chapters_exercises_forbid():
    """The grader runs every solution cell with the union of the chapter's forbidden
    names locked: the solutions must not name any of them."""
    for chapter in ("01_perceptron", "02_xor"):
        nb = json.loads((CHAPTERS / f"{chapter}.ipynb").read_text(encoding="utf-8"))
        names = [n for ex in exercises.for_chapter(chapter) for n in ex.forbid]
        refused = forbid.identifiers(names)
        for cell in nb["cells"]:
            src = "".join(cell["source"])
            if cell["cell_type"] == "code" and "# BEGIN SOLUTION" in src:
                assert not (forbid._used(src) & refused), (chapter, src[:60])
