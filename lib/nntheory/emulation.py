r"""ReLU networks that emulate polynomial approximants: exponential rates for analytic f.

Chapter 6 compares polynomial approximations of analytic functions (error
:math:`\rho^{-n}` for the Chebyshev interpolant of degree :math:`n`). A ReLU network can
run the same approximant. :func:`relu_chebyshev_network` evaluates
:math:`p = \sum_{k=0}^n c_k T_k` by Clenshaw's recurrence

.. math:: b_{n+1} = b_{n+2} = 0,\qquad b_k = c_k + 2x\,b_{k+1} - b_{k+2}\ (k = n, \dots, 1),
          \qquad p(x) = c_0 + x\,b_1 - b_2,

with every product :math:`xb` replaced by Yarotsky's approximate product: for
:math:`|x|, |b| \le S - 1`, :math:`xb = \tfrac14[(x + b)^2 - (x - b)^2]`, and
:math:`t^2 = S^2 (|t|/S)^2` with :math:`|t| = \sigma(t) + \sigma(-t)` and the square on
:math:`[0, 1]` replaced by :math:`f_m` (:func:`nntheory.depth.yarotsky_square`), which
overestimates it by at most :math:`\varepsilon_m = 2^{-2m-2}`. Each product then errs by at
most :math:`\delta = S^2\varepsilon_m/4` (two overestimates, of which the difference is
taken). The values :math:`x, b_{k+1}, b_{k+2}` are carried
through the product's layers as :math:`\sigma(v) - \sigma(-v)`.

Error. Write :math:`\tilde b_k = b_k + e_k`. The perturbations obey the same recurrence,
:math:`e_k = 2x e_{k+1} - e_{k+2} + 2\eta_k` with :math:`|\eta_k| \le \delta`, so
:math:`e_k = \sum_{j \ge k} 2\eta_j U_{j-k}(x)` with :math:`|U_i| \le i + 1` on
:math:`[-1, 1]`: :math:`|e_1| \le \delta n(n + 1)`, :math:`|e_2| \le \delta (n - 1)n`, and
:math:`|\tilde p - p| \le |e_1| + |e_2| + \delta \le \delta(2n^2 + 1)` on :math:`[-1, 1]`
(:func:`relu_chebyshev_error_bound`), provided every :math:`|x \pm \tilde b_k| \le S`, which
holds with :math:`S = \sum_j |c_j|(j + 1) + 2` (:func:`clenshaw_bound`) while the errors stay
below 1. Depth :math:`(n + 1)(m + 1)`,
width 12: a network with :math:`N \approx 150\,n m` parameters reaches
:math:`\rho^{-n} + C n^2 4^{-m}`; with :math:`m \propto n` that is
:math:`e^{-c\sqrt{N}}` (E and Wang; Opschoor, Schwab and Zech).
"""

from __future__ import annotations

import numpy as np

from . import numpy_core
from .validation import check_array, check_int

__all__ = ["relu_chebyshev_network", "relu_chebyshev_error_bound", "clenshaw_bound"]


def clenshaw_bound(cheb_coef) -> float:
    r""":math:`\sum_j |c_j|(j + 1)`, a bound on every Clenshaw value :math:`|b_k|` on
    :math:`[-1, 1]` (:math:`b_k = \sum_{j \ge k} c_j U_{j-k}(x)`, :math:`|U_i| \le i + 1`)."""
    c = check_array(cheb_coef, "cheb_coef", ndim=1, min_size=1)
    return float(np.sum(np.abs(c) * (np.arange(c.size) + 1)))


def _scale(c: np.ndarray) -> float:
    # |x| <= 1, |b_k| <= clenshaw_bound, plus 1 for the perturbations (below 1 whenever the
    # error bound is)
    return clenshaw_bound(c) + 2.0


