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
    _whole,
)

# ------------------------------------------------------------------ chapter 3


#: The skip connections a variant's network has (each a weight matrix, no biases).
_SKIPS = ("from the input to every later layer", "from each layer to the layer two above it",
          "from the input to the output layer")


def _bp_count_data() -> tuple[tuple[int, ...], str, bool]:
    """(widths, skips, output_biases) of the student's variant: the widths
    (n_0, ..., n_L) with L >= 2, which skip connections the network has (one of
    ``_SKIPS``), and whether the output units have biases (the hidden units always do).
    Variant 0: (3, 64, 64, 10), each layer to the layer two above it, no output biases
    (a count the chapter does not state)."""
    def draw(rng):
        depth = int(rng.integers(2, 6))                     # 2 to 5 weight layers
        hidden = [int(v) for v in rng.integers(5, 129, depth - 1)]
        widths = (int(rng.integers(2, 21)), *hidden, int(rng.integers(1, 13)))
        return widths, str(rng.choice(_SKIPS)), bool(rng.integers(2))
    return _variants.instance("ex-bp-count", lambda: ((3, 64, 64, 10), _SKIPS[1], False),
                              draw)


def _skip_weights(widths, skips: str) -> int:
    """The weights of the skip connections: n_0 n_l for l >= 2 (input to every later
    layer), n_{l-2} n_l for l >= 2 (two layers up), or n_0 n_L (input to output)."""
    n, L = widths, len(widths) - 1
    if skips == _SKIPS[0]:
        return int(sum(n[0] * n[l] for l in range(2, L + 1)))
    if skips == _SKIPS[1]:
        return int(sum(n[l - 2] * n[l] for l in range(2, L + 1)))
    return int(n[0] * n[L])


def _bp_count(widths, skips: str, output_biases: bool) -> int:
    """The layers' weights, the skips' weights, a bias per hidden unit and (if the
    variant has them) per output unit; counted here, not by the library."""
    n = widths
    layers = sum(a * b for a, b in zip(n[:-1], n[1:], strict=False))
    biases = sum(n[1:-1]) + (n[-1] if output_biases else 0)
    return int(layers + _skip_weights(n, skips) + biases)


def _bp_count_case(hidden: bool):
    """The answer is a function ``count_params(widths)`` for the variant's kind of
    network: on the printed widths (hidden: 20 fresh random width tuples, 2 to 6 weight
    layers of 1 to 300 units) it must return the exact count."""
    def run(fn) -> Verdict:
        if not callable(fn):
            return False, "count_params is not a function"
        widths0, skips, output_biases = _bp_count_data()
        if hidden:
            rng = np.random.default_rng()
            cases = [tuple(int(v) for v in rng.integers(1, 301, int(rng.integers(3, 8))))
                     for _ in range(20)]
        else:
            cases = [widths0]
        for widths in cases:
            got = fn(tuple(widths))
            value = float(_checks._as_float(got))
            if value != _bp_count(widths, skips, output_biases):
                return False, "not correct"
        return True, "right"
    return _guard(run)


def _bp_count_mistake(kind: str):
    """A recognised wrong count for the current variant (a function answer is judged on
    the printed widths)."""
    def wrong(widths, skips, output_biases) -> int:
        n = widths
        right = _bp_count(n, skips, output_biases)
        if kind == "weights":                     # every weight, no biases
            return right - sum(n[1:-1]) - (n[-1] if output_biases else 0)
        if kind == "plain":                       # the chapter's perceptron: no skips
            return int(sum(b * (a + 1) for a, b in zip(n[:-1], n[1:], strict=False)))
        if kind == "skip biases":                 # a bias for each skip connection too
            targets = (range(2, len(n)) if skips != _SKIPS[2] else [len(n) - 1])
            return right + sum(n[l] for l in targets)
        return right - n[-1] if output_biases else right + n[-1]     # output biases

    def hit(answer) -> bool:
        widths, skips, output_biases = _bp_count_data()
        value = _checks._as_float(answer(tuple(widths)) if callable(answer) else answer)
        return (value == wrong(widths, skips, output_biases)
                and value != _bp_count(widths, skips, output_biases))
    return hit


def _bp_scalar_well_conditioned(d) -> bool:
    """No partial is 0 or the result of a cancellation: 0.04 <= |z| <= 3.5 (so tanh z and
    1 - tanh^2 z lose no digits in any correct formula), |y_hat - y| >= 0.05, w1, w2, x
    away from 0. Then every correct double-precision formula for the four partials is
    within about 1e-13 of the exact values (measured against 40-digit arithmetic on 3000
    random instances: at most 1.5e-13, three ways of writing the formulas)."""
    x, y, w1, b1, w2, b2 = d
    z = w1 * x + b1
    y_hat = w2 * math.tanh(z) + b2
    return (0.04 <= abs(z) <= 3.5 and abs(y_hat - y) >= 0.05 and abs(w1) >= 0.1
            and abs(w2) >= 0.1 and abs(x) >= 0.2)


