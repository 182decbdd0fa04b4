"""The exercises of chapters 1 and 2
(the perceptron; XOR and linear separability): registered in :mod:`nntheory.teaching.exercises`.

Each entry's check computes its expected value here, from the exercise's data for the
student's variant; nothing in this module is meant to be called from a notebook (the
checks forbid its private functions, like the registry's own). Every auto-graded
exercise draws its data from the student key (:mod:`nntheory.teaching.variants`);
variant 0 is the instance the chapter's solution is written for.

No answer is computed by one public function of the library: the margin exercise asks
for the signed distances in the plane (``perceptron.margin`` gives the margin of the
augmented points, another number), the dual exercise for the perceptron *with a
margin* (``kernel_perceptron`` has none), the lengths exercise for the three factors of
Novikoff's proof, the flat exercise for the counts of every prefix of points that are
*not* in general position (Cover's count does not apply, and the last prefixes exceed
what one linear program per labelling can count), the certificate exercise for every
minimal certificate (``farkas_certificate`` gives one), the symmetric-function exercise
for a network narrower than the broken line of ``depth.relu_spline``. The
checks use NumPy and this module only (the library's modules are locked while a
student's code runs).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .. import checks as _checks
from .. import variants as _variants
from ..exercises import (
    _BY_HAND,
    Exercise,
    HiddenCase,
    Verdict,
    _guard,
    _mlp,
    _params,
)

# ------------------------------------------------------------------ chapter 1


def _augmented(X) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    return np.hstack([X, np.ones((len(X), 1))])


def _pc_margin_data():
    """(X, y, u) of ex-perceptron-margin: four points of the plane, their labels and a
    separator u = (w1, w2, b) of them."""
    def draw(rng):
        while True:
            X = rng.integers(-3, 4, size=(4, 2)).astype(float)
            if len({tuple(p) for p in X}) < 4:
                continue
            u = rng.integers(-4, 5, size=3) / 2.0
            if not np.any(u[:2]) or not u[2]:
                continue
            scores = _augmented(X) @ u
            if np.any(scores == 0):
                continue
            y = np.sign(scores)
            if len(set(y)) < 2:
                continue
            right = _pc_distances((X, y, u))
            if all(np.max(np.abs(w - right)) > 0.02 * np.max(np.abs(right))
                   for w in _pc_margin_wrong((X, y, u))):
                return X, y, u
    return _variants.instance(
        "ex-perceptron-margin",
        lambda: (np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [-1.0, 1.0]]),
                 np.array([1.0, -1.0, 1.0, -1.0]), np.array([1.0, -1.0, 0.5])),
        draw)


def _pc_distances(d) -> np.ndarray:
    """The signed distances y_i (<w, x_i> + b) / |w| of the points to the line."""
    X, y, u = d
    return y * (_augmented(X) @ u) / np.linalg.norm(u[:2])


def _pc_margin_wrong(d) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The recognised wrong answers: divided by |u| (the bias in the norm, as for the
    margin of the augmented points); the scores, not divided; the bias left out."""
    X, y, u = d
    scores = y * (_augmented(X) @ u)
    raw = y * (np.asarray(X) @ u[:2])
    return scores / np.linalg.norm(u), scores, raw / np.linalg.norm(u[:2])


def _pc_margin_answer(answer) -> np.ndarray | None:
    try:
        arr = _checks._as_array(answer).ravel()
    except (TypeError, ValueError):
        return None
    return arr if arr.shape == (4,) and np.all(np.isfinite(arr)) else None


def _near(answer, target: float) -> bool:
    return abs(_checks._as_float(answer) - target) <= _BY_HAND * max(abs(target), 1e-12)


def _near_all(arr, target) -> bool:
    return bool(np.all(np.abs(arr - target) <= _BY_HAND * np.maximum(np.abs(target), 1e-12)))


def _pc_margin_check(answer) -> Verdict:
    arr = _pc_margin_answer(answer)
    if arr is None:
        return False, "give four finite numbers, one signed distance per point"
    ok = _near_all(arr, _pc_distances(_pc_margin_data()))
    return ok, ("all four are right" if ok else "not correct")


def _pc_margin_is(which: int):
    def hit(answer) -> bool:
        arr = _pc_margin_answer(answer)
        return arr is not None and _near_all(arr, _pc_margin_wrong(_pc_margin_data())[which])
    return hit


# --- the dual perceptron with a margin, written by the student


