"""Animations as self-contained JavaScript/HTML (matplotlib's ``HTMLWriter``).

Frames are embedded as PNG images, so page size grows with the number of frames,
the figure's pixel size and its dpi. :func:`animate` keeps pages light by
capping the number of frames (evenly subsampling longer sequences, see
:func:`subsample`); :func:`html_size_kb` reports the size.

The first frame is drawn (``update(frames[0])``) before anything else and is
also written into the page as the ``src`` of the player's image, so the initial
state shows at once: in JupyterLab (where the player's script may run before its
image exists, which left it blank until a button was clicked) and on the site.
No global matplotlib state is changed (no ``rc_context``, see
:mod:`nntheory.plotting`).

Frames are rendered at the book's :data:`~nntheory.plotting.DPI` (100), the dpi
of every other figure: a figure of ``w`` inches is ``100 w`` pixels wide and its
fonts have the sizes :mod:`nntheory.plotting` computes for the page's column.
(At 60 dpi, as before, a 6.4-inch figure was a 384-pixel strip with 6-pixel
legends.) To keep pages light at that size, each frame is stored as a PNG of at
most 256 colours (Pillow's fast octree quantiser, no dithering; ``palette=False``
keeps matplotlib's full-colour PNGs): a line plot over grey contours shrinks
from 87 kB to 25 kB a frame, and the picture looks the same.

The page loads nothing from the network. matplotlib's player links Font Awesome
4.4 from a CDN for the icons of its nine buttons; :func:`animate` removes that
``<link>`` and gives the buttons text labels (Unicode media symbols, the button
titles and ARIA labels unchanged), so the controls look the same in
JupyterLab, on the site and on the offline site, and the browser's console
stays clean.
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from tempfile import TemporaryDirectory

import matplotlib.pyplot as plt
from matplotlib import animation as mpl_animation
from matplotlib.figure import Figure

from .plotting import DPI
from .validation import check_callable, check_flag, check_int

__all__ = ["MAX_FRAMES", "animate", "html_size_kb", "subsample", "count_frames"]

#: Default cap on the number of frames of one animation.
MAX_FRAMES = 40
#: Largest page weight one animation may add (MB), as matplotlib's embed limit.
EMBED_LIMIT_MB = 8.0

_FRAME = re.compile(r'frames\[\d+\] = "data:image/png;base64,')
_FRAME_DATA = re.compile(r'(frames\[\d+\] = "data:image/png;base64,)([^"]+)"')

#: matplotlib's remote stylesheet (Font Awesome 4.4 from a CDN), removed from the page.
_REMOTE_CSS = re.compile(r'<link\s+rel="stylesheet"\s+href="https?://[^"]*"\s*/?>\s*')
#: The player's icons as text: Font Awesome class -> Unicode symbol. U+FE0E asks for
#: the text form of a symbol that a system could otherwise draw as a coloured emoji.
_TEXT = "\ufe0e"
#: Only characters that common fonts have (DejaVu, Liberation, the systems' UI fonts):
#: the media symbols of U+23E9-U+23FA (first, pause, last) are missing from DejaVu Sans
#: and showed as empty boxes in Chromium on Linux.
BUTTON_LABELS = {
    "fa fa-minus": "\u2212",                        # slower
    "fa fa-fast-backward": "|\u25c0" + _TEXT,       # first frame: |<
    "fa fa-step-backward": "\u2039",                # previous frame: <
    "fa fa-play fa-flip-horizontal": "\u25c0" + _TEXT,   # play backwards
    "fa fa-pause": "\u275a\u275a",                  # pause: two heavy bars
    "fa fa-play": "\u25b6" + _TEXT,                 # play
    "fa fa-step-forward": "\u203a",                 # next frame: >
    "fa fa-fast-forward": "\u25b6" + _TEXT + "|",   # last frame: >|
    "fa fa-plus": "+",                              # faster
}
_ICON = re.compile(r'<i class="(fa [^"]+)"></i>')
#: The frame image never wider than the column (it keeps its aspect ratio).
_IMG_STYLE = "max-width: 100%; height: auto"


def _local_player(html: str) -> str:
    """matplotlib's player without remote resources: text buttons, no CDN stylesheet."""
    html, n_css = _REMOTE_CSS.subn("", html)
    unknown = sorted({m for m in _ICON.findall(html) if m not in BUTTON_LABELS})
    if n_css != 1 or unknown:  # pragma: no cover - matplotlib changed its template
        raise RuntimeError("matplotlib's animation template changed: remote stylesheets "
                           f"removed {n_css} (expected 1), unknown icons {unknown}")
    return _ICON.sub(lambda m: f'<span class="anim-label">{BUTTON_LABELS[m.group(1)]}</span>',
                     html)


