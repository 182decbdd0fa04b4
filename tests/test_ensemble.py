"""Ensembles: K networks trained at once equal K separate fits, in both cores.

Tolerance. Member ``i`` of ``fit_ensemble`` evaluates the same float64 expressions
as a separate ``fit`` of ``MLP(..., seed=seeds[i])`` with ``seed=fit_seeds[i]``,
except that some sums are taken in another order (a batched ``einsum`` instead of
``vdot`` for the MSE value, batched products in torch, and on the fast path for
one hidden layer the hidden gradient's products and sums), so the two differ by a
few ulps per operation. Over the 3-30 steps of these tests, on networks of up to
100 units (the reference problem), that stays below 1e-13 relative (measured: at
most 4e-15); we allow 1e-10, relative to the largest loss / parameter entry. A
real mistake (a member seeing another member's batch, a shared optimiser state,
a missing skip term, a wrong factor in the fast path) changes the curves at order
1e-3 or more.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import torch
from conftest import make_problem, rel

from nntheory import common
from nntheory import numpy_core as nc
from nntheory import torch_core as tc

RTOL = 1e-10
CORES = [pytest.param(nc, id="numpy"), pytest.param(tc, id="torch")]
KW = {nc: {}, tc: {"device": "cpu"}}

OPTIMIZERS = [
    ("sgd", 0.05, {}),
    ("sgd", 0.05, {"momentum": 0.9, "nesterov": True, "weight_decay": 1e-2}),
    ("sgd", 0.05, {"momentum": 0.5, "dampening": 0.3}),
    ("adagrad", 0.05, {"lr_decay": 0.01, "initial_accumulator_value": 0.1}),
    ("rmsprop", 0.01, {"momentum": 0.5, "centered": True, "weight_decay": 1e-3}),
    ("adam", 0.01, {"amsgrad": True, "weight_decay": 1e-3}),
    ("adam", 0.01, {}),
    ("adamw", 0.01, {"weight_decay": 0.1}),
]


def separate(core, sizes, activation, skip, seeds, fit_seeds, X, y, **fit_kw):
    """Each member trained alone: (histories, final parameters, errors raised)."""
    out = []
    for s, fs in zip(seeds, fit_seeds, strict=True):
        model = core.MLP(sizes, activation, skip=skip, seed=s, **KW[core])
        try:
            h, err = core.fit(model, X, y, seed=fs, **fit_kw), None
        except common.DivergenceError as exc:
            h, err = exc.history, exc
        out.append((h, model.get_parameters(), err))
    return out


def assert_equal_runs(core, sizes, activation, skip, X, y, seeds=(3, 4, 5),
                      fit_seeds=(7, 8, 9), **fit_kw):
    ens = core.Ensemble(sizes, activation, skip=skip, seeds=seeds, **KW[core])
    hists = core.fit_ensemble(ens, X, y, seeds=fit_seeds, **fit_kw)
    assert len(hists) == len(seeds)
    for i, (h, params, err) in enumerate(
            separate(core, sizes, activation, skip, seeds, fit_seeds, X, y, **fit_kw)):
        assert len(hists[i].loss) == len(h.loss)
        assert rel(hists[i].loss, h.loss) <= RTOL
        scale = max(float(np.max(np.abs(p))) for p in params)
        for a, b in zip(ens.get_parameters(i), params, strict=True):
            assert float(np.max(np.abs(a - b))) <= RTOL * scale
        assert (hists[i].diverged is None) == (err is None)
    return ens, hists


# ----------------------------------------------------------------------------- start

@pytest.mark.parametrize("core", CORES)
@pytest.mark.parametrize("init", common.INITS)
def test_members_start_as_mlps_and_forward_matches(core, init):
    sizes, seeds = [2, 5, 5, 3], [0, 11, 0, 7]
    ens = core.Ensemble(sizes, "tanh", skip=True, init=init, seeds=seeds, **KW[core])
    assert ens.n_models == 4
    X = np.random.default_rng(1).normal(size=(9, 2))
    out = ens.predict(X)
    assert out.shape == (4, 9, 3)
    fwd = ens.forward(X)
    assert tuple(fwd.shape) == (4, 9, 3)
    for i, s in enumerate(seeds):
        mlp = core.MLP(sizes, "tanh", skip=True, init=init, seed=s, **KW[core])
        for a, b in zip(ens.get_parameters(i), mlp.get_parameters(), strict=True):
            np.testing.assert_array_equal(a, b)
        assert rel(out[i], mlp.predict(X)) <= 1e-13
    np.testing.assert_array_equal(out[0], out[2])  # same seed, same member


@pytest.mark.parametrize("core", CORES)
def test_member_is_an_independent_copy_and_set_parameters(core):
    ens = core.Ensemble([1, 4, 1], seeds=[1, 2], **KW[core])
    m = ens.member(1)
    assert isinstance(m, core.MLP)
    before = ens.get_parameters(1)
    m.set_parameters([p + 1.0 for p in m.get_parameters()])
    for a, b in zip(ens.get_parameters(1), before, strict=True):
        np.testing.assert_array_equal(a, b)
    new = [p * 2.0 for p in before]
    ens.set_parameters(1, new)
    for a, b in zip(ens.get_parameters(1), new, strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(ens.get_parameters(0), core.MLP([1, 4, 1], seed=1).get_parameters(),
                    strict=True):
        np.testing.assert_array_equal(a, b)  # the other member untouched


# ----------------------------------------------------------------------------- equality

@pytest.mark.parametrize("core", CORES)
@pytest.mark.parametrize("batch_size", [None, 4], ids=["full", "mini"])
@pytest.mark.parametrize("optimizer,lr,options", OPTIMIZERS,
                         ids=[f"{o}{i}" for i, (o, _, _) in enumerate(OPTIMIZERS)])
def test_every_optimizer_equals_separate_fits(core, batch_size, optimizer, lr, options):
    X, y = make_problem("mse", [2, 1], n=11)
    assert_equal_runs(core, [2, 5, 5, 1], "tanh", True, X, y, loss="mse",
                      optimizer=optimizer, lr=lr, epochs=12 if batch_size is None else 4,
                      batch_size=batch_size, **options)


@pytest.mark.parametrize("core", CORES)
@pytest.mark.parametrize("activation", common.ACTIVATIONS)
def test_every_activation_equals_separate_fits(core, activation):
    X, y = make_problem("mse", [2, 1], n=10)
    assert_equal_runs(core, [2, 4, 4, 1], activation, activation != "square", X, y,
                      loss="mse", optimizer="adam", lr=0.01, epochs=3, batch_size=4)


@pytest.mark.parametrize("core", CORES)
@pytest.mark.parametrize("loss", common.LOSSES)
@pytest.mark.parametrize("skip", [False, True])
@pytest.mark.parametrize("batch_size", [None, 3], ids=["full", "mini"])
def test_every_loss_equals_separate_fits(core, loss, skip, batch_size):
    n_out = 3 if loss == "cross_entropy" else 2
    sizes = [3, 4, 4, n_out]
    X, y = make_problem(loss, sizes, n=10)
    assert_equal_runs(core, sizes, "relu", skip, X, y, loss=loss, optimizer="sgd",
                      lr=0.1, momentum=0.9, epochs=12 if batch_size is None else 3,
                      batch_size=batch_size)


# One hidden layer and one output (the book's 1 -> w -> 1 and 2 -> w -> 1 problems)
# take the ensembles' fast path (`_shallow_pass` in both cores): the same
# gradients from fewer passes over the (n, w) arrays, with the rounded products in
# another order. The equality tests above use deeper networks or several outputs,
# so they run the layer-by-layer path; these run the fast one.

@pytest.mark.parametrize("core", CORES)
@pytest.mark.parametrize("batch_size", [None, 4], ids=["full", "mini"])
@pytest.mark.parametrize("optimizer,lr,options", OPTIMIZERS,
                         ids=[f"{o}-{i}" for i, (o, _, _) in enumerate(OPTIMIZERS)])
def test_one_hidden_layer_every_optimizer_equals_separate_fits(core, batch_size, optimizer,
                                                               lr, options):
    X, y = make_problem("mse", [1, 1], n=11)
    assert_equal_runs(core, [1, 7, 1], "relu", False, X, y, loss="mse",
                      optimizer=optimizer, lr=lr, epochs=12 if batch_size is None else 4,
                      batch_size=batch_size, **options)


@pytest.mark.parametrize("core", CORES)
@pytest.mark.parametrize("activation", common.ACTIVATIONS)
@pytest.mark.parametrize("loss", ["mse", "bce", "hinge"])
def test_one_hidden_layer_every_activation_and_loss_equals_separate_fits(core, activation,
                                                                         loss):
    X, y = make_problem(loss, [3, 1], n=10)
    assert_equal_runs(core, [3, 5, 1], activation, False, X, y, loss=loss,
                      optimizer="adam", lr=0.01, epochs=3, batch_size=4)


@pytest.mark.parametrize("core", CORES)
def test_reference_problem_members_equal_separate_fits(core):
    # the bench's reference problem itself: 1 -> 100 -> 1 ReLU, 1000 points
    X = np.random.default_rng(0).uniform(-1.0, 1.0, size=(1000, 1))
    assert_equal_runs(core, [1, 100, 1], "relu", False, X, np.sin(np.pi * X),
                      seeds=(0, 1, 2), fit_seeds=(0, 0, 0), loss="mse",
                      optimizer="adam", lr=0.01, epochs=30)


def _fast_pass_gradients(core, ens, X, y):
    """The gradients of every member from the ensemble's fast path (MSE)."""
    Xa = np.concatenate([X, np.ones((len(X), 1))], axis=1)
    if core is nc:
        module = importlib.import_module("nntheory._ensemble_numpy")
        ws = module._ShallowWorkspace(ens.n_models, ens.sizes, len(X), True)
        grads = [np.empty_like(p) for p in ens.parameters()]
        module._shallow_pass(ens, Xa, y, "mse", ws, ens.parameters(), grads)
        return grads
    module = importlib.import_module("nntheory._ensemble_torch")
    Xt = torch.as_tensor(Xa)
    ws = module._ShallowWorkspace(ens.n_models, ens.sizes, len(X), Xt)
    grads = [torch.empty_like(p) for p in ens.parameters()]
    with torch.no_grad():
        module._shallow_pass(ens, Xt, torch.as_tensor(y), "mse", ws,
                             [p.detach() for p in ens.parameters()], grads)
    return [g.numpy() for g in grads]


