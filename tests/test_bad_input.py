"""Bad input raises ValueError/TypeError that names the argument, in both cores."""

from __future__ import annotations

import numpy as np
import pytest

from nntheory import numpy_core as nc
from nntheory import torch_core as tc

CORES = [nc, tc]


def make(core, *args, **kw):
    if core is tc:
        kw.setdefault("device", "cpu")
    return core.MLP(*args, **kw)


@pytest.mark.parametrize("core", CORES, ids=["numpy", "torch"])
@pytest.mark.parametrize(("kwargs", "exc", "word"), [
    ({"sizes": [3]}, ValueError, "sizes"),
    ({"sizes": []}, ValueError, "sizes"),
    ({"sizes": 3}, TypeError, "sizes"),
    ({"sizes": "12"}, TypeError, "sizes"),
    ({"sizes": [2, 0, 1]}, ValueError, "sizes[1]"),
    ({"sizes": [2, 2.5, 1]}, TypeError, "sizes[1]"),
    ({"sizes": [2, 3, 1], "activation": "relu6"}, ValueError, "activation"),
    ({"sizes": [2, 3, 1], "activation": None}, TypeError, "activation"),
    ({"sizes": [2, 3, 1], "init": "kaiming"}, ValueError, "init"),
    ({"sizes": [2, 3, 1], "skip": "yes"}, TypeError, "skip"),
    ({"sizes": [2, 3, 1], "seed": -1}, ValueError, "seed"),
    ({"sizes": [2, 3, 1], "seed": 1.5}, TypeError, "seed"),
    ({"sizes": [2, 3, 1], "dropout": 1.0}, ValueError, "dropout"),
])
def test_bad_model_arguments(core, kwargs, exc, word):
    kwargs = dict(kwargs)
    sizes = kwargs.pop("sizes")
    with pytest.raises(exc, match=word.replace("[", r"\[").replace("]", r"\]")):
        make(core, sizes, **kwargs)


def test_names_are_case_insensitive():
    assert nc.MLP([1, 2, 1], "ReLU").activation == "relu"


@pytest.mark.parametrize("core", CORES, ids=["numpy", "torch"])
def test_bad_inputs_and_targets(core):
    m = make(core, [2, 3, 1], seed=0)
    X = np.zeros((4, 2))
    y = np.zeros((4, 1))
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 2\)"):
        core.loss_and_gradients(m, np.zeros((4, 3)), y)
    with pytest.raises(ValueError, match="X contains NaN"):
        core.loss_and_gradients(m, np.full((4, 2), np.nan), y)
    with pytest.raises(ValueError, match="X contains NaN or infinite"):
        m.predict(np.full((4, 2), np.inf))
    with pytest.raises(TypeError, match="X must hold real numbers"):
        m.predict(np.array([["a", "b"]]))
    with pytest.raises(ValueError, match="at least one sample"):
        m.predict(np.zeros((0, 2)))
    with pytest.raises(ValueError, match=r"y must have shape \(4, 1\)"):
        core.loss_and_gradients(m, X, np.zeros((5, 1)))
    with pytest.raises(ValueError, match="y contains NaN"):
        core.loss_and_gradients(m, X, np.full((4, 1), np.nan))
    with pytest.raises(ValueError, match="unknown loss"):
        core.loss_and_gradients(m, X, y, loss="l1")
    with pytest.raises(ValueError, match=r"y must lie in \[0, 1\]"):
        core.loss_and_gradients(m, X, y + 2, loss="bce")
    with pytest.raises(ValueError, match="labels -1 or \\+1"):
        core.loss_and_gradients(m, X, y, loss="hinge")
    with pytest.raises(ValueError, match="at least 2 outputs"):
        core.loss_and_gradients(m, X, np.zeros(4), loss="cross_entropy")
    m3 = make(core, [2, 3, 3], seed=0)
    with pytest.raises(ValueError, match=r"integer class labels in \[0, 2\]"):
        core.loss_and_gradients(m3, X, np.array([0, 1, 3, 0]), loss="cross_entropy")
    with pytest.raises(ValueError, match="vector of 4 integer class labels"):
        core.loss_and_gradients(m3, X, np.zeros((4, 3)), loss="cross_entropy")


@pytest.mark.parametrize("core", CORES, ids=["numpy", "torch"])
def test_bad_fit_arguments(core):
    m = make(core, [1, 3, 1], seed=0)
    X, y = np.zeros((4, 1)), np.zeros((4, 1))
    for kwargs, word in [
        ({"lr": -1.0}, "lr"), ({"lr": float("nan")}, "lr"), ({"epochs": 0}, "epochs"),
        ({"batch_size": 0}, "batch_size"), ({"optimizer": "lbfgs"}, "optimizer"),
        ({"seed": -1}, "seed"),
    ]:
        with pytest.raises(ValueError, match=word):
            core.fit(m, X, y, **kwargs)
    for kwargs, word in [({"epochs": 2.5}, "epochs"), ({"seed": "abc"}, "seed"),
                         ({"seed": [1, 2]}, "seed"), ({"seed": 1.5}, "seed")]:
        with pytest.raises(TypeError, match=word):
            core.fit(m, X, y, **kwargs)
    with pytest.raises(TypeError, match="unexpected option"):
        core.fit(m, X, y, optimizer="sgd", betas=(0.9, 0.99))
    with pytest.raises(TypeError, match="model must be"):
        core.fit("not a model", X, y)


def test_bad_set_parameters():
    m = nc.MLP([2, 3, 1], seed=0)
    good = m.get_parameters()
    with pytest.raises(ValueError, match="must hold 4 arrays"):
        m.set_parameters(good[:3])
    bad = [p.copy() for p in good]
    bad[2] = np.zeros((1, 3))
    with pytest.raises(ValueError, match=r"params\[2\] \(W2\) must have shape \(3, 1\)"):
        m.set_parameters(bad)
    bad = [p.copy() for p in good]
    bad[1][0] = np.nan
    with pytest.raises(ValueError, match=r"params\[1\] \(b1\) contains NaN"):
        m.set_parameters(bad)
    with pytest.raises(TypeError, match="params must be a list"):
        m.set_parameters(np.zeros(3))


def test_bad_optimizer_arguments():
    p = [np.zeros(3)]
    with pytest.raises(ValueError, match="lr"):
        nc.SGD(p, lr=-0.1)
    with pytest.raises(ValueError, match="nesterov"):
        nc.SGD(p, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match=r"betas\[1\]"):
        nc.Adam(p, betas=(0.9, 1.0))
    with pytest.raises(TypeError, match="betas must be a pair"):
        nc.Adam(p, betas=0.9)
    with pytest.raises(ValueError, match="eps"):
        nc.RMSprop(p, eps=-1)
    with pytest.raises(TypeError, match=r"params\[0\] must be a float64"):
        nc.Adagrad([np.zeros(3, dtype=np.float32)])
    with pytest.raises(ValueError, match="non-empty"):
        nc.Adam([])
    opt = nc.SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="grads must hold 1 arrays"):
        opt.step([])
    with pytest.raises(ValueError, match=r"grads\[0\] must be an array of shape \(3,\)"):
        opt.step([np.zeros(4)])
