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
from .. import variants as _variants
from ..exercises import (
    Exercise,
    HiddenCase,
    Verdict,
    _guard,
    _mlp,
    _params,
)

# ------------------------------------------------------------------ chapter 8


def _pl_second_moment(a: float, s: float) -> float:
    """``E[phi(g)^2]``, ``g ~ N(0, 1)``, for ``phi(z) = a z`` (z > 0), ``s z`` (z <= 0),
    by quadrature (not by the closed form the exercise asks for)."""
    from scipy import integrate

    def integrand(t):
        return (a * t if t > 0 else s * t) ** 2 * math.exp(-t * t / 2)
    parts = [integrate.quad(integrand, lo, hi)[0]
             for lo, hi in ((-np.inf, 0), (0, np.inf))]
    return sum(parts) / math.sqrt(2 * math.pi)


def _leaky_data():
    """(a, s): the slopes of the student's activation on the positive and the negative
    side (variant 0: torch's leaky ReLU, a = 1, s = 0.01)."""
    def draw(rng):
        a = float(rng.choice([0.5, 0.8, 1.0, 1.25, 1.5, 2.0]))
        s = float(np.round(rng.uniform(0.05, 0.6), 2))
        return a, s
    return _variants.instance("ex-init-leaky", lambda: (1.0, 0.01), draw)


def _leaky_expected(d) -> float:
    return 1 / _pl_second_moment(*d)


def _leaky_mistake(wrong):
    """A recognised wrong constant at the variant's slopes."""
    def hit(answer) -> bool:
        if not callable(answer):
            return False
        d = _leaky_data()
        try:
            value = _checks._as_float(answer(*d))
        except Exception:
            return False
        target = wrong(d)
        return abs(value - target) <= 1e-6 * abs(target) and \
            abs(target - 2 / (d[0] ** 2 + d[1] ** 2)) > 1e-3 * abs(target)
    return hit


#: the visible check's other slopes (a ReLU-like pair, a pair with s > a, a negative s)
_LEAKY_CASES = ((1.0, 0.0), (0.5, 1.5), (1.2, -0.3))


def _leaky_on(cases, *, visible: bool):
    """``answer(a, s)`` must give the constant to a relative 1e-9 (the closed form is
    exact; a value typed in from another Python is not a function of the slopes).
    ``cases=None``: five pairs drawn afresh."""
    def run(answer) -> Verdict:
        if not callable(answer):
            return False, "the answer should be a function he_constant(a, s)"
        todo = cases
        if todo is None:
            rng = np.random.default_rng()
            todo = tuple((float(np.round(rng.uniform(0.2, 3), 3)),
                          float(np.round(rng.uniform(-1, 1), 3))) for _ in range(5))
        elif visible:
            todo = (_leaky_data(), *todo)
        for k, (a, s) in enumerate(todo):
            where = ("for the printed slopes" if visible and k == 0 else
                     "for other slopes" if visible else "for one of these pairs of slopes")
            try:
                value = _checks._as_float(answer(a, s))
            except Exception as exc:         # its message could show a hidden input
                return False, f"he_constant raised {type(exc).__name__} {where}"
            target = 2 / (a * a + s * s)     # the check's own closed form (a test compares
            if not abs(value / target - 1) < 1e-9:        # it with quadrature); NaN fails
                return False, f"not the constant {where}"
        return True, "the constant for every pair of slopes tried"
    return _guard(run)


def _tanh_net_data():
    """[W1, b1, W2, b2, W3, b3] of the student's 1-2-2-1 tanh network."""
    def variant0():
        return [np.array([[1.0, -2.0]]), np.array([0.5, 0.0]),
                np.array([[1.0, 0.5], [-1.0, 2.0]]), np.array([0.0, -0.5]),
                np.array([[3.0], [1.0]]), np.array([0.0])]

    def draw(rng):
        weights = [-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0]
        biases = [-1.0, -0.5, 0.0, 0.5, 1.0]
        return [rng.choice(weights, (1, 2)), rng.choice(biases, 2),
                rng.choice(weights, (2, 2)), rng.choice(biases, 2),
                rng.choice(weights, (2, 1)), rng.choice(biases, 1)]
    return _variants.instance("ex-init-tanh-sigmoid", variant0, draw)


def _tanh_gap(answer, params, xs: np.ndarray, out=None) -> np.ndarray:
    """``answer(params)``'s sigmoid network (or ``out``, if given) minus the tanh network
    ``params``, at the rows of ``xs``."""
    sizes = [params[0].shape[0]] + [W.shape[1] for W in params[0::2]]
    tanh_net = _mlp(sizes, "tanh", [p.copy() for p in params])
    if out is None:
        out = answer([p.copy() for p in params])
    sig_net = _mlp(sizes, "sigmoid", _params(out, len(params)))
    return (sig_net.predict(xs) - tanh_net.predict(xs)).ravel()