@pytest.mark.parametrize("core", CORES)
@pytest.mark.parametrize("activation", common.ACTIVATIONS)
def test_fast_pass_gradients_within_the_rounding_bound(core, activation):
    # Both the fast path and the layer-by-layer pass of `loss_and_gradients` compute
    # dL/dW1[i, j] = sum_n X[n, i] g[n] W2[j] s'(Z[n, j]) (g = dL/d out) from the
    # same factors, in another order: each is within gamma_(n+3) T of the exact sum,
    # T = sum_n |X[n, i] g[n] W2[j] s'(Z[n, j])| (three rounded products per term,
    # n - 1 rounded additions, one product by W2 after the sum in the fast path),
    # so they differ by at most 2 gamma_(n+3) T. A wrong factor or index fails it
    # by far. Inputs include 0 with zero biases, so Z hits the kink exactly. The bound
    # takes Z and the outputs to be the same in both paths: they are, bitwise, because
    # the biases are 0 at this initialisation (xavier), so only the gradient sums differ.
    n, sizes = 13, [2, 9, 1]
    rng = np.random.default_rng(5)
    X = rng.normal(size=(n, 2))
    X[3] = 0.0
    y = rng.normal(size=(n, 1))
    ens = core.Ensemble(sizes, activation, init="xavier", seeds=[0, 1, 2], **KW[core])
    got = _fast_pass_gradients(core, ens, X, y)
    u = 2.0 ** -53
    gamma = (n + 3) * u / (1 - (n + 3) * u)
    for i in range(3):
        member = ens.member(i)
        _, ref = core.loss_and_gradients(member, X, y, "mse")
        W1, b1, W2, b2 = ens.get_parameters(i)
        Z = X @ W1 + b1
        g = 2.0 * (member.predict(X) - y) / n
        dsigma = np.abs(nc.activation_derivative(activation, Z))
        Xa = np.concatenate([X, np.ones((n, 1))], axis=1)
        T = (np.abs(Xa * g).T @ dsigma) * np.abs(W2[:, 0])   # (3, 9): W1 rows and b1
        assert np.all(np.abs(got[0][i] - ref[0]) <= 2 * gamma * T[:2])
        assert np.all(np.abs(got[1][i] - ref[1]) <= 2 * gamma * T[2])
        # the bound is tight: far below the gradients themselves, so a wrong result fails
        assert np.max(2 * gamma * T[:2]) <= 1e-13 * np.max(np.abs(ref[0]))
        # the output layer is computed as in the layer-by-layer pass
        assert rel(got[2][i], ref[2]) <= 1e-14 and rel(got[3][i], ref[3]) <= 1e-14


