"""The exercises of chapters 1 and 2 (issues 23 and 24; second referee report and the
lazy-student probe of chapters 1-2) against a lazy but clever student.

For every exercise: a model answer written without the forbidden shortcuts passes on
variant 0 and on other student keys; variant 0's answer, copied, fails for another key;
no public function of the library computes the answer in one call (the answer a
single call gives is graded wrong); the library functions that would help are refused
when named and disabled when reached at run time (the grader's lock for value
answers); recognised mistakes get their hint, other wrong answers only "not correct".
The model answers here are computed with the library where it helps (an independent
reference for the registry's own closed forms).
"""

from __future__ import annotations

import importlib
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from exercise_helpers import define as _define
from exercise_helpers import fresh_kernel  # noqa: F401 (fresh_kernel: the autouse fixture)

from nntheory import depth, perceptron, separability
from nntheory.teaching import exercises, forbid, student, variants

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "book" / "chapters"
KEYS = ["0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210",
        "00112233445566778899aabbccddeeff", "5555aaaa5555aaaa5555aaaa5555aaaa"]
AUTO = ["ex-perceptron-margin", "ex-perceptron-dual", "ex-perceptron-lengths",
        "ex-xor-count", "ex-xor-farkas", "ex-xor-parity"]
WRITTEN = ["ex-perceptron-start", "ex-xor-one-unit"]


DUAL = _define(
    "def dual_margin_perceptron(K, y, tau):\n"
    "    K, y = np.asarray(K, dtype=float), np.asarray(y, dtype=float)\n"
    "    alpha = np.zeros(len(y))\n"
    "    while True:\n"
    "        clean = True\n"
    "        for j in range(len(y)):\n"
    "            if y[j] * np.sum(alpha * y * K[:, j]) <= tau:\n"
    "                alpha[j] += 1\n"
    "                clean = False\n"
    "        if clean:\n"
    "            return alpha\n")["dual_margin_perceptron"]


def _cube(n: int) -> np.ndarray:
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def _prefix_counts(X) -> list[int]:
    """c_{k+1} = c_k + 2 (distinct lines through x_{k+1} and an earlier point), with
    the lines told apart by exact rank tests (not the registry's gcd directions)."""
    out = [2]
    for k in range(1, len(X)):
        dirs: list[np.ndarray] = []
        for i in range(k):
            d = X[k] - X[i]
            if not any(np.linalg.matrix_rank(np.vstack([d, e])) < 2 for e in dirs):
                dirs.append(d)
        out.append(out[-1] + 2 * len(dirs))
    return out


def _minimal_certificates_by_lp(X, y) -> np.ndarray:
    """Every minimal certificate, from the library: the sets of at most four points that
    no line separates while every proper subset is separated (one LP each), and the
    certificate of each (farkas_certificate; unique on a minimal set)."""
    minimal: list[tuple[int, ...]] = []
    for size in (2, 3, 4):
        for idx in itertools.combinations(range(len(y)), size):
            if any(set(m) <= set(idx) for m in minimal):
                continue
            if not separability.separate(X[list(idx)], y[list(idx)]).separable:
                minimal.append(idx)
    rows = []
    for idx in minimal:
        full = np.zeros(len(y))
        full[list(idx)] = separability.farkas_certificate(X[list(idx)], y[list(idx)])
        rows.append(full)
    return np.array(rows)


def _narrow_network(n, S, width):
    """Units relu(s - k) or relu(k - s) at the inner changes of slope, some facing left
    so that they carry the first slope (found by trying every subset)."""
    g = np.array([float(s in S) for s in range(n + 1)])
    d = np.diff(g)
    knots = [k for k in range(1, n) if d[k] != d[k - 1]]
    change = {k: d[k] - d[k - 1] for k in knots}
    for r in range(len(knots) + 1):
        for left in itertools.combinations(knots, r):
            if abs(-sum(change[k] for k in left) - d[0]) < 1e-12:
                sign = np.array([-1.0 if k in left else 1.0 for k in knots])
                W1 = np.ones((n, 1)) * sign[None, :]
                b1 = -sign * np.array(knots, dtype=float)
                W2 = np.array([change[k] for k in knots])[:, None]
                f0 = sum(change[k] * k for k in left)      # relu(k - 0) = k
                assert len(knots) == width
                return [W1, b1, W2, np.array([g[0] - f0])]
    raise AssertionError("no narrow network")


