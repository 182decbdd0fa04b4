"""The exercises of chapters 1 and 2
(the perceptron; XOR and linear separability): registered in :mod:`nntheory.teaching.exercises`.

Each entry's check computes its expected value here, from the exercise's data for the
student's variant; nothing in this module is meant to be called from a notebook (the
checks forbid its private functions, like the registry's own). Every auto-graded
exercise draws its data from the student key (:mod:`nntheory.teaching.variants`);
variant 0 is the instance the chapter's solution is written for.
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
    _is_whole,
    _mlp,
    _params,
)

# ------------------------------------------------------------------ chapter 1


def _augmented(X) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    return np.hstack([X, np.ones((len(X), 1))])


def _pc_margin_data():
    """(X, y, u) of ex-perceptron-margin: four points of the plane, their labels and a
    separator u = (w1, w2, b) with positive margin on the augmented points."""
    def draw(rng):
        while True:
            X = rng.integers(-3, 4, size=(4, 2)).astype(float)
            if len({tuple(p) for p in X}) < 4:
                continue
            u = rng.integers(-4, 5, size=3) / 2.0
            if not np.any(u[:2]):
                continue
            scores = _augmented(X) @ u
            if np.any(scores == 0):
                continue
            y = np.sign(scores)
            if len(set(y)) < 2:
                continue
            right = _pc_margin((X, y, u))
            if all(abs(w - right) > 0.02 * abs(right) for w in _pc_margin_wrong((X, y, u))):
                return X, y, u
    return _variants.instance(
        "ex-perceptron-margin",
        lambda: (np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [-1.0, 1.0]]),
                 np.array([1.0, -1.0, 1.0, -1.0]), np.array([1.0, -1.0, 0.5])),
        draw)


def _pc_margin(d) -> float:
    X, y, u = d
    return float(np.min(y * (_augmented(X) @ u)) / np.linalg.norm(u))


def _pc_margin_wrong(d) -> tuple[float, float, float]:
    """The recognised wrong margins: not divided by |u|; divided by |w| (the bias left
    out of the norm); the points not augmented."""
    X, y, u = d
    low = float(np.min(y * (_augmented(X) @ u)))
    raw = float(np.min(y * (np.asarray(X) @ u[:2])))
    return low, low / float(np.linalg.norm(u[:2])), raw / float(np.linalg.norm(u))


def _near(answer, target: float) -> bool:
    return abs(_checks._as_float(answer) - target) <= _BY_HAND * max(abs(target), 1e-12)


def _pc_margin_check(answer) -> Verdict:
    return _checks.number_verdict(answer, _pc_margin(_pc_margin_data()), rtol=_BY_HAND)


def _pc_margin_unnormalised(answer) -> bool:
    return _near(answer, _pc_margin_wrong(_pc_margin_data())[0])


def _pc_margin_bias_norm(answer) -> bool:
    return _near(answer, _pc_margin_wrong(_pc_margin_data())[1])


def _pc_margin_raw(answer) -> bool:
    return _near(answer, _pc_margin_wrong(_pc_margin_data())[2])


# --- the dual perceptron, written by the student


def _dual_reference(K, y) -> np.ndarray:
    """The dual perceptron as the exercise states it (cyclic order, a score <= 0 is a
    mistake, stop after a pass without one)."""
    K, y = np.asarray(K, float), np.asarray(y, float)
    alpha = np.zeros(len(y))
    for _ in range(10_000):
        clean = True
        for j in range(len(y)):
            if y[j] * np.sum(alpha * y * K[:, j]) <= 0:
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
    """(X, y) of ex-perceptron-dual: points of the plane, labelled +1 inside a disc and
    -1 outside a ring (the kernel is (1 + <x, x'>)^2)."""
    def draw(rng):
        while True:
            X, y = _ring(rng, int(rng.integers(10, 16)))
            X = np.round(X, 2)
            if len(set(y)) == 2 and len({tuple(p) for p in X}) == len(X):
                K = (1 + X @ X.T) ** 2
                alpha = _dual_reference(K, y)
                if alpha.sum() >= 6:
                    return X, y
    return _variants.instance("ex-perceptron-dual",
                              lambda: draw(np.random.default_rng(20261)), draw)


def _dual_case(make):
    """A case of ex-perceptron-dual: ``make() -> (K, y)``."""
    def run(fn) -> Verdict:
        if not callable(fn):
            return False, "dual_perceptron is not a function"
        K, y = make()
        expected = _dual_reference(K, y)
        got = fn(K.copy(), y.copy())
        try:
            arr = _checks._as_array(got)
        except (TypeError, ValueError):
            return False, "return the array alpha of update counts, one per example"
        if arr.shape != expected.shape:
            return False, f"alpha should have one entry per example, shape {expected.shape}"
        if np.array_equal(arr, expected):
            return True, "the same updates as the perceptron"
        if not np.any(arr):
            return False, ("no update was made: from alpha = 0 every score is 0, and a "
                           "score of 0 counts as a mistake")
        return False, "not the perceptron's update counts"
    return _guard(run)


def _dual_visible():
    X, y = _dual_data()
    return (1 + X @ X.T) ** 2, y


def _dual_random_ring():
    rng = np.random.default_rng()
    X, y = _ring(rng, 30)
    return (1 + X @ X.T) ** 2, y


def _dual_random_linear():
    """The linear kernel on augmented separable points (the primal perceptron's run)."""
    rng = np.random.default_rng()
    while True:
        v = rng.normal(size=3)
        X = rng.normal(size=(60, 3))
        score = (X @ v + 0.3) / np.linalg.norm(v)
        X, y = X[np.abs(score) > 0.2][:25], np.sign(score[np.abs(score) > 0.2][:25])
        if len(set(y)) == 2:
            Xa = _augmented(X)
            return Xa @ Xa.T, y


def _dual_random_rbf():
    """A Gaussian kernel, random labels, points of opposite labels at least 0.5 apart (so
    that the run stays short: at most about 60 mistakes in 300 draws)."""
    rng = np.random.default_rng()
    while True:
        X = rng.normal(size=(20, 2))
        y = np.where(rng.random(20) < 0.5, -1.0, 1.0)
        D = np.linalg.norm(X[:, None] - X[None], axis=2)
        if len(set(y)) == 2 and np.min(D[y[:, None] != y[None]]) >= 0.5:
            return np.exp(-(D**2)), y


# --- orthogonal data of unequal lengths


def _pc_lengths_data() -> np.ndarray:
    """The lengths a_1, ..., a_n of the points x_i = a_i e_i of ex-perceptron-lengths."""
    def draw(rng):
        n = int(rng.integers(3, 6))
        return rng.choice(np.arange(1, 8), size=n, replace=False).astype(float)
    return _variants.instance("ex-perceptron-lengths",
                              lambda: np.array([1.0, 2.0, 3.0, 4.0]), draw)


def _pc_lengths_expected(a) -> tuple[int, float, float, float, float]:
    """(mistakes, gamma*, bound, k R^2 / |w_k|^2, |w_k|^2 / <u*, w_k>^2), in closed form:
    each point is a mistake once (n), u*_i proportional to 1/a_i, w_k = (a_1, ..., a_n)."""
    a = np.asarray(a, dtype=float)
    n, R = len(a), float(a.max())
    gamma = float(np.sum(a**-2.0) ** -0.5)
    w2 = float(a @ a)
    return n, gamma, (R / gamma) ** 2, n * R**2 / w2, w2 / (n * gamma) ** 2


def _pc_lengths(answer) -> Verdict:
    if not isinstance(answer, (list, tuple)) or len(answer) != 5:
        return False, ("give five numbers: (mistakes, best margin, bound, "
                       "norm factor, Cauchy-Schwarz factor)")
    expected = _pc_lengths_expected(_pc_lengths_data())
    for i, (value, target) in enumerate(zip(answer, expected, strict=True)):
        if i == 0:
            ok = _is_whole(value) and int(value) == target
        else:
            ok = _checks.number_verdict(value, target, rtol=_BY_HAND)[0]
        if not ok:
            return False, "not correct"    # which part is not said: parts could be guessed
    return True, "all five are right"


def _pc_lengths_uniform(answer) -> bool:
    """(b) answered with the margin of the uniform direction (1, ..., 1)/sqrt(n)."""
    a = _pc_lengths_data()
    return (isinstance(answer, (list, tuple)) and len(answer) == 5
            and _near(answer[1], float(a.min()) / math.sqrt(len(a))))


# ------------------------------------------------------------------ chapter 2


def _general_position(X: np.ndarray, r: int) -> bool:
    """Every r + 1 of the points are affinely independent (they span the r-flat)."""
    for idx in itertools.combinations(range(len(X)), r + 1):
        P = X[list(idx)]
        if np.linalg.matrix_rank(P[1:] - P[0]) < r:
            return False
    return True


def _count_data() -> np.ndarray:
    """The points of ex-xor-count: N points of R^m on an affine flat of dimension r < m,
    in general position within the flat (integer coordinates; variant 0: four collinear
    points of the plane)."""
    def draw(rng):
        while True:
            m = int(rng.integers(2, 5))
            r = int(rng.integers(1, m))
            n = int(rng.integers(max(5, r + 3), 9))       # 5 or more: not variant 0's 8
            V = rng.integers(-2, 3, size=(r, m))
            if np.linalg.matrix_rank(V) < r:
                continue
            X = rng.integers(-2, 3, size=m) + rng.integers(-3, 4, size=(n, r)) @ V
            X = X.astype(float)
            if len({tuple(p) for p in X}) == n and _general_position(X, r):
                return X
    return _variants.instance(
        "ex-xor-count", lambda: np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]),
        draw)