def _bp_scalar_data():
    """(x, y, w1, b1, w2, b2) of the student's variant (variant 0: the chapter's)."""
    def draw(rng):
        while True:
            x = float(rng.choice([-2.0, -1.5, -1.0, 1.0, 1.5, 2.0]))
            y = float(rng.choice([-1.0, 0.5, 1.0, 2.0]))
            w1, b1, w2, b2 = (float(v) for v in np.round(rng.uniform(-1.5, 1.5, 4), 1))
            if _bp_scalar_well_conditioned((x, y, w1, b1, w2, b2)):
                return x, y, w1, b1, w2, b2
    return _variants.instance("ex-bp-scalar", lambda: (2.0, 1.0, 0.5, -0.2, 1.5, 0.1), draw)


def _bp_random_instance(rng) -> tuple[float, ...]:
    """A hidden instance: real-valued, drawn until well conditioned."""
    while True:
        x = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.2, 2.0))
        y = float(rng.uniform(-2.0, 2.0))
        w1, b1, w2, b2 = (float(v) for v in rng.uniform(-2.0, 2.0, 4))
        d = (x, y, w1, b1, w2, b2)
        if _bp_scalar_well_conditioned(d):
            return d


def _bp_scalar(d) -> list[float]:
    """[dL/dw1, dL/db1, dL/dw2, dL/db2] of L = (w2 tanh(w1 x + b1) + b2 - y)^2."""
    x, y, w1, b1, w2, b2 = d
    a = math.tanh(w1 * x + b1)
    r = 2.0 * (w2 * a + b2 - y)
    g = r * w2 * (1.0 - a * a)
    return [g * x, g, r * a, r]


_BP_RTOL = 1e-12


#: What turns torch's graph recording back on (the checks call the answer with it off):
#: without a recorded graph there is no grad_fn to walk and nothing for a fresh autograd
#: engine to run (lazy2_ch35 F2).
_GRAPH_SWITCHES = ("torch.enable_grad", "torch.set_grad_enabled", "torch._C._set_grad_enabled",
                   "torch._C._set_fwd_grad_enabled")


def _without_graph(fn):
    """``fn`` called with torch's gradient recording off (``torch.no_grad``), entered and
    left outside the student's call, so the switches are disabled while it runs."""
    def run(*args):
        try:
            import torch
        except ImportError:                      # pragma: no cover - torch is a dependency
            return fn(*args)
        with torch.no_grad():
            return fn(*args)
    return run


def _bp_values(fn, d) -> list[float] | str:
    got = _without_graph(fn)(*d)
    if isinstance(got, np.ndarray):
        got = list(got.ravel()) if got.size == 4 else got
    if not isinstance(got, (list, tuple)) or len(got) != 4:
        return "return a list of four numbers [dL/dw1, dL/db1, dL/dw2, dL/db2]"
    values = [float(_checks._as_float(v)) for v in got]
    if not all(math.isfinite(v) for v in values):
        return "some partial derivatives are NaN or infinite"
    return values


def _bp_scalar_case(hidden: bool):
    """The visible case: the printed instance; hidden: 20 fresh random instances. Each
    partial must be within a relative 1e-12 of the exact value (the exercise says so)."""
    def run(fn) -> Verdict:
        if not callable(fn):
            return False, "tiny_grad is not a function"
        if hidden:
            rng = np.random.default_rng()
            cases = [_bp_random_instance(rng) for _ in range(20)]
        else:
            cases = [_bp_scalar_data()]
        for d in cases:
            got = _bp_values(fn, d)
            if isinstance(got, str):
                return False, got
            ref = _bp_scalar(d)
            if any(abs(v - r) > _BP_RTOL * abs(r) for v, r in zip(got, ref, strict=True)):
                return False, "does not agree with the chain rule to a relative 1e-12"
        return True, "agrees with the chain rule"
    return _guard(run)


def _bp_mistake(kind: str):
    """A recognised wrong function, judged on the printed instance: the sign of
    2 (y - y_hat) for 2 (y_hat - y); or the factor 1 - tanh^2 left out."""
    def hit(fn) -> bool:
        d = _bp_scalar_data()
        got = _bp_values(fn, d)
        if isinstance(got, str):
            return False
        ref = _bp_scalar(d)
        if kind == "sign":
            wrong = [-r for r in ref]
        else:
            x, y, w1, b1, w2, b2 = d
            a = math.tanh(w1 * x + b1)
            r = 2 * (w2 * a + b2 - y)
            wrong = [r * w2 * x, r * w2]
            got = got[:2]
        return all(abs(v - w) <= 1e-6 * abs(w) for v, w in zip(got, wrong, strict=True))
    return hit


def _softplus_beta() -> float:
    """The sharpness beta of the student's variant (variant 0: beta = 1, softplus)."""
    return float(_variants.instance(
        "ex-bp-softplus", lambda: 1.0,
        lambda rng: float(rng.choice([0.25, 0.5, 2.0, 3.0, 4.0]))))