def model(label: str):
    """A right answer for the current variant, from the library (value exercises) or
    written out (the function and the constructions)."""
    if label == "ex-perceptron-dual":
        return DUAL
    d = exercises.data(label)
    if label == "ex-perceptron-margin":
        X, y, u = d             # each point's margin: the library on one point at a time
        return np.array([perceptron.margin(u, X[i:i + 1], y[i:i + 1]) for i in range(4)]) \
            * np.linalg.norm(u) / np.linalg.norm(u[:2])
    if label == "ex-perceptron-lengths":
        a = d
        X, ones = np.diag(a), np.ones(len(a))
        counts = {perceptron.train_perceptron(X, ones, order=list(p), add_bias=False).mistakes
                  for p in itertools.permutations(range(len(a)))}
        assert len(counts) == 1                         # the same in every order
        k = counts.pop()
        w = perceptron.train_perceptron(X, ones, add_bias=False).w
        u, gamma = perceptron.max_margin(X, ones, add_bias=False)
        R = perceptron.radius(X, add_bias=False)
        return (k * R**2 / (w @ w), (w @ w) / (u @ w) ** 2, ((u @ w) / (k * gamma)) ** 2)
    if label == "ex-xor-count":
        return _prefix_counts(d)
    if label == "ex-xor-farkas":
        return _minimal_certificates_by_lp(*d)
    if label == "ex-xor-parity":
        return _narrow_network(*d)
    raise KeyError(label)


# ------------------------------------------------------------------ right answers, variants


@pytest.mark.parametrize("label", AUTO)
def test_a_model_answer_passes_on_variant_0_and_on_other_keys(label):
    ex = exercises.get(label)
    assert ex.verdict(model(label))[0]
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
    for i, key in enumerate(KEYS):
        variants.set_student(f"s{i}", key)
        exercises._TRIES.clear()
        assert not ex.verdict(copied)[0], (label, key)


def test_the_site_shows_variant_0_the_instance_the_solutions_are_written_for():
    X, y, u = exercises.data("ex-perceptron-margin")
    assert np.array_equal(u, [1.0, -1.0, 0.5])
    assert exercises.get("ex-perceptron-margin").verdict(
        np.array([1.5, 0.5, 1.5, 1.5]) / np.sqrt(2))[0]
    assert np.array_equal(exercises.data("ex-perceptron-lengths"), [1.0, 2.0, 3.0, 4.0])
    assert exercises.get("ex-perceptron-lengths").verdict(
        (64 / 30, 30 * 205 / (16 * 144), 1.0))[0]
    X = exercises.data("ex-xor-count")
    c = _prefix_counts(X)
    assert len(X) == 16 and c[-1] == 174 and 16**2 - 16 + 2 == 242
    assert np.diff(c).tolist() == [2 * L for L in (1, 1, 1, 4, 5, 5, 5, 6, 7, 7, 7, 8, 10, 10, 9)]
    assert exercises.data("ex-xor-parity") == (4, (1, 2, 4), 3)
    site = [-np.ones((4, 1)) * [1, -1, -1], np.array([1.0, -2, -3]),
            np.array([[-1.0], [-1], [2]]), np.array([1.0])]
    assert exercises.get("ex-xor-parity").verdict(site)[0]
    lam = np.array([[1 / 4, 1 / 8, 0, 3 / 8, 1 / 4], [2 / 7, 2 / 7, 3 / 14, 0, 3 / 14]])
    X, y = exercises.data("ex-xor-farkas")
    assert all(separability.check_certificate(X, y, row) for row in lam)
    assert exercises.get("ex-xor-farkas").verdict(lam)[0]


