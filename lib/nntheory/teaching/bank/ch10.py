"""The exercises of chapter 10
(generalisation): registered in :mod:`nntheory.teaching.exercises`.

Each entry's check computes its expected value here, from the exercise's data for the
student's variant; nothing in this module is meant to be called from a notebook (the
checks forbid its private functions, like the registry's own).

* ``ex-gen-vc`` (easy): the number of labellings affine halfspaces of R^d realise on N
  points in general position, N >= d + 3 (Cover's count by hand).
* ``ex-gen-vc-why`` (written): why d + 2 points miss exactly two labellings.
* ``ex-gen-rademacher`` (medium): the exact empirical Rademacher complexity of the
  norm-B linear class on three points, by enumerating the sign vectors.
* ``ex-gen-khintchine`` (written, a proof): the lower bound of the linear class's
  complexity for two points, with its equality case (the chapter cites it).
* ``ex-gen-ntk`` (hard): the infinite-width tangent kernel of a leaky-ReLU network
  (derived, not the chapter's ReLU formula).
* ``ex-gen-implicit`` (hard): a function returning the limit of gradient descent
  without a pseudo-inverse or a least-squares solver, run on hidden badly
  conditioned systems too.
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
    """(N, d): N points in general position in R^d, N >= d + 3 (variant 0: nine in R^4)."""
    def draw(rng):
        d = int(rng.integers(2, 7))
        return int(d + rng.integers(3, 9)), d
    return _variants.instance("ex-gen-vc", lambda: (9, 4), draw)


def _vc_count(data) -> int:
    n, d = data
    return 2 * sum(math.comb(n - 1, k) for k in range(d + 1))


def _vc_mistakes() -> dict:
    def equals(value_of):
        def hit(answer) -> bool:
            return _checks._as_float(answer) == value_of(*_vc_data())
        return hit
    return {
        equals(lambda n, d: 2 ** n):
            "that is every labelling of the points; beyond the VC dimension d + 1 "
            "halfspaces do not realise them all",
        equals(lambda n, d: 2 ** n - 2):
            "only two labellings are missing for d + 2 points; here there are more points",
        equals(lambda n, d: sum(math.comb(n, i) for i in range(d + 2))):
            "that is the Sauer–Shelah bound for VC dimension d + 1, an upper bound on the "
            "growth function; for halfspaces the exact count is known",
        equals(lambda n, d: 2 * sum(math.comb(n - 1, k) for k in range(d))):
            "that counts the halfspaces through the origin (homogeneous); these are affine "
            "halfspaces, with an offset",
        equals(lambda n, d: 2 * sum(math.comb(n, k) for k in range(d + 1))):
            "check the binomial coefficients of Cover's count against the chapter",
    }


# ------------------------------------------------------------------ ex-gen-rademacher


def _rad_data() -> tuple[list[list[float]], float]:
    """(X, B): three points of R^2 with small whole coordinates, no two orthogonal, and
    the norm bound B != 1 (variant 0: (1, 0), (1, 1), (-1, 2) and B = 2)."""
    def draw(rng):
        while True:
            X = rng.integers(-3, 4, size=(3, 2)).astype(float)
            norms = np.linalg.norm(X, axis=1)
            gram = X @ X.T
            if norms.min() == 0 or np.any(gram[np.triu_indices(3, 1)] == 0):
                continue
            B = float(rng.choice([0.5, 1.5, 2.0, 2.5, 3.0]))
            value = _rad_value((X.tolist(), B))
            if value < 0.99 * _rad_bound((X.tolist(), B)):
                return X.tolist(), B
    return _variants.instance("ex-gen-rademacher",
                              lambda: ([[1.0, 0.0], [1.0, 1.0], [-1.0, 2.0]], 2.0), draw)


def _rad_value(data) -> float:
    X, B = np.asarray(data[0], dtype=float), float(data[1])
    n = len(X)
    norms = [np.linalg.norm(np.asarray(s) @ X)
             for s in itertools.product((-1.0, 1.0), repeat=n)]
    return B / n * float(np.mean(norms))


def _rad_bound(data) -> float:
    X, B = np.asarray(data[0], dtype=float), float(data[1])
    return B / len(X) * math.sqrt(float(np.sum(X ** 2)))


def _rad_mistakes() -> dict:
    def near(value_of):
        def hit(answer) -> bool:
            target = value_of(_rad_data())
            return abs(_checks._as_float(answer) - target) <= 1e-6 * abs(target)
        return hit
    return {
        near(_rad_bound): "that is the upper bound of the proposition (Jensen's inequality); "
                          "it is attained only for pairwise orthogonal points, and these "
                          "are not",
        near(lambda d: _rad_value(d) * len(d[0])):
            "the definition averages over the n points of the sample",
        near(lambda d: _rad_value(d) / d[1]):
            "the class holds every w of norm at most B, not only unit vectors",
    }


# ------------------------------------------------------------------ ex-gen-ntk


def _ntk_data() -> tuple[list[float], list[float], float]:
    """(x, x', alpha): two points of R^2 with small whole coordinates, neither parallel
    nor orthogonal, and the leaky slope alpha (variant 0: (1, 1), (2, -1), 0.2)."""
    def draw(rng):
        while True:
            x, x2 = rng.integers(-3, 4, size=(2, 2)).astype(float)
            cross = x[0] * x2[1] - x[1] * x2[0]
            if cross == 0 or x @ x2 == 0:           # parallel (or zero), or orthogonal
                continue
            return x.tolist(), x2.tolist(), float(rng.choice([0.1, 0.2, 0.25, 0.3, 0.5]))
    return _variants.instance("ex-gen-ntk", lambda: ([1.0, 1.0], [2.0, -1.0], 0.2), draw)


def _relu_moments(x, x2) -> tuple[float, float]:
    """(E relu(w.x) relu(w.x'), P(w.x > 0, w.x' > 0)) for w standard normal (Cho and
    Saul's kappa_1, and kappa_0)."""
    x, x2 = np.asarray(x, float), np.asarray(x2, float)
    nx, ny = float(np.linalg.norm(x)), float(np.linalg.norm(x2))
    u, v = x / nx, x2 / ny                   # the angle, stable near 0 and pi
    theta = 2 * math.atan2(float(np.linalg.norm(u - v)), float(np.linalg.norm(u + v)))
    k1 = nx * ny / (2 * math.pi) * (math.sin(theta) + (math.pi - theta) * math.cos(theta))
    return k1, (math.pi - theta) / (2 * math.pi)


def _leaky_theta(x, x2, alpha: float) -> float:
    """The limit tangent kernel of f = m^{-1/2} sum_j a_j s(w_j.x) with the leaky ReLU
    s(z) = max(z, alpha z): s(z) = relu(z) - alpha relu(-z), so the two expectations
    are sums of relu moments at x' and at -x'."""
    k1, k0 = _relu_moments(x, x2)
    k1m, k0m = _relu_moments(x, -np.asarray(x2, float))    # relu(w.x) relu(-w.x')
    second = (1 + alpha ** 2) * k1 - 2 * alpha * k1m       # E s(w.x) s(w.x')
    first = (1 + alpha ** 2) * k0 + 2 * alpha * k0m        # E s'(w.x) s'(w.x')
    return second + float(np.dot(x, x2)) * first


def _kernel_matrix(points, entry) -> np.ndarray:
    return np.array([[entry(p, q) for q in points] for p in points])


def _ntk_value(data) -> np.ndarray:
    x, x2, alpha = data
    return _kernel_matrix([x, x2], lambda p, q: _leaky_theta(p, q, alpha))


def _ntk_mistakes() -> dict:
    def near(value_of):
        def hit(answer) -> bool:
            got = _checks._as_array(answer)
            target = value_of(_ntk_data())
            return got.shape == target.shape and bool(
                np.allclose(got, target, rtol=1e-6, atol=1e-12))
        return hit

    def relu(d):
        def entry(p, q):
            k1, k0 = _relu_moments(p, q)
            return k1 + float(np.dot(p, q)) * k0
        return _kernel_matrix(d[:2], entry)

    def unit(d):
        x, x2, alpha = d
        return _kernel_matrix([np.divide(x, np.linalg.norm(x)),
                               np.divide(x2, np.linalg.norm(x2))],
                              lambda p, q: _leaky_theta(p, q, alpha))

    def one_layer(part):
        def value(d):
            x, x2, alpha = d

            def entry(p, q):
                k1, k0 = _relu_moments(p, q)
                k1m, k0m = _relu_moments(p, -np.asarray(q, float))
                if part == "outer":
                    return (1 + alpha ** 2) * k1 - 2 * alpha * k1m
                return float(np.dot(p, q)) * ((1 + alpha ** 2) * k0 + 2 * alpha * k0m)
            return _kernel_matrix([x, x2], entry)
        return value
    return {
        near(relu): "that is the ReLU kernel of the proposition: the leaky slope changes "
                    "both expectations",
        near(unit): "the inputs are not unit vectors: the kernel depends on their lengths",
        near(one_layer("outer")): "the tangent kernel sums the gradients with respect to "
                                  "both layers; this is only the output weights' part",
        near(one_layer("inner")): "the tangent kernel sums the gradients with respect to "
                                  "both layers; this is only the hidden weights' part",
    }


# ------------------------------------------------------------------ ex-gen-implicit


def _imp_data() -> tuple[list[list[float]], list[float], list[float]]:
    """(X, y, w0): a 2 x 3 system of full row rank with small whole entries and a start
    with a non-zero null-space component (variant 0: the chapter's first edition's)."""
    def draw(rng):
        while True:
            X = rng.integers(-2, 3, size=(2, 3)).astype(float)
            if abs(np.linalg.det(X @ X.T)) < 1:
                continue
            y = rng.integers(-3, 4, size=2).astype(float)
            w0 = rng.integers(-2, 3, size=3).astype(float)
            n = np.cross(X[0], X[1])
            if abs(n @ w0) < 1 or not np.any(y):
                continue
            return X.tolist(), y.tolist(), w0.tolist()
    return _variants.instance("ex-gen-implicit",
                              lambda: ([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]], [2.0, 2.0],
                                       [1.0, 0.0, 0.0]), draw)


def _imp_limit(X, y, w0) -> np.ndarray:
    """X^+ y + (I - X^+ X) w0, by the SVD (no function the exercise forbids)."""
    X, y, w0 = (np.asarray(v, dtype=float) for v in (X, y, w0))
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    keep = s > s[0] * max(X.shape) * np.finfo(float).eps
    U, s, Vt = U[:, keep], s[keep], Vt[keep]
    return Vt.T @ (U.T @ y / s) + w0 - Vt.T @ (Vt @ w0)


_IMP_FORBID = ("nntheory.generalisation.implicit_bias_limit",
               "numpy.linalg.pinv", "numpy.linalg.lstsq",
               "numpy.linalg._linalg.pinv", "numpy.linalg._linalg.lstsq",
               # the Python code behind numpy's dispatchers: an alias taken earlier too
               "numpy.linalg.pinv._implementation", "numpy.linalg.lstsq._implementation",
               "scipy.linalg.pinv", "scipy.linalg.pinvh", "scipy.linalg.lstsq",
               "scipy.linalg.null_space",
               "sympy.matrices.matrixbase.MatrixBase.pinv",
               "sympy.matrices.matrixbase.MatrixBase.pinv_solve",
               "sympy.matrices.matrixbase.MatrixBase.solve_least_squares",
               "scipy.sparse.linalg.lsqr", "scipy.sparse.linalg.lsmr",
               "nntheory.numpy_core.fit", "nntheory.torch_core.fit",
               "torch.linalg.pinv", "torch.linalg.lstsq",
               "scipy.optimize", "torch.optim", "torch.autograd")


def _imp_case(draw):
    """A case: ``draw(rng)`` gives (X, y, w0); ``None`` rng seed: fresh data each run."""
    def run(fn) -> Verdict:
        if not callable(fn):
            return False, "gd_limit is not a function"
        X, y, w0 = draw(np.random.default_rng())
        got = fn(np.array(X, dtype=float), np.array(y, dtype=float),
                 np.array(w0, dtype=float))
        want = _imp_limit(X, y, w0)
        arr = _checks._as_array(got).ravel() if got is not None else None
        if arr is None or arr.shape != want.shape:
            return False, f"return an array of {want.size} numbers (the limit w)"
        if not np.all(np.isfinite(arr)):
            return False, "the answer has NaN or infinite entries"
        err = float(np.linalg.norm(arr - want)) / max(1.0, float(np.linalg.norm(want)))
        return err < 1e-7, "the limit" if err < 1e-7 else "not the limit"
    return _guard(run)


def _imp_visible(rng):
    return _imp_data()


def _imp_general(rng):
    n = int(rng.integers(2, 6))
    d = n + int(rng.integers(1, 6))
    return rng.standard_normal((n, d)), rng.standard_normal(n), rng.standard_normal(d)


def _imp_ill(rng):
    """Singular values 1 ... 1e-3: the slow direction of gradient descent contracts by
    1 - 1e-6 per step at the best step size."""
    n, d = 3, 6
    U = np.linalg.qr(rng.standard_normal((n, n)))[0]
    V = np.linalg.qr(rng.standard_normal((d, n)))[0]
    X = U @ np.diag([1.0, 0.1, 1e-3]) @ V.T
    return X, rng.standard_normal(n), rng.standard_normal(d)


def _imp_on_the_set(rng):
    X, _, w0 = _imp_general(rng)
    return X, X @ w0, w0


def _imp_mistakes() -> dict:
    def returns(value_of):
        def hit(fn) -> bool:
            if not callable(fn):
                return False
            X, y, w0 = (np.array(v, dtype=float) for v in _imp_data())
            got = _forbid.guard(fn, _IMP_FORBID)(X.copy(), y.copy(), w0.copy())
            target = value_of(X, y, w0)
            got = _checks._as_array(got).ravel()
            return got.shape == target.shape and bool(np.allclose(got, target, atol=1e-6))
        return hit

    def min_norm(X, y, w0):
        return _imp_limit(X, y, np.zeros_like(w0))

    def wrong_part(X, y, w0):
        return min_norm(X, y, w0) + (w0 - _imp_limit(X, np.zeros_like(y), w0))
    return {
        returns(min_norm): "that is where gradient descent from w = 0 ends; this one starts "
                           "at w0",
        returns(wrong_part): "gradient descent keeps the component of w0 that its gradients "
                             "never change, not the other one",
    }


EXERCISES = [
    Exercise("ex-gen-vc", "10_generalisation", "Labellings beyond the VC dimension", "easy",
             "n_labellings", ("separable labellings of N points in R^d",),
             _guard(_number(_vc_count, _vc_data)),
             data=_vc_data, max_tries=4,
             forbid=("nntheory.separability", "nntheory.separability.cover_count",
                     "nntheory.separability.cover_C",
                     "nntheory.separability.count_separable_dichotomies",
                     "nntheory.separability.count_homogeneous_dichotomies",
                     "nntheory.separability.separate",
                     "nntheory.generalisation.halfspace_shatters"),
             mistakes=_vc_mistakes(),
             goal="count the labellings halfspaces realise beyond the VC dimension"),
    Exercise("ex-gen-vc-why", "10_generalisation", "Which two are missing?", "medium", "",
             (), None, kind="written",
             goal="explain a counting argument with Radon's theorem",
             needs_human="the explanation (the answer cell)",
             rubric="2 points in all. 1 point: names the two labellings no halfspace "
                    "realises, the Radon partition (I positive, J negative) and its negative, "
                    "and says why (the hulls of I and J meet, and a halfspace containing I "
                    "contains its hull). 1 point: why every other labelling is realised "
                    "(the partition is unique for points in general position, or Cover's "
                    "count 2(2^(d+1) - 1) = 2^(d+2) - 2). Half a point off for an argument "
                    "that needs the points to be in convex position."),
    Exercise("ex-gen-rademacher", "10_generalisation",
             "Rademacher complexity of three points", "medium", "rademacher_S",
             ("Rademacher complexity of three points",),
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
             goal="compute an empirical Rademacher complexity by enumerating signs"),
    Exercise("ex-gen-khintchine", "10_generalisation", "The lower bound for two points",
             "hard", "", (), None, kind="written",
             goal="prove the lower Khintchine–Kahane bound of the linear class for n = 2, "
                  "with its equality case",
             needs_human="the proof (the answer cell)",
             rubric="3 points in all. 1 point: reduces the complexity to the four sign "
                    "vectors, R = (B/2)(||x1 + x2|| + ||x1 - x2||)/2, with the supremum over "
                    "the ball computed (Cauchy–Schwarz, attained at w = Bv/||v||) and the "
                    "pairs (s, -s) giving equal norms. 1 point: the parallelogram law "
                    "||x1 + x2||^2 + ||x1 - x2||^2 = 2(||x1||^2 + ||x2||^2), and a + b >= "
                    "sqrt(a^2 + b^2) for a, b >= 0, which give the bound. 1 point: equality "
                    "exactly when ab = 0, i.e. x2 = x1 or x2 = -x1 (both directions said; "
                    "the zero vector case included or excluded explicitly). Usual wrong "
                    "proofs: Jensen's inequality (it gives the upper bound, not the lower); "
                    "checking orthogonal or equal points only (examples, not a proof); "
                    "claiming equality for orthogonal points (there the upper bound is "
                    "attained); dropping the supremum over w (no credit for the first "
                    "point)."),
    Exercise("ex-gen-ntk", "10_generalisation", "The tangent kernel of a leaky ReLU",
             "hard", "ntk_matrix", ("leaky-ReLU tangent kernel",),
             _guard(lambda answer: _checks.array_verdict(answer, _ntk_value(_ntk_data()),
                                                         rtol=1e-6, atol=1e-12)),
             data=_ntk_data,
             forbid=("nntheory.generalisation", "nntheory.generalisation.arccos_ntk",
                     "nntheory.generalisation.empirical_ntk",
                     "nntheory.generalisation.ntk_init", "nntheory.generalisation.ntk_forward",
                     "nntheory.generalisation.ntk_train", "scipy.integrate",
                     *(f"scipy.integrate.{f}" for f in ("quad", "dblquad", "tplquad", "nquad",
                                                        "quad_vec", "fixed_quad", "simpson",
                                                        "trapezoid", "romb", "cubature")),
                     "torch.autograd", "torch.func"),
             mistakes=_ntk_mistakes(),
             goal="derive the infinite-width tangent kernel of another activation"),
    Exercise("ex-gen-implicit", "10_generalisation", "Where gradient descent ends", "hard",
             "gd_limit", ("limit of gradient descent",),
             _imp_case(_imp_visible),
             hidden=(HiddenCase("random systems of other sizes", _imp_case(_imp_general)),
                     HiddenCase("a badly conditioned system", _imp_case(_imp_ill)),
                     HiddenCase("a start that already solves the system",
                                _imp_case(_imp_on_the_set))),
             data=_imp_data, kind="function", forbid=_IMP_FORBID,
             mistakes=_imp_mistakes(),
             goal="find the implicit bias of gradient descent from a non-zero start"),
]