def _random_tanh_net(rng, sizes):
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        params += [np.round(rng.uniform(-2, 2, (n_in, n_out)), 2),
                   np.round(rng.uniform(-1, 1, n_out), 2)]
    return params


#: the visible check's other networks: one hidden layer with two inputs, three hidden layers
_TANH_SIZES = ([2, 3, 1], [1, 2, 3, 2, 2])


def _tanh_as_sigmoid_on(kind: str):
    """``answer(params)`` must return a sigmoid MLP's parameters computing the tanh MLP
    ``params``: on the student's network and two fixed ones (visible, on a grid and far
    out), or on five networks of 1-4 hidden layers drawn afresh (hidden)."""
    def run(answer) -> Verdict:
        if not callable(answer):
            return False, "the answer should be a function to_sigmoid(params)"
        if kind == "visible":
            fixed = np.random.default_rng(808)
            nets = [_tanh_net_data()] + [_random_tanh_net(fixed, s) for s in _TANH_SIZES]
        else:
            rng = np.random.default_rng()
            nets = []
            for _ in range(5):
                sizes = [int(rng.integers(1, 4))] + [int(rng.integers(1, 5)) for _ in
                                                     range(int(rng.integers(1, 5)))] + [
                    int(rng.integers(1, 3))]
                nets.append(_random_tanh_net(rng, sizes))
        for k, params in enumerate(nets):
            where = ("for the printed network" if kind == "visible" and k == 0 else
                     "for another network" if kind == "visible" else
                     "for one of these networks")
            n_in = params[0].shape[0]
            xs = np.concatenate([np.linspace(-40, 40, 801)[:, None] * np.ones(n_in),
                                 np.random.default_rng(2027).uniform(-10, 10, (400, n_in))])
            try:
                out = answer([p.copy() for p in params])
            except Exception as exc:         # its message could show a hidden input
                return False, f"to_sigmoid raised {type(exc).__name__} {where}"
            try:
                gap = _tanh_gap(answer, params, xs, out)
            except (TypeError, ValueError) as exc:
                detail = f": {exc}" if kind == "visible" else ""
                return False, f"the parameters do not fit the network {where}{detail}"
            if not float(np.max(np.abs(gap))) < 1e-9:                # NaN fails
                return False, f"the two networks compute different functions {where}"
        return True, "the two networks compute the same function for every network tried"
    return _guard(run)


def _tanh_off_by_constant(answer) -> bool:
    if not callable(answer):
        return False
    try:
        gap = _tanh_gap(answer, _tanh_net_data(), np.linspace(-3, 3, 61)[:, None])
    except Exception:
        return False
    return float(np.ptp(gap)) < 1e-9 and abs(float(gap[0])) > 1e-9


def _torch_data():
    """(s, beta): the leaky slope of the student's activation and the scale of the
    biases, drawn from U(+-beta/sqrt n) (variant 0: ReLU, torch's biases)."""
    def draw(rng):
        s = float(rng.choice([0.1, 0.2, 0.25, 0.3, 0.4, 0.5]))
        beta = float(rng.choice([0.5, 1.5, 2.0, 3.0]))
        return s, beta
    return _variants.instance("ex-init-torch", lambda: (0.0, 1.0), draw)


def _torch_limit(n: int, gain: float) -> float:
    """Where ``E[q_l]`` goes for the student's variant: the fixed point of the affine
    recursion ``q -> r q + vb``, ``r = n Var(W) E[phi(g)^2]`` (``inf`` when ``r >= 1``:
    the bias term keeps adding). No quadrature here: the grader runs this check with
    the exercise's forbidden modules (scipy.integrate) locked."""
    s, beta = _torch_data()
    r = n * gain ** 2 / (3 * n) * (1 + s * s) / 2
    vb = beta ** 2 / (3 * n)
    return math.inf if r >= 1 else vb / (1 - r)


def _torch_on(cases, *, visible: bool):
    """``cases=None``: three (width, gain) drawn afresh each run, some of them
    above the critical gain."""
    fixed = cases

    def run(answer) -> Verdict:
        cases = fixed
        if cases is None:
            rng = np.random.default_rng()
            cases = tuple((int(rng.integers(1, 300)), float(np.round(rng.uniform(0.1, 3.5), 3)))
                          for _ in range(4))
        if not callable(answer):
            return False, "the answer should be a function of n and gain"
        for n, gain in cases:
            where = (f"n = {n}, gain = {gain}" if visible
                     else "one of these widths and gains")
            try:
                value = _checks._as_float(answer(n, gain))
            except Exception as exc:         # its message could show a hidden input
                return False, f"the function raised {type(exc).__name__} at {where}"
            target = _torch_limit(n, gain)
            ok = (value == math.inf) if math.isinf(target) else \
                abs(value / target - 1) < 1e-6                        # NaN fails
            if not ok:
                return False, f"not where the recursion goes for {where}"
        return True, "right for every width and gain tried"
    return _guard(run)


