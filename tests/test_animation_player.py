"""The animation player (nntheory.animation.animate) as a page gets it: nothing from
the network, text buttons for every control, frames at the book's dpi."""

from __future__ import annotations

import re

import matplotlib

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
