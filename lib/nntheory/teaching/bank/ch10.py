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
* ``ex-gen-rademacher`` (medium): a function returning the exact empirical Rademacher
  complexity of the l_p-ball linear class (the dual norm, then the sign enumeration; the
  library has the Euclidean ball only), run on hidden samples of up to 16 points and
  general p to rtol 1e-9, with the optimisers disabled, so that neither a linear program
  nor another optimisation per sign vector (65 536 of them) stands in for the dual norm.
* ``ex-gen-khintchine`` (written, a proof, medium): the lower bound of the linear class's
  complexity for two points, with its equality case (the chapter cites it).
* ``ex-gen-ntk`` (hard): a function returning the infinite-width tangent kernel matrix of
  a leaky-ReLU network on points of R^d, run on hidden inputs to rtol 1e-7 (entry by
  entry on nearly opposite points with a small slope, where a numerical average over the
  circle is far off).
* ``ex-gen-implicit`` (hard): a function returning the limits of *preconditioned*
  gradient descent from K starts at once (the columns of W0; the chapter states the plain
  limit only), without a pseudo-inverse, a least-squares or a Krylov solver. P comes as a
  function ``apply_P`` with a budget of n + :data:`IMP_SPARE` vectors per call, and the
  hidden systems have d >= 2000, K = :data:`IMP_STARTS` starts and X P X^T of condition
  number >= 1e7: P cannot be formed, gradient steps do not converge, and a Krylov solver
  (preconditioned CG reaches one limit in about 2n products) cannot serve 50 starts. The
  closed form needs the n products P X^T once, for all starts: the derivation (every
  limit is w0 minus a vector of the range of P X^T) is what fits the budget.
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


def _rad_data() -> tuple[list[list[float]], float, float]:
    """(X, B, p): four points of R^3 with small whole coordinates, the bound B != 1 and
    the exponent p of the ball ||w||_p <= B, p in {1, 1.5, 3, 4, inf} (never 2, where
    the ball is its own dual), chosen so that every recognised mistake differs from the
    answer (variant 0: (1, 0, 2), (2, -1, 0), (0, 1, 1), (-1, 2, 1), B = 2 and p = 1,
    the first edition's l1 ball)."""
    def draw(rng):
        while True:
            X = rng.integers(-3, 4, size=(4, 3)).astype(float)
            if np.linalg.norm(X, axis=1).min() == 0:
                continue
            B = float(rng.choice([0.5, 1.5, 2.0, 2.5, 3.0]))
            p = float(rng.choice([1.0, 1.5, 3.0, 4.0, math.inf]))
            if _rad_well_posed((X.tolist(), B, p)):
                return X.tolist(), B, p
    return _variants.instance(
        "ex-gen-rademacher",
        lambda: ([[1.0, 0.0, 2.0], [2.0, -1.0, 0.0], [0.0, 1.0, 1.0], [-1.0, 2.0, 1.0]],
                 2.0, 1.0), draw)


def _rad_sums(X) -> np.ndarray:
    """sum_i s_i x_i for the 2^n sign vectors s, one row each."""
    X = np.asarray(X, dtype=float)
    signs = np.array(list(itertools.product((-1.0, 1.0), repeat=len(X))))
    return signs @ X


def _dual(p: float) -> float:
    if p == 1:
        return math.inf
    return 1.0 if math.isinf(p) else p / (p - 1)


def _rad_norms(X, q: float) -> float:
    """E_s ||sum_i s_i x_i||_q over the 2^n sign vectors (each row scaled by its largest
    entry first, so that |v|^q cannot overflow)."""
    V = np.abs(_rad_sums(X))
    top = V.max(axis=1, keepdims=True)
    top[top == 0] = 1.0
    return float(np.mean(top[:, 0] * np.linalg.norm(V / top, ord=q, axis=1)))


def _rad_value(data) -> float:
    """(B/n) E_s ||sum_i s_i x_i||_q with 1/p + 1/q = 1: the supremum of <w, v> over
    ||w||_p <= B is B ||v||_q (Hoelder, attained at w_j = B sign(v_j)|v_j|^(q-1) /
    ||v||_q^(q-1), or at +-B e_j for p = 1)."""
    X, B, p = data
    return float(B) / len(X) * _rad_norms(X, _dual(float(p)))


def _rad_wrong(data) -> list[tuple[float, str]]:
    X, B, p = data
    n, value = len(X), _rad_value(data)
    return [
        (float(B) / n * _rad_norms(X, 2.0),
         "that is the complexity of the Euclidean ball of the proposition; this class "
         "bounds another norm of w"),
        (float(B) / n * _rad_norms(X, float(p)),
         "the supremum of <w, v> over this ball is a norm of v, but not that one"),
        (value * n, "the definition averages over the n points of the sample"),
        (value / float(B), "the class holds every w of norm at most B, not only norm 1"),
    ]


