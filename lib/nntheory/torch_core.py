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

The optimisers ``SGD``, ``Adagrad``, ``RMSprop``, ``Adam`` and ``AdamW`` are
``torch.optim``'s own classes (subclassed only to accept a model, to take the
NumPy core's signature and to validate hyper-parameters with the same function
and messages as the NumPy core: :func:`nntheory.common.check_optimizer_options`).

Two functions are the NumPy core's expressions rather than torch's built-ins,
because the built-ins lose accuracy: the BCE value (``F.binary_cross_entropy_with_logits``
cancels for labels 0 at negative logits) and the tanh form of GELU (torch's
derivative is NaN for ``|z| >= 1e155``). Both agree with torch's built-ins to
round-off wherever those are accurate (tested).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import common, validation
from .common import DivergenceError, History

__all__ = [
    "MLP",
    "loss_and_gradients",
    "loss_value",
    "activation",
    "activation_derivative",
    "SGD",
    "Adagrad",
    "RMSprop",
    "Adam",
    "AdamW",
    "make_optimizer",
    "fit",
    "Ensemble",
    "fit_ensemble",
    "default_device",
    "DivergenceError",
    "History",
]


def _optimizer_params(params):
    if isinstance(params, nn.Module):
        params = params.parameters()
    if isinstance(params, torch.Tensor) or not hasattr(params, "__iter__"):
        raise TypeError("params must be a model or a list of its parameters; got "
                        f"{type(params).__name__}")
    params = list(params)
    if not params:
        raise ValueError("params must be a non-empty list of parameters")
    return params


class SGD(torch.optim.SGD):
    """``torch.optim.SGD``, accepting a model; hyper-parameters checked as in the NumPy core."""

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False):
        params = _optimizer_params(params)  # first, as in the NumPy core
        options = common.check_optimizer_options(
            "sgd", lr, {"momentum": momentum, "dampening": dampening,
                        "weight_decay": weight_decay, "nesterov": nesterov})
        super().__init__(params, lr=float(lr), **options)


class Adagrad(torch.optim.Adagrad):
    """``torch.optim.Adagrad``, accepting a model; hyper-parameters checked as in the
    NumPy core."""

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10):
        params = _optimizer_params(params)  # first, as in the NumPy core
        options = common.check_optimizer_options(
            "adagrad", lr, {"lr_decay": lr_decay, "weight_decay": weight_decay,
                            "initial_accumulator_value": initial_accumulator_value,
                            "eps": eps})
        super().__init__(params, lr=float(lr), **options)


class RMSprop(torch.optim.RMSprop):
    """``torch.optim.RMSprop``, accepting a model; hyper-parameters checked as in the
    NumPy core (``alpha`` in ``[0, 1)``)."""

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False):
        params = _optimizer_params(params)  # first, as in the NumPy core
        options = common.check_optimizer_options(
            "rmsprop", lr, {"alpha": alpha, "eps": eps, "weight_decay": weight_decay,
                            "momentum": momentum, "centered": centered})
        super().__init__(params, lr=float(lr), **options)


class Adam(torch.optim.Adam):
    """``torch.optim.Adam``, accepting a model; hyper-parameters checked as in the
    NumPy core."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False):
        params = _optimizer_params(params)  # first, as in the NumPy core
        options = common.check_optimizer_options(
            "adam", lr, {"betas": betas, "eps": eps, "weight_decay": weight_decay,
                         "amsgrad": amsgrad})
        super().__init__(params, lr=float(lr), **options)


class AdamW(torch.optim.AdamW):
    """``torch.optim.AdamW`` (decoupled weight decay, default 1e-2), accepting a model;
    hyper-parameters checked as in the NumPy core."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False):
        params = _optimizer_params(params)  # first, as in the NumPy core
        options = common.check_optimizer_options(
            "adamw", lr, {"betas": betas, "eps": eps, "weight_decay": weight_decay,
                          "amsgrad": amsgrad})
        super().__init__(params, lr=float(lr), **options)


def _softplus(z: torch.Tensor) -> torch.Tensor:
    # log(1 + e^z) without torch's threshold=20 shortcut, stable for all z
    return torch.logaddexp(z, torch.zeros((), dtype=z.dtype, device=z.device))


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_C = 0.044715
_GELU_TANH_CLIP = 50.0


def _gelu_tanh(z: torch.Tensor) -> torch.Tensor:
    # The NumPy core's expression: 0.5 z (1 + tanh(inner(clip(z, -50, 50)))); the clip
    # leaves the value unchanged (tanh is +-1 exactly beyond |z| ~ 7.2) and keeps z^3
    # and the derivative's z^2 from overflowing, so the derivative is finite for all z
    # (F.gelu(approximate="tanh")'s backward is NaN for |z| >= 1e155)
    zc = z.clamp(-_GELU_TANH_CLIP, _GELU_TANH_CLIP)
    t = torch.tanh(_SQRT_2_OVER_PI * (zc + _GELU_C * zc**3))
    return (1.0 + t) * z * 0.5


