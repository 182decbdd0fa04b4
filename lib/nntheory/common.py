"""What the two training cores share: names, validation, initialisation, history.

Both :mod:`nntheory.numpy_core` and :mod:`nntheory.torch_core` take their
argument checking, their parameter initialisation, their dropout masks, their
optimiser table and their divergence rule from here, so that a chapter can
switch cores by changing one import and get the same numbers (to float64
round-off) from the same seed, and the same error for the same bad input.

This module imports NumPy only (never torch).

Parameter layout
----------------
A network with ``sizes = [n_0, n_1, ..., n_L]`` has parameters
``[W_1, b_1, ..., W_L, b_L]`` with ``W_l`` of shape ``(n_{l-1}, n_l)`` and
``b_l`` of shape ``(n_l,)``, so that layer ``l`` computes ``A @ W_l + b_l`` on a
batch ``A`` of shape ``(batch, n_{l-1})``. The parameter count is
``N = sum_l n_l (n_{l-1} + 1)``.

Divergence
----------
``fit`` measures the loss of every batch at the current parameters *before*
stepping, and once more on the whole data after the last step. A loss is
rejected when it is NaN, infinite, or larger than
``DIVERGENCE_FACTOR * max(first_loss, DIVERGENCE_FLOOR)`` (``first_loss`` is
the loss of the first batch, at the parameters training started from): a loss
ten orders of magnitude above its start means the iterates are running away,
and nothing in this book comes back from there. On rejection both cores put
back the parameters at which the last accepted loss was measured (so they
hold the same, finite parameters) and raise :class:`DivergenceError`.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import math
import numbers
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from . import validation
from .validation import check_seed

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "INITS",
    "OPTIMIZERS",
    "OPTIMIZER_DEFAULTS",
    "DIVERGENCE_FACTOR",
    "DIVERGENCE_FLOOR",
    "DivergenceError",
    "History",
    "FitArguments",
    "check_activation",
    "check_loss",
    "check_init",
    "check_optimizer",
    "check_optimizer_options",
    "check_sizes",
    "check_seed",
    "check_dropout",
    "check_model",
    "skip_layers",
    "n_parameters",
    "init_parameters",
    "dropout_generator",
    "dropout_masks",
    "check_activation_input",
    "check_inputs",
    "check_input_shape",
    "check_targets",
    "check_parameter_list",
    "check_fit",
    "check_fit_arguments",
    "minibatches",
    "divergence_limit",
    "divergence_message",
    "build_optimizer",
    "epoch_range",
    "check_ensemble_seeds",
    "check_member_seeds",
    "ensemble_minibatches",
    "ensemble_threads",
    "EnsembleDivergenceCheck",
]

#: Activation names understood by both cores (hidden layers; the output layer is linear).
ACTIVATIONS: tuple[str, ...] = (
    "identity",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",  # slope 0.01 for x < 0, as torch.nn.LeakyReLU
    "elu",  # alpha = 1
    "silu",  # x * sigmoid(x), a.k.a. swish
    "gelu",  # x * Phi(x), exact erf form
    "gelu_tanh",  # tanh approximation of GELU
    "softplus",  # log(1 + e^x), computed stably (no threshold)
    "square",  # x^2, for the residual-polynomial chapter
)

#: Loss names: all are means, and all act on the network's raw outputs (logits).
LOSSES: tuple[str, ...] = ("mse", "bce", "cross_entropy", "hinge")

#: Initialisation schemes for the weights (biases start at 0 except for "torch").
INITS: tuple[str, ...] = ("he", "xavier", "normal", "torch")

#: Optimiser names accepted by ``fit`` (case-insensitive).
OPTIMIZERS: tuple[str, ...] = ("sgd", "adagrad", "rmsprop", "adam", "adamw")

#: Each optimiser's default learning rate and options: exactly ``torch.optim``'s.
OPTIMIZER_DEFAULTS: dict[str, tuple[float, dict[str, object]]] = {
    "sgd": (1e-3, {"momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0,
                   "nesterov": False}),
    "adagrad": (1e-2, {"lr_decay": 0.0, "weight_decay": 0.0,
                       "initial_accumulator_value": 0.0, "eps": 1e-10}),
    "rmsprop": (1e-2, {"alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0,
                       "centered": False}),
    "adam": (1e-3, {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0,
                    "amsgrad": False}),
    "adamw": (1e-3, {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-2,
                     "amsgrad": False}),
}

#: A loss above ``DIVERGENCE_FACTOR * max(first loss, DIVERGENCE_FLOOR)`` is divergence.
DIVERGENCE_FACTOR: float = 1e10
#: See :data:`DIVERGENCE_FACTOR`: the floor keeps a tiny first loss from making
#: ordinary fluctuations count as divergence.
DIVERGENCE_FLOOR: float = 1.0


class DivergenceError(FloatingPointError):
    """Training produced a loss that is NaN, infinite, or beyond the divergence limit.

    Attributes (``None`` when raised by hand): ``epoch`` and ``step`` (the number
    of optimiser steps taken) at which the rejected loss was measured, ``loss``
    (its value), ``limit`` (the divergence limit in force) and ``history`` (the
    :class:`History` of the epochs completed before). The model holds the
    parameters at which the last accepted loss was measured.
    """

    def __init__(self, message: str = "", *, epoch: int | None = None,
                 step: int | None = None, loss: float | None = None,
                 limit: float | None = None, history: History | None = None):
        super().__init__(message)
        self.epoch = epoch
        self.step = step
        self.loss = loss
        self.limit = limit
        self.history = history


def _check_name(value: object, allowed: Sequence[str], argument: str) -> str:
    if not isinstance(value, str):
        raise TypeError(
            f"{argument} must be a string, one of {', '.join(allowed)}; got {type(value).__name__}"
        )
    name = value.lower()
    if name not in allowed:
        raise ValueError(f"unknown {argument} {value!r}; expected one of: {', '.join(allowed)}")
    return name


def check_activation(activation: object, argument: str = "activation") -> str:
    """Return the canonical activation name or raise naming ``argument``."""
    return _check_name(activation, ACTIVATIONS, argument)


def check_loss(loss: object) -> str:
    """Return the canonical loss name or raise naming ``loss``."""
    return _check_name(loss, LOSSES, "loss")


def check_init(init: object) -> str:
    """Return the canonical initialisation name or raise naming ``init``."""
    return _check_name(init, INITS, "init")


def check_optimizer(optimizer: object, argument: str = "optimizer") -> str:
    """Return the canonical optimiser name or raise naming ``argument``."""
    return _check_name(optimizer, OPTIMIZERS, argument)


def check_sizes(sizes: object) -> tuple[int, ...]:
    """Validate ``sizes = [n_in, h_1, ..., n_out]``: at least two positive integers.

    A list, a tuple or a 1-D integer NumPy array is accepted.
    """
    if isinstance(sizes, np.ndarray) and sizes.ndim == 1:
        sizes = sizes.tolist()
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(
            f"sizes must be a list of layer widths [n_in, ..., n_out]; got {type(sizes).__name__}"
        )
    if len(sizes) < 2:
        raise ValueError(
            f"sizes must list at least an input and an output width, e.g. [1, 1]; got {list(sizes)}"
        )
    validation.check_size(len(sizes) - 1, "sizes", MAX_LAYERS,
                          "every layer is a Python object and a step through it",
                          what="a number of layers")
    out = []
    for i, n in enumerate(sizes):
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral):
            raise TypeError(f"sizes[{i}] must be an integer; got {n!r}")
        if n < 1:
            raise ValueError(f"sizes[{i}] must be a positive width; got {n}")
        out.append(int(n))
    return tuple(out)


#: The most members an ensemble may have (:func:`check_ensemble_seeds`).
MAX_MEMBERS = 100_000

#: The most epochs one ``fit`` may run (:func:`check_fit_arguments`).
MAX_EPOCHS = 1_000_000

#: The most layers a network may have (:func:`check_sizes`).
MAX_LAYERS = 100_000


def _count_parameters(sizes: Sequence[int]) -> int:
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=False))


def check_dropout(dropout: object) -> float:
    """A dropout probability in ``[0, 1)`` (the chance that a hidden unit is dropped)."""
    return validation.check_real(dropout, "dropout", low=0.0, high=1.0, high_open=True)


def check_model(model: object, cls: type, core: str):
    """``model`` if it is an instance of ``cls`` (the MLP class of the core ``core``)."""
    if not isinstance(model, cls):
        raise TypeError(f"model must be a nntheory.{core}.MLP; got {type(model).__name__}")
    return model


def skip_layers(sizes: Sequence[int], skip: bool) -> tuple[bool, ...]:
    """Which layers carry an identity skip connection.

    With ``skip=True``, every hidden layer ``l`` (all but the output layer)
    whose input width equals its output width computes
    ``A_l = A_{l-1} + sigma(A_{l-1} @ W_l + b_l)``; the others are plain.
    """
    skip = validation.check_flag(skip, "skip")
    n_layers = len(sizes) - 1
    return tuple(
        skip and l < n_layers - 1 and sizes[l] == sizes[l + 1] for l in range(n_layers)
    )


def n_parameters(sizes: object) -> int:
    """``N = sum_l n_l (n_{l-1} + 1)``: weights plus biases (``sizes`` is validated)."""
    sizes = check_sizes(sizes)
    return sum(sizes[l + 1] * (sizes[l] + 1) for l in range(len(sizes) - 1))


def init_parameters(sizes: Sequence[int], init: str = "he", seed: int | None = None) -> list:
    """Initial ``[W_1, b_1, ..., W_L, b_L]`` (float64) for both cores.

    * ``"he"``: ``W ~ N(0, 2/n_in)``, ``b = 0`` (He et al. 2015).
    * ``"xavier"``: ``W ~ N(0, 2/(n_in + n_out))``, ``b = 0`` (Glorot & Bengio 2010).
    * ``"normal"``: ``W ~ N(0, 1)``, ``b = 0``.
    * ``"torch"``: ``W, b ~ U(-1/sqrt(n_in), 1/sqrt(n_in))``, the distribution of
      ``torch.nn.Linear``'s default initialisation.

    The draws come from ``numpy.random.default_rng(seed)``, so both cores start
    from identical parameters for the same seed.
    """
    sizes = check_sizes(sizes)
    init = check_init(init)
    validation.check_elements(_count_parameters(sizes), "sizes", what="a parameter list")
    rng = np.random.default_rng(check_seed(seed))
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        if init == "torch":
            bound = 1.0 / math.sqrt(n_in)
            W = rng.uniform(-bound, bound, size=(n_in, n_out))
            b = rng.uniform(-bound, bound, size=n_out)
        else:
            std = {"he": math.sqrt(2.0 / n_in),
                   "xavier": math.sqrt(2.0 / (n_in + n_out)),
                   "normal": 1.0}[init]
            W = rng.normal(0.0, std, size=(n_in, n_out))
            b = np.zeros(n_out)
        params += [W, b]
    return params


# --------------------------------------------------------------------------- dropout

def dropout_generator(seed: int | None) -> np.random.Generator:
    """The generator of a model's dropout masks: a child of ``SeedSequence(seed)``.

    It is independent of the stream that draws the initial parameters (so a
    model with ``dropout=p`` starts from the same parameters as one without),
    and the same ``seed`` gives the same masks in both cores.
    """
    return np.random.default_rng(np.random.SeedSequence(check_seed(seed)).spawn(1)[0])


def dropout_masks(rng: np.random.Generator, n_samples: int, sizes: Sequence[int],
                  p: float) -> list[np.ndarray]:
    """Inverted-dropout masks for the hidden layers of a ``sizes`` network.

    One float64 array of shape ``(n_samples, n_l)`` per hidden layer, drawn in
    layer order as ``rng.random((n_samples, n_l)) >= p`` (keep with probability
    ``1 - p``) and scaled: entries are ``0`` or ``1 / (1 - p)``, so that each
    unit's expected output is unchanged (the rule of ``torch.nn.Dropout``).
    Both cores multiply a hidden layer's activation ``sigma(Z_l)`` by its mask.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}")
    n_samples = validation.check_int(n_samples, "n_samples", minimum=1)
    sizes = check_sizes(sizes)
    p = check_dropout(p)
    scale = 1.0 / (1.0 - p)
    return [(rng.random((n_samples, n)) >= p) * scale for n in sizes[1:-1]]