@pytest.mark.parametrize("key", [*KEYS, *(f"{i:032x}" for i in range(1, 9))])
def test_every_variant_is_well_posed(key):
    """Each drawn instance has the properties the prose promises."""
    variants.set_student("s", key)
    X, y, u = exercises.data("ex-perceptron-margin")
    assert perceptron.margin(u, X, y) > 0 and set(y) == {-1.0, 1.0}       # u separates
    X, y, tau = exercises.data("ex-perceptron-dual")
    K = (1 + X @ X.T) ** 2
    plain = perceptron.kernel_perceptron(K, y)
    assert plain.converged and plain.mistakes >= 6 and tau > 0
    assert DUAL(K, y, tau).sum() > plain.alpha.sum()        # the margin changes the run
    a = exercises.data("ex-perceptron-lengths")
    assert len(set(a)) == len(a) >= 3 and np.all(a > 0)
    X = exercises.data("ex-xor-count")
    n = len(X)
    assert np.linalg.matrix_rank(X[1:] - X[0]) == 2 < X.shape[1]           # on a plane
    assert n > separability.MAX_DICHOTOMY_POINTS and np.all(X == np.round(X))
    assert _prefix_counts(X)[-1] < n * n - n + 2                 # not in general position
    X, y = exercises.data("ex-xor-farkas")
    assert not separability.separate(X, y).separable
    n, S, width = exercises.data("ex-xor-parity")
    g = np.array([float(s in S) for s in range(n + 1)])
    spline = depth.relu_spline(np.arange(n + 1.0), g)
    assert depth.nonzero_parameters(spline) > 0
    assert np.count_nonzero(spline.get_parameters()[2]) == width + 1   # one unit more
    target = np.where(np.isin(_cube(n).sum(axis=1), S), 1.0, -1.0)
    assert not separability.separate(_cube(n), target).separable       # needs the layer


def test_the_prefix_counts_agree_with_one_linear_program_per_labelling():
    """The registry's recursion against LP counts of the prefixes (up to 11 points: the
    independent reference), on variant 0 and two keys."""
    for key in (None, KEYS[0], KEYS[1]):
        variants.clear()
        if key:
            variants.set_student("s", key)
        X = exercises.data("ex-xor-count")
        right = _prefix_counts(X)
        assert [separability.count_separable_dichotomies(X[:k]) for k in range(1, 12)] \
            == right[:11]
        assert exercises.get("ex-xor-count").verdict(right)[0]


# ------------------------------------------------------------------ no one-call answer


def test_no_single_library_call_gives_a_value_answer():
    """What one public call of the library computes on the printed data is graded
    wrong: the exercises ask for what the library does not compute."""
    for key in (None, *KEYS[:2]):
        variants.clear()
        if key:
            variants.set_student("s", key)
        exercises._TRIES.clear()
        X, y, u = exercises.data("ex-perceptron-margin")
        one = perceptron.margin(u, X, y)
        assert not exercises.get("ex-perceptron-margin").verdict(one)[0]
        assert not exercises.get("ex-perceptron-margin").verdict([one] * 4)[0]
        a = exercises.data("ex-perceptron-lengths")
        g = perceptron.max_margin(np.diag(a), np.ones(len(a)), add_bias=False)[1]
        bound = perceptron.novikoff_bound(np.diag(a), np.ones(len(a)), add_bias=False)
        assert not exercises.get("ex-perceptron-lengths").verdict((bound, g, 1.0))[0]
        X, y = exercises.data("ex-xor-farkas")
        one = separability.farkas_certificate(X, y)
        assert not exercises.get("ex-xor-farkas").verdict(np.array([one, one]))[0]
        assert not exercises.get("ex-xor-farkas").verdict(one)[0]
        X = exercises.data("ex-xor-count")
        with pytest.raises(ValueError, match="at most"):
            separability.count_separable_dichotomies(X)     # the full set: refused
        cover = [separability.cover_count(k, 2) for k in range(1, len(X) + 1)]
        assert not exercises.get("ex-xor-count").verdict(cover)[0]
        n, S, width = exercises.data("ex-xor-parity")
        g = [float(s in S) for s in range(n + 1)]
        spline = depth.relu_spline(np.arange(n + 1.0), g).get_parameters()
        widened = [np.ones((n, 1)) @ spline[0], *spline[1:]]      # the lazy probe's route
        ok, message = exercises.get("ex-xor-parity").verdict(widened)
        assert not ok and "printed number of hidden units" in message


