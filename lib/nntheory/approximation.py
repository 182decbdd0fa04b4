r"""Approximation experiments in one dimension: targets, errors, trained width sweeps.

The targets live on ``[-1, 1]``. Each knows the constants its error bounds
need: a Lipschitz constant and, when it is twice differentiable,
``sup |f''|``. Errors are measured on a fine uniform grid (``sup`` error, or the
mean squared error the seed texts use).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from . import numpy_core
from .settings import show_progress

__all__ = [
    "Target",
    "TARGETS",
    "KINK",
    "grid",
    "errors",
    "train_width",
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
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 2:
        raise ValueError(f"n must be an integer >= 2; got {n!r}")
    return np.linspace(-1.0, 1.0, int(n))[:, None]


def errors(model, f: Callable, n: int = 4001) -> tuple[float, float]:
    """``(sup error, mean squared error)`` of ``model.predict`` against ``f`` on :func:`grid`."""
    if not callable(f):
        raise TypeError(f"f must be callable; got {type(f).__name__}")
    if not hasattr(model, "predict"):
        raise TypeError(f"model must be a network with predict(); got {type(model).__name__}")
    x = grid(n)
    diff = np.asarray(model.predict(x)).reshape(-1) - np.asarray(f(x), dtype=np.float64).reshape(-1)
    return float(np.max(np.abs(diff))), float(np.mean(diff * diff))


def train_width(f: Callable, width: int, *, core=numpy_core, activation: str = "relu",
                seed: int = 0, epochs: int = 3000, lr: float = 1e-2, n_train: int = 256,
                init: str = "he", optimizer: str = "adam"):
    """Train a ``[1, width, 1]`` network on ``n_train`` equally spaced points; return it.

    Full-batch steps (``optimizer``, ``lr``, ``epochs``) on the mean squared error,
    from the seeded initialisation ``init``. Works with either core.
    """
    if not callable(f):
        raise TypeError(f"f must be callable; got {type(f).__name__}")
    if isinstance(width, bool) or not isinstance(width, numbers.Integral) or width < 1:
        raise ValueError(f"width must be a positive integer; got {width!r}")
    X = grid(n_train)
    y = np.asarray(f(X), dtype=np.float64).reshape(-1, 1)
    model = core.MLP([1, int(width), 1], activation, init=init, seed=seed)
    core.fit(model, X, y, optimizer=optimizer, lr=lr, epochs=epochs)
    return model


def width_sweep(f: Callable, widths: Sequence[int], seeds: Sequence[int] = (0, 1), *,
                progress: bool | None = None, **train_options) -> np.ndarray:
    """Sup errors of trained networks, shape ``(len(widths), len(seeds))``.

    ``train_options`` go to :func:`train_width` (``core``, ``epochs``, ``lr``, ...).
    """
    widths, seeds = list(widths), list(seeds)
    if not widths or not seeds:
        raise ValueError("widths and seeds must be non-empty")
    show = show_progress() if progress is None else progress
    jobs = [(i, j) for i in range(len(widths)) for j in range(len(seeds))]
    if show:
        from tqdm.auto import tqdm

        jobs = tqdm(jobs, desc="training", leave=False)
    out = np.empty((len(widths), len(seeds)))
    for i, j in jobs:
        model = train_width(f, widths[i], seed=seeds[j], **train_options)
        out[i, j] = errors(model, f)[0]
    return out


def loglog_slope(x: Sequence[float], y: Sequence[float]) -> float:
    """The least-squares slope of ``log y`` against ``log x`` (the empirical rate)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1 or x.size < 2:
        raise ValueError("x and y must be 1-D arrays of the same length >= 2")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("x and y must be positive for a log-log slope")
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])
