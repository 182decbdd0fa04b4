"""Ensembles for the NumPy core: K networks of one shape trained at once.

Re-exported by :mod:`nntheory.numpy_core` as ``Ensemble`` and ``fit_ensemble``.

Every parameter is stacked along a leading member axis: ``W_l`` of shape
``(K, n_{l-1}, n_l)`` and ``b_l`` of shape ``(K, n_l)``. The forward and backward
passes are the NumPy core's, written once for the whole stack with broadcasting
``np.matmul`` (``(K, n, a) @ (K, a, b)``; a shared full-batch input ``X`` of shape
``(n, a)`` broadcasts against the stack without being copied), so the Python
overhead of one step is paid once for all ``K`` members. Members are processed in
chunks whose buffers stay within a cache-sized budget (one stack of ``K``
``(batch, width)`` buffers would stream through main memory and lose more than
the saved overhead), and the chunks of a step are shared among up to two
threads (NumPy releases the GIL inside its kernels; each chunk has its own
buffers and writes only its members' slices, so the result does not depend on
the threads). The optimisers are the
NumPy core's own classes applied to the stacked arrays: every update rule is
elementwise, so each member keeps its own state (momentum, second moments, ...)
in its slice; the step counter is shared, and it is the same for all members
because they all step together.

A member that diverges is frozen at the parameters a separate ``fit`` would
have left it at (its last accepted loss) and reported in its own
:class:`~nntheory.common.History` (``history.diverged``); the others go on.
"""

from __future__ import annotations

import concurrent.futures
import os
import threading

import numpy as np
from scipy import special

from . import common
from . import numpy_core as _core
from .common import History

__all__ = ["Ensemble", "fit_ensemble"]

#: Bytes of forward/backward buffers one chunk of members may use in ``fit_ensemble``.
_CHUNK_BYTES = 4 << 20
#: At most this many threads share the chunks of one step.
_THREADS = 2


class _Workspace:
    """Buffers of the stacked forward and backward passes for one batch size."""

    def __init__(self, K: int, sizes, skip, n: int):
        L = len(sizes) - 1
        self.n = n
        self.Z = [np.empty((K, n, sizes[l + 1])) for l in range(L)]
        self.A = [np.empty((K, n, sizes[l + 1])) for l in range(L - 1)] + [self.Z[L - 1]]
        self.S = [np.empty((K, n, sizes[l + 1])) if skip[l] else self.A[l]
                  for l in range(L - 1)]
        self.G = [np.empty((K, n, sizes[l + 1])) for l in range(L)]
        self.dA = [np.empty((K, n, sizes[l + 1])) for l in range(L - 1)]
        self.diff = np.empty((K, n, sizes[-1]))


