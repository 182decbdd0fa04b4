r"""Test problems and rates for the optimisers of chapter 9.

* :class:`Quadratic` — :math:`f(x) = \tfrac12 (x - x^*)^\top A (x - x^*)` with a
  symmetric positive definite :math:`A` of spectrum in :math:`[\mu, L]`, and the
  rates of gradient descent (:func:`gd_rate`) and of the heavy ball
  (:func:`heavy_ball_tuning`, :func:`heavy_ball_rate`,
  :func:`heavy_ball_spectral_radius`) on it.
* :func:`rosenbrock` and :func:`rosenbrock_grad`, the banana-shaped valley.
* :class:`Washboard` — a one-dimensional :math:`L`-smooth non-convex function on
  which gradient descent with :math:`\eta = 1/L` keeps :math:`|f'| = g` for
  :math:`T` steps, so that the bound
  :math:`\min_t \|\nabla f(x_t)\|^2 \le 2(f_0 - f^*)/(\eta T)` is reached up to
  the factor :math:`T / (\tfrac32 T + 1)`.
* :func:`reddi_gradient` and :func:`reddi_regret` — the online linear problem of
  Reddi, Kale and Kumar (2018): :math:`f_t(x) = Cx` when :math:`t \bmod p = 1`,
  :math:`-x` otherwise, on :math:`[-1, 1]`.
* :func:`run_optimizer` — the iterates of one optimiser of either training core
  on a function given by its gradient, with an optional learning-rate schedule
  and projection, for trajectories and for the online problem.
* :func:`linear_mse_hessian` and :func:`elastic_net_prox` for the losses and
  regularisers of the chapter.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import common
from .validation import (
    check_array,
    check_callable,
    check_choice,
    check_elements,
    check_int,
    check_positive,
    check_real,
    check_size,
)

__all__ = [
    "Quadratic",
    "quadratic",
    "rotation",
    "gd_rate",
    "heavy_ball_tuning",
    "heavy_ball_rate",
    "heavy_ball_spectral_radius",
    "rosenbrock",
    "rosenbrock_grad",
    "Washboard",
    "reddi_gradient",
    "reddi_regret",
    "project_interval",
    "run_optimizer",
    "linear_mse_hessian",
    "elastic_net_prox",
    "ghadimi_lan_weights",
    "ghadimi_lan_bound",
]


# --------------------------------------------------------------------------- quadratics

@dataclass(frozen=True)
class Quadratic:
    r"""``f(x) = ½ (x − x*)ᵀ A (x − x*)``, gradient ``A (x − x*)``, minimum 0 at ``x*``.

    ``A = Q diag(eigenvalues) Qᵀ``; ``mu`` and ``L`` are the smallest and largest
    eigenvalues (strong convexity and smoothness constants), ``kappa = L / mu``.
    Column ``i`` of ``basis`` is the eigenvector of ``eigenvalues[i]``.
    """

    eigenvalues: np.ndarray
    basis: np.ndarray
    minimiser: np.ndarray

    @property
    def A(self) -> np.ndarray:
        return (self.basis * self.eigenvalues) @ self.basis.T

    @property
    def mu(self) -> float:
        return float(self.eigenvalues.min())

    @property
    def L(self) -> float:
        return float(self.eigenvalues.max())

    @property
    def kappa(self) -> float:
        return self.L / self.mu

    @property
    def dim(self) -> int:
        return self.eigenvalues.size

    def _x(self, x) -> np.ndarray:
        return check_array(x, "x", shape=(self.dim,))

    def value(self, x) -> float:
        d = self._x(x) - self.minimiser
        return 0.5 * float(d @ (self.A @ d))

    def grad(self, x) -> np.ndarray:
        return self.A @ (self._x(x) - self.minimiser)


def rotation(angle: float) -> np.ndarray:
    """The 2×2 rotation by ``angle`` radians (an orthogonal ``basis``)."""
    angle = check_real(angle, "angle")
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s], [s, c]])


def quadratic(eigenvalues, *, basis=None, minimiser=None) -> Quadratic:
    """The :class:`Quadratic` with these (positive) eigenvalues.

    ``basis``: an orthogonal matrix whose columns are the eigenvectors (default:
    the identity); ``minimiser``: ``x*`` (default: the origin).
    """
    lam = check_array(eigenvalues, "eigenvalues", ndim=1)
    if np.any(lam <= 0):
        raise ValueError("eigenvalues must all be > 0 (a strongly convex quadratic)")
    d = lam.size
    check_elements(d * d, "eigenvalues", what="a d x d matrix")
    Q = np.eye(d) if basis is None else check_array(basis, "basis", shape=(d, d))
    if not np.allclose(Q.T @ Q, np.eye(d), atol=1e-12):
        raise ValueError("basis must be an orthogonal matrix (QᵀQ = I)")
    xs = np.zeros(d) if minimiser is None else check_array(minimiser, "minimiser",
                                                           shape=(d,))
    return Quadratic(lam.copy(), Q.copy(), xs.copy())


def _mu_L(mu: float, L: float) -> tuple[float, float]:
    mu, L = check_positive(mu, "mu"), check_positive(L, "L")
    if mu > L:
        raise ValueError(f"mu must be <= L; got mu={mu}, L={L}")
    return mu, L


def gd_rate(mu: float, L: float, lr: float) -> float:
    r"""Gradient descent's contraction factor on a quadratic with spectrum in [mu, L].

    ``x_{t+1} − x* = (I − ηA)(x_t − x*)``, so the factor is the spectral norm
    :math:`\max(|1 - \eta\mu|, |1 - \eta L|)`; it is below 1 iff ``0 < lr < 2/L``,
    and equals ``1 − mu/L`` at ``lr = 1/L``.
    """
    mu, L = _mu_L(mu, L)
    lr = check_positive(lr, "lr")
    return max(abs(1.0 - lr * mu), abs(1.0 - lr * L))


def heavy_ball_tuning(mu: float, L: float) -> tuple[float, float]:
    r"""Polyak's tuned step and momentum: :math:`\alpha = 4/(\sqrt L + \sqrt\mu)^2`,
    :math:`\beta = \big((\sqrt\kappa - 1)/(\sqrt\kappa + 1)\big)^2`."""
    mu, L = _mu_L(mu, L)
    sk = math.sqrt(L / mu)
    return 4.0 / (math.sqrt(L) + math.sqrt(mu)) ** 2, ((sk - 1.0) / (sk + 1.0)) ** 2


def heavy_ball_rate(mu: float, L: float) -> float:
    r""":math:`(\sqrt\kappa - 1)/(\sqrt\kappa + 1)`, the tuned heavy ball's spectral radius."""
    mu, L = _mu_L(mu, L)
    sk = math.sqrt(L / mu)
    return (sk - 1.0) / (sk + 1.0)