def _rad_well_posed(data) -> bool:
    value = _rad_value(data)
    return float(data[1]) != 1 and all(abs(o - value) > 1e-3 * value
                                       for o, _ in _rad_wrong(data))


def _rad_call(fn, X, B, p):
    got = fn(np.array(X, dtype=float), float(B), float(p))
    return None if got is None else _checks._as_float(got)


def _rad_case(draw):
    """A case: ``draw(rng)`` gives (X, B, p); the value to rtol 1e-9 (the closed form
    with an exact enumeration of the signs is good to ~1e-14)."""
    def run(fn) -> Verdict:
        if not callable(fn):
            return False, "rademacher_lp is not a function"
        X, B, p = draw(np.random.default_rng())
        got = _rad_call(fn, X, B, p)
        want = _rad_value((X, B, p))
        if got is None or not math.isfinite(got):
            return False, "return a finite number"
        ok = abs(got - want) <= 1e-9 * abs(want)
        return ok, "the complexity" if ok else "not the complexity"
    return _guard(run)


def _rad_visible(rng):
    return _rad_data()


def _rad_points(rng, n, d):
    return rng.standard_normal((n, d)) * rng.uniform(0.2, 3.0, size=(n, 1))


def _rad_general(rng):
    n, d = int(rng.integers(5, 13)), int(rng.integers(2, 31))
    return (_rad_points(rng, n, d), float(rng.uniform(0.1, 10.0)),
            float(rng.uniform(1.1, 6.0)))


def _rad_sixteen_ends(rng):
    """n = 16: 65 536 sign vectors, so an optimisation per sign vector is far too slow;
    the endpoints p = 1 and p = inf."""
    return (_rad_points(rng, 16, int(rng.integers(3, 41))), float(rng.uniform(0.1, 10.0)),
            float(rng.choice([1.0, math.inf])))


def _rad_sixteen_near_one(rng):
    """n = 16 and p in (1.02, 1.2), so q between 6 and 51."""
    return (_rad_points(rng, 16, int(rng.integers(3, 41))), float(rng.uniform(0.1, 10.0)),
            float(rng.uniform(1.02, 1.2)))


def _rad_mistakes() -> dict:
    def returns(i):
        def hit(fn) -> bool:
            if not callable(fn):
                return False
            data = _rad_data()
            got = _rad_call(_forbid.guard(fn, _RAD_FORBID), *data)
            target = _rad_wrong(data)[i][0]
            return got is not None and abs(got - target) <= 1e-6 * abs(target)
        return hit
    # the messages do not depend on the data (any instance lists them)
    messages = [m for _, m in _rad_wrong(([[1.0, 0.0]], 2.0, 1.0))]
    return {returns(i): message for i, message in enumerate(messages)}


_RAD_FORBID = ("nntheory.generalisation", "nntheory.finite_classes",
               "nntheory.generalisation.rademacher_linear_exact",
               "nntheory.generalisation.rademacher_linear_mc",
               "nntheory.generalisation.rademacher_linear_bound",
               "nntheory.finite_classes.rademacher_exact",
               "nntheory.finite_classes.massart_bound",
               "nntheory.finite_classes.symmetrisation_sides",
               # an optimiser per sign vector in place of the dual norm
               "scipy.optimize", "torch.optim", "torch.autograd", "torch.func")


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
    """(X, y, W0, P): a 2 x 3 system of full row rank with small whole entries, four
    starts (the columns of the 3 x 4 array W0) off the solutions, and a symmetric positive
    definite preconditioner P = A A^T + I with small whole A, such that the preconditioned
    limits differ from the plain ones (variant 0: the chapter's first edition's system
    with P = [[2, 0, 1], [0, 1, 0], [1, 0, 2]] and first start (1, 0, 0), whose limit is
    (1.4, 0.6, 1.4), the plain one (1, 1, 1))."""
    def draw(rng):
        while True:
            X = rng.integers(-2, 3, size=(2, 3)).astype(float)
            if abs(np.linalg.det(X @ X.T)) < 1:
                continue
            y = rng.integers(-3, 4, size=2).astype(float)
            W0 = rng.integers(-2, 3, size=(3, 4)).astype(float)
            A = rng.integers(-1, 2, size=(3, 3)).astype(float)
            P = A @ A.T + np.eye(3)
            if np.linalg.norm(X @ W0 - y[:, None], axis=0).min() < 1:
                continue
            gap = _imp_limit(X, y, W0, P) - _imp_limit(X, y, W0, np.eye(3))
            if np.linalg.norm(gap, axis=0).min() < 0.1:
                continue
            return X.tolist(), y.tolist(), W0.tolist(), P.tolist()
    return _variants.instance(
        "ex-gen-implicit",
        lambda: ([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]], [2.0, 2.0],
                 [[1.0, 0.0, 2.0, 0.0], [0.0, 0.0, -1.0, 3.0], [0.0, 1.0, 1.0, 2.0]],
                 [[2.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 2.0]]), draw)


