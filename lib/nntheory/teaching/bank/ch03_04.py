"""The exercises of chapters 3 and 4
(backpropagation; universal approximation): registered in :mod:`nntheory.teaching.exercises`.

Each entry's check computes its expected value here, from the exercise's data for the
student's variant; nothing in this module is meant to be called from a notebook (the
checks forbid its private functions, like the registry's own).
"""

from __future__ import annotations

import math

import numpy as np

from .. import checks as _checks
from .. import variants as _variants
from ..exercises import (
    Exercise,
    HiddenCase,
    Verdict,
    _guard,
    _mlp,
    _number,
    _params,
)

# ------------------------------------------------------------------ chapter 3


_BP_WIDTHS = (3, 64, 64, 10)


def _bp_count(widths) -> int:
    from ... import numpy_core as npc
    return npc.MLP(list(widths)).n_parameters


def _bp_weights_only(widths) -> int:
    return int(sum(a * b for a, b in zip(widths[:-1], widths[1:], strict=False)))


def _bp_scalar_data():
    """(x, y, w1, b1, w2, b2) of the student's variant (variant 0: the chapter's)."""
    def draw(rng):
        while True:
            x = float(rng.choice([-2.0, -1.5, -1.0, 1.0, 1.5, 2.0]))
            y = float(rng.choice([-1.0, 0.5, 1.0, 2.0]))
            w1, b1, w2, b2 = (float(v) for v in np.round(rng.uniform(-1.5, 1.5, 4), 1))
            if abs(_bp_scalar((x, y, w1, b1, w2, b2))) > 0.05 and w1 != 0 and w2 != 0:
                return x, y, w1, b1, w2, b2
    return _variants.instance("ex-bp-scalar", lambda: (2.0, 1.0, 0.5, -0.2, 1.5, 0.1), draw)


def _bp_scalar(d) -> float:
    from ... import numpy_core as npc
    x, y, w1, b1, w2, b2 = d
    tiny = npc.MLP([1, 1, 1], "tanh")
    tiny.set_parameters([np.array([[w1]]), np.array([b1]), np.array([[w2]]),
                         np.array([b2])])
    return float(npc.loss_and_gradients(tiny, [[x]], [[y]])[1][0][0, 0])


def _bp_sign_flipped(answer) -> bool:
    """dL/dw1 with the sign of 2 (y - y_hat) instead of 2 (y_hat - y), to two digits."""
    value, target = _checks._as_float(answer), _bp_scalar(_bp_scalar_data())
    return abs(value + target) <= 0.02 * abs(target)


def _softplus_case(seed: int | None, sizes, n: int, scale: float = 1.0):
    """``seed=None`` (a hidden case): fresh random data each time it runs."""
    def run(fn) -> Verdict:
        from ... import gradcheck
        from ... import numpy_core as npc
        if not callable(fn):
            return False, "softplus_gradients is not a function"
        rng = np.random.default_rng(seed)
        net_seed = int(rng.integers(2**31)) if seed is None else seed + 1
        X = scale * rng.normal(size=(n, sizes[0]))
        Y = rng.normal(size=(n, sizes[-1]))
        net = npc.MLP(list(sizes), "softplus", init="xavier", seed=net_seed)
        grads = fn(net.get_parameters(), X, Y)
        if not isinstance(grads, (list, tuple)) or len(grads) != 4:
            return False, "return a list of four arrays [gW1, gb1, gW2, gb2]"
        ref = npc.loss_and_gradients(net, X, Y)[1]
        got = [np.asarray(g, dtype=float) for g in grads]
        if any(g.shape != r.shape for g, r in zip(got, ref, strict=True)):
            return False, "the gradients do not have the parameters' shapes"
        if not all(np.all(np.isfinite(g)) for g in got):
            return False, "some gradient entries are NaN or infinite"
        err = gradcheck.relative_error(got, ref)
        return err < 1e-10, ("agrees with backpropagation" if err < 1e-10 else
                             "does not agree with backpropagation")
    return _guard(run)


# ------------------------------------------------------------------ chapter 4


def _ua_units(d) -> int:
    from ... import constructions
    lo, hi, second, tol = d
    return next(m for m in range(1, 1000)
                if constructions.interpolation_bound(lo, hi, m + 1, second) <= tol)