# --------------------------------------------------------------------------- data

def _as_float64(a: object, argument: str) -> np.ndarray:
    if a is None or isinstance(a, (str, bytes)):
        raise TypeError(f"{argument} must be an array of real numbers; got {a!r}")
    if hasattr(a, "detach") and hasattr(a, "cpu"):  # a torch tensor, without importing torch
        a = a.detach().cpu().numpy()
    try:
        arr = np.asarray(a)
    except Exception as exc:  # ragged lists and exotic objects
        raise TypeError(f"{argument} must be an array of real numbers; got "
                        f"{type(a).__name__}") from exc
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.floating)
        or np.issubdtype(arr.dtype, np.integer)
        or arr.dtype == np.bool_
    ):
        raise TypeError(f"{argument} must hold real numbers; got dtype {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=np.float64)


def check_input_shape(shape: tuple[int, ...], n_in: int, argument: str = "X"
                      ) -> tuple[int, ...]:
    """The 2-D shape ``(n, n_in)`` an input of ``shape`` stands for, or a ``ValueError``.

    A 1-D input is one sample per entry when ``n_in == 1``. Both cores check
    array and tensor inputs with this one function (same messages).
    """
    shape = tuple(int(s) for s in shape)
    if len(shape) == 1 and n_in == 1:
        shape = (shape[0], 1)
    if len(shape) != 2 or shape[1] != n_in:
        raise ValueError(
            f"{argument} must have shape (n_samples, {n_in}) for this network; got {shape}"
        )
    if shape[0] == 0:
        raise ValueError(f"{argument} must hold at least one sample; got shape {shape}")
    return shape


def check_activation_input(z: object) -> np.ndarray:
    """``z`` for ``activation``/``activation_derivative``: finite reals, as float64.

    Any shape (a scalar too); NaN and infinite entries are refused, so that no
    activation or derivative returns NaN for bad input.
    """
    arr = _as_float64(z, "z")
    if not np.isfinite(arr).all():
        raise ValueError("z contains NaN or infinite values")
    return arr


def check_inputs(X: object, n_in: int, argument: str = "X") -> np.ndarray:
    """``X`` as a C-contiguous float64 array of shape ``(n, n_in)``, finite.

    A 1-D array is accepted when ``n_in == 1`` (one sample per entry).
    """
    arr = _as_float64(X, argument)
    arr = arr.reshape(check_input_shape(arr.shape, n_in, argument))
    if not np.isfinite(arr).all():
        raise ValueError(f"{argument} contains NaN or infinite values")
    return arr


def check_targets(y: object, loss: str, n_samples: int, n_out: int) -> np.ndarray:
    """Targets for ``loss`` as float64, shaped like the network's output.

    * ``mse``: real targets, shape ``(n, n_out)`` (or ``(n,)`` when ``n_out == 1``);
    * ``bce``: targets in ``[0, 1]``, same shapes;
    * ``hinge``: labels in ``{-1, +1}``, same shapes;
    * ``cross_entropy``: integer class labels in ``[0, n_out)``, shape ``(n,)``;
      returned as float64 class indices of shape ``(n,)``.
    """
    loss = check_loss(loss)
    n_samples = validation.check_int(n_samples, "n_samples", minimum=1)
    n_out = validation.check_int(n_out, "n_out", minimum=1)
    arr = _as_float64(y, "y")
    if loss == "cross_entropy":
        if n_out < 2:
            raise ValueError("loss 'cross_entropy' needs a network with at least 2 outputs")
        if arr.shape != (n_samples,):
            raise ValueError(
                f"y must be a vector of {n_samples} integer class labels for "
                f"loss 'cross_entropy'; got shape {arr.shape}"
            )
    else:
        if arr.ndim == 1 and n_out == 1:
            arr = arr.reshape(-1, 1)
        if arr.shape != (n_samples, n_out):
            raise ValueError(
                f"y must have shape ({n_samples}, {n_out}) to match the network's output; "
                f"got {arr.shape}"
            )
    if not np.isfinite(arr).all():
        raise ValueError("y contains NaN or infinite values")
    if loss == "cross_entropy":
        if not (np.all(arr == np.round(arr)) and arr.min() >= 0 and arr.max() < n_out):
            raise ValueError(f"y must hold integer class labels in [0, {n_out - 1}]")
    elif loss == "bce" and (arr.min() < 0 or arr.max() > 1):
        raise ValueError("y must lie in [0, 1] for loss 'bce'")
    elif loss == "hinge" and not np.all(np.abs(arr) == 1):
        raise ValueError("y must hold labels -1 or +1 for loss 'hinge'")
    return arr


def check_parameter_list(params: object, sizes: Sequence[int]) -> list:
    """Validate a ``[W_1, b_1, ...]`` list against ``sizes``; return float64 copies."""
    if not isinstance(params, Sequence) or isinstance(params, (str, bytes)):
        raise TypeError(f"params must be a list [W1, b1, W2, b2, ...]; got {type(params).__name__}")
    n_layers = len(sizes) - 1
    if len(params) != 2 * n_layers:
        raise ValueError(
            f"params must hold {2 * n_layers} arrays [W1, b1, ..., W{n_layers}, b{n_layers}]; "
            f"got {len(params)}"
        )
    out = []
    for l in range(n_layers):
        for kind, shape, p in (
            ("W", (sizes[l], sizes[l + 1]), params[2 * l]),
            ("b", (sizes[l + 1],), params[2 * l + 1]),
        ):
            arr = _as_float64(p, f"params[{len(out)}] ({kind}{l + 1})")
            if arr.shape != shape:
                raise ValueError(
                    f"params[{len(out)}] ({kind}{l + 1}) must have shape {shape}; got {arr.shape}"
                )
            if not np.isfinite(arr).all():
                raise ValueError(f"params[{len(out)}] ({kind}{l + 1}) contains NaN or inf")
            out.append(arr.copy())
    return out


# --------------------------------------------------------------------------- optimisers

def _check_betas(betas: object) -> tuple[float, float]:
    if isinstance(betas, np.ndarray):
        betas = betas.tolist()
    if isinstance(betas, (str, bytes)) or not isinstance(betas, Sequence) or len(betas) != 2:
        raise TypeError(f"betas must be a pair (beta1, beta2) of numbers in [0, 1); "
                        f"got {betas!r}")
    return tuple(validation.check_real(b, f"betas[{i}]", low=0.0, high=1.0, high_open=True)
                 for i, b in enumerate(betas))


def check_optimizer_options(name: object, lr: object, options: dict) -> dict:
    """Validated hyper-parameters of the optimiser ``name`` (one rule for both cores).

    Returns ``options`` completed with ``torch.optim``'s defaults
    (:data:`OPTIMIZER_DEFAULTS`), as floats, bools and a float pair ``betas``.
    Rules: ``lr``, ``eps``, ``weight_decay``, ``momentum``, ``lr_decay`` and
    ``initial_accumulator_value`` finite and ``>= 0``; ``dampening`` in
    ``[0, 1]``; RMSprop's ``alpha`` in ``[0, 1)``; ``betas`` a pair in
    ``[0, 1)``; ``nesterov``, ``centered`` and ``amsgrad`` booleans; Nesterov
    needs ``momentum > 0`` and ``dampening = 0``. An option the optimiser does
    not take is a ``TypeError`` naming it.
    """
    name = check_optimizer(name)
    _, defaults = OPTIMIZER_DEFAULTS[name]
    unknown = [k for k in options if k not in defaults]
    if unknown:
        raise TypeError(f"optimizer {name!r} got an unexpected option {unknown[0]!r}; "
                        f"it takes: lr, {', '.join(defaults)}")
    out: dict[str, object] = {"lr": validation.check_real(lr, "lr", low=0.0)}
    for key, default in defaults.items():
        value = options.get(key, default)
        if key == "betas":
            out[key] = _check_betas(value)
        elif isinstance(default, bool):
            out[key] = validation.check_flag(value, key)
        elif key == "alpha":
            out[key] = validation.check_real(value, key, low=0.0, high=1.0, high_open=True)
        elif key == "dampening":
            out[key] = validation.check_real(value, key, low=0.0, high=1.0)
        else:
            out[key] = validation.check_real(value, key, low=0.0)
    if out.get("nesterov") and (out["momentum"] <= 0 or out["dampening"] != 0):
        raise ValueError("nesterov=True requires momentum > 0 and dampening = 0; got "
                         f"momentum={out['momentum']!r}, dampening={out['dampening']!r}")
    del out["lr"]
    return out


def build_optimizer(classes: dict, name: str, params, lr: float, **options):
    """Instantiate ``classes[name]`` (one core's optimiser classes) with torch.optim's
    option names, after :func:`check_optimizer_options` (same errors in both cores)."""
    name = check_optimizer(name)
    options = check_optimizer_options(name, lr, options)
    return classes[name](params, lr=float(lr), **options)


# --------------------------------------------------------------------------- fit

class FitArguments(NamedTuple):
    """``fit``'s arguments after validation (see :func:`check_fit`)."""

    X: np.ndarray
    y: np.ndarray
    loss: str
    optimizer: str
    lr: float
    epochs: int
    batch_size: int | None
    seed: int | None
    progress: bool
    options: dict


def check_fit_arguments(lr: object, epochs: object, batch_size: object
                        ) -> tuple[float, int, int | None]:
    """``fit``'s ``(lr, epochs, batch_size)`` validated, naming the one that is wrong:
    ``lr`` finite and ``>= 0``, ``epochs`` an integer ``>= 1``, ``batch_size`` ``None``
    (full batch) or an integer ``>= 1``."""
    lr = validation.check_real(lr, "lr", low=0.0)
    epochs = validation.check_size(epochs, "epochs", MAX_EPOCHS,
                                   "every epoch is at least one Python-level step (a "
                                   "million take minutes)")
    if batch_size is not None:
        batch_size = validation.check_int(batch_size, "batch_size", minimum=1)
    return lr, epochs, batch_size


def check_fit(sizes: Sequence[int], X: object, y: object, *, loss: object,
              optimizer: object, lr: object, epochs: object, batch_size: object,
              seed: object, progress: object, options: dict) -> FitArguments:
    """The validation preamble of both cores' ``fit``, in one order, with one wording.

    Order: ``loss``, ``optimizer``, ``X``, ``y``, ``lr``, ``epochs``,
    ``batch_size``, ``seed``, ``progress``, then the optimiser's options.
    """
    loss = check_loss(loss)
    optimizer = check_optimizer(optimizer)
    X = check_inputs(X, sizes[0])
    y = check_targets(y, loss, X.shape[0], sizes[-1])
    lr, epochs, batch_size = check_fit_arguments(lr, epochs, batch_size)
    seed = check_seed(seed)
    progress = validation.check_flag(progress, "progress")
    options = check_optimizer_options(optimizer, lr, dict(options))
    return FitArguments(X, y, loss, optimizer, lr, epochs, batch_size, seed, progress,
                        options)


def minibatches(n_samples: int, batch_size: int | None, rng: np.random.Generator
                ) -> Iterator[np.ndarray | None]:
    """Index arrays for one epoch: ``None`` (full batch, no copy) or a shuffled split.

    Both cores draw the permutation from the same NumPy generator, so the
    same ``seed`` gives the same batches in either core.
    """
    n_samples = validation.check_int(n_samples, "n_samples", minimum=1)
    if batch_size is not None:
        batch_size = validation.check_int(batch_size, "batch_size", minimum=1)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}")
    return _minibatches(n_samples, batch_size, rng)


