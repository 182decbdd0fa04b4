r"""The NumPy training core: every forward, backward and optimiser step by hand.

The model is a multilayer perceptron with ``sizes = [n_0, ..., n_L]``:

.. math::

    Z_l = A_{l-1} W_l + \mathbf{1} b_l^\top, \qquad
    A_l = \sigma(Z_l) \;(+\, A_{l-1} \text{ with a skip connection}), \qquad
    \hat y = Z_L,

with ``A_0 = X`` and a linear output layer. Backpropagation runs the chain rule
backwards with ``G_l = \partial \mathcal{L} / \partial Z_l``:

.. math::

    \nabla_{W_l} = A_{l-1}^\top G_l,\quad \nabla_{b_l} = \mathbf{1}^\top G_l,\quad
    \frac{\partial \mathcal{L}}{\partial A_{l-1}} = G_l W_l^\top
    \;(+\, \partial \mathcal{L}/\partial A_l \text{ through a skip}),\quad
    G_{l-1} = \frac{\partial \mathcal{L}}{\partial A_{l-1}} \odot \sigma'(Z_{l-1}).

With dropout probability ``p`` in training mode a hidden layer computes
``A_l = [A_{l-1} +] M_l * sigma(Z_l)`` with a mask ``M_l`` of entries ``0`` or
``1/(1-p)`` (drawn by :func:`nntheory.common.dropout_masks`), and backpropagation
multiplies ``dLoss/dA_l`` by the same mask before ``sigma'``.

Training reuses one set of buffers per batch size (``out=`` arguments
everywhere), because allocating fresh ``(batch, width)`` temporaries at every
step costs more than the arithmetic on problems of this book's size.

The optimisers follow ``torch.optim``'s update rules exactly (argument names,
defaults, where ``eps`` goes, how the momentum buffer starts), so that this
core and :mod:`nntheory.torch_core` agree to float64 round-off. This module
never imports torch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import special

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
    "DivergenceError",
    "History",
]

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_C = 0.044715


# --------------------------------------------------------------------------- activations
# Each activation has forward(z, out) -> out = sigma(z) and backward(z, a, g, out) ->
# out = g * sigma'(z), where a = sigma(z) is the forward output. All values and
# derivatives are finite and warning-free (overflow-free) for every finite z, except
# "square", whose value overflows for |z| > 1.3e154: no exp of a large positive
# number, no z^2 or z^3 of a huge z (tested up to |z| = 1e300).

def _identity_f(z, out):
    np.copyto(out, z)


def _identity_b(z, a, g, out):
    np.copyto(out, g)


def _sigmoid_f(z, out):
    special.expit(z, out=out)


def _sigmoid_b(z, a, g, out):
    # sigma' = sigma (1 - sigma)
    np.subtract(1.0, a, out=out)
    out *= a
    out *= g


def _tanh_f(z, out):
    np.tanh(z, out=out)


def _tanh_b(z, a, g, out):
    # tanh' = 1 - tanh^2
    np.multiply(a, a, out=out)
    np.subtract(1.0, out, out=out)
    out *= g


def _relu_f(z, out):
    np.maximum(z, 0.0, out=out)


def _relu_b(z, a, g, out):
    # relu'(z) = 1 for z > 0, else 0 (torch's convention at 0)
    np.multiply(g, z > 0.0, out=out)


def _leaky_relu_f(z, out):
    np.multiply(z, 0.01, out=out)
    np.maximum(z, out, out=out)  # max(z, 0.01 z) is z for z >= 0 and 0.01 z below


def _leaky_relu_b(z, a, g, out):
    np.multiply(g, np.where(z > 0.0, 1.0, 0.01), out=out)


def _elu_f(z, out):
    # z for z > 0, e^z - 1 otherwise; expm1 of min(z, 0) never overflows
    np.minimum(z, 0.0, out=out)
    np.expm1(out, out=out)
    np.copyto(out, z, where=z > 0.0)


def _elu_b(z, a, g, out):
    # 1 for z > 0, e^z otherwise: exp(min(z, 0)) directly, because a + 1 = expm1(z) + 1
    # keeps no relative accuracy for z <= -38 (it rounds to 0 or to a few ulps of 1)
    np.minimum(z, 0.0, out=out)
    np.exp(out, out=out)
    np.copyto(out, 1.0, where=z > 0.0)
    out *= g


def _silu_f(z, out):
    special.expit(z, out=out)
    out *= z


def _silu_b(z, a, g, out):
    # (z s)' = s + z s (1 - s) = s (1 + z (1 - s))
    s = special.expit(z)
    np.subtract(1.0, s, out=out)
    out *= z
    out += 1.0
    out *= s
    out *= g


def _gelu_f(z, out):
    # z Phi(z), Phi the standard normal cdf
    special.ndtr(z, out=out)
    out *= z


def _gelu_b(z, a, g, out):
    # Phi(z) + z phi(z); phi is evaluated at z clipped to [-40, 40] (phi(40) = 1e-348
    # is 0 in float64 anyway), so z^2 never overflows for huge |z|
    np.clip(z, -40.0, 40.0, out=out)
    np.multiply(out, out, out=out)
    out *= -0.5
    np.exp(out, out=out)
    out *= _INV_SQRT_2PI
    out *= z
    out += special.ndtr(z)
    out *= g


#: the tanh form's inner argument is computed at z clipped to [-50, 50]: there
#: tanh(sqrt(2/pi)(z + 0.044715 z^3)) is already +-1 exactly (from |z| ~ 7.2 on), so
#: the value is unchanged while z^3 and z^2 cannot overflow for huge |z|
_GELU_TANH_CLIP = 50.0


def _gelu_tanh_inner(z):
    return _SQRT_2_OVER_PI * (z + _GELU_C * z**3)


def _gelu_tanh_f(z, out):
    # 0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3)))
    zc = np.clip(z, -_GELU_TANH_CLIP, _GELU_TANH_CLIP)
    np.tanh(_gelu_tanh_inner(zc), out=out)
    out += 1.0
    out *= z
    out *= 0.5


def _gelu_tanh_b(z, a, g, out):
    # 0.5 (1 + t) + 0.5 z (1 - t^2) inner'(z); where t = +-1 exactly the second term is
    # 0 * (finite), evaluated at the clipped z, so it is 0 and never inf * 0 = NaN
    zc = np.clip(z, -_GELU_TANH_CLIP, _GELU_TANH_CLIP)
    t = np.tanh(_gelu_tanh_inner(zc))
    dinner = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_C * zc * zc)
    np.multiply(t, t, out=out)
    np.subtract(1.0, out, out=out)
    out *= dinner
    out *= z
    out += 1.0 + t
    out *= 0.5
    out *= g


def _softplus_f(z, out):
    # log(1 + e^z) = logaddexp(z, 0), stable for all z
    np.logaddexp(z, 0.0, out=out)


def _softplus_b(z, a, g, out):
    special.expit(z, out=out)
    out *= g


def _square_f(z, out):
    np.multiply(z, z, out=out)


def _square_b(z, a, g, out):
    np.multiply(z, 2.0, out=out)
    out *= g


_ACTIVATIONS = {
    "identity": (_identity_f, _identity_b),
    "sigmoid": (_sigmoid_f, _sigmoid_b),
    "tanh": (_tanh_f, _tanh_b),
    "relu": (_relu_f, _relu_b),
    "leaky_relu": (_leaky_relu_f, _leaky_relu_b),
    "elu": (_elu_f, _elu_b),
    "silu": (_silu_f, _silu_b),
    "gelu": (_gelu_f, _gelu_b),
    "gelu_tanh": (_gelu_tanh_f, _gelu_tanh_b),
    "softplus": (_softplus_f, _softplus_b),
    "square": (_square_f, _square_b),
}
assert set(_ACTIVATIONS) == set(common.ACTIVATIONS)


def activation(name: str, z: object) -> np.ndarray:
    """``sigma(z)`` for the activation called ``name`` (float64, elementwise).

    ``z``: finite real numbers of any shape (NaN and inf are refused).
    """
    f, _ = _ACTIVATIONS[common.check_activation(name)]
    z = common.check_activation_input(z)
    out = np.empty_like(z)
    f(z, out)
    return out


def activation_derivative(name: str, z: object) -> np.ndarray:
    """``sigma'(z)`` for the activation called ``name`` (float64, elementwise).

    At a kink the value is torch's: ``relu'(0) = 0``, ``leaky_relu'(0) = 0.01``.
    """
    f, b = _ACTIVATIONS[common.check_activation(name)]
    z = common.check_activation_input(z)
    a = np.empty_like(z)
    f(z, a)
    out = np.empty_like(z)
    b(z, a, np.ones_like(z), out)
    return out


# --------------------------------------------------------------------------- the model

class _Workspace:
    """Buffers for one batch size: pre-activations, activations, gradients.

    ``masks`` holds the dropout masks of the current forward pass (``None``
    without dropout); ``dropout`` says whether buffers for masks were made.
    """

    def __init__(self, sizes: Sequence[int], skip: Sequence[bool], n: int,
                 dropout: bool = False):
        L = len(sizes) - 1
        n_out = sizes[-1]
        validation.check_elements(n * max(sizes[1:]), "X",
                                  what="a layer's activations (samples x width)")
        self.n = n
        self.dropout = dropout
        self.masks: list[np.ndarray] | None = None
        self.Z = [np.empty((n, sizes[l + 1])) for l in range(L)]
        # A[l] is the output of layer l (A[L-1] is the network output = Z[L-1])
        self.A = [np.empty((n, sizes[l + 1])) for l in range(L - 1)] + [self.Z[L - 1]]
        # S[l] = sigma(Z_l): the same array as A[l] unless layer l has a skip connection
        # or dropout (then A_l = [A_{l-1} +] mask_l * S_l)
        self.S = [np.empty((n, sizes[l + 1])) if skip[l] or dropout else self.A[l]
                  for l in range(L - 1)]
        self.G = [np.empty((n, sizes[l + 1])) for l in range(L)]  # dLoss/dZ_l
        self.dA = [np.empty((n, sizes[l + 1])) for l in range(L - 1)]  # dLoss/dA_l
        # dLoss/dS_l = mask_l * dLoss/dA_l, with dropout
        self.dS = [np.empty((n, sizes[l + 1])) for l in range(L - 1)] if dropout else None
        self.diff = np.empty((n, n_out))


class MLP:
    """A multilayer perceptron with hand-written forward and backward passes.

    Parameters
    ----------
    sizes : list of int
        ``[n_in, h_1, ..., h_{L-1}, n_out]`` (at least two entries).
    activation : str
        Activation of the hidden layers, one of :data:`nntheory.common.ACTIVATIONS`.
        The output layer is linear.
    skip : bool
        Identity skip connections around hidden layers whose input and output
        widths agree: ``A_l = A_{l-1} + sigma(A_{l-1} W_l + b_l)``.
    init : str
        ``"he"``, ``"xavier"``, ``"normal"`` or ``"torch"`` (see
        :func:`nntheory.common.init_parameters`).
    seed : int or None
        Seed of the NumPy generator that draws the initial parameters; the
        dropout masks come from an independent child stream of the same seed
        (:func:`nntheory.common.dropout_generator`).
    dropout : float
        Probability ``p`` in ``[0, 1)`` that a hidden unit's activation is
        dropped in training mode (inverted dropout: kept units are scaled by
        ``1/(1-p)``; see :func:`nntheory.common.dropout_masks`). The masks are
        drawn from ``model.dropout_rng`` (a NumPy generator), so both cores draw
        the same masks from the same seed. ``forward``, ``loss_and_gradients``
        and ``fit`` drop units when ``model.training`` is true (the default, as
        in torch); ``model.eval()`` switches dropout off and ``model.train()``
        on again. ``predict`` and ``loss_value`` always evaluate the network
        without dropout.
    """

    def __init__(self, sizes, activation: str = "relu", *, skip: bool = False,
                 init: str = "he", seed: int | None = None, dropout: float = 0.0):
        self.sizes = common.check_sizes(sizes)
        self.activation = common.check_activation(activation)
        self.skip = common.skip_layers(self.sizes, skip)
        self.init = common.check_init(init)
        self.dropout = common.check_dropout(dropout)
        self._params = common.init_parameters(self.sizes, self.init, seed)
        self.dropout_rng = common.dropout_generator(seed)
        self.training = True
        self._act_f, self._act_b = _ACTIVATIONS[self.activation]
        self._ws: _Workspace | None = None

    def __repr__(self) -> str:
        return (f"MLP(sizes={list(self.sizes)}, activation={self.activation!r}, "
                f"skip={any(self.skip)}, init={self.init!r}, dropout={self.dropout!r})")

    def train(self, mode: bool = True) -> MLP:
        """Training mode (dropout active) or, with ``mode=False``, evaluation mode."""
        self.training = validation.check_flag(mode, "mode")
        return self

    def eval(self) -> MLP:
        """Evaluation mode: no dropout. Returns the model, as torch does."""
        return self.train(False)

    def _draw_masks(self, n: int) -> list[np.ndarray] | None:
        """This forward pass's dropout masks, or ``None`` (eval mode or no dropout)."""
        if not (self.training and self.dropout > 0.0):
            return None
        return common.dropout_masks(self.dropout_rng, n, self.sizes, self.dropout)

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    @property
    def n_parameters(self) -> int:
        """``N = sum_l n_l (n_{l-1} + 1)``."""
        return common.n_parameters(self.sizes)

    def parameters(self) -> list[np.ndarray]:
        """The live parameter arrays ``[W1, b1, ...]`` (optimisers update these in place)."""
        return self._params

    def get_parameters(self) -> list[np.ndarray]:
        """Copies of ``[W1, b1, ..., WL, bL]``, ``W_l`` of shape ``(n_{l-1}, n_l)``."""
        return [p.copy() for p in self._params]

    def set_parameters(self, params) -> None:
        """Overwrite the parameters with ``[W1, b1, ...]`` in the same layout."""
        new = common.check_parameter_list(params, self.sizes)
        for p, v in zip(self._params, new, strict=True):
            p[...] = v

    def forward(self, X) -> np.ndarray:
        """The network's output ``Z_L`` for inputs ``X`` of shape ``(n, n_in)``.

        In training mode with ``dropout > 0`` fresh masks are drawn from
        ``dropout_rng``; otherwise this is the deterministic network.
        """
        X = common.check_inputs(X, self.sizes[0])
        masks = self._draw_masks(X.shape[0])
        ws = _Workspace(self.sizes, self.skip, X.shape[0], masks is not None)
        self._forward(X, ws, masks)
        return ws.A[-1]

    __call__ = forward

    def predict(self, X) -> np.ndarray:
        """The output as a float64 NumPy array, always without dropout (eval network)."""
        X = common.check_inputs(X, self.sizes[0])
        ws = _Workspace(self.sizes, self.skip, X.shape[0])
        self._forward(X, ws, None)
        return ws.A[-1]

    # -- internals shared by forward, loss_and_gradients and fit

    def _workspace(self, n: int, dropout: bool = False) -> _Workspace:
        if self._ws is None or self._ws.n != n or self._ws.dropout != dropout:
            self._ws = _Workspace(self.sizes, self.skip, n, dropout)
        return self._ws

    def _forward(self, X: np.ndarray, ws: _Workspace,
                 masks: list[np.ndarray] | None = None) -> None:
        ws.masks = masks
        A_prev = X
        L = self.n_layers
        for l in range(L):
            W, b = self._params[2 * l], self._params[2 * l + 1]
            Z = ws.Z[l]
            np.matmul(A_prev, W, out=Z)
            Z += b
            if l < L - 1:
                A = ws.A[l]
                if masks is not None:  # A_l = [A_{l-1} +] mask_l * sigma(Z_l)
                    self._act_f(Z, ws.S[l])
                    np.multiply(ws.S[l], masks[l], out=A)
                    if self.skip[l]:
                        A += A_prev
                elif self.skip[l]:
                    self._act_f(Z, ws.S[l])
                    np.add(ws.S[l], A_prev, out=A)
                else:
                    self._act_f(Z, A)
                A_prev = A

    def _backward(self, X: np.ndarray, ws: _Workspace, grads: list[np.ndarray]) -> None:
        """Fill ``grads`` given ``ws.G[L-1] = dLoss/dZ_L`` (written by the loss)."""
        for l in range(self.n_layers - 1, -1, -1):
            G = ws.G[l]
            A_prev = X if l == 0 else ws.A[l - 1]
            np.matmul(A_prev.T, G, out=grads[2 * l])
            np.sum(G, axis=0, out=grads[2 * l + 1])
            if l == 0:
                break
            dA = ws.dA[l - 1]  # dLoss/dA_{l-1}
            np.matmul(G, self._params[2 * l].T, out=dA)
            if self.skip[l]:
                dA += ws.dA[l]  # the identity path carries dLoss/dA_l straight through
            if ws.masks is not None:  # dLoss/dS_{l-1} = mask * dLoss/dA_{l-1}
                dS = ws.dS[l - 1]
                np.multiply(dA, ws.masks[l - 1], out=dS)
                self._act_b(ws.Z[l - 1], ws.S[l - 1], dS, ws.G[l - 1])
            else:
                self._act_b(ws.Z[l - 1], ws.S[l - 1], dA, ws.G[l - 1])