def _cover(n: int, dim: int) -> int:
    """Cover's count of affine separations of n points in general position in R^dim."""
    return 2 * sum(math.comb(n - 1, k) for k in range(dim + 1))


def _count_expected(X) -> int:
    X = np.asarray(X, dtype=float)
    r = int(np.linalg.matrix_rank(X[1:] - X[0]))
    if not _general_position(X, r):
        raise RuntimeError("the exercise's points are not in general position in their flat")
    return _cover(len(X), r)


def _count_check(answer) -> Verdict:
    return _checks.number_verdict(answer, _count_expected(_count_data()), integer=True)


def _count_is(which):
    def hit(answer) -> bool:
        X = _count_data()
        n, m = X.shape
        target = {"all": 2**n, "ambient": _cover(n, m)}[which]
        return target != _count_expected(X) and \
            abs(_checks._as_float(answer) - target) < 1e-9
    return hit


def _farkas_data():
    """(X, y) of ex-xor-farkas: five points of the plane, four of them the corners of a
    convex quadrilateral with its diagonals labelled alike, in a shuffled order."""
    def draw(rng):
        while True:
            angles = np.sort(rng.uniform(0, 2 * np.pi, 4))
            radii = rng.uniform(1.5, 3.5, 4)
            quad = np.round(np.column_stack([radii * np.cos(angles),
                                             radii * np.sin(angles)]))
            if not _convex_crossing(quad):
                continue
            extra = rng.integers(-4, 5, size=2).astype(float)
            X = np.vstack([quad, extra])
            if len({tuple(p) for p in X}) < 5:
                continue
            y = np.array([1.0, -1.0, 1.0, -1.0, float(rng.choice([-1.0, 1.0]))])
            order = rng.permutation(5)
            return X[order] + 0.0, y[order]          # + 0.0: no -0.0 printed
    return _variants.instance(
        "ex-xor-farkas",
        lambda: (np.array([[3.0, 0.0], [0.0, 0.0], [4.0, 3.0], [2.0, 2.0], [0.0, 3.0]]),
                 np.array([-1.0, 1.0, 1.0, 1.0, -1.0])),
        draw)


