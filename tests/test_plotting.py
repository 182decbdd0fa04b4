"""The book's figures: shown exactly once in a real kernel, sized for the column,
bad arguments refused by name; animations start on their first frame."""

from __future__ import annotations

import base64
import io
import re
import struct

import matplotlib

matplotlib.use("Agg")
import matplotlib.image  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nntheory import plotting  # noqa: E402
from nntheory.animation import MAX_FRAMES, animate, count_frames, subsample  # noqa: E402


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


# ----------------------------------------------------------------- display in a real kernel

KERNEL_CELLS = [
    "import matplotlib.pyplot as plt\nfrom myst_nb import glue\n"
    "from nntheory.plotting import figure, loss_curves\n"
    "from nntheory.animation import animate",
    "fig, ax = figure()\nax.plot([0, 1], [0, 1]);",
    "fig, axes = figure(ncols=2)\naxes[0].plot([0, 1], [0, 1]);",
    "fig, ax = figure(width=10, height=3)\nax.plot([0, 1], [1, 0]);",
    # the captioned-figure pattern: glued for the site, still shown in the notebook
    "fig, ax = figure()\nax.plot([0, 1], [1, 1])\nglue('fig-x', fig, display=False)",
    "ax = loss_curves({'numpy core': [1.0, 0.5, 0.25]})",
    "fig, ax = figure()\n(line,) = ax.plot([], [])\nax.set_xlim(0, 1)\nax.set_ylim(0, 1)\n"
    "animate(fig, lambda k: line.set_data([0, 1], [0, k / 5]), list(range(6)))",
    "fig, ax = plt.subplots()\nax.plot([0, 1], [1, 0]);",
    "fig, ax = figure()\nax.plot([0, 1], [0, 1]);",
]
# image/png outputs expected per cell (the animation is HTML, its figure is closed)
EXPECTED_PNG = [0, 1, 1, 1, 1, 1, 0, 1, 1]