def _minibatches(n_samples: int, batch_size: int | None, rng: np.random.Generator
                 ) -> Iterator[np.ndarray | None]:
    if batch_size is None or batch_size >= n_samples:
        yield None
        return
    perm = rng.permutation(n_samples)
    for start in range(0, n_samples, batch_size):
        yield perm[start:start + batch_size]


def epoch_range(epochs: int, progress: bool, optimizer: str):
    """``range(epochs)``, wrapped in a ``tqdm.auto`` progress bar when ``progress``."""
    if not progress:
        return range(epochs)
    from tqdm.auto import tqdm

    return tqdm(range(epochs), desc=f"fit ({optimizer})", unit="epoch")


def divergence_limit(first_loss: float) -> float:
    """``DIVERGENCE_FACTOR * max(first_loss, DIVERGENCE_FLOOR)`` (see the module docstring)."""
    return DIVERGENCE_FACTOR * max(float(first_loss), DIVERGENCE_FLOOR)


def divergence_message(epoch: int, loss: float, lr: float, *, step: int | None = None,
                       limit: float | None = None) -> str:
    """The message of :class:`DivergenceError` (the same in both cores)."""
    if step == 0:
        return (f"the loss at the starting parameters is already {loss:.6g}, before any "
                "training step: this is not a learning-rate problem; check the scale "
                "of X, y and the initial weights")
    if math.isfinite(loss) and limit is not None:
        why = (f"the loss became {loss:.6g}, above the divergence limit {limit:.6g} "
               f"(= {DIVERGENCE_FACTOR:g} x max(first loss, {DIVERGENCE_FLOOR:g}))")
    else:
        why = f"the loss became {loss}"
    where = f"epoch {epoch}" if step is None else f"epoch {epoch} (after {step} steps)"
    held = ("" if step is None else " The model holds the parameters at which the last "
            "accepted loss was measured.")
    return (f"training diverged at {where}: {why}.{held} "
            f"Try a smaller learning rate than lr={lr:g} (for example lr={lr / 10:g}).")