# --------------------------------------------------------------------------- losses

def _loss_and_output_grad(loss: str, out: np.ndarray, y: np.ndarray, G: np.ndarray,
                          diff: np.ndarray) -> float:
    """Return the loss and write ``dLoss/d out`` into ``G`` (all losses are means)."""
    if loss == "mse":
        # mean((out - y)^2) over all entries; gradient 2 (out - y) / size
        np.subtract(out, y, out=diff)
        value = float(np.vdot(diff, diff)) / diff.size
        np.multiply(diff, 2.0 / diff.size, out=G)
        return value
    if loss == "bce":
        # mean over samples of softplus(z) - y z, each term written as a sum of two
        # non-negative numbers, (1 - y) z or -y z (by the sign of z) plus
        # log1p(e^{-|z|}), so nothing cancels: the value is accurate to a few ulps
        # even at logits like 1e16 (summing softplus(z) and y z separately first
        # returned 0.0 instead of log(2)/2 at logits (1e16, 0), labels (1, 1)).
        # Gradient (sigma(z) - y) / size, as torch computes it.
        np.abs(out, out=diff)
        np.negative(diff, out=diff)
        np.exp(diff, out=diff)
        np.log1p(diff, out=diff)
        diff += np.where(out > 0.0, (1.0 - y) * out, -y * out)
        value = float(diff.sum()) / out.size
        special.expit(out, out=G)
        G -= y
        G *= 1.0 / out.size
        return value
    if loss == "hinge":
        # mean(max(0, 1 - y z)); subgradient -y on the active set (0 at the kink, like relu)
        np.multiply(y, out, out=diff)
        np.subtract(1.0, diff, out=diff)
        active = diff > 0.0
        value = float(diff[active].sum()) / out.size
        np.multiply(y, active, out=G)
        G *= -1.0 / out.size
        return value
    if loss == "cross_entropy":
        # mean(logsumexp(z) - z_y); grad (softmax(z) - onehot(y)) / n
        n = out.shape[0]
        labels = y.astype(np.intp)
        zmax = out.max(axis=1, keepdims=True)
        np.subtract(out, zmax, out=G)
        np.exp(G, out=G)
        sums = G.sum(axis=1, keepdims=True)
        lse = np.log(sums) + zmax
        value = float((lse[:, 0] - out[np.arange(n), labels]).mean())
        G /= sums
        G[np.arange(n), labels] -= 1.0
        G *= 1.0 / n
        return value
    raise AssertionError(loss)  # pragma: no cover - names are checked before


