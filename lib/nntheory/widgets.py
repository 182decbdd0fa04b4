"""One helper for interactive figures: live controls in Jupyter, a static figure in the book.

``interactive_figure(draw, controls)`` calls ``draw(**values)`` (which returns a
matplotlib figure). In a live Jupyter kernel with ``ipywidgets`` it shows sliders
and redraws on every change; when the notebook runs headless (a book build, CI,
nbval: see :func:`nntheory.settings.headless`), it draws the figure once with the
default values, so the static page never shows an empty widget area.

The live figure works with ipywidgets 7.7 (what Colab ships and shows) and 8. It is
displayed as one output holding two views: the widget, and a PNG of the figure at the
default values. A front end that shows widgets (JupyterLab or Notebook with the widgets
extension, Colab, VS Code) picks the widget; one that cannot (no widgets extension,
a mismatched ipywidgets, a viewer of saved notebooks) shows the picture, never an
empty box or a "VBox(...)" line.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import matplotlib.pyplot as plt

from . import settings, validation

__all__ = ["Slider", "Dropdown", "LiveFigure", "interactive_figure", "live_widgets_available"]


@dataclass(frozen=True)
class Slider:
    """A numeric control: ``(min, max, step)`` and the default used on the static page.

    All four are finite real numbers with ``min < max``, ``0 < step <= max - min``
    and ``min <= default <= max``; anything else is refused naming the argument.
    """

    min: float
    max: float
    step: float
    default: float
    description: str = ""

    def __post_init__(self):
        # every argument a finite real number; the range checked before the default,
        # so that a reversed range is blamed on min/max, not on the default
        # (values keep their type: an int default stays an int for draw())
        for argument in ("min", "max", "step", "default"):
            validation.check_real(getattr(self, argument), argument)
        if not self.min < self.max:
            raise ValueError(f"max must be greater than min; got min={self.min:g}, "
                             f"max={self.max:g}")
        validation.check_positive(self.step, "step")
        if self.step > self.max - self.min:
            raise ValueError(f"step must be at most max - min = {self.max - self.min:g}; "
                             f"got {self.step:g}")
        if not self.min <= self.default <= self.max:
            raise ValueError(f"default must lie in [min, max] = [{self.min:g}, {self.max:g}]; "
                             f"got {self.default:g}")
        if not isinstance(self.description, str):
            raise TypeError(f"description must be a string; got {self.description!r}")


@dataclass(frozen=True)
class Dropdown:
    """A categorical control: the ``options`` (distinct strings) and the default shown on
    the static page; ``draw`` receives the chosen string."""

    options: tuple
    default: str
    description: str = ""

    def __post_init__(self):
        if (not isinstance(self.options, (tuple, list)) or not self.options
                or not all(isinstance(o, str) for o in self.options)):
            raise TypeError(f"options must be a non-empty tuple of strings; got {self.options!r}")
        if len(set(self.options)) != len(self.options):
            raise ValueError(f"options must be distinct; got {self.options!r}")
        if self.default not in self.options:
            raise ValueError(f"default must be one of the options {tuple(self.options)}; "
                             f"got {self.default!r}")
        if not isinstance(self.description, str):
            raise TypeError(f"description must be a string; got {self.description!r}")


def live_widgets_available() -> bool:
    """True in an interactive Jupyter kernel with ipywidgets (not in builds or CI)."""
    if settings.headless():  # book build, CI, nbval: draw a static figure instead
        return False
    try:
        import ipywidgets  # noqa: F401
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    # a Jupyter kernel's shell: ipykernel's, or a subclass of it (Colab's is one)
    return shell is not None and any(cls.__name__ == "ZMQInteractiveShell"
                                     for cls in type(shell).__mro__)


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


class LiveFigure:
    """The live controls (``.widget``, an ipywidgets box) with a static fallback: its
    display is one output with the widget's view and ``png`` (the figure at the default
    values), so a front end that cannot show the widget shows the picture."""

    def __init__(self, widget, png: bytes):
        self.widget, self.png = widget, png

    def _repr_mimebundle_(self, include=None, exclude=None):
        import base64

        view = {"version_major": 2, "version_minor": 0, "model_id": self.widget.model_id}
        return {WIDGET_VIEW: view, "image/png": base64.b64encode(self.png).decode("ascii"),
                "text/plain": "An interactive figure (sliders); its static view is shown "
                              "where widgets are not available."}


def interactive_figure(draw: Callable[..., plt.Figure],
                       controls: Mapping[str, Slider | Dropdown], *, force_static: bool = False):
    """Show ``draw(**values)`` with sliders and drop-down menus (live) or once with the
    defaults (static).

    Returns the static figure, or a :class:`LiveFigure` (the ``ipywidgets`` container
    with a static fallback) when live.
    """
    validation.check_callable(draw, "draw")
    if not isinstance(controls, Mapping):
        raise TypeError(f"controls must be a mapping {{name: Slider or Dropdown}}; got "
                        f"{type(controls).__name__}")
    for name, c in controls.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"controls keys must be argument names of draw; got {name!r}")
        if not isinstance(c, (Slider, Dropdown)):
            raise TypeError(f"controls[{name!r}] must be a Slider or a Dropdown; got "
                            f"{type(c).__name__}")
    force_static = validation.check_flag(force_static, "force_static")
    defaults = {name: c.default for name, c in controls.items()}
    if force_static or not live_widgets_available():
        fig = draw(**defaults)
        # Close it so that the inline backend does not show it a second time
        # after the cell returns it; the returned figure still displays once.
        plt.close(fig)
        return fig
    import ipywidgets as w
    from IPython.display import display

    out = w.Output()
    sliders = {}
    for name, c in controls.items():
        if isinstance(c, Dropdown):
            sliders[name] = w.Dropdown(options=list(c.options), value=c.default,
                                       description=c.description or name)
            continue
        is_int = all(float(v).is_integer() for v in (c.min, c.max, c.step, c.default))
        cls = w.IntSlider if is_int else w.FloatSlider
        sliders[name] = cls(min=c.min, max=c.max, step=c.step, value=c.default,
                            description=c.description or name, continuous_update=False)

    def redraw(_=None):
        with out:
            out.clear_output(wait=True)
            fig = draw(**{k: s.value for k, s in sliders.items()})
            display(fig)
            plt.close(fig)
        return fig

    for s in sliders.values():
        s.observe(redraw, names="value")
    box = w.VBox([w.HBox(list(sliders.values())), out])
    png = io.BytesIO()
    redraw().savefig(png, format="png", bbox_inches="tight")
    return LiveFigure(box, png.getvalue())