def _torch_near_critical(answer) -> Verdict:
    """Gains 1 % below and above the student's critical gain."""
    s, _ = _torch_data()
    critical = math.sqrt(6 / (1 + s * s))
    return _torch_on(((64, 0.99 * critical), (1000, 1.01 * critical)), visible=False)(answer)


def _torch_site_formula(answer) -> bool:
    """The ReLU, unit-bias fixed point of the site's variant, given for another one."""
    if _torch_data() == (0.0, 1.0) or not callable(answer):
        return False
    value = _checks._as_float(answer(32, 1.0))
    return abs(value - 2 / (32 * 5)) <= 1e-6 * 2 / (32 * 5)


def _torch_finite_above(answer) -> bool:
    """A finite number where the recursion grows without bound."""
    if not callable(answer):
        return False
    value = _checks._as_float(answer(16, 2.6))
    return math.isfinite(value)



# ------------------------------------------------------------------ chapter 9


def _threshold_draw(rng):
    """(X, momentum, dampening, nesterov): 4-6 rows of whole numbers in [-3, 3], momentum
    in (0, 1), dampening only without Nesterov (torch refuses the pair), and far
    (2 %) from every recognised wrong threshold."""
    while True:
        n = int(rng.integers(4, 7))
        X = rng.integers(-3, 4, size=(n, 2)).astype(float)
        beta = float(rng.choice([0.5, 0.6, 0.7, 0.8, 0.9, 0.95]))
        if rng.random() < 0.5:
            d = (X, beta, 0.0, True)
        else:
            d = (X, beta, float(rng.choice([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])), False)
        if _threshold_L(X) < 1e-9:
            continue
        target = _threshold_expected(d)
        if all(abs(w / target - 1) > 0.02 for w in _threshold_wrong(d)):
            return d


def _threshold_data():
    """(X, momentum, dampening, nesterov) of the student's variant: a linear model
    trained on the rows of X by torch's SGD with these options."""
    def variant0():
        return (np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 1.0], [2.0, 2.0]]), 0.9, 0.0, True)
    return _variants.instance("ex-opt-threshold", variant0, _threshold_draw)


#: the visible check's cases besides the student's own: one of each kind
_THRESHOLD_CASES = (
    (np.array([[2.0, -1.0], [0.0, 3.0], [1.0, 1.0], [-2.0, 0.0], [1.0, -3.0]]), 0.8, 0.3,
     False),
    (np.array([[1.0, 1.0], [3.0, 0.0], [-1.0, 2.0], [0.0, -2.0]]), 0.6, 0.0, True),
)


def _threshold_on(cases, *, visible: bool):
    """``answer(X, momentum, dampening, nesterov)`` must give the threshold to a relative
    1e-9 (too tight for a bisection by simulation: near the threshold the top mode grows
    by a factor 1 + O(eta/eta* - 1) per step). ``cases=None``: the student's data and
    the fixed cases (visible), or six cases drawn afresh (hidden)."""
    def run(answer) -> Verdict:
        if not callable(answer):
            return False, ("the answer should be a function sgd_threshold(X, momentum, "
                           "dampening, nesterov)")
        todo = cases
        if todo is None:
            rng = np.random.default_rng()
            todo = tuple(_threshold_draw(rng) for _ in range(6))
        elif visible:
            todo = (_threshold_data(), *todo)
        for k, (X, beta, tau, nesterov) in enumerate(todo):
            where = ("for the printed data" if visible and k == 0 else
                     "for another data set" if visible else "for one of these data sets")
            try:
                value = _checks._as_float(answer(X.copy(), beta, tau, nesterov))
            except Exception as exc:         # its message could show a hidden input
                return False, f"sgd_threshold raised {type(exc).__name__} {where}"
            if not abs(value / _threshold_expected((X, beta, tau, nesterov)) - 1) < 1e-9:
                return False, f"not the threshold {where}"     # NaN fails
        return True, "the threshold for every data set tried"
    return _guard(run)


def _threshold_L(X, bias: bool = True, factor: float = 2.0) -> float:
    X = np.asarray(X, dtype=float)
    Z = np.hstack([X, np.ones((len(X), 1))]) if bias else X
    return float(np.linalg.eigvalsh(factor / len(X) * Z.T @ Z).max())