def _dual_reference(K, y, tau) -> np.ndarray:
    """The dual perceptron with margin tau as the exercise states it (cyclic order, a
    score <= tau is a mistake, stop after a pass without one)."""
    K, y = np.asarray(K, float), np.asarray(y, float)
    alpha = np.zeros(len(y))
    for _ in range(20_000):
        clean = True
        for j in range(len(y)):
            if y[j] * np.sum(alpha * y * K[:, j]) <= tau:
                alpha[j] += 1
                clean = False
        if clean:
            return alpha
    raise RuntimeError("the reference dual perceptron did not converge")


def _ring(rng, n: int, inner: float = 0.45, outer: float = 0.65):
    """Points of the square, +1 inside a disc and -1 outside a ring around it."""
    X = rng.uniform(-1, 1, size=(4 * n, 2))
    r = np.linalg.norm(X, axis=1)
    keep = (r < inner) | (r > outer)
    X, r = X[keep][:n], r[keep][:n]
    return X, np.where(r < inner, 1.0, -1.0)


def _dual_data():
    """(X, y, tau) of ex-perceptron-dual: points of the plane, labelled +1 inside a disc
    and -1 outside a ring (the kernel is (1 + <x, x'>)^2), and the margin tau."""
    def draw(rng):
        while True:
            X, y = _ring(rng, int(rng.integers(10, 16)))
            X = np.round(X, 2)
            tau = float(rng.choice([0.5, 1.0, 1.5, 2.0]))
            if len(set(y)) == 2 and len({tuple(p) for p in X}) == len(X):
                K = (1 + X @ X.T) ** 2
                if _dual_reference(K, y, tau).sum() > _dual_reference(K, y, 0.0).sum() >= 6:
                    return X, y, tau
    return _variants.instance("ex-perceptron-dual",
                              lambda: (*draw(np.random.default_rng(20261))[:2], 1.0), draw)


def _dual_case(make):
    """A case of ex-perceptron-dual: ``make() -> (K, y, tau)``."""
    def run(fn) -> Verdict:
        if not callable(fn):
            return False, "dual_margin_perceptron is not a function"
        K, y, tau = make()
        expected = _dual_reference(K, y, tau)
        got = fn(K.copy(), y.copy(), tau)
        try:
            arr = _checks._as_array(got)
        except (TypeError, ValueError):
            return False, "return the array alpha of update counts, one per example"
        if arr.shape != expected.shape:
            return False, f"alpha should have one entry per example, shape {expected.shape}"
        if np.array_equal(arr, expected):
            return True, "the same updates as the perceptron with this margin"
        if not np.any(arr):
            return False, ("no update was made: from alpha = 0 every score is 0, and a "
                           "score of at most tau counts as a mistake")
        return False, "not the update counts of the perceptron with this margin"
    return _guard(run)


def _dual_visible():
    X, y, tau = _dual_data()
    return (1 + X @ X.T) ** 2, y, tau


def _dual_random_ring():
    rng = np.random.default_rng()
    X, y = _ring(rng, 30)
    return (1 + X @ X.T) ** 2, y, float(rng.uniform(0.2, 2.0))


def _dual_random_linear():
    """The linear kernel on augmented separable points (the primal perceptron's run with
    a margin)."""
    rng = np.random.default_rng()
    while True:
        v = rng.normal(size=3)
        X = rng.normal(size=(60, 3))
        score = (X @ v + 0.3) / np.linalg.norm(v)
        X, y = X[np.abs(score) > 0.2][:25], np.sign(score[np.abs(score) > 0.2][:25])
        if len(set(y)) == 2:
            Xa = _augmented(X)
            return Xa @ Xa.T, y, float(rng.uniform(0.1, 1.0))


def _dual_random_rbf():
    """A Gaussian kernel, random labels, points of opposite labels at least 0.5 apart (so
    that the run stays short)."""
    rng = np.random.default_rng()
    while True:
        X = rng.normal(size=(20, 2))
        y = np.where(rng.random(20) < 0.5, -1.0, 1.0)
        D = np.linalg.norm(X[:, None] - X[None], axis=2)
        if len(set(y)) == 2 and np.min(D[y[:, None] != y[None]]) >= 0.5:
            return np.exp(-(D**2)), y, float(rng.uniform(0.05, 0.3))