def _softplus_reference(params, X, Y, beta: float) -> list[np.ndarray]:
    """The gradients of mean((net(X) - Y)^2) for the softplus_beta network, from the
    library's softplus network: softplus_beta(z) = softplus(beta z) / beta, so the
    network (W1, b1, W2, b2) equals the softplus network (beta W1, beta b1, W2 / beta,
    b2), and the chain rule rescales the gradients back."""
    from ... import numpy_core as npc
    W1, b1, W2, b2 = (np.asarray(p, dtype=float) for p in params)
    net = npc.MLP([W1.shape[0], W1.shape[1], W2.shape[1]], "softplus")
    net.set_parameters([beta * W1, beta * b1, W2 / beta, b2])
    g1, gb1, g2, gb2 = npc.loss_and_gradients(net, X, Y)[1]
    return [beta * g1, beta * gb1, g2 / beta, gb2]

def _softplus_verdict(grads, params, X, Y, beta, agrees):
    """The verdict on a softplus gradient answer against the reference backward pass:
    four arrays of the parameters' shapes, finite, within 1e-10 relative."""
    from ... import gradcheck
    if not isinstance(grads, (list, tuple)) or len(grads) != 4:
        return False, "return a list of four arrays [gW1, gb1, gW2, gb2]"
    ref = _softplus_reference(params, X, Y, beta)
    got = [np.asarray(g, dtype=float) for g in grads]
    if any(g.shape != r.shape for g, r in zip(got, ref, strict=True)):
        return False, "the gradients do not have the parameters' shapes"
    if not all(np.all(np.isfinite(g)) for g in got):
        return False, "some gradient entries are NaN or infinite"
    err = gradcheck.relative_error(got, ref)
    return err < 1e-10, (agrees if err < 1e-10 else "does not agree with backpropagation")


def _softplus_case(seed: int | None, sizes, n: int, reach: float | None = None):
    """``seed=None`` (a hidden case): fresh random data each time it runs; the sharpness
    is the current variant's. ``reach``: the inputs are rescaled so that the largest
    beta z is ``reach`` (1000: exp(beta z) overflows above 709.78, so the naive
    log(1 + exp(beta z)) / beta gives inf there, while logaddexp stays finite)."""
    def run(fn) -> Verdict:
        from ... import numpy_core as npc
        if not callable(fn):
            return False, "softplus_gradients is not a function"
        beta = _softplus_beta()
        rng = np.random.default_rng(seed)
        net_seed = int(rng.integers(2**31)) if seed is None else seed + 1
        X = rng.normal(size=(n, sizes[0]))
        Y = rng.normal(size=(n, sizes[-1]))
        params = npc.MLP(list(sizes), "softplus", init="xavier",
                         seed=net_seed).get_parameters()
        if reach is not None:                    # biases are 0: beta z scales with X
            top = float(np.max(X @ params[0]))
            X = X * (reach / (beta * top)) if top > 0 else -X * (reach / (beta * float(
                np.max(-X @ params[0]))))
        # an overflow warning is not an error: 1 / (1 + exp(-beta z)) is exact (0) where
        # exp overflows; what must not happen is an infinite or NaN result (checked below)
        with np.errstate(all="ignore"):
            grads = _without_graph(fn)([p.copy() for p in params], X.copy(), Y.copy())
        return _softplus_verdict(grads, params, X, Y, beta, "agrees with backpropagation")
    return _guard(run)


#: The wide hidden case: d = h = 512 inputs and hidden units, k = 4 outputs, n = 128
#: examples: N = 264,708 parameters. A backward pass costs a few forward passes
#: (prop-backprop-cost); a difference quotient or a complex step needs one forward pass per
#: parameter, N of them.
_WIDE_SIZES, _WIDE_N = (512, 512, 4), 128
#: The budget, in forward passes of the same network, measured in the same call: a
#: correct vectorised backward pass takes 1.3 to 3 of them (measured on a loaded 2-core
#: machine), so 30 leaves a wide margin for noise, and N / 30 > 8000.
_WIDE_BUDGET = 30
#: A run is stopped (not judged further) after this many forward passes' time (or 1 s).
_WIDE_CAP = 300


class _TooSlow(BaseException):
    """Raised by the interval timer in a too-slow answer (a BaseException, so that an
    ``except Exception`` in the answer does not swallow it)."""