class DivergenceCheck:
    """The divergence rule of both cores' ``fit`` (internal; see the module docstring).

    ``accept(loss, epoch)`` is called with the loss at the current parameters
    before every step (and once after the last); it raises
    :class:`DivergenceError` when the loss is rejected. The caller saves the
    parameters after each accepted loss and restores them before the raise
    (``restore`` is called with no argument).
    """

    def __init__(self, lr: float, history: History, restore):
        self.lr = lr
        self.history = history
        self.restore = restore
        self.limit: float | None = None
        self.steps = 0

    def accept(self, loss: float, epoch: int) -> None:
        if self.limit is None and math.isfinite(loss):
            self.limit = divergence_limit(loss)
        if self.limit is not None and loss <= self.limit:  # False for NaN
            return
        if self.steps:
            self.restore()
        raise DivergenceError(
            divergence_message(epoch, loss, self.lr, step=self.steps, limit=self.limit),
            epoch=epoch, step=self.steps, loss=loss, limit=self.limit,
            history=self.history)


@dataclass
class History:
    """What ``fit`` returns.

    ``loss[k]`` is the mean training loss over epoch ``k`` (weighted by batch
    size), each batch's loss measured before that batch's update; with full
    batches it is the loss at the parameters the epoch started from.
    """

    loss: list[float] = field(default_factory=list)
    optimizer: str = "sgd"
    lr: float = 0.0
    batch_size: int | None = None
    #: ``None`` for a run that finished; for an ensemble member that diverged, the
    #: :class:`DivergenceError` a separate ``fit`` would have raised (same ``epoch``,
    #: ``step``, ``loss``, ``limit`` and message; its ``history`` is this History).
    #: ``fit`` itself never sets it: it raises instead.
    diverged: DivergenceError | None = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.loss)

    @property
    def final_loss(self) -> float:
        return self.loss[-1]