def _check_frames(frames, name: str = "frames"):
    if isinstance(frames, (str, bytes)) or not (hasattr(frames, "__len__")
                                                and hasattr(frames, "__getitem__")):
        raise TypeError(f"{name} must be a sequence (list, range, array) of frames; got "
                        f"{type(frames).__name__}")
    return frames


def subsample(frames, max_frames: int = MAX_FRAMES) -> list:
    """At most ``max_frames`` items of ``frames``, evenly spread.

    With ``max_frames >= 2`` the first and the last item are kept and exactly
    ``max_frames`` items come back when there are more; with ``max_frames = 1``
    the first item (the initial state) alone. ``max_frames`` below 1 is refused.
    """
    _check_frames(frames)
    max_frames = check_int(max_frames, "max_frames", minimum=1)
    n = len(frames)
    if n <= max_frames:
        return [frames[i] for i in range(n)]
    if max_frames == 1:
        return [frames[0]]
    idx = sorted({round(i * (n - 1) / (max_frames - 1)) for i in range(max_frames)})
    return [frames[i] for i in idx]


def _palette_png(png: bytes) -> bytes:
    """The same picture as a PNG of at most 256 colours (deterministic)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE,
                                              dither=Image.Dither.NONE)
    buf = io.BytesIO()
    small.save(buf, format="PNG")
    return buf.getvalue()


def _png_data_uri(fig: Figure, dpi: int, palette: bool) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    png = _palette_png(buf.getvalue()) if palette else buf.getvalue()
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _palette_frames(html: str) -> str:
    """matplotlib's embedded frames, each re-encoded by :func:`_palette_png`."""
    def one(match):
        png = base64.b64decode(match.group(2).replace("\\\n", ""))
        return match.group(1) + base64.b64encode(_palette_png(png)).decode("ascii") + '"'

    return _FRAME_DATA.sub(one, html)


def animate(fig: Figure, update, frames, *, interval_ms: int = 400,
            max_frames: int = MAX_FRAMES, dpi: int = DPI, palette: bool = True):
    """Return an ``IPython.display.HTML`` animation of ``update(frame)`` over ``frames``.

    ``frames`` is subsampled to at most ``max_frames`` frames (:func:`subsample`);
    the page shows ``update(frames[0])`` before the player starts. The figure is
    closed afterwards, so the notebook does not also show it static. ``dpi``
    defaults to the book's :data:`~nntheory.plotting.DPI`; with ``palette`` (the
    default) the frames are stored with at most 256 colours. The player's buttons
    are text and the page requests nothing from the network.
    """
    from IPython.display import HTML

    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure (from figure()); got "
                        f"{type(fig).__name__}")
    check_callable(update, "update")
    _check_frames(frames)
    if len(frames) == 0:
        raise ValueError("frames must contain at least one frame")
    interval_ms = check_int(interval_ms, "interval_ms", minimum=1)
    dpi = check_int(dpi, "dpi", minimum=10)
    palette = check_flag(palette, "palette")
    frames = subsample(frames, max_frames)

    update(frames[0])                      # the initial state, drawn once before the player
    first = _png_data_uri(fig, dpi, palette)
    anim = mpl_animation.FuncAnimation(fig, update, frames=frames, interval=interval_ms,
                                       init_func=lambda: (), repeat=False)
    try:
        with TemporaryDirectory() as tmp:
            path = Path(tmp, "animation.html")
            writer = mpl_animation.HTMLWriter(fps=1000 / interval_ms, embed_frames=True,
                                              default_mode="once")
            anim.save(str(path), writer=writer, dpi=dpi)
            html = path.read_text()
    finally:
        plt.close(fig)
    if palette:
        html = _palette_frames(html)
    if len(html) > EMBED_LIMIT_MB * 2**20:
        raise ValueError(f"the animation is {len(html) / 2**20:.1f} MB (limit "
                         f"{EMBED_LIMIT_MB} MB): lower max_frames or dpi")
    html, n_src = re.subn(r'<img id="(_anim_img[0-9a-f]+)">',
                          lambda m: (f'<img id="{m.group(1)}" src="{first}" '
                                     f'style="{_IMG_STYLE}">'), html, count=1)
    if n_src != 1:  # pragma: no cover - matplotlib changed its template
        raise RuntimeError("could not find the player's image in matplotlib's HTML")
    return HTML(_local_player(html))


def count_frames(obj) -> int:
    """Number of frames embedded in an animation from :func:`animate` (exact)."""
    return len(_FRAME.findall(getattr(obj, "data", obj)))


def html_size_kb(obj) -> float:
    """Size of an animation's HTML in kB (what it adds to the page)."""
    return len(getattr(obj, "data", obj).encode()) / 1024