def heavy_ball_spectral_radius(eigenvalues, lr: float, momentum: float) -> float:
    r"""Spectral radius of the heavy ball's iteration on a quadratic with these eigenvalues.

    ``x_{t+1} = x_t − α∇f(x_t) + β(x_t − x_{t−1})`` acts on each eigen-direction
    (eigenvalue λ) through ``[[1 + β − αλ, −β], [1, 0]]``, whose eigenvalues are
    the roots of :math:`z^2 - (1 + \beta - \alpha\lambda) z + \beta`; computed from
    that closed form (complex roots have modulus :math:`\sqrt\beta`), which is
    accurate where a numerical eigen-solver loses half the digits (double roots,
    as at the ends of the spectrum under Polyak's tuning).
    """
    lam = check_array(eigenvalues, "eigenvalues", ndim=1)
    lr = check_positive(lr, "lr")
    beta = check_real(momentum, "momentum", low=0.0)
    radius = 0.0
    for a in 1.0 + beta - lr * lam:
        disc = a * a - 4.0 * beta
        # a*a - 4 beta carries rounding errors of a few ulps of max(a*a, 4 beta): within
        # them the roots are treated as double (else sqrt turns 1e-16 into 1e-8)
        if disc <= 4.0 * np.finfo(float).eps * max(a * a, 4.0 * beta):
            r = math.sqrt(beta) if disc < 0.0 else abs(a) / 2.0
        else:
            r = (abs(a) + math.sqrt(disc)) / 2.0
        radius = max(radius, r)
    return radius


# --------------------------------------------------------------------------- Rosenbrock

def rosenbrock(x, a: float = 1.0, b: float = 100.0) -> float:
    """``(a − x₀)² + b (x₁ − x₀²)²``, minimum 0 at ``(a, a²)``."""
    x, a, b = _rosenbrock_args(x, a, b)
    with np.errstate(over="ignore", invalid="ignore"):
        value = float((a - x[0]) ** 2 + b * (x[1] - x[0] ** 2) ** 2)
    return _finite(value, "rosenbrock(x, a, b)")


def rosenbrock_grad(x, a: float = 1.0, b: float = 100.0) -> np.ndarray:
    """Gradient of :func:`rosenbrock`."""
    x, a, b = _rosenbrock_args(x, a, b)
    with np.errstate(over="ignore", invalid="ignore"):
        r = x[1] - x[0] ** 2
        g = np.array([-2.0 * (a - x[0]) - 4.0 * b * x[0] * r, 2.0 * b * r])
    return _finite(g, "rosenbrock_grad(x, a, b)")


