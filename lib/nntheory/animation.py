"""Animations as self-contained JavaScript/HTML (``FuncAnimation.to_jshtml``).

Frames are embedded as PNG images, so page size grows with the number of frames,
the figure's pixel size and its dpi. :func:`animate` keeps pages light by
capping the number of frames (evenly subsampling longer sequences) and using a
small figure at a modest dpi; :func:`html_size_kb` reports the size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
from matplotlib import animation as mpl_animation

__all__ = ["animate", "html_size_kb", "subsample"]

MAX_FRAMES = 40


def subsample(frames: Sequence, max_frames: int = MAX_FRAMES) -> list:
    """At most ``max_frames`` items of ``frames``, evenly spread, first and last kept."""
    n = len(frames)
    if n <= max_frames:
        return list(frames)
    idx = sorted({round(i * (n - 1) / (max_frames - 1)) for i in range(max_frames)})
    return [frames[i] for i in idx]


def animate(fig: plt.Figure, update: Callable[[object], None], frames: Sequence, *,
            interval_ms: int = 400, max_frames: int = MAX_FRAMES, dpi: int = 60):
    """Return an ``IPython.display.HTML`` animation of ``update(frame)`` over ``frames``.

    The figure is closed afterwards, so the notebook does not also show it static.
    """
    from IPython.display import HTML

    frames = subsample(frames, max_frames)
    anim = mpl_animation.FuncAnimation(fig, update, frames=frames, interval=interval_ms)
    with plt.rc_context({"savefig.dpi": dpi, "animation.embed_limit": 8.0}):
        html = anim.to_jshtml(default_mode="once")
    plt.close(fig)
    return HTML(html)


def html_size_kb(obj) -> float:
    """Size of an animation's HTML in kB (what it adds to the page)."""
    return len(obj.data.encode()) / 1024
