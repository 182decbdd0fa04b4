r"""Residual networks with the square activation, and the polynomial approximations
they are compared with.

**Residual square networks.** With :math:`g(t) = t^2`, no biases and a skip
connection around every layer,

.. math::

    F_0 = x, \qquad F_k = (w_k F_{k-1})^2 + F_{k-1} \quad (k = 1, \dots, n),

so :math:`F_n` is a polynomial of degree :math:`2^n`.
:func:`residual_square_coefficients` computes its coefficients *exactly*
(``fractions.Fraction``; every finite float is a rational number, so this is exact
for float weights too) and :func:`residual_square_polynomial` in floating point
(``numpy.polynomial.Polynomial``). :func:`residual_square_network` builds the same
function as an ``MLP([1, 1, ..., 1, 1], "square", skip=True)`` of either training
core, so the algebra can be checked against a forward pass, and
:func:`mlp_polynomial` reads the polynomial off any one-input square network
(biases, width and output layer included). :func:`horner_square_network` writes
any polynomial of degree :math:`d` as a square network of depth :math:`d` and
width 4, using :math:`hx = \tfrac14\bigl((h + x)^2 - (h - x)^2\bigr)`.

**Polynomial approximation on** :math:`[-1, 1]`. With the inner product
:math:`\langle f, g\rangle = \int_{-1}^{1} f g\,dx`,

* :func:`gram_schmidt_legendre` orthogonalises :math:`1, x, x^2, \dots` exactly
  (the Gram matrix :math:`\langle x^i, x^j\rangle = 2/(i + j + 1)` for even
  :math:`i + j`, else 0, is rational) and scales each result to :math:`P_k(1) = 1`:
  these are the Legendre polynomials;
* :func:`l2_projection_exact` is the exact best :math:`L^2` approximation of a
  polynomial with rational coefficients; :func:`l2_projection` the best
  :math:`L^2` approximation of any continuous ``f``, as a Legendre series
  :math:`\sum_j \frac{2j + 1}{2}\langle f, P_j\rangle P_j` with the inner products
  computed by Gauss–Legendre quadrature;
* :func:`chebyshev_interpolant` interpolates at Chebyshev points (second kind);
* :func:`taylor_polynomial` truncates a power series, e.g. the Runge function's
  :math:`1/(1 + 25x^2) = \sum_j (-25x^2)^j` (radius of convergence :math:`1/5`);
* :func:`l2_error` and :func:`sup_error` measure errors (quadrature, fine grid);
  :func:`runge_taylor_sup_error` is the exact sup error of the Runge Taylor
  polynomial, and :func:`geometric_rate` fits :math:`\rho` in
  :math:`\text{error} \approx C\rho^{-n}`.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable, Sequence
from fractions import Fraction

import numpy as np

from . import numpy_core
from .validation import (
    check_array,
    check_callable,
    check_choice,
    check_elements,
    check_flag,
    check_int,
    check_size,
)

__all__ = [
    "RUNGE_RHO",
    "residual_square_coefficients",
    "residual_square_polynomial",
    "residual_square_network",
    "mlp_polynomial",
    "horner_square_network",
    "monomial_inner",
    "gram_schmidt_legendre",
    "l2_norm_squared_exact",
    "l2_projection_exact",
    "l2_projection",
    "chebyshev_interpolant",
    "taylor_polynomial",
    "runge",
    "runge_taylor_coefficient",
    "runge_taylor_sup_error",
    "l2_error",
    "sup_error",
    "geometric_rate",
]

#: Parameter of the largest Bernstein ellipse on which ``1/(1 + 25 x^2)`` is analytic:
#: ``|z + sqrt(z^2 - 1)|`` at the poles ``z = +-i/5``, i.e. ``1/5 + sqrt(1 + 1/25)``.
RUNGE_RHO = 0.2 + math.sqrt(1.04)

Coefficients = tuple[Fraction, ...]

#: Size limits (see :func:`nntheory.validation.check_size`). Exact rational arithmetic
#: slows down with the bit length of the coefficients (a float weight has up to 106 bits
#: of numerator and denominator, and squaring doubles them at every layer), so the exact
#: routes are limited by the total bits of their result; the float routes by the degree.
MAX_EXACT_BITS = 4_000_000
MAX_FLOAT_DEGREE = 2 ** 16
MAX_GRAM_SCHMIDT_DEGREE = 60
MAX_QUADRATURE_NODES = 2000
MAX_CHEBYSHEV_DEGREE = 1000
MAX_TAYLOR_DEGREE = 10_000


# --------------------------------------------------------------------------- validation

def _check_weights(weights: object, name: str = "weights") -> list:
    if isinstance(weights, (str, bytes)) or not isinstance(weights, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a sequence of real numbers; got "
                        f"{type(weights).__name__}")
    out = []
    for i, w in enumerate(weights):
        if isinstance(w, np.generic):
            w = w.item()
        if isinstance(w, (bool, np.bool_)) or not isinstance(w, numbers.Real):
            raise TypeError(f"{name}[{i}] must be a real number; got {w!r}")
        if not isinstance(w, numbers.Rational) and not math.isfinite(float(w)):
            raise ValueError(f"{name}[{i}] must be finite; got {w!r}")
        out.append(w)
    return out


def _to_fraction(value: object, name: str) -> Fraction:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r}")
    if isinstance(value, numbers.Rational):
        return Fraction(value.numerator, value.denominator)
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value!r}")
    return Fraction(value)  # a finite float is a dyadic rational: exact


def _float(value: object, name: str) -> float:
    """A finite real (or rational) as a float; a value beyond float range is a ValueError."""
    try:
        out = float(value)  # type: ignore[arg-type]
    except OverflowError:
        raise ValueError(f"{name} is too large for a float64 (|value| > 1.8e308); "
                         f"use the exact route where there is one") from None
    if not math.isfinite(out):
        raise ValueError(f"{name} must be finite; got {value!r}")
    return out


def _finite_polynomial(p: np.polynomial.Polynomial, name: str) -> np.polynomial.Polynomial:
    if not np.all(np.isfinite(p.coef)):
        raise ValueError(f"{name}: the coefficients overflow float64 (they exceed 1.8e308); "
                         f"use the exact route")
    return p


def _exact_bits(values: Sequence[Fraction]) -> int:
    return max((v.numerator.bit_length() + v.denominator.bit_length() for v in values),
               default=1)


def _check_coefficients(coefficients: object, name: str = "coefficients") -> Coefficients:
    if isinstance(coefficients, np.polynomial.Polynomial):
        coefficients = list(coefficients.coef)
    if isinstance(coefficients, (str, bytes)) or not isinstance(coefficients,
                                                                (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a sequence of numbers c_0, c_1, ... (lowest degree "
                        f"first); got {type(coefficients).__name__}")
    if len(coefficients) == 0:
        raise ValueError(f"{name} must hold at least one coefficient")
    return tuple(_to_fraction(c, f"{name}[{i}]") for i, c in enumerate(coefficients))


def _check_core(core: object) -> object:
    if isinstance(core, str):
        name = check_choice(core, ("numpy", "torch"), "core")
        if name == "numpy":
            return numpy_core
        from . import torch_core  # imported only when asked for

        return torch_core
    if getattr(core, "MLP", None) is None or getattr(core, "fit", None) is None:
        raise TypeError(f"core must be 'numpy', 'torch' or one of the modules "
                        f"nntheory.numpy_core / nntheory.torch_core; got {core!r}")
    return core


# --------------------------------------------------------------------------- exact algebra

def _add(p: Sequence, q: Sequence) -> list:
    n = max(len(p), len(q))
    zero = Fraction(0)
    return [(p[i] if i < len(p) else zero) + (q[i] if i < len(q) else zero) for i in range(n)]


def _mul(p: Sequence, q: Sequence) -> list:
    out = [Fraction(0)] * (len(p) + len(q) - 1)
    for i, a in enumerate(p):
        if a:
            for j, b in enumerate(q):
                out[i + j] += a * b
    return out


def _scale(p: Sequence, c) -> list:
    return [c * a for a in p]


def _trim(p: Sequence) -> Coefficients:
    p = list(p)
    while len(p) > 1 and p[-1] == 0:
        p.pop()
    return tuple(p)


def _evaluate(p: Sequence, x):
    acc = Fraction(0) if isinstance(x, Fraction) else 0.0
    for c in reversed(p):
        acc = acc * x + c
    return acc


# --------------------------------------------------------------------------- residual nets

def residual_square_coefficients(weights) -> Coefficients:
    r"""Exact coefficients ``(c_0, ..., c_{2^n})`` of :math:`F_n` (lowest degree first).

    :math:`F_0 = x`, :math:`F_k = (w_k F_{k-1})^2 + F_{k-1}`. Weights may be
    integers, ``Fraction``\ s or floats (a float is converted exactly). The
    result has length :math:`2^n + 1`: :math:`c_0 = 0`, :math:`c_1 = 1`,
    :math:`c_2 = \sum_k w_k^2`, and for non-zero weights every
    :math:`c_1, \dots, c_{2^n}` is positive.
    """
    ws = [_to_fraction(w, f"weights[{i}]") for i, w in enumerate(_check_weights(weights))]
    n = check_size(len(ws), "weights", 20, "the polynomial has degree 2**len(weights)",
                   minimum=0, what="a length")
    bits = sum(2 ** (n - k) * _exact_bits([w]) for k, w in enumerate(ws))  # leading coef.
    check_size((2 ** n + 1) * bits, "weights", MAX_EXACT_BITS,
               "exact coefficients this large take minutes; use residual_square_polynomial",
               minimum=0, what="a result of about (2**n + 1) * (bits of the leading "
               "coefficient) bits")
    F = [Fraction(0), Fraction(1)]
    for w in ws:
        WF = _scale(F, w)
        F = _add(_mul(WF, WF), F)
    return tuple(F)


def residual_square_polynomial(weights) -> np.polynomial.Polynomial:
    """:math:`F_n` as a float ``numpy.polynomial.Polynomial``, by the same recursion in
    floating point (independent of the exact route, so the two can check each other)."""
    ws = [_float(w, f"weights[{i}]") for i, w in enumerate(_check_weights(weights))]
    check_size(2 ** min(len(ws), 64), "weights", MAX_FLOAT_DEGREE,
               "the polynomial has degree 2**len(weights)", minimum=1, what="a degree")
    F = np.polynomial.Polynomial([0.0, 1.0])
    for w in ws:
        F = (w * F) ** 2 + F
    return _finite_polynomial(F, "residual_square_polynomial(weights)")


def residual_square_network(weights, core="numpy"):
    """The network ``F_n`` as ``core.MLP([1] * (n + 1) + [1], "square", skip=True)``.

    Hidden layer ``k`` has weight ``w_k`` and bias 0, so with the cores' skip rule
    ``A_k = A_{k-1} + (w_k A_{k-1})^2`` it computes ``F_k``; the linear output
    layer has weight 1 and bias 0. ``core`` is ``"numpy"``, ``"torch"`` or the
    module itself.
    """
    ws = [_float(w, f"weights[{i}]") for i, w in enumerate(_check_weights(weights))]
    core = _check_core(core)
    n = check_size(len(ws), "weights", 10_000, "one hidden layer per weight",
                   minimum=0, what="a length")
    model = core.MLP([1] * (n + 1) + [1], "square", skip=True, init="normal", seed=0)
    if n and not all(model.skip[:n]):  # pragma: no cover - guards the cores' skip rule
        raise RuntimeError("the core's MLP did not put a skip around every hidden layer")
    params = []
    for w in ws:
        params += [np.array([[w]]), np.zeros(1)]
    params += [np.ones((1, 1)), np.zeros(1)]
    model.set_parameters(params)
    return model


def mlp_polynomial(model, *, exact: bool = False):
    r"""The polynomial computed by a one-input, one-output ``MLP`` with activation
    ``"square"`` (either core; any widths, biases, skips and output layer).

    Each unit is followed through the layers as a polynomial in :math:`x`:
    :math:`Z_l = A_{l-1}W_l + b_l`, :math:`A_l = Z_l^2` (plus :math:`A_{l-1}` on a
    skip). Returns a ``numpy.polynomial.Polynomial``, or with ``exact=True`` the
    exact coefficients (``Fraction``) of the network whose float parameters are
    read as the rationals they are.
    """
    exact = check_flag(exact, "exact")
    sizes = getattr(model, "sizes", None)
    if sizes is None or not hasattr(model, "get_parameters") or not hasattr(model, "skip"):
        raise TypeError(f"model must be an MLP of nntheory.numpy_core or torch_core; got "
                        f"{type(model).__name__}")
    if model.activation not in ("square", "identity"):
        raise ValueError(f"model must use the 'square' (or 'identity') activation to be a "
                         f"polynomial; got {model.activation!r}")
    if sizes[0] != 1 or sizes[-1] != 1:
        raise ValueError(f"model must have one input and one output; got sizes {list(sizes)}")
    params = model.get_parameters()
    # the degree doubles at every square layer; the work is one polynomial per weight
    degree, pairs = 1, 0
    for l in range(len(sizes) - 1):
        pairs += sizes[l] * sizes[l + 1]
        if l < len(sizes) - 2 and model.activation == "square":
            degree = min(degree * 2, 2 ** 64)
    check_size(pairs, "model", 200_000, "each weight costs a polynomial operation in Python",
               what="a number of weights")
    check_size(degree, "model", MAX_FLOAT_DEGREE, "the degree doubles at every square layer",
               what="a degree")
    if exact:
        bits = degree * _exact_bits([Fraction(float(v)) for v in
                                     np.concatenate([np.ravel(q) for q in params])])
        check_size(degree * bits * max(sizes), "model", MAX_EXACT_BITS,
                   "exact coefficients this large take minutes; use exact=False",
                   what="a result of about degree**2 * bits * width bits")
        conv = Fraction
        mul, add, scale = _mul, _add, _scale
        units = [[Fraction(0), Fraction(1)]]
    else:
        P = np.polynomial.Polynomial
        units = [P([0.0, 1.0])]
    L = len(sizes) - 1
    for l in range(L):
        W, b = params[2 * l], params[2 * l + 1]
        Z = []
        for j in range(sizes[l + 1]):
            if exact:
                z = [conv(float(b[j]))]
                for i, u in enumerate(units):
                    z = add(z, scale(u, conv(float(W[i, j]))))
            else:
                z = P([float(b[j])])
                for i, u in enumerate(units):
                    z = z + float(W[i, j]) * u
            Z.append(z)
        if l == L - 1:
            out = Z[0]
            break
        if model.activation == "square":
            A = [mul(z, z) if exact else z * z for z in Z]
        else:
            A = Z
        if model.skip[l]:
            A = [add(a, u) if exact else a + u for a, u in zip(A, units, strict=True)]
        units = A
    return _trim(out) if exact else _finite_polynomial(out, "mlp_polynomial(model)")


def horner_square_network(coefficients, core="numpy"):
    r"""A square-activation ``MLP([1, 4, ..., 4, 1])`` (``d`` hidden layers, no skips)
    that computes :math:`p(x) = \sum_{k=0}^{d} c_k x^k` by Horner's rule.

    Each layer carries :math:`(h + x)^2, (h - x)^2, (x + 1)^2, (x - 1)^2`; the next
    layer's affine map recovers :math:`hx = \tfrac14[(h + x)^2 - (h - x)^2]` and
    :math:`x = \tfrac14[(x + 1)^2 - (x - 1)^2]`, and adds the next coefficient:
    :math:`h \leftarrow hx + c_k`. So every polynomial of degree :math:`d \ge 1` is a
    square network of depth :math:`d` and width 4 (exactly, in exact arithmetic).
    """
    c = [_float(v, f"coefficients[{i}]") for i, v in
         enumerate(_check_coefficients(coefficients))]
    check_size(len(c) - 1, "coefficients", 10_000, "the network has one hidden layer per "
               "degree", minimum=0, what="a degree")
    if len(c) < 2:
        raise ValueError("coefficients must describe a polynomial of degree >= 1 "
                         "(at least two coefficients)")
    core = _check_core(core)
    d = len(c) - 1
    q = 0.25
    params = [np.array([[1.0, -1.0, 1.0, 1.0]]), np.array([c[d], c[d], 1.0, -1.0])]
    W = np.array([[q, q, 0.0, 0.0],
                  [-q, -q, 0.0, 0.0],
                  [q, -q, q, q],
                  [-q, q, -q, -q]])
    for k in range(d - 1, 0, -1):
        params += [W.copy(), np.array([c[k], c[k], 1.0, -1.0])]
    params += [np.array([[q], [-q], [0.0], [0.0]]), np.array([c[0]])]
    model = core.MLP([1] + [4] * d + [1], "square", skip=False, init="normal", seed=0)
    model.set_parameters(params)
    return model


# --------------------------------------------------------------------------- L2[-1, 1]

def monomial_inner(i: int, j: int) -> Fraction:
    r""":math:`\langle x^i, x^j\rangle = \int_{-1}^{1} x^{i+j}\,dx`: ``2/(i+j+1)`` or 0."""
    i = check_int(i, "i", minimum=0)
    j = check_int(j, "j", minimum=0)
    return Fraction(2, i + j + 1) if (i + j) % 2 == 0 else Fraction(0)


def _inner(p: Sequence, q: Sequence) -> Fraction:
    return sum((a * b * Fraction(2, i + j + 1) for i, a in enumerate(p) if a
                for j, b in enumerate(q) if b and (i + j) % 2 == 0), Fraction(0))


def l2_norm_squared_exact(coefficients) -> Fraction:
    r""":math:`\int_{-1}^{1} p(x)^2\,dx` exactly, for a polynomial with rational coefficients."""
    p = _check_coefficients(coefficients)
    check_size(len(p), "coefficients", 2000,
               "the exact norm costs len(coefficients)**2 rational operations",
               what="a length")
    return _inner(p, p)


def gram_schmidt_legendre(degree: int) -> list[Coefficients]:
    r"""Gram–Schmidt on :math:`1, x, \dots, x^{\text{degree}}` in :math:`L^2[-1, 1]`, exactly.

    :math:`Q_k = x^k - \sum_{j<k} \frac{\langle x^k, Q_j\rangle}{\langle Q_j, Q_j\rangle} Q_j`,
    then scaled to :math:`Q_k(1) = 1`. Returns the monomial coefficients (lowest
    first) of :math:`Q_0, \dots, Q_{\text{degree}}`, which are the Legendre
    polynomials :math:`P_k`.
    """
    return list(_gram_schmidt(check_size(
        degree, "degree", MAX_GRAM_SCHMIDT_DEGREE,
        "exact Gram-Schmidt costs O(degree**4) rational operations", minimum=0)))


@functools.lru_cache(maxsize=16)
def _gram_schmidt(degree: int) -> tuple[Coefficients, ...]:
    basis: list[list[Fraction]] = []
    norms: list[Fraction] = []
    for k in range(degree + 1):
        mono = [Fraction(0)] * k + [Fraction(1)]
        q = list(mono)
        for Qj, nj in zip(basis, norms, strict=True):
            q = _add(q, _scale(Qj, -_inner(mono, Qj) / nj))
        q = _scale(q, 1 / _evaluate(q, Fraction(1)))
        basis.append(q)
        norms.append(_inner(q, q))
    return tuple(tuple(q) for q in basis)


def _check_projection_cost(length: int, degree: int) -> None:
    check_size(length * (degree + 1) ** 2, "coefficients", 2_000_000,
               "each pair of terms costs a rational operation",
               what="len(coefficients) * (degree + 1)**2")


def l2_projection_exact(coefficients, degree: int) -> Coefficients:
    r"""The best :math:`L^2[-1, 1]` polynomial of degree :math:`\le` ``degree`` to the
    polynomial with (rational) ``coefficients``, exactly:
    :math:`\sum_{k \le n} \frac{\langle p, P_k\rangle}{\langle P_k, P_k\rangle} P_k`
    with the Gram–Schmidt basis of :func:`gram_schmidt_legendre`."""
    degree = check_size(degree, "degree", MAX_GRAM_SCHMIDT_DEGREE,
                        "exact Gram-Schmidt costs O(degree**4) rational operations", minimum=0)
    if hasattr(coefficients, "__len__"):  # before converting a million entries
        _check_projection_cost(len(coefficients), degree)
    p = _check_coefficients(coefficients)
    _check_projection_cost(len(p), degree)
    out: list[Fraction] = [Fraction(0)]
    for Pk in gram_schmidt_legendre(degree):
        out = _add(out, _scale(Pk, _inner(p, Pk) / _inner(Pk, Pk)))
    return tuple(out)


def _values(f: Callable, x: np.ndarray, name: str = "f") -> np.ndarray:
    y = np.asarray(f(x), dtype=np.float64)
    if y.shape != x.shape:
        y = y.reshape(-1)
        if y.shape != x.shape:
            raise ValueError(f"{name} must map an array of shape {x.shape} to values of the "
                             f"same shape; got {np.asarray(f(x)).shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError(f"{name} returned NaN or infinite values on [-1, 1]")
    return y


@functools.lru_cache(maxsize=32)
def _gauss_legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.legendre.leggauss(n)
    x.setflags(write=False)
    w.setflags(write=False)
    return x, w


def _quadrature(n_quad: object, minimum: int) -> tuple[np.ndarray, np.ndarray]:
    n = check_size(n_quad, "n_quad", MAX_QUADRATURE_NODES,
                   "Gauss-Legendre nodes solve an n x n eigenvalue problem (O(n**3))")
    check_size(minimum, "degree + 1", MAX_QUADRATURE_NODES,
               "the quadrature needs degree + 1 nodes, each an O(n**3) eigenvalue problem")
    return _gauss_legendre(max(n, minimum))


def l2_projection(f: Callable, degree: int, *, n_quad: int = 400) -> np.polynomial.Legendre:
    r"""The best :math:`L^2[-1, 1]` approximation of degree :math:`\le` ``degree`` to ``f``,
    :math:`\sum_{j\le n} \frac{2j+1}{2}\langle f, P_j\rangle P_j`, as a Legendre series.

    The inner products use Gauss–Legendre quadrature with
    ``max(n_quad, degree + 1)`` nodes (exact for polynomials ``f`` of degree below
    ``2 n_quad - degree``; for analytic ``f`` the error falls geometrically).
    """
    f = check_callable(f, "f")
    degree = check_size(degree, "degree", MAX_QUADRATURE_NODES - 1,
                        "the quadrature needs degree + 1 nodes (an O(n**3) eigenvalue "
                        "problem)", minimum=0)
    x, w = _quadrature(n_quad, degree + 1)
    fx = _values(f, x)
    V = np.polynomial.legendre.legvander(x, degree)
    c = (V * (w * fx)[:, None]).sum(axis=0) * (2 * np.arange(degree + 1) + 1) / 2
    return np.polynomial.Legendre(c)


def chebyshev_interpolant(f: Callable, degree: int) -> np.polynomial.Chebyshev:
    """The polynomial of degree ``degree`` interpolating ``f`` at the ``degree + 1``
    Chebyshev points of the second kind (Chebyshev extreme points),
    ``cos(k pi / degree)``, ``k = 0..degree`` (the point 0 for ``degree = 0``), the
    points of Trefethen's *Approximation Theory and Approximation Practice*."""
    f = check_callable(f, "f")
    degree = check_size(degree, "degree", MAX_CHEBYSHEV_DEGREE,
                        "the fit solves a (degree + 1)**2 least-squares problem (O(degree**3))",
                        minimum=0)
    nodes = (np.polynomial.chebyshev.chebpts2(degree + 1) if degree > 0
             else np.zeros(1))
    values = _values(f, nodes)  # named errors for bad f before numpy sees it
    coef = np.polynomial.chebyshev.chebfit(nodes, values, degree)
    return np.polynomial.Chebyshev(coef)


