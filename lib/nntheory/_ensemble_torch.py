"""Ensembles for the torch core: K networks of one shape trained at once.

Re-exported by :mod:`nntheory.torch_core` as ``Ensemble`` and ``fit_ensemble``;
the twin of :mod:`nntheory._ensemble_numpy` (same API, same checks, same
numbers to float64 round-off).

Parameters are stacked leaf tensors: ``W_l`` of shape ``(K, n_{l-1}, n_l)`` (the
NumPy layout, ``x @ W``) and ``b_l`` of shape ``(K, n_l)``. A layer is one
batched product ``torch.baddbmm(b, A, W)``, chosen by measurement on one CPU
thread (2 shared cores): against a broadcasting ``matmul`` plus bias, 12 us
against 19 us for 4 members of a 256 x 5 layer and 2.5 ms against 5.4 ms for 32
members of the 1000 x 100 reference layer; against ``torch.func.vmap`` over
``functional_call`` of the torch MLP, a whole forward and backward pass took
0.18 ms against 0.50 ms (4 members, 1 -> 5 -> 1, 256 points), 0.65 against
0.99 ms (20 members, 1 -> 17 -> 1) and 46 against 43 ms (32 members, the
reference problem: equal within the noise of the loaded machine). The loss of
the ensemble is the sum of the members' mean losses, so one ``backward`` gives
every member its own gradient, and ``torch.optim``'s optimisers (the torch
core's classes) update the stacks elementwise: each member keeps its own state
in its slice (the step counter is shared, and equal, since all members step
together). A diverging member is frozen and reported as in the NumPy core.

Networks with one hidden layer and one output take the NumPy core's fast path
(:func:`_shallow_pass`: gradients by hand, autograd only for the loss and the
activation's derivative), in chunks of members on the CPU, with torch's own
intra-op threads where the chunks are large enough to gain from them.
"""

from __future__ import annotations

import contextlib

import numpy as np
import torch
import torch.nn.functional as F

from . import common
from . import torch_core as _core
from .common import History

__all__ = ["Ensemble", "fit_ensemble"]