def _convex_crossing(quad: np.ndarray) -> bool:
    """The diagonals 0-2 and 1-3 cross strictly inside both (a convex quadrilateral)."""
    p, r = quad[0], quad[2] - quad[0]
    q, s = quad[1], quad[3] - quad[1]
    cross = r[0] * s[1] - r[1] * s[0]
    if abs(cross) < 1e-9:
        return False
    t = ((q - p)[0] * s[1] - (q - p)[1] * s[0]) / cross
    v = ((q - p)[0] * r[1] - (q - p)[1] * r[0]) / cross
    return 0.05 < t < 0.95 and 0.05 < v < 0.95


_FARKAS_TOL = 1e-6


def _farkas_parts(answer):
    X, y = _farkas_data()
    lam = _checks._as_array(answer)
    if lam.shape != y.shape:
        raise ValueError(f"give {len(y)} multipliers, one per point")
    Z = y[:, None] * _augmented(X)
    return lam, Z.T @ lam


def _farkas_check(answer) -> Verdict:
    try:
        lam, total = _farkas_parts(answer)
    except (TypeError, ValueError) as exc:
        return False, str(exc)
    if not np.all(np.isfinite(lam)):
        return False, "the multipliers must be finite numbers"
    if np.any(lam < -_FARKAS_TOL):
        return False, "the multipliers must be non-negative"
    ok = abs(lam.sum() - 1) <= _FARKAS_TOL and np.max(np.abs(total)) <= _FARKAS_TOL
    return ok, ("a valid proof that no line separates these labels" if ok else
                "not a certificate for these labels")


