"""Bad input to the small tool modules (approximation, seed000, widgets, settings) is
refused with a TypeError/ValueError naming the argument; no NaN result is returned."""

from __future__ import annotations

import numpy as np
import pytest

from nntheory import approximation, seed000, settings, widgets
from nntheory import numpy_core as npc
from nntheory import torch_core as thc

# ----------------------------------------------------------------------------- approximation


def test_train_width_accepts_the_core_by_name():
    f = approximation.TARGETS["smooth"]
    by_module = approximation.train_width(f, 3, core=npc, epochs=5, seed=1)
    for name in ("numpy", "NumPy", "numpy_core"):
        by_name = approximation.train_width(f, 3, core=name, epochs=5, seed=1)
        assert isinstance(by_name, npc.MLP)
        for p, q in zip(by_name.get_parameters(), by_module.get_parameters(), strict=True):
            np.testing.assert_array_equal(p, q)
    assert isinstance(approximation.train_width(f, 3, core="torch", epochs=5), thc.MLP)
    assert isinstance(approximation.train_width(f, 3, epochs=5), npc.MLP)   # default: numpy


@pytest.mark.parametrize("x, y, exc, match", [
    ([1.0, np.nan, 3.0], [1.0, 2.0, 3.0], ValueError, "x contains NaN"),
    ([1.0, 2.0, 3.0], [1.0, np.nan, 3.0], ValueError, "y contains NaN"),
    ([1.0, np.inf], [1.0, 2.0], ValueError, "x contains NaN or infinite"),
    ([2.0, 2.0, 2.0], [1.0, 2.0, 3.0], ValueError, "x must hold at least two distinct"),
    ([0.0, 1.0], [1.0, 2.0], ValueError, "x must be positive"),
    ([-1.0, 1.0], [1.0, 2.0], ValueError, "x must be positive"),
    ([1.0, 2.0], [0.0, 2.0], ValueError, "y must be positive"),
    ([1.0, 2.0], [-1.0, 2.0], ValueError, "y must be positive"),
    ([1.0], [1.0], ValueError, "x must have at least 2"),
    ([1.0, 2.0, 3.0], [1.0, 2.0], ValueError, "same length"),
    ([[1.0, 2.0]], [[1.0, 2.0]], ValueError, "x must have 1 dimension"),
    ("abc", [1.0, 2.0], TypeError, "x must be an array"),
    ([1.0, 2.0], None, TypeError, "y must be an array"),
])
def test_loglog_slope_bad_input(x, y, exc, match):
    with pytest.raises(exc, match=match):
        approximation.loglog_slope(x, y)


def test_loglog_slope_values():
    x = np.array([1.0, 2.0, 4.0, 8.0])
    assert abs(approximation.loglog_slope(x, 3 * x**-2.5) + 2.5) < 1e-12
    assert abs(approximation.loglog_slope([1, 10], [5, 5])) < 1e-12


def _net_with(value):
    net = npc.MLP([1, 1])
    net.set_parameters([np.zeros((1, 1)), np.array([0.0])])
    net._params[1][0] = value   # set_parameters refuses NaN; training could produce it
    return net