class Ensemble(common.EnsembleMembers):
    """``K`` networks of the same ``sizes``, stored stacked, trained together.

    Member ``i`` starts exactly as
    ``numpy_core.MLP(sizes, activation, skip=skip, init=init, seed=seeds[i])``.

    Parameters
    ----------
    sizes, activation, skip, init : as for :class:`nntheory.numpy_core.MLP`.
    seeds : sequence of int
        One seed (an integer ``>= 0``) per member; ``n_models = len(seeds)``.
    dropout : float
        Only ``0`` is supported: an ensemble has no dropout (a ``ValueError``
        otherwise; train dropout networks with ``fit`` one by one).
    """

    def __init__(self, sizes, activation: str = "relu", *, skip: bool = False,
                 init: str = "he", seeds, dropout: float = 0.0):
        self.sizes = common.check_sizes(sizes)
        self.activation = common.check_activation(activation)
        self.skip = common.skip_layers(self.sizes, skip)
        self.init = common.check_init(init)
        if common.check_dropout(dropout) != 0.0:
            raise ValueError("dropout must be 0 for an Ensemble (dropout members are not "
                             f"supported; train them with fit one by one); got {dropout!r}")
        self.seeds = common.check_ensemble_seeds(seeds)
        members = [common.init_parameters(self.sizes, self.init, s) for s in self.seeds]
        self._params = [np.stack([m[j] for m in members]) for j in range(len(members[0]))]
        self._act_f, self._act_b = _core._ACTIVATIONS[self.activation]

    def __repr__(self) -> str:
        return (f"Ensemble(sizes={list(self.sizes)}, activation={self.activation!r}, "
                f"skip={any(self.skip)}, init={self.init!r}, n_models={self.n_models})")

    def parameters(self) -> list[np.ndarray]:
        """The live stacked arrays ``[W1, b1, ...]`` (leading axis: the member)."""
        return self._params

    def get_parameters(self, i) -> list[np.ndarray]:
        """Copies of member ``i``'s ``[W1, b1, ..., WL, bL]`` (the MLP layout)."""
        i = self._index(i)
        return [p[i].copy() for p in self._params]

    def set_parameters(self, i, params) -> None:
        """Overwrite member ``i``'s parameters with ``[W1, b1, ...]`` (the MLP layout)."""
        i = self._index(i)
        new = common.check_parameter_list(params, self.sizes)
        for p, v in zip(self._params, new, strict=True):
            p[i] = v

    def member(self, i) -> _core.MLP:
        """An independent :class:`~nntheory.numpy_core.MLP` holding member ``i``'s
        current parameters (built with that member's seed)."""
        i = self._index(i)
        model = _core.MLP(self.sizes, self.activation, skip=any(self.skip), init=self.init,
                          seed=self.seeds[i])
        model.set_parameters(self.get_parameters(i))
        return model

    def forward(self, X) -> np.ndarray:
        """Every member's output on ``X`` (shape ``(n, n_in)``): shape ``(K, n, n_out)``."""
        X = common.check_inputs(X, self.sizes[0])
        ws = _Workspace(self.n_models, self.sizes, self.skip, X.shape[0])
        self._forward(X, ws)
        return ws.A[-1]

    __call__ = forward
    predict = forward

    def _forward(self, X: np.ndarray, ws: _Workspace, params=None) -> None:
        """Fill ``ws`` for the members whose stacked parameters are ``params``
        (default: all); ``X`` is shared ``(n, n_in)`` or stacked ``(k, n, n_in)``."""
        params = self._params if params is None else params
        A_prev = X
        L = self.n_layers
        for l in range(L):
            W, b = params[2 * l], params[2 * l + 1]
            Z = ws.Z[l]
            _product(A_prev, W, Z)
            Z += b[:, None, :]
            if l < L - 1:
                A = ws.A[l]
                if self.skip[l]:
                    self._act_f(Z, ws.S[l])
                    np.add(ws.S[l], A_prev, out=A)
                else:
                    self._act_f(Z, A)
                A_prev = A

    def _backward(self, X: np.ndarray, ws: _Workspace, grads: list[np.ndarray],
                  params=None) -> None:
        params = self._params if params is None else params
        for l in range(self.n_layers - 1, -1, -1):
            G = ws.G[l]
            A_prev = X if l == 0 else ws.A[l - 1]
            np.matmul(A_prev.swapaxes(-1, -2), G, out=grads[2 * l])
            np.add.reduce(G, axis=1, out=grads[2 * l + 1])
            if l == 0:
                break
            dA = ws.dA[l - 1]
            _product(G, params[2 * l].swapaxes(1, 2), dA)
            if self.skip[l]:
                dA += ws.dA[l]
            self._act_b(ws.Z[l - 1], ws.S[l - 1], dA, ws.G[l - 1])


def _product(A: np.ndarray, W: np.ndarray, out: np.ndarray) -> None:
    """``out = A @ W`` (broadcast over the member axis). An inner dimension of 1 (an
    input width of 1, or a layer of width 1 seen from the backward pass) is an outer
    product: there each entry is one rounded product, exactly what the BLAS call of
    a separate fit computes, and a broadcasting multiply is several times faster
    than a rank-1 ``matmul``."""
    if A.shape[-1] == 1:
        np.multiply(A, W, out=out)
    else:
        np.matmul(A, W, out=out)