def _loss_and_gradients_into(model: MLP, X: np.ndarray, y: np.ndarray, loss: str,
                             grads: list[np.ndarray]) -> float:
    masks = model._draw_masks(X.shape[0])
    ws = model._workspace(X.shape[0], masks is not None)
    model._forward(X, ws, masks)
    value = _loss_and_output_grad(loss, ws.A[-1], y, ws.G[-1], ws.diff)
    model._backward(X, ws, grads)
    return value


def _eval_loss(model: MLP, X: np.ndarray, y: np.ndarray, loss: str) -> float:
    """The loss of the network without dropout (fresh buffers: fit's stay intact)."""
    ws = _Workspace(model.sizes, model.skip, X.shape[0])
    model._forward(X, ws, None)
    return _loss_and_output_grad(loss, ws.A[-1], y, ws.G[-1], ws.diff)


def _check_model(model: object) -> MLP:
    return common.check_model(model, MLP, "numpy_core")


def loss_and_gradients(model: MLP, X, y, loss: str = "mse") -> tuple[float, list[np.ndarray]]:
    """The loss and its gradients with respect to ``[W1, b1, ...]``, by backpropagation.

    Losses (all are means; ``z`` is the network's output):

    * ``"mse"``: ``mean((z - y)^2)`` over all entries;
    * ``"bce"``: binary cross-entropy on logits, ``mean(log(1 + e^z) - y z)``;
    * ``"cross_entropy"``: ``mean(logsumexp(z_i) - z_{i, y_i})``, integer labels;
    * ``"hinge"``: ``mean(max(0, 1 - y z))``, labels in ``{-1, +1}``.

    In training mode with dropout, one set of masks is drawn for this call.
    """
    model = _check_model(model)
    loss = common.check_loss(loss)
    X = common.check_inputs(X, model.sizes[0])
    y = common.check_targets(y, loss, X.shape[0], model.sizes[-1])
    grads = [np.empty_like(p) for p in model._params]
    value = _loss_and_gradients_into(model, X, y, loss, grads)
    return value, grads


