"""One look for every figure in the book, sized for the page's column.

Use :func:`figure` for every figure: it returns ``(fig, axes)`` like
``plt.subplots`` with the book's look applied **to that figure only**. Nothing
global is changed: no ``matplotlib.rcParams`` update and no
``matplotlib.rc_context``. (A figure created inside ``rc_context`` stops the
Jupyter inline backend from showing the figures of later cells, see
matplotlib-inline issue #22; that is why the style is explicit per figure.)

Sizes: the arithmetic
---------------------
The book's page column is about ``COLUMN_PX = 672`` CSS pixels wide. A figure of
``w`` inches at ``DPI = 100`` is a PNG of ``100 w`` pixels (the notebook and
the site show the PNG the inline backend made from ``fig.dpi``). So

* the notebook's PNG is cut to the drawn artists plus ``pad_inches = 0.1`` on
  each side (``bbox_inches="tight"``), so it is at most ``w + 0.2`` inches wide;
* widths are capped at ``MAX_WIDTH = 6.5`` inches, i.e. at most
  ``(6.5 + 0.2) * 100 = 670 px <= 672 px``: a figure is never scaled down by the
  browser (a 10-inch figure would be shown at 672/1000 of its size, and its 9-pt
  labels at 6 px);
* a font of ``p`` points is ``p * DPI / 72`` pixels on the page: tick labels
  (``STYLE["tick_pt"] = 9``) are 12.5 px, axis labels and legends (10 pt) 13.9 px, any
  font of at least ``MIN_PT = 6.5`` points is at least 9 px. Chapters that pass
  ``fontsize=8`` to a legend get 11 px.

The one exception is a figure whose artists stick out of the canvas (a legend
anchored outside the axes): ``bbox_inches="tight"`` then makes the PNG wider
than ``w``. Keep legends inside the figure (``fig.legend(loc="outside ...")``
works with the constrained layout that :func:`figure` uses).

Per-axes settings made here persist through later calls (grid, hidden top and
right spines, tick-label and axis-label sizes, line width via the property
cycle). Two things are set at the time of the call in matplotlib and so keep
matplotlib's defaults unless given: ``ax.set_title`` (12 pt) and
``ax.legend`` (10 pt, framed); :func:`legend` draws the book's frameless one.

Captioned figures on the site follow one pattern: the code cell carries the tag
``remove-output`` and ends with ``glue("fig-name", fig, display=False)``; a
Markdown cell shows it with ``{glue:figure} fig-name``. In Jupyter the figure
still shows under its cell (the inline backend displays every open figure at the
end of a cell), on the site only the captioned copy does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler

from .validation import check_array, check_callable, check_flag, check_int, check_positive

__all__ = ["COLORS", "SERIES_COLORS", "LINESTYLES", "series_styles", "STYLE", "COLUMN_PX",
           "DPI", "MAX_WIDTH", "PAD", "MIN_PT", "figure",
           "apply_style", "legend", "loss_curves", "labelled_points", "hyperplane",
           "decision_regions", "function_panels"]

#: Width of the book's page column in CSS pixels (sphinx-book-theme, wide screen).
COLUMN_PX = 672
#: Dots per inch of every figure: one inch is 100 pixels on the page.
DPI = 100
#: Widest figure, in inches: ``(MAX_WIDTH + 2 * PAD) * DPI = 670`` px fits the column.
MAX_WIDTH = 6.5
#: Padding (inches) that ``bbox_inches="tight"`` adds on each side of a saved figure.
PAD = 0.1
#: Smallest font size (points) that is still >= 9 px on the page at ``DPI``.
MIN_PT = 6.5

#: Colours for the things the book shows again and again.
COLORS = {
    "numpy": "#1f77b4",
    "torch": "#d62728",
    "target": "#222222",
    "bound": "#7f7f7f",
    "positive": "#1f77b4",
    "negative": "#ff7f0e",
}

#: Colours for many curves in one axes: Okabe and Ito's palette for colour-blind readers,
#: without its yellow (too faint on white).
SERIES_COLORS = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00",
                 "#CC79A7")
#: Line styles that go with them (solid, dashed, dotted, dash-dot).
LINESTYLES = ("-", (0, (5, 2)), (0, (1.2, 1.5)), (0, (6, 2, 1.2, 2)))

#: The book's look, applied per figure by :func:`figure` (never to ``rcParams``).
STYLE = {
    "width": 6.4,          # inches, one panel (640 px)
    "panel_width": 3.2,    # inches per panel when ncols > 1 (capped at MAX_WIDTH in all)
    "panel_height": 3.4,   # inches per row
    "label_pt": 10,        # axis labels
    "tick_pt": 9,          # tick labels
    "title_pt": 11,        # titles drawn by the helpers here
    "grid_alpha": 0.3,
    "linewidth": 1.8,
    "facecolor": "white",  # readable on JupyterLab's dark theme too
}

_CYCLE_COLORS = plt.rcParamsDefault["axes.prop_cycle"].by_key()["color"]


def apply_style(ax) -> None:
    """Give one ``Axes`` the book's look (grid, spines, font sizes, line width)."""
    ax.grid(True, alpha=STYLE["grid_alpha"])
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.tick_params(which="both", labelsize=STYLE["tick_pt"])
    ax.xaxis.label.set_fontsize(STYLE["label_pt"])
    ax.yaxis.label.set_fontsize(STYLE["label_pt"])
    ax.title.set_fontsize(STYLE["title_pt"])
    ax.set_prop_cycle(cycler(color=_CYCLE_COLORS)
                      + cycler(linewidth=[STYLE["linewidth"]] * len(_CYCLE_COLORS)))