def _time_call(fn, args, cap_s: float):
    """``(result, seconds)`` of ``fn(*args)``, stopped by ``_TooSlow`` after ``cap_s``
    seconds where an interval timer can be set (the kernel's main thread); an outer
    timer (the grader's alarm) is restored with what was left of it."""
    import signal
    import threading
    import time
    usable = (hasattr(signal, "setitimer") and
              threading.current_thread() is threading.main_thread())
    if not usable:
        began = time.perf_counter()
        result = fn(*args)
        return result, time.perf_counter() - began

    def ring(signum, frame):
        raise _TooSlow()

    old_handler = signal.signal(signal.SIGALRM, ring)
    outer_left = signal.setitimer(signal.ITIMER_REAL, cap_s)[0]
    began = time.perf_counter()
    try:
        result = fn(*args)
        return result, time.perf_counter() - began
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if outer_left > 0:
            signal.setitimer(signal.ITIMER_REAL,
                             max(outer_left - (time.perf_counter() - began), 1e-3))


def _forward_seconds(params, X, Y, beta: float, repeats: int = 7) -> float:
    """The median time of one forward pass and loss of the softplus_beta network."""
    import time
    W1, b1, W2, b2 = params
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        out = np.logaddexp(0.0, beta * (X @ W1 + b1)) / beta @ W2 + b2
        float(np.mean((out - Y) ** 2))
        times.append(time.perf_counter() - began)
    return float(np.median(times))


def _softplus_wide_case():
    """Hidden: a wide network (N = 264,708 parameters) under a time budget of
    ``_WIDE_BUDGET`` forward passes, the forward pass timed in the same call (median of
    7); the answer gets three timed runs and its fastest counts. It must also be right
    (to 1e-10, as the other cases) on a small network first, which also warms up what the
    first call of a function costs."""
    def run(fn) -> Verdict:
        from ... import numpy_core as npc
        if not callable(fn):
            return False, "softplus_gradients is not a function"
        small = _softplus_case(None, (3, 5, 2), 6)(fn)
        if not small[0]:
            return small
        beta = _softplus_beta()
        rng = np.random.default_rng()
        d, h, k = _WIDE_SIZES
        X = rng.normal(size=(_WIDE_N, d))
        Y = rng.normal(size=(_WIDE_N, k))
        params = npc.MLP([d, h, k], "softplus", init="xavier",
                         seed=int(rng.integers(2**31))).get_parameters()
        forward = _forward_seconds(params, X, Y, beta)
        best, grads = math.inf, None
        for _ in range(3):
            try:
                with np.errstate(all="ignore"):
                    args = ([p.copy() for p in params], X.copy(), Y.copy())
                    grads, took = _time_call(_without_graph(fn), args,
                                             max(1.0, _WIDE_CAP * forward))
            except _TooSlow:
                return False, (f"stopped: it ran longer than {_WIDE_CAP} forward passes "
                               "of this network")
            best = min(best, took)
            if best <= _WIDE_BUDGET * forward:
                break
        if best > _WIDE_BUDGET * forward:
            return False, (f"too slow: it took {best / forward:.0f} forward passes' time "
                           f"on a network of {d * h + h + h * k + k} parameters; the "
                           f"budget is {_WIDE_BUDGET}")
        return _softplus_verdict(grads, params, X, Y, beta,
                                 "agrees with backpropagation within the budget")
    return _guard(run)


_BP_SYMMETRY_RUBRIC = (
    "2 points in all. Half a point: the forward pass: with equal incoming weights and "
    "biases the hidden units have equal pre-activations and activations on every input. "
    "Half a point: the backward pass: G_2 is shared, so the rows a_j^T G_2 of the outgoing "
    "weights' gradient are equal, and the column (G_2 v_j^T) * sigma'(z_j) of G_1 is equal "
    "because v_j and z_j are, so the incoming gradients (X^T G_1 and the column sums of "
    "G_1) are equal. Half a point: the induction over steps: an update with any step size "
    "eta_t (one per step, shared by all parameters) subtracts equal vectors from equal "
    "vectors, so every step keeps the copies. Half "
    "a point: the consequence: along the whole run the network computes what one hidden "
    "unit with output weights h v computes, so the initialisation must break the symmetry. "
    "Usual wrong proofs: only the first step (no induction: half a point off); 'the "
    "gradient is zero' (no credit for the backward pass); equal incoming weights alone "
    "(the outgoing weights must be equal too, else the G_1 columns differ); 'a random "
    "minibatch or momentum breaks the symmetry' (it does not: equal parameters get equal "
    "updates).")

# ------------------------------------------------------------------ chapter 4


_UA_FORMULAS = {"sin": "sin({p}*x)", "exp": "exp({p}*x)", "log": "log(x)", "cube": "x**3"}


