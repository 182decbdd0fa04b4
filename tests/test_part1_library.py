"""Tests of the library pieces behind Part I: perceptron, data, separability, helpers."""

from __future__ import annotations

import io
import itertools
import subprocess
import sys
from contextlib import redirect_stdout

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nntheory import checks, datasets, perceptron, plotting, separability, widgets  # noqa: E402
from nntheory.animation import animate, html_size_kb, subsample  # noqa: E402

# ----------------------------------------------------------------------------- datasets


def test_linearly_separable_has_the_planted_margin():
    X, y, w, b = datasets.linearly_separable(200, 4, 0.15, bias=0.3, seed=1)
    assert X.shape == (200, 4) and set(np.unique(y)) == {-1.0, 1.0}
    assert np.linalg.norm(w) == pytest.approx(1.0)
    assert np.min(y * (X @ w + b)) >= 0.15
    assert np.max(np.linalg.norm(X, axis=1)) <= 1.0
    X2, *_ = datasets.linearly_separable(200, 4, 0.15, bias=0.3, seed=1)
    np.testing.assert_array_equal(X, X2)


@pytest.mark.parametrize(("kwargs", "word"), [
    ({"n": 0}, "n"), ({"n": 5, "dim": 0}, "dim"), ({"n": 5, "margin": 2.0}, "margin"),
    ({"n": 5, "bias": 0.95}, "bias"),
])
def test_linearly_separable_bad_input(kwargs, word):
    with pytest.raises(ValueError, match=word):
        datasets.linearly_separable(**kwargs)


def test_xor_and_cube():
    X, y = datasets.xor()
    assert y.tolist() == [-1, 1, 1, -1]
    assert datasets.xor("01")[1].tolist() == [0, 1, 1, 0]
    with pytest.raises(ValueError, match="labels"):
        datasets.xor("bool")
    cube = datasets.boolean_cube(3)
    assert cube.shape == (8, 3) and cube[5].tolist() == [1, 0, 1]
    with pytest.raises(ValueError, match="n"):
        datasets.boolean_cube(0)

# ----------------------------------------------------------------------------- perceptron


@pytest.mark.parametrize("dim", [2, 5, 10])
@pytest.mark.parametrize("order_seed", [0, 1, 2])
def test_novikoff_bound_holds(dim, order_seed):
    X, y, w, b = datasets.linearly_separable(150, dim, 0.08, bias=0.1, seed=dim)
    order = np.random.default_rng(order_seed).permutation(len(X))
    run = perceptron.train_perceptron(X, y, order=order)
    assert run.converged
    assert np.all(y * (perceptron.augment(X) @ run.w) > 0)  # it really separates
    u_star, g_star = perceptron.max_margin(X, y)
    planted = perceptron.margin(np.append(w, b), X, y)
    assert g_star >= planted - 1e-9  # the max margin beats the planted separator's
    assert run.mistakes <= perceptron.novikoff_bound(X, y) <= perceptron.novikoff_bound(
        X, y, np.append(w, b))


def test_max_margin_is_optimal_on_a_known_case():
    # points (+-1, 0) labelled by sign of x_1, plus a far point: max-margin u is (1, 0, 0)
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [2.0, 1.0], [-2.0, -1.0]])
    y = np.array([1.0, -1.0, 1.0, -1.0])
    u, g = perceptron.max_margin(X, y)
    np.testing.assert_allclose(u, [1.0, 0.0, 0.0], atol=1e-6)
    assert g == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(ValueError, match="not linearly separable"):
        perceptron.max_margin(*datasets.xor())


def test_learning_rate_invariance_from_zero():
    X, y, *_ = datasets.linearly_separable(60, 3, 0.1, seed=4)
    r1 = perceptron.train_perceptron(X, y, lr=1.0)
    r2 = perceptron.train_perceptron(X, y, lr=0.125)  # a power of 2: scaling is exact
    assert r1.mistake_indices == r2.mistake_indices
    for a, b in zip(r1.weights, r2.weights, strict=True):
        np.testing.assert_array_equal(a * 0.125, b)