def _losses_and_output_grad(loss: str, out: np.ndarray, y: np.ndarray, G: np.ndarray,
                            diff: np.ndarray) -> np.ndarray:
    """Each member's loss (shape ``(K,)``) and ``dLoss_k/d out_k`` into ``G``: the NumPy
    core's expressions applied member by member (``y`` shared or stacked)."""
    size = out.shape[1] * out.shape[2]
    if loss == "mse":
        np.subtract(out, y, out=diff)
        values = np.einsum("kij,kij->k", diff, diff) / size
        np.multiply(diff, 2.0 / size, out=G)
        return values
    if loss == "bce":
        np.abs(out, out=diff)
        np.negative(diff, out=diff)
        np.exp(diff, out=diff)
        np.log1p(diff, out=diff)
        diff += np.where(out > 0.0, (1.0 - y) * out, -y * out)
        values = diff.sum(axis=(1, 2)) / size
        special.expit(out, out=G)
        G -= y
        G *= 1.0 / size
        return values
    if loss == "hinge":
        np.multiply(y, out, out=diff)
        np.subtract(1.0, diff, out=diff)
        active = diff > 0.0
        values = np.where(active, diff, 0.0).sum(axis=(1, 2)) / size
        np.multiply(y, active, out=G)
        G *= -1.0 / size
        return values
    if loss == "cross_entropy":
        K, n, _ = out.shape
        labels = np.broadcast_to(y.astype(np.intp), (K, n))[:, :, None]
        zmax = out.max(axis=2, keepdims=True)
        np.subtract(out, zmax, out=G)
        np.exp(G, out=G)
        sums = G.sum(axis=2, keepdims=True)
        lse = np.log(sums) + zmax
        values = (lse - np.take_along_axis(out, labels, axis=2))[:, :, 0].mean(axis=1)
        G /= sums
        picked = np.take_along_axis(G, labels, axis=2)
        np.put_along_axis(G, labels, picked - 1.0, axis=2)
        G *= 1.0 / n
        return values
    raise AssertionError(loss)  # pragma: no cover - names are checked before


_POOL: concurrent.futures.ThreadPoolExecutor | None = None


def _pool() -> concurrent.futures.ThreadPoolExecutor | None:
    """Threads for the chunks of a step (NumPy releases the GIL in its kernels), one
    per available CPU, at most :data:`_THREADS`; ``None`` on one CPU."""
    global _POOL
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cpus = os.cpu_count() or 1
    threads = min(cpus, _THREADS)
    if threads < 2:
        return None
    if _POOL is None or _POOL._max_workers != threads:
        _POOL = concurrent.futures.ThreadPoolExecutor(threads, "nntheory-ensemble")
    return _POOL


def _eval_losses(ens: Ensemble, X: np.ndarray, y: np.ndarray, loss: str) -> np.ndarray:
    ws = _Workspace(ens.n_models, ens.sizes, ens.skip, X.shape[0])
    ens._forward(X, ws)
    return _losses_and_output_grad(loss, ws.A[-1], y, ws.G[-1], ws.diff)


def _check_ensemble(ensemble: object) -> Ensemble:
    if not isinstance(ensemble, Ensemble):
        raise TypeError("ensemble must be a nntheory.numpy_core.Ensemble; got "
                        f"{type(ensemble).__name__}")
    return ensemble


