r"""Activation functions and initialisation: signal propagation, vanishing gradients,
dying ReLUs and the variances of Glorot-Bengio (Xavier) and He.

Notation: a network of ``L`` hidden layers, ``a_0 = x``,

.. math::

    z_l = a_{l-1} W_l + b_l, \qquad a_l = \phi(z_l), \qquad l = 1, \dots, L,

with ``W_l`` of shape ``(n_{l-1}, n_l)`` (the layout of both training cores).
The *signal* of layer ``l`` is the mean square of its pre-activations,
``q_l = |z_l|^2 / n_l``; the *gradient* of layer ``l`` is the mean square of
``\partial \ell / \partial a_l`` for a loss ``\ell`` whose gradient at the last
hidden layer is given.

* :func:`weight_variance`, :func:`bias_variance`, :func:`sample_parameters`: the
  four initialisations of :func:`nntheory.common.init_parameters`, drawn for many
  networks at once.
* :func:`second_moment`, :func:`mean_field`: ``E[phi(sqrt(q) g)^2]`` for a standard
  normal ``g`` and the infinite-width recursion of ``q_l``.
* :func:`propagate`, :func:`signal_propagation`: forward and backward passes of many
  networks at once, recording ``q_l``, the gradient, the mean ``|phi'|`` and the
  correlation of two inputs per layer (``gain`` rescales the weights).
* :func:`relu_log_signal_moments`: the exact mean and variance of ``log q_L`` for a
  ReLU network with He initialisation at finite width.
* :func:`jacobian_norms`: ``||\partial a_L / \partial a_l||_2`` per layer and the
  product bound ``\prod_j ||W_j||_2 \sup|\phi'|``.
* :func:`first_dead_layer`, :func:`dead_units`: dying ReLUs.
* :func:`derivative_sup`, :func:`activation_minimum`, :func:`max_abs_difference`,
  :func:`tanh_to_sigmoid`: facts about the activations themselves.

Only the public API of :mod:`nntheory.numpy_core` (``activation``,
``activation_derivative``) is used for the activations, so these functions and the
training cores compute the same ``phi`` and ``phi'``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize, special, stats

from . import common, numpy_core
from .validation import (
    check_array,
    check_elements,
    check_flag,
    check_int,
    check_positive,
    check_real,
    check_seed,
    check_size,
)

__all__ = [
    "weight_variance",
    "bias_variance",
    "sample_parameters",
    "second_moment",
    "mean_field",
    "Propagation",
    "propagate",
    "signal_propagation",
    "relu_log_signal_moments",
    "jacobian_norms",
    "first_dead_layer",
    "dead_units",
    "derivative_sup",
    "activation_minimum",
    "max_abs_difference",
    "tanh_to_sigmoid",
    "signal_fixed_point",
    "correlation_map",
    "DepthScales",
    "depth_scales",
    "CorrelationScale",
    "correlation_depth_scale",
    "RELU_TANH_GRADIENT_BLOCKS",
]

_SMOOTH_NONMONOTONE = ("silu", "gelu", "gelu_tanh")


# --------------------------------------------------------------------------- the variances

def weight_variance(init: str, n_in: int, n_out: int) -> float:
    r"""``Var(W_ij)`` of the initialisation ``init`` for a layer ``n_in -> n_out``.

    ``"he"``: :math:`2/n_{in}`; ``"xavier"``: :math:`2/(n_{in} + n_{out})`;
    ``"normal"``: 1; ``"torch"``: :math:`1/(3 n_{in})`, the variance of
    :math:`U(-1/\sqrt{n_{in}}, 1/\sqrt{n_{in}})` (``torch.nn.Linear``'s default).
    """
    init = common.check_init(init)
    n_in = check_int(n_in, "n_in", minimum=1)
    n_out = check_int(n_out, "n_out", minimum=1)
    return {"he": 2.0 / n_in, "xavier": 2.0 / (n_in + n_out), "normal": 1.0,
            "torch": 1.0 / (3.0 * n_in)}[init]


def bias_variance(init: str, n_in: int) -> float:
    """``Var(b_i)``: 0 except for ``"torch"`` (``U(±1/sqrt(n_in))``, variance ``1/(3 n_in)``)."""
    init = common.check_init(init)
    n_in = check_int(n_in, "n_in", minimum=1)
    return 1.0 / (3.0 * n_in) if init == "torch" else 0.0


def sample_parameters(init: str, sizes, n_nets: int, seed: int | None = None
                      ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Parameters of ``n_nets`` independent networks drawn as ``common.init_parameters``.

    Returns ``(weights, biases)``: ``weights[l]`` of shape ``(n_nets, n_l, n_{l+1})`` and
    ``biases[l]`` of shape ``(n_nets, n_{l+1})``. The distributions are those of
    :func:`nntheory.common.init_parameters` (normal for he/xavier/normal with zero
    biases, uniform on ``±1/sqrt(n_in)`` for torch); the draws are not the same numbers.
    """
    init = common.check_init(init)
    sizes = common.check_sizes(sizes)
    n_nets = check_int(n_nets, "n_nets", minimum=1)
    check_elements(n_nets * max(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)),
                   "n_nets and sizes", what="a stack of weight matrices")
    rng = np.random.default_rng(check_seed(seed))
    weights, biases = [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        if init == "torch":
            bound = 1.0 / math.sqrt(n_in)
            weights.append(rng.uniform(-bound, bound, size=(n_nets, n_in, n_out)))
            biases.append(rng.uniform(-bound, bound, size=(n_nets, n_out)))
        else:
            std = math.sqrt(weight_variance(init, n_in, n_out))
            weights.append(std * rng.standard_normal((n_nets, n_in, n_out)))
            biases.append(np.zeros((n_nets, n_out)))
    return weights, biases


# --------------------------------------------------------------------------- mean field

def _gaussian_expectation(fn, q: float) -> float:
    """``E[fn(sqrt(q) g)]`` for ``g ~ N(0, 1)``, split at 0 (where ReLUs have kinks)."""
    s = math.sqrt(q)

    def integrand(t):
        return float(fn(np.array([s * t]))[0]) * math.exp(-0.5 * t * t) / math.sqrt(2 * math.pi)

    lo, _ = integrate.quad(integrand, -40.0, 0.0, limit=200, epsabs=1e-13, epsrel=1e-12)
    hi, _ = integrate.quad(integrand, 0.0, 40.0, limit=200, epsabs=1e-13, epsrel=1e-12)
    return lo + hi


@functools.lru_cache(maxsize=4096)
def _second_moment(name: str, q: float, derivative: bool) -> float:
    f = numpy_core.activation_derivative if derivative else numpy_core.activation
    return _gaussian_expectation(lambda z: f(name, z) ** 2, q)


def second_moment(activation: str, q: float = 1.0, *, derivative: bool = False) -> float:
    r"""``E[phi(sqrt(q) g)^2]`` (or ``E[phi'(sqrt(q) g)^2]``), ``g`` standard normal.

    For ReLU, ``E[relu(sqrt(q) g)^2] = q/2`` (half the mass is cut off), which is why
    He's variance carries a factor 2.
    """
    name = common.check_activation(activation)
    q = check_positive(q, "q")
    derivative = check_flag(derivative, "derivative")
    return _second_moment(name, q, derivative)


def mean_field(activation: str, init: str, width: int, depth: int, q0: float = 1.0,
               *, gain: float = 1.0) -> np.ndarray:
    r"""The infinite-width recursion of the signal ``q_l``, ``l = 0, ..., depth``.

    For layers of width ``n`` and an input with mean square ``q_0``:
    :math:`q_1 = n\,\mathrm{Var}(W)\, q_0 + \mathrm{Var}(b)` and
    :math:`q_l = n\,\mathrm{Var}(W)\, E[\phi(\sqrt{q_{l-1}} g)^2] + \mathrm{Var}(b)`,
    where ``gain`` multiplies the weights (so ``Var(W)`` by ``gain**2``), not the biases.
    For ReLU with zero biases this is the *exact* expectation at every finite width
    (conditional on the input); for other activations it is the large-width limit.
    """
    name = common.check_activation(activation)
    init = common.check_init(init)
    width = check_int(width, "width", minimum=1)
    depth = check_int(depth, "depth", minimum=1)
    q0 = check_positive(q0, "q0")
    gain = check_positive(gain, "gain")
    nv = width * weight_variance(init, width, width) * gain ** 2
    vb = bias_variance(init, width)
    q = [q0, nv * q0 + vb]
    for _ in range(depth - 1):
        if not math.isfinite(q[-1]) or q[-1] > 1e300:
            raise ValueError(f"the signal overflows float64 before layer depth={depth} "
                             f"(q0={q0:g}); use a smaller q0, fewer layers or a smaller "
                             "initialisation")
        q.append(nv * _second_moment(name, q[-1], False) + vb)
    if not math.isfinite(q[-1]):
        raise ValueError(f"the signal overflows float64 by layer depth={depth} (q0={q0:g}); "
                         "use a smaller q0, fewer layers or a smaller initialisation")
    return np.array(q)


# --------------------------------------------------------------------------- propagation

@dataclass(frozen=True)
class Propagation:
    """Per-layer statistics of a batch of networks.

    ``signal[:, l]``: mean square of ``z_l`` over units and inputs (``l = 1..L``), with
    ``signal[:, 0]`` the mean square of the input; ``gradient[:, l]``: mean square of
    ``dloss/da_l`` (``l = 0..L``, ``gradient[:, L]`` the one fed in);
    ``active[:, l]``: fraction of units of layer ``l`` with ``phi'(z) != 0`` (1 at l=0);
    ``slope[:, l]``: mean of ``|phi'(z_l)|`` over units and inputs (1 at l=0);
    ``correlation[:, l]``: cosine of the angle between ``z_l`` of the first two inputs
    (``l = 0``: the inputs themselves), or ``None`` with a single input.
    Each array has shape ``(n_nets, L + 1)``.
    """

    activation: str
    signal: np.ndarray
    gradient: np.ndarray
    active: np.ndarray
    slope: np.ndarray | None = None
    correlation: np.ndarray | None = None

    @property
    def depth(self) -> int:
        return self.signal.shape[1] - 1


def _check_stack(weights, biases, X, out_grad):
    if not isinstance(weights, (list, tuple)) or not weights:
        raise TypeError("weights must be a non-empty list of arrays (n_nets, n_in, n_out)")
    if not isinstance(biases, (list, tuple)) or len(biases) != len(weights):
        raise TypeError("biases must be a list with one array per weight matrix")
    Ws = [check_array(W, f"weights[{l}]", ndim=3) for l, W in enumerate(weights)]
    k = Ws[0].shape[0]
    bs = []
    for l, (W, b) in enumerate(zip(Ws, biases, strict=True)):
        b = check_array(b, f"biases[{l}]", ndim=2)
        if W.shape[0] != k or b.shape != (k, W.shape[2]):
            raise ValueError(f"biases[{l}] must have shape {(k, W.shape[2])} and weights[{l}] "
                             f"{k} networks; got {b.shape} and {W.shape}")
        if l and W.shape[1] != Ws[l - 1].shape[2]:
            raise ValueError(f"weights[{l}] takes {W.shape[1]} inputs but layer {l} has "
                             f"{Ws[l - 1].shape[2]} units")
        bs.append(b)
    X = check_array(X, "X", ndim=3)
    if X.shape[0] != k or X.shape[2] != Ws[0].shape[1]:
        raise ValueError(f"X must have shape ({k}, n_samples, {Ws[0].shape[1]}); got {X.shape}")
    check_elements(k * X.shape[1] * max(W.shape[2] for W in Ws) * (len(Ws) + 1), "X and weights",
                   what="the activations of every layer")
    G = check_array(out_grad, "out_grad", ndim=3)
    if G.shape != (k, X.shape[1], Ws[-1].shape[2]):
        raise ValueError(f"out_grad must have shape {(k, X.shape[1], Ws[-1].shape[2])}; "
                         f"got {G.shape}")
    return Ws, bs, X, G


def propagate(weights, biases, X, activation: str, out_grad) -> Propagation:
    r"""Forward and backward passes of ``n_nets`` networks at once.

    ``weights[l]``: ``(n_nets, n_l, n_{l+1})``, ``biases[l]``: ``(n_nets, n_{l+1})``,
    ``X``: ``(n_nets, n_samples, n_0)``, ``out_grad``: ``(n_nets, n_samples, n_L)``, the
    gradient of the loss with respect to the last hidden layer's output ``a_L``.
    Backward: :math:`\partial\ell/\partial a_{l-1} = (\partial\ell/\partial a_l \odot
    \phi'(z_l))\, W_l^\top`. Every layer applies ``activation`` (no output layer).
    """
    name = common.check_activation(activation)
    Ws, bs, X, G = _check_stack(weights, biases, X, out_grad)
    k, L = X.shape[0], len(Ws)
    signal, gradient, active, slope = (np.empty((k, L + 1)) for _ in range(4))
    signal[:, 0] = np.mean(X ** 2, axis=(1, 2))
    active[:, 0] = slope[:, 0] = 1.0
    correlation = np.empty((k, L + 1)) if X.shape[1] >= 2 else None
    if correlation is not None:
        correlation[:, 0] = _cosine(X)
    derivs = []
    A = X
    for l, (W, b) in enumerate(zip(Ws, bs, strict=True), start=1):
        with np.errstate(over="ignore", invalid="ignore"):
            Z = np.matmul(A, W) + b[:, None, :]
            signal[:, l] = np.mean(Z ** 2, axis=(1, 2))
        if not np.all(np.isfinite(signal[:, l])) or signal[:, l].max() > 1e150:
            raise ValueError(f"the signal overflows float64 at layer {l} of {L} (depth); "
                             "use fewer layers or a smaller initialisation")
        if correlation is not None:
            correlation[:, l] = _cosine(Z)
        d = numpy_core.activation_derivative(name, Z)
        active[:, l] = np.mean(d != 0.0, axis=(1, 2))
        slope[:, l] = np.mean(np.abs(d), axis=(1, 2))
        derivs.append(d)
        A = numpy_core.activation(name, Z)
    gradient[:, L] = np.mean(G ** 2, axis=(1, 2))
    for l in range(L, 0, -1):
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            G = np.matmul(G * derivs[l - 1], np.swapaxes(Ws[l - 1], 1, 2))
            gradient[:, l - 1] = np.mean(G ** 2, axis=(1, 2))
        if not np.all(np.isfinite(gradient[:, l - 1])):
            raise ValueError(f"the gradient overflows float64 at layer {l - 1} (depth "
                             f"{L}); use fewer layers or a smaller initialisation")
    return Propagation(name, signal, gradient, active, slope, correlation)


def _cosine(Z: np.ndarray) -> np.ndarray:
    """Cosine between rows 0 and 1 of each ``Z[k]``; 0 where either row is zero."""
    u, v = Z[:, 0, :], Z[:, 1, :]
    nu, nv = np.linalg.norm(u, axis=1), np.linalg.norm(v, axis=1)
    dot = np.sum(u * v, axis=1)
    ok = (nu > 0) & (nv > 0)
    return np.where(ok, dot / np.where(ok, nu * nv, 1.0), 0.0)


def signal_propagation(activation: str, init: str, width: int, depth: int, *,
                       n_nets: int = 100, n_samples: int = 1, seed: int | None = 0,
                       gain: float = 1.0) -> Propagation:
    """:func:`propagate` through ``n_nets`` random networks of ``depth`` layers of ``width``.

    Each network gets its own inputs, scaled so that every input row has mean square
    exactly 1 (``|x|^2 = width``), and a standard normal ``out_grad``. ``gain``
    multiplies every weight (not the biases): ``gain**2`` times the variance of ``init``.
    """
    gain = check_positive(gain, "gain")
    width = check_int(width, "width", minimum=1)
    depth = check_size(depth, "depth", common.MAX_LAYERS, "one weight array per layer")
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    n_nets = check_int(n_nets, "n_nets", minimum=1)
    check_elements(n_nets * max(n_samples, width) * width, "n_nets",
                   what="a layer's weights or activations (n_nets x width x width)")
    rng = np.random.default_rng(check_seed(seed))
    weights, biases = sample_parameters(init, [width] * (depth + 1), n_nets,
                                        seed=int(rng.integers(2 ** 63)))
    if gain != 1.0:
        weights = [gain * W for W in weights]
    X = rng.standard_normal((n_nets, n_samples, width))
    X *= math.sqrt(width) / np.linalg.norm(X, axis=2, keepdims=True)
    G = rng.standard_normal((n_nets, n_samples, width))
    return propagate(weights, biases, X, activation, G)


def relu_log_signal_moments(width: int, depth: int) -> tuple[float, float]:
    r"""Exact mean and variance of :math:`\log q_L` for a ReLU network with He weights.

    Layers of ``width`` n, zero biases, Gaussian weights of variance ``2/n`` and an input
    with ``|x|^2 = n``. Since ``a W`` is ``N(0, (2/n)|a|^2 I)`` for Gaussian ``W``,
    :math:`q_L = 2\, \chi^2_n / n \cdot \prod_{l=1}^{L-1} R_l` with independent
    :math:`R_l = (2/n)\,\chi^2_{K_l}`, :math:`K_l \sim \mathrm{Bin}(n, 1/2)` units active.
    With :math:`E\log\chi^2_k = \psi(k/2) + \log 2`, :math:`\mathrm{Var}\log\chi^2_k =
    \psi'(k/2)`, the moments are exact, conditional on no layer being entirely
    inactive (probability :math:`2^{-n}` per layer, when :math:`\log q = -\infty`).
    For large ``n``, ``E log R = -5/(2n) + O(n^-2)`` and ``Var log R = 5/n + O(n^-2)``.
    """
    n = check_int(width, "width", minimum=1)
    L = check_int(depth, "depth", minimum=1)
    check_elements(n, "width", what="a table of binomial probabilities")
    K = np.arange(1, n + 1)
    p = stats.binom.pmf(K, n, 0.5)
    p = p / p.sum()  # condition on K >= 1
    mean_k = special.digamma(K / 2) + math.log(2.0)
    mean_r = math.log(2.0 / n) + float(np.dot(p, mean_k))
    var_r = float(np.dot(p, special.polygamma(1, K / 2))
                  + np.dot(p, mean_k ** 2) - np.dot(p, mean_k) ** 2)
    mean_last = math.log(2.0) + float(special.digamma(n / 2)) + math.log(2.0 / n)
    var_last = float(special.polygamma(1, n / 2))
    return mean_last + (L - 1) * mean_r, var_last + (L - 1) * var_r


# --------------------------------------------------------------------------- gradients

def derivative_sup(activation: str) -> float:
    r""":math:`\sup_z |\phi'(z)|` (``ValueError`` for ``square``, whose derivative is unbounded).

    Sigmoid: 1/4 (at 0); tanh: 1 (at 0); ReLU, leaky ReLU, ELU, softplus, identity: 1;
    GELU: :math:`\Phi(\sqrt2) + \sqrt2\,\varphi(\sqrt2) \approx 1.129` (at
    :math:`\sqrt 2`); SiLU and the tanh form of GELU: found numerically.
    """
    name = common.check_activation(activation)
    if name == "square":
        raise ValueError("activation 'square' has an unbounded derivative")
    z = np.linspace(-20.0, 20.0, 40001)
    d = np.abs(numpy_core.activation_derivative(name, z))
    i = int(np.argmax(d))
    best = float(d[i])
    if name in _SMOOTH_NONMONOTONE or name in ("sigmoid", "tanh"):
        res = optimize.minimize_scalar(
            lambda t: -abs(float(numpy_core.activation_derivative(name, np.array([t]))[0])),
            bounds=(z[i] - 2e-3, z[i] + 2e-3), method="bounded",
            options={"xatol": 1e-12})
        best = max(best, -float(res.fun))
    tails = np.abs(numpy_core.activation_derivative(name, np.array([-200.0, 200.0])))
    return max(best, float(tails.max()))


def jacobian_norms(params, x, activation: str) -> tuple[np.ndarray, np.ndarray]:
    r"""``||\partial a_L/\partial a_l||_2`` for ``l = 0..L`` and the product bound.

    ``params = [W1, b1, ..., WL, bL]`` (all layers apply ``activation``), ``x`` one input
    of shape ``(n_0,)``. With :math:`D_l = \mathrm{diag}\,\phi'(z_l)`,
    :math:`\partial a_L/\partial a_{l} = W_{l+1} D_{l+1} \cdots W_L D_L` (row vectors), so
    :math:`\|\partial a_L/\partial a_l\|_2 \le \prod_{j>l} \|W_j\|_2 \sup|\phi'|`.
    Returns ``(norms, bounds)``, both of length ``L + 1`` (``norms[L] = bounds[L] = 1``).
    """
    name = common.check_activation(activation)
    if not isinstance(params, (list, tuple)) or len(params) < 2 or len(params) % 2:
        raise TypeError("params must be a list [W1, b1, ..., WL, bL]")
    Ws = [check_array(W, f"params[{2 * l}]", ndim=2) for l, W in enumerate(params[0::2])]
    sizes = [Ws[0].shape[0]] + [W.shape[1] for W in Ws]
    params = common.check_parameter_list(params, sizes)
    x = check_array(x, "x", ndim=1)
    if x.shape[0] != sizes[0]:
        raise ValueError(f"x must have {sizes[0]} entries; got {x.shape[0]}")
    s = derivative_sup(name)
    a, derivs = x, []
    for W, b in zip(params[0::2], params[1::2], strict=True):
        z = a @ W + b
        derivs.append(numpy_core.activation_derivative(name, z))
        a = numpy_core.activation(name, z)
    L = len(derivs)
    norms, bounds = np.ones(L + 1), np.ones(L + 1)
    M = np.eye(sizes[-1])
    for l in range(L, 0, -1):
        M = (params[2 * (l - 1)] * derivs[l - 1]) @ M  # W_l D_l M
        norms[l - 1] = np.linalg.norm(M, 2)
        bounds[l - 1] = bounds[l] * np.linalg.norm(params[2 * (l - 1)], 2) * s
    return norms, bounds


# --------------------------------------------------------------------------- dying ReLUs

def first_dead_layer(weights, biases, X) -> np.ndarray:
    """For each of ``n_nets`` ReLU networks, the first hidden layer dead on all of ``X``.

    A layer is *dead* when every unit has ``z <= 0`` on every input: its output is
    zero, the network is constant on ``X`` and no gradient reaches earlier layers.
    ``weights``, ``biases``: as in :func:`propagate`; ``X``: ``(n_samples, n_0)``, shared
    by all networks. Returns integers in ``1..L``, or ``0`` for a network with no dead
    layer. Layers are numbered from 1, so a network of depth ``d`` (its first ``d``
    layers) is dead iff ``0 < result <= d``.
    """
    X = check_array(X, "X", ndim=2)
    if not isinstance(weights, (list, tuple)) or not weights:
        raise TypeError("weights must be a non-empty list of arrays (n_nets, n_in, n_out)")
    # the shapes read below are checked first (the full check is _check_stack's)
    k = check_array(weights[0], "weights[0]", ndim=3).shape[0]
    n_out = check_array(weights[-1], f"weights[{len(weights) - 1}]", ndim=3).shape[2]
    Ws, bs, X3, _ = _check_stack(
        weights, biases, np.broadcast_to(X, (k,) + X.shape),
        np.zeros((k, X.shape[0], n_out)))
    first = np.zeros(k, dtype=int)
    A = X3
    for l, (W, b) in enumerate(zip(Ws, bs, strict=True), start=1):
        Z = np.matmul(A, W) + b[:, None, :]
        dead = np.all(Z <= 0.0, axis=(1, 2))
        first[(first == 0) & dead] = l
        A = np.maximum(Z, 0.0)
    return first


def dead_units(params, X) -> list[np.ndarray]:
    """Boolean masks, one per hidden layer of a ReLU MLP, of units with ``z <= 0`` on all ``X``.

    ``params = [W1, b1, ..., WL, bL]`` in the cores' layout; the last layer is the
    linear output and has no mask.
    """
    if not isinstance(params, (list, tuple)) or len(params) < 4 or len(params) % 2:
        raise TypeError("params must be a list [W1, b1, ..., WL, bL] with a hidden layer")
    Ws = [check_array(W, f"params[{2 * l}]", ndim=2) for l, W in enumerate(params[0::2])]
    sizes = [Ws[0].shape[0]] + [W.shape[1] for W in Ws]
    params = common.check_parameter_list(params, sizes)
    A = common.check_inputs(X, sizes[0])
    masks = []
    for W, b in zip(params[0:-2:2], params[1:-2:2], strict=True):
        Z = A @ W + b
        masks.append(np.all(Z <= 0.0, axis=0))
        A = np.maximum(Z, 0.0)
    return masks


# --------------------------------------------------------------------------- the activations

def activation_minimum(activation: str) -> tuple[float, float]:
    """``(z*, phi(z*))``: the global minimum of SiLU or GELU (either form), by a root finder.

    ``phi'`` changes sign once, from negative to positive, on ``[-5, -0.1]``; Brent's
    method finds the root to ``xtol = 1e-15``. Other activations are monotone and
    are refused.
    """
    name = common.check_activation(activation)
    if name not in _SMOOTH_NONMONOTONE:
        raise ValueError(f"activation must be one of {', '.join(_SMOOTH_NONMONOTONE)} "
                         f"(the others are monotone); got {activation!r}")

    def d(t):
        return float(numpy_core.activation_derivative(name, np.array([t]))[0])

    z = optimize.brentq(d, -5.0, -0.1, xtol=1e-15, rtol=4 * np.finfo(float).eps)
    return float(z), float(numpy_core.activation(name, np.array([z]))[0])


def max_abs_difference(first: str, second: str, low: float, high: float
                       ) -> tuple[float, float]:
    """``(z, |phi_1(z) - phi_2(z)|)`` at the largest difference of two activations on [low, high].

    A grid of spacing ``1e-3`` locates the maximum; a bounded scalar search around the
    best grid point refines it (so the result is at least the grid maximum).
    """
    f = common.check_activation(first, "first")
    g = common.check_activation(second, "second")
    low = check_real(low, "low")
    high = check_real(high, "high")
    if not low < high:
        raise ValueError(f"high must exceed low; got low={low:g}, high={high:g}")
    n_grid = max(2, int(round((high - low) * 1000)) + 1)
    check_elements(n_grid, "low and high", what="a grid of spacing 1e-3")
    z = np.linspace(low, high, n_grid)

    def diff(t):
        t = np.atleast_1d(np.asarray(t, dtype=float))
        return np.abs(numpy_core.activation(f, t) - numpy_core.activation(g, t))

    d = diff(z)
    i = int(np.argmax(d))
    lo, hi = z[max(i - 1, 0)], z[min(i + 1, len(z) - 1)]
    res = optimize.minimize_scalar(lambda t: -float(diff(t)[0]), bounds=(lo, hi),
                                   method="bounded", options={"xatol": 1e-12})
    if -res.fun > d[i]:
        return float(res.x), float(-res.fun)
    return float(z[i]), float(d[i])


def tanh_to_sigmoid(params) -> list[np.ndarray]:
    r"""Parameters of a sigmoid MLP of the same sizes computing exactly the function of
    the tanh MLP ``params`` (linear output layer), by :math:`\tanh(z) = 2\sigma(2z) - 1`.
    The construction is an exercise of chapter 8 (``ex-init-tanh-sigmoid``) and is
    written out in its solution, not here.
    """
    if not isinstance(params, (list, tuple)) or len(params) < 2 or len(params) % 2:
        raise TypeError("params must be a list [W1, b1, ..., WL, bL]")
    Ws = [check_array(W, f"params[{2 * l}]", ndim=2) for l, W in enumerate(params[0::2])]
    sizes = [Ws[0].shape[0]] + [W.shape[1] for W in Ws]
    params = common.check_parameter_list(params, sizes)
    L = len(params) // 2
    out = []
    for l in range(L):
        W, b = params[2 * l], params[2 * l + 1]
        if l > 0:
            W, b = 2.0 * W, b - W.sum(axis=0)
        if l < L - 1:
            W, b = 2.0 * W, 2.0 * b
        out += [W, b]
    return out


# --------------------------------------------------------------------------- depth scales

def _check_variances(activation, sigma_w2, sigma_b2) -> tuple[str, float, float]:
    name = common.check_activation(activation)
    sigma_w2 = check_positive(sigma_w2, "sigma_w2")
    sigma_b2 = check_positive(sigma_b2, "sigma_b2")
    return name, sigma_w2, sigma_b2


def signal_fixed_point(activation: str, sigma_w2: float, sigma_b2: float, *,
                       q0: float = 1.0, max_iter: int = 10000) -> float:
    r"""The limit :math:`q^*` of :math:`q_l = \sigma_w^2 E[\phi(\sqrt{q_{l-1}}g)^2] + \sigma_b^2`.

    Weights of variance ``sigma_w2 / n`` and biases of variance ``sigma_b2 > 0`` (so
    :math:`q^* > 0`); iterated from ``q0`` until it stops changing (relative
    :math:`10^{-14}`). ``ValueError`` if it does not settle (an exploding signal).
    """
    name, sigma_w2, sigma_b2 = _check_variances(activation, sigma_w2, sigma_b2)
    q = check_positive(q0, "q0")
    for _ in range(check_int(max_iter, "max_iter", minimum=1)):
        new = sigma_w2 * _second_moment(name, q, False) + sigma_b2
        if not math.isfinite(new) or new > 1e12:
            break
        if abs(new - q) <= 1e-14 * new:
            return new
        q = new
    raise ValueError(f"the signal of {name} with sigma_w2={sigma_w2:g}, sigma_b2={sigma_b2:g} "
                     "does not settle at a fixed point")


@functools.lru_cache(maxsize=8)
def _hermite(n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    z, w = np.polynomial.hermite_e.hermegauss(n_nodes)
    return z, w / w.sum()


def correlation_map(activation: str, c: float, q: float, sigma_w2: float, sigma_b2: float,
                    *, n_nodes: int = 80) -> float:
    r"""Poole et al.'s correlation map :math:`C(c)` at the signal level ``q``.

    :math:`C(c) = (\sigma_w^2 E[\phi(u_1)\phi(u_2)] + \sigma_b^2)/q` with
    :math:`u_1 = \sqrt q z_1`, :math:`u_2 = \sqrt q (c z_1 + \sqrt{1 - c^2} z_2)`,
    :math:`z_1, z_2` independent standard normal: the infinite-width correlation of two
    inputs' pre-activations after one more layer, when both have mean square ``q``
    (use :func:`signal_fixed_point`). Computed with a product Gauss-Hermite rule of
    ``n_nodes`` points per axis (exact for polynomials of degree < 2 n_nodes; accurate to
    about 1e-12 for tanh at q ~ 1, less for kinked activations such as ReLU).
    """
    name, sigma_w2, sigma_b2 = _check_variances(activation, sigma_w2, sigma_b2)
    c = check_real(c, "c", low=-1.0, high=1.0)
    q = check_positive(q, "q")
    z, w = _hermite(check_int(n_nodes, "n_nodes", minimum=2))
    u1 = math.sqrt(q) * z[:, None]
    u2 = math.sqrt(q) * (c * z[:, None] + math.sqrt(max(1.0 - c * c, 0.0)) * z[None, :])
    phi1 = numpy_core.activation(name, u1)
    phi2 = numpy_core.activation(name, u2)
    return float((sigma_w2 * np.sum(w[:, None] * w[None, :] * phi1 * phi2) + sigma_b2) / q)


@dataclass(frozen=True)
class DepthScales:
    """Schoenholz et al.'s quantities at the signal's fixed point (see :func:`depth_scales`)."""

    q_star: float
    chi_1: float
    slope_q: float
    xi_q: float
    xi_c: float


def depth_scales(activation: str, sigma_w2: float, sigma_b2: float) -> DepthScales:
    r"""Depth scales of Schoenholz, Gilmer, Ganguli and Sohl-Dickstein (2017, section 3).

    At the fixed point :math:`q^*` (:func:`signal_fixed_point`):
    :math:`\chi_1 = \sigma_w^2 E[\phi'(\sqrt{q^*}g)^2] = C'(1)`, the slope of the signal
    map :math:`s_q = \sigma_w^2 \frac{d}{dq}E[\phi(\sqrt q g)^2]|_{q^*} = \chi_1 +
    \sigma_w^2 E[\phi''\phi]` (by a central difference of the quadrature, relative step
    1e-4), :math:`\xi_q = -1/\ln s_q` and, in the ordered phase :math:`\chi_1 < 1`,
    :math:`\xi_c = -1/\ln\chi_1` (``inf`` when :math:`\chi_1 \ge 1`, where the
    correlation does not approach 1; its finite depth scale there, towards the
    correlation's fixed point :math:`c^* < 1`, is :func:`correlation_depth_scale`).
    """
    name, sigma_w2, sigma_b2 = _check_variances(activation, sigma_w2, sigma_b2)
    q = signal_fixed_point(name, sigma_w2, sigma_b2)
    chi_1 = sigma_w2 * _second_moment(name, q, True)
    h = 1e-4 * q
    slope = sigma_w2 * (_second_moment(name, q + h, False)
                        - _second_moment(name, q - h, False)) / (2 * h)
    xi_q = -1.0 / math.log(slope) if 0 < slope < 1 else math.inf
    xi_c = -1.0 / math.log(chi_1) if chi_1 < 1 else math.inf
    return DepthScales(q, chi_1, slope, xi_q, xi_c)



@dataclass(frozen=True)
class CorrelationScale:
    """The correlation's stable fixed point and its depth scale (see
    :func:`correlation_depth_scale`)."""

    q_star: float
    c_star: float
    chi_c: float
    xi_c: float


def _correlation_slope(name: str, c: float, q: float, sigma_w2: float, n_nodes: int) -> float:
    # C'(c) = sigma_w^2 E[phi'(u_1) phi'(u_2)] (Price's theorem), same quadrature as C
    z, w = _hermite(n_nodes)
    u1 = math.sqrt(q) * z[:, None]
    u2 = math.sqrt(q) * (c * z[:, None] + math.sqrt(max(1.0 - c * c, 0.0)) * z[None, :])
    d1 = numpy_core.activation_derivative(name, u1)
    d2 = numpy_core.activation_derivative(name, u2)
    return float(sigma_w2 * np.sum(w[:, None] * w[None, :] * d1 * d2))


def correlation_depth_scale(activation: str, sigma_w2: float, sigma_b2: float, *,
                            n_nodes: int = 80) -> CorrelationScale:
    r"""The correlation depth scale :math:`\xi_c` on both sides of the edge of chaos.

    Schoenholz, Gilmer, Ganguli and Sohl-Dickstein (2017, section 3): at the signal's fixed
    point :math:`q^*` (:func:`signal_fixed_point`), the correlation of two inputs follows
    :math:`c_l = C(c_{l-1})` (:func:`correlation_map`) towards a stable fixed point
    :math:`c^*`, and near it :math:`|c_l - c^*|` shrinks like :math:`e^{-l/\xi_c}` with

    .. math::

        \xi_c^{-1} = -\ln \chi_{c^*}, \qquad
        \chi_{c^*} = C'(c^*) = \sigma_w^2 E[\phi'(u_1)\phi'(u_2)],

    :math:`(u_1, u_2)` centred Gaussian with variances :math:`q^*` and correlation
    :math:`c^*` (Price's theorem). In the *ordered* phase, :math:`\chi_1 = C'(1) < 1`,
    :math:`c^* = 1` and :math:`\chi_{c^*} = \chi_1` (as in :func:`depth_scales`). In the
    *chaotic* phase, :math:`\chi_1 > 1`, the fixed point 1 is unstable: :math:`C(c) < c`
    just below 1, while :math:`C(0) \ge 0` for an odd :math:`\phi` (tanh) and
    :math:`C(-1) > -1` whenever :math:`\sigma_b^2 > 0`, so :math:`C` has a fixed point
    :math:`c^* < 1` in between, found here by Brent's method on :math:`C(c) - c`, and
    :math:`\xi_c` is finite. At the edge, :math:`\chi_1 = 1`, :math:`\xi_c = \infty`;
    :math:`\xi_c` diverges as :math:`\sigma_w^2` approaches the edge from either side.

    Returns :class:`CorrelationScale` ``(q_star, c_star, chi_c, xi_c)``; ``xi_c`` is
    ``inf`` only when :math:`\chi_{c^*} \ge 1` to rounding. Quadrature as in
    :func:`correlation_map` (``n_nodes`` Gauss-Hermite points per axis; for tanh at
    :math:`q \sim 1` accurate to about 1e-12). ``ValueError`` if the signal does not
    settle or no fixed point below 1 is bracketed.
    """
    name, sigma_w2, sigma_b2 = _check_variances(activation, sigma_w2, sigma_b2)
    n_nodes = check_int(n_nodes, "n_nodes", minimum=2)
    q = signal_fixed_point(name, sigma_w2, sigma_b2)
    chi_1 = _correlation_slope(name, 1.0, q, sigma_w2, n_nodes)
    if chi_1 <= 1.0:
        c_star, chi_c = 1.0, chi_1
    else:
        def gap(c: float) -> float:
            return correlation_map(name, c, q, sigma_w2, sigma_b2, n_nodes=n_nodes) - c

        high, eps = None, 1e-2
        while eps > 1e-13:                 # a point just below 1 where C(c) < c
            if gap(1.0 - eps) < 0:
                high = 1.0 - eps
                break
            eps /= 10
        if high is None or gap(-1.0) < 0:
            raise ValueError(f"no fixed point of the correlation map of {name} below 1 was "
                             f"bracketed (sigma_w2={sigma_w2:g}, sigma_b2={sigma_b2:g})")
        c_star = float(optimize.brentq(gap, -1.0, high, xtol=1e-15, rtol=1e-15))
        chi_c = _correlation_slope(name, c_star, q, sigma_w2, n_nodes)
    xi_c = -1.0 / math.log(chi_c) if chi_c < 1 else math.inf
    return CorrelationScale(q, c_star, chi_c, xi_c)


#: Chapter 8's gradient-stability ranking on disjoint seed blocks (referee 5, 8-M1): width 32,
#: depth 40, ReLU with He's and tanh with Xavier's initialisation through
#: :func:`signal_propagation`. Each row: (n_nets, seed of the ReLU block, seed of the tanh
#: block, median log10 g0/g40 for ReLU, the same for tanh, width of the 10-90 % range of
#: log10 g0/g40 for ReLU, the same for tanh), 4 decimals. The first two rows are the
#: chapter's own blocks (quick, 40 networks; full, 100, the same seeds), the other eight
#: are disjoint from them and from each other. tests/test_ch08_09_referee5.py reruns rows.
RELU_TANH_GRADIENT_BLOCKS = (
    (40, 0, 8, -1.6892, -2.4824, 3.0098, 1.7163),
    (100, 0, 8, -1.0995, -2.3593, 2.9099, 2.178),
    (40, 10002, 10001, -1.6279, -2.1736, 3.3789, 1.8245),
    (40, 20002, 20001, -1.3684, -2.7467, 2.6869, 2.1507),
    (40, 30002, 30001, -1.441, -2.1934, 2.8849, 1.7537),
    (40, 40002, 40001, -1.5397, -2.2631, 3.1188, 1.7282),
    (40, 50002, 50001, -1.6253, -2.6768, 2.6127, 2.231),
    (40, 60002, 60001, -1.3352, -2.2126, 3.079, 1.7841),
    (100, 70002, 70001, -1.4426, -2.4456, 3.062, 2.0218),
    (100, 80002, 80001, -1.4461, -2.3356, 2.728, 1.8917),
)