def test_perceptron_cycles_on_xor():
    X, y = datasets.xor()
    run = perceptron.train_perceptron(X, y, max_epochs=100)
    assert run.cycled and not run.converged
    assert run.cycle_length >= 1 and run.epochs < 100


def test_perceptron_bad_input():
    X, y = datasets.xor()
    with pytest.raises(ValueError, match="labels -1 or \\+1"):
        perceptron.train_perceptron(X, (y + 1) / 2)
    with pytest.raises(ValueError, match="lr"):
        perceptron.train_perceptron(X, y, lr=0)
    with pytest.raises(ValueError, match="order"):
        perceptron.train_perceptron(X, y, order=[0, 0, 1, 2])
    with pytest.raises(ValueError, match="X must be"):
        perceptron.train_perceptron(np.zeros(4), y)
    with pytest.raises(ValueError, match="does not separate"):
        perceptron.novikoff_bound(X, y, u=np.array([1.0, 0.0, 0.0]))

# ----------------------------------------------------------------------------- separability


def test_xor_lp_is_infeasible_with_a_valid_certificate():
    X, y = datasets.xor()
    res = separability.separate(X, y)
    assert not res.separable
    assert separability.check_certificate(X, y, res.certificate)
    # the certificate is a real proof: it is not valid for separable labels
    assert not separability.check_certificate(X, -np.ones(4) * np.array([1, 1, 1, -1]),
                                              res.certificate)


def test_and_is_separable_with_margin_one():
    X, _ = datasets.xor()
    y = np.array([-1.0, -1.0, -1.0, 1.0])
    res = separability.separate(X, y)
    assert res.separable and np.all(y * (X @ res.w + res.b) >= 1 - 1e-9)
    with pytest.raises(ValueError, match="separable"):
        separability.farkas_certificate(X, y)


def test_threshold_function_counts_two_ways():
    """LP per symmetry orbit and integer-weight enumeration agree (OEIS A000609)."""
    for n in (1, 2, 3):
        exact, total = separability.count_threshold_functions(n)
        assert exact == separability.count_threshold_functions_integer(n, 2)
        assert total == 2 ** (2**n)
    assert [separability.count_threshold_functions(n)[0] for n in (1, 2, 3)] == [4, 14, 104]


def test_orbit_counting_matches_brute_force_lp_for_n3():
    cube = datasets.boolean_cube(3)
    brute = sum(separability.separate(cube, np.array(lab)).separable
                for lab in itertools.product([-1.0, 1.0], repeat=8))
    assert brute == separability.count_threshold_functions(3)[0]


def test_cover_count_in_the_plane():
    rng = np.random.default_rng(0)
    for n in range(3, 7):
        X = rng.normal(size=(n, 2))
        assert separability.count_separable_dichotomies(X) == separability.cover_count(n, 2)
        assert separability.cover_count(n, 2) == n * n - n + 2
    with pytest.raises(ValueError, match="n must be"):
        separability.count_threshold_functions(5)

# ----------------------------------------------------------------------------- checks


def run_check(fn, *args, **kwargs):
    buf = io.StringIO()
    with redirect_stdout(buf):
        result = fn(*args, **kwargs)
    return result, buf.getvalue()


def test_checks_report_and_never_raise():
    ok, out = run_check(checks.check_number, 4.0, 4.0, name="q1")
    assert ok and out.startswith("✅ Correct [q1]")
    ok, out = run_check(checks.check_number, 5.0, 4.0, name="q1")
    # a wrong number gets no direction (issue 23: bisection against the messages)
    assert not ok and out.startswith("❌ Not yet [q1]") and "not correct" in out
    assert not any(word in out for word in ("large", "small", "factor", "4"))
    ok, out = run_check(checks.check_number, ..., 4.0, name="q1")
    assert not ok and "Not yet solved" in out
    ok, out = run_check(checks.check_number, "four", 4.0)
    assert not ok and "single number" in out
    ok, out = run_check(checks.check_array, [1, 2], [1, 2, 3])
    assert not ok and "shape" in out
    ok, out = run_check(checks.check_array, [[1, 2]], [[1, 2]])
    assert ok and repr(ok) == "CheckResult(passed=True)"

    def crashing(answer):
        raise RuntimeError("boom")

    ok, out = run_check(checks.check_true, 3, crashing, name="q3")
    assert not ok and "could not be checked (RuntimeError: boom)" in out