def _threshold_expected(d) -> float:
    """Where a root of the mode's characteristic polynomial reaches -1 (the other
    conditions of the Schur-Cohn test hold beyond it)."""
    X, beta, tau, nesterov = d
    L = _threshold_L(X)
    if nesterov:
        return 2 * (1 + beta) / ((1 + 2 * beta) * L)
    return 2 * (1 + beta) / ((1 - tau) * L)


def _threshold_wrong(d) -> tuple[float, ...]:
    """gradient descent's 2/L; the plain heavy ball's 2(1 + beta)/L; the dampening
    multiplied instead of divided; L of (1/n) Z^T Z; L without the bias column."""
    X, beta, tau, nesterov = d
    L = _threshold_L(X)
    right = _threshold_expected(d)
    return (2 / L, 2 * (1 + beta) / L, 2 * (1 + beta) * (1 - tau) / L, 2 * right,
            right * L / _threshold_L(X, bias=False))


def _threshold_is(index: int):
    """The answer's value on the student's data is a recognised wrong threshold."""
    def hit(answer) -> bool:
        if not callable(answer):
            return False
        d = _threshold_data()
        wrong = _threshold_wrong(d)[index]
        try:
            value = _checks._as_float(answer(d[0].copy(), *d[1:]))
        except Exception:
            return False
        return abs(value / wrong - 1) < 1e-6
    return hit


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
            # every step of the answer first, torch's reference only afterwards: while
            # the answer runs, no frame above it holds a reference iterate (a lazy-student
            # probe read torch's parameter from the caller's frame)
            p, m, u = p0.copy(), np.zeros(scales.size), np.zeros(scales.size)
            path = []
            for t, g in enumerate(grads, start=1):
                try:
                    p, m, u = answer(p.copy(), g.copy(), m, u, t, lr, b1, b2, eps)
                    path.append(np.array(p, dtype=float).reshape(scales.size))
                except Exception as exc:     # its message could show a hidden input
                    return False, f"adamax_step raised {type(exc).__name__} {where}"
            pt = torch.tensor(p0, dtype=torch.float64, requires_grad=True)
            reference = torch.optim.Adamax([pt], lr=lr, betas=(b1, b2), eps=eps)
            for t, (g, mine) in enumerate(zip(grads, path, strict=True), start=1):
                pt.grad = torch.tensor(g, dtype=torch.float64)
                reference.step()
                far = float(np.max(np.abs(mine - pt.detach().numpy())))
                if not far <= 1e-12 * max(1.0, float(np.abs(p0).max())):   # NaN fails
                    return False, f"differs from torch at step {t} {where}"
        return True, "every step matches torch.optim.Adamax"
    return _guard(run)


def _defeat_draw(rng) -> float:
    """A beta2 in [0.99, 0.999] (4 decimals) whose period sums on both sides of the
    smallest period are far (1e-6) from zero and from every recognised mistake."""
    while True:
        beta2 = round(float(rng.uniform(0.99, 0.999)), 4)
        p, margin = _smallest_period(beta2)
        if margin > 1e-6 and all(w != p for w in _defeat_wrong(beta2)):
            return beta2


def _defeat_data() -> float:
    """The student's beta2 (variant 0: 0.99); every variant's smallest period differs
    from variant 0's (tested)."""
    return _variants.instance("ex-opt-defeat", lambda: 0.99, _defeat_draw)