def _dual_zero_margin(fn) -> bool:
    """The plain perceptron (a mistake only at a score <= 0) on the visible data."""
    K, y, tau = _dual_visible()
    got = _checks._as_array(fn(K.copy(), y.copy(), tau))
    return bool(got.shape == y.shape and np.array_equal(got, _dual_reference(K, y, 0.0)))


# --- orthogonal data of unequal lengths


def _pc_lengths_data() -> np.ndarray:
    """The lengths a_1, ..., a_n of the points x_i = a_i e_i of ex-perceptron-lengths."""
    def draw(rng):
        n = int(rng.integers(3, 6))
        return rng.choice(np.arange(1, 8), size=n, replace=False).astype(float)
    return _variants.instance("ex-perceptron-lengths",
                              lambda: np.array([1.0, 2.0, 3.0, 4.0]), draw)


def _pc_lengths_expected(a) -> tuple[float, float, float]:
    """(k R^2/|w_k|^2, |w_k|^2/<u*, w_k>^2, (<u*, w_k>/(k gamma*))^2) in closed form: each
    point is a mistake once (k = n), u*_i proportional to 1/a_i, w_k = (a_1, ..., a_n)."""
    a = np.asarray(a, dtype=float)
    n, R = len(a), float(a.max())
    gamma = float(np.sum(a**-2.0) ** -0.5)
    w2 = float(a @ a)
    align = float(np.sum(gamma / a * a))           # <u*, w_k> = n gamma*
    return n * R**2 / w2, w2 / align**2, (align / (n * gamma)) ** 2


def _three(answer) -> list | None:
    """The three entries of a list, tuple or NumPy array of three numbers (a row or a column
    too), else None."""
    if isinstance(answer, np.ndarray):
        return list(answer.ravel()) if answer.size == 3 else None
    if isinstance(answer, (list, tuple)) and len(answer) == 3:
        return list(answer)
    return None


def _pc_lengths(answer) -> Verdict:
    answer = _three(answer)
    if answer is None:
        return False, ("give three numbers: (norm factor, Cauchy-Schwarz factor, "
                       "alignment factor)")
    expected = _pc_lengths_expected(_pc_lengths_data())
    for value, target in zip(answer, expected, strict=True):
        if not _checks.number_verdict(value, target, rtol=_BY_HAND)[0]:
            return False, "not correct"    # which part is not said: parts could be guessed
    return True, "all three are right"


def _pc_lengths_uniform(answer) -> bool:
    """Computed with the uniform direction (1, ..., 1)/sqrt(n) in place of u*."""
    a = _pc_lengths_data()
    answer = _three(answer)
    if answer is None:
        return False
    n, R = len(a), float(a.max())
    u = np.ones(n) / math.sqrt(n)
    g = float(a.min()) / math.sqrt(n)
    w2 = float(a @ a)
    wrong = (n * R**2 / w2, w2 / float(u @ a) ** 2, (float(u @ a) / (n * g)) ** 2)
    return all(_near(v, t) for v, t in zip(answer, wrong, strict=True))


# ------------------------------------------------------------------ chapter 2