def loss_value(model: MLP, X, y, loss: str = "mse") -> float:
    """The loss alone (no gradients), always without dropout (the eval network)."""
    model = _check_model(model)
    loss = common.check_loss(loss)
    X = common.check_inputs(X, model.sizes[0])
    y = common.check_targets(y, loss, X.shape[0], model.sizes[-1])
    return _eval_loss(model, X, y, loss)


# --------------------------------------------------------------------------- optimisers

class _Optimizer:
    """Base class: holds the live parameter arrays and per-parameter state.

    Hyper-parameters are validated by :func:`nntheory.common.check_optimizer_options`,
    the same function the torch core's optimisers use (same errors in both cores).
    """

    _name = ""

    def __init__(self, params, lr: float, options: dict):
        if isinstance(params, MLP):
            params = params.parameters()
        if isinstance(params, np.ndarray) or not hasattr(params, "__iter__"):
            raise TypeError("params must be a model or a list of its parameters; got "
                            f"{type(params).__name__}")
        params = list(params)
        if not params:
            raise ValueError("params must be a non-empty list of parameters")
        for i, p in enumerate(params):
            if not isinstance(p, np.ndarray) or p.dtype != np.float64:
                raise TypeError(f"params[{i}] must be a float64 NumPy array (a live parameter, "
                                f"e.g. from model.parameters()); got {type(p).__name__}")
        options = common.check_optimizer_options(self._name, lr, options)
        self.params = params
        self.lr = float(lr)
        for key, value in options.items():
            setattr(self, key, value)
        self.state: list[dict] = [{} for _ in params]
        self.step_count = 0

    def _check_grads(self, grads) -> list[np.ndarray]:
        if isinstance(grads, np.ndarray) or not hasattr(grads, "__iter__"):
            raise TypeError(f"grads must be a list of arrays; got {type(grads).__name__}")
        grads = list(grads)
        if len(grads) != len(self.params):
            raise ValueError(f"grads must hold {len(self.params)} arrays, one per parameter; "
                             f"got {len(grads)}")
        for i, (g, p) in enumerate(zip(grads, self.params, strict=True)):
            if not isinstance(g, np.ndarray) or g.shape != p.shape:
                raise ValueError(f"grads[{i}] must be an array of shape {p.shape}; got "
                                 f"{getattr(g, 'shape', type(g).__name__)}")
            if not np.isfinite(g).all():
                raise ValueError(f"grads[{i}] contains NaN or infinite values")
        return [g.astype(np.float64, copy=False) for g in grads]

    def step(self, grads) -> None:
        """Update every parameter in place from its gradient (validated first)."""
        self._step(self._check_grads(grads))

    def _step(self, grads: list[np.ndarray]) -> None:
        # fit calls this directly: its gradient buffers have the right shapes by
        # construction, and a non-finite gradient shows up as a rejected loss
        self.step_count += 1
        for p, g, s in zip(self.params, grads, self.state, strict=True):
            self._update(p, g, s)

    def _update(self, p: np.ndarray, g: np.ndarray, s: dict) -> None:  # pragma: no cover
        raise NotImplementedError