def relu_chebyshev_error_bound(cheb_coef, m: int) -> float:
    r""":math:`\delta(2n^2 + 1)` with :math:`\delta = S^2 2^{-2m-2}/4`: a bound on the sup
    distance on :math:`[-1, 1]` between :func:`relu_chebyshev_network` and the polynomial
    (valid while it is below 1)."""
    c = check_array(cheb_coef, "cheb_coef", ndim=1, min_size=1)
    m = check_int(m, "m", minimum=1)
    n = c.size - 1
    delta = _scale(c) ** 2 * 2.0 ** (-2 * m - 2) / 4
    return delta * (2 * n * n + 1)


def relu_chebyshev_network(cheb_coef, m: int) -> numpy_core.MLP:
    r"""A ReLU ``MLP`` emulating :math:`\sum_k c_k T_k` on :math:`[-1, 1]` by Clenshaw's
    recurrence with Yarotsky products of ``m`` levels (module docstring): depth
    :math:`(n + 1)(m + 1)` hidden layers, width at most 12, error at most
    :func:`relu_chebyshev_error_bound`."""
    c = check_array(cheb_coef, "cheb_coef", ndim=1, min_size=1)
    m = check_int(m, "m", minimum=1)
    S = _scale(c)
    n = c.size - 1
    params: list[np.ndarray] = []

    def layer(pres):
        params.append(np.stack([v for v, _ in pres], axis=1))
        params.append(np.array([b for _, b in pres], dtype=np.float64))
        return len(pres)

    def unit(n_units, j):
        v = np.zeros(n_units)
        v[j] = 1.0
        return v

    def neg(q):
        return (-q[0], -q[1])

    # functionals (weights over the current outputs, constant); the input is x itself
    X = (np.ones(1), 0.0)
    B1 = (np.zeros(1), 0.0)
    B2 = (np.zeros(1), 0.0)

    steps = list(range(n, 0, -1)) + ["final"]
    for k in steps:
        # abs layer: carry X, B1, B2 (+/-), and |X + B1|, |X - B1| (+/- parts)
        plus = (X[0] + B1[0], X[1] + B1[1])
        minus = (X[0] - B1[0], X[1] - B1[1])
        pres = [X, neg(X), B1, neg(B1), B2, neg(B2), plus, neg(plus), minus, neg(minus)]
        w = layer(pres)
        carry = [unit(w, 0) - unit(w, 1), unit(w, 2) - unit(w, 3), unit(w, 4) - unit(w, 5)]
        g = [(unit(w, 6) + unit(w, 7)) / S, (unit(w, 8) + unit(w, 9)) / S]   # |t|/S
        f = list(g)                                                       # f_0 = g_0
        for s in range(1, m + 1):
            pres = []
            for v in carry:
                pres += [(v, 0.0), (-v, 0.0)]
            for a in range(2):
                pres += [(g[a], 0.0), (g[a], -0.5), (f[a], 0.0)]
            w = layer(pres)
            carry = [unit(w, 2 * i) - unit(w, 2 * i + 1) for i in range(3)]
            new_g, new_f = [], []
            for a in range(2):
                u1, u2, u3 = (unit(w, 6 + 3 * a + r) for r in range(3))
                delta_s = 2 * u1 - 4 * u2                    # Delta(g_{s-1}) = Delta^s
                new_g.append(delta_s)
                new_f.append(u3 - delta_s / 4.0 ** s)        # f_s = f_{s-1} - Delta^s/4^s
            g, f = new_g, new_f
        prod = S * S * (f[0] - f[1]) / 4                     # ~ x * b
        X = (carry[0], 0.0)
        if k == "final":                                     # p = c_0 + x b_1 - b_2
            out = (prod - carry[2], float(c[0]))
        else:                                                # b_k = c_k + 2 x b_{k+1} - b_{k+2}
            B1, B2 = (2 * prod - carry[2], float(c[k])), (carry[1], 0.0)
    params += [out[0][:, None], np.array([out[1]])]
    sizes = [1] + [params[i].shape[1] for i in range(0, len(params) - 2, 2)] + [1]
    net = numpy_core.MLP(sizes, "relu")
    net.set_parameters(params)
    return net