def _period_sum(beta2: float, p: int, small_in_v: bool = True) -> float:
    """S(p) = C/sqrt(v_0) - sum_{k=1}^{p-1} 1/sqrt(v_k), C = 1.1 p, with v the periodic
    limit of Adam's second moment on Reddi's gradients of period p (C at phase 0, -1 at
    the others): v_k = 1 + (C^2 - 1)(1 - beta2) beta2^k / (1 - beta2^p). Adam's net move
    over one late period is about -alpha_t S(p). ``small_in_v=False``: the mistake of
    leaving the small gradients out of v."""
    C = 1.1 * p
    # beta2^k as beta2^(1024 i) beta2^j (k = 1024 i + j): two exact powers and one product,
    # within 2 ulps of beta2**k and ten times faster at p of a million
    m = 1024
    powers = np.outer(beta2 ** (m * np.arange(p // m + 1)), beta2 ** np.arange(m)).ravel()[:p]
    geometric = (1.0 - beta2) * powers / (1.0 - beta2**p)
    v = 1.0 + (C * C - 1.0) * geometric if small_in_v else C * C * geometric
    return float(C / math.sqrt(v[0]) - np.sum(1.0 / np.sqrt(v[1:])))


def _first_negative(S) -> int:
    """The smallest whole p >= 2 with S(p) < 0, for an S that changes sign once (from >= 0
    to < 0): doubling, then bisection; O(log p) evaluations of S."""
    if S(2) < 0:
        return 2
    lo, hi = 2, 4
    while S(hi) >= 0:
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if S(mid) >= 0 else (lo, mid)
    return hi


def _smallest_period(beta2: float) -> tuple[int, float]:
    """(p*, margin): the smallest p >= 2 with S(p) < 0 (Adam's iterates then tend to +1),
    and min(|S(p* - 1)|, |S(p*)|). S changes sign once (tested against a scan of every p
    on a grid of beta2), so a bisection finds p*; near beta2 = 1 it starts from the bracket
    [0.375, 0.376]/(1 - beta2) around P*/(1 - beta2) when that brackets the sign change. Not
    cached: a cache would hold the hidden cases' answers where a student's function could
    read them (a few ms per beta2 in [0.9, 0.999], about a second near 1 - 3e-7)."""
    def S(q):
        return _period_sum(beta2, q)
    delta = 1.0 - beta2
    lo, hi = int(0.375 / delta), int(0.376 / delta) + 1
    if lo >= 2 and S(lo) >= 0 > S(hi):
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if S(mid) >= 0 else (lo, mid)
        p = hi
    else:
        p = _first_negative(S)
    margin = min(abs(S(p)), abs(S(max(p - 1, 2))))
    return p, margin


def _defeat_draw_near_one(rng) -> float:
    """A beta2 with 1 - beta2 in [2e-7, 4e-7] (a multiple of 1e-12): the smallest period
    is then 0.94-1.9 million, where iterating the recursion to its periodic limit for each
    candidate period (about 40/(1 - beta2) steps each) cannot finish within the grader's
    time per case, and the closed form with a bisection takes about a second. Both period
    sums at the answer are at least 5e-6 from zero (a tenth of their step there; a
    recursion for the small gradients' v over p steps drifts by at most about 1e-6)."""
    while True:
        beta2 = 1.0 - round(float(rng.uniform(2e-7, 4e-7)), 12)
        if _smallest_period(beta2)[1] > 5e-6:
            return beta2


def _defeat_wrong(beta2: float) -> tuple[int, ...]:
    """The smallest p of the recognised mistake: v without the small gradients."""
    p = 2
    while _period_sum(beta2, p, small_in_v=False) >= 0:
        p += 1
    return (p,)


#: the visible check's other beta2
_DEFEAT_OTHER = 0.98


def _smallest_period_on(kind: str):
    """``answer(beta2)`` must be the smallest period (a whole number) for the student's
    beta2 and 0.98 (visible), for three beta2 in [0.99, 0.999] drawn afresh (hidden), or
    for one beta2 with 1 - beta2 in [2e-7, 4e-7] drawn afresh (``kind="near one"``,
    hidden): there a scan of every p, or the recursion iterated to its periodic limit for
    each candidate, cannot finish within the grader's time per case."""
    def run(answer) -> Verdict:
        if not callable(answer):
            return False, "the answer should be a function smallest_period(beta2)"
        if kind == "visible":
            todo = (_defeat_data(), _DEFEAT_OTHER)
        elif kind == "near one":
            todo = (_defeat_draw_near_one(np.random.default_rng()),)
        else:
            rng = np.random.default_rng()
            todo = tuple(_defeat_draw(rng) for _ in range(3))
        for k, beta2 in enumerate(todo):
            where = ("for the printed beta2" if kind == "visible" and k == 0 else
                     "for another beta2")
            try:
                value = answer(beta2)
            except Exception as exc:         # its message could show a hidden input
                return False, f"smallest_period raised {type(exc).__name__} {where}"
            if isinstance(value, (bool, np.bool_)) or not isinstance(
                    value, (int, np.integer, float, np.floating)):
                return False, f"smallest_period should return a whole number {where}"
            # the expected value only now: no frame holds it while the answer runs
            if not value == _smallest_period(beta2)[0]:          # NaN fails
                return False, f"not the smallest period {where}"
        return True, "the smallest period for every beta2 tried"
    return _guard(run)


def _defeat_is(index: int):
    """The answer on the student's beta2 is recognised mistake ``index``."""
    def hit(answer) -> bool:
        if not callable(answer):
            return False
        beta2 = _defeat_data()
        try:
            value = answer(beta2)
        except Exception:
            return False
        return (isinstance(value, (int, np.integer, float, np.floating))
                and value == _defeat_wrong(beta2)[index])
    return hit


#: quadrature by name, not the whole module: forbidding a module outside forbid's groups
#: breaks the grader's lock for a function answer (forbid._tree_functions meets the
#: module's disabled stub), and ex-init-torch's answer is a function
_QUADRATURE = tuple(f"scipy.integrate.{name}" for name in
                    ("quad", "quad_vec", "fixed_quad", "nquad", "simpson", "trapezoid",
                     "romb", "cumulative_trapezoid", "newton_cotes"))

#: Gaussian expectations by a library's quadrature (a lazy-student pass: np.trapezoid of
#: phi(z)^2 times the density gave ex-init-leaky's constant to 1e-10); a quadrature written
#: by hand remains, as for any value answer of an easy exercise
_GAUSS_RULES = ("numpy.trapezoid", "numpy.polynomial.hermite.hermgauss",
                "numpy.polynomial.hermite_e.hermegauss", "scipy.special.roots_hermite",
                "scipy.special.roots_hermitenorm", "scipy.stats.rv_continuous.expect")

#: what computes E[phi(sqrt(q) g)^2] or the signal's fixed point for an activation
_SIGNAL = ("nntheory.initialisation.second_moment", "nntheory.initialisation._second_moment",
           "nntheory.initialisation._gaussian_expectation",
           "nntheory.initialisation.weight_variance", "nntheory.initialisation.mean_field",
           "nntheory.initialisation.signal_propagation",
           "nntheory.initialisation.signal_fixed_point",
           "nntheory.initialisation.correlation_map", "nntheory.initialisation.depth_scales",
           "nntheory.initialisation.correlation_depth_scale")

def _counted(run, label: str, limit: int):
    """A hidden case of a construction exercise that counts its wrong answers with the
    visible check's (and stops with it): called from the notebook, a hidden case would
    otherwise be an oracle without a try limit (``ex.hidden[0].run((p, C))`` in a loop).
    The grader runs hidden cases in its private copy, after the visible case passed."""
    def counted(answer) -> Verdict:
        from .. import exercises as _ex
        tries = _ex._TRIES.setdefault(label, set())
        if len(tries) >= limit:
            return False, (f"{limit} different wrong answers were tried in this session; "
                           "work it out, then restart the kernel and run again")
        ok, message = run(answer)
        if not ok:
            key = _ex._try_key(answer)
            if key is not None:
                tries.add(key)
        return ok, message
    return counted


_THRESHOLD_FORBID = ("nntheory.optimisation.run_optimizer",
                     "nntheory.optimisation.heavy_ball_spectral_radius",
                     "nntheory.optimisation.heavy_ball_rate",
                     "nntheory.optimisation.gd_rate",
                     "nntheory.optimisation.linear_mse_hessian",
                     "nntheory.numpy_core.make_optimizer", "nntheory.numpy_core.SGD",
                     "nntheory.numpy_core.fit", "nntheory.torch_core.make_optimizer",
                     "nntheory.torch_core.fit",
                     "torch.optim", "torch.autograd", "torch.func", "scipy.optimize")


EXERCISES = [
    Exercise("ex-init-leaky", "08_activations", "He's constant for a two-slope activation",
             "easy", "he_constant", ("He's constant for leaky ReLU",),
             _leaky_on(_LEAKY_CASES, visible=True),
             hidden=(HiddenCase("other slopes (drawn afresh)", _leaky_on(None, visible=False)),),
             forbid=(*_SIGNAL, "torch.nn.init.calculate_gain", *_QUADRATURE, *_GAUSS_RULES),
             mistakes={_leaky_mistake(lambda d: 1 / (d[0] ** 2 + d[1] ** 2)):
                       "each side of zero carries only half of the Gaussian's mass",
                       _leaky_mistake(lambda d: 2 / (1 + d[1] ** 2)):
                       "that is the constant of a unit slope on the positive side",
                       _leaky_mistake(lambda d: 2 / (d[0] + d[1]) ** 2):
                       "the two halves add their second moments, not their slopes"},
             data=_leaky_data,
             goal="derive the variance-preserving weight scale for a two-slope activation",
             kind="function"),
    Exercise("ex-init-tanh-sigmoid", "08_activations",
             "A sigmoid network for a deeper tanh network", "medium", "to_sigmoid",
             ("tanh to sigmoid",),
             _tanh_as_sigmoid_on("visible"),
             hidden=(HiddenCase("networks of other depths and widths (drawn afresh)",
                                _tanh_as_sigmoid_on("hidden")),),
             forbid=("nntheory.initialisation.tanh_to_sigmoid", "scipy.optimize",
                     "torch.optim", "torch.autograd", "torch.func"),
             mistakes={_tanh_off_by_constant: "the two functions differ by a constant: "
                                              "follow the -1 of every hidden unit into the "
                                              "layer after it"},
             data=_tanh_net_data,
             goal="rewrite any tanh network as a sigmoid network of the same sizes",
             kind="function"),
    Exercise("ex-init-torch", "08_activations",
             "Where a uniform initialisation settles", "hard", "torch_fixed_point",
             ("fixed point of torch's default initialisation",),
             _torch_on(((32, 1.0), (10, 2.0), (7, 0.5), (16, 2.6)), visible=True),
             hidden=(HiddenCase("other widths and gains (drawn afresh)",
                                _torch_on(None, visible=False)),
                     HiddenCase("gains just below and just above the critical one",
                                _torch_near_critical)),
             forbid=(*_SIGNAL, "nntheory.initialisation.bias_variance", *_QUADRATURE),
             mistakes={_torch_site_formula: "that is the fixed point of ReLU with torch's "
                                            "biases; your activation and biases are the "
                                            "printed ones",
                       _torch_finite_above: "for some gains the recursion does not settle"},
             data=_torch_data,
             goal="find where the signal recursion with biases settles, and for which gains",
             kind="function"),
    Exercise("ex-init-analytic", "08_activations", "What a tanh network cannot compute",
             "medium", "", (), None, kind="written",
             goal="prove the converse of the tanh-sigmoid equivalence and a limit of exactness",
             needs_human="the proof (the answer cell)",
             rubric="2 points in all. (a) 0.5 point: a tanh network of the same widths "
                    "as a given sigmoid network, with its parameters "
                    "(sigma(u) = (1 + tanh(u/2))/2: "
                    "halve the first layer's W and b; every later layer takes W/2 and "
                    "b + 1^T W/2, then is halved again if hidden; the output layer stays "
                    "linear), with the induction over layers or the computation for one "
                    "hidden layer said to repeat. (b) 1.5 points: 0.5 for 'a tanh network "
                    "is real-analytic on R' (sums, products by constants and compositions "
                    "of analytic functions), 0.5 for the identity theorem (equal to x on "
                    "[0, 1], hence on all of R), 0.5 for 'bounded by sum |W_L| + |b_L|' "
                    "(the last hidden layer's outputs lie in (-1, 1); with no hidden layer "
                    "xW + b = x is possible), contradicting x unbounded. Usual wrong "
                    "proofs: 'tanh networks are "
                    "bounded and x is not' without the continuation step (on [0, 1] x is "
                    "bounded: 0 of the last 1 point); 'ReLU is not differentiable at 0' "
                    "(the function asked for is x on [0, 1], which is smooth: 0 points); "
                    "an appeal to universal approximation (it gives approximation, not "
                    "exactness, and says nothing about impossibility: 0 points)."),
    Exercise("ex-opt-threshold", "09_optimisers", "The stability threshold of torch's SGD",
             "hard", "sgd_threshold", ("heavy-ball stability threshold",),
             _threshold_on(_THRESHOLD_CASES, visible=True),
             hidden=(HiddenCase("other data and options (drawn afresh)",
                                _threshold_on(None, visible=False)),),
             forbid=_THRESHOLD_FORBID,
             mistakes={_threshold_is(0): "that is plain gradient descent's threshold: the "
                                         "momentum changes where a root of the iteration "
                                         "leaves the unit circle",
                       _threshold_is(1): "that is the plain heavy ball's threshold, not "
                                         "that of torch's update as written",
                       _threshold_is(2): "that is the threshold of another iteration: "
                                         "derive the mode's polynomial from torch's "
                                         "update as written",
                       _threshold_is(3): "check the Hessian of the cores' MSE (the loss "
                                         "is a mean of squares)",
                       _threshold_is(4): "the bias is a parameter too"},
             data=_threshold_data,
             goal="derive the learning rate at which torch's SGD with momentum becomes "
                  "unstable on a quadratic",
             kind="function"),
    Exercise("ex-opt-adamax", "09_optimisers", "One Adamax step, as torch takes it", "easy",
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
             forbid=("torch.optim", "nntheory.optimisation.run_optimizer",
                     "nntheory.numpy_core.make_optimizer"),
             goal="implement an optimiser's update exactly as torch.optim computes it",
             kind="function"),
    Exercise("ex-opt-defeat", "09_optimisers", "The shortest period that defeats your beta2",
             "medium", "smallest_period", ("defeat beta2 = 0.99",),
             _smallest_period_on("visible"),
             hidden=(HiddenCase("three other beta2 (drawn afresh)",
                                _smallest_period_on("hidden")),
                     HiddenCase("a beta2 with 1 - beta2 between 2e-7 and 4e-7 (drawn "
                                "afresh)", _smallest_period_on("near one"))),
             forbid=("nntheory.optimisation.run_optimizer", "torch.optim",
                     "nntheory.numpy_core.make_optimizer", "nntheory.numpy_core.Adam",
                     "nntheory.torch_core.make_optimizer", "scipy.optimize"),
             mistakes={_defeat_is(0): "the small gradients enter the second moment too"},
             data=_defeat_data,
             goal="find the shortest period of Reddi's problem on which Adam with a given "
                  "beta2 drifts to the worst point, from the periodic limit of its second "
                  "moment",
             kind="function"),
    Exercise("ex-opt-defeat-why", "09_optimisers", "Why the small gradients win", "hard",
             "", (), None, kind="written",
             goal="prove that Adam drifts to the worst point when the period sum S(p) is "
                  "negative, and why the period must grow like 1/(1 - beta2)",
             needs_human="the proof (the answer cell)",
             rubric="3 points in all. 0.5: the steps tend to a periodic pattern: v_t minus "
                    "its periodic limit shrinks by beta2 per step, the bias correction "
                    "1 - beta2^t tends to 1, eps is negligible against sqrt(v) >= "
                    "sqrt(1 - beta2); and the large step is at most alpha_t / sqrt(1 - "
                    "beta2) whatever C is (v_0 >= (1 - beta2) C^2). 0.75: the drift: alpha_t "
                    "changes by a factor 1 + O(p/t) within a period, so a late period moves "
                    "x by -alpha_t (S(p) + o(1)), at least alpha_t |S(p)|/2 to the right; "
                    "the sum of alpha_t over the periods' starts diverges (alpha/sqrt(t)). "
                    "0.75: the projection: a cut at -1 only moves the iterate further right "
                    "(the projection is monotone and the steps do not depend on x), so it "
                    "can only help the drift; the cut at +1 is the one to handle: x "
                    "reaches [1 - delta, 1] "
                    "and then leaves +1 only by the large step, which tends to 0, so "
                    "x_t -> 1 (an argument that ignores the projection, or that only "
                    "shows x_T > 0 for one T: 0 of these 0.75). 0.5: the regret: a period's "
                    "losses add up to (C - p + 1) x, minimised at -1, so the regret per "
                    "period tends to 2(C - p + 1) = 0.2 p + 2 and R_T/T to (0.2 p + 2)/p, "
                    "not 0. 0.5: the scaling: with P = p(1 - beta2), sqrt(1 - beta2) S(p) "
                    "tends to sqrt(1 - e^-P)(1 - 2(e^(P/2) - 1)/(1.1 P)), a function of P "
                    "alone, so the smallest period is about P*/(1 - beta2), P* ~ 0.375 "
                    "(the root of 2(e^(P/2) - 1) = 1.1 P); a fixed period like Reddi's "
                    "p = 3 cannot defeat beta2 near 1. Usual wrong proofs: 'the average "
                    "gradient points to +1' (it is (C - p + 1)/p > 0, which favours -1: "
                    "0 points); 'the step size alpha_t decreases, so Adam stops' (it scales "
                    "both sides alike and its sum diverges: 0 of the drift's 0.75); a "
                    "simulation for one beta2 in place of the limit argument (0 of the "
                    "scaling's 0.5)."),
    Exercise("ex-opt-best-step", "09_optimisers", "The best constant step", "medium", "",
             (), None, kind="written",
             goal="prove that 2/(mu + L) is the best constant step of gradient descent on "
                  "quadratics",
             needs_human="the proof (the answer cell)",
             rubric="2 points in all. 0.5: by thm-gd-quadratic the worst contraction over the "
                    "class is q(eta) = max(|1 - eta mu|, |1 - eta L|) (the maximum of |1 - "
                    "eta lambda| over [mu, L] is at an end, |.| of an affine function being "
                    "convex), attained by a quadratic with eigenvalues mu and L. 1: q is "
                    "the maximum of a decreasing and an increasing function of eta on the "
                    "relevant range, so its minimum is where 1 - eta mu = eta L - 1, i.e. "
                    "eta = 2/(mu + L), with value (L - mu)/(L + mu) = (kappa - 1)/(kappa + 1); "
                    "for any other eta one of the two terms is larger. 0.5: uniqueness "
                    "stated and justified (strict monotonicity of both pieces). Usual wrong "
                    "proofs: minimising |1 - eta lambda| for one lambda (gives eta = "
                    "1/lambda: 0 of the 1); setting the derivative of q to zero (q is not "
                    "differentiable at its minimum: at most 0.5 of the 1); checking only "
                    "eta = 1/L and eta = 2/L (no proof of optimality: 0.5 in all)."),
]