class SGD(_Optimizer):
    r"""Stochastic gradient descent with torch.optim.SGD's rule.

    With :math:`g \leftarrow g + \lambda p` (weight decay), momentum :math:`\mu`
    and dampening :math:`\tau`: the buffer starts as :math:`b_1 = g_1`, then
    :math:`b_t = \mu b_{t-1} + (1-\tau) g_t`; the step direction is
    :math:`d = b_t`, or :math:`d = g_t + \mu b_t` with Nesterov; finally
    :math:`p \leftarrow p - \eta d`.
    """

    _name = "sgd"

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False):
        super().__init__(params, lr, {"momentum": momentum, "dampening": dampening,
                                      "weight_decay": weight_decay, "nesterov": nesterov})

    def _update(self, p, g, s):
        if self.weight_decay:
            g = g + self.weight_decay * p
        if self.momentum:
            buf = s.get("momentum_buffer")
            if buf is None:
                buf = s["momentum_buffer"] = g.copy()
            else:
                buf *= self.momentum
                buf += (1.0 - self.dampening) * g
            g = g + self.momentum * buf if self.nesterov else buf
        p -= self.lr * g


class Adagrad(_Optimizer):
    r"""Adagrad with torch.optim.Adagrad's rule.

    :math:`\eta_t = \eta / (1 + (t-1)\,\text{lr\_decay})`,
    :math:`s \leftarrow s + g^2` (starting from ``initial_accumulator_value``),
    :math:`p \leftarrow p - \eta_t\, g / (\sqrt{s} + \varepsilon)`:
    :math:`\varepsilon` is added **outside** the square root.
    """

    _name = "adagrad"

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10):
        super().__init__(params, lr, {"lr_decay": lr_decay, "weight_decay": weight_decay,
                                      "initial_accumulator_value": initial_accumulator_value,
                                      "eps": eps})
        for p, s in zip(self.params, self.state, strict=True):
            s["sum"] = np.full_like(p, self.initial_accumulator_value)

    def _update(self, p, g, s):
        if self.weight_decay:
            g = g + self.weight_decay * p
        clr = self.lr / (1.0 + (self.step_count - 1) * self.lr_decay)
        s["sum"] += g * g
        p -= clr * (g / (np.sqrt(s["sum"]) + self.eps))


