"""Every NumPy optimiser against torch.optim, step by step, in float64.

Both sides receive the same gradient at every step (a fixed non-linear function
of the NumPy parameters plus a pre-drawn noise sequence that flips signs), so
any difference comes from the update rule. Tolerance 1e-12 relative to the
parameters' scale: one update is a dozen float64 operations (round-off ~1e-16
each) and 60 steps accumulate at most ~1e-14; a misplaced eps or a
differently started momentum buffer differs at 1e-4 or more (see the
sensitivity test at the bottom).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nntheory import numpy_core as nc

STEPS = 60
RTOL = 1e-12

CASES = [
    ("SGD", {"lr": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.5}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.05, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.02, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5}),
    ("Adagrad", {"lr": 0.1, "eps": 0.1}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1, "lr_decay": 0.01, "eps": 1e-3}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9}),
    ("RMSprop", {"lr": 0.01, "eps": 0.1}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.8}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.8, "weight_decay": 0.1,
                 "eps": 0.05}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.9)}),
    ("Adam", {"lr": 0.01, "eps": 0.1}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "eps": 0.1, "betas": (0.5, 0.7),
              "weight_decay": 0.05}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.0}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.5}),
    ("AdamW", {"lr": 0.01, "betas": (0.8, 0.9), "eps": 0.1}),
    ("AdamW", {"lr": 0.01, "amsgrad": True}),
    ("AdamW", {"lr": 0.02, "amsgrad": True, "eps": 1e-3, "betas": (0.5, 0.7),
               "weight_decay": 0.3}),
]


def initial_params(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(4, 1))]


def gradient(params, t, noise):
    """A gradient that depends on the current parameters and changes sign over time."""
    return [np.sin(p) + 0.5 * p**3 / (1 + p**2) + n[t] for p, n in zip(params, noise, strict=True)]


def run_both(name, options, steps=STEPS, numpy_cls=None):
    p_np = initial_params()
    p_t = [torch.tensor(p, dtype=torch.float64) for p in p_np]
    rng = np.random.default_rng(1)
    noise = [rng.normal(scale=2.0, size=(steps,) + p.shape) for p in p_np]
    opt_np = (numpy_cls or getattr(nc, name))(p_np, **options)
    opt_t = getattr(torch.optim, name)(p_t, **options)
    worst = 0.0
    for t in range(steps):
        g = gradient(p_np, t, noise)
        for pt, gt in zip(p_t, g, strict=True):
            pt.grad = torch.tensor(gt)
        opt_t.step()
        opt_np.step(g)
        for a, b in zip(p_np, p_t, strict=True):
            b = b.detach().numpy()
            worst = max(worst, float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1.0)))
    return worst, p_np, [p.detach().numpy() for p in p_t]


@pytest.mark.parametrize(("name", "options"), CASES,
                         ids=[f"{n}-{'-'.join(map(str, o.items())) or 'defaults'}"
                              for n, o in CASES])
def test_numpy_optimizer_matches_torch_optim(name, options):
    worst, p_np, p_t = run_both(name, options)
    assert worst <= RTOL
    # and the run actually moved the parameters (the comparison is not vacuous)
    start = initial_params()
    assert max(float(np.max(np.abs(a - b))) for a, b in zip(p_np, start, strict=True)) > 1e-3


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"])
def test_defaults_match_torch(name):
    import inspect

    ours = inspect.signature(getattr(nc, name).__init__).parameters
    theirs = inspect.signature(getattr(torch.optim, name).__init__).parameters
    for arg, p in ours.items():
        if arg in ("self", "params"):
            continue
        assert arg in theirs, f"{name} has no torch.optim argument {arg}"
        assert p.default == theirs[arg].default, f"{name}({arg}=...) default differs from torch"


class TextbookAdam(nc.Adam):
    """Adam with eps inside the square root, as in many write-ups: must NOT match."""

    def _update(self, p, g, s):
        beta1, beta2 = self.betas
        t = self.step_count
        m, v = s["exp_avg"], s["exp_avg_sq"]
        m[...] = beta1 * m + (1 - beta1) * g
        v[...] = beta2 * v + (1 - beta2) * g * g
        mhat, vhat = m / (1 - beta1**t), v / (1 - beta2**t)
        p -= self.lr * mhat / np.sqrt(vhat + self.eps)


class FirstStepDampedSGD(nc.SGD):
    """SGD whose momentum buffer starts at (1 - dampening) g: must NOT match torch."""

    def _update(self, p, g, s):
        buf = s.setdefault("momentum_buffer", np.zeros_like(p))
        buf *= self.momentum
        buf += (1 - self.dampening) * g
        p -= self.lr * buf


class CoupledAdamW(nc.Adam):
    """"AdamW" written as Adam with L2 weight decay added to the gradient: must NOT match."""


def test_the_comparison_detects_textbook_variants():
    worst, _, _ = run_both("AdamW", {"lr": 0.01, "weight_decay": 0.5}, numpy_cls=CoupledAdamW)
    assert worst > 1e-4
    worst, _, _ = run_both("Adam", {"lr": 0.01, "eps": 0.1}, numpy_cls=TextbookAdam)
    assert worst > 1e-4
    worst, _, _ = run_both("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.5},
                           numpy_cls=FirstStepDampedSGD)
    assert worst > 1e-4


def test_optimizer_accepts_a_model_and_updates_it_in_place():
    model = nc.MLP([1, 3, 1], seed=0)
    before = model.get_parameters()
    opt = nc.Adam(model, lr=0.1)
    _, grads = nc.loss_and_gradients(model, np.ones((2, 1)), np.zeros((2, 1)))
    opt.step(grads)
    assert all(not np.array_equal(a, b) for a, b in
               zip(before, model.get_parameters(), strict=True))


def test_adamw_is_adam_when_weight_decay_is_zero_and_decouples_otherwise():
    """AdamW(wd=0) = Adam exactly. With wd > 0, one step from zero moments is
    p (1 - lr wd) - lr g / (|g| + eps) (bias corrections cancel at t = 1): checked
    to round-off on a hand-computed case."""
    p0 = initial_params()
    g = gradient(p0, 0, [np.zeros((1,) + p.shape) for p in p0])
    a = [p.copy() for p in p0]
    b = [p.copy() for p in p0]
    nc.AdamW(a, lr=0.01, weight_decay=0.0).step(g)
    nc.Adam(b, lr=0.01).step(g)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    c = [p.copy() for p in p0]
    nc.AdamW(c, lr=0.01, weight_decay=0.5, eps=1e-8).step(g)
    for u, p, gi in zip(c, p0, g, strict=True):
        expected = p * (1 - 0.01 * 0.5) - 0.01 * gi / (np.abs(gi) + 1e-8)
        np.testing.assert_allclose(u, expected, rtol=1e-14, atol=1e-16)


def test_adamw_in_fit_matches_torch_core():
    """fit(optimizer="adamw") in both cores: the same loss curve to 1e-9 and the same
    parameters (round-off grows slowly over 40 smooth Adam steps)."""
    from nntheory import torch_core as tc

    X = np.linspace(-1, 1.3, 32).reshape(-1, 1)
    y = np.sin(np.pi * X) + 0.3
    a = nc.MLP([1, 8, 1], "tanh", init="torch", seed=0)
    b = tc.MLP([1, 8, 1], "tanh", init="torch", seed=0, device="cpu")
    kw = {"optimizer": "adamw", "lr": 0.01, "weight_decay": 0.1, "amsgrad": True,
          "epochs": 40, "batch_size": 8, "seed": 1}
    ha, hb = nc.fit(a, X, y, **kw), tc.fit(b, X, y, **kw)
    np.testing.assert_allclose(ha.loss, hb.loss, rtol=1e-9)
    assert ha.optimizer == hb.optimizer == "adamw"
    for p, q in zip(a.get_parameters(), b.get_parameters(), strict=True):
        np.testing.assert_allclose(p, q, rtol=0, atol=1e-10)
