"""The PyTorch training core: the same models and API as :mod:`nntheory.numpy_core`.

Models are ``torch.nn.Module``s built from ``torch.nn.Linear`` layers, gradients
come from autograd and the optimisers are ``torch.optim``'s own. The model runs
on CUDA when it is available (``device=None``), else on the CPU, in float64 by
default so that it agrees with the NumPy core to round-off.

Initial parameters are drawn by :func:`nntheory.common.init_parameters` from a
NumPy generator, exactly as in the NumPy core, so the same ``seed`` gives the
same network in both cores. ``get_parameters``/``set_parameters`` use the
NumPy core's layout: ``W_l`` of shape ``(n_{l-1}, n_l)``, i.e. the transpose of
``torch.nn.Linear.weight``.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import common
from .common import DivergenceError, History

__all__ = [
    "MLP",
    "loss_and_gradients",
    "loss_value",
    "activation",
    "SGD",
    "Adagrad",
    "RMSprop",
    "Adam",
    "make_optimizer",
    "fit",
    "default_device",
    "DivergenceError",
    "History",
]

SGD = torch.optim.SGD
Adagrad = torch.optim.Adagrad
RMSprop = torch.optim.RMSprop
Adam = torch.optim.Adam


def _softplus(z: torch.Tensor) -> torch.Tensor:
    # log(1 + e^z) without torch's threshold=20 shortcut, stable for all z
    return torch.logaddexp(z, torch.zeros((), dtype=z.dtype, device=z.device))


_ACTIVATIONS = {
    "identity": lambda z: z,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": lambda z: F.leaky_relu(z, 0.01),
    "elu": lambda z: F.elu(z, alpha=1.0),
    "silu": F.silu,
    "gelu": lambda z: F.gelu(z, approximate="none"),
    "gelu_tanh": lambda z: F.gelu(z, approximate="tanh"),
    "softplus": _softplus,
    "square": torch.square,
}
assert set(_ACTIVATIONS) == set(common.ACTIVATIONS)


def activation(name: str, z) -> torch.Tensor:
    """``sigma(z)`` for the activation called ``name``, on a tensor."""
    f = _ACTIVATIONS[common.check_activation(name)]
    return f(torch.as_tensor(z))


def default_device() -> torch.device:
    """CUDA when available, otherwise the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class MLP(nn.Module):
    """A multilayer perceptron of ``torch.nn.Linear`` layers (see the NumPy core's MLP).

    Extra keyword arguments beyond the NumPy core's: ``device`` (default: CUDA when
    available) and ``dtype`` (default ``torch.float64``).
    """

    def __init__(self, sizes, activation: str = "relu", *, skip: bool = False,
                 init: str = "he", seed: int | None = None, device=None,
                 dtype: torch.dtype = torch.float64):
        super().__init__()
        self.sizes = common.check_sizes(sizes)
        self.activation = common.check_activation(activation)
        self.skip = common.skip_layers(self.sizes, skip)
        self.init = common.check_init(init)
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise TypeError(f"dtype must be a floating torch.dtype; got {dtype!r}")
        self.device = torch.device(device) if device is not None else default_device()
        self.dtype = dtype
        self.layers = nn.ModuleList(
            nn.Linear(n_in, n_out, device=self.device, dtype=dtype)
            for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:], strict=True)
        )
        self._act = _ACTIVATIONS[self.activation]
        self._load(common.init_parameters(self.sizes, self.init, seed))

    def extra_repr(self) -> str:
        return f"activation={self.activation!r}, skip={any(self.skip)}, init={self.init!r}"

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    @property
    def n_parameters(self) -> int:
        """``N = sum_l n_l (n_{l-1} + 1)``, counted with ``numel``."""
        return sum(p.numel() for p in self.parameters())

    def _load(self, params: list[np.ndarray]) -> None:
        with torch.no_grad():
            for layer, W, b in zip(self.layers, params[0::2], params[1::2], strict=True):
                layer.weight.copy_(torch.as_tensor(W.T, dtype=self.dtype))
                layer.bias.copy_(torch.as_tensor(b, dtype=self.dtype))

    def get_parameters(self) -> list[np.ndarray]:
        """``[W1, b1, ...]`` as float64 NumPy arrays in the NumPy core's layout."""
        out = []
        for layer in self.layers:
            out.append(layer.weight.detach().T.to("cpu", torch.float64).numpy().copy())
            out.append(layer.bias.detach().to("cpu", torch.float64).numpy().copy())
        return out

    def set_parameters(self, params) -> None:
        """Overwrite the parameters with ``[W1, b1, ...]`` in the NumPy core's layout."""
        self._load(common.check_parameter_list(params, self.sizes))

    def _as_input(self, X) -> torch.Tensor:
        if isinstance(X, torch.Tensor):
            if X.ndim == 1 and self.sizes[0] == 1:
                X = X.reshape(-1, 1)
            if X.ndim != 2 or X.shape[1] != self.sizes[0]:
                raise ValueError(f"X must have shape (n_samples, {self.sizes[0]}) for this "
                                 f"network; got {tuple(X.shape)}")
            if not X.is_floating_point():
                raise TypeError(f"X must hold real floating-point numbers; got {X.dtype}")
            if not bool(torch.isfinite(X).all()):
                raise ValueError("X contains NaN or infinite values")
            return X.to(self.device, self.dtype)
        arr = common.check_inputs(X, self.sizes[0])
        return torch.as_tensor(arr, dtype=self.dtype, device=self.device)

    def forward(self, X) -> torch.Tensor:
        """The network's output (a tensor) for ``X`` of shape ``(n, n_in)``."""
        return self._forward(self._as_input(X))

    def _forward(self, A: torch.Tensor) -> torch.Tensor:
        last = self.n_layers - 1
        for l, layer in enumerate(self.layers):
            Z = layer(A)
            if l == last:
                return Z
            A = A + self._act(Z) if self.skip[l] else self._act(Z)
        raise AssertionError("unreachable")  # pragma: no cover

    def predict(self, X) -> np.ndarray:
        """The output as a float64 NumPy array, without building a graph."""
        with torch.no_grad():
            return self.forward(X).to("cpu", torch.float64).numpy()