class RMSprop(_Optimizer):
    r"""RMSprop with torch.optim.RMSprop's rule.

    :math:`v \leftarrow \alpha v + (1-\alpha) g^2`; centred:
    :math:`m \leftarrow \alpha m + (1-\alpha) g` and the denominator is
    :math:`\sqrt{v - m^2} + \varepsilon`, else :math:`\sqrt{v} + \varepsilon`
    (:math:`\varepsilon` outside the root). With momentum :math:`\mu`:
    :math:`b \leftarrow \mu b + g/\text{denom}`, :math:`p \leftarrow p - \eta b`;
    without, :math:`p \leftarrow p - \eta g / \text{denom}`. ``alpha`` must lie
    in ``[0, 1)`` (torch accepts ``alpha >= 1``, where ``v`` never forgets).
    """

    _name = "rmsprop"

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False):
        super().__init__(params, lr, {"alpha": alpha, "eps": eps,
                                      "weight_decay": weight_decay, "momentum": momentum,
                                      "centered": centered})
        for p, s in zip(self.params, self.state, strict=True):
            s["square_avg"] = np.zeros_like(p)
            if self.momentum:
                s["momentum_buffer"] = np.zeros_like(p)
            if self.centered:
                s["grad_avg"] = np.zeros_like(p)

    def _update(self, p, g, s):
        if self.weight_decay:
            g = g + self.weight_decay * p
        v = s["square_avg"]
        v *= self.alpha
        v += (1.0 - self.alpha) * (g * g)
        if self.centered:
            m = s["grad_avg"]
            _lerp_(m, g, 1.0 - self.alpha)
            avg = np.sqrt(v - m * m)
        else:
            avg = np.sqrt(v)
        avg += self.eps
        if self.momentum:
            buf = s["momentum_buffer"]
            buf *= self.momentum
            buf += g / avg
            p -= self.lr * buf
        else:
            p -= self.lr * (g / avg)


