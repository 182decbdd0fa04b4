"""nntheory.widgets.Dropdown: categorical controls (chapter 8's explorer)."""

import matplotlib.pyplot as plt
import pytest

from nntheory import widgets


def _draw(activation, depth):
    fig, ax = plt.subplots()
    ax.set_title(f"{activation} {depth}")
    return fig


def test_static_page_draws_the_default_option():
    fig = widgets.interactive_figure(_draw, {
        "activation": widgets.Dropdown(("relu", "tanh"), "tanh"),
        "depth": widgets.Slider(5, 60, 5, 30)}, force_static=True)
    assert fig.axes[0].get_title() == "tanh 30"


def test_live_dropdown_redraws_with_the_chosen_string(monkeypatch):
    pytest.importorskip("ipywidgets")
    monkeypatch.setattr(widgets, "live_widgets_available", lambda: True)
    seen = []

    def draw(activation, depth):
        seen.append((activation, depth))
        return _draw(activation, depth)

    live = widgets.interactive_figure(draw, {
        "activation": widgets.Dropdown(("relu", "tanh", "sigmoid"), "relu", "activation"),
        "depth": widgets.Slider(5, 60, 5, 30)})
    menu = live.widget.children[0].children[0]
    assert type(menu).__name__ == "Dropdown" and list(menu.options) == ["relu", "tanh",
                                                                         "sigmoid"]
    menu.value = "sigmoid"
    assert seen[0] == ("relu", 30) and seen[-1] == ("sigmoid", 30)


@pytest.mark.parametrize("args, exc, match", [
    (((), "a"), TypeError, "options"),
    ((("a", 1), "a"), TypeError, "options"),
    ((("a", "a"), "a"), ValueError, "distinct"),
    ((("a", "b"), "c"), ValueError, "default"),
    ((("a", "b"), "a", 3), TypeError, "description"),
])
def test_bad_dropdowns_are_refused(args, exc, match):
    with pytest.raises(exc, match=match):
        widgets.Dropdown(*args)
