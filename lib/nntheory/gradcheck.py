r"""Checking hand-written gradients: central differences and a relative error.

The central difference ``(L(theta + h e_i) - L(theta - h e_i)) / (2h)`` has
truncation error ``O(h^2 |L'''|)`` and round-off error ``O(eps |L| / h)``; for
``O(1)`` smooth losses in float64 both are about ``1e-10`` at ``h = 1e-6``.
Near a kink of ReLU-type activations the difference quotient straddles the
kink and can be wrong by ``O(1)``: :func:`distance_to_kinks` tells whether a
check point is safely away from them.
"""

from __future__ import annotations

import math

import numpy as np

from . import common, numpy_core, validation

__all__ = ["finite_difference_gradients", "relative_error", "relative_errors",
           "distance_to_kinks"]

#: Activations with a kink at 0 (where the derivative jumps).
KINKED = ("relu", "leaky_relu", "elu")


def finite_difference_gradients(model: numpy_core.MLP, X, y, loss: str = "mse",
                                 h: float = 1e-6) -> list[np.ndarray]:
    """Central-difference gradients of ``numpy_core.loss_value`` for every parameter.

    The parameters are perturbed in place one entry at a time and restored
    exactly afterwards (``2 N`` loss evaluations for ``N`` parameters).
    """
    if not isinstance(model, numpy_core.MLP):
        raise TypeError(f"model must be a nntheory.numpy_core.MLP; got {type(model).__name__}")
    h = validation.check_positive(h, "h")
    numpy_core.loss_value(model, X, y, loss)  # validates X, y and loss once, with clear errors
    grads = []
    for p in model.parameters():
        g = np.empty_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + h
            up = numpy_core.loss_value(model, X, y, loss)
            p[idx] = old - h
            down = numpy_core.loss_value(model, X, y, loss)
            p[idx] = old
            g[idx] = (up - down) / (2.0 * h)
        grads.append(g)
    return grads


def _blocks(value, argument: str) -> list[np.ndarray]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise ValueError(f"{argument} must hold at least one array; got an empty list")
    # each block finite: a NaN must never be dropped by a max or hidden in a sum
    return [validation.check_array(x, f"{argument}[{k}]" if isinstance(value, list)
                                   else argument, min_size=0)
            for k, x in enumerate(items)]


def relative_errors(a, b) -> list[float]:
    r"""Per block ``k``: ``max|a_k - b_k| / max(max|a_k|, max|b_k|)`` (0 when both are 0).

    ``a`` and ``b`` are arrays, or lists of arrays of matching shapes (one per
    parameter block, e.g. ``[W1, b1, W2, b2]``). Each block is measured against
    its own scale, so a wrong small block (a bias gradient of size 1e-3 next to a
    weight gradient of size 10) is not hidden by the large one. A NaN or
    infinite entry anywhere raises a ``ValueError`` naming the block (a NaN is
    never dropped or read as agreement).
    """
    a_list, b_list = _blocks(a, "a"), _blocks(b, "b")
    if len(a_list) != len(b_list):
        raise ValueError(f"a and b must have the same number of arrays; got {len(a_list)} "
                         f"and {len(b_list)}")
    errors = []
    for k, (x, z) in enumerate(zip(a_list, b_list, strict=True)):
        if x.shape != z.shape:
            raise ValueError(f"a[{k}] and b[{k}] must have the same shape; got {x.shape} "
                             f"and {z.shape}")
        diff = float(np.max(np.abs(x - z), initial=0.0))
        scale = max(float(np.max(np.abs(x), initial=0.0)), float(np.max(np.abs(z), initial=0.0)))
        errors.append(0.0 if scale == 0.0 else diff / scale)
    return errors


def relative_error(a, b) -> float:
    r"""The largest per-block relative error, ``max_k relative_errors(a, b)[k]``.

    See :func:`relative_errors` (one entry per block; NaN or infinite entries
    raise a ``ValueError``). For one array it is ``max|a - b| / max(max|a|, max|b|)``.
    """
    return max(relative_errors(a, b))


def distance_to_kinks(model: numpy_core.MLP, X) -> float:
    """The smallest ``|pre-activation|`` over all hidden units and inputs (inf if smooth).

    A finite-difference step ``h`` is trustworthy for kinked activations only
    when this distance exceeds ``h`` times the largest weight scale; checks use
    a margin of ``10 h``. ``X`` must have shape ``(n_samples, input_dim)`` and be
    finite; parameters with NaN or infinite entries raise a ``ValueError`` (never
    a distance of ``inf``, which would read as "safe").
    """
    if not isinstance(model, numpy_core.MLP):
        raise TypeError(f"model must be a nntheory.numpy_core.MLP; got {type(model).__name__}")
    A = common.check_inputs(X, model.sizes[0], "X")
    params = model.get_parameters()
    for k, p in enumerate(params):
        if not np.all(np.isfinite(p)):
            raise ValueError(f"model parameter {k} contains NaN or infinite values")
    if model.activation not in KINKED:
        return math.inf
    dist = math.inf
    for l in range(model.n_layers - 1):
        with np.errstate(over="ignore", invalid="ignore"):
            Z = A @ params[2 * l] + params[2 * l + 1]
        if not np.all(np.isfinite(Z)):
            raise ValueError(f"the pre-activations of layer {l + 1} overflow (NaN or inf)")
        dist = min(dist, float(np.min(np.abs(Z))))
        S = numpy_core.activation(model.activation, Z)
        A = A + S if model.skip[l] else S
    return dist