class Adam(_Optimizer):
    r"""Adam (Kingma & Ba 2015) with torch.optim.Adam's rule, including AMSGrad.

    :math:`m \leftarrow \beta_1 m + (1-\beta_1) g`,
    :math:`v \leftarrow \beta_2 v + (1-\beta_2) g^2`; with AMSGrad
    :math:`\hat v \leftarrow \max(\hat v, v)` (the maximum of the raw,
    uncorrected :math:`v`). Then
    :math:`p \leftarrow p - \frac{\eta}{1-\beta_1^t}\,
    m \big/ \big(\sqrt{v}/\sqrt{1-\beta_2^t} + \varepsilon\big)`:
    :math:`\varepsilon` is added **after** the bias-corrected square root.
    ``weight_decay`` adds :math:`\lambda p` to the gradient (L2, not AdamW).
    """

    _name = "adam"
    _decoupled = False

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False):
        super().__init__(params, lr, {"betas": betas, "eps": eps,
                                      "weight_decay": weight_decay, "amsgrad": amsgrad})
        for p, s in zip(self.params, self.state, strict=True):
            s["exp_avg"] = np.zeros_like(p)
            s["exp_avg_sq"] = np.zeros_like(p)
            if self.amsgrad:
                s["max_exp_avg_sq"] = np.zeros_like(p)

    def _update(self, p, g, s):
        beta1, beta2 = self.betas
        if self.weight_decay:
            if self._decoupled:  # AdamW: shrink the parameter, leave the gradient alone
                p *= 1.0 - self.lr * self.weight_decay
            else:
                g = g + self.weight_decay * p
        t = self.step_count
        m, v = s["exp_avg"], s["exp_avg_sq"]
        _lerp_(m, g, 1.0 - beta1)
        v *= beta2
        v += (1.0 - beta2) * (g * g)
        step_size = self.lr / (1.0 - beta1**t)
        bc2_sqrt = math.sqrt(1.0 - beta2**t)
        if self.amsgrad:
            vmax = s["max_exp_avg_sq"]
            np.maximum(vmax, v, out=vmax)
            denom = np.sqrt(vmax) / bc2_sqrt + self.eps
        else:
            denom = np.sqrt(v) / bc2_sqrt + self.eps
        p -= step_size * (m / denom)


class AdamW(Adam):
    r"""AdamW (Loshchilov & Hutter 2019) with torch.optim.AdamW's rule, AMSGrad included.

    Decoupled weight decay: first :math:`p \leftarrow p\,(1 - \eta\lambda)`, then
    exactly Adam's step with the raw gradient :math:`g` (the decay never enters
    :math:`m` or :math:`v`, unlike ``Adam(weight_decay=...)``, which adds
    :math:`\lambda p` to :math:`g`). torch's default is :math:`\lambda = 10^{-2}`.
    """

    _name = "adamw"
    _decoupled = True

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)


