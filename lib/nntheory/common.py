"""What the two training cores share: names, validation, initialisation, history.

Both :mod:`nntheory.numpy_core` and :mod:`nntheory.torch_core` take their
argument checking, their parameter initialisation and their training history
from here, so that a chapter can switch cores by changing one import and get
the same numbers (to float64 round-off) from the same seed.

This module imports NumPy only (never torch).

Parameter layout
----------------
A network with ``sizes = [n_0, n_1, ..., n_L]`` has parameters
``[W_1, b_1, ..., W_L, b_L]`` with ``W_l`` of shape ``(n_{l-1}, n_l)`` and
``b_l`` of shape ``(n_l,)``, so that layer ``l`` computes ``A @ W_l + b_l`` on a
batch ``A`` of shape ``(batch, n_{l-1})``. The parameter count is
``N = sum_l n_l (n_{l-1} + 1)``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "INITS",
    "OPTIMIZERS",
    "DivergenceError",
    "History",
    "check_activation",
    "check_loss",
    "check_init",
    "check_optimizer",
    "check_sizes",
    "skip_layers",
    "n_parameters",
    "init_parameters",
    "check_inputs",
    "check_targets",
    "check_parameter_list",
    "check_fit_arguments",
    "minibatches",
    "divergence_message",
    "build_optimizer",
    "epoch_range",
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
OPTIMIZERS: tuple[str, ...] = ("sgd", "adagrad", "rmsprop", "adam")


class DivergenceError(FloatingPointError):
    """Training produced a non-finite loss (it diverged)."""


def _check_name(value: object, allowed: Sequence[str], argument: str) -> str:
    if not isinstance(value, str):
        raise TypeError(
            f"{argument} must be a string, one of {', '.join(allowed)}; got {type(value).__name__}"
        )
    name = value.lower()
    if name not in allowed:
        raise ValueError(f"unknown {argument} {value!r}; expected one of: {', '.join(allowed)}")
    return name


def check_activation(activation: object) -> str:
    """Return the canonical activation name or raise naming ``activation``."""
    return _check_name(activation, ACTIVATIONS, "activation")


def check_loss(loss: object) -> str:
    """Return the canonical loss name or raise naming ``loss``."""
    return _check_name(loss, LOSSES, "loss")


def check_init(init: object) -> str:
    """Return the canonical initialisation name or raise naming ``init``."""
    return _check_name(init, INITS, "init")


def check_optimizer(optimizer: object) -> str:
    """Return the canonical optimiser name or raise naming ``optimizer``."""
    return _check_name(optimizer, OPTIMIZERS, "optimizer")


def check_sizes(sizes: object) -> tuple[int, ...]:
    """Validate ``sizes = [n_in, h_1, ..., n_out]``: at least two positive integers."""
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(
            f"sizes must be a list of layer widths [n_in, ..., n_out]; got {type(sizes).__name__}"
        )
    if len(sizes) < 2:
        raise ValueError(
            f"sizes must list at least an input and an output width, e.g. [1, 1]; got {list(sizes)}"
        )
    out = []
    for i, n in enumerate(sizes):
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"sizes[{i}] must be an integer; got {n!r}")
        if n < 1:
            raise ValueError(f"sizes[{i}] must be a positive width; got {n}")
        out.append(int(n))
    return tuple(out)


def skip_layers(sizes: Sequence[int], skip: bool) -> tuple[bool, ...]:
    """Which layers carry an identity skip connection.

    With ``skip=True``, every hidden layer ``l`` (all but the output layer)
    whose input width equals its output width computes
    ``A_l = A_{l-1} + sigma(A_{l-1} @ W_l + b_l)``; the others are plain.
    """
    if not isinstance(skip, (bool, np.bool_)):
        raise TypeError(f"skip must be True or False; got {skip!r}")
    n_layers = len(sizes) - 1
    return tuple(
        bool(skip) and l < n_layers - 1 and sizes[l] == sizes[l + 1] for l in range(n_layers)
    )


def n_parameters(sizes: Sequence[int]) -> int:
    """``N = sum_l n_l (n_{l-1} + 1)``: weights plus biases."""
    return sum(sizes[l + 1] * (sizes[l] + 1) for l in range(len(sizes) - 1))


def _check_seed(seed: object) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise TypeError(f"seed must be None or a non-negative integer; got {seed!r}")
    return int(seed)


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
    rng = np.random.default_rng(_check_seed(seed))
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


def _as_float64(a: object, argument: str) -> np.ndarray:
    if hasattr(a, "detach") and hasattr(a, "cpu"):  # a torch tensor, without importing torch
        a = a.detach().cpu().numpy()
    try:
        arr = np.asarray(a)
    except Exception as exc:  # pragma: no cover - exotic objects
        raise TypeError(f"{argument} must be array-like; got {type(a).__name__}") from exc
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.floating)
        or np.issubdtype(arr.dtype, np.integer)
        or arr.dtype == np.bool_
    ):
        raise TypeError(f"{argument} must hold real numbers; got dtype {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=np.float64)


def check_inputs(X: object, n_in: int, argument: str = "X") -> np.ndarray:
    """``X`` as a C-contiguous float64 array of shape ``(n, n_in)``, finite.

    A 1-D array is accepted when ``n_in == 1`` (one sample per entry).
    """
    arr = _as_float64(X, argument)
    if arr.ndim == 1 and n_in == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2 or arr.shape[1] != n_in:
        raise ValueError(
            f"{argument} must have shape (n_samples, {n_in}) for this network; got {arr.shape}"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{argument} must hold at least one sample; got shape {arr.shape}")
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
    arr = _as_float64(y, "y")
    if not np.isfinite(arr).all():
        raise ValueError("y contains NaN or infinite values")
    if loss == "cross_entropy":
        if n_out < 2:
            raise ValueError("loss 'cross_entropy' needs a network with at least 2 outputs")
        if arr.shape != (n_samples,):
            raise ValueError(
                f"y must be a vector of {n_samples} integer class labels for "
                f"loss 'cross_entropy'; got shape {arr.shape}"
            )
        if not (np.all(arr == np.round(arr)) and arr.min() >= 0 and arr.max() < n_out):
            raise ValueError(f"y must hold integer class labels in [0, {n_out - 1}]")
        return arr
    if arr.ndim == 1 and n_out == 1:
        arr = arr.reshape(-1, 1)
    if arr.shape != (n_samples, n_out):
        raise ValueError(
            f"y must have shape ({n_samples}, {n_out}) to match the network's output; "
            f"got {arr.shape}"
        )
    if loss == "bce" and (arr.min() < 0 or arr.max() > 1):
        raise ValueError("y must lie in [0, 1] for loss 'bce'")
    if loss == "hinge" and not np.all(np.abs(arr) == 1):
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


def check_fit_arguments(lr: object, epochs: object, batch_size: object) -> None:
    """Validate ``fit``'s scalar arguments, naming the one that is wrong."""
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr) or lr < 0:
        raise ValueError(f"lr must be a finite non-negative number; got {lr!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer; got {epochs!r}")
    if batch_size is not None and (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, numbers.Integral)
        or batch_size < 1
    ):
        raise ValueError(f"batch_size must be None (full batch) or a positive integer; "
                         f"got {batch_size!r}")


