"""The animation player (nntheory.animation.animate) as a page gets it: nothing from
the network, text buttons for every control, frames at the book's dpi."""

from __future__ import annotations

import re

import matplotlib
import numpy as np

matplotlib.use("Agg")

from nntheory import animation, plotting  # noqa: E402


def _player(width=3.0, height=2.0, **kwargs):
    fig, ax = plotting.figure(width=width, height=height)
    (line,) = ax.plot([], [])
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 3)
    return animation.animate(fig, lambda k: line.set_data([0, 1], [0, k]), [1, 2, 3],
                             **kwargs).data


def test_the_player_loads_nothing_from_the_network():
    html = _player()
    # no URL at all: matplotlib's template linked Font Awesome 4.4 from a CDN
    assert re.findall(r"(?:https?:)?//[\w.-]+\.\w+/", html) == []
    assert "<link" not in html and "font-awesome" not in html
    assert 'class="fa ' not in html                    # no icon font is needed


def test_every_button_has_a_text_label_and_keeps_its_title():
    html = _player()
    buttons = re.findall(r'<button title="([^"]+)"[^>]*>\s*<span class="anim-label">'
                         r"([^<]+)</span></button>", html)
    assert len(buttons) == 9 == len(animation.BUTTON_LABELS)
    titles = [t for t, _ in buttons]
    assert titles[:3] == ["Decrease speed", "First frame", "Previous frame"]
    labels = [label for _, label in buttons]
    assert len(set(labels)) == 9 and all(label.strip() for label in labels)


def _png_width(uri: str) -> int:
    import base64
    import struct

    png = base64.b64decode(uri.split(",", 1)[1])
    return struct.unpack(">I", png[16:20])[0]


def test_frames_are_drawn_at_the_books_dpi_and_fit_the_column():
    html = _player(width=4.0, height=2.0)
    first = re.search(r'<img id="_anim_img\w+" src="(data:image/png;base64,[^"]+)" '
                      r'style="max-width: 100%; height: auto">', html)
    assert first, "the player's image has no first frame or no width cap"
    assert _png_width(first.group(1)) == 4 * plotting.DPI      # 400 px, not 240 px
    frames = re.findall(r'frames\[\d+\] = "(data:image/png;base64,[^"]+)"', html)
    assert {_png_width(f) for f in frames} == {4 * plotting.DPI}
    html = _player(width=4.0, height=2.0, dpi=50)              # dpi= still chooses
    frames = re.findall(r'frames\[\d+\] = "(data:image/png;base64,[^"]+)"', html)
    assert {_png_width(f) for f in frames} == {200}


def _frames(html):
    import base64
    import io

    from PIL import Image

    out = []
    for uri in re.findall(r'frames\[\d+\] = "data:image/png;base64,([^"]+)"', html):
        with Image.open(io.BytesIO(base64.b64decode(uri))) as image:
            out.append((image.mode, np.asarray(image.convert("RGB"), dtype=float)))
    return out


def test_palette_frames_are_lighter_and_look_the_same():
    fig_args = dict(width=4.0, height=2.5)
    small, full = _player(**fig_args), _player(**fig_args, palette=False)
    assert len(small) < 0.8 * len(full)
    a, b = _frames(small), _frames(full)
    assert [m for m, _ in a] == ["P"] * 3 and [m for m, _ in b] == ["RGBA"] * 3
    for (_, x), (_, y) in zip(a, b, strict=True):
        # the octree's white is 254 (mean difference 1.16 seen, nearly all of it the
        # background); anti-aliased edges move to the nearest of 256 colours
        assert np.abs(x - y).mean() < 2.0 and np.abs(x - y).max() < 64


def test_series_styles_tell_eight_curves_apart():
    styles = plotting.series_styles([f"m{i}" for i in range(8)])
    pairs = [(s["color"], str(s["linestyle"])) for s in styles.values()]
    assert len(set(pairs)) == 8
    values = list(styles.values())
    for a, b in zip(values, values[1:], strict=False):      # neighbours differ in both
        assert a["color"] != b["color"] and a["linestyle"] != b["linestyle"]
    assert len(set(map(str, plotting.series_styles(range(28)).values()))) == 28
    import pytest

    with pytest.raises(ValueError, match="labels"):
        plotting.series_styles(range(29))
    with pytest.raises(ValueError, match="distinct"):
        plotting.series_styles(["a", "a"])
    with pytest.raises(TypeError, match="labels"):
        plotting.series_styles("abc")


def test_button_labels_are_in_common_fonts():
    """Every label character has a glyph in DejaVu Sans (matplotlib ships it; the
    default sans-serif of most Linux systems): the media symbols U+23EE/U+23F8/U+23ED
    that the first labels used showed as empty boxes in Chromium."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    path = font_manager.findfont("DejaVu Sans", fallback_to_default=False)
    charmap = FT2Font(path).get_charmap()
    for label in animation.BUTTON_LABELS.values():
        for ch in label.replace("\ufe0e", ""):        # the text-style selector is no glyph
            assert ord(ch) in charmap, (label, hex(ord(ch)))
    assert 0x23F8 not in charmap          # the check can fail: DejaVu lacks the pause sign
