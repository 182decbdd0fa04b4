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
import numbers

import numpy as np

from . import numpy_core

__all__ = ["finite_difference_gradients", "relative_error", "distance_to_kinks"]

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
    if (isinstance(h, bool) or not isinstance(h, numbers.Real) or not math.isfinite(h)
            or h <= 0):
        raise ValueError(f"h must be a positive finite step; got {h!r}")
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


def relative_error(a, b) -> float:
    r"""``max|a - b| / max(max|a|, max|b|)`` over lists of arrays (0 when both are 0)."""
    a_list = [np.asarray(x, dtype=np.float64) for x in (a if isinstance(a, list) else [a])]
    b_list = [np.asarray(x, dtype=np.float64) for x in (b if isinstance(b, list) else [b])]
    if len(a_list) != len(b_list) or any(x.shape != z.shape for x, z in zip(a_list, b_list,
                                                                              strict=True)):
        raise ValueError("a and b must be arrays (or lists of arrays) of the same shapes")
    diff = max(float(np.max(np.abs(x - z), initial=0.0)) for x, z in zip(a_list, b_list,
                                                                          strict=True))
    scale = max(max(float(np.max(np.abs(x), initial=0.0)) for x in a_list),
                max(float(np.max(np.abs(z), initial=0.0)) for z in b_list))
    return 0.0 if scale == 0.0 else diff / scale


def distance_to_kinks(model: numpy_core.MLP, X) -> float:
    """The smallest ``|pre-activation|`` over all hidden units and inputs (inf if smooth).

    A finite-difference step ``h`` is trustworthy for kinked activations only
    when this distance exceeds ``h`` times the largest weight scale; checks use
    a margin of ``10 h``.
    """
    if not isinstance(model, numpy_core.MLP):
        raise TypeError(f"model must be a nntheory.numpy_core.MLP; got {type(model).__name__}")
    if model.activation not in KINKED:
        return math.inf
    A = np.asarray(X, dtype=np.float64)
    params = model.get_parameters()
    dist = math.inf
    for l in range(model.n_layers - 1):
        Z = A @ params[2 * l] + params[2 * l + 1]
        dist = min(dist, float(np.min(np.abs(Z))))
        S = numpy_core.activation(model.activation, Z)
        A = A + S if model.skip[l] else S
    return dist