# --------------------------------------------------------------------------- ensembles

def check_ensemble_seeds(seeds: object, argument: str = "seeds",
                         sizes: Sequence[int] | None = None) -> tuple[int, ...]:
    """An ensemble's member seeds: a non-empty sequence of integers ``>= 0``.

    One member per entry (repeats are allowed: two members with the same seed
    start equal). ``None`` entries are refused: an ensemble member must start
    from a reproducible network.
    """
    if isinstance(seeds, np.ndarray) and seeds.ndim == 1:
        seeds = seeds.tolist()
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence):
        raise TypeError(f"{argument} must be a sequence of integer seeds, one per member; "
                        f"got {type(seeds).__name__}")
    if len(seeds) == 0:
        raise ValueError(f"{argument} must hold at least one seed (one per member)")
    validation.check_size(len(seeds), argument, MAX_MEMBERS,
                          "each member is initialised by its own generator, one at a time",
                          what="a number of members")
    if sizes is not None:  # before any member is built: one flat buffer holds them all
        validation.check_elements(len(seeds) * _count_parameters(sizes),
                                  f"{argument} (one member each, {len(seeds):,} of them)",
                                  what="a parameter buffer")
    return tuple(check_seed(s, f"{argument}[{i}]", allow_none=False)
                 for i, s in enumerate(seeds))