def _farkas_unnormalised(answer) -> bool:
    lam, total = _farkas_parts(answer)
    return (np.all(lam >= -_FARKAS_TOL) and lam.sum() > _FARKAS_TOL
            and abs(lam.sum() - 1) > _FARKAS_TOL
            and np.max(np.abs(total)) <= _FARKAS_TOL * lam.sum())


def _farkas_no_bias(answer) -> bool:
    lam, total = _farkas_parts(answer)
    return (np.all(lam >= -_FARKAS_TOL) and abs(lam.sum() - 1) <= _FARKAS_TOL
            and np.max(np.abs(total[:-1])) <= _FARKAS_TOL and abs(total[-1]) > _FARKAS_TOL)


def _parity_data() -> tuple[int, tuple[int, ...]]:
    """(n, S) of ex-xor-parity: the target is 1 on the points of {0,1}^n whose number of
    ones lies in S, 0 elsewhere (variant 0: the parity of three bits)."""
    def draw(rng):
        while True:
            n = int(rng.integers(3, 5))
            g = rng.integers(0, 2, size=n + 1)
            changes = int(np.sum(g[1:] != g[:-1]))
            S = tuple(int(s) for s in np.flatnonzero(g))
            if changes >= 2 and S != tuple(range(1, n + 1, 2)):
                return n, S
    return _variants.instance("ex-xor-parity", lambda: (3, (1, 3)), draw)


def _cube(n: int) -> np.ndarray:
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def _parity_outputs(answer):
    n, S = _parity_data()
    net = _mlp([n, n, 1], "relu", _params(answer, 4))
    cube = _cube(n)
    target = np.isin(cube.sum(axis=1), S).astype(float)
    return net.forward(cube).ravel(), target


def _parity_check(answer) -> Verdict:
    """Exact up to round-off: weights like 1/3 are exact in real arithmetic but leave
    errors of about 1e-16 in floating point, so the check allows 1e-9."""
    out, target = _parity_outputs(answer)
    ok = bool(np.all(np.abs(out - target) <= 1e-9))       # NaN counts as wrong
    return ok, ("exact on every point of the cube" if ok
                else "not equal to the target on every point of the cube")


def _parity_pm1(answer) -> bool:
    out, target = _parity_outputs(answer)
    return bool(np.all(np.abs(out - (2 * target - 1)) <= 1e-9))


def _parity_copied(answer) -> bool:
    n, S = _parity_data()
    if (n, S) == (3, (1, 3)):
        return False
    out, _ = _parity_outputs(answer)
    parity = _cube(n).sum(axis=1) % 2
    return bool(np.all(np.abs(out - parity) <= 1e-9))