def _ua_units_instance() -> tuple[str, float, float, float, float]:
    """(family, parameter, a, b, tolerance) of the student's variant."""
    def well_posed(d) -> bool:
        m = _ua_units_real(d)
        return 3 <= m <= 4000 and abs(m - round(m)) > 1e-3
    def draw(rng):
        while True:
            family = str(rng.choice(list(_UA_FORMULAS)))
            tol = float(rng.choice([1e-2, 5e-3, 1e-3, 5e-4, 1e-4]))
            if family == "sin":
                p = float(rng.choice([1.0, 2.0, 3.0, 4.0, 5.0]))
                half = float(rng.choice([1.0, 1.5, 2.0]))
                if p * half < math.pi / 2:                   # |sin| must reach 1
                    continue
                d = (family, p, -half, half, tol)
            elif family == "exp":
                p = float(rng.choice([-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0]))
                a = float(rng.choice([-2.0, -1.0, 0.0]))
                d = (family, p, a, a + float(rng.choice([1.0, 2.0, 3.0])), tol)
            elif family == "log":
                a = float(rng.choice([0.25, 0.5, 1.0, 2.0]))
                d = (family, 0.0, a, a + float(rng.choice([1.0, 2.0, 3.0])), tol)
            else:
                a = float(rng.choice([-2.0, -1.0, 0.0, 0.5]))
                d = (family, 0.0, a, a + float(rng.choice([1.0, 2.0, 3.0])), tol)
            if well_posed(d):
                return d
    return _variants.instance("ex-ua-units", lambda: ("sin", math.pi, -1.0, 1.0, 1e-3), draw)


def _ua_units_data() -> tuple[str, float, float, float, float, str]:
    """What the data cell prints: (family, parameter, a, b, tolerance, f as text)."""
    family, p, a, b, tol = _ua_units_instance()
    text = _UA_FORMULAS[family].format(p="pi" if p == math.pi else f"{p:g}")
    return family, p, a, b, tol, text


def _ua_second(d, which: str = "sup") -> float:
    """sup |f''| over [a, b] (``which="inf"``: the infimum; ``"first"``: sup |f'|)."""
    family, p, a, b, _ = d
    ends = (a, b)
    if family == "sin":
        return p * p if which == "sup" else (p if which == "first" else 0.0)
    if family == "exp":
        k = 1 if which == "first" else 2
        values = [abs(p) ** k * math.exp(p * t) for t in ends]
    elif family == "log":
        values = [1 / t if which == "first" else 1 / t ** 2 for t in ends]
    else:
        values = [3 * t * t if which == "first" else 6 * abs(t) for t in ends]
        if which == "inf" and a <= 0 <= b:
            values = [0.0]
    return max(values) if which != "inf" else min(values)


def _ua_units_real(d, second: float | None = None, constant: float = 8.0) -> float:
    """The real m at which (b - a)^2 / m^2 * M / constant equals the tolerance."""
    _, _, a, b, tol = d
    m2 = _ua_second(d) if second is None else second
    return (b - a) * math.sqrt(m2 / (constant * tol))


def _ua_units(d) -> int:
    return max(1, math.ceil(_ua_units_real(d)))


def _ua_units_mistake(kind: str):
    def hit(answer) -> bool:
        d = _ua_units_instance()
        right = _ua_units(d)
        if kind == "knots":
            wrong = right + 1
        elif kind == "first":
            wrong = max(1, math.ceil(_ua_units_real(d, _ua_second(d, "first"))))
        elif kind == "inf":
            low = _ua_second(d, "inf")
            if low <= 0:
                return False
            wrong = max(1, math.ceil(_ua_units_real(d, low)))
        else:                                   # the 1/8 left out
            wrong = max(1, math.ceil(_ua_units_real(d, constant=1.0)))
        return wrong != right and _whole(answer) == wrong
    return hit


def _ua_hat_data() -> tuple[float, float, float, float]:
    """(a, c, b, H): the hat is 0 outside [a, b], linear on [a, c] and [c, b], H at c."""
    def draw(rng):
        while True:
            a, c, b = sorted(float(v) for v in rng.choice(np.arange(-12, 13) / 4, 3,
                                                          replace=False))
            if 0.5 <= c - a <= 2.5 and 0.5 <= b - c <= 2.5 and abs((c - a) - (b - c)) > 0.1:
                return a, c, b, float(rng.choice([0.5, 1.5, 2.0, 2.5, 3.0]))
    # variant 0 (the public copy's): lopsided (sides 1.5 and 1) and of height 1.5, so that
    # both recognised mistakes can be made on it
    return _variants.instance("ex-ua-hat", lambda: (-1.0, 0.5, 1.5, 1.5), draw)


def _hat_values(xs: np.ndarray, d, height: float | None = None) -> np.ndarray:
    a, c, b, h = d
    h = h if height is None else height
    return h * np.clip(np.minimum((xs - a) / (c - a), (b - xs) / (b - c)), 0.0, None)


def _hat_net(answer, xs: np.ndarray) -> np.ndarray:
    return _mlp([1, 3, 1], "relu", _params(answer, 4)).predict(xs[:, None]).ravel()


def _hat_random_instance(rng) -> tuple[float, float, float, float]:
    """A hidden hat: real a < c < b in [-3, 3], sides 0.5 to 2.5 long and unequal,
    height 0.5 to 3."""
    while True:
        a = float(rng.uniform(-3.0, 0.0))
        c = a + float(rng.uniform(0.5, 2.5))
        b = c + float(rng.uniform(0.5, 2.5))
        if b <= 3.0 and abs((c - a) - (b - c)) > 0.1:
            return a, c, b, float(rng.uniform(0.5, 3.0))