def check_member_seeds(seeds: object, n_models: int) -> tuple[int | None, ...]:
    """``fit_ensemble``'s ``seeds`` (the mini-batch order of each member).

    ``None`` (every member draws as ``fit(..., seed=None)`` would) or a sequence
    of ``n_models`` entries, each ``None`` or an integer ``>= 0``.
    """
    if seeds is None:
        return (None,) * n_models
    if isinstance(seeds, np.ndarray) and seeds.ndim == 1:
        seeds = seeds.tolist()
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence):
        raise TypeError("seeds must be None or a sequence of seeds, one per member; "
                        f"got {type(seeds).__name__}")
    if len(seeds) != n_models:
        raise ValueError(f"seeds must hold one seed per member ({n_models}); "
                         f"got {len(seeds)}")
    return tuple(check_seed(s, f"seeds[{i}]") for i, s in enumerate(seeds))


def ensemble_minibatches(n_samples: int, batch_size: int | None,
                         rngs: Sequence[np.random.Generator]
                         ) -> Iterator[np.ndarray | None]:
    """One epoch's batches of every member: ``None`` (full batch) or an index array
    of shape ``(n_models, batch)`` whose row ``k`` is the batch that
    :func:`minibatches` draws from ``rngs[k]`` (one permutation per member, drawn
    in member order), so member ``k`` sees exactly the batches of a separate
    ``fit`` with that member's seed."""
    if batch_size is None or batch_size >= n_samples:
        yield None
        return
    perms = np.stack([rng.permutation(n_samples) for rng in rngs])
    for start in range(0, n_samples, batch_size):
        yield perms[:, start:start + batch_size]