def test_the_library_dual_perceptron_is_not_the_answer():
    """kernel_perceptron has no margin: its updates are recognised as the plain ones."""
    plain = _define("from nntheory import perceptron as pc\n"
                    "def dual_margin_perceptron(K, y, tau):\n"
                    "    alpha = np.zeros(len(y))\n"
                    "    while True:\n"
                    "        clean = True\n"
                    "        for j in range(len(y)):\n"
                    "            if y[j] * np.sum(alpha * y * K[:, j]) <= 0:\n"
                    "                alpha[j] += 1\n"
                    "                clean = False\n"
                    "        if clean:\n"
                    "            return alpha\n")["dual_margin_perceptron"]
    ok, message = exercises.get("ex-perceptron-dual").verdict(plain)
    assert not ok and "without a margin" in message


# ------------------------------------------------------------------ shortcuts


VALUE_SHORTCUTS = [
    ("ex-perceptron-margin", "rho_answer",
     ["from nntheory import perceptron",
      "X_ex, y_ex, u_ex = exercises.data('ex-perceptron-margin')",
      "rho_answer = [perceptron.margin(u_ex, X_ex[i:i + 1], y_ex[i:i + 1]) for i in range(4)]"]),
    ("ex-perceptron-margin", "rho_answer",           # the function imported from its module
     ["from nntheory.perceptron import margin as m",
      "rho_answer = m(u_ex[:2], X_ex, y_ex, add_bias=False)"]),
    ("ex-perceptron-lengths", "lengths_answer",
     ["from nntheory import perceptron",
      "u, g = perceptron.max_margin(np.diag(a_len), np.ones(len(a_len)), add_bias=False)",
      "lengths_answer = (2, (a_len @ a_len) / (len(a_len) * g) ** 2, 1)"]),
    ("ex-perceptron-lengths", "lengths_answer",
     ["from scipy import optimize",
      "res = optimize.minimize(lambda w: w @ w, np.ones(4))",
      "lengths_answer = (1, 1 / np.sqrt(res.fun), 1)"]),
    ("ex-xor-count", "counts_flat",
     ["from nntheory import separability",
      "counts_flat = [separability.count_separable_dichotomies(X_flat[:k]) "
      "for k in range(1, 15)]"]),
    ("ex-xor-count", "counts_flat",
     ["from nntheory import separability",
      "counts_flat = [separability.cover_count(k, 2) for k in range(1, 17)]"]),
    ("ex-xor-count", "counts_flat",
     ["from scipy.optimize import linprog",
      "counts_flat = [sum(linprog(np.zeros(4), A_ub=-A, b_ub=-np.ones(4)).status == 0 "
      "for A in systems)]"]),
    ("ex-xor-farkas", "lam_plane",
     ["from nntheory import separability",
      "lam_plane = [separability.farkas_certificate(X_plane, y_plane)] * 2"]),
    ("ex-xor-farkas", "lam_plane",
     ["from nntheory import generalisation",
      "lam, p = generalisation.radon_partition(X_plane[:4])",
      "lam_plane = np.array([lam, lam])"]),
    ("ex-xor-farkas", "lam_plane",
     ["import scipy.optimize",
      "lam_plane = scipy.optimize.nnls(M, b)[0]"]),
    ("ex-xor-parity", "parity_params",
     ["from nntheory import depth",
      "parity_params = depth.relu_spline([0, 1, 2, 3, 4], [0, 1, 1, 0, 1]).get_parameters()"]),
    ("ex-xor-parity", "parity_params",
     ["from nntheory import constructions",
      "net = constructions.relu_interpolant(f, 0, 4, 5)",
      "parity_params = net.get_parameters()"]),
    ("ex-xor-count", "counts_flat",      # the registry's own helper
     ["from nntheory.teaching.bank import ch01_02 as B",
      "counts_flat = B._flat_counts(X_flat)"]),
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
    ("ex-xor-farkas", "nntheory.generalisation", "radon_" + "partition",
     lambda: (np.array([[0.0, 0], [1, 0], [0, 1], [1, 1]]),)),
    ("ex-xor-farkas", "scipy.optimize", "nn" + "ls", lambda: (np.eye(2), np.ones(2))),
    ("ex-xor-parity", "nntheory.depth", "relu_" + "spline", lambda: ([0, 1, 2], [0, 1, 0])),
    ("ex-xor-count", "nntheory.teaching.bank.ch01_02", "_flat_" + "counts",
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
        "def dual_margin_perceptron(K, y, tau):\n"
        "    return perceptron.kernel_perceptron(K, y).alpha\n", "not allowed"),
    "kernel_perceptron through getattr": (
        "import importlib\n"
        "kp = getattr(importlib.import_module('nntheory.' + 'perc' + 'eptron'),\n"
        "             'kernel_' + 'perc' + 'eptron')\n"
        "def dual_margin_perceptron(K, y, tau):\n"
        "    return kp(K, y).alpha\n", "disabled here"),
    "the registry's reference": (
        "import importlib\n"
        "ref = getattr(importlib.import_module('nntheory.teaching.bank.ch01_02'),\n"
        "              '_dual_' + 'reference')\n"
        "def dual_margin_perceptron(K, y, tau):\n"
        "    return ref(K, y, tau)\n", "disabled here"),
}