_ACTIVATIONS = {
    "identity": lambda z: z,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": lambda z: F.leaky_relu(z, 0.01),
    "elu": lambda z: F.elu(z, alpha=1.0),
    "silu": F.silu,
    "gelu": lambda z: F.gelu(z, approximate="none"),
    "gelu_tanh": _gelu_tanh,
    "softplus": _softplus,
    "square": torch.square,
}
assert set(_ACTIVATIONS) == set(common.ACTIVATIONS)


def activation(name: str, z) -> torch.Tensor:
    """``sigma(z)`` for the activation called ``name``: a float64 tensor (on the CPU).

    ``z``: finite real numbers of any shape (array, list, scalar or tensor; NaN
    and inf are refused), the same rule and the same float64 result type as
    :func:`nntheory.numpy_core.activation`.
    """
    f = _ACTIVATIONS[common.check_activation(name)]
    return f(torch.as_tensor(common.check_activation_input(z)))


def activation_derivative(name: str, z) -> torch.Tensor:
    """``sigma'(z)`` by autograd, a float64 tensor: the twin of
    :func:`nntheory.numpy_core.activation_derivative` (torch's values at the kinks)."""
    f = _ACTIVATIONS[common.check_activation(name)]
    zt = torch.as_tensor(common.check_activation_input(z)).requires_grad_(True)
    (grad,) = torch.autograd.grad(f(zt).sum(), zt)
    return grad.detach()