@pytest.mark.parametrize("sizes,skip", [([2, 6, 6, 1], True), ([2, 6, 1], False)],
                         ids=["deep", "one-hidden"])
def test_numpy_ensemble_equals_torch_ensemble(sizes, skip):
    X, y = make_problem("bce", [2, 1], n=12)
    runs = []
    for core in (nc, tc):
        ens = core.Ensemble(sizes, "gelu", skip=skip, seeds=[0, 1, 2, 3], **KW[core])
        hists = core.fit_ensemble(ens, X, y, loss="bce", optimizer="rmsprop", lr=0.01,
                                  epochs=6, batch_size=5, seeds=[4, 5, 6, 7])
        runs.append((hists, [ens.get_parameters(i) for i in range(4)]))
    (hn, pn), (ht, pt) = runs
    for i in range(4):
        assert rel(hn[i].loss, ht[i].loss) <= RTOL
        for a, b in zip(pn[i], pt[i], strict=True):
            assert rel(a, b) <= RTOL


@pytest.mark.parametrize("core", CORES)
def test_seeds_none_is_full_batch_deterministic_and_single_member(core):
    X, y = make_problem("mse", [1, 1], n=8)
    ens = core.Ensemble([1, 3, 1], seeds=[5], **KW[core])
    (h,) = core.fit_ensemble(ens, X, y, lr=0.05, epochs=5)
    m = core.MLP([1, 3, 1], seed=5, **KW[core])
    assert rel(h.loss, core.fit(m, X, y, lr=0.05, epochs=5).loss) <= RTOL
    assert h.optimizer == "sgd" and h.lr == 0.05 and h.batch_size is None