@pytest.mark.parametrize("name", list(DUAL_SHORTCUTS))
def test_dual_perceptron_shortcuts_fail_visible_and_hidden(name):
    source, message = DUAL_SHORTCUTS[name]
    fn = _define(source)["dual_margin_perceptron"]
    ex = exercises.get("ex-perceptron-dual")
    ok, text = ex.verdict(fn)
    assert not ok and message in text and "write it yourself" in text, text
    assert not any(case.run(fn)[0] for case in ex.hidden)
    X, y, _ = exercises.data("ex-perceptron-dual")
    perceptron.kernel_perceptron((1 + X @ X.T) ** 2, y)        # restored afterwards


def test_a_dual_perceptron_that_only_fits_the_visible_data_fails_the_hidden_cases():
    X, y, tau = exercises.data("ex-perceptron-dual")
    alpha = DUAL((1 + X @ X.T) ** 2, y, tau)
    fn = _define(f"def dual_margin_perceptron(K, y, tau):\n"
                 f"    return np.array({alpha.tolist()})\n")["dual_margin_perceptron"]
    ex = exercises.get("ex-perceptron-dual")
    assert ex.verdict(fn)[0]
    assert not any(case.run(fn)[0] for case in ex.hidden)


# ------------------------------------------------------------------ messages