def figure(ncols: int = 1, nrows: int = 1, *, width: float | None = None,
           height: float | None = None, **kwargs):
    """``plt.subplots`` in the book's style; returns ``(fig, axes)``.

    ``width`` and ``height`` are in inches; the width is capped at
    :data:`MAX_WIDTH` (the column) and the height is kept, so a wide request
    gives narrower panels rather than smaller text. Other keyword arguments
    (``sharey=True``, ``subplot_kw=...``) go to ``plt.subplots``.
    """
    ncols = check_int(ncols, "ncols", minimum=1)
    nrows = check_int(nrows, "nrows", minimum=1)
    if width is None:
        width = STYLE["width"] if ncols == 1 else STYLE["panel_width"] * ncols
    width = min(check_positive(width, "width"), MAX_WIDTH)
    height = (STYLE["panel_height"] * nrows if height is None
              else check_positive(height, "height"))
    for key in ("figsize", "dpi"):
        if key in kwargs:
            raise TypeError(f"figure() sets {key} itself; pass width=/height= (inches)")
    kwargs.setdefault("layout", "constrained")
    kwargs.setdefault("facecolor", STYLE["facecolor"])
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), dpi=DPI, **kwargs)
    for ax in np.atleast_1d(axes).ravel():
        apply_style(ax)
    return fig, axes


def series_styles(labels: Sequence[str]) -> dict[str, dict]:
    """Plot keywords ``{label: {"color": ..., "linestyle": ...}}`` for many curves.

    Curve ``i`` gets colour ``i mod 7`` of :data:`SERIES_COLORS` and style ``i mod 4``
    of :data:`LINESTYLES`; as 7 and 4 are coprime, the first 28 curves all differ in
    colour or style, and any two neighbours differ in both. Use it where a legend has
    more curves than a reader can tell apart by colour alone (the optimisers of
    chapter 9).
    """
    if isinstance(labels, (str, bytes)) or not isinstance(labels, (Sequence, Mapping)):
        raise TypeError(f"labels must be a list of curve labels; got {type(labels).__name__}")
    labels = list(labels)
    if len(set(labels)) != len(labels):
        raise ValueError("labels must be distinct (each is one curve)")
    n_pairs = len(SERIES_COLORS) * len(LINESTYLES)
    if len(labels) > n_pairs:
        raise ValueError(f"labels: at most {n_pairs} curves have distinct styles; got "
                         f"{len(labels)}")
    return {label: {"color": SERIES_COLORS[i % len(SERIES_COLORS)],
                    "linestyle": LINESTYLES[i % len(LINESTYLES)]}
            for i, label in enumerate(labels)}


def legend(ax, **kwargs):
    """``ax.legend`` without a frame (the book's legends); returns the legend."""
    kwargs.setdefault("frameon", False)
    return ax.legend(**kwargs)


def _one_number(value, name: str) -> float:
    """A finite real given as a number or a one-element array (a bias ``b`` of shape (1,))."""
    arr = check_array(value, name)
    if arr.size != 1:
        raise ValueError(f"{name} must be a single number; got shape {arr.shape}")
    return float(arr.reshape(()))


def _check_ax(ax, name: str = "ax"):
    if not hasattr(ax, "plot") or not hasattr(ax, "get_xlim"):
        raise TypeError(f"{name} must be a matplotlib Axes (from figure()); "
                        f"got {type(ax).__name__}")
    return ax


def loss_curves(histories: Mapping[str, Sequence[float]], ax=None, *, log: bool = True,
                title: str | None = None, styles: Mapping[str, Mapping] | None = None):
    """Plot training-loss histories (``History`` objects or lists) against epochs.

    ``histories`` maps a non-empty label (the legend entry) to a history. Empty,
    non-finite and (with ``log=True``) non-positive losses are refused: a
    diverged run is an error, not a curve.
    """
    if not isinstance(histories, Mapping):
        raise TypeError("histories must be a dict {label: History or list of losses}; "
                        f"got {type(histories).__name__}")
    if not histories:
        raise ValueError("histories must contain at least one history")
    log = check_flag(log, "log")
    if styles is not None and not isinstance(styles, Mapping):
        raise TypeError(f"styles must be a dict {{label: plot keywords}}; got "
                        f"{type(styles).__name__}")
    curves = {}
    for label, hist in histories.items():
        if not isinstance(label, str) or not label.strip():
            raise ValueError(f"histories: every label must be a non-empty string (it is the "
                             f"legend entry); got {label!r}")
        values = getattr(hist, "loss", hist)
        if isinstance(values, (str, bytes)) or values is None:
            raise TypeError(f"histories[{label!r}] must be a History or a list of losses")
        values = check_array(values, f"histories[{label!r}]", ndim=1, finite=False)
        if not np.isfinite(values).all():
            raise ValueError(f"histories[{label!r}] contains NaN or inf: refusing to plot a "
                             "diverged run")
        if log and np.any(values <= 0):
            raise ValueError(f"histories[{label!r}] has a loss <= 0, which a log axis cannot "
                             "show; pass log=False")
        curves[label] = values
    ax = figure()[1] if ax is None else _check_ax(ax)
    for label, values in curves.items():
        kw = dict(styles.get(label, {})) if styles else {}
        kw.setdefault("color", COLORS.get(label.split()[0].lower()))
        ax.plot(np.arange(1, len(values) + 1), values, label=label, **kw)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    if title:
        ax.set_title(title, fontsize=STYLE["title_pt"])
    legend(ax)
    return ax