#: At most this many threads share the member chunks of one ensemble step.
ENSEMBLE_THREADS = 2


@contextlib.contextmanager
def ensemble_threads(n_chunks: int
                     ) -> Iterator[tuple[concurrent.futures.ThreadPoolExecutor | None,
                                         list[range]]]:
    """Threads for the member chunks of an ensemble's steps, and each one's share.

    NumPy and torch release the GIL inside their kernels, so chunks of members
    (each with its own buffers, writing only its members' slices: the numbers do
    not depend on the threads) run in parallel. One thread per CPU available to
    this process, at most :data:`ENSEMBLE_THREADS`; ``(None, [range(n_chunks)])``
    on one CPU. The shares are contiguous ranges of chunk indices, one per thread.
    The threads live for one ``fit_ensemble`` call and are joined at its end, so no
    idle threads stay behind in the caller's process (idle threads that had run
    torch kernels were measured to slow the main thread's later torch work: a
    separate fit of the reference problem from 0.49 to 0.7-0.9 ms per step).
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cpus = os.cpu_count() or 1
    threads = min(cpus, ENSEMBLE_THREADS, n_chunks)
    if threads < 2:
        yield None, [range(n_chunks)]
        return
    bounds = [n_chunks * t // threads for t in range(threads + 1)]
    shares = [range(lo, hi) for lo, hi in zip(bounds, bounds[1:], strict=False)]
    with concurrent.futures.ThreadPoolExecutor(threads, "nntheory-ensemble") as pool:
        yield pool, shares


class EnsembleDivergenceCheck:
    """The divergence rule of ``fit`` applied to each member of an ensemble.

    ``accept(values, epoch)`` takes the members' losses (shape ``(n_models,)``)
    at their current parameters and returns a boolean mask of the members
    rejected now: each gets, in ``histories[k].diverged``, the
    :class:`DivergenceError` a separate ``fit`` would have raised, and is marked
    inactive (the caller puts back its saved parameters and freezes it there).
    Members already inactive are ignored. Limits are set per member at its
    first loss, as :func:`divergence_limit` sets them.
    """

    def __init__(self, n_models: int, lr: float, histories: Sequence[History]):
        self.lr = lr
        self.histories = histories
        self.limit = np.full(n_models, np.inf)
        self.has_limit = np.zeros(n_models, dtype=bool)
        self.active = np.ones(n_models, dtype=bool)
        self.steps = 0

    def accept(self, values: np.ndarray, epoch: int) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        if self.steps == 0:  # limits are set at the first loss (a finite one)
            new = ~self.has_limit & np.isfinite(values)
            self.limit[new] = DIVERGENCE_FACTOR * np.maximum(values[new], DIVERGENCE_FLOOR)
            self.has_limit |= new
            bad = self.active & ~(self.has_limit & (values <= self.limit))
        else:  # every active member has its limit by now
            bad = ~(values <= self.limit)  # True for NaN
            bad &= self.active
        if bad.any():
            for k in np.flatnonzero(bad):
                loss = float(values[k])
                limit = float(self.limit[k]) if self.has_limit[k] else None
                self.histories[k].diverged = DivergenceError(
                    divergence_message(epoch, loss, self.lr, step=self.steps, limit=limit),
                    epoch=epoch, step=self.steps, loss=loss, limit=limit,
                    history=self.histories[k])
            self.active &= ~bad
        return bad


class EnsembleMembers:
    """What both cores' ``Ensemble`` classes share: member counting and indexing.

    A subclass sets ``seeds`` (one per member) and ``sizes`` (the layer widths).
    """

    seeds: tuple
    sizes: tuple

    @property
    def n_models(self) -> int:
        return len(self.seeds)

    def __len__(self) -> int:
        return self.n_models

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    def _index(self, i: object) -> int:
        i = validation.check_int(i, "i", minimum=0)
        if i >= self.n_models:
            raise ValueError(f"i must be a member index in [0, {self.n_models - 1}]; got {i}")
        return i