def _hat_on(xs: np.ndarray, hidden: bool = False):
    """The answer is a function ``hat_params(a, c, b, H)``: on the printed hat (hidden: 20
    fresh random hats) its network must equal the hat on ``xs`` to 1e-10 max(1, max|x|)."""
    def run(fn) -> Verdict:
        if not callable(fn):
            return False, "hat_params is not a function"
        cases = ([_hat_random_instance(np.random.default_rng()) for _ in range(20)]
                 if hidden else [_ua_hat_data()])
        for d in cases:
            err = float(np.max(np.abs(_hat_net(fn(*d), xs) - _hat_values(xs, d))))
            if not err <= 1e-10 * max(1.0, float(np.max(np.abs(xs)))):
                return False, "differs from the hat somewhere"
        return True, "equals the hat"
    return _guard(run)


def _hat_mistake(kind: str):
    """Judged on the printed hat."""
    def hit(fn) -> bool:
        d = _ua_hat_data()
        answer = fn(*d)
        a, c, b, h = d
        inside = np.linspace(a, b, 801)
        outside = np.concatenate([np.linspace(a - 3, a, 301), np.linspace(b, b + 3, 301)])
        got_in, got_out = _hat_net(answer, inside), _hat_net(answer, outside)
        if kind == "height":            # the right kinks, the height of the unit hat
            return h != 1.0 and bool(np.allclose(got_in, _hat_values(inside, d, 1.0),
                                                 atol=1e-9)
                                     and np.allclose(got_out, 0.0, atol=1e-9))
        return bool(np.allclose(got_in, _hat_values(inside, d), atol=1e-9)
                    and not np.allclose(got_out, 0.0, atol=1e-9))
    return hit


def _ua_square_data() -> tuple[float, float, float, float]:
    """(s, c1, c2, L): f(x) = s |x| + c1 x + c2 x^2 on [-L, L]."""
    def draw(rng):
        while True:
            s = float(rng.choice([0.5, 1.0, 2.0, 3.0]))
            c1, c2 = (float(v) for v in rng.choice([-1.0, -0.5, 0.0, 0.5, 1.0], 2))
            L = float(rng.choice([0.5, 1.0, 2.0]))
            if abs(s / L + c2) >= 0.25 and (c1, c2, L, s) != (0.0, 0.0, 1.0, 1.0):
                return s, c1, c2, L
    # variant 0 (the public copy's): not |x| on [-1, 1] (ex-ua-floor-proof's answer), with a
    # quadratic part, so that both recognised mistakes can be made on it
    return _variants.instance("ex-ua-square", lambda: (2.0, 0.5, -0.5, 2.0), draw)


def _square_net(answer, xs: np.ndarray) -> np.ndarray:
    return _mlp([1, 1, 1], "square", _params(answer, 4)).predict(xs[:, None]).ravel()


def _square_target(xs: np.ndarray, d) -> np.ndarray:
    s, c1, c2, _ = d
    return s * np.abs(xs) + c1 * xs + c2 * xs * xs


def _square_grid(d, n: int, extremal: bool = False) -> np.ndarray:
    L = d[3]
    xs = np.linspace(-L, L, n)
    return np.concatenate([xs, L * np.array([-1.0, -0.5, 0.0, 0.5, 1.0])]) if extremal else xs


def _square_random_instance(rng) -> tuple[float, float, float, float]:
    """A hidden instance: real s in [0.5, 3], c1, c2 in [-1, 1], L in [0.5, 2], with the
    leading coefficient s/L + c2 of the best quadratic at least 0.25 away from 0."""
    while True:
        s, c1, c2, L = (float(v) for v in rng.uniform([0.5, -1, -1, 0.5], [3, 1, 1, 2]))
        if abs(s / L + c2) >= 0.25:
            return s, c1, c2, L


def _square_floor(n: int, extremal: bool = False, hidden: bool = False):
    """The answer is a function ``square_params(s, c1, c2, L)``; on the printed instance
    (or, hidden, on 20 fresh random ones) its network's sup error on the grid must be
    s L / 8 to within 1e-9 max(1, s L)."""
    def run(fn) -> Verdict:
        if not callable(fn):
            return False, "square_params is not a function"
        cases = ([_square_random_instance(np.random.default_rng()) for _ in range(20)]
                 if hidden else [_ua_square_data()])
        for d in cases:
            s, _, _, L = d
            xs = _square_grid(d, n, extremal)
            err = float(np.max(np.abs(_square_net(fn(*d), xs) - _square_target(xs, d))))
            if not abs(err - s * L / 8) <= 1e-9 * max(1.0, s * L):
                return False, "its sup error is not the smallest any quadratic attains"
        return True, "attains the floor"
    return _guard(run)


