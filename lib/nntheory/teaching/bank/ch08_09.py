"""The exercises of chapters 8 and 9
(activations and initialisation; optimisers): registered in :mod:`nntheory.teaching.exercises`.

Each entry's check computes its expected value here, from the exercise's data for the
student's variant; nothing in this module is meant to be called from a notebook (the
checks forbid its private functions, like the registry's own).
"""

from __future__ import annotations

import math

import numpy as np

from .. import checks as _checks
from ..exercises import (
    Exercise,
    HiddenCase,
    Verdict,
    _guard,
    _mlp,
    _params,
)

# ------------------------------------------------------------------ chapter 8


def _leaky_second_moment(alpha: float) -> float:
    """``E[phi(g)^2]``, ``g ~ N(0, 1)``, for leaky ReLU of slope ``alpha``, by
    quadrature (not by the closed form the exercise asks for)."""
    from scipy import integrate

    def integrand(t):
        return (t if t > 0 else alpha * t) ** 2 * math.exp(-t * t / 2)
    parts = [integrate.quad(integrand, lo, hi)[0]
             for lo, hi in ((-np.inf, 0), (0, np.inf))]
    return sum(parts) / math.sqrt(2 * math.pi)


def _leaky_on(alphas, *, visible: bool):
    """A function of alpha must keep ``E[q_l]`` at every slope of ``alphas`` (``None``:
    three slopes drawn afresh each run); a value (accepted by the exercise) is checked
    at alpha = 0.01 by the visible case only."""
    fixed = alphas

    def run(answer) -> Verdict:
        alphas = fixed if fixed is not None else \
            tuple(np.round(np.random.default_rng().uniform(0.02, 0.98, 3), 3))
        if not callable(answer):
            if not visible:
                return True, "a value, not a function: nothing more to test"
            return _checks.number_verdict(answer, 1 / _leaky_second_moment(0.01), rtol=1e-6)
        for alpha in alphas:
            where = f"for alpha = {alpha}" if visible else "for one of these slopes"
            try:
                value = _checks._as_float(answer(alpha))
            except Exception as exc:         # its message could show a hidden input
                return False, f"the function raised {type(exc).__name__} {where}"
            if not abs(value * _leaky_second_moment(alpha) - 1) < 1e-6:  # NaN fails
                return False, f"not correct {where}"
        return True, "the signal's expected scale is kept"
    return _guard(run)


_TANH_NET = ([[1.0, -2.0]], [0.5, 0.0], [[3.0], [1.0]], [0.0])


def _tanh_as_sigmoid_on(xs: np.ndarray):
    def run(answer) -> Verdict:
        tanh_net = _mlp([1, 2, 1], "tanh", [np.array(p) for p in _TANH_NET])
        try:
            sig_net = _mlp([1, 2, 1], "sigmoid", _params(answer, 4))
        except (TypeError, ValueError) as exc:
            return False, f"the parameters do not fit a 1-2-1 network: {exc}"
        x = xs[:, None]
        gap = float(np.max(np.abs(sig_net.predict(x) - tanh_net.predict(x))))
        if gap < 1e-9:                                               # NaN fails
            return True, "the two networks compute the same function"
        return False, "the two networks compute different functions"
    return _guard(run)


def _torch_limit(n: int, gain: float) -> float:
    """Where the library's recursion of ``E[q_l]`` settles (ReLU, torch's default
    initialisation, weights scaled by ``gain``): run it until the contraction factor
    ``gain^2 / 6`` has shrunk the distance to the limit below 1e-13."""
    from ... import initialisation as ini
    depth = 10 + math.ceil(math.log(1e-13) / math.log(gain ** 2 / 6))
    return float(ini.mean_field("relu", "torch", n, depth, gain=gain)[-1])


def _torch_on(cases, *, visible: bool):
    """``cases=None``: three (width, gain) drawn afresh each run."""
    fixed = cases

    def run(answer) -> Verdict:
        cases = fixed
        if cases is None:
            rng = np.random.default_rng()
            cases = tuple((int(rng.integers(1, 300)), float(np.round(rng.uniform(0.1, 2.2), 3)))
                          for _ in range(3))
        if not callable(answer):
            return False, "the answer should be a function of n and gain"
        for n, gain in cases:
            where = (f"n = {n}, gain = {gain}" if visible
                     else "one of these widths and gains")
            try:
                value = _checks._as_float(answer(n, gain))
            except Exception as exc:         # its message could show a hidden input
                return False, f"the function raised {type(exc).__name__} at {where}"
            if not abs(value / _torch_limit(n, gain) - 1) < 1e-6:    # NaN fails
                return False, f"not where the recursion settles for {where}"
        return True, "the fixed point is right for every width and gain tried"
    return _guard(run)