def test_every_figure_displays_exactly_once_in_a_kernel():
    """Regression test for figures made inside ``rc_context`` (matplotlib-inline #22):
    after the first one, the inline backend showed no further figure."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in KERNEL_CELLS])
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    pngs = [sum("image/png" in out.get("data", {}) for out in cell.outputs)
            for cell in nb.cells]
    assert pngs == EXPECTED_PNG
    glued = [out for out in nb.cells[4].outputs
             if "application/papermill.record/image/png" in out.get("data", {})]
    assert len(glued) == 1, "glue(display=False) recorded no figure for the site"
    html = [out for out in nb.cells[6].outputs if "text/html" in out.get("data", {})]
    assert len(html) == 1 and count_frames(html[0]["data"]["text/html"]) == 6
    # every PNG of a figure() fits the column and was made at the book's dpi
    for cell, n in zip(nb.cells, EXPECTED_PNG, strict=True):
        for out in cell.outputs:
            if n and "image/png" in out.get("data", {}) and "plt.subplots" not in cell.source:
                width, _ = _png_size(base64.b64decode(out["data"]["image/png"]))
                assert width <= plotting.COLUMN_PX, (cell.source, width)


# ---------------------------------------------------------------------------- sizes and style


def test_figure_is_capped_at_the_column_and_labels_are_readable():
    for kwargs in ({}, {"ncols": 2}, {"ncols": 4}, {"width": 10, "height": 2.4},
                   {"ncols": 2, "width": 8.4, "height": 3.8}):
        fig, axes = plotting.figure(**kwargs)
        w, h = fig.get_size_inches()
        assert w <= plotting.MAX_WIDTH and fig.dpi == plotting.DPI
        if "height" in kwargs:
            assert h == kwargs["height"]                    # height kept, width capped
        assert (plotting.MAX_WIDTH + 2 * plotting.PAD) * plotting.DPI <= plotting.COLUMN_PX
        for ax in np.atleast_1d(axes).ravel():
            ax.plot([1, 10, 100], [1, 2, 3])
            ax.set_xscale("log")                             # style survives a new scale
            ax.set_xlabel("x")
            fig.canvas.draw()
            texts = ax.get_xticklabels() + ax.get_yticklabels() + [ax.xaxis.label]
            sizes_px = [t.get_fontsize() * fig.dpi / 72 for t in texts]
            assert min(sizes_px) >= 9, sizes_px
            assert ax.xaxis.label.get_fontsize() == plotting.STYLE["label_pt"]
            assert not ax.spines["top"].get_visible()
            assert ax.lines[-1].get_linewidth() == plotting.STYLE["linewidth"]
        plt.close(fig)
    assert plotting.MIN_PT * plotting.DPI / 72 >= 9


def test_figure_changes_no_global_state():
    before = dict(matplotlib.rcParams)
    fig, _ = plotting.figure(ncols=2, sharey=True)
    plt.close(fig)
    after = dict(matplotlib.rcParams)
    assert {k for k in before if before[k] != after[k]} == set()


def test_figure_refuses_bad_sizes_by_name():
    with pytest.raises(ValueError, match="width"):
        plotting.figure(width=-1)
    with pytest.raises(ValueError, match="height"):
        plotting.figure(height=float("nan"))
    with pytest.raises(ValueError, match="ncols"):
        plotting.figure(ncols=0)
    with pytest.raises(TypeError, match="nrows"):
        plotting.figure(nrows=1.5)
    with pytest.raises(TypeError, match="figsize"):
        plotting.figure(figsize=(3, 3))


# ------------------------------------------------------------------------- helpers' arguments


@pytest.fixture
def ax():
    fig, ax = plotting.figure()
    yield ax
    plt.close(fig)


def test_hyperplane_refuses_bad_input(ax):
    with pytest.raises(ValueError, match="w must have shape"):
        plotting.hyperplane(ax, [1.0])
    with pytest.raises(ValueError, match="w must have shape"):
        plotting.hyperplane(ax, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="w contains NaN"):
        plotting.hyperplane(ax, [1.0, float("nan")])
    with pytest.raises(TypeError, match="w must be"):
        plotting.hyperplane(ax, "ab")
    with pytest.raises(ValueError, match="b must be a single number"):
        plotting.hyperplane(ax, [1.0, 1.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="b contains NaN"):
        plotting.hyperplane(ax, [1.0, 1.0], float("inf"))
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plotting.hyperplane(None, [1.0, 1.0])
    with pytest.raises(TypeError, match="line must be"):
        plotting.hyperplane(ax, [1.0, 1.0], line="x")
    # a bias of shape (1,), as a perceptron stores it, is fine
    line = plotting.hyperplane(ax, [1.0, 1.0], np.array([0.5]), xlim=(0, 1))
    np.testing.assert_allclose(line.get_ydata(), [-0.5, -1.5])


def test_loss_curves_refuses_bad_input(ax):
    with pytest.raises(ValueError, match="non-empty string"):
        plotting.loss_curves({"": [1.0, 0.5]}, ax)
    with pytest.raises(ValueError, match="non-empty string"):
        plotting.loss_curves({"  ": [1.0, 0.5]}, ax)
    with pytest.raises(ValueError, match="non-empty string"):
        plotting.loss_curves({3: [1.0, 0.5]}, ax)
    with pytest.raises(ValueError, match="at least one history"):
        plotting.loss_curves({}, ax)
    with pytest.raises(TypeError, match="histories must be a dict"):
        plotting.loss_curves([[1.0, 0.5]], ax)
    with pytest.raises(ValueError, match="at least 1 entries"):
        plotting.loss_curves({"numpy": []}, ax)
    with pytest.raises(ValueError, match="diverged"):
        plotting.loss_curves({"numpy": [1.0, float("inf")]}, ax)
    with pytest.raises(ValueError, match="log=False"):
        plotting.loss_curves({"numpy": [1.0, 0.0]}, ax)
    with pytest.raises(TypeError, match="histories\\['numpy'\\]"):
        plotting.loss_curves({"numpy": "1 2"}, ax)
    with pytest.raises(TypeError, match="log must be True or False"):
        plotting.loss_curves({"numpy": [1.0]}, ax, log="yes")
    assert not ax.lines, "a refused call drew nothing"
    plotting.loss_curves({"numpy": [1.0, 0.0]}, ax, log=False)
    assert len(ax.lines) == 1 and ax.get_legend() is not None


def test_other_helpers_refuse_bad_input(ax):
    with pytest.raises(ValueError, match="X must have 2 columns"):
        plotting.labelled_points(ax, np.zeros((3, 3)), [1, -1, 1])
    with pytest.raises(ValueError, match="one label per row"):
        plotting.labelled_points(ax, np.zeros((3, 2)), [1, -1])
    with pytest.raises(TypeError, match="score must be callable"):
        plotting.decision_regions(ax, None, (-1, 1), (-1, 1))
    with pytest.raises(ValueError, match="resolution"):
        plotting.decision_regions(ax, lambda P: P[:, 0], (-1, 1), (-1, 1), resolution=1)
    with pytest.raises(ValueError, match="one value per point"):
        plotting.decision_regions(ax, lambda P: P[:3, 0], (-1, 1), (-1, 1), resolution=5)
    with pytest.raises(ValueError, match="xlim must have shape"):
        plotting.decision_regions(ax, lambda P: P[:, 0], (-1, 0, 1), (-1, 1))


def test_function_panels_draws_one_panel_per_entry():
    x = np.linspace(-1, 1, 50)
    fig, axes = plotting.function_panels(
        x, {"width 4": {"target": (np.sin(x), {"color": "k"}), "net": np.cos(x)},
            "width 8": {"target": np.sin(x)}}, ylabel="f(x)")
    assert len(axes) == 2 and [len(a.lines) for a in axes] == [2, 1]
    assert fig.get_size_inches()[0] <= plotting.MAX_WIDTH
    assert axes[0].lines[0].get_color() == "k"
    plt.close(fig)
    with pytest.raises(ValueError, match=r"panels\['a'\]\['net'\] must have shape"):
        plotting.function_panels(x, {"a": {"net": np.zeros(3)}})
    with pytest.raises(TypeError, match="panels must be"):
        plotting.function_panels(x, {})


# ------------------------------------------------------------------------------ animations


def _pixels(b64: str) -> np.ndarray:
    """Decode a base64 PNG (as embedded by matplotlib's player) to an RGB(A) array."""
    data = base64.b64decode(re.sub(r"[\\\s]", "", b64))
    return matplotlib.image.imread(io.BytesIO(data), format="png")


def _line_animation(n_frames: int, **kwargs):
    fig, ax = plotting.figure(width=3, height=2)
    (line,) = ax.plot([], [], lw=4)
    ax.set_xlim(0, 1)
    ax.set_ylim(-1, 1)
    seen = []

    def update(k):
        seen.append(k)
        line.set_data([0, 1], [0.5, 0.5 - k / n_frames])

    return animate(fig, update, list(range(n_frames)), **kwargs), seen


def test_animation_frame_cap_is_exact():
    for n, cap, expected in ((100, 12, 12), (100, MAX_FRAMES, MAX_FRAMES), (7, 12, 7),
                             (5, 1, 1), (13, 12, 12)):
        html, seen = _line_animation(n, max_frames=cap, dpi=12)  # tiny frames: fast
        assert count_frames(html) == expected, (n, cap)
        assert seen[0] == 0                     # the initial state is drawn first


def test_animation_first_frame_shows_the_initial_state():
    html, _ = _line_animation(10, max_frames=4)
    srcs = re.findall(r'<img id="_anim_img\w+" src="data:image/png;base64,([^"]+)"', html.data)
    assert len(srcs) == 1, "the player's image has no initial picture"
    frames = re.findall(r'frames\[(\d+)\] = "data:image/png;base64,([^"]+)"', html.data)
    assert [int(i) for i, _ in frames] == [0, 1, 2, 3]
    first = _pixels(srcs[0])
    np.testing.assert_array_equal(first, _pixels(frames[0][1]),
                                  err_msg="the initial picture is not frame 0")
    # frame 0 shows the line: it differs from the same axes drawn without it
    fig, ax = plotting.figure(width=3, height=2)
    ax.set_xlim(0, 1)
    ax.set_ylim(-1, 1)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=plotting.DPI)  # animate()'s default
    plt.close(fig)
    blank = _pixels(base64.b64encode(buf.getvalue()).decode())
    assert blank.shape == first.shape
    assert np.abs(blank - first).max() > 0.5, "frame 0 looks like the empty axes"