def taylor_polynomial(coefficient: Callable[[int], object], degree: int, *,
                      exact: bool = False):
    r"""The Taylor (Maclaurin) truncation :math:`\sum_{k\le n} a_k x^k` with
    :math:`a_k` = ``coefficient(k)``: a ``Polynomial``, or exact coefficients."""
    coefficient = check_callable(coefficient, "coefficient")
    degree = check_size(degree, "degree", MAX_TAYLOR_DEGREE,
                        "one coefficient(k) call per degree, whose values may be huge "
                        "integers", minimum=0)
    exact = check_flag(exact, "exact")
    coefs = [_to_fraction(coefficient(k), f"coefficient({k})") for k in range(degree + 1)]
    if exact:
        return tuple(coefs)
    return np.polynomial.Polynomial([_float(c, f"coefficient({k}) (degree={degree}; "
                                               f"exact=True keeps it)")
                                     for k, c in enumerate(coefs)])


def runge(x):
    r"""The Runge function :math:`1/(1 + 25x^2)`."""
    x = np.asarray(x, dtype=np.float64)
    return 1.0 / (1.0 + 25.0 * x * x)


def runge_taylor_coefficient(k: int) -> int:
    """The ``x^k`` coefficient of ``1/(1 + 25 x^2) = sum_j (-25 x^2)^j``."""
    k = check_size(k, "k", 10**6, "the coefficient has about 2.3 * k bits", minimum=0)
    return 0 if k % 2 else (-25) ** (k // 2)


def runge_taylor_sup_error(degree: int) -> Fraction:
    r"""The exact sup error on :math:`[-1, 1]` of the degree-``degree`` Taylor polynomial
    of the Runge function: with :math:`m = \lfloor n/2\rfloor` and :math:`t = 25x^2`,
    :math:`f - T_n = (-t)^{m+1}/(1 + t)`, whose modulus increases with :math:`t`,
    so the sup is :math:`25^{m+1}/26`, at :math:`x = \pm 1`."""
    degree = check_size(degree, "degree", 10 ** 6, "the result has about 2.3 * degree bits",
                        minimum=0)
    return Fraction(25 ** (degree // 2 + 1), 26)


def _as_callable(p: object, name: str) -> Callable:
    if callable(p):
        return p
    raise TypeError(f"{name} must be callable (a function or a numpy polynomial); "
                    f"got {type(p).__name__}")


def l2_error(f: Callable, p: Callable, *, n_quad: int = 400) -> float:
    r""":math:`\|f - p\|_{L^2[-1,1]} = \bigl(\int_{-1}^1 (f - p)^2 dx\bigr)^{1/2}`
    by Gauss–Legendre quadrature with ``n_quad`` nodes."""
    f = _as_callable(f, "f")
    p = _as_callable(p, "p")
    x, w = _quadrature(n_quad, 1)
    d = _values(f, x) - _values(p, x, "p")
    return float(math.sqrt(max(float(np.dot(w, d * d)), 0.0)))


def sup_error(f: Callable, p: Callable, *, n_grid: int = 20001) -> float:
    """``max |f - p|`` on ``n_grid`` equally spaced points of ``[-1, 1]`` (ends included)."""
    f = _as_callable(f, "f")
    p = _as_callable(p, "p")
    n = check_int(n_grid, "n_grid", minimum=2)
    check_elements(n, "n_grid")
    x = np.linspace(-1.0, 1.0, n)
    return float(np.max(np.abs(_values(f, x) - _values(p, x, "p"))))


def geometric_rate(ns, errors) -> float:
    r"""Fit :math:`\log(\text{error}) \approx a - n \log\rho` by least squares; return
    :math:`\rho` (> 1 for errors that fall geometrically)."""
    n = check_array(ns, "ns", ndim=1, min_size=2)
    e = check_array(errors, "errors", ndim=1, min_size=2)
    if n.shape != e.shape:
        raise ValueError(f"ns and errors must have the same length; got {n.size} and {e.size}")
    if np.any(e <= 0):
        raise ValueError("errors must be positive to fit a geometric rate")
    if np.ptp(n) == 0:
        raise ValueError("ns must not all be equal")
    slope = np.polyfit(n, np.log(e), 1)[0]
    return float(math.exp(-slope))