def _lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """``start += weight (end - start)`` in place, rounded as ``torch.lerp`` rounds it."""
    if weight < 0.5:
        start += weight * (end - start)
    else:
        np.subtract(end, (end - start) * (1.0 - weight), out=start)


_OPTIMIZER_CLASSES = {"sgd": SGD, "adagrad": Adagrad, "rmsprop": RMSprop, "adam": Adam,
                      "adamw": AdamW}
assert set(_OPTIMIZER_CLASSES) == set(common.OPTIMIZERS)


def make_optimizer(name: str, params, lr: float, **options) -> _Optimizer:
    """The optimiser called ``name`` over ``params`` (torch.optim's option names)."""
    return common.build_optimizer(_OPTIMIZER_CLASSES, name, params, lr, **options)


# --------------------------------------------------------------------------- training

def fit(model: MLP, X, y, *, loss: str = "mse", optimizer: str = "sgd", lr: float = 0.01,
        epochs: int = 100, batch_size: int | None = None, seed: int | None = None,
        progress: bool = False, **optimizer_options) -> History:
    """Train ``model`` in place by (mini-)batch gradient steps; return the loss history.

    Parameters
    ----------
    loss : ``"mse"``, ``"bce"``, ``"cross_entropy"`` or ``"hinge"``.
    optimizer : ``"sgd"``, ``"adagrad"``, ``"rmsprop"``, ``"adam"`` or ``"adamw"``;
        further keyword arguments (``momentum=0.9``, ``betas=(0.9, 0.99)``, ...) go to
        the optimiser and are validated by :func:`nntheory.common.check_optimizer_options`.
    lr, epochs : learning rate and number of passes over the data.
    batch_size : ``None`` for full-batch steps, else shuffled mini-batches drawn
        from ``numpy.random.default_rng(seed)``.
    seed : ``None`` or an integer ``>= 0`` (the mini-batch order; dropout masks come
        from ``model.dropout_rng``).
    progress : show a ``tqdm.auto`` progress bar.

    Raises
    ------
    DivergenceError
        when a batch loss, measured before its step, or the loss on all the data
        after the last step, is NaN, infinite, or above
        ``common.DIVERGENCE_FACTOR * max(first loss, common.DIVERGENCE_FLOOR)``
        (``1e10 * max(first loss, 1)``). The model is left at the parameters where
        the last accepted loss was measured (the same in both cores); the error
        carries ``epoch``, ``step``, ``loss``, ``limit`` and the ``history`` so far.
    """
    model = _check_model(model)
    args = common.check_fit(model.sizes, X, y, loss=loss, optimizer=optimizer, lr=lr,
                            epochs=epochs, batch_size=batch_size, seed=seed,
                            progress=progress, options=optimizer_options)
    X, y, loss = args.X, args.y, args.loss
    opt = _OPTIMIZER_CLASSES[args.optimizer](model.parameters(), lr=args.lr, **args.options)
    rng = np.random.default_rng(args.seed)
    params = model.parameters()
    grads = [np.empty_like(p) for p in params]
    saved = [np.empty_like(p) for p in params]  # the parameters of the last accepted loss

    def restore() -> None:
        for p, q in zip(params, saved, strict=True):
            np.copyto(p, q)

    history = History(optimizer=args.optimizer, lr=args.lr, batch_size=args.batch_size)
    check = common.DivergenceCheck(args.lr, history, restore)
    n = X.shape[0]
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in common.epoch_range(args.epochs, args.progress, args.optimizer):
            total = 0.0
            for idx in common.minibatches(n, args.batch_size, rng):
                Xb, yb = (X, y) if idx is None else (X[idx], y[idx])
                value = _loss_and_gradients_into(model, Xb, yb, loss, grads)
                check.accept(value, epoch)
                for p, q in zip(params, saved, strict=True):
                    np.copyto(q, p)
                opt._step(grads)
                check.steps += 1
                total += value * Xb.shape[0]
            history.loss.append(total / n)
        # the parameters fit returns must pass the same check (eval network: no dropout)
        check.accept(_eval_loss(model, X, y, loss), args.epochs)
    return history


# --------------------------------------------------------------------------- ensembles
# K networks of one shape trained at once (see nntheory._ensemble_numpy); imported last
# because that module builds on the definitions above.
from ._ensemble_numpy import Ensemble, fit_ensemble  # noqa: E402