# ----------------------------------------------------------------------------- divergence

@pytest.mark.parametrize("core", CORES)
@pytest.mark.parametrize("batch_size", [None, 5], ids=["full", "mini"])
def test_a_diverging_member_is_frozen_and_reported_alone(core, batch_size):
    # member 1 starts from weights scaled by 10: at lr 0.1 its loss runs away (to the
    # limit 1e10 x first loss, or to inf/NaN), the others train normally
    X, y = make_problem("mse", [2, 1], n=10)
    sizes, seeds, fit_seeds = [2, 6, 1], (0, 1, 2), (3, 4, 5)
    ens = core.Ensemble(sizes, seeds=seeds, **KW[core])
    big = [10.0 * p for p in ens.get_parameters(1)]
    ens.set_parameters(1, big)
    kw = dict(loss="mse", optimizer="sgd", lr=0.1, epochs=40, batch_size=batch_size)
    hists = core.fit_ensemble(ens, X, y, seeds=fit_seeds, **kw)
    for i, s in enumerate(seeds):
        model = core.MLP(sizes, seed=s, **KW[core])
        if i == 1:
            model.set_parameters(big)
            with pytest.raises(common.DivergenceError) as info:
                core.fit(model, X, y, seed=fit_seeds[i], **kw)
            err, got = info.value, hists[i].diverged
            assert isinstance(got, common.DivergenceError)
            assert (got.epoch, got.step) == (err.epoch, err.step)
            assert got.history is hists[i]
            assert str(got) .split(":")[0] == str(err).split(":")[0]
            assert rel(hists[i].loss, err.history.loss) <= RTOL
            assert len(hists[i].loss) == err.epoch < kw["epochs"]
        else:
            h = core.fit(model, X, y, seed=fit_seeds[i], **kw)
            assert hists[i].diverged is None
            assert rel(hists[i].loss, h.loss) <= RTOL
            assert len(hists[i].loss) == kw["epochs"]
        for a, b in zip(ens.get_parameters(i), model.get_parameters(), strict=True):
            assert np.all(np.isfinite(a))
            assert float(np.max(np.abs(a - b))) <= RTOL * max(1.0, float(np.max(np.abs(b))))