def _square_mistake(kind: str):
    """The least-squares quadratic; or the best quadratic for s|x| alone (judged on the
    printed instance)."""
    def hit(fn) -> bool:
        d = _ua_square_data()
        answer = fn(*d)
        s, c1, c2, L = d
        xs = _square_grid(d, 2001)
        if kind == "least squares":
            wrong = s * (15 / (16 * L) * xs * xs + 3 * L / 16) + c1 * xs + c2 * xs * xs
        else:
            if c1 == 0 and c2 == 0:
                return False
            wrong = s * (xs * xs / L + L / 8)
        return bool(np.max(np.abs(_square_net(answer, xs) - wrong)) <= 1e-7 * max(1.0, s * L))
    return hit


_UA_FLOOR_RUBRIC = (
    "2 points in all. Half a point: a certificate that no quadratic escapes, e.g. the fourth "
    "difference D(g) = g(-1) - 4 g(-1/2) + 6 g(0) - 4 g(1/2) + g(1), which is 0 for every "
    "polynomial of degree <= 3 (or an alternation of the error at -1, -1/2, 0, 1/2, 1 with a "
    "count of the sign changes of a difference of quadratics). Half a point: the bound: "
    "D(|x| - p) = D(|x|) = -2 and |D(e)| <= 16 max|e|, so max|e| >= 1/8. Half a point: the "
    "optimal quadratic found (the equality case forces its values at three of the points) "
    "and shown to attain 1/8, its error's extremes computed over [-1, 1], not only its "
    "values at the five points (the model proof is in the chapter's solution block). Half a "
    "point: uniqueness: on the fourth-difference route, equality forces |e| = 1/8 with "
    "alternating signs at the five points, which fixes p; on the alternation route, when "
    "max|e| = 1/8 exactly the difference of two optimal quadratics is only weakly "
    "alternating at the five points (zeros allowed), so 'four sign changes, four roots' "
    "does not apply: the point needs the weak-alternation lemma (a polynomial of degree "
    "<= 3 whose values at five points alternate weakly in sign is 0) or another argument "
    "for it; 'four sign changes' alone gets no credit for uniqueness. Usual wrong proofs: a "
    "numerical search or a few candidate quadratics (no credit for the bound); the "
    "least-squares quadratic (error 3/16) taken as the best; assuming p even without the "
    "symmetrisation argument (p(x) and p(-x) are equally good and their mean is no worse: "
    "half a point off if missing); citing Chebyshev's or de la Vallee Poussin's theorem, "
    "which the exercise asks to prove in this case (half a point at most).")


_WIDE = np.concatenate([np.linspace(-1e3, 1e3, 20001),
                        np.random.default_rng(2026).uniform(-50, 50, 5000)])

_NP_CORE = ("nntheory.numpy_core.MLP", "nntheory.torch_core.MLP")