# ----------------------------------------------------------------------------- plots, widgets


def test_headless_detection(monkeypatch):
    from nntheory import settings

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("NNTHEORY_QUIET", raising=False)
    # a process started by pytest (as nbval starts a kernel) sees a batch-tool parent
    child = subprocess.run(
        [sys.executable, "-c", "from nntheory import settings; print(settings.headless())"],
        capture_output=True, text=True, check=True)
    assert child.stdout.strip() == "True"
    monkeypatch.setattr(settings, "_parent_is_batch_tool", lambda: False)
    assert not settings.headless() and settings.show_progress()
    monkeypatch.setenv("NNTHEORY_QUIET", "1")
    assert settings.headless()
    monkeypatch.setenv("NNTHEORY_QUIET", "0")
    monkeypatch.setenv("CI", "true")
    assert settings.headless()


def test_scale_setting(monkeypatch):
    from nntheory import settings

    monkeypatch.delenv("NNTHEORY_SCALE", raising=False)
    assert settings.scale() == "quick" and not settings.is_full_scale()
    monkeypatch.setenv("NNTHEORY_SCALE", "FULL")
    assert settings.is_full_scale()
    monkeypatch.setenv("NNTHEORY_SCALE", "huge")
    with pytest.raises(ValueError, match="NNTHEORY_SCALE"):
        settings.scale()


def test_widget_helper_is_static_in_builds(monkeypatch):
    monkeypatch.setenv("NNTHEORY_QUIET", "1")
    calls = []

    def draw(a, b):
        calls.append((a, b))
        fig, ax = plotting.figure()
        ax.plot([0, 1], [a, b])
        return fig

    fig = widgets.interactive_figure(draw, {"a": widgets.Slider(0, 1, 0.1, 0.5),
                                            "b": widgets.Slider(0, 3, 1, 2)})
    assert isinstance(fig, plt.Figure) and calls == [(0.5, 2)]
    plt.close(fig)
    with pytest.raises(ValueError, match="default"):
        widgets.Slider(0, 1, 0.1, 2.0)


def test_animation_is_capped_and_light():
    assert subsample(list(range(100)), 10) == [0, 11, 22, 33, 44, 55, 66, 77, 88, 99]
    fig, ax = plotting.figure()
    (line,) = ax.plot([], [])
    ax.set_xlim(0, 1)
    ax.set_ylim(-1, 1)
    html = animate(fig, lambda k: line.set_data([0, 1], [0, k / 100]), list(range(100)),
                   max_frames=12)
    assert html.data.count("frames[") >= 12
    assert html_size_kb(html) < 400


def test_plot_helpers_refuse_nan_and_draw_lines():
    fig, ax = plotting.figure()
    with pytest.raises(ValueError, match="diverged"):
        plotting.loss_curves({"numpy": [1.0, float("nan")]}, ax)
    ax.set_xlim(-1, 1)
    assert plotting.hyperplane(ax, [0.0, 0.0]) is None
    line = plotting.hyperplane(ax, [1.0, 2.0], 0.5)
    np.testing.assert_allclose(line.get_ydata(), [(1 - 0.5) / 2, (-1 - 0.5) / 2])
    moved = plotting.hyperplane(ax, [1.0, 0.0], -0.25, line=line)
    assert moved is line
    np.testing.assert_allclose(line.get_xdata(), [0.25, 0.25])
    plotting.hyperplane(ax, [0.0, 0.0], line=line)
    assert len(line.get_xdata()) == 0
    plotting.decision_regions(ax, lambda P: P[:, 0], (-1, 1), (-1, 1), resolution=20)
    plt.close(fig)


def test_max_margin_is_locally_optimal():
    """No nearby direction has a larger margin (1000 random perturbations of size 1e-3)."""
    X, y, *_ = datasets.linearly_separable(120, 6, 0.05, bias=0.2, seed=7)
    u, g = perceptron.max_margin(X, y)
    rng = np.random.default_rng(0)
    for _ in range(1000):
        v = u + 1e-3 * rng.normal(size=u.shape)
        assert perceptron.margin(v, X, y) <= g + 1e-9