class Ensemble(common.EnsembleMembers):
    """``K`` torch networks of the same ``sizes``, stored stacked, trained together.

    Member ``i`` starts exactly as ``torch_core.MLP(sizes, activation, skip=skip,
    init=init, seed=seeds[i], device=device, dtype=dtype)``. Same arguments as
    :class:`nntheory.numpy_core.Ensemble`, plus ``device`` (default: CUDA when
    available) and ``dtype`` (default ``torch.float64``). ``dropout`` must be 0.
    """

    def __init__(self, sizes, activation: str = "relu", *, skip: bool = False,
                 init: str = "he", seeds, dropout: float = 0.0, device=None,
                 dtype: torch.dtype = torch.float64):
        self.sizes = common.check_sizes(sizes)
        self.activation = common.check_activation(activation)
        self.skip = common.skip_layers(self.sizes, skip)
        self.init = common.check_init(init)
        if common.check_dropout(dropout) != 0.0:
            raise ValueError("dropout must be 0 for an Ensemble (dropout members are not "
                             f"supported; train them with fit one by one); got {dropout!r}")
        self.seeds = common.check_ensemble_seeds(seeds, sizes=self.sizes)
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise TypeError(f"dtype must be a floating torch.dtype; got {dtype!r}")
        try:
            self.device = torch.device(device) if device is not None else _core.default_device()
        except (RuntimeError, TypeError) as exc:
            raise ValueError(f"device must name a torch device such as 'cpu' or 'cuda'; "
                             f"got {device!r}") from exc
        self.dtype = dtype
        members = [common.init_parameters(self.sizes, self.init, s) for s in self.seeds]
        self._params = [
            torch.as_tensor(np.stack([m[j] for m in members]), dtype=dtype,
                            device=self.device).requires_grad_(True)
            for j in range(len(members[0]))
        ]
        self._act = _core._ACTIVATIONS[self.activation]

    def __repr__(self) -> str:
        return (f"Ensemble(sizes={list(self.sizes)}, activation={self.activation!r}, "
                f"skip={any(self.skip)}, init={self.init!r}, n_models={self.n_models}, "
                f"device={str(self.device)!r})")

    def parameters(self) -> list[torch.Tensor]:
        """The live stacked leaf tensors ``[W1, b1, ...]`` (leading axis: the member)."""
        return self._params

    def get_parameters(self, i) -> list[np.ndarray]:
        """Member ``i``'s ``[W1, b1, ...]`` as float64 NumPy arrays (the MLP layout)."""
        i = self._index(i)
        return [p.detach()[i].to("cpu", torch.float64).numpy().copy() for p in self._params]

    def set_parameters(self, i, params) -> None:
        """Overwrite member ``i``'s parameters with ``[W1, b1, ...]`` (the MLP layout)."""
        i = self._index(i)
        new = common.check_parameter_list(params, self.sizes)
        with torch.no_grad():
            for p, v in zip(self._params, new, strict=True):
                p[i] = torch.as_tensor(v, dtype=self.dtype, device=self.device)

    def member(self, i) -> _core.MLP:
        """An independent :class:`~nntheory.torch_core.MLP` holding member ``i``'s
        current parameters (built with that member's seed, device and dtype)."""
        i = self._index(i)
        model = _core.MLP(self.sizes, self.activation, skip=any(self.skip), init=self.init,
                          seed=self.seeds[i], device=self.device, dtype=self.dtype)
        model.set_parameters(self.get_parameters(i))
        return model

    _as_input = _core.MLP._as_input  # the torch MLP's input check (same messages)

    def forward(self, X) -> torch.Tensor:
        """Every member's output on ``X`` (shape ``(n, n_in)``): a tensor ``(K, n, n_out)``."""
        return self._forward(self._as_input(X))

    __call__ = forward

    def predict(self, X) -> np.ndarray:
        """Every member's output as a float64 NumPy array ``(K, n, n_out)``, no graph."""
        with torch.no_grad():
            return self.forward(X).to("cpu", torch.float64).numpy()

    def _forward(self, A: torch.Tensor, params=None) -> torch.Tensor:
        """Outputs of the members whose stacked parameters are ``params`` (default:
        all); ``A`` is shared ``(n, n_in)`` or stacked ``(k, n, n_in)``."""
        params = self._params if params is None else params
        if A.dim() == 2:  # a shared input: a stride-0 view, no copy
            A = A.expand(params[0].shape[0], *A.shape)
        last = self.n_layers - 1
        for l in range(self.n_layers):
            W, b = params[2 * l], params[2 * l + 1]
            Z = torch.baddbmm(b.unsqueeze(1), A, W)
            if l == last:
                return Z
            h = self._act(Z)
            A = A + h if self.skip[l] else h
        raise AssertionError  # pragma: no cover


