r"""Train many deep networks at once, to see whether an initialisation lets them learn.

Chapter 8's question after the signal-propagation theory: does the initialisation change
what gradient descent *does*? :func:`train_many` trains ``n_nets`` independent
fully-connected networks (the same sizes, each from its own initial parameters) on one
data set by full-batch gradient descent with heavy-ball momentum, all at once with
batched matrix products. Each network follows exactly the rule of the cores'
``fit(..., optimizer="sgd", momentum=mu)`` with full batches: the loss is the cores'
MSE :math:`\frac1{N}\sum_i \|z_i - y_i\|^2` (no :math:`\tfrac12`; mean over samples and
outputs), the buffer :math:`b \leftarrow \mu b + g` (:math:`b_1 = g_1`) and
:math:`p \leftarrow p - \eta b`, as in ``torch.optim.SGD``.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from .validation import check_array, check_elements, check_int, check_positive, check_real

__all__ = ["train_many"]


def _act(name: str, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if name == "relu":
        return np.maximum(Z, 0.0), (Z > 0).astype(float)
    if name == "tanh":
        A = np.tanh(Z)
        return A, 1.0 - A * A
    if name == "sigmoid":
        A = special.expit(Z)
        return A, A * (1.0 - A)
    raise ValueError(f"activation must be 'relu', 'tanh' or 'sigmoid'; got {name!r}")


def train_many(params_list: list[list[np.ndarray]], X, y, *, activation: str = "relu",
               lr: float = 0.01, momentum: float = 0.9, epochs: int = 100) -> np.ndarray:
    """Losses of full-batch heavy-ball training of each network, shape ``(n_nets, epochs + 1)``.

    ``params_list[i]`` is network ``i``'s ``[W_1, b_1, ..., W_L, b_L]`` (all networks of
    the same sizes, e.g. from :func:`nntheory.common.init_parameters`); it is not
    modified. Entry ``[i, k]`` is network ``i``'s training loss after ``k`` steps. A
    network whose loss becomes NaN or infinite keeps ``inf`` from then on (and stops
    moving), so a run that diverges is visible rather than an error.
    """
    if not isinstance(params_list, (list, tuple)) or not params_list:
        raise TypeError("params_list must be a non-empty list of parameter lists")
    n_nets = len(params_list)
    n_layers = len(params_list[0]) // 2
    if n_layers < 1 or any(len(p) != 2 * n_layers for p in params_list):
        raise ValueError("params_list: every network needs the same [W_1, b_1, ..., W_L, b_L]")
    Ws = [np.stack([check_array(p[2 * l], f"W_{l + 1}", ndim=2) for p in params_list])
          for l in range(n_layers)]
    bs = [np.stack([check_array(p[2 * l + 1], f"b_{l + 1}", ndim=1) for p in params_list])
          for l in range(n_layers)]
    X = check_array(X, "X", ndim=2)
    y = check_array(y, "y", ndim=2)
    if X.shape[0] != y.shape[0] or X.shape[1] != Ws[0].shape[1] or y.shape[1] != Ws[-1].shape[2]:
        raise ValueError(f"X {X.shape} and y {y.shape} do not fit layers of sizes "
                         f"{Ws[0].shape[1]} -> {Ws[-1].shape[2]}")
    for W, b in zip(Ws, bs, strict=True):
        if W.shape[0] != n_nets or b.shape != (n_nets, W.shape[2]):
            raise ValueError("params_list: every network needs the same sizes")
    for W_prev, W in zip(Ws[:-1], Ws[1:], strict=True):
        if W_prev.shape[2] != W.shape[1]:
            raise ValueError("params_list: consecutive layers do not fit")
    lr = check_positive(lr, "lr")
    momentum = check_real(momentum, "momentum", low=0.0)
    if momentum >= 1:
        raise ValueError(f"momentum must be in [0, 1); got {momentum}")
    epochs = check_int(epochs, "epochs", minimum=0)
    widest = max(W.shape[2] for W in Ws)
    check_elements(n_nets * X.shape[0] * widest * (n_layers + 1), "params_list",
                   what="the activations of every network")
    check_elements(n_nets * (epochs + 1), "epochs", what="the loss curves")
    n = X.shape[0] * y.shape[1]
    bufW = [np.zeros_like(W) for W in Ws]
    bufb = [np.zeros_like(b) for b in bs]
    alive = np.ones(n_nets, dtype=bool)
    losses = np.empty((n_nets, epochs + 1))
    # a diverging network overflows; it is marked inf below and stops moving
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(epochs + 1):
            A, acts, slopes = np.broadcast_to(X, (n_nets,) + X.shape), [], []
            for l in range(n_layers):
                acts.append(A)
                Z = A @ Ws[l] + bs[l][:, None, :]
                if l < n_layers - 1:
                    A, S = _act(activation, Z)
                    slopes.append(S)
                else:
                    A = Z
            R = A - y
            loss = np.sum(R * R, axis=(1, 2)) / n
            alive &= np.isfinite(loss)
            losses[:, k] = np.where(alive, loss, np.inf)
            if k == epochs:
                break
            G = np.where(alive[:, None, None], 2.0 * R / n, 0.0)
            for l in reversed(range(n_layers)):
                gW = np.swapaxes(acts[l], 1, 2) @ G
                gb = G.sum(axis=1)
                if l > 0:
                    G = (G @ np.swapaxes(Ws[l], 1, 2)) * slopes[l - 1]
                if k == 0:
                    bufW[l], bufb[l] = gW, gb
                else:
                    bufW[l] = momentum * bufW[l] + gW
                    bufb[l] = momentum * bufb[l] + gb
                Ws[l] = Ws[l] - lr * np.where(alive[:, None, None], bufW[l], 0.0)
                bs[l] = bs[l] - lr * np.where(alive[:, None], bufb[l], 0.0)
    return losses
