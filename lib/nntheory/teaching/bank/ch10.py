"""The exercises of chapter 10
(generalisation): registered in :mod:`nntheory.teaching.exercises`.

Each entry's check computes its expected value here, from the exercise's data for the
student's variant; nothing in this module is meant to be called from a notebook (the
checks forbid its private functions, like the registry's own). No public function of the
library computes an auto-graded answer: the class, the norm and the activation differ
from the chapter's, and the two function exercises run on hidden inputs.

* ``ex-gen-vc`` (easy): the number of labellings of an m1 x m2 grid realised by
  axis-parallel rectangles (a count by hand; no Cover count equals it).
* ``ex-gen-vc-why`` (written, a proof, medium): every labelling of d + 2 points in
  general position other than the Radon partition and its negative is realised (the
  chapter proves only that those two fail).
* ``ex-gen-rademacher`` (medium): the exact empirical Rademacher complexity of the
  l1-ball linear class on four points of R^3 (the dual norm, then the sign enumeration;
  the library has the Euclidean ball only).
* ``ex-gen-khintchine`` (written, a proof, medium): the lower bound of the linear class's
  complexity for two points, with its equality case (the chapter cites it).
* ``ex-gen-ntk`` (hard): a function returning the infinite-width tangent kernel matrix of
  a leaky-ReLU network on points of R^d, run on hidden inputs to rtol 1e-7 (entry by
  entry on nearly opposite points with a small slope, where a numerical average over the
  circle is far off).
* ``ex-gen-implicit`` (hard): a function returning the limit of *preconditioned*
  gradient descent (the chapter states the plain limit only), without a pseudo-inverse or
  a least-squares solver, run on hidden badly conditioned systems too.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .. import checks as _checks
from .. import forbid as _forbid
from .. import variants as _variants
from ..exercises import (
    Exercise,
    HiddenCase,
    Verdict,
    _guard,
    _number,
)

# ------------------------------------------------------------------ ex-gen-vc


def _vc_data() -> tuple[int, int]:
    """(m1, m2): the grid {1..m1} x {1..m2} of N = m1 m2 >= 6 points, labelled by
    axis-parallel rectangles; the count is no Cover count cover_count(N', d) for N' <= N + 2
    and no recognised mistake (variant 0: the 3 x 4 grid; the other variants differ)."""
    def draw(rng):
        while True:
            m1, m2 = sorted((int(rng.integers(2, 13)), int(rng.integers(2, 25))))
            if m1 * m2 >= 6 and (m1, m2) != (3, 4) and _vc_well_posed((m1, m2)):
                return m1, m2
    return _variants.instance("ex-gen-vc", lambda: (3, 4), draw)


def _cover(n: int, d: int) -> int:
    return 2 * sum(math.comb(n - 1, k) for k in range(d + 1))


def _vc_well_posed(data) -> bool:
    m1, m2 = data
    value = _vc_count(data)
    covers = {_cover(n, d) for n in range(1, m1 * m2 + 3) for d in range(n)}
    return value not in covers and value not in {v for v, _ in _vc_wrong(data)}


def _vc_count(data) -> int:
    """Labellings of the m1 x m2 grid by closed axis-parallel rectangles (positive inside):
    a non-empty positive set is a product of a run of rows and a run of columns, so
    1 + C(m1 + 1, 2) C(m2 + 1, 2)."""
    m1, m2 = data
    return 1 + math.comb(m1 + 1, 2) * math.comb(m2 + 1, 2)


def _vc_wrong(data) -> list[tuple[int, str]]:
    m1, m2 = data
    n = m1 * m2
    return [
        (2 ** n, "that is every labelling of the points; rectangles cannot realise them "
                 "all beyond their VC dimension"),
        (sum(math.comb(n, i) for i in range(5)),
         "that is the Sauer–Shelah bound for the class's VC dimension, an upper bound on "
         "the number of labellings; count them instead"),
        (math.comb(m1 + 1, 2) * math.comb(m2 + 1, 2),
         "one labelling has no positive point at all"),
        (1 + math.comb(m1, 2) * math.comb(m2, 2),
         "a rectangle may hold a single row or a single column of the grid"),
        (1 + m1 * m1 * m2 * m2, "a run of rows is fixed by its first and last row, in "
                                "that order"),
    ]


def _vc_mistakes() -> dict:
    def equals(i):
        def hit(answer) -> bool:
            return _checks._as_float(answer) == _vc_wrong(_vc_data())[i][0]
        return hit
    return {equals(i): message for i, (_, message) in enumerate(_vc_wrong((3, 4)))}


# ------------------------------------------------------------------ ex-gen-rademacher


def _rad_data() -> tuple[list[list[float]], float]:
    """(X, B): four points of R^3 with small whole coordinates and the l1 bound B != 1,
    chosen so that the Euclidean and the l-infinity balls' values differ from the answer
    (variant 0: (1, 0, 2), (2, -1, 0), (0, 1, 1), (-1, 2, 1) and B = 2)."""
    def draw(rng):
        while True:
            X = rng.integers(-3, 4, size=(4, 3)).astype(float)
            if np.linalg.norm(X, axis=1).min() == 0:
                continue
            B = float(rng.choice([0.5, 1.5, 2.0, 2.5, 3.0]))
            if _rad_well_posed((X.tolist(), B)):
                return X.tolist(), B
    return _variants.instance(
        "ex-gen-rademacher",
        lambda: ([[1.0, 0.0, 2.0], [2.0, -1.0, 0.0], [0.0, 1.0, 1.0], [-1.0, 2.0, 1.0]],
                 2.0), draw)


def _rad_sums(X) -> np.ndarray:
    """sum_i s_i x_i for the 2^n sign vectors s, one row each."""
    X = np.asarray(X, dtype=float)
    signs = np.array(list(itertools.product((-1.0, 1.0), repeat=len(X))))
    return signs @ X


def _rad_value(data) -> float:
    """(B/n) E_s ||sum_i s_i x_i||_inf: the supremum of <w, v> over ||w||_1 <= B is
    B ||v||_inf (Hoelder, attained at w = +-B e_j)."""
    X, B = data
    return float(B) / len(X) * float(np.mean(np.max(np.abs(_rad_sums(X)), axis=1)))


def _rad_other(data, which: str) -> float:
    X, B = data
    V, n = _rad_sums(X), len(X)
    if which == "l2":
        return float(B) / n * float(np.mean(np.linalg.norm(V, axis=1)))
    if which == "l1":
        return float(B) / n * float(np.mean(np.sum(np.abs(V), axis=1)))
    if which == "no abs":                           # the ball without -e_j
        return float(B) / n * float(np.mean(np.max(V, axis=1)))
    raise ValueError(which)


def _rad_well_posed(data) -> bool:
    value = _rad_value(data)
    others = [_rad_other(data, w) for w in ("l2", "l1", "no abs")]
    others += [value * len(data[0]), value / data[1]]
    return all(abs(o - value) > 1e-3 * value for o in others)


def _rad_mistakes() -> dict:
    def near(value_of):
        def hit(answer) -> bool:
            target = value_of(_rad_data())
            return abs(_checks._as_float(answer) - target) <= 1e-6 * abs(target)
        return hit
    return {
        near(lambda d: _rad_other(d, "l2")):
            "that is the complexity of the Euclidean ball of the proposition; this class "
            "bounds another norm of w",
        near(lambda d: _rad_other(d, "l1")):
            "the supremum of <w, v> over this ball is a norm of v, but not that one",
        near(lambda d: _rad_other(d, "no abs")):
            "with w the ball holds -w too",
        near(lambda d: _rad_value(d) * len(d[0])):
            "the definition averages over the n points of the sample",
        near(lambda d: _rad_value(d) / d[1]):
            "the class holds every w of norm at most B, not only norm 1",
    }


# ------------------------------------------------------------------ ex-gen-ntk


def _ntk_data() -> tuple[list[list[float]], float]:
    """(X, alpha): three points of R^3 with small whole coordinates (rows), no two
    parallel or orthogonal, and the leaky slope alpha (variant 0: (1, 1, 0), (2, -1, 1),
    (0, 1, -2) and 0.2)."""
    def draw(rng):
        while True:
            X = rng.integers(-3, 4, size=(3, 3)).astype(float)
            if _ntk_well_posed(X):
                return X.tolist(), float(rng.choice([0.1, 0.2, 0.25, 0.3, 0.5]))
    return _variants.instance(
        "ex-gen-ntk", lambda: ([[1.0, 1.0, 0.0], [2.0, -1.0, 1.0], [0.0, 1.0, -2.0]], 0.2),
        draw)


def _ntk_well_posed(X) -> bool:
    X = np.asarray(X, dtype=float)
    if np.linalg.norm(X, axis=1).min() == 0:
        return False
    for i, j in itertools.combinations(range(len(X)), 2):
        if X[i] @ X[j] == 0 or np.linalg.norm(np.cross(X[i], X[j])) == 0:
            return False
    return True


def _relu_moments(x, x2) -> tuple[float, float]:
    """(E relu(w.x) relu(w.x'), P(w.x > 0, w.x' > 0)) for w standard normal (Cho and
    Saul's kappa_1, and kappa_0)."""
    x, x2 = np.asarray(x, float), np.asarray(x2, float)
    nx, ny = float(np.linalg.norm(x)), float(np.linalg.norm(x2))
    u, v = x / nx, x2 / ny                   # the angle, stable near 0 and pi
    theta = 2 * math.atan2(float(np.linalg.norm(u - v)), float(np.linalg.norm(u + v)))
    k1 = nx * ny / (2 * math.pi) * (math.sin(theta) + (math.pi - theta) * math.cos(theta))
    return k1, (math.pi - theta) / (2 * math.pi)


def _leaky_parts(x, x2, alpha: float) -> tuple[float, float]:
    """The output weights' and the hidden weights' parts of the limit tangent kernel of
    f = m^{-1/2} sum_j a_j s(w_j.x) with the leaky ReLU s(z) = max(z, alpha z):
    s(z) = relu(z) - alpha relu(-z), so the two expectations are sums of relu moments at
    x' and at -x'."""
    k1, k0 = _relu_moments(x, x2)
    k1m, k0m = _relu_moments(x, -np.asarray(x2, float))    # relu(w.x) relu(-w.x')
    second = (1 + alpha ** 2) * k1 - 2 * alpha * k1m       # E s(w.x) s(w.x')
    first = (1 + alpha ** 2) * k0 + 2 * alpha * k0m        # E s'(w.x) s'(w.x')
    return second, float(np.dot(x, x2)) * first


def _ntk_matrix(X, alpha, part: str = "both") -> np.ndarray:
    def entry(p, q):
        outer, inner = _leaky_parts(p, q, alpha)
        return {"both": outer + inner, "outer": outer, "inner": inner}[part]
    return np.array([[entry(p, q) for q in X] for p in X])


def _ntk_call(fn, X, alpha):
    got = fn(np.array(X, dtype=float), float(alpha))
    return None if got is None else _checks._as_array(got)


def _ntk_case(draw, per_entry: bool = False):
    """A case: ``draw(rng)`` gives (X, alpha); the kernel matrix to rtol 1e-7 of its
    largest entry (arccos of a rounded cosine near 1 costs about 1e-8). With
    ``per_entry``, every entry to rtol 1e-7 of itself, plus 1e-14 of the largest entry
    (round-off of the closed form with a stable angle, measured below 1e-16 of it): on a
    nearly opposite pair with a small slope the kernel is ~1e-7 of the largest entry, so
    a numerical average over the circle (error ~1e-8 of the largest entry with 2e6
    angles) misses it by far, and so does arccos of a rounded cosine (~1e-10)."""
    def run(fn) -> Verdict:
        if not callable(fn):
            return False, "leaky_ntk is not a function"
        X, alpha = draw(np.random.default_rng())
        got = _ntk_call(fn, X, alpha)
        want = _ntk_matrix(X, alpha)
        if got is None or got.shape != want.shape:
            return False, f"return an array of shape {want.shape} (one row per point)"
        if not np.all(np.isfinite(got)):
            return False, "the answer has NaN or infinite entries"
        scale = float(np.max(np.abs(want)))
        tol = 1e-7 * (np.abs(want) + 1e-7 * scale) if per_entry else 1e-7 * scale
        ok = bool(np.all(np.abs(got - want) <= tol))
        return ok, "the kernel" if ok else "not the kernel"
    return _guard(run)


def _ntk_visible(rng):
    return _ntk_data()


def _ntk_general(rng):
    n, d = int(rng.integers(3, 7)), int(rng.integers(3, 11))
    X = rng.standard_normal((n, d)) * rng.uniform(0.2, 5.0, size=(n, 1))
    return X, float(rng.uniform(0.05, 0.95))


def _ntk_extreme(rng):
    """Nearly parallel and nearly opposite pairs, theta about 1e-6 and pi - 1e-6, and a
    small slope alpha in [1e-7, 1e-6]: the nearly opposite pair's kernel is then about
    -|x||x'|(2 alpha + (pi - theta)/(2 pi)), ~1e-7 of the largest entry (checked entry
    by entry)."""
    d = int(rng.integers(3, 9))
    x = rng.standard_normal(d)
    e = rng.standard_normal(d) * 1e-6 * np.linalg.norm(x)
    X = np.array([x, 2 * x + e, -0.5 * x + e, rng.standard_normal(d)])
    return X, float(10 ** rng.uniform(-7, -6))


def _ntk_mistakes() -> dict:
    def returns(value_of):
        def hit(fn) -> bool:
            if not callable(fn):
                return False
            X, alpha = _ntk_data()
            got = _ntk_call(_forbid.guard(fn, _NTK_FORBID), X, alpha)
            target = value_of(np.asarray(X, dtype=float), alpha)
            return got is not None and got.shape == target.shape and bool(
                np.allclose(got, target, rtol=1e-6, atol=1e-12))
        return hit

    def unit(X, alpha):
        return _ntk_matrix(X / np.linalg.norm(X, axis=1, keepdims=True), alpha)
    return {
        returns(lambda X, a: _ntk_matrix(X, 0.0)):
            "that is the ReLU kernel of the proposition: the leaky slope changes both "
            "expectations",
        returns(unit): "the inputs are not unit vectors: the kernel depends on their lengths",
        returns(lambda X, a: _ntk_matrix(X, a, "outer")):
            "the tangent kernel sums the gradients with respect to both layers; this is "
            "only the output weights' part",
        returns(lambda X, a: _ntk_matrix(X, a, "inner")):
            "the tangent kernel sums the gradients with respect to both layers; this is "
            "only the hidden weights' part",
    }


_NTK_FORBID = ("nntheory.generalisation", "nntheory.generalisation.arccos_ntk",
               "nntheory.generalisation.empirical_ntk",
               "nntheory.generalisation.ntk_init", "nntheory.generalisation.ntk_forward",
               "nntheory.generalisation.ntk_train", "scipy.integrate",
               *(f"scipy.integrate.{f}" for f in ("quad", "dblquad", "tplquad", "nquad",
                                                  "quad_vec", "fixed_quad", "simpson",
                                                  "trapezoid", "romb", "cubature")),
               "torch.autograd", "torch.func")


# ------------------------------------------------------------------ ex-gen-implicit


def _imp_data():
    """(X, y, w0, P): a 2 x 3 system of full row rank with small whole entries, a start
    off the solutions, and a symmetric positive definite preconditioner P = A A^T + I with
    small whole A, such that the preconditioned limit differs from the plain one
    (variant 0: the chapter's first edition's system with P = [[2, 0, 1], [0, 1, 0],
    [1, 0, 2]]; the limit is (1.4, 0.6, 1.4), the plain one (1, 1, 1))."""
    def draw(rng):
        while True:
            X = rng.integers(-2, 3, size=(2, 3)).astype(float)
            if abs(np.linalg.det(X @ X.T)) < 1:
                continue
            y = rng.integers(-3, 4, size=2).astype(float)
            w0 = rng.integers(-2, 3, size=3).astype(float)
            A = rng.integers(-1, 2, size=(3, 3)).astype(float)
            P = A @ A.T + np.eye(3)
            if np.linalg.norm(X @ w0 - y) < 1:
                continue
            gap = _imp_limit(X, y, w0, P) - _imp_limit(X, y, w0, np.eye(3))
            if np.linalg.norm(gap) < 0.1:
                continue
            return X.tolist(), y.tolist(), w0.tolist(), P.tolist()
    return _variants.instance(
        "ex-gen-implicit",
        lambda: ([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]], [2.0, 2.0], [1.0, 0.0, 0.0],
                 [[2.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 2.0]]), draw)


def _imp_limit(X, y, w0, P) -> np.ndarray:
    """The limit of w <- w - eta P grad ||Xw - y||^2: with P = L L^T and w = L v this is
    plain gradient descent in v on ||X L v - y||^2, so w = L (Z^+ y + (I - Z^+ Z) L^{-1} w0)
    with Z = X L, by the SVD (no function the exercise forbids)."""
    X, y, w0, P = (np.asarray(v, dtype=float) for v in (X, y, w0, P))
    L = np.linalg.cholesky(P)
    v0 = np.linalg.solve(L, w0)
    U, s, Vt = np.linalg.svd(X @ L, full_matrices=False)
    keep = s > s[0] * max(X.shape) * np.finfo(float).eps
    U, s, Vt = U[:, keep], s[keep], Vt[keep]
    return L @ (Vt.T @ (U.T @ y / s) + v0 - Vt.T @ (Vt @ v0))


_IMP_FORBID = ("nntheory.generalisation.implicit_bias_limit",
               "numpy.linalg.pinv", "numpy.linalg.lstsq",
               "numpy.linalg._linalg.pinv", "numpy.linalg._linalg.lstsq",
               # the Python code behind numpy's dispatchers: an alias taken earlier too
               "numpy.linalg.pinv._implementation", "numpy.linalg.lstsq._implementation",
               "scipy.linalg.pinv", "scipy.linalg.pinvh", "scipy.linalg.lstsq",
               "scipy.linalg.null_space",
               # the LAPACK least-squares drivers behind scipy.linalg.lstsq
               "scipy.linalg.lapack.dgelsd", "scipy.linalg.lapack.dgelss",
               "scipy.linalg.lapack.dgelsy", "scipy.linalg.lapack.sgelsd",
               "sympy.matrices.matrixbase.MatrixBase.pinv",
               "sympy.matrices.matrixbase.MatrixBase.pinv_solve",
               "sympy.matrices.matrixbase.MatrixBase.solve_least_squares",
               "scipy.sparse.linalg.lsqr", "scipy.sparse.linalg.lsmr",
               "nntheory.numpy_core.fit", "nntheory.torch_core.fit",
               "torch.linalg.pinv", "torch.linalg.lstsq", "torch.pinverse",
               "torch.Tensor.pinverse",
               "scipy.optimize", "torch.optim", "torch.autograd")


def _imp_call(fn, X, y, w0, P):
    got = fn(*(np.array(v, dtype=float) for v in (X, y, w0, P)))
    return None if got is None else _checks._as_array(got).ravel()


def _imp_case(draw):
    """A case: ``draw(rng)`` gives (X, y, w0, P); fresh data each run."""
    def run(fn) -> Verdict:
        if not callable(fn):
            return False, "pgd_limit is not a function"
        X, y, w0, P = draw(np.random.default_rng())
        arr = _imp_call(fn, X, y, w0, P)
        want = _imp_limit(X, y, w0, P)
        if arr is None or arr.shape != want.shape:
            return False, f"return an array of {want.size} numbers (the limit w)"
        if not np.all(np.isfinite(arr)):
            return False, "the answer has NaN or infinite entries"
        err = float(np.linalg.norm(arr - want)) / max(1.0, float(np.linalg.norm(want)))
        return err < 1e-7, "the limit" if err < 1e-7 else "not the limit"
    return _guard(run)


def _imp_visible(rng):
    return _imp_data()


def _spd(rng, d, spread):
    """A random SPD matrix with eigenvalues spread log-uniformly over [1/spread, spread]."""
    Q = np.linalg.qr(rng.standard_normal((d, d)))[0]
    return Q @ np.diag(np.geomspace(1 / spread, spread, d)) @ Q.T


def _imp_general(rng):
    n = int(rng.integers(2, 6))
    d = n + int(rng.integers(1, 6))
    return (rng.standard_normal((n, d)), rng.standard_normal(n), rng.standard_normal(d),
            _spd(rng, d, 3.0))


def _imp_ill(rng):
    """Singular values 1 ... 1e-3 and a preconditioner of condition number 100: the slow
    direction of the iteration contracts by about 1 - 1e-8 per step at the best step."""
    n, d = 3, 6
    U = np.linalg.qr(rng.standard_normal((n, n)))[0]
    V = np.linalg.qr(rng.standard_normal((d, n)))[0]
    X = U @ np.diag([1.0, 0.1, 1e-3]) @ V.T
    return X, rng.standard_normal(n), rng.standard_normal(d), _spd(rng, d, 10.0)


def _imp_on_the_set(rng):
    X, _, w0, P = _imp_general(rng)
    return X, X @ w0, w0, P


def _imp_mistakes() -> dict:
    def returns(value_of):
        def hit(fn) -> bool:
            if not callable(fn):
                return False
            X, y, w0, P = (np.array(v, dtype=float) for v in _imp_data())
            got = _imp_call(_forbid.guard(fn, _IMP_FORBID), X, y, w0, P)
            target = value_of(X, y, w0, P)
            return got is not None and got.shape == target.shape and bool(
                np.allclose(got, target, atol=1e-6))
        return hit
    return {
        returns(lambda X, y, w0, P: _imp_limit(X, y, w0, np.eye(len(w0)))):
            "that is where plain gradient descent ends; the preconditioner changes which "
            "solution is reached",
        returns(lambda X, y, w0, P: _imp_limit(X, y, w0, np.linalg.inv(P))):
            "the iterates move along P times the gradient; check which of P and its "
            "inverse your answer uses",
        returns(lambda X, y, w0, P: _imp_limit(X, y, np.zeros_like(w0), P)):
            "that is where the iteration ends from w = 0; this one starts at w0",
    }


EXERCISES = [
    Exercise("ex-gen-vc", "10_generalisation", "Labellings by rectangles", "easy",
             "n_labellings", ("labellings of a grid by rectangles",),
             _guard(_number(_vc_count, _vc_data)),
             data=_vc_data, max_tries=4,
             forbid=("nntheory.separability", "nntheory.separability.cover_count",
                     "nntheory.separability.cover_C",
                     "nntheory.separability.count_separable_dichotomies",
                     "nntheory.separability.count_homogeneous_dichotomies",
                     "nntheory.separability.separate",
                     "nntheory.generalisation.halfspace_shatters"),
             mistakes=_vc_mistakes(),
             goal="count the labellings of another class exactly, and compare with "
                  "Sauer–Shelah"),
    Exercise("ex-gen-vc-why", "10_generalisation", "Only two are missing", "medium", "",
             (), None, kind="written",
             goal="prove that every labelling of d + 2 points in general position other "
                  "than the Radon partition and its negative is realised by a halfspace",
             needs_human="the proof (the answer cell)",
             rubric="2 points in all. 1 point: a labelling (I', J') with both parts "
                    "non-empty is realised as soon as conv I' and conv J' are disjoint, "
                    "because disjoint convex hulls of finite sets (compact convex sets) are "
                    "strictly separated by a hyperplane (the separation theorem named, and "
                    "strictness said: a hyperplane through a point gives no sign); the "
                    "labellings with an empty part are realised by constant halfspaces. "
                    "1 point: if the hulls meet, a common point gives an affine dependence "
                    "sum l_i x_i = 0, sum l_i = 0, l != 0, with l_i >= 0 on I' and "
                    "l_i <= 0 on J'; in general position the affine dependences of d + 2 "
                    "points form a line (rank d + 1) and none has a zero coefficient "
                    "(that would make d + 1 points affinely dependent), so I' = {l > 0} "
                    "and J' = {l < 0} are the Radon partition or its negative. Citing "
                    "Cover's count 2^(d+2) - 2 in place of a proof: at most half a point in "
                    "all. Asserting that the Radon partition is unique without the "
                    "dependence argument: at most half of the second point. Half a point "
                    "off for an argument that needs the points in convex position."),
    Exercise("ex-gen-rademacher", "10_generalisation",
             "Rademacher complexity of an l1 ball", "medium", "rademacher_l1",
             ("Rademacher complexity of the l1 ball on four points",),
             _guard(_number(_rad_value, _rad_data, rtol=1e-6)),
             data=_rad_data,
             forbid=("nntheory.generalisation", "nntheory.finite_classes",
                     "nntheory.generalisation.rademacher_linear_exact",
                     "nntheory.generalisation.rademacher_linear_mc",
                     "nntheory.generalisation.rademacher_linear_bound",
                     "nntheory.finite_classes.rademacher_exact",
                     "nntheory.finite_classes.massart_bound",
                     "nntheory.finite_classes.symmetrisation_sides"),
             mistakes=_rad_mistakes(),
             goal="find the supremum over another ball (the dual norm), then enumerate "
                  "the signs"),
    Exercise("ex-gen-khintchine", "10_generalisation", "The lower bound for two points",
             "medium", "", (), None, kind="written",
             goal="prove the lower Khintchine–Kahane bound of the linear class for n = 2, "
                  "with its equality case",
             needs_human="the proof (the answer cell)",
             rubric="2 points in all. 1 point: reduces the complexity to "
                    "R = (B/2)(||x1 + x2|| + ||x1 - x2||)/2 (the supremum over the ball "
                    "computed and attained, the four sign vectors paired) and proves the "
                    "bound from the parallelogram law and a + b >= sqrt(a^2 + b^2) for "
                    "a, b >= 0. 1 point: equality exactly when ab = 0, i.e. x2 = x1 or "
                    "x2 = -x1 (both directions said; the zero vector case included or "
                    "excluded explicitly). Usual wrong proofs: Jensen's inequality (it "
                    "gives the upper bound, not the lower); checking orthogonal or equal "
                    "points only (examples, not a proof); claiming equality for orthogonal "
                    "points (there the upper bound is attained); dropping the supremum over "
                    "w (no credit for the first point)."),
    Exercise("ex-gen-ntk", "10_generalisation", "The tangent kernel of a leaky ReLU",
             "hard", "leaky_ntk", ("leaky-ReLU tangent kernel",),
             _ntk_case(_ntk_visible),
             hidden=(HiddenCase("random points of other dimensions and slopes",
                                _ntk_case(_ntk_general)),
                     HiddenCase("nearly parallel and nearly opposite points",
                                _ntk_case(_ntk_extreme, per_entry=True))),
             data=_ntk_data, kind="function", forbid=_NTK_FORBID,
             mistakes=_ntk_mistakes(),
             goal="derive the infinite-width tangent kernel of another activation"),
    Exercise("ex-gen-implicit", "10_generalisation", "Where preconditioned descent ends",
             "hard", "pgd_limit", ("limit of preconditioned gradient descent",),
             _imp_case(_imp_visible),
             hidden=(HiddenCase("random systems of other sizes", _imp_case(_imp_general)),
                     HiddenCase("a badly conditioned system and preconditioner",
                                _imp_case(_imp_ill)),
                     HiddenCase("a start that already solves the system",
                                _imp_case(_imp_on_the_set))),
             data=_imp_data, kind="function", forbid=_IMP_FORBID,
             mistakes=_imp_mistakes(),
             goal="find the implicit bias of preconditioned gradient descent"),
]