def test_the_lengths_check_takes_a_numpy_array_like_a_tuple():
    """Referee 3: an array of three numbers was told to "give three numbers"."""
    right = (64 / 30, 30 * 205 / (16 * 144), 1.0)
    ex = exercises.get("ex-perceptron-lengths")
    for form in (np.array(right), np.array([right]), np.array(right)[:, None], list(right)):
        assert ex.verdict(form)[0], form
    wrong = np.array([right[0], right[1], 1.5])
    ok, text = ex.verdict(wrong)
    assert not ok and text == "not correct"              # judged, not refused
    for bad in (np.array(right[:2]), np.array([*right, 1.0]), np.float64(1.0)):
        ok, text = ex.verdict(bad)
        assert not ok and "give three numbers" in text
    a = np.array([1.0, 2.0, 3.0, 4.0])
    u = np.ones(4) / 2
    uniform = np.array([4 * 16 / 30, 30 / (u @ a) ** 2, ((u @ a) / (4 * 0.5)) ** 2])
    assert "uniform direction" in ex.verdict(uniform)[1]   # the hint reads arrays too


def test_recognised_mistakes_get_their_hint():
    X, y, u = exercises.data("ex-perceptron-margin")
    scores = y * (np.c_[X, np.ones(len(X))] @ u)
    raw = y * (X @ u[:2])
    margin = exercises.get("ex-perceptron-margin")
    assert "augmented points" in margin.verdict(scores / np.linalg.norm(u))[1]
    assert "not a distance" in margin.verdict(scores)[1]
    assert "bias" in margin.verdict(raw / np.linalg.norm(u[:2]))[1]

    a = np.array([1.0, 2.0, 3.0, 4.0])
    u = np.ones(4) / 2
    g = 1 / 2                                          # min_i a_i / sqrt(n)
    uniform = (4 * 16 / 30, 30 / (u @ a) ** 2, ((u @ a) / (4 * g)) ** 2)
    ok, text = exercises.get("ex-perceptron-lengths").verdict(uniform)
    assert not ok and "uniform direction" in text

    count = exercises.get("ex-xor-count")
    X = exercises.data("ex-xor-count")
    ks = range(1, len(X) + 1)
    assert "every labelling" in count.verdict([2**k for k in ks])[1]
    assert "general position" in count.verdict([separability.cover_count(k, 3) for k in ks])[1]
    assert "in a plane" in count.verdict([separability.cover_count(k, 2) for k in ks])[1]

    farkas = exercises.get("ex-xor-farkas")
    lam = np.array([[1 / 4, 1 / 8, 0, 3 / 8, 1 / 4], [2 / 7, 2 / 7, 3 / 14, 0, 3 / 14]])
    assert farkas.verdict(2 * lam)[1] == "the multipliers of a certificate sum to 1"
    X, y = exercises.data("ex-xor-farkas")
    Z = y[:, None] * X          # sum lam_i y_i x_i = 0, sum lam_i = 1, sum lam_i y_i != 0
    for idx in itertools.combinations(range(5), 3):
        sol = np.linalg.lstsq(np.vstack([Z[list(idx)].T, np.ones(3)]),
                              np.r_[0.0, 0.0, 1.0], rcond=None)[0]
        full = np.zeros(5)
        full[list(idx)] = sol
        if np.all(sol > 1e-9) and np.allclose(Z.T @ full, 0) and abs(y @ full) > 1e-6:
            assert "constant coordinate" in farkas.verdict(np.array([full, lam[0]]))[1]
            break
    else:
        pytest.fail("no multipliers that forget the bias found")

    parity = exercises.get("ex-xor-parity")
    site = [-np.ones((4, 1)) * [1, -1, -1], np.array([1.0, -2, -3]),
            np.array([[-1.0], [-1], [2]]), np.array([1.0])]
    pm1 = [site[0], site[1], 2 * site[2], 2 * site[3] - 1]
    assert "not +-1" in parity.verdict(pm1)[1]