def labelled_points(ax, X, y, *, size: float = 30, **kwargs):
    """Scatter 2-D points coloured by a +-1 (or 0/1) label."""
    _check_ax(ax)
    X = check_array(X, "X", ndim=2)
    if X.shape[1] != 2:
        raise ValueError(f"X must have 2 columns (points in the plane); got shape {X.shape}")
    y = check_array(y, "y").reshape(-1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have one label per row of X ({X.shape[0]}); got {y.shape[0]}")
    size = check_positive(size, "size")
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

    ``w`` must hold exactly two finite numbers. With ``line`` (a ``Line2D`` from
    an earlier call or ``ax.plot([], [])``), move that line instead of drawing a
    new one: this is how animations update it. Returns the line, or ``None``
    when ``w = 0`` and no line was given.
    """
    _check_ax(ax)
    w = check_array(w, "w", shape=(2,))
    b = _one_number(b, "b")
    if xlim is not None:
        xlim = check_array(xlim, "xlim", shape=(2,))
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
        if not hasattr(line, "set_data"):
            raise TypeError(f"line must be a matplotlib Line2D; got {type(line).__name__}")
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
    _check_ax(ax)
    check_callable(score, "score")
    xlim = check_array(xlim, "xlim", shape=(2,))
    ylim = check_array(ylim, "ylim", shape=(2,))
    resolution = check_int(resolution, "resolution", minimum=2)
    threshold = _one_number(threshold, "threshold")
    alpha = check_positive(alpha, "alpha")
    xs = np.linspace(*xlim, resolution)
    ys = np.linspace(*ylim, resolution)
    gx, gy = np.meshgrid(xs, ys)
    s = np.asarray(score(np.column_stack([gx.ravel(), gy.ravel()])))
    if s.size != gx.size:
        raise ValueError(f"score must return one value per point ({gx.size}); "
                         f"got {s.size} values")
    s = s.reshape(gx.shape)
    ax.contourf(gx, gy, (s > threshold).astype(float), levels=[-0.5, 0.5, 1.5],
                colors=[COLORS["negative"], COLORS["positive"]], alpha=alpha)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    return ax


def function_panels(x, panels: Mapping[str, Mapping[str, object]], *,
                    xlabel: str = "x", ylabel: str | None = None, sharey: bool = True,
                    height: float = 3.0, legend_panel: int = 0):
    """One figure of side-by-side panels, each with several curves over the same ``x``.

    ``panels`` maps a panel title to ``{label: y_values}``; a value may also be a
    ``(y_values, plot_keywords)`` pair (``{"target": (f, {"color": "k"})}``).
    This is the book's most common figure (a target and its approximations),
    written once here so that chapter cells stay short. Returns ``(fig, axes)``.
    """
    x = check_array(x, "x", ndim=1)
    if not isinstance(panels, Mapping) or not panels:
        raise TypeError("panels must be a non-empty dict {title: {label: y_values}}")
    ncols = len(panels)
    legend_panel = check_int(legend_panel, "legend_panel", minimum=0, maximum=ncols - 1)
    fig, axes = figure(ncols=ncols, width=STYLE["panel_width"] * ncols, height=height,
                       sharey=check_flag(sharey, "sharey"), squeeze=False)
    for ax, (title, curves) in zip(axes[0], panels.items(), strict=True):
        if not isinstance(curves, Mapping) or not curves:
            raise TypeError(f"panels[{title!r}] must be a non-empty dict {{label: y_values}}")
        for label, spec in curves.items():
            values, kw = spec if isinstance(spec, tuple) else (spec, {})
            values = check_array(values, f"panels[{title!r}][{label!r}]", shape=(x.size,))
            ax.plot(x, values, label=label, **dict(kw))
        ax.set_title(str(title), fontsize=STYLE["title_pt"])
        ax.set_xlabel(xlabel)
    if ylabel:
        axes[0, 0].set_ylabel(ylabel)
    legend(axes[0, legend_panel], fontsize=8)
    return fig, (axes[0] if ncols > 1 else axes[0, 0])