def _rosenbrock_args(x, a, b) -> tuple[np.ndarray, float, float]:
    return check_array(x, "x", shape=(2,)), check_real(a, "a"), check_real(b, "b")


def _finite(value, what: str):
    if not np.all(np.isfinite(value)):
        raise ValueError(f"{what} overflows float64 (x, a or b too large)")
    return value


# --------------------------------------------------------------------------- washboard

class Washboard:
    r"""An :math:`L`-smooth function on which GD with :math:`\eta = 1/L` crawls.

    With step :math:`s = g/L`: :math:`f'(x) = -g` for :math:`x < 0`; on each cell
    :math:`[ks, (k+1)s)`, :math:`k < T`, :math:`f''` is :math:`+L` on the first half
    and :math:`-L` on the second, so :math:`f'` runs :math:`-g \to -g/2 \to -g`;
    on :math:`[Ts, (T+1)s]`, :math:`f'' = L` until :math:`f' = 0`, then :math:`f`
    is constant. :math:`f'` is continuous and :math:`L`-Lipschitz. From
    :math:`x_0 = 0`, GD with step :math:`1/L` visits :math:`x_t = ts`, where
    :math:`f'(x_t) = -g`; each cell lowers :math:`f` by :math:`\tfrac34 g^2/L`, the
    last by :math:`\tfrac12 g^2/L`, so :math:`f(0) - f^* = (\tfrac34 T + \tfrac12)
    g^2/L` and :math:`\min_{t<T} f'(x_t)^2 = g^2 = \frac{T}{\frac32 T + 1}
    \cdot \frac{2(f_0 - f^*)}{\eta T}`.
    """

    def __init__(self, T: int, L: float = 1.0, g: float = 1.0):
        self.T = check_int(T, "T", minimum=1)
        self.L = check_positive(L, "L")
        self.g = check_positive(g, "g")
        self.s = self.g / self.L
        self.f_star = -(0.75 * self.T + 0.5) * self.g * self.s

    def _parts(self, x: float) -> tuple[float, float]:
        g, L, s, T = self.g, self.L, self.s, self.T
        if x < 0.0:
            return -g * x, -g
        k = min(int(x // s), T)
        r = x - k * s
        base = -0.75 * g * s * k
        if k == T:                          # the final basin, then flat
            r = min(r, s)
            return base - g * r + 0.5 * L * r * r, -g + L * r
        if r < s / 2:
            return base - g * r + 0.5 * L * r * r, -g + L * r
        h = s / 2                           # value at the middle of the cell, then -L
        mid = base - g * h + 0.5 * L * h * h
        u = r - h
        return mid + (-g / 2) * u - 0.5 * L * u * u, -g / 2 - L * u

    def value(self, x) -> float:
        return self._parts(check_real(x, "x"))[0]

    def grad(self, x) -> float:
        return self._parts(check_real(x, "x"))[1]


# --------------------------------------------------------------------------- Reddi et al.

def reddi_gradient(t: int, C: float, period: int = 3) -> float:
    r"""Gradient of :math:`f_t(x) = Cx` if :math:`t \bmod p = 1`, else :math:`-x` (t ≥ 1).

    With ``period = 3`` and ``C > 2`` this is the problem of Reddi, Kale and Kumar
    (2018, Theorem 1); over one period the losses add up to :math:`(C - p + 1)x`,
    so for ``C > period - 1`` the best fixed point of ``[-1, 1]`` is ``x = -1``.
    """
    t = check_int(t, "t", minimum=1)
    C = check_positive(C, "C")
    period = check_int(period, "period", minimum=2)
    return C if t % period == 1 % period else -1.0


def reddi_regret(iterates, C: float, period: int = 3) -> np.ndarray:
    r"""Average regret :math:`R_T/T = \frac1T\sum_{t\le T} f_t(x_t) - f_t(-1)`, for each T.

    ``iterates[t-1]`` is :math:`x_t`, the point played at step ``t`` (where the loss
    :math:`f_t` is evaluated, before the step that uses its gradient). For the output
    ``out`` of :func:`run_optimizer`, which evaluates step ``t``'s gradient at
    ``out[t-1]``, pass ``out[:-1]``. Requires ``C > period - 1`` (so that ``-1`` is the
    best fixed point).
    """
    x = check_array(iterates, "iterates").reshape(-1)
    C = check_positive(C, "C")
    period = check_int(period, "period", minimum=2)
    if C <= period - 1:
        raise ValueError(f"C must exceed period - 1 = {period - 1} (best point -1)")
    grads = np.array([reddi_gradient(t, C, period) for t in range(1, x.size + 1)])
    losses = grads * (x + 1.0)
    return np.cumsum(losses) / np.arange(1, x.size + 1)


def project_interval(low: float, high: float) -> Callable[[np.ndarray], np.ndarray]:
    """The Euclidean projection onto the box ``[low, high]^d`` (a clip)."""
    low, high = check_real(low, "low"), check_real(high, "high")
    if low > high:
        raise ValueError(f"low must be <= high; got {low} > {high}")
    return lambda x: np.clip(x, low, high)


# --------------------------------------------------------------------------- trajectories

def run_optimizer(name: str, gradient, x0, *, lr: float, steps: int, core: str = "numpy",
                  lr_schedule=None, project=None, **options) -> np.ndarray:
    r"""Iterates :math:`x_0, \dots, x_T` of a core's optimiser on one parameter vector.

    At step ``t = 1, ..., steps`` the optimiser receives ``gradient(t, x)`` (a
    float64 array of ``x``'s shape, or a number when ``x`` has one entry) at the
    current point, sets its learning rate to ``lr_schedule(t)`` when a schedule is
    given (else keeps ``lr``), takes one step (``core="numpy"``: the NumPy core's
    class; ``"torch"``: ``torch.optim``'s, in float64 on the CPU), and then replaces
    ``x`` by ``project(x)`` when a projection is given. ``options`` go to the
    optimiser (``momentum=0.9``, ``betas=(0.9, 0.99)``, ``amsgrad=True``, ...).
    Returns an array of shape ``(steps + 1, d)``.
    """
    name = common.check_optimizer(name, "optimizer name")
    check_callable(gradient, "gradient")
    x = check_array(x0, "x0", ndim=(0, 1)).reshape(-1).copy()
    lr = check_positive(lr, "lr")
    steps = check_size(steps, "steps", 1_000_000, "each step is a Python-level optimiser "
                       "call (a million take minutes)", minimum=0)
    core = check_choice(core, ("numpy", "torch"), "core")
    if lr_schedule is not None:
        check_callable(lr_schedule, "lr_schedule")
    if project is not None:
        check_callable(project, "project")
    check_elements((steps + 1) * x.size, "steps", what="an array of iterates")
    out = np.empty((steps + 1, x.size))
    out[0] = x
    if core == "numpy":
        from . import numpy_core as core_mod
        opt = core_mod.make_optimizer(name, [x], lr, **options)
    else:
        import torch

        from . import torch_core as core_mod
        xt = torch.tensor(x, dtype=torch.float64)
        opt = core_mod.make_optimizer(name, [xt], lr, **options)
    for t in range(1, steps + 1):
        here = x if core == "numpy" else xt.numpy().copy()
        g = check_array(gradient(t, here.copy()), "gradient(t, x)", finite=False).reshape(-1)
        if not np.all(np.isfinite(g)):
            raise common.DivergenceError(f"{name}: the gradient at step {t} is not finite "
                                         "(the iterates ran away): try a smaller lr")
        if g.shape != x.shape:
            raise ValueError(f"gradient(t, x) must have {x.size} entries; got {g.size}")
        if lr_schedule is not None:
            lr_t = check_positive(lr_schedule(t), "lr_schedule(t)")
            if core == "numpy":
                opt.lr = lr_t
            else:
                for group in opt.param_groups:
                    group["lr"] = lr_t
        if core == "numpy":
            with np.errstate(over="ignore", invalid="ignore"):
                opt.step([g])
            if project is not None:
                x[...] = _projected(project, x)
            out[t] = x
        else:
            xt.grad = torch.tensor(g, dtype=torch.float64)
            opt.step()
            with torch.no_grad():
                if project is not None:
                    xt.copy_(torch.as_tensor(_projected(project, xt.numpy())))
            out[t] = xt.numpy()
        if not np.all(np.isfinite(out[t])):
            raise common.DivergenceError(
                f"{name} diverged at step {t} (non-finite iterate): try a smaller lr")
    return out


def _projected(project: Callable, x: np.ndarray) -> np.ndarray:
    """``project(x)``, checked to be a point of ``x``'s shape (a scalar would broadcast)."""
    p = check_array(project(x.copy()), "project(x)", finite=False)
    if p.shape != x.shape and not (p.size == x.size and p.ndim <= 1 and x.ndim <= 1):
        raise ValueError(f"project(x) must return a point of x's shape {x.shape}; "
                         f"got shape {p.shape}")
    return p.reshape(x.shape)


# --------------------------------------------------------------------------- losses

def linear_mse_hessian(X) -> np.ndarray:
    r"""Hessian of the cores' MSE of a linear model, in its parameters ``(w, b)``.

    For one output, :math:`\mathcal L(w, b) = \frac1n\sum_i (x_i^\top w + b - y_i)^2`
    has the constant Hessian :math:`\frac2n Z^\top Z` with :math:`Z = [X, \mathbf 1]`;
    its largest eigenvalue is the smoothness constant L, so full-batch gradient
    descent converges iff ``lr < 2 / L``.
    """
    X = check_array(X, "X", ndim=2)
    check_elements((X.shape[1] + 1) ** 2, "X", what="a Hessian (d + 1) x (d + 1)")
    Z = np.hstack([X, np.ones((X.shape[0], 1))])
    return 2.0 / X.shape[0] * (Z.T @ Z)


def elastic_net_prox(z, lam: float, alpha: float):
    r"""Minimiser of :math:`\tfrac12(\theta - z)^2 + \lambda\big(\alpha|\theta|
    + \tfrac{1-\alpha}{2}\theta^2\big)`, entrywise.

    It is :math:`S_{\lambda\alpha}(z) / (1 + \lambda(1 - \alpha))` with the soft
    threshold :math:`S_c(z) = \operatorname{sign}(z)\max(|z| - c, 0)`: ``alpha = 1``
    is the lasso (exact zeros for :math:`|z| \le \lambda`), ``alpha = 0`` ridge
    (shrinks by :math:`1/(1+\lambda)`, never to zero).
    """
    z = check_array(z, "z", ndim=(0, 1))
    lam = check_real(lam, "lam", low=0.0)
    alpha = check_real(alpha, "alpha", low=0.0, high=1.0)
    soft = np.sign(z) * np.maximum(np.abs(z) - lam * alpha, 0.0)
    return soft / (1.0 + lam * (1.0 - alpha))


# --------------------------------------------------------------------------- stochastic, non-convex

def _gl_steps(lrs, L: float) -> tuple[np.ndarray, float]:
    L = check_positive(L, "L")
    lrs = check_array(lrs, "lrs", ndim=1)
    if lrs.size == 0 or np.any(lrs <= 0) or np.any(lrs >= 2.0 / L):
        raise ValueError(f"lrs must be a non-empty array of steps in (0, 2/L) = (0, {2.0 / L:g})")
    return lrs, L


def ghadimi_lan_weights(lrs, L: float) -> np.ndarray:
    r"""The law of the randomized output :math:`R` of Ghadimi and Lan's RSG method.

    :math:`P(R = k) = (2\gamma_k - L\gamma_k^2) / \sum_j (2\gamma_j - L\gamma_j^2)`,
    ``k = 1, ..., N`` (entry ``k - 1``), for steps :math:`0 < \gamma_k < 2/L`
    (Ghadimi and Lan 2013, Theorem 2.1). Constant steps give the uniform law.
    """
    lrs, L = _gl_steps(lrs, L)
    w = 2.0 * lrs - L * lrs ** 2
    return w / w.sum()


def ghadimi_lan_bound(gap: float, L: float, sigma2: float, lrs) -> float:
    r"""Ghadimi and Lan's bound on :math:`E\|\nabla f(x_R)\|^2` (their Theorem 2.1).

    For :math:`f` with :math:`L`-Lipschitz gradient, :math:`f(x_1) - f^* \le` ``gap``,
    stochastic gradients :math:`G_k` with :math:`E[G_k \mid x_k] = \nabla f(x_k)` and
    :math:`E\|G_k - \nabla f(x_k)\|^2 \le` ``sigma2``, SGD
    :math:`x_{k+1} = x_k - \gamma_k G_k` and :math:`R` drawn by
    :func:`ghadimi_lan_weights`:

    .. math::

        E\|\nabla f(x_R)\|^2 \le \frac{2(f(x_1) - f^*) + L\sigma^2\sum_k \gamma_k^2}
        {\sum_k (2\gamma_k - L\gamma_k^2)}.

    The descent lemma is an equality for :math:`f = \tfrac L2\|x\|^2` with noise
    independent of the iterate, and there the bound exceeds the truth by exactly
    :math:`2E[f(x_{N+1}) - f^*] / \sum_k (2\gamma_k - L\gamma_k^2)`.
    """
    lrs, L = _gl_steps(lrs, L)
    gap = check_real(gap, "gap", low=0.0)
    sigma2 = check_real(sigma2, "sigma2", low=0.0)
    return float((2.0 * gap + L * sigma2 * np.sum(lrs ** 2)) / np.sum(2.0 * lrs - L * lrs ** 2))