def test_wrong_distances_get_the_same_message_on_both_sides():
    """Four numbers, one message for all of them: a search in-process (with the try
    counter cleared) would have to search four numbers at once."""
    ex = exercises.get("ex-perceptron-margin")
    right = np.array([1.5, 0.5, 1.5, 1.5]) / np.sqrt(2)
    messages = set()
    for x in np.geomspace(1e-6, 1e6, 25):
        for k in range(4):
            exercises._TRIES.clear()
            wrong = right.copy()
            wrong[k] = x
            ok, message = ex.verdict(wrong)
            assert not ok
            messages.add(message)
    assert messages == {"not correct"}
    assert "four finite numbers" in ex.verdict(0.354)[1]


def test_the_counts_say_nothing_about_which_entry_is_wrong():
    """The answer is a list of N counts: a message naming a wrong entry would let each
    be searched alone; one entry off and every entry off get the same words."""
    ex = exercises.get("ex-xor-count")
    right = _prefix_counts(exercises.data("ex-xor-count"))
    messages = set()
    for k in (0, 5, len(right) - 1):
        wrong = list(right)
        wrong[k] += 2
        messages.add(ex.verdict(wrong)[1])
    exercises._TRIES.clear()
    messages.add(ex.verdict([c + 2 for c in right])[1])
    assert messages == {"not correct"}
    assert "whole numbers" in ex.verdict(right[:-1])[1]                 # the form is told


def test_every_minimal_certificate_each_once_and_nothing_else():
    farkas = exercises.get("ex-xor-farkas")
    lam = np.array([[1 / 4, 1 / 8, 0, 3 / 8, 1 / 4], [2 / 7, 2 / 7, 3 / 14, 0, 3 / 14]])
    assert farkas.verdict(lam[::-1])[0]                         # in any order
    assert farkas.verdict(lam[0]) == (False, "not correct")     # one is missing
    assert farkas.verdict(np.array([lam[0], lam[0], lam[1]])) == (False, "not correct")
    ok, text = farkas.verdict(np.array([lam[0], lam.mean(axis=0)]))   # not minimal
    assert not ok and "only a part" in text
    exercises._TRIES.clear()
    assert farkas.verdict(np.array([[0.2] * 5, lam[1]])) == (
        False, "a row is not a certificate for these labels")
    assert "non-negative" in farkas.verdict([[-1.0, 1, 1, 0, 0], lam[1]])[1]
    assert "5 multipliers" in farkas.verdict(np.ones((2, 4)) / 4)[1]
    for key in KEYS:                     # several minimal certificates in every variant
        variants.set_student("s", key)
        assert len(_minimal_certificates_by_lp(*exercises.data("ex-xor-farkas"))) >= 2


def test_a_wrong_network_says_nothing_about_the_answer():
    parity = exercises.get("ex-xor-parity")
    wrong = [np.ones((4, 3)), np.zeros(3), np.ones((3, 1)), np.zeros(1)]
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


def test_the_triangle_inequality_route_of_ex_perceptron_start_proves_less():
    """The rubric's remark: |w_k| <= |w_0| + sqrt(k) eta R gives a bound larger than the
    one asked for whenever w_0 != 0 (equal at w_0 = 0)."""
    assert "triangle inequality" in exercises.get("ex-perceptron-start").rubric
    for R, gamma, a in itertools.product((1.0, 2.0), (0.1, 0.5), (0.0, 0.3, 5.0)):
        target = (R / gamma) ** 2 + 2 * a / gamma
        route = R**2 / (2 * gamma**2) + 2 * a / gamma + \
            R * math.sqrt(R**2 + 8 * a * gamma) / (2 * gamma**2)
        assert route > target if a else math.isclose(route, target)


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


def test_no_student_draws_the_sites_instance():
    """A copied site solution (written for variant 0) must fail for every key: the
    drawn instances never coincide with variant 0's (the parity draws have n >= 5)."""
    site = {label: repr(exercises.data(label)) for label in AUTO}
    for i in range(40):
        variants.set_student("s", f"{i + 100:032x}")
        for label in AUTO:
            assert repr(exercises.data(label)) != site[label], (label, i)
        assert exercises.data("ex-xor-parity")[0] >= 5