EXERCISES = [
    Exercise("ex-bp-count", "03_backprop", "Counting the parameters of a network with skips",
             "easy", "count_params",
             ("parameter count",), _bp_count_case(hidden=False),
             data=_bp_count_data,
             hidden=(HiddenCase("twenty random widths, the same kind of network",
                                _bp_count_case(hidden=True)),),
             forbid=(*_NP_CORE, "nntheory.common.n_parameters",
                     "nntheory.common._count_parameters", "nntheory.seed000", "torch.nn"),
             mistakes={_bp_count_mistake("weights"):
                       "you counted the weights but not the biases",
                       _bp_count_mistake("plain"):
                       "this counts the network without its skip connections",
                       _bp_count_mistake("skip biases"):
                       "a skip connection is a weight matrix only: the units it feeds "
                       "have their biases already",
                       _bp_count_mistake("output biases"):
                       "check which units have biases in this network"},
             goal="count the parameters of a network the chapter's formula does not cover",
             kind="function"),
    Exercise("ex-bp-scalar", "03_backprop", "One gradient by hand", "easy", "tiny_grad",
             ("the four partial derivatives",), _bp_scalar_case(hidden=False),
             data=_bp_scalar_data,
             hidden=(HiddenCase("twenty random instances", _bp_scalar_case(hidden=True)),),
             forbid=("nntheory.numpy_core.loss_and_gradients",
                     "nntheory.torch_core.loss_and_gradients", *_NP_CORE,
                     "nntheory.gradcheck", "nntheory.numpy_core.activation_derivative",
                     "scipy.optimize", "scipy.differentiate", "torch.autograd", "torch.func",
                     "sympy.Derivative", "mpmath.calculus.differentiation",
                     *_GRAPH_SWITCHES),
             mistakes={_bp_mistake("sign"): "the sign is wrong: the derivative of the loss "
                                            "with respect to the prediction is 2 (y_hat - y)",
                       _bp_mistake("tanh"):
                       "a link of the chain is missing: the derivative of tanh at the "
                       "unit's pre-activation"},
             goal="apply the chain rule through one unit", kind="function"),
    Exercise("ex-bp-softplus", "03_backprop", "A backward pass for a sharper softplus",
             "hard", "softplus_gradients", ("softplus backward pass",),
             _softplus_case(11, (3, 4, 2), 7),
             data=_softplus_beta,
             hidden=(HiddenCase("other widths and batch size",
                                _softplus_case(None, (2, 6, 3), 13)),
                     HiddenCase("one example, one output", _softplus_case(None, (4, 3, 1), 1)),
                     HiddenCase("large inputs",
                                _softplus_case(None, (3, 5, 2), 9, reach=1000.0)),
                     HiddenCase("a wide network under a time budget of 30 forward passes",
                                _softplus_wide_case())),
             forbid=("nntheory.numpy_core.loss_and_gradients",
                     "nntheory.torch_core.loss_and_gradients", *_NP_CORE,
                     "nntheory.numpy_core.activation",
                     "nntheory.numpy_core.activation_derivative",
                     "nntheory.gradcheck", "scipy.differentiate", "torch.autograd",
                     "torch.func", *_GRAPH_SWITCHES),
             goal="derive and implement backpropagation for a new activation",
             kind="function"),
    Exercise("ex-bp-symmetry", "03_backprop", "Identical units stay identical", "medium",
             "", (), None, kind="written",
             goal="prove by induction that gradient descent cannot break a symmetric start",
             needs_human="the proof (the answer cell)", rubric=_BP_SYMMETRY_RUBRIC),
    # chapter 4
    Exercise("ex-ua-units", "04_universal_approximation", "How many units for a tolerance?",
             "easy", "units_needed", ("hidden units for 1e-3",),
             _guard(_number(_ua_units, _ua_units_instance, rtol=0.0)),
             data=_ua_units_data, max_tries=3,
             forbid=("nntheory.constructions", "nntheory.approximation",
                     "nntheory.constructions.interpolation_bound",
                     "nntheory.constructions.relu_interpolant"),
             mistakes={_ua_units_mistake("knots"):
                       "the network of the proposition has one hidden unit per cell, "
                       "not one per knot",
                       _ua_units_mistake("first"):
                       "the bound involves the second derivative, not the first",
                       _ua_units_mistake("inf"):
                       "the bound needs the supremum of |f''| over the whole interval",
                       _ua_units_mistake("constant"):
                       "check the constant in the proposition's bound"},
             goal="turn an interpolation error bound into a network size"),
    Exercise("ex-ua-hat", "04_universal_approximation", "A lopsided hat from three ReLUs",
             "medium", "hat_params", ("hat network",), _hat_on(np.linspace(-4, 4, 8001)),
             data=_ua_hat_data,
             hidden=(HiddenCase("far from the origin and at random points", _hat_on(_WIDE)),
                     HiddenCase("twenty random hats", _hat_on(_WIDE, hidden=True))),
             forbid=("nntheory.depth", "nntheory.constructions", "nntheory.separation",
                     "nntheory.depth.relu_spline", "nntheory.depth.sawtooth",
                     "nntheory.constructions.relu_interpolant"),
             mistakes={_hat_mistake("height"):
                       "the kinks are in the right places but the peak is not the "
                       "printed height",
                       _hat_mistake("tails"):
                       "right on [a, b], but not 0 outside it: the slopes must add up "
                       "to 0 beyond the last kink"},
             goal="build a ReLU network by hand", kind="function"),
    Exercise("ex-ua-square", "04_universal_approximation",
             "The best square network for a kinked quadratic", "hard",
             "square_params", ("best square network",),
             _square_floor(4001),
             data=_ua_square_data,
             hidden=(HiddenCase("a finer grid with the extremal points",
                                _square_floor(40001, extremal=True)),
                     HiddenCase("twenty random instances",
                                _square_floor(4001, extremal=True, hidden=True))),
             forbid=("nntheory.separation", "nntheory.constructions", "nntheory.polynomials",
                     "nntheory.square_networks", "scipy.optimize",
                     "nntheory.separation.shallow_square_best",
                     "nntheory.constructions.polynomial_floor",
                     "nntheory.polynomials.horner_square_network",
                     "nntheory.polynomials.residual_square_network",
                     "nntheory.polynomials.l2_projection",
                     "nntheory.polynomials.chebyshev_interpolant",
                     "nntheory.square_networks.estrin_square_network"),
             mistakes={_square_mistake("least squares"):
                       "this is the least-squares quadratic; the exercise asks for the "
                       "best one in the sup norm",
                       _square_mistake("alone"):
                       "this is not the best quadratic for the whole target"},
             goal="use equioscillation to find a best approximation", kind="function"),
    Exercise("ex-ua-floor-proof", "04_universal_approximation", "No quadratic beats 1/8",
             "medium", "", (), None, kind="written",
             goal="prove a best-approximation lower bound with a functional that kills "
                  "quadratics",
             needs_human="the proof (the answer cell)", rubric=_UA_FLOOR_RUBRIC),
]