class _StableBCE(torch.autograd.Function):
    """Each member's BCE on logits, the torch core's stable expression, shape ``(K,)``."""

    @staticmethod
    def forward(ctx, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(z, y)
        per_sample = torch.where(z > 0, (1.0 - y) * z, -y * z) + torch.log1p(torch.exp(-z.abs()))
        return per_sample.sum(dim=(1, 2)) / (z.shape[1] * z.shape[2])

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        z, y = ctx.saved_tensors
        scale = grad / (z.shape[1] * z.shape[2])
        return (torch.sigmoid(z) - y) * scale[:, None, None], None


def _losses(loss: str, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Each member's mean loss, shape ``(K,)`` (``y`` shared or stacked)."""
    if loss == "mse":
        return (out - y).square().mean(dim=(1, 2))
    if loss == "bce":
        return _StableBCE.apply(out, y.expand_as(out))
    if loss == "cross_entropy":
        K, n, C = out.shape
        labels = y.expand(K, n).reshape(-1)
        return F.cross_entropy(out.reshape(K * n, C), labels, reduction="none"
                               ).reshape(K, n).mean(dim=1)
    if loss == "hinge":
        return torch.relu(1.0 - y * out).mean(dim=(1, 2))
    raise AssertionError(loss)  # pragma: no cover - names are checked before


def _is_shallow(ens: Ensemble) -> bool:
    """One hidden layer (no skip) and one output: the case :func:`_shallow_pass` serves."""
    return ens.n_layers == 2 and ens.sizes[-1] == 1 and not any(ens.skip)


class _ShallowWorkspace:
    """Buffers of :func:`_shallow_pass` for ``k`` members and ``n`` samples."""

    def __init__(self, k: int, sizes, n: int, like: torch.Tensor):
        a, h, _ = sizes
        kw = {"dtype": like.dtype, "device": like.device}
        self.Wa = torch.empty((k, a + 1, h), **kw)
        self.Z = torch.empty((k, n, h), **kw)
        self.A = torch.empty((k, n, h), **kw)
        self.D = torch.empty((k, n, h), **kw)
        self.M = torch.empty((k, a + 1, h), **kw)
        self.gW2 = torch.empty((k, 1, h), **kw)


def _shallow_pass(ens: Ensemble, Xa: torch.Tensor, y: torch.Tensor, loss: str,
                  ws: _ShallowWorkspace, params, grads) -> torch.Tensor:
    """Losses (shape ``(k,)``) and gradients (written into ``grads``) of members
    ``a -> h -> 1``: the twin of the NumPy core's ensemble fast path
    (:func:`nntheory._ensemble_numpy._shallow_pass`, where the algebra is
    explained). Autograd is used only where it is cheap: for ``g = dLoss/d out``
    (one ``(n, 1)`` array per member, torch's own loss expressions; the MSE's by
    hand) and, for activations other than ReLU, for ``sigma'(Z)``. The products
    are laid out for the CPU's BLAS (measured on one thread: ``g^T A`` and
    ``W2^T A^T`` take 20 us a member where ``A^T g`` and ``A W2`` take 95-115 us
    in chunks of 4 members).
    """
    W1, b1, W2, b2 = params
    k, a = W1.shape[0], W1.shape[1]
    Z, A, D = ws.Z, ws.A, ws.D
    if Xa.dim() == 2:
        Xa = Xa.expand(k, *Xa.shape)
    if a == 1:  # one fused pass: b1 + x * W1
        torch.addcmul(b1.unsqueeze(1), Xa[:, :, :1], W1, out=Z)
    else:
        ws.Wa[:, :a] = W1
        ws.Wa[:, a] = b1
        torch.bmm(Xa, ws.Wa, out=Z)
    if ens.activation == "relu":
        torch.clamp_min(Z, 0.0, out=A)
        torch.gt(Z, 0.0, out=D)  # torch's relu'(0) = 0
    else:
        Zl = Z.detach().requires_grad_(True)
        with torch.enable_grad():
            Al = ens._act(Zl)
            (Dl,) = torch.autograd.grad(Al, Zl, torch.ones_like(Al))
        A.copy_(Al.detach())
        D.copy_(Dl)
    out = torch.bmm(W2.transpose(1, 2), A.transpose(1, 2)).transpose(1, 2)
    out += b2.unsqueeze(1)
    if loss == "mse":
        diff = out - y
        values = diff.square().mean(dim=(1, 2))
        G = diff.mul_(2.0 / diff.shape[1])
    else:
        out.requires_grad_(True)
        with torch.enable_grad():
            values = _losses(loss, out, y)
            (G,) = torch.autograd.grad(values.sum(), out)
    torch.bmm(G.transpose(1, 2), A, out=ws.gW2)
    grads[2].copy_(ws.gW2.transpose(1, 2))
    torch.sum(G, dim=1, out=grads[3])
    torch.bmm((Xa * G).transpose(1, 2), D, out=ws.M)  # (k, a + 1, h); Xa[..., a] = 1
    ws.M *= W2.transpose(1, 2)
    grads[0].copy_(ws.M[:, :a])
    grads[1].copy_(ws.M[:, a])
    return values.detach()


#: Bytes of forward/backward buffers one chunk of members may use in ``fit_ensemble``
#: on the CPU (on a GPU all members form one chunk).
_CHUNK_BYTES = 4 << 20
#: The same for the fast path of one hidden layer (:func:`_shallow_pass`), whose
#: per-chunk cost in small torch calls is larger: measured on the reference
#: problem, one thread, 209/175/161/250 us a member for chunks of 1/2/4/8 members.
_SHALLOW_CHUNK_BYTES = 10 << 20

#: Below this many entries in the largest (members, batch, width) buffer a CPU
#: ``fit_ensemble`` runs torch on one intra-op thread (restored afterwards):
#: measured on the 2-core machine shared with other processes, a batched op that
#: torch splits over 2 threads took 1-15 ms instead of 10 us whenever the second
#: thread was descheduled (a separate fit's small 2-D ops stay single-threaded),
#: and below this size a second thread saves less than its synchronisation costs.
_SINGLE_THREAD_ENTRIES = 1 << 20
#: The same for the fast path (:func:`_shallow_pass`), whose few large kernels
#: gain from torch's intra-op threads sooner: measured on 2 cores, 0.14 against
#: 0.25 ms a member-step with and without them on the reference problem (chunks
#: of 4 members, 400 000 entries), 0.015 against 0.017 ms at 32 members of
#: 1 -> 16 -> 1 on 256 points (131 072 entries) and 0.042 against 0.039 ms at 8.
#: (Members shared among Python threads instead, each torch on one thread, gained
#: only 1.1-1.3x over one thread: too many small torch calls hold the GIL.)
_SINGLE_THREAD_ENTRIES_SHALLOW = 1 << 17


@contextlib.contextmanager
def _threads_for(ens: Ensemble, entries: int, shallow: bool = False):
    limit = _SINGLE_THREAD_ENTRIES_SHALLOW if shallow else _SINGLE_THREAD_ENTRIES
    if ens.device.type != "cpu" or entries > limit:
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _check_ensemble(ensemble: object) -> Ensemble:
    if not isinstance(ensemble, Ensemble):
        raise TypeError("ensemble must be a nntheory.torch_core.Ensemble; got "
                        f"{type(ensemble).__name__}")
    return ensemble


def fit_ensemble(ensemble: Ensemble, X, y, *, loss: str = "mse", optimizer: str = "sgd",
                 lr: float = 0.01, epochs: int = 100, batch_size: int | None = None,
                 seeds=None, progress: bool = False, **optimizer_options) -> list[History]:
    """Train every member in place with ``torch.optim``; one History per member.

    The twin of :func:`nntheory.numpy_core.fit_ensemble`: member ``i`` follows
    ``torch_core.fit(member, X, y, ..., seed=seeds[i])``, and a diverging member is
    frozen at its last accepted parameters with ``history.diverged`` set to the
    :class:`~nntheory.common.DivergenceError` that ``fit`` would have raised. The
    members' losses are read back once per step (one synchronisation per step).
    """
    ens = _check_ensemble(ensemble)
    args = common.check_fit(ens.sizes, X, y, loss=loss, optimizer=optimizer, lr=lr,
                            epochs=epochs, batch_size=batch_size, seed=None,
                            progress=progress, options=optimizer_options)
    member_seeds = common.check_member_seeds(seeds, ens.n_models)
    loss = args.loss
    Xt, yt = _core._tensors(ens, args.X, args.y, loss)
    K, n = ens.n_models, Xt.shape[0]
    params = ens.parameters()
    opt = _core._OPTIMIZER_CLASSES[args.optimizer](params, lr=args.lr, **args.options)
    rngs = [np.random.default_rng(s) for s in member_seeds]
    saved = [p.detach().clone() for p in params]
    histories = [History(optimizer=args.optimizer, lr=args.lr, batch_size=args.batch_size)
                 for _ in range(K)]
    check = common.EnsembleDivergenceCheck(K, args.lr, histories)
    epoch_losses = np.empty((args.epochs, K))
    n_epochs = np.zeros(K, dtype=np.intp)
    frozen = np.zeros(K, dtype=bool)
    frozen_t = None  # frozen as a tensor index on the device

    def freeze(bad: np.ndarray) -> None:
        mask = torch.as_tensor(bad, device=ens.device)
        with torch.no_grad():
            for p, q in zip(params, saved, strict=True):
                p[mask] = q[mask]
        frozen[bad] = True

    # members are processed in chunks whose buffers fit in a cache-sized budget, as
    # in the NumPy core (one graph over K large (batch, width) buffers streams
    # through main memory: measured 2.6x slower per member than separate fits on
    # the reference problem with 32 members on one thread)
    batch = n if args.batch_size is None else min(args.batch_size, n)
    shallow = _is_shallow(ens)
    if shallow:
        member_bytes = 8 * batch * (3 * ens.sizes[1] + ens.sizes[0] + 1)
        Xa = torch.cat([Xt, torch.ones_like(Xt[:, :1])], dim=1)
        grads = [torch.empty_like(p) for p in params]
    else:
        member_bytes = 32 * batch * sum(ens.sizes[1:])
    size = max(1, min(K, (_SHALLOW_CHUNK_BYTES if shallow else _CHUNK_BYTES) // member_bytes))
    if ens.device.type != "cpu":
        size = K
    chunks = [slice(c, c + size) for c in range(0, K, size)]
    spaces: dict[tuple[int, int], _ShallowWorkspace] = {}

    def workspace(nb: int, k: int) -> _ShallowWorkspace:
        # one set of buffers per batch size and chunk size, reused at every step
        ws = spaces.get((nb, k))
        if ws is None:
            if len(spaces) > 3:
                spaces.clear()
            ws = spaces[nb, k] = _ShallowWorkspace(k, ens.sizes, nb, Xt)
        return ws

    entries = size * batch * max(ens.sizes)
    with _threads_for(ens, entries, shallow):
        for epoch in common.epoch_range(args.epochs, args.progress, args.optimizer):
            total = np.zeros(K)
            for idx in common.ensemble_minibatches(n, args.batch_size, rngs):
                Xs = Xa if shallow else Xt
                if idx is None:
                    Xb, yb = Xs, yt
                else:
                    it = torch.as_tensor(idx, device=ens.device)
                    Xb, yb = Xs[it], yt[it]
                nb = Xb.shape[-2]
                parts = []
                if shallow:
                    values_t = torch.empty(K, dtype=ens.dtype, device=ens.device)
                    with torch.no_grad():
                        for sl in chunks:
                            Xc, yc = (Xb, yb) if idx is None else (Xb[sl], yb[sl])
                            values_t[sl] = _shallow_pass(
                                ens, Xc, yc, loss, workspace(nb, len(range(K)[sl])),
                                [p.detach()[sl] for p in params], [g[sl] for g in grads])
                    parts.append(values_t)
                    for p, g in zip(params, grads, strict=True):
                        p.grad = g
                else:
                    opt.zero_grad(set_to_none=True)
                    for sl in chunks:  # each chunk's graph is built, used and freed in turn
                        Xc, yc = (Xb, yb) if idx is None else (Xb[sl], yb[sl])
                        values_c = _losses(loss, ens._forward(Xc, [p[sl] for p in params]),
                                           yc)
                        values_c.sum().backward()  # before any in-place parameter change
                        parts.append(values_c.detach())
                values_t = parts[0] if len(parts) == 1 else torch.cat(parts)
                values = values_t.to("cpu", torch.float64).numpy()
                bad = check.accept(values, epoch)
                if not check.active.any():
                    freeze(bad)
                    break
                if bad.any():
                    freeze(bad)
                    frozen_t = torch.as_tensor(frozen, device=ens.device)
                with torch.no_grad():
                    for p, q in zip(params, saved, strict=True):
                        q.copy_(p)
                opt.step()
                check.steps += 1
                if frozen_t is not None:
                    with torch.no_grad():
                        for p, q in zip(params, saved, strict=True):
                            p[frozen_t] = q[frozen_t]
                total += values * nb
            if frozen.all():
                break
            epoch_losses[epoch] = total / n
            n_epochs[check.active] = epoch + 1
        if not frozen.all():
            with torch.no_grad():
                values = _losses(loss, ens._forward(Xt), yt).to("cpu", torch.float64).numpy()
            bad = check.accept(values, args.epochs)
            if bad.any():
                freeze(bad)
    for k, h in enumerate(histories):
        h.loss = epoch_losses[:n_epochs[k], k].tolist()
    return histories