def _direction(d) -> tuple[int, ...]:
    """An integer direction up to sign and length (gcd 1, first non-zero entry > 0)."""
    d = [int(round(t)) for t in d]
    g = math.gcd(*(abs(t) for t in d))
    d = [t // g for t in d]
    if next(t for t in d if t) < 0:
        d = [-t for t in d]
    return tuple(d)


def _flat_data() -> np.ndarray:
    """The points of ex-xor-count: N integer points of R^m (m = 3 or 4) on a plane (an
    affine 2-flat), with collinear triples (from a grid of the plane), in an order; N is
    26 to 30 in a student's variant, so that counting the last prefixes with one linear
    program per labelling (2^(N-1) of them) is out of reach (variant 0: the site's
    4 x 4 grid)."""
    def grid_points(rng, side, n):
        while True:
            m = int(rng.integers(3, 5))
            V = rng.integers(-2, 3, size=(2, m))
            if np.linalg.matrix_rank(V) < 2:
                continue
            grid = np.array([(a, b) for a in range(side) for b in range(side)])
            pick = grid[rng.permutation(len(grid))[:n]]
            X = (rng.integers(-2, 3, size=m) + pick @ V).astype(float) + 0.0
            counts = _flat_counts(X)
            if counts[-1] < n * n - n + 2:                    # not in general position
                return X
    return _variants.instance(
        "ex-xor-count",
        lambda: (np.array([[a, b, a + b] for a in range(4) for b in range(4)], dtype=float)
                 + np.array([0.0, 0.0, 1.0])),
        lambda rng: grid_points(rng, 6, int(rng.integers(26, 31))))


def _flat_counts(X) -> list[int]:
    """c_k, k = 1..N: the labellings of the first k points realised by an affine
    threshold unit, for integer points of a plane: c_1 = 2 and c_{k+1} = c_k + 2 L, with
    L the number of distinct lines through x_{k+1} and a point of x_1..x_k (the
    labellings of the first k points that a line through x_{k+1} separates)."""
    X = np.asarray(X, dtype=float)
    out = [2]
    for k in range(1, len(X)):
        lines = {_direction(X[k] - X[i]) for i in range(k)}
        out.append(out[-1] + 2 * len(lines))
    return out


def _flat_answer(answer) -> list[int] | None:
    try:
        arr = _checks._as_array(answer).ravel()
    except (TypeError, ValueError):
        return None
    if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
        return None
    return [int(v) for v in arr]


def _flat_check(answer) -> Verdict:
    X = _flat_data()
    got = _flat_answer(answer)
    if got is None or len(got) != len(X):
        return False, f"give a list of {len(X)} whole numbers, c_1 to c_{len(X)}"
    ok = got == _flat_counts(X)
    return ok, ("all the counts are right" if ok else "not correct")


def _flat_is(which):
    def hit(answer) -> bool:
        X = _flat_data()
        got = _flat_answer(answer)
        if got is None or len(got) != len(X):
            return False
        ks = range(1, len(X) + 1)
        dim = {"all": len(X), "ambient": X.shape[1], "plane": 2}[which]
        target = [2 * sum(math.comb(k - 1, j) for j in range(dim + 1)) for k in ks]
        return target != _flat_counts(X) and got == target
    return hit


# --- every minimal certificate


def _minimal_certificates(X, y, tol: float = 1e-9) -> list[tuple[tuple[int, ...], np.ndarray]]:
    """Every support-minimal Farkas certificate of (X, y) in the plane: subsets of at
    most four points whose vectors y_i (x_i, 1) are linearly independent and have a
    positive combination summing to 0 (normalised to sum 1)."""
    X, y = np.asarray(X, float), np.asarray(y, float)
    Z = y[:, None] * _augmented(X)
    found = []
    for size in (2, 3, 4):
        for idx in itertools.combinations(range(len(y)), size):
            if len(set(y[list(idx)])) < 2:
                continue
            A = np.vstack([Z[list(idx)].T, np.ones(size)])
            if np.linalg.matrix_rank(A) < size:
                continue
            lam = np.linalg.lstsq(A, np.r_[np.zeros(3), 1.0], rcond=None)[0]
            if np.all(lam > tol) and np.max(np.abs(A @ lam - np.r_[np.zeros(3), 1.0])) < tol:
                if not any(set(s) < set(idx) for s, _ in found):
                    full = np.zeros(len(y))
                    full[list(idx)] = lam
                    found.append((idx, full))
    return found


def _farkas_data():
    """(X, y) of ex-xor-farkas: six integer points of the plane, labelled so that no line
    separates them and at least two minimal certificates have different supports."""
    def draw(rng):
        while True:
            X = rng.integers(-4, 5, size=(6, 2)).astype(float)
            if len({tuple(p) for p in X}) < 6:
                continue
            y = np.where(rng.random(6) < 0.5, -1.0, 1.0)
            if len(set(y)) < 2:
                continue
            if len(_minimal_certificates(X, y)) >= 2:
                return X + 0.0, y
    return _variants.instance(
        "ex-xor-farkas",
        lambda: (np.array([[3.0, 0.0], [0.0, 0.0], [4.0, 3.0], [2.0, 2.0], [0.0, 3.0]]),
                 np.array([-1.0, 1.0, 1.0, 1.0, -1.0])),
        draw)


_FARKAS_TOL = 1e-6


def _is_certificate(lam, X, y) -> bool:
    Z = y[:, None] * _augmented(X)
    return bool(np.all(np.isfinite(lam)) and np.all(lam >= -_FARKAS_TOL)
                and abs(lam.sum() - 1) <= _FARKAS_TOL
                and np.max(np.abs(Z.T @ lam)) <= _FARKAS_TOL)


def _support(lam) -> frozenset[int]:
    return frozenset(int(i) for i in np.flatnonzero(lam > _FARKAS_TOL))


def _farkas_rows(answer):
    X, y = _farkas_data()
    lam = _checks._as_array(answer)
    if lam.ndim == 1:
        lam = lam[None, :]
    if lam.ndim != 2 or lam.shape[1] != len(y) or not len(lam):
        raise ValueError(f"give an array with one certificate per row, {len(y)} "
                         "multipliers in each")
    return lam, X, y


def _farkas_check(answer) -> Verdict:
    try:
        lam, X, y = _farkas_rows(answer)
    except (TypeError, ValueError) as exc:
        return False, str(exc)
    if not np.all(np.isfinite(lam)):
        return False, "the multipliers must be finite numbers"
    if np.any(lam < -_FARKAS_TOL):
        return False, "the multipliers must be non-negative"
    if not all(_is_certificate(row, X, y) for row in lam):
        return False, "a row is not a certificate for these labels"
    given = [_support(row) for row in lam]
    minimal = {frozenset(idx) for idx, _ in _minimal_certificates(X, y)}
    if not all(s in minimal for s in given):
        return False, ("a row is a certificate, but some certificate uses only a part of "
                       "its points")
    ok = len(set(given)) == len(given) and set(given) == minimal
    return ok, ("every minimal certificate, each once" if ok else "not correct")


def _farkas_unnormalised(answer) -> bool:
    lam, X, y = _farkas_rows(answer)
    Z = y[:, None] * _augmented(X)
    return any(np.all(row >= -_FARKAS_TOL) and row.sum() > _FARKAS_TOL
               and abs(row.sum() - 1) > _FARKAS_TOL
               and np.max(np.abs(Z.T @ row)) <= _FARKAS_TOL * row.sum() for row in lam)


def _farkas_no_bias(answer) -> bool:
    lam, X, y = _farkas_rows(answer)
    Z = y[:, None] * _augmented(X)
    return any(np.all(row >= -_FARKAS_TOL) and abs(row.sum() - 1) <= _FARKAS_TOL
               and np.max(np.abs((Z.T @ row)[:-1])) <= _FARKAS_TOL
               and abs((Z.T @ row)[-1]) > _FARKAS_TOL for row in lam)


# --- a symmetric function with few units


def _slope_changes(g) -> tuple[float, dict[int, float], float]:
    """(first slope, {k: change of slope at k for k = 1..n-1, non-zero}, last slope) of
    the broken line through (s, g(s)), s = 0..n."""
    g = np.asarray(g, float)
    d = np.diff(g)
    changes = {k: float(d[k] - d[k - 1]) for k in range(1, len(d)) if d[k] != d[k - 1]}
    return float(d[0]), changes, float(d[-1])


def _parity_width(g) -> int:
    """The hidden units the exercise allows: one per change of slope when some of them,
    turned to face left (relu(k - s)), can carry the first slope; one more otherwise."""
    first, changes, _ = _slope_changes(g)
    values = list(changes.values())
    for r in range(len(values) + 1):
        for sub in itertools.combinations(values, r):
            if abs(sum(sub) + first) < 1e-12:
                return len(values)
    return len(values) + 1


def _parity_data() -> tuple[int, tuple[int, ...], int]:
    """(n, S, width) of ex-xor-parity: the target is 1 on the points of {0,1}^n whose
    number of ones lies in S, 0 elsewhere; the network has `width` hidden units, fewer
    than the broken line in s with one unit per piece needs (variant 0: n = 4,
    S = {1, 2, 4}, 3 units)."""
    def draw(rng):
        while True:
            n = int(rng.integers(5, 9))     # 232 instances, none of them variant 0's
            g = rng.integers(0, 2, size=n + 1).astype(float)
            first, changes, last = _slope_changes(g)
            if not first or not last or len(changes) < 2:
                continue
            width = _parity_width(g)
            if width == len(changes):       # both orientations needed, one unit saved
                return n, tuple(int(s) for s in np.flatnonzero(g)), width
    return _variants.instance("ex-xor-parity", lambda: (4, (1, 2, 4), 3), draw)


def _cube(n: int) -> np.ndarray:
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def _parity_outputs(answer):
    n, S, width = _parity_data()
    net = _mlp([n, width, 1], "relu", _params(answer, 4))
    cube = _cube(n)
    target = np.isin(cube.sum(axis=1), S).astype(float)
    return net.forward(cube).ravel(), target


def _parity_check(answer) -> Verdict:
    """Exact up to round-off (1e-9): weights like 1/3 leave errors of about 1e-16."""
    out, target = _parity_outputs(answer)
    ok = bool(np.all(np.abs(out - target) <= 1e-9))       # NaN counts as wrong
    return ok, ("exact on every point of the cube" if ok
                else "not equal to the target on every point of the cube")


def _parity_pm1(answer) -> bool:
    out, target = _parity_outputs(answer)
    return bool(np.all(np.abs(out - (2 * target - 1)) <= 1e-9))


def _parity_too_wide(answer) -> bool:
    n, _, width = _parity_data()
    try:
        W1 = _checks._as_array(answer[0])
    except Exception:
        return False
    return W1.ndim == 2 and W1.shape[0] == n and W1.shape[1] > width


_PERCEPTRON_SHORTCUTS = ("nntheory.perceptron", "scipy.optimize")
_SEPARABILITY_SHORTCUTS = ("nntheory.separability", "nntheory.perceptron",
                           "nntheory.generalisation", "scipy.optimize")

EXERCISES = [
    Exercise("ex-perceptron-margin", "01_perceptron", "Distances to the line", "easy",
             "rho_answer", ("distances to the line",), _guard(_pc_margin_check),
             data=_pc_margin_data, forbid=_PERCEPTRON_SHORTCUTS,
             mistakes={_pc_margin_is(0): "dividing by |u| measures the augmented points "
                                         "in R^3; the question asks for distances in the "
                                         "plane of the points",
                       _pc_margin_is(1): "a score is not a distance: it changes when u is "
                                         "multiplied by 2, the distance does not",
                       _pc_margin_is(2): "the line's equation includes its bias b"},
             goal="tell the distance to a separator's line from the margin of the "
                  "augmented points"),
    Exercise("ex-perceptron-dual", "01_perceptron",
             "The dual perceptron with a margin, written yourself", "medium",
             "dual_margin_perceptron", ("dual perceptron with a margin",),
             _dual_case(_dual_visible),
             hidden=(HiddenCase("the kernel (1 + <x, x'>)^2 on other data, another margin",
                                _dual_case(_dual_random_ring)),
                     HiddenCase("the linear kernel on augmented separable points",
                                _dual_case(_dual_random_linear)),
                     HiddenCase("a Gaussian kernel, random labels",
                                _dual_case(_dual_random_rbf))),
             data=_dual_data, forbid=_PERCEPTRON_SHORTCUTS, kind="function",
             mistakes={_dual_zero_margin: "these are the updates of the perceptron without "
                                          "a margin"},
             goal="implement the perceptron with a margin in its dual (kernel) form"),
    Exercise("ex-perceptron-lengths", "01_perceptron", "Where Novikoff's bound loses",
             "hard", "lengths_answer", ("orthogonal data of unequal lengths",),
             _guard(_pc_lengths), data=_pc_lengths_data, forbid=_PERCEPTRON_SHORTCUTS,
             mistakes={_pc_lengths_uniform: "the uniform direction (1, ..., 1)/sqrt(n) is "
                                            "not the best separator when the lengths differ"},
             goal="locate the steps of Novikoff's proof where the bound loses",
             needs_human="which factor is 1, and why (which step of the proof each factor "
                         "measures)"),
    Exercise("ex-perceptron-start", "01_perceptron", "Novikoff's bound from a non-zero start",
             "hard", "", (), None, kind="written",
             goal="extend Novikoff's proof to a non-zero start, where the step matters",
             needs_human="the proof and the example (the answer cell)",
             rubric="3 points in all. 1 point: the two inequalities with the start "
                    "included, <u, w_k> >= <u, w_0> + k eta gamma >= k eta gamma - |w_0| "
                    "and |w_k|^2 <= |w_0|^2 + k eta^2 R^2 (the cross term 2 eta y <w, x> "
                    "<= 0 used at a mistake, not dropped as if it were zero). 1 point: "
                    "combining them correctly: squaring k eta gamma - |w_0| <= "
                    "|w_k| only where the left side is non-negative (the case "
                    "k eta gamma <= |w_0| handled apart, where k <= |w_0|/(eta gamma) "
                    "already satisfies the bound), then k gamma^2 - 2 gamma |w_0|/eta <= R^2, "
                    "i.e. k <= (R/gamma)^2 + 2|w_0|/(eta gamma). 1 point: an example where "
                    "the number of mistakes depends on eta (e.g. one point x = 1, y = +1, "
                    "no bias, w_0 = -1: floor(1/eta) + 1 mistakes), with the mistakes "
                    "counted. Usual wrong proofs: keeping <u, w_k> >= k eta gamma (the "
                    "start ignored, no credit for the first point); bounding the norm by "
                    "the triangle inequality, |w_k| <= |w_0| + sqrt(k) eta R, instead of "
                    "squaring: with a = |w_0|/eta this gives k gamma - 2a <= sqrt(k) R, "
                    "hence k <= R^2/(2 gamma^2) + 2a/gamma + R sqrt(R^2 + 8 a gamma)/"
                    "(2 gamma^2), which is larger than the bound asked for whenever "
                    "w_0 != 0 (it does not prove (a): the first point, not the second); "
                    "squaring an inequality whose left side may be negative (half a point "
                    "off); dividing by eta and concluding the step does not matter (no "
                    "credit for the third point)."),
    # chapter 2
    Exercise("ex-xor-count", "02_xor", "Points on a plane, not in general position", "hard",
             "counts_flat", ("separable labellings of the prefixes",), _guard(_flat_check),
             data=_flat_data, forbid=_SEPARABILITY_SHORTCUTS,
             mistakes={_flat_is("all"): "2^k counts every labelling: some labellings of "
                                        "these points are not realised by a hyperplane",
                       _flat_is("ambient"): "Cover's count assumes general position in "
                                            "the space it is applied in",
                       _flat_is("plane"): "Cover's count assumes general position, in "
                                          "a plane as anywhere"},
             goal="count separable labellings where Cover's hypotheses fail, by his "
                  "extension step"),
    Exercise("ex-xor-farkas", "02_xor", "Every minimal certificate in the plane", "medium",
             "lam_plane", ("Farkas certificates",), _guard(_farkas_check),
             data=_farkas_data, forbid=_SEPARABILITY_SHORTCUTS,
             mistakes={_farkas_unnormalised: "the multipliers of a certificate sum to 1",
                       _farkas_no_bias: "the constant coordinate 1 of the augmented points "
                                        "(the bias) gives an equation too"},
             goal="find every minimal Farkas certificate of non-separability from the "
                  "geometry",
             kind="construction"),
    Exercise("ex-xor-one-unit", "02_xor", "One hidden unit is not enough", "medium", "",
             (), None, kind="written",
             goal="prove that XOR needs two monotone hidden units",
             needs_human="the proof and the example (the answer cell)",
             rubric="2 points in all. 1 point: with z = <w, x> + b, the set where "
                    "a sigma(z) + c > 1/2 is, for nondecreasing sigma, an up-set of the "
                    "real line when a > 0 (if z is in it, so is every z' >= z), a down-set "
                    "when a < 0, and empty or everything when a = 0; so every positive "
                    "corner has a larger z than every negative corner (or smaller, for "
                    "a < 0). Half a point: then a threshold t strictly between the two "
                    "groups of values of z makes sign(<w, x> + b - t) (or its negative) "
                    "compute XOR, contradicting the proposition that XOR is not linearly "
                    "separable. Half a point: a non-monotone activation that works, checked "
                    "on the four corners (e.g. sigma(z) = z^2, z = x1 + x2 - 1, "
                    "f = 1 - sigma(z)). Usual wrong proofs: 'a monotone activation is "
                    "linear' (false; no credit for the first point); assuming sigma "
                    "strictly increasing, continuous or invertible (half a point off); "
                    "forgetting a < 0 or a = 0 (half a point off); counting parameters "
                    "(no credit)."),
    Exercise("ex-xor-parity", "02_xor", "A symmetric function with few units", "medium",
             "parity_params", ("symmetric function network",), _guard(_parity_check),
             data=_parity_data,
             forbid=("nntheory.depth", "nntheory.constructions", "nntheory.separation",
                     "nntheory.numpy_core.fit", "nntheory.numpy_core.fit_ensemble",
                     "nntheory.torch_core.fit", "torch.optim", "torch.autograd",
                     "scipy.optimize"),
             mistakes={_parity_pm1: "the target is 1 on the set and 0 elsewhere, not +-1",
                       _parity_too_wide: "the network must have exactly the printed number "
                                         "of hidden units"},
             goal="build a narrow two-layer ReLU network for a symmetric Boolean function",
             kind="construction"),
]