@pytest.mark.parametrize("core", CORES)
def test_all_members_diverging_stops_early(core):
    X, y = make_problem("mse", [2, 1], n=10)
    ens = core.Ensemble([2, 6, 1], seeds=[0, 1], **KW[core])
    for i in range(2):
        ens.set_parameters(i, [30.0 * p for p in ens.get_parameters(i)])
    hists = core.fit_ensemble(ens, X, y, lr=0.5, epochs=1000)
    assert all(h.diverged is not None and len(h.loss) < 1000 for h in hists)
    assert all(np.all(np.isfinite(p)) for i in range(2) for p in ens.get_parameters(i))


# ----------------------------------------------------------------------------- bad input

BAD_ENSEMBLES = [
    (dict(seeds=None), TypeError, "seeds"),
    (dict(seeds=[]), ValueError, "seeds"),
    (dict(seeds=3), TypeError, "seeds"),
    (dict(seeds="01"), TypeError, "seeds"),
    (dict(seeds=[0, -1]), ValueError, r"seeds\[1\]"),
    (dict(seeds=[0, None]), TypeError, r"seeds\[1\]"),
    (dict(seeds=[0, 1.5]), TypeError, r"seeds\[1\]"),
    (dict(seeds=[0], dropout=0.5), ValueError, "dropout"),
    (dict(seeds=[0], dropout=1.5), ValueError, "dropout"),
    (dict(seeds=[0], skip=1), TypeError, "skip"),
    (dict(seeds=[0], init="bad"), ValueError, "init"),
    (dict(seeds=[0], activation="bad"), ValueError, "activation"),
    (dict(seeds=[0], sizes=[1]), ValueError, "sizes"),
]


@pytest.mark.parametrize("core", CORES)
@pytest.mark.parametrize("kwargs,exc,match", BAD_ENSEMBLES)
def test_bad_ensembles_are_named_errors(core, kwargs, exc, match):
    kwargs = {"sizes": [1, 3, 1], **kwargs}
    with pytest.raises(exc, match=match):
        core.Ensemble(**kwargs)


def _fit_call(core, **override):
    ens = core.Ensemble([1, 3, 1], seeds=[0, 1], **KW[core])
    X, y = np.linspace(-1, 1, 6), np.zeros(6)
    kw = dict(lr=0.1, epochs=2)
    kw.update(override)
    X = kw.pop("X", X)
    ens = kw.pop("ensemble", ens)
    return core.fit_ensemble(ens, X, y, **kw)


BAD_FITS = [
    (dict(ensemble="nope"), TypeError, "ensemble"),
    (dict(seeds=[0]), ValueError, "seeds"),
    (dict(seeds=[0, -2]), ValueError, r"seeds\[1\]"),
    (dict(seeds=5), TypeError, "seeds"),
    (dict(lr=-1.0), ValueError, "lr"),
    (dict(epochs=0), ValueError, "epochs"),
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(loss="nope"), ValueError, "loss"),
    (dict(optimizer="nope"), ValueError, "optimizer"),
    (dict(momentum=0.9, optimizer="adam"), TypeError, "momentum"),
    (dict(X=np.full(6, np.nan)), ValueError, "X"),
    (dict(X=np.zeros((6, 2))), ValueError, "X"),
    (dict(progress="yes"), TypeError, "progress"),
]