_FAR = np.concatenate([np.linspace(-40, 40, 8001),
                       np.random.default_rng(2027).uniform(-10, 10, 2000)])



# ------------------------------------------------------------------ chapter 9

#: the data of chapter 9's first exercise (the notebook defines the same array)
_OPT_X = np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 1.0], [2.0, 2.0]])
_OPT_MOMENTUM = 0.9


def _opt_L(X) -> float:
    from ... import optimisation as op
    return float(np.linalg.eigvalsh(op.linear_mse_hessian(X)).max())


def _opt_threshold_expected(d) -> float:
    """The heavy ball's stability limit 2(1 + beta)/L (roots of z^2 - (1 + beta - eta
    lambda) z + beta inside the unit circle)."""
    X, beta = d
    return 2 * (1 + beta) / _opt_L(X)


def _opt_threshold(answer) -> Verdict:
    return _checks.number_verdict(_checks._as_float(answer),
                                  _opt_threshold_expected((_OPT_X, _OPT_MOMENTUM)), rtol=1e-3)


def _opt_gd_threshold(answer) -> bool:
    return abs(_checks._as_float(answer) * _opt_L(_OPT_X) / 2 - 1) < 1e-3


def _adamax_on(cases, *, visible: bool):
    """``adamax_step`` must follow ``torch.optim.Adamax`` for every
    ``(lr, beta1, beta2, eps, scales, steps, zero_start)`` of ``cases``."""
    def run(answer) -> Verdict:
        if not callable(answer):
            return False, ("expected a function adamax_step(p, g, m, u, t, lr, beta1, beta2, "
                           "eps)")
        import torch
        gen = np.random.default_rng(11 if visible else None)   # hidden: fresh data
        for lr, b1, b2, eps, scales, steps, zero_start in cases:
            where = "for some hyper-parameters" if visible else "in one of these cases"
            scales = np.asarray(scales, dtype=float)
            p0 = gen.normal(size=scales.size)
            grads = gen.normal(size=(steps, scales.size)) * scales
            grads[:zero_start, 0] = 0.0
            pt = torch.tensor(p0, dtype=torch.float64, requires_grad=True)
            reference = torch.optim.Adamax([pt], lr=lr, betas=(b1, b2), eps=eps)
            p, m, u = p0.copy(), np.zeros(scales.size), np.zeros(scales.size)
            for t, g in enumerate(grads, start=1):
                pt.grad = torch.tensor(g, dtype=torch.float64)
                reference.step()
                try:
                    p, m, u = answer(p.copy(), g.copy(), m, u, t, lr, b1, b2, eps)
                    far = float(np.max(np.abs(np.asarray(p, dtype=float)
                                              - pt.detach().numpy())))
                except Exception as exc:     # its message could show a hidden input
                    return False, f"adamax_step raised {type(exc).__name__} {where}"
                if not far <= 1e-12 * max(1.0, float(np.abs(p0).max())):   # NaN fails
                    return False, f"differs from torch at step {t} {where}"
        return True, "every step matches torch.optim.Adamax"
    return _guard(run)


def _adam_defeated(steps: int, core: str):
    """``(p, C)`` must make Adam (beta1 = 0, beta2 = 0.99, alpha_t = 0.5/sqrt(t),
    projection onto [-1, 1]) end with its last ``p`` iterates above 0.5 on average."""
    def run(answer) -> Verdict:
        try:
            period, C = answer
            period, C = int(period), float(C)
        except (TypeError, ValueError):
            return False, "expected a pair (p, C)"
        if not (2 <= period <= 300 and answer[0] == period and math.isfinite(C)
                and C > period - 1):
            return False, "p must be a whole number in [2, 300] and C > p - 1"
        from ... import optimisation as op
        x = op.run_optimizer("adam", lambda t, x: op.reddi_gradient(t, C, period), [0.0],
                             lr=0.5, steps=steps, lr_schedule=lambda t: 0.5 / math.sqrt(t),
                             project=op.project_interval(-1.0, 1.0), betas=(0.0, 0.99),
                             core=core)
        if x[-period:].mean() > 0.5:
            return True, "Adam ends near the worst point"
        return False, "Adam still finds -1"
    return _guard(run)


