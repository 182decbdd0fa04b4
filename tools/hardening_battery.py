"""A battery of bad and valid inputs over the library's newer modules (issue 28).

Every public function of ``depth``, ``polynomials``, ``initialisation``,
``optimisation``, ``generalisation``, ``approximation`` and ``constructions``, the
two cores (``MLP``, ``fit``) and their ensembles is called with a small valid
argument set and then with each argument replaced, one at a time, by values of the
wrong kind or out of range (for a count that sizes the work: ``10**12`` too). Each
call runs under a time limit (``signal.alarm``). A call is classified as

* ``ok``: valid input, finite result (and the value checks below pass);
* ``named``: bad input refused with a ``ValueError``/``TypeError`` whose message names
  the argument;
* ``hang``: the time limit was hit;
* ``nan``: valid input gave a NaN/inf result, or a wrong value (value checks);
* ``refused``: valid input raised;
* ``raw``: bad input raised another exception, or a ValueError/TypeError that does
  not name the argument;
* ``accepted``: bad input returned a result.

Run ``python tools/hardening_battery.py`` for the whole battery and its counts
(``--verbose`` lists every call that is not ``ok``/``named``);
``tests/test_hardening_round2.py`` runs it as a test.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable
from fractions import Fraction

import numpy as np

NAN, INF = float("nan"), float("inf")

#: Bad values by kind of argument.
BAD = {
    "size": [0, -3, 2.5, "4", True, None, 10**12],
    "count": [0, -3, 2.5, "4", True, None],
    "count0": [-3, 2.5, "4", True, None],
    "real": [NAN, INF, "x", None, True, 10**400, 1j],
    "pos": [0.0, -1.0, NAN, INF, "x", None, 10**400],
    "nonneg": [-1.0, NAN, INF, "x", None, -(10**400)],
    "prob": [-0.1, 1.5, NAN, "x"],
    "seed": [-1, 1.5, "a", True],
    "flag": [1, "yes", None],
    "callable": [None, 3, "sin"],
    "choice": ["nope", 3, None],
    "model": [None, "net", 3],
}


@dataclasses.dataclass
class Case:
    label: str
    call: Callable[[], object]
    valid: bool
    names: tuple[str, ...] = ()
    check: Callable[[object], bool] | None = None


def _bad_arrays(valid) -> list:
    arr = np.array(valid, dtype=float)
    with_nan = arr.copy()
    with_nan.flat[0] = NAN
    huge = arr.astype(object)
    huge.flat[0] = 10**400
    return [None, "abc", [[1.0], [2.0, 3.0]], with_nan, huge.tolist(), np.empty((0,)),
            arr[None, None]]


def _finite(obj, depth: int = 0) -> bool:
    """No NaN or inf anywhere in a result (numbers, arrays, containers, dataclasses,
    networks' parameters, numpy polynomials)."""
    if depth > 6 or obj is None or isinstance(obj, (str, bytes, bool, Fraction, int)):
        return True
    if isinstance(obj, float):
        return math.isfinite(obj)
    if isinstance(obj, np.ndarray):
        return obj.dtype.kind not in "fc" or bool(np.all(np.isfinite(obj)))
    if isinstance(obj, np.generic):
        return bool(np.all(np.isfinite(obj))) if obj.dtype.kind in "fc" else True
    if isinstance(obj, np.polynomial.polynomial.ABCPolyBase):
        return bool(np.all(np.isfinite(obj.coef)))
    if isinstance(obj, dict):
        return all(_finite(v, depth + 1) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return all(_finite(v, depth + 1) for v in obj[:10_000])
    if hasattr(obj, "get_parameters"):
        try:
            return all(_finite(np.asarray(p), depth + 1) for p in obj.get_parameters())
        except Exception:  # an ensemble's member API differs
            return True
    if dataclasses.is_dataclass(obj):
        return all(_finite(getattr(obj, f.name), depth + 1)
                   for f in dataclasses.fields(obj))
    return True


def _spec(cases: list, label: str, fn: Callable, valid: dict, kinds: dict,
          check: Callable | None = None, extra_bad: dict | None = None) -> None:
    """The valid call, then each argument in ``kinds`` replaced by its bad values."""
    cases.append(Case(f"{label}()", lambda: fn(**valid), True, check=check))
    extra_bad = extra_bad or {}
    for name in list(kinds) + [k for k in extra_bad if k not in kinds]:
        kind = kinds.get(name)
        bads = (_bad_arrays(valid[name]) if kind == "array"
                else list(BAD[kind]) if kind is not None else [])
        bads += extra_bad.get(name, [])
        for value in bads:
            kwargs = dict(valid)
            kwargs[name] = value
            cases.append(Case(f"{label}({name}={value!r:.40})",
                              lambda kw=kwargs: fn(**kw), False, (name,)))


def cases() -> list[Case]:  # noqa: PLR0915 - one flat list of specifications
    from nntheory import (
        approximation as A,
    )
    from nntheory import (
        constructions as C,
    )
    from nntheory import (
        depth as D,
    )
    from nntheory import (
        generalisation as G,
    )
    from nntheory import (
        initialisation as I,  # noqa: E741
    )
    from nntheory import (
        numpy_core as nc,
    )
    from nntheory import (
        optimisation as O,  # noqa: E741
    )
    from nntheory import (
        polynomials as P,
    )
    from nntheory import (
        torch_core as tc,
    )

    out: list[Case] = []
    net = D.sawtooth(3)
    X1 = np.linspace(-1, 1, 7)[:, None]
    y1 = np.sin(X1)

    # ------------------------------------------------------------------ depth
    _spec(out, "depth.folding_net", D.folding_net, {"width": 3, "depth": 2},
          {"width": "size", "depth": "size"})
    _spec(out, "depth.sawtooth", D.sawtooth, {"k": 3, "width": 2},
          {"k": "size", "width": "count"})
    _spec(out, "depth.yarotsky_square", D.yarotsky_square, {"m": 3}, {"m": "size"})
    _spec(out, "depth.yarotsky_error", D.yarotsky_error, {"m": 3}, {"m": "count0"},
          check=lambda v: v == 2.0 ** -8)
    _spec(out, "depth.yarotsky_product", D.yarotsky_product, {"m": 2}, {"m": "size"})
    _spec(out, "depth.count_pieces", D.count_pieces, {"model": net, "a": 0.0, "b": 1.0},
          {"model": "model", "a": "real", "b": "real"}, check=lambda v: v == 8)
    _spec(out, "depth.grid_slope_changes", D.grid_slope_changes,
          {"model": net, "a": 0.0, "b": 1.0, "n": 1001},
          {"model": "model", "a": "real", "n": "size"})
    _spec(out, "depth.pieces_upper_bound", D.pieces_upper_bound, {"width": 3, "depth": 4},
          {"width": "count", "depth": "count"}, check=lambda v: v == 256,
          extra_bad={"depth": [10**9]})
    _spec(out, "depth.sawtooth_l1_bound", D.sawtooth_l1_bound, {"k": 3, "p": 2},
          {"k": "count", "p": "count"}, check=lambda v: v == 6 / 64)
    _spec(out, "depth.relu_spline", D.relu_spline,
          {"knots": [0.0, 0.5, 1.0], "values": [0.0, 1.0, 0.0]},
          {"knots": "array", "values": "array"})
    _spec(out, "depth.random_relu_net", D.random_relu_net,
          {"width": 4, "depth": 2, "seed": 0},
          {"width": "size", "depth": "size", "seed": "seed"})
    _spec(out, "depth.unroll_skip", D.unroll_skip, {"model": net}, {"model": "model"})
    _spec(out, "depth.nonzero_parameters", D.nonzero_parameters, {"model": net},
          {"model": "model"})
    _spec(out, "depth.fit_rates", D.fit_rates,
          {"n": [1.0, 2.0, 4.0], "errors": [1.0, 0.5, 0.25]},
          {"n": "array", "errors": "array"}, check=lambda v: abs(v[0] + 1) < 1e-12,
          extra_bad={"n": [[4.0, 4.0, 4.0]]})
    _spec(out, "depth.train_architecture", D.train_architecture,
          {"sizes": [1, 4, 1], "f": np.sin, "seed": 0, "epochs": 3, "n_train": 16,
           "n_test": 16},
          {"f": "callable", "seed": "seed", "epochs": "count", "n_train": "size",
           "n_test": "size"})
    for p in (10**9, 10**400):
        out.append(Case(f"depth.sawtooth_l1_bound(3, 10**{len(str(p)) - 1})",
                        lambda p=p: D.sawtooth_l1_bound(3, p), True,
                        check=lambda r: r == 0.0))
    out.append(Case("depth.sawtooth_l1_bound(1100, 1)", lambda: D.sawtooth_l1_bound(1100, 1),
                    True, check=lambda r: r == 0.125))
    out.append(Case("depth.yarotsky_error(10**400)", lambda: D.yarotsky_error(10**400), True,
                    check=lambda r: r == 0.0))
    out.append(Case("depth.count_pieces(sawtooth(40))",
                    lambda: D.count_pieces(D.sawtooth(40), 0.0, 1.0), False, ("model",)))

    # ------------------------------------------------------------------ polynomials
    _spec(out, "polynomials.residual_square_coefficients", P.residual_square_coefficients,
          {"weights": [0.5, Fraction(1, 3)]}, {},
          check=lambda c: c[2] == Fraction(1, 4) + Fraction(1, 9))
    for w in ([0.5] * 40, [0.5] * 12, "ab", None, [1, None], [1.0, NAN]):
        out.append(Case(f"polynomials.residual_square_coefficients({w!r:.30})",
                        lambda w=w: P.residual_square_coefficients(w), False, ("weights",)))
    for fn in (P.residual_square_polynomial, P.residual_square_network):
        _spec(out, f"polynomials.{fn.__name__}", fn, {"weights": [0.5, -0.7]}, {})
        for w in ([10**400], "ab", None, [1.0, INF]):
            out.append(Case(f"polynomials.{fn.__name__}({w!r:.30})",
                            lambda w=w, fn=fn: fn(w), False, ("weights",)))
    out.append(Case("polynomials.residual_square_polynomial([0.5] * 40)",
                    lambda: P.residual_square_polynomial([0.5] * 40), False, ("weights",)))
    out.append(Case("polynomials.residual_square_polynomial([1e200])",
                    lambda: P.residual_square_polynomial([1e200]), False, ("weights",)))
    sq = P.residual_square_network([0.9, -0.7])
    _spec(out, "polynomials.mlp_polynomial", P.mlp_polynomial, {"model": sq, "exact": False},
          {"model": "model", "exact": "flag"},
          check=lambda p: p.degree() == 4)
    out.append(Case("polynomials.mlp_polynomial(depth 60)",
                    lambda: P.mlp_polynomial(P.residual_square_network([0.5] * 60)), False,
                    ("model",)))
    out.append(Case("polynomials.mlp_polynomial(depth 9, exact)",
                    lambda: P.mlp_polynomial(P.residual_square_network(
                        list(np.random.default_rng(0).normal(size=9))), exact=True), False,
                    ("model",)))
    _spec(out, "polynomials.horner_square_network", P.horner_square_network,
          {"coefficients": [1.0, -2.0, 0.5]}, {},
          extra_bad={})
    for c in ([1, 10**400], [1.0], [], "ab", None, [1.0, NAN]):
        out.append(Case(f"polynomials.horner_square_network({c!r:.30})",
                        lambda c=c: P.horner_square_network(c), False, ("coefficients",)))
    out.append(Case("polynomials.horner_square_network(core=jax)",
                    lambda: P.horner_square_network([1.0, 2.0], core="jax"), False, ("core",)))
    _spec(out, "polynomials.gram_schmidt_legendre", P.gram_schmidt_legendre, {"degree": 4},
          {"degree": "count0"}, extra_bad={"degree": [10**6]},
          check=lambda b: b[2] == (Fraction(-1, 2), 0, Fraction(3, 2)))
    _spec(out, "polynomials.l2_projection_exact", P.l2_projection_exact,
          {"coefficients": [0, 0, 0, 1], "degree": 1}, {"degree": "count0"},
          extra_bad={"degree": [10**6]}, check=lambda c: c[1] == Fraction(3, 5))
    _spec(out, "polynomials.l2_projection", P.l2_projection,
          {"f": np.sin, "degree": 5, "n_quad": 50},
          {"f": "callable", "degree": "count0", "n_quad": "size"},
          extra_bad={"degree": [10**9]})
    _spec(out, "polynomials.chebyshev_interpolant", P.chebyshev_interpolant,
          {"f": np.abs, "degree": 8}, {"f": "callable", "degree": "count0"},
          extra_bad={"degree": [10**9]})
    _spec(out, "polynomials.taylor_polynomial", P.taylor_polynomial,
          {"coefficient": P.runge_taylor_coefficient, "degree": 6, "exact": False},
          {"coefficient": "callable", "degree": "count0", "exact": "flag"},
          extra_bad={"degree": [500, 10**9]})
    _spec(out, "polynomials.runge_taylor_sup_error", P.runge_taylor_sup_error, {"degree": 4},
          {"degree": "count0"}, extra_bad={"degree": [10**12]},
          check=lambda v: v == Fraction(625 * 25, 26))
    _spec(out, "polynomials.l2_error", P.l2_error, {"f": np.sin, "p": np.cos, "n_quad": 40},
          {"f": "callable", "p": "callable", "n_quad": "size"})
    _spec(out, "polynomials.sup_error", P.sup_error, {"f": np.sin, "p": np.sin, "n_grid": 101},
          {"f": "callable", "p": "callable", "n_grid": "size"}, check=lambda v: v == 0.0)
    _spec(out, "polynomials.geometric_rate", P.geometric_rate,
          {"ns": [1.0, 2.0, 3.0], "errors": [0.5, 0.25, 0.125]},
          {"ns": "array", "errors": "array"}, check=lambda v: abs(v - 2) < 1e-12)

    # ------------------------------------------------------------------ initialisation
    _spec(out, "initialisation.sample_parameters", I.sample_parameters,
          {"init": "he", "sizes": [3, 4, 2], "n_nets": 5, "seed": 0},
          {"init": "choice", "n_nets": "size", "seed": "seed"})
    out.append(Case("initialisation.sample_parameters(10**6 nets)",
                    lambda: I.sample_parameters("he", [1000, 1000], 10**6), False,
                    ("n_nets",)))
    _spec(out, "initialisation.mean_field", I.mean_field,
          {"activation": "relu", "init": "he", "width": 10, "depth": 3, "q0": 1.0},
          {"activation": "choice", "init": "choice", "width": "count", "depth": "count",
           "q0": "pos"}, extra_bad={"q0": [1e308]},
          check=lambda q: np.allclose(q, [1, 2, 2, 2]))
    _spec(out, "initialisation.second_moment", I.second_moment,
          {"activation": "relu", "q": 2.0}, {"activation": "choice", "q": "pos"},
          check=lambda v: abs(v - 1.0) < 1e-9)
    _spec(out, "initialisation.signal_propagation", I.signal_propagation,
          {"activation": "tanh", "init": "xavier", "width": 8, "depth": 3, "n_nets": 4},
          {"activation": "choice", "init": "choice", "width": "size", "depth": "size",
           "n_nets": "size"})
    _spec(out, "initialisation.relu_log_signal_moments", I.relu_log_signal_moments,
          {"width": 20, "depth": 3}, {"width": "size", "depth": "count"})
    Ws, bs = I.sample_parameters("he", [3, 4, 4], 2, seed=0)
    Xd = np.random.default_rng(0).normal(size=(5, 3))
    _spec(out, "initialisation.first_dead_layer", I.first_dead_layer,
          {"weights": Ws, "biases": bs, "X": Xd}, {"X": "array"},
          extra_bad={})
    for w, b in (([], []), ([np.ones((1, 3))], [np.zeros(3)]), ("abc", []), (None, None)):
        out.append(Case(f"initialisation.first_dead_layer({w!r:.30})",
                        lambda w=w, b=b: I.first_dead_layer(w, b, Xd), False, ("weights",)))
    _spec(out, "initialisation.derivative_sup", I.derivative_sup, {"activation": "sigmoid"},
          {"activation": "choice"}, check=lambda v: abs(v - 0.25) < 1e-12)
    _spec(out, "initialisation.activation_minimum", I.activation_minimum,
          {"activation": "silu"}, {"activation": "choice"})
    _spec(out, "initialisation.max_abs_difference", I.max_abs_difference,
          {"first": "relu", "second": "elu", "low": -3.0, "high": 3.0},
          {"first": "choice", "second": "choice", "low": "real", "high": "real"},
          extra_bad={"high": [1e9]})
    p_tanh = nc.MLP([2, 3, 1], "tanh", seed=0).get_parameters()
    _spec(out, "initialisation.tanh_to_sigmoid", I.tanh_to_sigmoid, {"params": p_tanh}, {})
    _spec(out, "initialisation.dead_units", I.dead_units,
          {"params": nc.MLP([3, 4, 1], seed=0).get_parameters(), "X": Xd}, {"X": "array"})

    # ------------------------------------------------------------------ optimisation
    _spec(out, "optimisation.quadratic", O.quadratic, {"eigenvalues": [1.0, 4.0]},
          {"eigenvalues": "array"}, extra_bad={"eigenvalues": [[0.0, 1.0], np.ones(10**5)]})
    _spec(out, "optimisation.gd_rate", O.gd_rate, {"mu": 1.0, "L": 4.0, "lr": 0.25},
          {"mu": "pos", "L": "pos", "lr": "pos"}, check=lambda v: v == 0.75)
    _spec(out, "optimisation.heavy_ball_rate", O.heavy_ball_rate, {"mu": 1.0, "L": 4.0},
          {"mu": "pos", "L": "pos"}, check=lambda v: abs(v - 1 / 3) < 1e-15)
    _spec(out, "optimisation.heavy_ball_spectral_radius", O.heavy_ball_spectral_radius,
          {"eigenvalues": [1.0, 4.0], "lr": 0.1, "momentum": 0.5},
          {"eigenvalues": "array", "lr": "pos", "momentum": "nonneg"})
    _spec(out, "optimisation.rosenbrock", O.rosenbrock, {"x": [1.0, 2.0], "a": 1.0, "b": 100.0},
          {"x": "array", "a": "real", "b": "real"}, check=lambda v: v == 100.0)
    _spec(out, "optimisation.rosenbrock_grad", O.rosenbrock_grad,
          {"x": [1.0, 2.0], "a": 1.0, "b": 100.0}, {"x": "array", "a": "real", "b": "real"},
          check=lambda g: np.array_equal(g, [-400.0, 200.0]))
    _spec(out, "optimisation.reddi_gradient", O.reddi_gradient, {"t": 1, "C": 3.0},
          {"t": "count", "C": "pos"}, check=lambda v: v == 3.0)
    _spec(out, "optimisation.project_interval", O.project_interval, {"low": -1.0, "high": 1.0},
          {"low": "real", "high": "real"})

    def grad(t, x):
        return 2 * x

    _spec(out, "optimisation.run_optimizer", O.run_optimizer,
          {"name": "sgd", "gradient": grad, "x0": [1.0, 2.0], "lr": 0.1, "steps": 3},
          {"name": "choice", "gradient": "callable", "x0": "array", "lr": "pos",
           "steps": "count0"},
          extra_bad={"steps": [10**8, 10**12]},
          check=lambda o: np.allclose(o[-1], np.array([1.0, 2.0]) * 0.8 ** 3))
    out.append(Case("optimisation.run_optimizer(project=scalar)",
                    lambda: O.run_optimizer("sgd", grad, [1.0, 2.0], lr=0.1, steps=2,
                                            project=lambda x: 0.25), False, ("project",)))
    _spec(out, "optimisation.linear_mse_hessian", O.linear_mse_hessian, {"X": [[1.0], [2.0]]},
          {"X": "array"})
    _spec(out, "optimisation.elastic_net_prox", O.elastic_net_prox,
          {"z": [1.0, -0.2], "lam": 0.5, "alpha": 1.0},
          {"z": "array", "lam": "nonneg", "alpha": "prob"},
          check=lambda v: np.allclose(v, [0.5, 0.0]))

    # ------------------------------------------------------------------ generalisation
    Xg = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    _spec(out, "generalisation.halfspace_shatters", G.halfspace_shatters, {"X": Xg},
          {"X": "array"})
    _spec(out, "generalisation.rademacher_linear_exact", G.rademacher_linear_exact,
          {"X": Xg, "B": 1.0}, {"X": "array", "B": "pos"})
    _spec(out, "generalisation.rademacher_linear_mc", G.rademacher_linear_mc,
          {"X": Xg, "B": 1.0, "n_draws": 100, "seed": 0},
          {"X": "array", "B": "pos", "n_draws": "size", "seed": "seed"})
    _spec(out, "generalisation.rademacher_linear_bound", G.rademacher_linear_bound,
          {"X": Xg, "B": 1.0}, {"X": "array", "B": "pos"})
    _spec(out, "generalisation.random_feature_errors", G.random_feature_errors,
          {"n_train": 10, "dim": 3, "n_features": [5, 20], "n_test": 20, "n_val": 10},
          {"n_train": "count", "dim": "count", "n_test": "count", "n_val": "count"},
          extra_bad={"n_features": [[10**9], [0], "x"]})
    _spec(out, "generalisation.ntk_init", G.ntk_init, {"dim": 3, "width": 8, "seed": 0},
          {"dim": "size", "width": "size", "seed": "seed"})
    W0, a0 = G.ntk_init(2, 16, 0)
    _spec(out, "generalisation.empirical_ntk", G.empirical_ntk, {"W": W0, "a": a0, "X": Xg},
          {"W": "array", "a": "array", "X": "array"})
    _spec(out, "generalisation.arccos_ntk", G.arccos_ntk, {"X": [[2.0, 0.0, 1.0]]},
          {"X": "array"}, check=lambda K: abs(K[0, 0] - 5.0) < 4e-15 * 5)
    _spec(out, "generalisation.ntk_train", G.ntk_train,
          {"W": W0, "a": a0, "X": Xg, "y": [0.0, 1.0, 0.5], "lr": 0.1, "steps": 3},
          {"X": "array", "y": "array", "lr": "pos", "steps": "count"})
    pm = nc.MLP([2, 3, 1], seed=0).get_parameters()
    ones = [np.ones_like(p) for p in pm]
    _spec(out, "generalisation.magnitude_masks", G.magnitude_masks,
          {"params": pm, "masks": ones, "fraction": 0.5},
          {"fraction": "prob"},
          extra_bad={"masks": [[np.full_like(p, 0.5) for p in pm], None, ones[:2]]})
    _spec(out, "generalisation.iterative_magnitude_pruning", G.iterative_magnitude_pruning,
          {"sizes": [1, 4, 1], "X": X1, "y": y1, "X_test": X1, "y_test": y1, "rounds": 1,
           "epochs": 2}, {"rounds": "count", "epochs": "count"},
          extra_bad={"fraction": [1.5, -0.1, NAN]})
    _spec(out, "generalisation.hessian", G.hessian,
          {"model": nc.MLP([1, 3, 1], "tanh", seed=0), "X": X1, "y": y1},
          {"model": "model"},
          extra_bad={"model": [nc.MLP([200, 200, 1])]})

    # ------------------------------------------------------------------ approximation
    _spec(out, "approximation.grid", A.grid, {"n": 5}, {"n": "size"},
          check=lambda g: np.allclose(g.ravel(), [-1, -0.5, 0, 0.5, 1]))
    _spec(out, "approximation.train_width", A.train_width,
          {"f": np.sin, "width": 4, "epochs": 2, "n_train": 8},
          {"f": "callable", "width": "size", "epochs": "count", "n_train": "size",
           "core": "choice"})
    _spec(out, "approximation.train_ensemble", A.train_ensemble,
          {"f": np.sin, "width": 4, "seeds": [0, 1], "epochs": 2, "n_train": 8},
          {"f": "callable", "width": "size", "epochs": "count", "n_train": "size"},
          extra_bad={"seeds": [[], "ab", [-1]]})
    _spec(out, "approximation.loglog_slope", A.loglog_slope,
          {"x": [1.0, 2.0, 4.0], "y": [1.0, 0.25, 0.0625]}, {"x": "array", "y": "array"},
          check=lambda v: abs(v + 2) < 1e-12)

    # ------------------------------------------------------------------ constructions
    _spec(out, "constructions.relu_interpolant", C.relu_interpolant,
          {"f": np.sin, "a": -1.0, "b": 1.0, "n_knots": 5},
          {"f": "callable", "a": "real", "b": "real", "n_knots": "size"})
    _spec(out, "constructions.interpolation_bound", C.interpolation_bound,
          {"a": 0.0, "b": 1.0, "n_knots": 3, "second_derivative_sup": 1.0},
          {"a": "real", "b": "real", "n_knots": "count", "second_derivative_sup": "nonneg"})
    _spec(out, "constructions.sigmoid_staircase", C.sigmoid_staircase,
          {"f": np.sin, "a": -1.0, "b": 1.0, "n_steps": 5, "steepness": 50.0},
          {"f": "callable", "n_steps": "size", "steepness": "pos"})
    _spec(out, "constructions.relu_interpolant_2d", C.relu_interpolant_2d,
          {"f": lambda X: X[:, 0] * X[:, 1], "n": 3}, {"f": "callable", "n": "size"})
    _spec(out, "constructions.best_polynomial_error", C.best_polynomial_error,
          {"f": np.abs, "degree": 4, "n_grid": 201},
          {"f": "callable", "degree": "count0", "n_grid": "size"})
    _spec(out, "constructions.sup_error", C.sup_error,
          {"f": np.sin, "g": np.sin, "n_grid": 101},
          {"f": "callable", "g": "callable", "n_grid": "size"}, check=lambda v: v == 0.0)

    # ------------------------------------------------------------------ long loops, big work
    for label, call, name in [
        ("constructions.bump_network_2d(n=10**6)",
         lambda: C.bump_network_2d(lambda X: X[:, 0], 10**6, 10.0), "n"),
        ("generalisation.implicit_bias_limit(10**4 x 10**3)",
         lambda: G.implicit_bias_limit(np.ones((10**4, 10**3)), np.ones(10**4),
                                       np.ones(10**3)), "X"),
        ("generalisation.ntk_train(steps=10**12)",
         lambda: G.ntk_train(W0, a0, Xg, [0.0, 1.0, 0.5], steps=10**12), "steps"),
        ("depth.train_architectures(seeds=range(10**7))",
         lambda: D.train_architectures([1, 4, 1], np.sin, seeds=range(10**7), epochs=1),
         "seeds"),
        ("approximation.train_ensemble(seeds=range(10**7))",
         lambda: A.train_ensemble(np.sin, 4, range(10**7), epochs=1), "seeds"),
        ("approximation.width_sweep(widths=[4] * 10**6)",
         lambda: A.width_sweep(np.sin, [4] * 10**6), "widths"),
        ("polynomials.l2_norm_squared_exact([1] * 10**4)",
         lambda: P.l2_norm_squared_exact([1] * 10**4), "coefficients"),
        ("polynomials.runge_taylor_coefficient(10**12)",
         lambda: P.runge_taylor_coefficient(10**12), "k"),
        ("polynomials.l2_projection_exact([1] * 10**6, 3)",
         lambda: P.l2_projection_exact([1] * 10**6, 3), "coefficients"),
        ("generalisation.bit_extraction_labels(k=10**12)",
         lambda: G.bit_extraction_labels(0.5, 10**12), "k"),
        ("approximation.errors(n=10**11)",
         lambda: A.errors(nc.MLP([1, 3, 1]), np.sin, n=10**11), "n"),
    ]:
        out.append(Case(label, call, False, (name,)))

    # ------------------------------------------------------------------ cores, ensembles
    for core, name in ((nc, "numpy_core"), (tc, "torch_core")):
        _spec(out, f"{name}.MLP", core.MLP, {"sizes": [1, 4, 1], "activation": "relu"},
              {"activation": "choice"},
              extra_bad={"sizes": [[10**5, 10**5], [1] * 200_001, [1, 0, 1], "ab", [1]]})

        def fit(core=core, **kw):
            model = core.MLP([1, 4, 1], seed=0)
            return core.fit(model, X1, y1, **kw)

        _spec(out, f"{name}.fit", fit, {"lr": 0.01, "epochs": 2, "optimizer": "sgd"},
              {"lr": "nonneg", "epochs": "size", "optimizer": "choice"},
              extra_bad={"epochs": [10**9], "batch_size": [0, 2.5, "a"]})
        _spec(out, f"{name}.Ensemble", core.Ensemble, {"sizes": [1, 4, 1], "seeds": [0, 1]},
              {}, extra_bad={"seeds": [range(10**6), [], "ab", [-1], [1.5]]})
        out.append(Case(f"{name}.MLP.predict(10**6 x width 1000)",
                        lambda core=core: core.MLP([1, 1000, 1]).predict(
                            np.zeros((10**6, 1))), False, ("X",)))
        out.append(Case(f"{name}.Ensemble(huge)",
                        lambda core=core: core.Ensemble([1000, 1000, 1000, 1],
                                                        seeds=range(10**6)), False, ("seeds",)))

        def fit_ens(core=core, **kw):
            ens = core.Ensemble([1, 4, 1], seeds=[0, 1])
            return core.fit_ensemble(ens, X1, y1, **kw)

        _spec(out, f"{name}.fit_ensemble", fit_ens,
              {"lr": 0.01, "epochs": 2, "optimizer": "adam"},
              {"lr": "nonneg", "epochs": "size", "optimizer": "choice"},
              extra_bad={"epochs": [10**9]})
    return out


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def classify(case: Case, timeout: int = 20) -> tuple[str, str]:
    """``(outcome, detail)`` of one call (see the module docstring)."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    try:
        result = case.call()
    except _Timeout:
        return "hang", f"> {timeout} s"
    except (ValueError, TypeError) as exc:
        text = str(exc)
        if case.valid:
            return "refused", f"{type(exc).__name__}: {text[:200]}"
        if any(name in text for name in case.names):
            return "named", text[:200]
        return "raw", f"{type(exc).__name__} not naming {case.names}: {text[:200]}"
    except Exception as exc:  # noqa: BLE001 - classifying is the point
        if case.valid:
            return "refused", f"{type(exc).__name__}: {str(exc)[:200]}"
        return "raw", f"{type(exc).__name__}: {str(exc)[:200]}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    if not case.valid:
        return "accepted", repr(result)[:120]
    if not _finite(result):
        return "nan", repr(result)[:120]
    if case.check is not None and not case.check(result):
        return "nan", f"wrong value: {repr(result)[:120]}"
    return "ok", ""


def run(selected: list[Case] | None = None, timeout: int = 20, verbose: bool = False
        ) -> Counter:
    counts: Counter = Counter()
    for case in selected if selected is not None else cases():
        outcome, detail = classify(case, timeout)
        counts[outcome] += 1
        if verbose and outcome not in ("ok", "named"):
            print(f"{outcome:9s} {case.label}: {detail}")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=int, default=20, help="seconds per call")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    t0 = time.perf_counter()
    all_cases = cases()
    counts = run(all_cases, args.timeout, args.verbose)
    total = sum(counts.values())
    bad = counts["raw"] + counts["accepted"]
    print(f"{total} calls in {time.perf_counter() - t0:.1f} s: " +
          ", ".join(f"{k} {counts[k]}" for k in
                    ("ok", "named", "hang", "nan", "refused", "raw", "accepted")))
    print(f"raw + accepted = {bad} ({100 * bad / total:.1f} %)")
    sys.exit(0 if counts["hang"] + counts["nan"] + counts["refused"] == 0
             and bad <= 0.03 * total else 1)


if __name__ == "__main__":
    main()