def _imp_limit(X, y, W0, P) -> np.ndarray:
    """The limits of w <- w - eta P grad ||Xw - y||^2 from the columns of W0 (or from
    one start w0): with P = L L^T and w = L v this is plain gradient descent in v on
    ||X L v - y||^2, so w = L (Z^+ y + (I - Z^+ Z) L^{-1} w0) with Z = X L, by the SVD (no
    function the exercise forbids)."""
    X, y, W0, P = (np.asarray(v, dtype=float) for v in (X, y, W0, P))
    L = np.linalg.cholesky(P)
    V0 = np.linalg.solve(L, W0)
    U, s, Vt = np.linalg.svd(X @ L, full_matrices=False)
    keep = s > s[0] * max(X.shape) * np.finfo(float).eps
    U, s, Vt = U[:, keep], s[keep], Vt[keep]
    base = Vt.T @ (U.T @ y / s)
    return L @ ((base if V0.ndim == 1 else base[:, None]) + V0 - Vt.T @ (Vt @ V0))


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
               # the Krylov solvers: preconditioned CG with M = apply_P reaches a limit in
               # about 2n products without the derivation (referee 5); the budget stops
               # them for 50 starts too, and here they are disabled by name
               "scipy.sparse.linalg.cg", "scipy.sparse.linalg.cgs",
               "scipy.sparse.linalg.bicg", "scipy.sparse.linalg.bicgstab",
               "scipy.sparse.linalg.gmres", "scipy.sparse.linalg.lgmres",
               "scipy.sparse.linalg.minres", "scipy.sparse.linalg.qmr",
               "scipy.sparse.linalg.gcrotmk", "scipy.sparse.linalg.tfqmr",
               "scipy.sparse.linalg.LinearOperator",
               "scipy.sparse.linalg.aslinearoperator",
               "nntheory.numpy_core.fit", "nntheory.torch_core.fit",
               "torch.linalg.pinv", "torch.linalg.lstsq", "torch.pinverse",
               "torch.Tensor.pinverse",
               "scipy.optimize", "torch.optim", "torch.autograd")


#: How many vectors beyond n ``apply_P`` may be applied to in one run (a column of a
#: d x k array counts as one): the budget is n + IMP_SPARE. The hidden systems have
#: d >= 2000, so P cannot be formed, and their X P X^T has condition number >= 1e7, so
#: no loop of gradient steps reaches the limit to 1e-7; the closed form needs the n
#: products P X^T, once for all starts, and a Krylov solver about 2n per start.
IMP_SPARE = 5
#: How many starts (columns of W0) a hidden case passes.
IMP_STARTS = 50


class _ApplyP:
    """P V for a vector of length d or the columns of a d x k array V, at most
    ``budget`` vectors in all; P = diag(D) + G G^T (G may have no columns) or a
    small dense matrix."""

    def __init__(self, d: int, budget: int, *, dense=None, D=None, G=None):
        self._d, self._dense, self._D, self._G = d, dense, D, G
        self.budget, self.used, self.over = int(budget), 0, False

    def __call__(self, V):
        V = np.asarray(V, dtype=float)
        if V.ndim not in (1, 2) or V.shape[0] != self._d:
            raise ValueError(f"apply_P takes a vector of length {self._d} or an array "
                             f"with {self._d} rows")
        self.used += 1 if V.ndim == 1 else V.shape[1]
        if self.used > self.budget:
            self.over = True
            raise RuntimeError(f"apply_P was applied to more than {self.budget} vectors")
        if self._dense is not None:
            return self._dense @ V
        D = self._D if V.ndim == 1 else self._D[:, None]
        return D * V + self._G @ (self._G.T @ V)

    def student(self):
        """What the student's function gets: a plain function, with none of this
        object's attributes (P's factors, :meth:`times_xt`, the counter) on it."""
        call = self.__call__

        def apply_P(V):
            return call(V)
        return apply_P

    def times_xt(self, X) -> np.ndarray:
        """P X^T for the check (not counted)."""
        if self._dense is not None:
            return self._dense @ X.T
        return self._D[:, None] * X.T + self._G @ (self._G.T @ X.T)


def _imp_closed(X, y, W0, apply) -> np.ndarray:
    """W0 - P X^T (X P X^T)^{-1} (X W0 - y 1^T) for X of full row rank (the limits of
    :func:`_imp_limit`, with P X^T formed column by column)."""
    PXt = apply.times_xt(X)
    return W0 - PXt @ np.linalg.solve(X @ PXt, X @ W0 - y[:, None])