@pytest.mark.parametrize("core", CORES)
@pytest.mark.parametrize("override,exc,match", BAD_FITS)
def test_bad_fit_ensemble_arguments_are_named_errors(core, override, exc, match):
    with pytest.raises(exc, match=match):
        _fit_call(core, **override)


@pytest.mark.parametrize("core", CORES)
def test_bad_member_indices_and_parameters(core):
    ens = core.Ensemble([1, 3, 1], seeds=[0, 1], **KW[core])
    for bad, exc in ((2, ValueError), (-1, ValueError), (1.0, TypeError), ("0", TypeError)):
        with pytest.raises(exc, match="i"):
            ens.get_parameters(bad)
        with pytest.raises(exc, match="i"):
            ens.member(bad)
    with pytest.raises(ValueError, match="params"):
        ens.set_parameters(0, [np.zeros((1, 3))])
    with pytest.raises(ValueError, match="NaN"):
        ens.set_parameters(0, [np.full((1, 3), np.nan), np.zeros(3), np.zeros((3, 1)),
                               np.zeros(1)])
    with pytest.raises(ValueError, match="X"):
        ens.forward(np.zeros((4, 2)))


def test_same_messages_in_both_cores():
    for kwargs, _, _ in BAD_ENSEMBLES:
        kwargs = {"sizes": [1, 3, 1], **kwargs}
        msgs = []
        for core in (nc, tc):
            with pytest.raises((TypeError, ValueError)) as info:
                core.Ensemble(**kwargs)
            msgs.append((type(info.value), str(info.value)))
        assert msgs[0] == msgs[1]
    for override, _, _ in BAD_FITS:
        msgs = []
        for core in (nc, tc):
            with pytest.raises((TypeError, ValueError)) as info:
                _fit_call(core, **override)
            msgs.append((type(info.value), str(info.value).replace("torch_core", "CORE")
                         .replace("numpy_core", "CORE")))
        assert msgs[0] == msgs[1]


def test_torch_ensemble_dtype_and_device_checked():
    with pytest.raises(TypeError, match="dtype"):
        tc.Ensemble([1, 2, 1], seeds=[0], dtype=torch.int64)
    with pytest.raises(ValueError, match="device"):
        tc.Ensemble([1, 2, 1], seeds=[0], device="nonsense")


# ----------------------------------------------------------------------------- chunks

@pytest.mark.parametrize("core,threads", [pytest.param(nc, 1, id="numpy-1"),
                                          pytest.param(nc, 2, id="numpy-2"),
                                          pytest.param(tc, 1, id="torch")])
@pytest.mark.parametrize("sizes,skip", [([2, 6, 6, 1], True), ([2, 6, 1], False)],
                         ids=["deep", "one-hidden"])
