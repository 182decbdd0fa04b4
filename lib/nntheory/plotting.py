"""One look for every figure in the book.

Use :func:`figure` (or the ``style`` context) so that all chapters share fonts,
colours and sizes; the helpers below draw the book's recurring plot types.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

__all__ = ["STYLE", "COLORS", "style", "figure", "loss_curves", "labelled_points", "hyperplane",
           "decision_regions"]

#: Colours for the things the book shows again and again.
COLORS = {
    "numpy": "#1f77b4",
    "torch": "#d62728",
    "target": "#222222",
    "bound": "#7f7f7f",
    "positive": "#1f77b4",
    "negative": "#ff7f0e",
}

STYLE = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
}


@contextmanager
def style():
    """Temporarily apply the book's matplotlib style."""
    with mpl.rc_context(STYLE):
        yield


def figure(ncols: int = 1, nrows: int = 1, *, width: float | None = None,
           height: float | None = None, **kwargs):
    """``plt.subplots`` in the book's style; returns ``(fig, axes)``."""
    w = width if width is not None else 4.2 * ncols if ncols > 1 else STYLE["figure.figsize"][0]
    h = height if height is not None else 3.4 * nrows
    with style():
        fig, axes = plt.subplots(nrows, ncols, figsize=(w, h), layout="constrained", **kwargs)
    return fig, axes


def loss_curves(histories: Mapping[str, Sequence[float]], ax=None, *, log: bool = True,
                title: str | None = None, styles: Mapping[str, Mapping] | None = None):
    """Plot training-loss histories (``History`` objects or lists) against epochs.

    Non-finite values are refused (a diverged run is an error, not a curve).
    """
    if ax is None:
        _, ax = figure()
    for label, hist in histories.items():
        values = np.asarray(getattr(hist, "loss", hist), dtype=float)
        if not np.isfinite(values).all():
            raise ValueError(f"histories[{label!r}] contains NaN or inf: refusing to plot a "
                             "diverged run")
        kw = dict(styles.get(label, {})) if styles else {}
        kw.setdefault("color", COLORS.get(label.split()[0].lower()))
        ax.plot(np.arange(1, len(values) + 1), values, label=label, **kw)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def labelled_points(ax, X, y, *, size: float = 30, **kwargs):
    """Scatter 2-D points coloured by a +-1 (or 0/1) label."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).reshape(-1)
    pos = y > 0
    ax.scatter(X[pos, 0], X[pos, 1], s=size, c=COLORS["positive"], marker="o",
               label="y = +1", edgecolors="white", linewidths=0.5, **kwargs)
    ax.scatter(X[~pos, 0], X[~pos, 1], s=size, c=COLORS["negative"], marker="s",
               label="y = -1" if np.any(y < 0) else "y = 0", edgecolors="white",
               linewidths=0.5, **kwargs)
    ax.set_aspect("equal")
    return ax


def hyperplane(ax, w, b: float = 0.0, *, xlim=None, line=None, **kwargs):
    """Draw the line ``w_1 x_1 + w_2 x_2 + b = 0`` across the axes.

    With ``line`` (a ``Line2D`` from an earlier call or ``ax.plot([], [])``), move
    that line instead of drawing a new one: this is how animations update it.
    Returns the line, or ``None`` when ``w = 0`` and no line was given.
    """
    w = np.asarray(w, dtype=float)
    x0, x1 = xlim if xlim is not None else ax.get_xlim()
    if not np.any(w):
        xs = ys = np.array([])
    elif abs(w[1]) > 1e-12 * abs(w[0]):
        xs = np.array([x0, x1])
        ys = -(w[0] * xs + b) / w[1]
    else:
        xs = np.full(2, -b / w[0])
        ys = np.array(ax.get_ylim())
    if line is not None:
        line.set_data(xs, ys)
        return line
    if not np.any(w):
        return None
    kwargs.setdefault("color", "k")
    (line,) = ax.plot(xs, ys, **kwargs)
    return line


def decision_regions(ax, score: Callable[[np.ndarray], np.ndarray], xlim, ylim, *,
                     resolution: int = 200, threshold: float = 0.0, alpha: float = 0.18):
    """Shade where ``score(points) > threshold`` (blue) and below (orange)."""
    xs = np.linspace(*xlim, resolution)
    ys = np.linspace(*ylim, resolution)
    gx, gy = np.meshgrid(xs, ys)
    s = np.asarray(score(np.column_stack([gx.ravel(), gy.ravel()]))).reshape(gx.shape)
    ax.contourf(gx, gy, (s > threshold).astype(float), levels=[-0.5, 0.5, 1.5],
                colors=[COLORS["negative"], COLORS["positive"]], alpha=alpha)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    return ax