def _imp_call(fn, X, y, W0, apply):
    got = fn(*(np.array(v, dtype=float) for v in (X, y, W0)), apply.student())
    return None if got is None else _checks._as_array(got)


def _imp_case(draw):
    """A case: ``draw(rng)`` gives (X, y, W0, apply_P); fresh data each run."""
    def run(fn) -> Verdict:
        if not callable(fn):
            return False, "pgd_limit is not a function"
        X, y, W0, apply = draw(np.random.default_rng())
        X, y, W0 = (np.asarray(v, dtype=float) for v in (X, y, W0))
        arr = _imp_call(fn, X, y, W0, apply)
        if apply.over:
            return False, f"apply_P was applied to more than {apply.budget} vectors"
        want = _imp_closed(X, y, W0, apply)
        if arr is None or arr.shape != want.shape:
            return False, (f"return a {want.shape[0]} x {want.shape[1]} array (one limit "
                           "per column of W0)")
        if not np.all(np.isfinite(arr)):
            return False, "the answer has NaN or infinite entries"
        err = float(np.max(np.linalg.norm(arr - want, axis=0)
                           / np.maximum(1.0, np.linalg.norm(want, axis=0))))
        return err < 1e-7, "the limits" if err < 1e-7 else "not the limits"
    return _guard(run)


def _imp_budget(n: int) -> int:
    return n + IMP_SPARE


def _imp_visible(rng):
    X, y, W0, P = _imp_data()
    return X, y, W0, _ApplyP(3, _imp_budget(len(X)), dense=np.array(P, dtype=float))


def _imp_large_system(rng, n, d, smallest):
    """X = U diag(s) V^T with s geometric from 1 to ``smallest`` (V: n orthonormal
    columns of R^d), P = diag(D) + G G^T with D log-uniform in [0.1, 10] and three
    columns G of size about 2/sqrt(d) each entry; y = X z with z standard normal."""
    U = np.linalg.qr(rng.standard_normal((n, n)))[0]
    V = np.linalg.qr(rng.standard_normal((d, n)))[0]
    X = U @ np.diag(np.geomspace(1.0, smallest, n)) @ V.T
    D = 10 ** rng.uniform(-1, 1, size=d)
    G = rng.standard_normal((d, 3)) * 2 / math.sqrt(d)
    # y = X z: a solution of norm about sqrt(d), so the limit is too, and the error
    # of the closed form (~ cond eps) stays far below the tolerance
    y = X @ rng.standard_normal(d)
    W0 = rng.standard_normal((d, IMP_STARTS))
    return X, y, W0, _ApplyP(d, _imp_budget(n), D=D, G=G)


def _imp_general(rng):
    n = int(rng.integers(2, 9))
    return _imp_large_system(rng, n, int(rng.integers(2000, 6001)),
                             10 ** -rng.uniform(3.5, 4))


def _imp_ill(rng):
    """d = 20 000 and singular values 1 ... 1e-4: X P X^T has condition number about
    1e8."""
    return _imp_large_system(rng, 3, 20_000, 1e-4)


def _imp_on_the_set(rng):
    """Starts that already solve the system: W0 = w_p 1^T + (I - X^T (X X^T)^-1 X) R."""
    X, y, R, apply = _imp_general(rng)
    W0 = R - X.T @ np.linalg.solve(X @ X.T, X @ R - y[:, None])
    return X, y, W0, apply


def _imp_mistakes() -> dict:
    def returns(value_of):
        def hit(fn) -> bool:
            if not callable(fn):
                return False
            X, y, W0, P = (np.array(v, dtype=float) for v in _imp_data())
            got = _imp_call(_forbid.guard(fn, _IMP_FORBID), X, y, W0,
                            _ApplyP(len(W0), _imp_budget(len(X)), dense=P))
            target = value_of(X, y, W0, P)
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
             "Rademacher complexity of an l_p ball", "medium", "rademacher_lp",
             ("Rademacher complexity of the l_p ball on four points",),
             _rad_case(_rad_visible),
             hidden=(HiddenCase("other points, bounds and exponents",
                                _rad_case(_rad_general)),
                     HiddenCase("sixteen points, p = 1 or p = infinity",
                                _rad_case(_rad_sixteen_ends)),
                     HiddenCase("sixteen points, p close to 1",
                                _rad_case(_rad_sixteen_near_one))),
             data=_rad_data, kind="function", forbid=_RAD_FORBID,
             mistakes=_rad_mistakes(),
             goal="find the supremum over an l_p ball (the dual norm), then enumerate "
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