@pytest.mark.parametrize("batch_size", [None, 4], ids=["full", "mini"])
def test_chunks_and_threads_do_not_change_the_result(monkeypatch, core, sizes, skip,
                                                     threads, batch_size):
    # a tiny chunk budget splits 5 members into chunks of one (the reference
    # problem's case); with 2 threads the NumPy core runs chunks concurrently (two
    # CPUs are granted even on a one-CPU runner, so the threads really run; the torch
    # core leaves threads to torch's own kernels). Each chunk writes only its own
    # members' slices, so the numbers are bitwise those of one chunk.
    module = importlib.import_module(
        "nntheory._ensemble_numpy" if core is nc else "nntheory._ensemble_torch")
    monkeypatch.setattr(common.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    X, y = make_problem("mse", [2, 1], n=12)
    kw = dict(loss="mse", optimizer="adam", lr=0.01, epochs=5, batch_size=batch_size,
              seeds=range(5))
    whole = core.Ensemble(sizes, "tanh", skip=skip, seeds=range(5), **KW[core])
    h_whole = core.fit_ensemble(whole, X, y, **kw)
    monkeypatch.setattr(module, "_CHUNK_BYTES", 1)
    if core is tc:
        monkeypatch.setattr(module, "_SHALLOW_CHUNK_BYTES", 1)
    monkeypatch.setattr(common, "ENSEMBLE_THREADS", threads)
    split = core.Ensemble(sizes, "tanh", skip=skip, seeds=range(5), **KW[core])
    h_split = core.fit_ensemble(split, X, y, **kw)
    for i in range(5):
        assert h_split[i].loss == h_whole[i].loss
        for a, b in zip(split.get_parameters(i), whole.get_parameters(i), strict=True):
            np.testing.assert_array_equal(a, b)


def test_ensemble_threads_share_the_chunks_and_are_joined(monkeypatch):
    monkeypatch.setattr(common.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    with common.ensemble_threads(7) as (pool, shares):
        assert pool is not None and pool._max_workers == 2
        assert shares == [range(0, 3), range(3, 7)]   # contiguous, covering, disjoint
        assert sorted(pool.map(lambda r: len(r), shares)) == [3, 4]
    assert pool._shutdown                               # joined at the end of the fit
    with common.ensemble_threads(1) as (pool, shares):  # one chunk: no threads
        assert pool is None and shares == [range(1)]
    monkeypatch.setattr(common.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    with common.ensemble_threads(7) as (pool, shares):  # one CPU: no threads
        assert pool is None and shares == [range(7)]


def test_numpy_ensemble_copies_train_like_the_original():
    # the parameters are views of one flat buffer that the optimiser updates; a copy
    # (deepcopy, pickle) must keep them views of its own buffer, or it would not train
    import copy
    import pickle

    X, y = make_problem("mse", [1, 1], n=9)
    ens = nc.Ensemble([1, 4, 1], seeds=[0, 1])
    for twin in (copy.deepcopy(ens), pickle.loads(pickle.dumps(ens))):
        before = [twin.get_parameters(i) for i in range(2)]
        h_twin = nc.fit_ensemble(twin, X, y, lr=0.05, epochs=5)
        fresh = nc.Ensemble([1, 4, 1], seeds=[0, 1])
        h_fresh = nc.fit_ensemble(fresh, X, y, lr=0.05, epochs=5)
        for i in range(2):
            assert h_twin[i].loss == h_fresh[i].loss and h_twin[i].loss[0] > h_twin[i].loss[-1]
            moved = [a - b for a, b in zip(twin.get_parameters(i), before[i], strict=True)]
            assert max(float(np.max(np.abs(d))) for d in moved) > 1e-3
            for a, b in zip(twin.get_parameters(i), fresh.get_parameters(i), strict=True):
                np.testing.assert_array_equal(a, b)
    for a, b in zip(ens.get_parameters(0), nc.MLP([1, 4, 1], seed=0).get_parameters(),
                    strict=True):
        np.testing.assert_array_equal(a, b)   # the original did not move


def test_torch_thread_setting_is_restored():
    before = torch.get_num_threads()
    X, y = make_problem("mse", [1, 1], n=8)
    ens = tc.Ensemble([1, 3, 1], seeds=[0, 1], device="cpu")
    tc.fit_ensemble(ens, X, y, lr=0.05, epochs=2)
    assert torch.get_num_threads() == before


def test_numpy_divergence_in_chunks_matches_one_chunk(monkeypatch):
    from nntheory import _ensemble_numpy

    X, y = make_problem("mse", [2, 1], n=10)

    def run():
        ens = nc.Ensemble([2, 6, 1], seeds=(0, 1, 2))
        ens.set_parameters(1, [10.0 * p for p in ens.get_parameters(1)])
        hists = nc.fit_ensemble(ens, X, y, lr=0.1, epochs=20, batch_size=5,
                                seeds=(3, 4, 5))
        return hists, [ens.get_parameters(i) for i in range(3)]

    h1, p1 = run()
    monkeypatch.setattr(_ensemble_numpy, "_CHUNK_BYTES", 1)
    h2, p2 = run()
    assert [h.diverged is not None for h in h2] == [False, True, False]
    for i in range(3):
        assert h1[i].loss == h2[i].loss
        for a, b in zip(p1[i], p2[i], strict=True):
            np.testing.assert_array_equal(a, b)