@pytest.mark.parametrize("call, exc, match", [
    (lambda: approximation.grid(1), ValueError, "n must be"),
    (lambda: approximation.grid(2.5), TypeError, "n must be"),
    (lambda: approximation.grid("10"), TypeError, "n must be"),
    (lambda: approximation.grid(True), TypeError, "n must be"),
    (lambda: approximation.errors(_net_with(np.nan), np.sin), ValueError, "model.predict"),
    (lambda: approximation.errors(_net_with(0.0), lambda x: x * np.nan), ValueError, "f\\(x\\)"),
    (lambda: approximation.errors(_net_with(0.0), lambda x: x[:3]), ValueError, "one value"),
    (lambda: approximation.errors(_net_with(0.0), np.sin, n=1), ValueError, "n must be"),
    (lambda: approximation.train_width(np.sin, 2, core="jax"), ValueError, "core"),
    (lambda: approximation.train_width(np.sin, 2, core=np), TypeError, "core"),
    (lambda: approximation.train_width(np.sin, 2, core=None), TypeError, "core"),
    (lambda: approximation.train_width(np.sin, 2.5), TypeError, "width"),
    (lambda: approximation.train_width(np.sin, -1), ValueError, "width"),
    (lambda: approximation.train_width("sin", 2), TypeError, "f must be callable"),
    (lambda: approximation.train_width(np.sin, 2, seed=-1), ValueError, "seed"),
    (lambda: approximation.train_width(np.sin, 2, seed="a"), TypeError, "seed"),
    (lambda: approximation.train_width(np.sin, 2, seed=None), TypeError, "seed"),
    (lambda: approximation.train_width(np.sin, 2, lr=-1), ValueError, "lr"),
    (lambda: approximation.train_width(np.sin, 2, lr=np.nan), ValueError, "lr"),
    (lambda: approximation.train_width(np.sin, 2, epochs=-1), ValueError, "epochs"),
    (lambda: approximation.train_width(np.sin, 2, n_train=1), ValueError, "n_train"),
    (lambda: approximation.train_width(lambda x: x * np.nan, 2), ValueError, "f\\(x\\)"),
    (lambda: approximation.width_sweep(np.sin, [], epochs=1), ValueError, "widths"),
    (lambda: approximation.width_sweep(np.sin, [2], seeds=(), epochs=1), ValueError, "seeds"),
    (lambda: approximation.width_sweep(np.sin, 5), TypeError, "widths"),
    (lambda: approximation.width_sweep(np.sin, "12"), TypeError, "widths"),
    (lambda: approximation.width_sweep(np.sin, [0]), ValueError, "widths entry"),
    (lambda: approximation.width_sweep(np.sin, [2], seeds=(-1,)), ValueError, "seeds entry"),
    (lambda: approximation.width_sweep(np.sin, [2], seeds=3), TypeError, "seeds"),
    (lambda: approximation.width_sweep(np.sin, [2], progress="no"), TypeError, "progress"),
    (lambda: approximation.width_sweep(None, [2]), TypeError, "f must be callable"),
])
def test_approximation_refuses_bad_input_by_name(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ----------------------------------------------------------------------------- seed000

def test_seed_layer_shapes_is_private_and_counted_independently():
    assert "seed_layer_shapes" not in seed000.__all__
    for depth in range(1, 6):
        shapes = seed000._seed_layer_shapes(2, 7, 3, depth)
        assert len(shapes) == depth and shapes[0] == (2, 7)
        if depth > 1:
            assert shapes[-1] == (7, 3) and all(s == (7, 7) for s in shapes[1:-1])
    assert not hasattr(seed000, "seed_layer_shapes")     # no public alias left


def test_no_repository_path_in_the_seed_module():
    source = open(seed000.__file__).read()
    assert "../shared" not in source and "shared/seeds" not in source


@pytest.mark.parametrize("call, exc, match", [
    (lambda: seed000.UniversalApproximationTheorem.verify(np.sin, tolerance=-1), ValueError,
     "tolerance"),
    (lambda: seed000.UniversalApproximationTheorem.verify(np.sin, tolerance=0), ValueError,
     "tolerance"),
    (lambda: seed000.UniversalApproximationTheorem.verify(np.sin, tolerance=np.nan), ValueError,
     "tolerance"),
    (lambda: seed000.UniversalApproximationTheorem.verify(np.sin, tolerance="0.1"), TypeError,
     "tolerance"),
    (lambda: seed000.UniversalApproximationTheorem.verify(np.sin, hidden_dims=()), ValueError,
     "hidden_dims"),
    (lambda: seed000.UniversalApproximationTheorem.verify(np.sin, hidden_dims=(0,)),
     ValueError, "hidden_dims"),
    (lambda: seed000.UniversalApproximationTheorem.verify(np.sin, hidden_dims=10), TypeError,
     "hidden_dims"),
    (lambda: seed000.UniversalApproximationTheorem.verify(np.sin, seed=-1), ValueError, "seed"),
    (lambda: seed000.UniversalApproximationTheorem.verify("sin"), TypeError, "function"),
    (lambda: seed000._seed_layer_shapes(1, 10, 1, 0), ValueError, "depth"),
    (lambda: seed000._seed_layer_shapes(0, 10, 1, 1), ValueError, "input_dim"),
    (lambda: seed000._seed_layer_shapes(1, "10", 1, 1), TypeError, "hidden_dim"),
    (lambda: seed000._seed_layer_shapes(1, 10, 1.5, 1), TypeError, "output_dim"),
    (lambda: seed000.layer_sizes(1, 2.5), TypeError, "width"),
    (lambda: seed000.seed_initial_parameters([1, 2], np.nan, 0), ValueError, "scale"),
    (lambda: seed000.seed_initial_parameters([1, 2], 1.0, -1), ValueError, "seed"),
    (lambda: seed000.FunctionApproximator(np.sin, learning_rate=0), ValueError,
     "learning_rate"),
    (lambda: seed000.FunctionApproximator(np.sin, epochs=-1), ValueError, "epochs"),
    (lambda: seed000.FunctionApproximator(np.sin, seed=1.5), TypeError, "seed"),
    (lambda: seed000.DepthWidthAnalysis(lr=-0.1), ValueError, "lr"),
    (lambda: seed000.DepthWidthAnalysis(epochs=2.5), TypeError, "epochs"),
    (lambda: seed000.DepthWidthAnalysis(seed=-3), ValueError, "seed"),
    (lambda: seed000.ExpressivenessBoundary.check_approximation_error(
        npc.MLP([1, 1]), np.sin, [[np.nan]]), ValueError, "X contains NaN"),
    (lambda: seed000.ExpressivenessBoundary.check_approximation_error(
        npc.MLP([1, 1]), "sin", [[0.0]]), TypeError, "target_fn"),
    (lambda: seed000.ExpressivenessBoundary.check_approximation_error(
        3, np.sin, [[0.0]]), TypeError, "model"),
    (lambda: seed000.ExpressivenessBoundary.check_approximation_error(
        npc.MLP([1, 1]), lambda x: np.ones(5), [[0.0]]), ValueError, "same number"),
    (lambda: seed000.remeasure_claim("linear"), TypeError, "claim"),
    (lambda: seed000.remeasure_claim(seed000.SEED_APPROXIMATION_TABLE[0], seeds=()),
     ValueError, "seeds"),
    (lambda: seed000.remeasure_claim(seed000.SEED_APPROXIMATION_TABLE[0], ladder=(0,)),
     ValueError, "ladder"),
    (lambda: seed000.remeasure_claim(seed000.SEED_APPROXIMATION_TABLE[0], lr=0),
     ValueError, "lr"),
    (lambda: seed000.remeasure_claim(seed000.SEED_APPROXIMATION_TABLE[0], zero_tolerance=-1),
     ValueError, "zero_tolerance"),
    (lambda: seed000.remeasure_claim(seed000.SEED_APPROXIMATION_TABLE[0], n_test=1),
     ValueError, "n_test"),
])
def test_seed000_refuses_bad_input_by_name(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ----------------------------------------------------------------------------- widgets

@pytest.mark.parametrize("args, exc, match", [
    ((0, 1, np.nan, 0.5), ValueError, "step"),
    ((0, 1, np.inf, 0.5), ValueError, "step"),
    ((0, 1, 0, 0.5), ValueError, "step"),
    ((0, 1, -0.1, 0.5), ValueError, "step"),
    ((0, 1, 2, 0.5), ValueError, "step"),
    ((0, 1, "0.1", 0.5), TypeError, "step"),
    ((1, 0, 0.1, 0.5), ValueError, "max must be greater than min"),
    ((1, 1, 0.1, 1), ValueError, "max must be greater than min"),
    ((np.nan, 1, 0.1, 0.5), ValueError, "min"),
    ((0, np.inf, 0.1, 0.5), ValueError, "max"),
    ((0, 1, 0.1, np.nan), ValueError, "default"),
    ((0, 1, 0.1, 2.0), ValueError, "default"),
    ((0, 1, 0.1, None), TypeError, "default"),
    ((None, 1, 0.1, 0.5), TypeError, "min"),
    ((0, True, 0.1, 0.5), TypeError, "max"),
    ((0, 1, 0.1, 0.5, 3), TypeError, "description"),
])
def test_slider_refuses_bad_arguments_by_name(args, exc, match):
    with pytest.raises(exc, match=match):
        widgets.Slider(*args)


def test_slider_keeps_integer_defaults():
    s = widgets.Slider(0, 20, 1, 3, "seed")
    assert s.default == 3 and isinstance(s.default, int)


@pytest.mark.parametrize("draw, controls, kwargs, exc, match", [
    (None, {}, {}, TypeError, "draw"),
    (lambda: None, [("a", widgets.Slider(0, 1, 0.1, 0.5))], {}, TypeError, "controls"),
    (lambda a: None, {"a": (0, 1, 0.1, 0.5)}, {}, TypeError, "controls\\['a'\\]"),
    (lambda a: None, {"not a name": widgets.Slider(0, 1, 0.1, 0.5)}, {}, ValueError, "keys"),
    (lambda a: None, {"a": widgets.Slider(0, 1, 0.1, 0.5)}, {"force_static": "yes"}, TypeError,
     "force_static"),
])
def test_interactive_figure_refuses_bad_arguments(draw, controls, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        widgets.interactive_figure(draw, controls, **kwargs)


# ----------------------------------------------------------------------------- settings

@pytest.mark.parametrize("value", ["fast", "1", "quick full"])
def test_bad_scale_is_refused_by_name(value, monkeypatch):
    monkeypatch.setenv("NNTHEORY_SCALE", value)
    with pytest.raises(ValueError, match="NNTHEORY_SCALE"):
        settings.scale()
    with pytest.raises(ValueError, match="NNTHEORY_SCALE"):
        settings.is_full_scale()


@pytest.mark.parametrize("value, full", [("", False), ("quick", False), (" FULL ", True),
                                         ("full", True)])
def test_scale_values(value, full, monkeypatch):
    monkeypatch.setenv("NNTHEORY_SCALE", value)
    assert settings.is_full_scale() is full
