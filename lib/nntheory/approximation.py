r"""Approximation experiments in one dimension: targets, errors, trained width sweeps.

The targets live on ``[-1, 1]``. Each knows the constants its error bounds
need: a Lipschitz constant and, when it is twice differentiable,
``sup |f''|``. Errors are measured on a fine uniform grid (``sup`` error, or the
mean squared error the seed texts use).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from . import validation
from .settings import show_progress

__all__ = [
    "Target",
    "best_one_unit_mse",
    "TARGETS",
    "KINK",
    "grid",
    "errors",
    "CORES",
    "train_width",
    "train_ensemble",
    "width_sweep",
    "loglog_slope",
]

#: Where the kinked target bends: irrational, so never a knot of a uniform grid on [-1, 1].
KINK = math.sqrt(2.0) - 1.0


@dataclass(frozen=True)
class Target:
    """A target function on ``[-1, 1]`` with the constants its bounds need."""

    name: str
    formula: str
    f: Callable[[np.ndarray], np.ndarray]
    lipschitz: float
    second_derivative_sup: float | None  # None when f is not twice differentiable

    def __call__(self, x):
        return self.f(np.asarray(x, dtype=np.float64))


def _smooth(x):
    return np.sin(np.pi * x)


def _kinked(x):
    return np.abs(x - KINK)


def _oscillating(x):
    return np.sin(6.0 * np.pi * x)


TARGETS: dict[str, Target] = {
    "smooth": Target("smooth", r"\sin(\pi x)", _smooth, math.pi, math.pi**2),
    "kinked": Target("kinked", r"|x - (\sqrt{2} - 1)|", _kinked, 1.0, None),
    "oscillating": Target("oscillating", r"\sin(6\pi x)", _oscillating, 6 * math.pi,
                          36 * math.pi**2),
}


def grid(n: int = 4001) -> np.ndarray:
    """``n`` equally spaced points of ``[-1, 1]`` as a column ``(n, 1)``."""
    n = validation.check_int(n, "n", minimum=2)
    validation.check_elements(n, "n")
    return np.linspace(-1.0, 1.0, n)[:, None]


def _values(values, argument: str, n: int) -> np.ndarray:
    """``values`` (one number per grid point) as a finite 1-D array of length ``n``."""
    arr = validation.check_array(values, argument, finite=False)
    if arr.size != n:
        raise ValueError(f"{argument} must give one value per grid point ({n}); "
                         f"got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{argument} contains NaN or infinite values")
    return arr.reshape(-1)


def errors(model, f: Callable, n: int = 4001) -> tuple[float, float]:
    """``(sup error, mean squared error)`` of ``model.predict`` against ``f`` on :func:`grid`.

    NaN or infinite values of the model or of ``f`` raise a ``ValueError`` (an
    error of NaN would compare as "not large").
    """
    validation.check_callable(f, "f")
    if not hasattr(model, "predict"):
        raise TypeError(f"model must be a network with predict(); got {type(model).__name__}")
    x = grid(n)
    pred = _values(model.predict(x), "model.predict(x)", x.shape[0])
    target = _values(f(x), "f(x)", x.shape[0])
    diff = pred - target
    return float(np.max(np.abs(diff))), float(np.mean(diff * diff))


#: The most seeds :func:`train_ensemble` and :func:`width_sweep` train at once.
MAX_SEEDS = 100_000

#: Core names :func:`train_width` accepts (as well as the modules themselves).
CORES = ("numpy", "torch")


def _core(core):
    """The core module from its name (``"numpy"``, ``"torch"``) or the module itself."""
    if isinstance(core, str):
        name = validation.check_choice(core.removesuffix("_core"), CORES, "core")
        return importlib.import_module(f"nntheory.{name}_core")
    if not (hasattr(core, "MLP") and hasattr(core, "fit")):
        raise TypeError("core must be 'numpy', 'torch' or one of the modules "
                        f"nntheory.numpy_core / nntheory.torch_core; got {core!r}")
    return core


def _problem(f: Callable, width, n_train, epochs, lr, core):
    """The checked arguments and the training data shared by :func:`train_width` and
    :func:`train_ensemble`: ``(width, epochs, lr, core module, X, y)``."""
    validation.check_callable(f, "f")
    width = validation.check_int(width, "width", minimum=1)
    validation.check_elements(3 * width + 1, "width", what="a parameter list")
    n_train = validation.check_int(n_train, "n_train", minimum=2)
    validation.check_elements(n_train, "n_train")
    epochs = validation.check_int(epochs, "epochs", minimum=1)
    lr = validation.check_positive(lr, "lr")
    module = _core(core)
    X = grid(n_train)
    y = _values(f(X), "f(x)", n_train).reshape(-1, 1)
    return width, epochs, lr, module, X, y


def train_width(f: Callable, width: int, *, core="numpy", activation: str = "relu",
                seed: int = 0, epochs: int = 3000, lr: float = 1e-2, n_train: int = 256,
                init: str = "he", optimizer: str = "adam"):
    """Train a ``[1, width, 1]`` network on ``n_train`` equally spaced points; return it.

    Full-batch steps (``optimizer``, ``lr``, ``epochs``) on the mean squared error,
    from the seeded initialisation ``init``. ``core`` is ``"numpy"`` (default),
    ``"torch"``, or the module :mod:`nntheory.numpy_core` / :mod:`nntheory.torch_core`.
    """
    seed = validation.check_seed(seed, allow_none=False)
    width, epochs, lr, module, X, y = _problem(f, width, n_train, epochs, lr, core)
    model = module.MLP([1, width, 1], activation, init=init, seed=seed)
    module.fit(model, X, y, optimizer=optimizer, lr=lr, epochs=epochs)
    return model


def train_ensemble(f: Callable, width: int, seeds: Sequence[int], *, core="numpy",
                   activation: str = "relu", epochs: int = 3000, lr: float = 1e-2,
                   n_train: int = 256, init: str = "he", optimizer: str = "adam"):
    """:func:`train_width` for every seed in ``seeds`` at once; return the trained
    ``Ensemble`` (member ``j`` equals ``train_width(f, width, seed=seeds[j], ...)``
    to float64 round-off).

    A member whose training diverges raises the
    :class:`~nntheory.common.DivergenceError` that :func:`train_width` would raise
    for it (the first such member in ``seeds`` order).
    """
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise TypeError(f"seeds must be a sequence of non-negative integers; got {seeds!r}")
    if hasattr(seeds, "__len__"):  # before converting ten million seeds one by one
        validation.check_size(len(seeds), "seeds", MAX_SEEDS, "one network each",
                              minimum=0, what="a number of seeds")
    seeds = [validation.check_seed(s, "seeds entry", allow_none=False) for s in seeds]
    if not seeds:
        raise ValueError("seeds must be non-empty")
    width, epochs, lr, module, X, y = _problem(f, width, n_train, epochs, lr, core)
    ensemble = module.Ensemble([1, width, 1], activation, init=init, seeds=seeds)
    histories = module.fit_ensemble(ensemble, X, y, optimizer=optimizer, lr=lr,
                                    epochs=epochs)
    for h in histories:
        if h.diverged is not None:
            raise h.diverged
    return ensemble


def width_sweep(f: Callable, widths: Sequence[int], seeds: Sequence[int] = (0, 1), *,
                progress: bool | None = None, return_ensembles: bool = False,
                **train_options):
    """Sup errors of trained networks, shape ``(len(widths), len(seeds))``.

    ``train_options`` go to :func:`train_width` (``core``, ``epochs``, ``lr``, ...).
    The networks of one width are trained together as one ensemble
    (:func:`train_ensemble`); entry ``[i, j]`` equals the sup error (:func:`errors`)
    of ``train_width(f, widths[i], seed=seeds[j], **train_options)`` to round-off.
    With ``return_ensembles=True`` the result is ``(errors, ensembles)``, where
    ``ensembles[i]`` holds the trained networks of ``widths[i]`` (member ``j``:
    ``seeds[j]``), for a closer look without training them again.
    """
    return_ensembles = validation.check_flag(return_ensembles, "return_ensembles")
    validation.check_callable(f, "f")
    if isinstance(widths, (str, bytes)) or not isinstance(widths, Iterable):
        raise TypeError(f"widths must be a sequence of positive integers; got {widths!r}")
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise TypeError(f"seeds must be a sequence of non-negative integers; got {seeds!r}")
    if hasattr(widths, "__len__"):
        validation.check_size(len(widths), "widths", 10_000, "one training per width",
                              minimum=0, what="a number of widths")
    widths = [validation.check_int(w, "widths entry", minimum=1) for w in widths]
    if hasattr(seeds, "__len__"):  # before converting ten million seeds one by one
        validation.check_size(len(seeds), "seeds", MAX_SEEDS, "one network each",
                              minimum=0, what="a number of seeds")
    seeds = [validation.check_seed(s, "seeds entry", allow_none=False) for s in seeds]
    if not widths:
        raise ValueError("widths must be non-empty")
    if not seeds:
        raise ValueError("seeds must be non-empty")
    show = show_progress() if progress is None else validation.check_flag(progress, "progress")
    jobs = range(len(widths))
    if show:
        from tqdm.auto import tqdm

        jobs = tqdm(jobs, desc="training", leave=False)
    x = grid()
    target = _values(f(x), "f(x)", x.shape[0])
    out = np.empty((len(widths), len(seeds)))
    ensembles = []
    for i in jobs:
        # an ensemble even for one seed: its fast path for 1 -> w -> 1 networks is
        # cheaper than fit's loop (chapter 4's quick sweep, one seed: 1.7 s against 2.9 s)
        ensemble = train_ensemble(f, widths[i], seeds, **train_options)
        ensembles.append(ensemble)
        pred = ensemble.predict(x)
        for j in range(len(seeds)):
            diff = _values(pred[j], "model.predict(x)", x.shape[0]) - target
            out[i, j] = float(np.max(np.abs(diff)))
    return (out, ensembles) if return_ensembles else out


def loglog_slope(x: Sequence[float], y: Sequence[float]) -> float:
    """The least-squares slope of ``log y`` against ``log x`` (the empirical rate).

    ``x`` and ``y`` are 1-D, of the same length ``>= 2``, finite and positive;
    ``x`` must hold at least two distinct values (otherwise no slope is defined).
    Anything else raises a ``ValueError`` naming the argument.
    """
    x = validation.check_array(x, "x", ndim=1, min_size=2)
    y = validation.check_array(y, "y", ndim=1, min_size=2)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length; got {x.size} and {y.size}")
    if np.any(x <= 0):
        raise ValueError("x must be positive for a log-log slope")
    if np.any(y <= 0):
        raise ValueError("y must be positive for a log-log slope")
    logx = np.log(x)
    if np.ptp(logx) == 0.0:
        raise ValueError("x must hold at least two distinct values for a slope")
    slope = float(np.polyfit(logx, np.log(y), 1)[0])
    if not math.isfinite(slope):  # pragma: no cover - finite positive inputs give a slope
        raise ValueError("the log-log slope of x and y is not finite")
    return slope


def best_one_unit_mse(x, y) -> float:
    r"""The least mean squared error of one ReLU unit :math:`c + a\,\mathrm{relu}(\pm(x - t))`.

    Minimises :math:`\frac1n\sum_i (y_i - c - a\,\mathrm{relu}(s(x_i - t)))^2` over
    :math:`c, a, t \in \mathbb R` and :math:`s = \pm 1`, for samples ``x`` (1-D) and ``y``.
    For :math:`s = +1` and :math:`t` in a gap :math:`[x_{(k-1)}, x_{(k)}]` of the sorted
    samples the unit is active on the fixed set :math:`S = \{i \ge k\}`, and
    :math:`a(x - t)\mathbf 1_S = p\,x\mathbf 1_S + q\,\mathbf 1_S` with :math:`t = -q/p`. So the
    fit is a least-squares problem in :math:`(c, p, q)` restricted to the (non-convex)
    set where :math:`-q/p` lies in the gap. A convex quadratic has no local minimum inside
    that set other than its unconstrained minimum, so the restricted minimum is either the
    unconstrained one (when :math:`-q/p` falls in the gap) or lies on the set's boundary,
    :math:`t = x_{(k-1)}` or :math:`t = x_{(k)}`: a two-parameter fit with :math:`t` at a
    sample. Both are computed for every gap from prefix sums; :math:`s = -1` is the same
    problem for :math:`-x`; :math:`t` outside the samples gives a constant or an affine fit.
    The answer is exact up to round-off, unlike a minimum over a grid of kinks.
    """
    x = validation.check_array(x, "x", ndim=1)
    y = validation.check_array(y, "y", ndim=1)
    if x.shape != y.shape or x.size < 2:
        raise ValueError(f"x and y must be 1-D of the same length >= 2; got {x.shape}, {y.shape}")
    n = x.size
    sse_constant = float(np.sum((y - y.mean()) ** 2))
    design = np.column_stack([np.ones(n), x])
    sse_affine = float(np.sum((y - design @ np.linalg.lstsq(design, y, rcond=None)[0]) ** 2))
    best = min(sse_constant, sse_affine)
    for sign in (1.0, -1.0):
        order = np.argsort(sign * x, kind="stable")
        u, v = sign * x[order], y[order]                 # s = -1: the problem for -x
        # suffix sums over S_k = {i >= k}, k = 0..n
        def suffix(a):
            return np.concatenate([np.cumsum(a[::-1])[::-1], [0.0]])
        m, Sx, Sxx = suffix(np.ones(n)), suffix(u), suffix(u * u)
        Sy, Sxy = suffix(v), suffix(u * v)
        Ty, Tyy = float(v.sum()), float(v @ v)
        # t at a sample u_j: the active part is (u - u_j)_+ over i >= j
        su = Sx[:n] - u * m[:n]
        suu = Sxx[:n] - 2 * u * Sx[:n] + u * u * m[:n]
        suy = Sxy[:n] - u * Sy[:n]
        spread = suu - su * su / n
        ok = spread > 1e-12 * np.maximum(suu, 1e-300)
        sse2 = Tyy - Ty * Ty / n - (suy - su * Ty / n) ** 2 / np.where(ok, spread, 1.0)
        best = min(best, float(np.min(np.where(ok, sse2, sse_constant))))
        # t strictly inside the gap (u_{k-1}, u_k), k = 1..n-1, with |S_k| >= 2
        ks = np.arange(2, n - 1) if n > 3 else np.arange(0)
        ks = ks[u[ks - 1] < u[ks]]
        if ks.size:
            G = np.empty((ks.size, 3, 3))
            G[:, 0] = np.column_stack([np.full(ks.size, n), m[ks], Sx[ks]])
            G[:, 1] = np.column_stack([m[ks], m[ks], Sx[ks]])
            G[:, 2] = np.column_stack([Sx[ks], Sx[ks], Sxx[ks]])
            b = np.column_stack([np.full(ks.size, Ty), Sy[ks], Sxy[ks]])
            regular = np.abs(np.linalg.det(G)) > 1e-10 * np.abs(G).max(axis=(1, 2)) ** 3
            theta = np.zeros_like(b)
            theta[regular] = np.linalg.solve(G[regular], b[regular][:, :, None])[:, :, 0]
            p, q = theta[:, 2], theta[:, 1]
            with np.errstate(divide="ignore", invalid="ignore"):
                t = -q / p
            inside = regular & (p != 0) & (u[ks - 1] <= t) & (t <= u[ks])
            if np.any(inside):
                sse3 = Tyy - np.sum(b * theta, axis=1)
                best = min(best, float(np.min(sse3[inside])))
    return max(best, 0.0) / n