EXERCISES = [
    Exercise("ex-init-leaky", "08_activations", "He's constant for leaky ReLU", "easy",
             "he_constant", ("He's constant for leaky ReLU",),
             _leaky_on((0.01, 0.2, 0.5), visible=True),
             hidden=(HiddenCase("ReLU and the identity (the ends of the slopes)",
                                _leaky_on((0.0, 1.0), visible=False)),
                     HiddenCase("other slopes",
                                _leaky_on(None, visible=False))),
             forbid=("nntheory.initialisation.second_moment",
                     "nntheory.initialisation.weight_variance",
                     "torch.nn.init.calculate_gain"),
             goal="derive the variance-preserving weight scale for leaky ReLU"),
    Exercise("ex-init-tanh-sigmoid", "08_activations",
             "A sigmoid network for a tanh network", "medium", "sigmoid_params",
             ("tanh to sigmoid",),
             _tanh_as_sigmoid_on(np.linspace(-3, 3, 61)),
             hidden=(HiddenCase("far from the origin and at random points",
                                _tanh_as_sigmoid_on(_FAR)),),
             forbid=("nntheory.initialisation.tanh_to_sigmoid",),
             goal="rewrite a tanh network as a sigmoid network", kind="construction"),
    Exercise("ex-init-torch", "08_activations",
             "Where torch's default initialisation settles", "hard", "torch_fixed_point",
             ("fixed point of torch's default initialisation",),
             _torch_on(((32, 1.0), (10, 2.0), (7, 0.5)), visible=True),
             hidden=(HiddenCase("other widths and gains (drawn afresh)",
                                _torch_on(None, visible=False)),
                     HiddenCase("gains close to the critical one",
                                _torch_on(((64, 2.4), (1000, 2.3)), visible=False))),
             forbid=("nntheory.initialisation.mean_field",),
             goal="find where the signal recursion with biases settles",
             needs_human="for which gains the recursion settles (the argument)",
             kind="function"),
    Exercise("ex-opt-threshold", "09_optimisers", "The stability threshold with momentum",
             "easy", "hb_threshold", ("heavy-ball stability threshold",),
             _guard(_opt_threshold),
             forbid=("nntheory.optimisation.run_optimizer",),
             mistakes={_opt_gd_threshold: "that is plain gradient descent's threshold: the "
                                          "momentum changes where a root of the heavy ball's "
                                          "iteration leaves the unit circle"},
             goal="find the learning rate at which the heavy ball becomes unstable"),
    Exercise("ex-opt-adamax", "09_optimisers", "One Adamax step, as torch takes it", "medium",
             "adamax_step", ("Adamax step",),
             _adamax_on(((1e-2, 0.9, 0.999, 1e-8, (1.0, 1e-3, 10.0), 20, 0),
                         (0.1, 0.5, 0.6, 0.3, (1.0, 1.0, 1.0), 20, 0),
                         (0.05, 0.0, 0.9, 1e-3, (1.0, 1e-3, 10.0), 20, 0)), visible=True),
             hidden=(HiddenCase("a coordinate whose gradient is zero for the first steps",
                                _adamax_on(((1e-2, 0.9, 0.999, 1e-8, (1.0, 2.0), 30, 5),
                                            (0.1, 0.8, 0.5, 0.5, (1.0, 2.0), 30, 3)),
                                           visible=False)),
                     HiddenCase("a long run with gradients of very different sizes",
                                _adamax_on(((3e-3, 0.95, 0.99, 1e-6,
                                             (1e-6, 1.0, 1e4, 0.1), 200, 0),),
                                           visible=False))),
             forbid=("torch.optim", "nntheory.optimisation.run_optimizer"),
             goal="implement an optimiser's update exactly as torch.optim computes it",
             kind="function"),
    Exercise("ex-opt-defeat", "09_optimisers", "Defeat beta2 = 0.99", "hard", "defeat",
             ("defeat beta2 = 0.99",), _adam_defeated(4000, "numpy"),
             hidden=(HiddenCase("still defeated after twice as many steps",
                                _adam_defeated(8000, "numpy")),
                     HiddenCase("the same in the torch core (torch.optim.Adam)",
                                _adam_defeated(4000, "torch"))),
             goal="build a problem on which Adam with a given beta2 does not converge",
             needs_human="the explanation why the small gradients win",
             kind="construction"),
]