def _hat_on(xs: np.ndarray):
    def run(answer) -> Verdict:
        net = _mlp([1, 3, 1], "relu", _params(answer, 4))
        err = float(np.max(np.abs(net.predict(xs[:, None]).ravel()
                                  - np.maximum(0, 1 - np.abs(xs)))))
        ok = err <= 1e-12 * max(1.0, float(np.max(np.abs(xs))))
        return ok, "equals the hat" if ok else "differs from the hat somewhere"
    return _guard(run)


def _square_floor(xs: np.ndarray):
    def run(answer) -> Verdict:
        net = _mlp([1, 1, 1], "square", _params(answer, 4))
        err = float(np.max(np.abs(net.predict(xs[:, None]).ravel() - np.abs(xs))))
        ok = abs(err - 1 / 8) < 1e-9
        return ok, "attains the floor" if ok else "its sup error is not the floor 1/8"
    return _guard(run)




_WIDE = np.concatenate([np.linspace(-1e3, 1e3, 20001),
                        np.random.default_rng(2026).uniform(-50, 50, 5000)])
_DENSE = np.concatenate([np.linspace(-1, 1, 40001), [-1.0, -0.5, 0.0, 0.5, 1.0]])


EXERCISES = [
    Exercise("ex-bp-count", "03_backprop", "Counting parameters", "easy", "n_params",
             ("parameter count",), _guard(_number(_bp_count, lambda: _BP_WIDTHS)),
             forbid=("nntheory.numpy_core.MLP", "nntheory.torch_core.MLP",
                     "nntheory.common.n_parameters", "torch.nn"),
             mistakes={(lambda a: _checks._as_float(a) == _bp_weights_only(_BP_WIDTHS)):
                       "you counted the weights but not the biases"},
             goal="count the parameters of a multilayer perceptron"),
    Exercise("ex-bp-scalar", "03_backprop", "One gradient by hand", "medium", "dL_dw1",
             ("dL/dw1",), _guard(_number(_bp_scalar, _bp_scalar_data, rtol=1e-3)),
             data=_bp_scalar_data,
             forbid=("nntheory.numpy_core.loss_and_gradients",
                     "nntheory.torch_core.loss_and_gradients", "nntheory.numpy_core.MLP",
                     "nntheory.torch_core.MLP", "torch.autograd", "torch.func"),
             mistakes={_bp_sign_flipped: "the sign is wrong: the derivative of the loss "
                                         "with respect to the prediction is 2 (y_hat - y)"},
             goal="apply the chain rule through one unit"),
    Exercise("ex-bp-softplus", "03_backprop", "A backward pass for softplus", "hard",
             "softplus_gradients", ("softplus backward pass",),
             _softplus_case(11, (3, 4, 2), 7),
             hidden=(HiddenCase("other widths and batch size",
                                _softplus_case(None, (2, 6, 3), 13)),
                     HiddenCase("one example, one output", _softplus_case(None, (4, 3, 1), 1)),
                     HiddenCase("large inputs",
                                _softplus_case(None, (3, 5, 2), 9, scale=30.0))),
             forbid=("nntheory.numpy_core.loss_and_gradients",
                     "nntheory.torch_core.loss_and_gradients", "nntheory.gradcheck",
                     "torch.autograd", "torch.func"),
             goal="derive and implement backpropagation for a new activation",
             kind="function"),
    # chapter 4
    Exercise("ex-ua-units", "04_universal_approximation", "How many units for three decimals?",
             "easy", "units_needed", ("hidden units for 1e-3",),
             _guard(_number(_ua_units, lambda: (-1, 1, math.pi ** 2, 1e-3))),
             forbid=("nntheory.constructions.interpolation_bound",),
             goal="turn an interpolation error bound into a network size"),
    Exercise("ex-ua-hat", "04_universal_approximation", "A hat from three ReLUs", "medium",
             "hat_params", ("hat network",), _hat_on(np.linspace(-4, 4, 8001)),
             hidden=(HiddenCase("far from the origin and at random points", _hat_on(_WIDE)),),
             forbid=("nntheory.depth.relu_spline", "nntheory.constructions"),
             goal="build a ReLU network by hand", kind="construction"),
    Exercise("ex-ua-square", "04_universal_approximation", "The best square network for |x|",
             "hard", "square_params", ("best square network",),
             _square_floor(np.linspace(-1, 1, 4001)),
             hidden=(HiddenCase("a finer grid with the extremal points", _square_floor(_DENSE)),),
             forbid=("nntheory.separation.shallow_square_best",),
             goal="use equioscillation to find a best approximation", kind="construction"),
]