def test_separability_bad_input():
    X, y = datasets.xor()
    with pytest.raises(ValueError, match="labels -1 or \\+1"):
        separability.separate(X, (y + 1) / 2)
    with pytest.raises(ValueError, match="one label per row"):
        separability.separate(X, y[:3])
    with pytest.raises(ValueError, match="n must be"):
        separability.count_threshold_functions(0)


def _notebook_namespace(chapter: str, starts: tuple[str, ...]) -> dict:
    """Execute the code cells of ``chapter`` that start with one of ``starts``."""
    import json
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "book" / "chapters" / f"{chapter}.ipynb"
    namespace: dict = {"np": np}
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        src = "".join(cell["source"])
        if cell["cell_type"] == "code" and src.startswith(starts):
            exec(src, namespace)
    return namespace


def test_the_registry_grades_the_data_the_chapters_show():
    """The chapters' exercises print the registry's data (exercises.data), so a right
    answer for the printed instance is graded right."""
    import json
    from pathlib import Path

    from nntheory.teaching import exercises
    for chapter in ("01_perceptron", "02_xor"):
        path = Path(__file__).resolve().parents[1] / "book" / "chapters" / f"{chapter}.ipynb"
        code = "\n".join("".join(c["source"]) for c in
                         json.loads(path.read_text(encoding="utf-8"))["cells"]
                         if c["cell_type"] == "code")
        for ex in exercises.for_chapter(chapter):
            if ex.kind != "written":
                assert ex.data is not None and f'exercises.data("{ex.label}")' in code


def test_the_chapter_one_and_two_answers_pass_and_near_misses_fail():
    """The registered checks accept the worked answers of variant 0 (and a three-digit
    margin) and reject near misses, without printing the expected value (the variants
    and the shortcuts: tests/test_exercises_ch01_02.py)."""
    from nntheory.teaching import exercises
    get = exercises.get
    exercises._TRIES.clear()
    assert get("ex-perceptron-margin").verdict([1.061, 0.354, 1.061, 1.061])[0]   # /sqrt(2)
    assert not get("ex-perceptron-margin").verdict([1.0, 1 / 3, 1.0, 1.0])[0]  # /|u|

    def dual(K, y, tau):                             # the chapter's dual perceptron
        return perceptron.kernel_perceptron(K, y).alpha
    assert not get("ex-perceptron-dual").verdict(dual)[0]       # the library is disabled
    right = (64 / 30, 30 * 205 / (16 * 144), 1.0)
    assert get("ex-perceptron-lengths").verdict(right)[0]
    ok, message = get("ex-perceptron-lengths").verdict((64 / 30, 1.0, 1.0))
    # which part is wrong is not said (a part could then be guessed alone), nor its value
    assert not ok and "(d)" not in message and "2.67" not in message
    counts = [2, 4, 6, 8, 16, 26, 36, 46, 58, 72, 86, 100, 116, 136, 156, 174]
    assert get("ex-xor-count").verdict(counts)[0]
    assert not get("ex-xor-count").verdict([k * k - k + 2 for k in range(1, 17)])[0]
    lam = [[0.25, 0.125, 0, 0.375, 0.25], [2 / 7, 2 / 7, 3 / 14, 0, 3 / 14]]
    assert get("ex-xor-farkas").verdict(lam)[0]
    assert not get("ex-xor-farkas").verdict([lam[0], lam[0]])[0]
    # exact in real arithmetic, off by round-off in floating point (weights of 1/3)
    third = [np.column_stack([-np.ones(4), np.ones(4), np.ones(4)]) / 3,
             np.array([1.0, -2.0, -3.0]) / 3, np.array([[-3.0], [-3.0], [6.0]]),
             np.array([1.0])]
    assert get("ex-xor-parity").verdict(third)[0]
    assert not get("ex-xor-parity").verdict([third[0], third[1], -third[2], third[3]])[0]
    exercises._TRIES.clear()