def minibatches(n_samples: int, batch_size: int | None, rng: np.random.Generator
                ) -> Iterator[np.ndarray | None]:
    """Index arrays for one epoch: ``None`` (full batch, no copy) or a shuffled split.

    Both cores draw the permutation from the same NumPy generator, so the
    same ``seed`` gives the same batches in either core.
    """
    if batch_size is None or batch_size >= n_samples:
        yield None
        return
    perm = rng.permutation(n_samples)
    for start in range(0, n_samples, batch_size):
        yield perm[start:start + batch_size]


def build_optimizer(classes: dict, name: str, params, lr: float, **options):
    """Instantiate ``classes[name]`` (one core's optimiser classes) with torch.optim's
    option names; an option the optimiser does not take is a ``TypeError`` naming it."""
    cls = classes[check_optimizer(name)]
    try:
        return cls(params, lr=lr, **options)
    except TypeError as exc:
        raise TypeError(f"optimizer {name!r} got an unexpected option: {exc}") from None


def epoch_range(epochs: int, progress: bool, optimizer: str):
    """``range(epochs)``, wrapped in a ``tqdm.auto`` progress bar when ``progress``."""
    if not progress:
        return range(epochs)
    from tqdm.auto import tqdm

    return tqdm(range(epochs), desc=f"fit ({optimizer})", unit="epoch")


def divergence_message(epoch: int, loss: float, lr: float) -> str:
    return (
        f"training diverged at epoch {epoch}: the loss became {loss}. "
        f"Try a smaller learning rate than lr={lr:g} (for example lr={lr / 10:g})."
    )


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

    def __len__(self) -> int:
        return len(self.loss)

    @property
    def final_loss(self) -> float:
        return self.loss[-1]