_PERCEPTRON_SHORTCUTS = ("nntheory.perceptron", "scipy.optimize")
_SEPARABILITY_SHORTCUTS = ("nntheory.separability", "nntheory.perceptron", "scipy.optimize")

EXERCISES = [
    Exercise("ex-perceptron-margin", "01_perceptron", "Computing the margin", "easy",
             "gamma_answer", ("margin",), _guard(_pc_margin_check),
             data=_pc_margin_data, forbid=_PERCEPTRON_SHORTCUTS,
             mistakes={_pc_margin_unnormalised: "the margin of u is measured with the unit "
                                                "vector u / |u|",
                       _pc_margin_bias_norm: "|u| is the norm of the whole augmented "
                                             "vector (w, b), bias included",
                       _pc_margin_raw: "the points are augmented with a constant 1, so "
                                       "that the bias b enters every score"},
             goal="compute the margin of a separator on augmented points"),
    Exercise("ex-perceptron-dual", "01_perceptron", "The dual perceptron, written yourself",
             "medium", "dual_perceptron", ("dual perceptron",),
             _dual_case(_dual_visible),
             hidden=(HiddenCase("the kernel (1 + <x, x'>)^2 on other data",
                                _dual_case(_dual_random_ring)),
                     HiddenCase("the linear kernel on augmented separable points",
                                _dual_case(_dual_random_linear)),
                     HiddenCase("a Gaussian kernel, random labels",
                                _dual_case(_dual_random_rbf))),
             data=_dual_data, forbid=_PERCEPTRON_SHORTCUTS, kind="function",
             goal="implement the perceptron in its dual (kernel) form"),
    Exercise("ex-perceptron-lengths", "01_perceptron", "Orthogonal data of unequal lengths",
             "hard", "lengths_answer", ("orthogonal data of unequal lengths",),
             _guard(_pc_lengths), data=_pc_lengths_data, forbid=_PERCEPTRON_SHORTCUTS,
             mistakes={_pc_lengths_uniform: "the uniform direction (1, ..., 1)/sqrt(n) is "
                                            "not the best separator when the lengths differ"},
             goal="locate the two inequalities where Novikoff's bound loses",
             needs_human="the explanation of the two factors (which step of the proof "
                         "each one measures)"),
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
                    "start ignored, no credit for the first point); squaring an inequality "
                    "whose left side may be negative (half a point off); dividing by eta "
                    "and concluding the step does not matter (no credit for the third "
                    "point)."),
    # chapter 2
    Exercise("ex-xor-count", "02_xor", "Points on a flat", "easy", "n_flat",
             ("separable labellings of points on a flat",), _guard(_count_check),
             data=_count_data, forbid=_SEPARABILITY_SHORTCUTS, max_tries=3,
             mistakes={_count_is("all"): "2^N counts every labelling: some labellings of "
                                         "these points are not realised by a hyperplane",
                       _count_is("ambient"): "Cover's count for the dimension of the space "
                                             "needs points in general position there"},
             goal="see why Cover's count needs general position"),
    Exercise("ex-xor-farkas", "02_xor", "A certificate in the plane", "medium", "lam_plane",
             ("Farkas certificate",), _guard(_farkas_check), data=_farkas_data,
             forbid=_SEPARABILITY_SHORTCUTS,
             mistakes={_farkas_unnormalised: "the multipliers must sum to 1",
                       _farkas_no_bias: "the constant coordinate 1 of the augmented points "
                                        "(the bias) gives an equation too"},
             goal="write a Farkas certificate of non-separability", kind="construction"),
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
    Exercise("ex-xor-parity", "02_xor", "A symmetric function of n bits", "hard",
             "parity_params", ("symmetric function network",), _guard(_parity_check),
             data=_parity_data,
             forbid=("nntheory.depth", "nntheory.constructions", "torch.optim",
                     "torch.autograd", "scipy.optimize"),
             mistakes={_parity_pm1: "the target is 1 on the set and 0 elsewhere, not +-1",
                       _parity_copied: "this network computes the parity: the target of "
                                       "this instance is another function"},
             goal="build a two-layer ReLU network for a symmetric Boolean function",
             kind="construction"),
]
