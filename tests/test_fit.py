"""Training: both cores give the same curve; divergence is reported, never plotted."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from nntheory import DivergenceError
from nntheory import numpy_core as nc
from nntheory import torch_core as tc


def sine_data(n=64):
    X = np.linspace(-1, 1, n).reshape(-1, 1)
    return X, np.sin(np.pi * X)


@pytest.mark.parametrize(("optimizer", "options", "batch_size"), [
    ("sgd", {"lr": 0.05, "momentum": 0.9}, None),
    ("adam", {"lr": 0.01}, None),
    ("rmsprop", {"lr": 0.005, "centered": True}, 16),
    ("adagrad", {"lr": 0.1}, 10),
])
def test_both_cores_trace_the_same_curve(optimizer, options, batch_size):
    """Same seed, data and optimiser: loss histories agree to 1e-9 relative.

    Round-off differences (1e-16) grow through training, but over 40 epochs of
    a smooth problem they stay many orders below 1e-9. The problem is made
    asymmetric on purpose: with odd data, an odd activation and zero biases,
    the bias gradients are exactly 0 in exact arithmetic and ~1e-16 of
    round-off in floating point, and Adam/RMSprop/Adagrad divide by the
    gradient's own scale, turning that noise into full-size steps, different
    in each core (measured: 2e-3 relative by epoch 40 with Adam).
    """
    X = np.linspace(-1, 1.3, 64).reshape(-1, 1)
    y = np.sin(np.pi * X) + 0.3
    a = nc.MLP([1, 16, 16, 1], "tanh", init="torch", seed=0)
    b = tc.MLP([1, 16, 16, 1], "tanh", init="torch", seed=0, device="cpu")
    ha = nc.fit(a, X, y, optimizer=optimizer, epochs=40, batch_size=batch_size, seed=3,
                **options)
    hb = tc.fit(b, X, y, optimizer=optimizer, epochs=40, batch_size=batch_size, seed=3,
                **options)
    assert len(ha) == len(hb) == 40
    np.testing.assert_allclose(ha.loss, hb.loss, rtol=1e-9)
    assert ha.loss[-1] < 0.5 * ha.loss[0]  # it learned something


def test_full_batch_history_is_loss_before_each_step():
    X, y = sine_data(32)
    m = nc.MLP([1, 8, 1], "relu", seed=1)
    start = nc.loss_value(m, X, y)
    h = nc.fit(m, X, y, optimizer="sgd", lr=0.1, epochs=3)
    assert h.loss[0] == pytest.approx(start, rel=1e-15)


def test_numpy_fit_equals_manual_loop():
    """fit is exactly loss_and_gradients + the optimiser's step, repeated."""
    X, y = sine_data(32)
    a = nc.MLP([1, 8, 1], "relu", seed=1)
    b = nc.MLP([1, 8, 1], "relu", seed=1)
    h = nc.fit(a, X, y, optimizer="adam", lr=0.01, epochs=10)
    opt = nc.Adam(b.parameters(), lr=0.01)
    losses = []
    for _ in range(10):
        value, grads = nc.loss_and_gradients(b, X, y)
        losses.append(value)
        opt.step(grads)
    np.testing.assert_array_equal(h.loss, losses)
    for p, q in zip(a.get_parameters(), b.get_parameters(), strict=True):
        np.testing.assert_array_equal(p, q)


def test_divergence_is_an_error_naming_the_epoch_and_both_cores_stop_alike():
    """The message names the epoch and the remedy; the state (the step, the restored
    parameters: finite and equal to round-off) is the same in both cores. More in
    test_core_hardening.py."""
    X, y = sine_data()
    errors, params = [], []
    for core in (nc, tc):
        kw = {"device": "cpu"} if core is tc else {}
        m = core.MLP([1, 32, 1], "relu", seed=0, **kw)
        with pytest.raises(DivergenceError,
                           match=r"diverged at epoch \d+.*smaller learning rate") as info:
            core.fit(m, X, y, optimizer="sgd", lr=50.0, epochs=200)
        errors.append(info.value)
        params.append(m.get_parameters())
    assert errors[0].step == errors[1].step and errors[0].epoch == errors[1].epoch
    scale = max(float(np.max(np.abs(p))) for p in params[1])
    for p, q in zip(*params, strict=True):
        assert np.isfinite(p).all()
        assert float(np.max(np.abs(p - q))) <= 1e-12 * scale


def test_minibatches_cover_every_sample_once_per_epoch():
    from nntheory.common import minibatches

    rng = np.random.default_rng(0)
    batches = list(minibatches(10, 3, rng))
    assert [len(b) for b in batches] == [3, 3, 3, 1]
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(10))
    assert list(minibatches(10, None, rng)) == [None]


def test_progress_bar(capsys):
    X, y = sine_data(8)
    nc.fit(nc.MLP([1, 2, 1], seed=0), X, y, epochs=3, progress=True)
    assert "fit (sgd)" in capsys.readouterr().err


def test_seeded_runs_are_deterministic():
    X, y = sine_data()
    runs = [nc.fit(nc.MLP([1, 8, 1], seed=4), X, y, lr=0.05, epochs=5, batch_size=7,
                   seed=9).loss for _ in range(2)]
    assert runs[0] == runs[1]


def test_numpy_core_never_imports_torch():
    code = ("import sys, numpy as np; from nntheory import numpy_core as nc; "
            "m = nc.MLP([1, 4, 1], seed=0); nc.fit(m, np.zeros((3, 1)), np.zeros((3, 1)), "
            "epochs=2); assert 'torch' not in sys.modules, 'torch was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