def _loss(loss: str, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    if loss == "mse":
        return F.mse_loss(out, y)
    if loss == "bce":
        return F.binary_cross_entropy_with_logits(out, y)
    if loss == "cross_entropy":
        return F.cross_entropy(out, y)
    if loss == "hinge":
        return torch.relu(1.0 - y * out).mean()
    raise AssertionError(loss)  # pragma: no cover - names are checked before


def _prepare(model: MLP, X, y, loss: str) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(model, MLP):
        raise TypeError(f"model must be a nntheory.torch_core.MLP; got {type(model).__name__}")
    Xn = common.check_inputs(X, model.sizes[0])
    yn = common.check_targets(y, loss, Xn.shape[0], model.sizes[-1])
    Xt = torch.as_tensor(Xn, dtype=model.dtype, device=model.device)
    if loss == "cross_entropy":
        yt = torch.as_tensor(yn.astype(np.int64), device=model.device)
    else:
        yt = torch.as_tensor(yn, dtype=model.dtype, device=model.device)
    return Xt, yt


def loss_and_gradients(model: MLP, X, y, loss: str = "mse") -> tuple[float, list[np.ndarray]]:
    """The loss and its gradients (by autograd) in the NumPy core's layout."""
    loss = common.check_loss(loss)
    Xt, yt = _prepare(model, X, y, loss)
    model.zero_grad(set_to_none=True)
    value = _loss(loss, model._forward(Xt), yt)
    value.backward()
    grads = []
    for layer in model.layers:
        grads.append(layer.weight.grad.detach().T.to("cpu", torch.float64).numpy().copy())
        grads.append(layer.bias.grad.detach().to("cpu", torch.float64).numpy().copy())
    model.zero_grad(set_to_none=True)
    return float(value.item()), grads


def loss_value(model: MLP, X, y, loss: str = "mse") -> float:
    """The loss alone (no gradients)."""
    loss = common.check_loss(loss)
    Xt, yt = _prepare(model, X, y, loss)
    with torch.no_grad():
        return float(_loss(loss, model._forward(Xt), yt).item())


_OPTIMIZER_CLASSES = {"sgd": SGD, "adagrad": Adagrad, "rmsprop": RMSprop, "adam": Adam}


def make_optimizer(name: str, params, lr: float, **options) -> torch.optim.Optimizer:
    """``torch.optim``'s optimiser called ``name`` over ``params``."""
    return common.build_optimizer(_OPTIMIZER_CLASSES, name, params, lr, **options)


def fit(model: MLP, X, y, *, loss: str = "mse", optimizer: str = "sgd", lr: float = 0.01,
        epochs: int = 100, batch_size: int | None = None, seed: int | None = None,
        progress: bool = False, **optimizer_options) -> History:
    """Train ``model`` in place with ``torch.optim``; same arguments and history as the
    NumPy core's :func:`nntheory.numpy_core.fit` (mini-batches drawn from the same
    NumPy generator, so a seed gives the same batches in both cores).

    Raises :class:`nntheory.common.DivergenceError` when the loss becomes NaN or
    infinite, naming the epoch and suggesting a smaller learning rate.
    """
    loss = common.check_loss(loss)
    common.check_optimizer(optimizer)
    Xt, yt = _prepare(model, X, y, loss)
    n = Xt.shape[0]
    common.check_fit_arguments(lr, epochs, batch_size)
    opt = make_optimizer(optimizer, model.parameters(), lr, **optimizer_options)
    rng = np.random.default_rng(seed)
    history = History(optimizer=optimizer.lower(), lr=float(lr), batch_size=batch_size)
    epoch_iter = common.epoch_range(epochs, progress, optimizer)
    full_batch = batch_size is None or batch_size >= n

    def step(Xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        opt.zero_grad(set_to_none=True)
        value = _loss(loss, model._forward(Xb), yb)
        value.backward()
        opt.step()
        return value.detach()

    for epoch in epoch_iter:
        if full_batch:
            epoch_loss = step(Xt, yt).item()
        else:  # batch-size-weighted mean, summed on the device: one sync per epoch
            total = torch.zeros((), dtype=model.dtype, device=model.device)
            for idx in common.minibatches(n, batch_size, rng):
                it = torch.as_tensor(idx, device=model.device)
                total += step(Xt[it], yt[it]) * (len(idx) / n)
            epoch_loss = total.item()
        if not math.isfinite(epoch_loss):
            raise DivergenceError(common.divergence_message(epoch, epoch_loss, lr))
        history.loss.append(epoch_loss)
    return history