def fit_ensemble(ensemble: Ensemble, X, y, *, loss: str = "mse", optimizer: str = "sgd",
                 lr: float = 0.01, epochs: int = 100, batch_size: int | None = None,
                 seeds=None, progress: bool = False, **optimizer_options) -> list[History]:
    """Train every member of ``ensemble`` in place; return one History per member.

    Member ``i`` follows ``numpy_core.fit(member, X, y, ..., seed=seeds[i])``
    exactly (same arguments and checks as ``fit``): the same mini-batches (drawn
    from ``numpy.random.default_rng(seeds[i])``), the same optimiser rule with its
    own state, the same losses, to float64 round-off. ``seeds`` is ``None`` (as
    ``fit(seed=None)`` for every member) or one seed per member.

    Divergence: where a separate ``fit`` would raise
    :class:`~nntheory.common.DivergenceError`, that member is frozen at the
    parameters ``fit`` would leave it at (those of its last accepted loss) and
    its History holds the epochs completed before, with ``history.diverged``
    set to the error ``fit`` would have raised (``epoch``, ``step``, ``loss``,
    ``limit``, message). ``history.diverged is None`` for the members that
    finished. Nothing is raised; the other members train on.
    """
    ens = _check_ensemble(ensemble)
    args = common.check_fit(ens.sizes, X, y, loss=loss, optimizer=optimizer, lr=lr,
                            epochs=epochs, batch_size=batch_size, seed=None,
                            progress=progress, options=optimizer_options)
    member_seeds = common.check_member_seeds(seeds, ens.n_models)
    X, y, loss = args.X, args.y, args.loss
    K, n = ens.n_models, X.shape[0]
    params = ens.parameters()
    opt = _core._OPTIMIZER_CLASSES[args.optimizer](params, lr=args.lr, **args.options)
    rngs = [np.random.default_rng(s) for s in member_seeds]
    grads = [np.empty_like(p) for p in params]
    saved = [p.copy() for p in params]
    histories = [History(optimizer=args.optimizer, lr=args.lr, batch_size=args.batch_size)
                 for _ in range(K)]
    check = common.EnsembleDivergenceCheck(K, args.lr, histories)
    epoch_losses = np.empty((args.epochs, K))
    n_epochs = np.zeros(K, dtype=np.intp)  # epochs completed by each member
    frozen = np.zeros(K, dtype=bool)
    values = np.empty(K)
    # members are processed in chunks whose buffers fit in a cache-sized budget: one
    # stack of K large (batch, width) buffers would stream through main memory
    batch = n if args.batch_size is None else min(args.batch_size, n)
    size = max(1, min(K, _CHUNK_BYTES // (32 * batch * sum(ens.sizes[1:]))))
    chunks = [(slice(c, c + size), [p[c:c + size] for p in params],
               [g[c:c + size] for g in grads]) for c in range(0, K, size)]

    # one set of buffers per thread, reused by every chunk that thread runs: buffers
    # per chunk would cycle K/size cold sets through the cache at every step
    # (measured: 0.75 against 0.66 ms per member-step of separate fits, 32 members)
    local = threading.local()

    def workspace(nb: int, k: int) -> _Workspace:
        spaces = getattr(local, "spaces", None)
        if spaces is None:
            spaces = local.spaces = {}
        ws = spaces.get((nb, k))
        if ws is None:
            if len(spaces) > 3:
                spaces.clear()
            ws = spaces[nb, k] = _Workspace(k, ens.sizes, ens.skip, nb)
        return ws

    pool = _pool() if len(chunks) > 1 else None

    def freeze(bad: np.ndarray) -> None:
        for p, q in zip(params, saved, strict=True):
            p[bad] = q[bad]
        frozen[bad] = True

    any_frozen = False
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in common.epoch_range(args.epochs, args.progress, args.optimizer):
            total = np.zeros(K)
            for idx in common.ensemble_minibatches(n, args.batch_size, rngs):
                if idx is None:
                    Xb, yb = X, y
                else:
                    Xb, yb = X[idx], y[idx]
                nb = Xb.shape[-2]

                def work(c: int, Xb=Xb, yb=yb, idx=idx, nb=nb) -> None:
                    sl, p_c, g_c = chunks[c]
                    Xc, yc = (Xb, yb) if idx is None else (Xb[sl], yb[sl])
                    ws = workspace(nb, len(p_c[0]))
                    ens._forward(Xc, ws, p_c)
                    values[sl] = _losses_and_output_grad(loss, ws.A[-1], yc, ws.G[-1],
                                                         ws.diff)
                    ens._backward(Xc, ws, g_c, p_c)

                if pool is None:
                    for c in range(len(chunks)):
                        work(c)
                else:
                    for _ in pool.map(work, range(len(chunks))):
                        pass
                bad = check.accept(values, epoch)
                if bad.any():
                    freeze(bad)
                    any_frozen = True
                    if frozen.all():
                        break
                for p, q in zip(params, saved, strict=True):
                    np.copyto(q, p)
                opt._step(grads)
                check.steps += 1
                if any_frozen:
                    freeze(frozen)
                total += values * nb
            if frozen.all():
                break
            epoch_losses[epoch] = total / n
            n_epochs[check.active] = epoch + 1
        if not frozen.all():
            bad = check.accept(_eval_losses(ens, X, y, loss), args.epochs)
            if bad.any():
                freeze(bad)
    for k, h in enumerate(histories):
        h.loss = epoch_losses[:n_epochs[k], k].tolist()
    return histories