def test_subsample_edges():
    frames = list(range(100))
    assert subsample(frames, 10) == [0, 11, 22, 33, 44, 55, 66, 77, 88, 99]
    assert subsample(frames, 2) == [0, 99]
    assert subsample(frames, 1) == [0]
    assert subsample(np.arange(5), 3) == [0, 2, 4]
    assert subsample(range(3), 10) == [0, 1, 2]
    for cap in range(2, 60):
        picked = subsample(frames, cap)
        assert len(picked) == cap and picked[0] == 0 and picked[-1] == 99
    with pytest.raises(ValueError, match="max_frames"):
        subsample(frames, 0)
    with pytest.raises(ValueError, match="max_frames"):
        subsample(frames, -3)
    with pytest.raises(TypeError, match="max_frames"):
        subsample(frames, 2.5)
    with pytest.raises(TypeError, match="frames must be a sequence"):
        subsample(iter(frames), 3)


def test_animate_refuses_bad_input():
    fig, ax = plotting.figure()
    with pytest.raises(ValueError, match="at least one frame"):
        animate(fig, lambda k: None, [])
    with pytest.raises(TypeError, match="update must be callable"):
        animate(fig, None, [1, 2])
    with pytest.raises(TypeError, match="fig must be a matplotlib Figure"):
        animate(ax, lambda k: None, [1, 2])
    with pytest.raises(ValueError, match="max_frames"):
        animate(fig, lambda k: None, [1, 2], max_frames=0)
    with pytest.raises(ValueError, match="interval_ms"):
        animate(fig, lambda k: None, [1, 2], interval_ms=0)
    plt.close(fig)