def default_device() -> torch.device:
    """CUDA when available, otherwise the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class MLP(nn.Module):
    """A multilayer perceptron of ``torch.nn.Linear`` layers (see the NumPy core's MLP).

    Same arguments as :class:`nntheory.numpy_core.MLP` (``dropout`` included: the
    masks are drawn in NumPy from ``model.dropout_rng``, so the two cores draw the
    same masks from the same seed), plus ``device`` (default: CUDA when available)
    and ``dtype`` (default ``torch.float64``). ``model.train()``/``model.eval()``
    are ``nn.Module``'s; ``predict`` and ``loss_value`` never drop units.
    """

    def __init__(self, sizes, activation: str = "relu", *, skip: bool = False,
                 init: str = "he", seed: int | None = None, dropout: float = 0.0,
                 device=None, dtype: torch.dtype = torch.float64):
        super().__init__()
        self.sizes = common.check_sizes(sizes)
        self.activation = common.check_activation(activation)
        self.skip = common.skip_layers(self.sizes, skip)
        self.init = common.check_init(init)
        self.dropout = common.check_dropout(dropout)
        params = common.init_parameters(self.sizes, self.init, seed)
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise TypeError(f"dtype must be a floating torch.dtype; got {dtype!r}")
        try:
            self.device = torch.device(device) if device is not None else default_device()
        except (RuntimeError, TypeError) as exc:
            raise ValueError(f"device must name a torch device such as 'cpu' or 'cuda'; "
                             f"got {device!r}") from exc
        self.dtype = dtype
        self.dropout_rng = common.dropout_generator(seed)
        self.layers = nn.ModuleList(
            nn.Linear(n_in, n_out, device=self.device, dtype=dtype)
            for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:], strict=True)
        )
        self._act = _ACTIVATIONS[self.activation]
        self._load(params)

    def extra_repr(self) -> str:
        return (f"activation={self.activation!r}, skip={any(self.skip)}, init={self.init!r}, "
                f"dropout={self.dropout!r}")

    def train(self, mode: bool = True) -> MLP:
        """Training mode (dropout active) or, with ``mode=False``, evaluation mode."""
        return super().train(validation.check_flag(mode, "mode"))

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    @property
    def n_parameters(self) -> int:
        """``N = sum_l n_l (n_{l-1} + 1)``."""
        return common.n_parameters(self.sizes)

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
        if isinstance(X, torch.Tensor) and X.is_floating_point():
            shape = common.check_input_shape(tuple(X.shape), self.sizes[0])
            X = X.reshape(shape)
            _check_batch(self.sizes, shape[0])
            if not bool(torch.isfinite(X).all()):
                raise ValueError("X contains NaN or infinite values")
            return X.to(self.device, self.dtype)
        # arrays, lists and integer/bool tensors: the NumPy core's own check
        arr = common.check_inputs(X, self.sizes[0])
        _check_batch(self.sizes, arr.shape[0])
        return torch.as_tensor(arr, dtype=self.dtype, device=self.device)

    def _draw_masks(self, n: int) -> list[torch.Tensor] | None:
        """This forward pass's dropout masks (drawn in NumPy), or ``None``."""
        if not (self.training and self.dropout > 0.0):
            return None
        return [torch.as_tensor(m, dtype=self.dtype, device=self.device)
                for m in common.dropout_masks(self.dropout_rng, n, self.sizes, self.dropout)]

    def forward(self, X) -> torch.Tensor:
        """The network's output (a tensor) for ``X`` of shape ``(n, n_in)``; in training
        mode with ``dropout > 0`` fresh masks are drawn from ``dropout_rng``."""
        Xt = self._as_input(X)
        return self._forward(Xt, self._draw_masks(Xt.shape[0]))

    def _forward(self, A: torch.Tensor, masks: list[torch.Tensor] | None = None
                 ) -> torch.Tensor:
        last = self.n_layers - 1
        layers = self.layers
        for l in range(last):  # (slicing a ModuleList would build a new Module per call)
            h = self._act(layers[l](A))
            if masks is not None:
                h = h * masks[l]
            A = A + h if self.skip[l] else h
        return self.layers[last](A)

    def predict(self, X) -> np.ndarray:
        """The output as a float64 NumPy array, without a graph and without dropout."""
        with torch.no_grad():
            return self._forward(self._as_input(X)).to("cpu", torch.float64).numpy()


class _StableBCE(torch.autograd.Function):
    """Binary cross-entropy on logits, ``mean(softplus(z) - y z)``, computed per sample as
    the NumPy core does: ``(1 - y) z`` or ``-y z`` (by the sign of ``z``) plus
    ``log1p(e^{-|z|})``, two non-negative terms, so nothing cancels.
    ``F.binary_cross_entropy_with_logits`` cancels for ``y = 0`` and ``z < 0``
    (measured: relative error 1e-5 at ``z = -23``, 0.4 for logits (37, -37.5) with
    labels (1, 0)). The gradient is torch's, ``(sigma(z) - y) / size``."""

    @staticmethod
    def forward(ctx, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(z, y)
        per_sample = torch.where(z > 0, (1.0 - y) * z, -y * z) + torch.log1p(torch.exp(-z.abs()))
        return per_sample.sum() / z.numel()

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        z, y = ctx.saved_tensors
        return (torch.sigmoid(z) - y) * (1.0 / z.numel()) * grad, None


def _loss(loss: str, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    if loss == "mse":
        return F.mse_loss(out, y)
    if loss == "bce":
        return _StableBCE.apply(out, y)
    if loss == "cross_entropy":
        return F.cross_entropy(out, y)
    if loss == "hinge":
        return torch.relu(1.0 - y * out).mean()
    raise AssertionError(loss)  # pragma: no cover - names are checked before


def _check_batch(sizes, n: int) -> None:
    """Refuse a batch whose activations (``n`` x the widest layer) exceed the size limit
    (shared by ``MLP`` and the ensembles, which borrow ``MLP._as_input``)."""
    validation.check_elements(n * max(sizes[1:]), "X",
                              what="a layer's activations (samples x width)")


def _check_model(model: object) -> MLP:
    return common.check_model(model, MLP, "torch_core")


def _tensors(model: MLP, X: np.ndarray, y: np.ndarray, loss: str
             ) -> tuple[torch.Tensor, torch.Tensor]:
    Xt = torch.as_tensor(X, dtype=model.dtype, device=model.device)
    if loss == "cross_entropy":
        yt = torch.as_tensor(y.astype(np.int64), device=model.device)
    else:
        yt = torch.as_tensor(y, dtype=model.dtype, device=model.device)
    return Xt, yt


def _prepare(model: MLP, X, y, loss: object) -> tuple[str, torch.Tensor, torch.Tensor]:
    # the NumPy core's order of checks: model, loss, X, y
    model = _check_model(model)
    loss = common.check_loss(loss)
    Xn = common.check_inputs(X, model.sizes[0])
    yn = common.check_targets(y, loss, Xn.shape[0], model.sizes[-1])
    _check_batch(model.sizes, Xn.shape[0])
    return (loss, *_tensors(model, Xn, yn, loss))


def loss_and_gradients(model: MLP, X, y, loss: str = "mse") -> tuple[float, list[np.ndarray]]:
    """The loss and its gradients (by autograd) in the NumPy core's layout.

    In training mode with dropout, one set of masks is drawn for this call.
    """
    loss, Xt, yt = _prepare(model, X, y, loss)
    model.zero_grad(set_to_none=True)
    value = _loss(loss, model._forward(Xt, model._draw_masks(Xt.shape[0])), yt)
    value.backward()
    grads = []
    for layer in model.layers:
        grads.append(layer.weight.grad.detach().T.to("cpu", torch.float64).numpy().copy())
        grads.append(layer.bias.grad.detach().to("cpu", torch.float64).numpy().copy())
    model.zero_grad(set_to_none=True)
    return float(value.item()), grads


def loss_value(model: MLP, X, y, loss: str = "mse") -> float:
    """The loss alone (no gradients), always without dropout (the eval network)."""
    loss, Xt, yt = _prepare(model, X, y, loss)
    with torch.no_grad():
        return float(_loss(loss, model._forward(Xt), yt).item())


_OPTIMIZER_CLASSES = {"sgd": SGD, "adagrad": Adagrad, "rmsprop": RMSprop, "adam": Adam,
                      "adamw": AdamW}
assert set(_OPTIMIZER_CLASSES) == set(common.OPTIMIZERS)


def make_optimizer(name: str, params, lr: float, **options) -> torch.optim.Optimizer:
    """``torch.optim``'s optimiser called ``name`` over ``params``."""
    return common.build_optimizer(_OPTIMIZER_CLASSES, name, params, lr, **options)


def _copy_all(dst: list[torch.Tensor], src: list[torch.Tensor]) -> None:
    """``dst[i].copy_(src[i])`` for every ``i``, fused where torch offers it."""
    if _FOREACH_COPY is not None:
        _FOREACH_COPY(dst, src)
    else:  # pragma: no cover - torch without _foreach_copy_ (before 2.1)
        for d, s in zip(dst, src, strict=True):
            d.copy_(s)


_FOREACH_COPY = getattr(torch, "_foreach_copy_", None)


def fit(model: MLP, X, y, *, loss: str = "mse", optimizer: str = "sgd", lr: float = 0.01,
        epochs: int = 100, batch_size: int | None = None, seed: int | None = None,
        progress: bool = False, **optimizer_options) -> History:
    """Train ``model`` in place with ``torch.optim``; same arguments, checks, history and
    divergence rule as the NumPy core's :func:`nntheory.numpy_core.fit` (mini-batches
    and dropout masks drawn from the same NumPy generators, so a seed gives the same
    run in both cores).

    Raises :class:`nntheory.common.DivergenceError` when a batch loss (measured
    before its step) or the final loss is NaN, infinite or above
    ``1e10 * max(first loss, 1)``, leaving the model at the parameters of the last
    accepted loss, exactly as the NumPy core does. The loss is read back after
    every step for this check (one device synchronisation per step).
    """
    model = _check_model(model)
    args = common.check_fit(model.sizes, X, y, loss=loss, optimizer=optimizer, lr=lr,
                            epochs=epochs, batch_size=batch_size, seed=seed,
                            progress=progress, options=optimizer_options)
    loss = args.loss
    _check_batch(model.sizes, args.X.shape[0])
    Xt, yt = _tensors(model, args.X, args.y, loss)
    n = Xt.shape[0]
    params = list(model.parameters())
    opt = _OPTIMIZER_CLASSES[args.optimizer](params, lr=args.lr, **args.options)
    rng = np.random.default_rng(args.seed)
    # The divergence restore needs the parameters of the last accepted loss. They are
    # snapshotted after every accepted loss by ONE fused copy of every tensor
    # (torch._foreach_copy_ on detached views: no autograd bookkeeping, one dispatch
    # instead of one per tensor and a no_grad context), which brings the per-step
    # cost to that of a bare loop (bench/bench_cores.py).
    live = [p.detach() for p in params]  # share storage with the parameters
    saved = [p.clone() for p in live]

    def restore() -> None:
        _copy_all(live, saved)

    history = History(optimizer=args.optimizer, lr=args.lr, batch_size=args.batch_size)
    check = common.DivergenceCheck(args.lr, history, restore)
    full_batch = (None,) if args.batch_size is None or args.batch_size >= n else None
    for epoch in common.epoch_range(args.epochs, args.progress, args.optimizer):
        total = 0.0
        # full batch: one batch, no generator (its arguments are checked once, above)
        for idx in full_batch or common._minibatches(n, args.batch_size, rng):
            if idx is None:
                Xb, yb = Xt, yt
            else:
                it = torch.as_tensor(idx, device=model.device)
                Xb, yb = Xt[it], yt[it]
            opt.zero_grad(set_to_none=True)
            batch_loss = _loss(loss, model._forward(Xb, model._draw_masks(Xb.shape[0])), yb)
            value = batch_loss.item()
            check.accept(value, epoch)
            _copy_all(saved, live)
            batch_loss.backward()
            opt.step()
            check.steps += 1
            total += value * Xb.shape[0]
        history.loss.append(total / n)
    with torch.no_grad():  # the parameters fit returns pass the same check
        check.accept(float(_loss(loss, model._forward(Xt), yt).item()), args.epochs)
    return history


# --------------------------------------------------------------------------- ensembles
# K networks of one shape trained at once (see nntheory._ensemble_torch); imported last
# because that module builds on the definitions above.
from ._ensemble_torch import Ensemble, fit_ensemble  # noqa: E402
