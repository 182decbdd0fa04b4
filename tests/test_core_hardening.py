"""The two cores fail alike, diverge alike, and compute BCE and activations exactly.

* Every bad input in ``BAD_CALLS`` is tried in both cores: each must raise a
  ``TypeError``/``ValueError`` of the same type with the same message (up to the
  core's own name) that names the offending argument.
* Divergence is checked by state: both cores stop at the same step and hold the
  same (finite) parameters, those of the last accepted loss.
* The BCE value is compared with an exact reference computed in 80-digit decimal
  arithmetic straight from the definition ``log(1 + e^z) - y z``.
"""

from __future__ import annotations

import re
import warnings
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal

import numpy as np
import pytest
import torch

from nntheory import common
from nntheory import numpy_core as nc
from nntheory import torch_core as tc

CORES = [nc, tc]
IDS = ["numpy", "torch"]


def make(core, *args, **kw):
    if core is tc:
        kw.setdefault("device", "cpu")
    return core.MLP(*args, **kw)


X4 = np.linspace(-1.0, 1.0, 8).reshape(4, 2)
Y4 = np.array([[0.5], [-0.2], [0.1], [0.3]])


def _fit(**kw):
    def call(core):
        model = make(core, [2, 3, 1], seed=0)
        options = dict(kw)
        X = options.pop("X", X4)
        y = options.pop("y", Y4)
        return core.fit(model, X, y, **options)
    return call


def _mlp(*args, **kw):
    return lambda core: make(core, *args, **kw)


def _lag(X=X4, y=Y4, loss="mse", sizes=(2, 3, 1)):
    return lambda core: core.loss_and_gradients(make(core, list(sizes), seed=0), X, y, loss)


def _value(X=X4, y=Y4, loss="mse"):
    return lambda core: core.loss_value(make(core, [2, 3, 1], seed=0), X, y, loss)


def _predict(X):
    return lambda core: make(core, [2, 3, 1], seed=0).predict(X)


def _opt(name, **kw):
    return lambda core: getattr(core, name)(make(core, [2, 3, 1], seed=0), **kw)


def _act(name, z):
    return lambda core: core.activation(name, z)


def _dact(name, z):
    return lambda core: core.activation_derivative(name, z)


def _set(params):
    return lambda core: make(core, [2, 3, 1], seed=0).set_parameters(params)


def _train_mode(mode):
    return lambda core: make(core, [2, 3, 1], seed=0).train(mode)


GOOD = [np.zeros((2, 3)), np.zeros(3), np.zeros((3, 1)), np.zeros(1)]

# (id, call, argument named in the message)
BAD_CALLS = [
    # --- the model
    ("sizes-short", _mlp([3]), "sizes"),
    ("sizes-empty", _mlp([]), "sizes"),
    ("sizes-int", _mlp(3), "sizes"),
    ("sizes-str", _mlp("12"), "sizes"),
    ("sizes-None", _mlp(None), "sizes"),
    ("sizes-zero", _mlp([2, 0, 1]), "sizes[1]"),
    ("sizes-negative", _mlp([2, -3, 1]), "sizes[1]"),
    ("sizes-float", _mlp([2, 2.5, 1]), "sizes[1]"),
    ("sizes-bool", _mlp([2, True, 1]), "sizes[1]"),
    ("sizes-float-array", _mlp(np.array([2.0, 3.0, 1.0])), "sizes[0]"),
    ("activation-unknown", _mlp([2, 3, 1], "relu6"), "activation"),
    ("activation-None", _mlp([2, 3, 1], None), "activation"),
    ("activation-int", _mlp([2, 3, 1], 3), "activation"),
    ("init-unknown", _mlp([2, 3, 1], init="kaiming"), "init"),
    ("init-None", _mlp([2, 3, 1], init=None), "init"),
    ("skip-str", _mlp([2, 3, 1], skip="yes"), "skip"),
    ("skip-int", _mlp([2, 3, 1], skip=1), "skip"),
    ("seed-negative", _mlp([2, 3, 1], seed=-1), "seed"),
    ("seed-float", _mlp([2, 3, 1], seed=1.5), "seed"),
    ("seed-str", _mlp([2, 3, 1], seed="abc"), "seed"),
    ("seed-list", _mlp([2, 3, 1], seed=[1, 2]), "seed"),
    ("dropout-one", _mlp([2, 3, 1], dropout=1.0), "dropout"),
    ("dropout-negative", _mlp([2, 3, 1], dropout=-0.1), "dropout"),
    ("dropout-nan", _mlp([2, 3, 1], dropout=float("nan")), "dropout"),
    ("dropout-str", _mlp([2, 3, 1], dropout="0.5"), "dropout"),
    ("train-mode-str", _train_mode("yes"), "mode"),
    # --- fit: names, data, scalars
    ("fit-loss-unknown", _fit(loss="l1"), "loss"),
    ("fit-loss-None", _fit(loss=None), "loss"),
    ("fit-optimizer-unknown", _fit(optimizer="lbfgs"), "optimizer"),
    ("fit-optimizer-int", _fit(optimizer=1), "optimizer"),
    ("fit-X-shape", _fit(X=np.zeros((4, 3))), "X"),
    ("fit-X-nan", _fit(X=np.full((4, 2), np.nan)), "X"),
    ("fit-X-inf", _fit(X=np.full((4, 2), np.inf)), "X"),
    ("fit-X-str", _fit(X="abc"), "X"),
    ("fit-X-None", _fit(X=None), "X"),
    ("fit-X-empty", _fit(X=np.zeros((0, 2))), "X"),
    ("fit-X-ragged", _fit(X=[[1.0, 2.0], [3.0]]), "X"),
    ("fit-y-shape", _fit(y=np.zeros((5, 1))), "y"),
    ("fit-y-nan", _fit(y=np.full((4, 1), np.nan)), "y"),
    ("fit-y-None", _fit(y=None), "y"),
    ("fit-y-bce-range", _fit(y=Y4 + 2, loss="bce"), "y"),
    ("fit-y-hinge-labels", _fit(loss="hinge"), "y"),
    ("fit-lr-negative", _fit(lr=-1.0), "lr"),
    ("fit-lr-nan", _fit(lr=float("nan")), "lr"),
    ("fit-lr-inf", _fit(lr=float("inf")), "lr"),
    ("fit-lr-str", _fit(lr="0.1"), "lr"),
    ("fit-lr-bool", _fit(lr=True), "lr"),
    ("fit-epochs-zero", _fit(epochs=0), "epochs"),
    ("fit-epochs-negative", _fit(epochs=-1), "epochs"),
    ("fit-epochs-float", _fit(epochs=2.5), "epochs"),
    ("fit-batch-zero", _fit(batch_size=0), "batch_size"),
    ("fit-batch-float", _fit(batch_size=1.5), "batch_size"),
    ("fit-seed-negative", _fit(seed=-1), "seed"),
    ("fit-seed-str", _fit(seed="abc"), "seed"),
    ("fit-seed-float", _fit(seed=1.5), "seed"),
    ("fit-seed-list", _fit(seed=[1, 2]), "seed"),
    ("fit-progress-str", _fit(progress="yes"), "progress"),
    # --- fit: optimiser hyper-parameters (torch would pass its own messages through)
    ("sgd-momentum-negative", _fit(momentum=-1.0), "momentum"),
    ("sgd-momentum-nan", _fit(momentum=float("nan")), "momentum"),
    ("sgd-dampening-negative", _fit(momentum=0.9, dampening=-0.5), "dampening"),
    ("sgd-dampening-two", _fit(momentum=0.9, dampening=2.0), "dampening"),
    ("sgd-weight-decay-negative", _fit(weight_decay=-1.0), "weight_decay"),
    ("sgd-nesterov-no-momentum", _fit(nesterov=True), "nesterov"),
    ("sgd-nesterov-dampening", _fit(nesterov=True, momentum=0.9, dampening=0.1), "nesterov"),
    ("sgd-nesterov-str", _fit(nesterov="yes", momentum=0.9), "nesterov"),
    ("sgd-unknown-option", _fit(betas=(0.9, 0.99)), "betas"),
    ("sgd-maximize", _fit(maximize=True), "maximize"),
    ("adam-betas-float", _fit(optimizer="adam", betas=0.9), "betas"),
    ("adam-betas-one", _fit(optimizer="adam", betas=(0.9, 1.0)), "betas[1]"),
    ("adam-betas-big", _fit(optimizer="adam", betas=(1.5, 0.9)), "betas[0]"),
    ("adam-betas-negative", _fit(optimizer="adam", betas=(-0.1, 0.9)), "betas[0]"),
    ("adam-betas-triple", _fit(optimizer="adam", betas=(0.9, 0.9, 0.9)), "betas"),
    ("adam-betas-str", _fit(optimizer="adam", betas="ab"), "betas"),
    ("adam-eps-negative", _fit(optimizer="adam", eps=-1.0), "eps"),
    ("adam-eps-inf", _fit(optimizer="adam", eps=float("inf")), "eps"),
    ("adam-weight-decay-negative", _fit(optimizer="adam", weight_decay=-1.0), "weight_decay"),
    ("adam-amsgrad-str", _fit(optimizer="adam", amsgrad="no"), "amsgrad"),
    ("adam-momentum", _fit(optimizer="adam", momentum=0.9), "momentum"),
    ("adamw-weight-decay-negative", _fit(optimizer="adamw", weight_decay=-0.1),
     "weight_decay"),
    ("adamw-betas-one", _fit(optimizer="adamw", betas=(1.0, 0.9)), "betas[0]"),
    ("adagrad-lr-decay-negative", _fit(optimizer="adagrad", lr_decay=-1.0), "lr_decay"),
    ("adagrad-initial-negative", _fit(optimizer="adagrad", initial_accumulator_value=-1.0),
     "initial_accumulator_value"),
    ("adagrad-eps-negative", _fit(optimizer="adagrad", eps=-1e-3), "eps"),
    ("rmsprop-alpha-two", _fit(optimizer="rmsprop", alpha=2.0), "alpha"),
    ("rmsprop-alpha-one", _fit(optimizer="rmsprop", alpha=1.0), "alpha"),
    ("rmsprop-alpha-negative", _fit(optimizer="rmsprop", alpha=-0.5), "alpha"),
    ("rmsprop-centered-int", _fit(optimizer="rmsprop", centered=1), "centered"),
    ("rmsprop-momentum-negative", _fit(optimizer="rmsprop", momentum=-0.1), "momentum"),
    # --- optimiser classes built directly on a model
    ("SGD-lr-negative", _opt("SGD", lr=-1.0), "lr"),
    ("SGD-nesterov", _opt("SGD", lr=0.1, nesterov=True), "nesterov"),
    ("Adam-betas-float", _opt("Adam", betas=0.9), "betas"),
    ("Adam-eps-negative", _opt("Adam", eps=-1.0), "eps"),
    ("AdamW-betas-big", _opt("AdamW", betas=(0.9, 1.5)), "betas[1]"),
    ("RMSprop-alpha-two", _opt("RMSprop", alpha=2.0), "alpha"),
    ("Adagrad-lr-decay-negative", _opt("Adagrad", lr_decay=-1.0), "lr_decay"),
    ("SGD-params-int", lambda core: core.SGD(3, lr=0.1), "params"),
    # --- loss_and_gradients / loss_value / predict
    ("lag-X-shape", _lag(X=np.zeros((4, 3))), "X"),
    ("lag-y-nan", _lag(y=np.full((4, 1), np.nan)), "y"),
    ("lag-loss-unknown", _lag(loss="l1"), "loss"),
    ("lag-ce-one-output", _lag(y=np.zeros(4), loss="cross_entropy"), "cross_entropy"),
    ("lag-ce-labels", _lag(y=np.array([0, 1, 3, 0]), loss="cross_entropy",
                           sizes=(2, 3, 3)), "y"),
    ("lag-ce-fractional", _lag(y=np.array([0, 1.5, 1, 0]), loss="cross_entropy",
                               sizes=(2, 3, 3)), "y"),
    ("lag-ce-shape", _lag(y=np.zeros((4, 3)), loss="cross_entropy", sizes=(2, 3, 3)), "y"),
    ("value-X-str", _value(X=[["a", "b"]]), "X"),
    ("value-y-shape", _value(y=np.zeros(3)), "y"),
    ("predict-X-shape", _predict(np.zeros((4, 5))), "X"),
    ("predict-X-inf", _predict(np.full((4, 2), np.inf)), "X"),
    ("predict-X-empty", _predict(np.zeros((0, 2))), "X"),
    ("predict-X-None", _predict(None), "X"),
    ("predict-X-complex", _predict(np.ones((4, 2), dtype=complex)), "X"),
    ("predict-tensor-shape", _predict(torch.zeros(4, 5, dtype=torch.float64)), "X"),
    ("predict-tensor-nan", _predict(torch.full((4, 2), float("nan"))), "X"),
    # --- set_parameters
    ("set-too-few", _set(GOOD[:3]), "params"),
    ("set-shape", _set([GOOD[0], GOOD[1], np.zeros((1, 3)), GOOD[3]]), "params[2]"),
    ("set-nan", _set([GOOD[0], np.full(3, np.nan), GOOD[2], GOOD[3]]), "params[1]"),
    ("set-array", _set(np.zeros(3)), "params"),
    ("set-str", _set([GOOD[0], "abc", GOOD[2], GOOD[3]]), "params[1]"),
    # --- activations
    ("act-name-unknown", _act("relu6", [0.0]), "activation"),
    ("act-name-None", _act(None, [0.0]), "activation"),
    ("act-z-None", _act("relu", None), "z"),
    ("act-z-str", _act("relu", "abc"), "z"),
    ("act-z-nan", _act("tanh", [0.0, np.nan]), "z"),
    ("act-z-inf", _act("sigmoid", [np.inf]), "z"),
    ("act-z-ragged", _act("relu", [[1.0], [1.0, 2.0]]), "z"),
    ("dact-name-unknown", _dact("swish", [0.0]), "activation"),
    ("dact-z-nan", _dact("elu", [np.nan]), "z"),
    ("dact-z-str", _dact("elu", "z"), "z"),
]


def _outcome(core, call):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            call(core)
    except (TypeError, ValueError) as exc:
        if type(exc).__module__ != "builtins":  # pragma: no cover - a library's own class
            return type(exc).__name__, str(exc)
        message = re.sub(r"(numpy|torch)_core", "<core>", str(exc))
        return type(exc).__name__, message
    return None


@pytest.mark.parametrize(("call", "word"), [c[1:] for c in BAD_CALLS],
                         ids=[c[0] for c in BAD_CALLS])
def test_both_cores_refuse_bad_input_alike(call, word):
    outcomes = [_outcome(core, call) for core in CORES]
    assert outcomes[0] is not None, "the NumPy core accepted bad input"
    assert outcomes[1] is not None, "the torch core accepted bad input"
    assert outcomes[0] == outcomes[1], f"the cores disagree: {outcomes}"
    assert word in outcomes[0][1], f"the message does not name {word!r}: {outcomes[0][1]}"


def test_the_bad_input_list_is_long():
    assert len(BAD_CALLS) >= 120


def test_the_raised_errors_come_from_the_library():
    """Not numpy's/torch's own messages passed through: ours name what was expected."""
    for _, call, _ in BAD_CALLS:
        _, message = _outcome(tc, call)
        assert "must" in message or "unknown" in message or "needs" in message \
            or "requires" in message or "unexpected" in message or "contains" in message, \
            message


@pytest.mark.parametrize("core", CORES, ids=IDS)
def test_model_mismatch_names_the_model(core):
    other = nc if core is tc else tc
    with pytest.raises(TypeError, match=rf"model must be a nntheory\.{core.__name__[9:]}\.MLP"):
        core.fit(make(other, [1, 2, 1], seed=0), np.zeros((2, 1)), np.zeros((2, 1)))


# --------------------------------------------------------------------------- accepted

@pytest.mark.parametrize("core", CORES, ids=IDS)
def test_unusual_but_valid_inputs_are_accepted_alike(core):
    m = make(core, np.array([2, 3, 1]), seed=0)          # sizes as an integer array
    assert m.sizes == (2, 3, 1)
    X_int = np.array([[1, 2], [3, 4]])
    np.testing.assert_array_equal(m.predict(torch.as_tensor(X_int)), m.predict(X_int))
    np.testing.assert_array_equal(m.predict(X_int.tolist()), m.predict(X_int.astype(float)))
    opt = core.SGD(m, lr=0.1)                             # an optimiser built on a model
    assert opt is not None
    for z in ([1, 2], np.float32([1.5, -2.0]), torch.tensor([1.0, 2.0], dtype=torch.float32),
              3):
        a = core.activation("relu", z)
        d = core.activation_derivative("relu", z)
        a = a.numpy() if isinstance(a, torch.Tensor) else a
        d = d.numpy() if isinstance(d, torch.Tensor) else d
        assert a.dtype == np.float64 and d.dtype == np.float64


def test_n_parameters_is_validated():
    assert common.n_parameters([3, 7, 2]) == 7 * 4 + 2 * 8
    assert common.n_parameters(np.array([3, 7, 2])) == 44
    with pytest.raises(ValueError, match=r"sizes\[1\]"):
        common.n_parameters([2, -3, 1])
    with pytest.raises(TypeError, match="sizes"):
        common.n_parameters("23")


def test_common_helpers_refuse_bad_input():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="batch_size"):
        common.minibatches(10, 0, rng)
    with pytest.raises(ValueError, match="n_samples"):
        common.minibatches(0, 2, rng)
    with pytest.raises(TypeError, match="rng"):
        common.minibatches(10, 2, 0)
    with pytest.raises(ValueError, match="n_samples"):
        common.check_targets(np.zeros(0), "mse", 0, 1)
    with pytest.raises(ValueError, match="n_samples"):
        common.dropout_masks(rng, 0, [2, 3, 1], 0.5)
    with pytest.raises(TypeError, match="unexpected option 'foo'"):
        common.check_optimizer_options("adam", 0.1, {"foo": 1})


def test_optimizer_defaults_are_torchs():
    """The one optimiser table equals torch.optim's signature defaults."""
    import inspect

    classes = {"sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam",
               "adamw": "AdamW"}
    for name, (lr, options) in common.OPTIMIZER_DEFAULTS.items():
        theirs = inspect.signature(getattr(torch.optim, classes[name]).__init__).parameters
        assert theirs["lr"].default == lr, name
        for key, value in options.items():
            assert theirs[key].default == value, (name, key)


def test_torch_optimizers_are_torch_optim():
    m = make(tc, [2, 3, 1], seed=0)
    for name in ("SGD", "Adagrad", "RMSprop", "Adam", "AdamW"):
        assert isinstance(getattr(tc, name)(m), getattr(torch.optim, name))


# --------------------------------------------------------------------------- BCE value

_CTX = Context(prec=80, Emax=MAX_EMAX, Emin=MIN_EMIN)


def bce_reference(z, y) -> float:
    """``mean(log(1 + e^z) - y z)`` in 80-digit decimal arithmetic, from the definition."""
    total = Decimal(0)
    for zi, yi in zip(z, y, strict=True):
        zi, yi = Decimal(float(zi)), Decimal(float(yi))
        term = _CTX.subtract(_CTX.ln(_CTX.add(1, _CTX.exp(zi))), _CTX.multiply(yi, zi))
        total = _CTX.add(total, term)
    return float(_CTX.divide(total, len(z)))


BCE_CASES = [
    ((1e16, 0.0), (1.0, 1.0)),        # the case: 0.0 instead of log(2)/2 before
    ((1000.0, 23.0), (1.0, 1.0)),
    ((1e6, 20.0), (1.0, 1.0)),
    ((-1e16, 0.0), (0.0, 0.0)),       # mirrored: torch's own BCE cancels here
    ((-1000.0, -23.0), (0.0, 0.0)),
    ((37.0, -37.5), (1.0, 0.0)),      # both terms ~1e-17: torch's own BCE is 40% off
    ((30.0, -40.0), (0.25, 0.75)),
    ((1e6, -1e6), (0.5, 0.5)),
    ((0.0, 1e-300), (0.3, 0.7)),
    ((-5.0, 5.0), (0.9, 0.1)),
]


@pytest.mark.parametrize("core", CORES, ids=IDS)
@pytest.mark.parametrize(("z", "y"), BCE_CASES, ids=[str(c[0]) for c in BCE_CASES])
def test_bce_value_is_exact_at_extreme_logits(core, z, y):
    """Each per-sample term is a sum of two non-negative numbers, each within a few
    ulps, so the mean is within ~4 ulps of the exact value: tolerance 1e-15 relative
    (the old NumPy formula was 100 % off at (1e16, 0) and 2e-2 off at (1e6, 20))."""
    m = make(core, [1, 1], "identity")
    m.set_parameters([np.ones((1, 1)), np.zeros(1)])
    X = np.array(z).reshape(-1, 1)
    Y = np.array(y).reshape(-1, 1)
    exact = bce_reference(z, y)
    for value in (core.loss_value(m, X, Y, "bce"), core.loss_and_gradients(m, X, Y, "bce")[0]):
        assert abs(value - exact) <= 1e-15 * exact, (value, exact)


def test_bce_reference_is_not_the_library_formula():
    """The reference is computed from the definition; check it on an easy value."""
    assert bce_reference((0.0,), (1.0,)) == pytest.approx(np.log(2.0), rel=1e-16)
    assert bce_reference((2.0,), (0.0,)) == pytest.approx(np.log1p(np.exp(2.0)), rel=1e-15)


@pytest.mark.parametrize("core", CORES, ids=IDS)
def test_bce_gradient_at_zero_logit(core):
    """sigma(0) - y = 0.5 - y: a formula differentiated through |z| would lose the 0.5."""
    m = make(core, [1, 1], "identity")
    m.set_parameters([np.zeros((1, 1)), np.zeros(1)])
    _, grads = core.loss_and_gradients(m, np.ones((1, 1)), np.ones((1, 1)), "bce")
    assert grads[1][0] == -0.5


# --------------------------------------------------------------------------- activations

HUGE = np.array([-1e300, -1e155, -1e100, -745.0, -60.0, -1e-300, 0.0, 1e-300, 60.0,
                 745.0, 1e100, 1e155, 1e300])


@pytest.mark.parametrize("core", CORES, ids=IDS)
@pytest.mark.parametrize("activation", common.ACTIVATIONS)
def test_activations_finite_for_every_finite_input(core, activation):
    """The module promise: finite, warning-free values and derivatives for all finite z,
    except square's value (and derivative), which overflow beyond 1.3e154."""
    z = HUGE if activation != "square" else HUGE[np.abs(HUGE) < 1e154]
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        a = np.asarray(core.activation(activation, z))
        d = np.asarray(core.activation_derivative(activation, z))
    assert np.isfinite(a).all() and np.isfinite(d).all()


@pytest.mark.parametrize("core", CORES, ids=IDS)
def test_gelu_tanh_derivative_saturates_exactly(core):
    z = np.array([-1e300, -1e155, -1e10, -60.0, 60.0, 1e10, 1e155, 1e300])
    d = np.asarray(core.activation_derivative("gelu_tanh", z))
    np.testing.assert_array_equal(d, (z > 0).astype(float))
    a = np.asarray(core.activation("gelu_tanh", z))
    np.testing.assert_array_equal(a, np.where(z > 0, z, 0.0))


@pytest.mark.parametrize("core", CORES, ids=IDS)
def test_elu_derivative_keeps_relative_accuracy(core):
    """elu'(z) = e^z for z <= 0; the old a + 1 = expm1(z) + 1 was 100 % off below -38."""
    z = np.array([-1.0, -20.0, -37.0, -38.0, -50.0, -300.0, -700.0])
    d = np.asarray(core.activation_derivative("elu", z))
    np.testing.assert_allclose(d, np.exp(z), rtol=2e-16, atol=0)


@pytest.mark.parametrize("activation", common.ACTIVATIONS)
def test_activation_derivatives_agree_across_cores(activation):
    """NumPy's hand-written derivative against torch's autograd, on [-8, 8] and at 0."""
    z = np.concatenate([np.linspace(-8, 8, 401), [0.0]])
    a = nc.activation_derivative(activation, z)
    b = tc.activation_derivative(activation, z).numpy()
    scale = max(float(np.max(np.abs(b))), 1.0)
    assert float(np.max(np.abs(a - b))) <= 1e-14 * scale


# --------------------------------------------------------------------------- divergence

def line_problem():
    X = np.linspace(-1.0, 1.0, 16).reshape(-1, 1)
    return X, 0.5 * X


def linear_model(core, w=0.0):
    m = make(core, [1, 1], "identity", seed=0)
    m.set_parameters([np.full((1, 1), w), np.zeros(1)])
    return m


def sgd_params_after(core, steps, lr, batch_size=None):
    """The parameters after ``steps`` plain SGD steps, by the optimiser alone."""
    X, y = line_problem()
    m = linear_model(core)
    if steps:
        core.fit(m, X, y, lr=lr, epochs=steps, batch_size=batch_size, seed=0)
    return m.get_parameters()


@pytest.mark.parametrize("batch_size", [None, 1, 5])
def test_divergence_leaves_both_cores_in_the_same_state(batch_size):
    """A finite blow-up (SGD at lr = 12, far above the stability limit 2/L = 3 of this
    line fit) is caught at the same step in both cores, and both hold the parameters at
    which the last accepted loss was measured."""
    X, y = line_problem()
    errors, params = [], []
    for core in CORES:
        m = linear_model(core)
        with pytest.raises(common.DivergenceError) as info:
            core.fit(m, X, y, lr=12.0, epochs=200, batch_size=batch_size, seed=0)
        errors.append(info.value)
        params.append(m.get_parameters())
    a, b = errors
    assert (a.epoch, a.step) == (b.epoch, b.step)
    assert a.step >= 2
    assert np.isfinite(a.loss) and a.loss > a.limit      # finite, but beyond the limit
    assert a.limit == b.limit >= common.DIVERGENCE_FACTOR
    assert str(a) == str(b)
    # relative to the parameters' scale: the bias is 0 in exact arithmetic here, and its
    # round-off (different in each core) is multiplied by |1 - 2 lr| = 23 per step
    scale = max(float(np.max(np.abs(p))) for p in params[1])
    for p, q in zip(*params, strict=True):
        assert np.isfinite(p).all()
        assert float(np.max(np.abs(p - q))) <= 1e-12 * scale
    assert len(a.history) == len(b.history) == a.epoch


def test_divergence_restores_the_last_accepted_parameters():
    """Full batch: the rejected loss was measured after ``step`` steps; the model holds
    the parameters after ``step - 1`` steps, exactly (replayed with fewer epochs)."""
    X, y = line_problem()
    for core in CORES:
        m = linear_model(core)
        with pytest.raises(common.DivergenceError) as info:
            core.fit(m, X, y, lr=12.0, epochs=200)
        err = info.value
        expected = sgd_params_after(core, err.step - 1, lr=12.0)
        for p, q in zip(m.get_parameters(), expected, strict=True):
            np.testing.assert_array_equal(p, q)
        # and the rejected loss is the loss one SGD step further, taken by hand
        _, grads = core.loss_and_gradients(m, X, y)
        m.set_parameters([p - 12.0 * g for p, g in zip(expected, grads, strict=True)])
        assert core.loss_value(m, X, y) == pytest.approx(err.loss, rel=1e-12)


def test_divergence_limit_is_relative_to_the_first_loss():
    """Scaling the targets by s scales the whole SGD trajectory of this linear model by s
    and every loss by s^2. A relative rule therefore stops at the same step for every s
    with a first loss above the floor (s = 1e2, 1e4, 1e8), and only later when the
    floor of 1 takes over (s = 1: first loss 0.09); an absolute ceiling would stop
    earlier for larger s. In every case the limit is 1e10 x max(first loss, 1) and the
    rejected loss is the first beyond it."""
    X, y = line_problem()
    steps = {}
    for s in (1.0, 1e2, 1e4, 1e8):
        for core in CORES:
            m = linear_model(core)
            with pytest.raises(common.DivergenceError) as info:
                core.fit(m, X, s * y, lr=12.0, epochs=200)
            err = info.value
            first = err.history.loss[0]
            assert err.limit == common.DIVERGENCE_FACTOR * max(first, 1.0)
            assert max(err.history.loss) <= err.limit < err.loss
            steps[s, core.__name__] = err.step
    assert len({steps[s, c.__name__] for s in (1e2, 1e4, 1e8) for c in CORES}) == 1
    assert steps[1.0, nc.__name__] == steps[1.0, tc.__name__] > steps[1e2, nc.__name__]


def test_divergence_after_the_last_step_is_caught():
    """With epochs=1 the only batch loss is fine; the loss after that step is not."""
    X, y = line_problem()
    y = 1e3 * y
    for core in CORES:
        m = linear_model(core)
        with pytest.raises(common.DivergenceError) as info:
            core.fit(m, X, y, lr=1e6, epochs=1)
        assert info.value.epoch == 1 and info.value.step == 1
        np.testing.assert_array_equal(m.get_parameters()[0], [[0.0]])   # put back


def test_a_bad_start_is_not_blamed_on_the_learning_rate():
    """Inputs of 1e200 overflow the first loss: no step is taken, none is blamed."""
    X = np.full((4, 1), 1e200)
    y = np.zeros((4, 1))
    messages = []
    for core in CORES:
        m = make(core, [1, 3, 1], seed=0)
        start = m.get_parameters()
        with pytest.raises(common.DivergenceError) as info:
            core.fit(m, X, y, lr=0.1, epochs=3)
        assert info.value.step == 0
        assert "before any training step" in str(info.value)
        assert "learning rate" not in str(info.value).replace("not a learning-rate", "")
        for p, q in zip(m.get_parameters(), start, strict=True):
            np.testing.assert_array_equal(p, q)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_nan_divergence_in_both_cores_at_the_same_step():
    """A NaN (not only a big loss) is rejected: RMSprop with alpha = 0 and eps = 0 on a
    zero-gradient coordinate computes 0/0."""
    X = np.zeros((4, 1))
    y = np.ones((4, 1))
    out = []
    for core in CORES:
        m = make(core, [1, 1], "identity", seed=0)
        m.set_parameters([np.zeros((1, 1)), np.zeros(1)])
        with pytest.raises(common.DivergenceError) as info:
            core.fit(m, X, y, optimizer="rmsprop", lr=0.1, alpha=0.0, eps=0.0, epochs=5)
        assert np.isnan(info.value.loss)
        assert all(np.isfinite(p).all() for p in m.get_parameters())
        out.append((info.value.step, m.get_parameters()))
    assert out[0][0] == out[1][0]
    for p, q in zip(out[0][1], out[1][1], strict=True):
        np.testing.assert_array_equal(p, q)


def test_gelu_tanh_clip_changes_nothing_where_torch_is_finite():
    """The cores evaluate the tanh form's inner argument at z clipped to [-50, 50]; on
    [-60, 60] (past the clip) value and derivative equal torch's own
    F.gelu(approximate="tanh") to round-off: values within 1e-15 of max(1, |value|)
    (observed 4e-16); derivatives, whose scale is 1, within 1e-14 (observed 5e-15, near
    z = +-7.2 where torch's 1 - tanh^2 is a few ulps and ours is exactly 0 — not the
    clip's doing, which only acts beyond |z| = 50)."""
    import torch.nn.functional as F

    z = np.concatenate([np.linspace(-60, 60, 2401), [-50.0, 50.0, -7.2, 7.2]])
    zt = torch.as_tensor(z).requires_grad_(True)
    ref = F.gelu(zt, approximate="tanh")
    (dref,) = torch.autograd.grad(ref.sum(), zt)
    ref, dref = ref.detach().numpy(), dref.numpy()
    for core in CORES:
        a = np.asarray(core.activation("gelu_tanh", z))
        d = np.asarray(core.activation_derivative("gelu_tanh", z))
        assert np.max(np.abs(a - ref) / np.maximum(1.0, np.abs(ref))) <= 1e-15
        assert np.max(np.abs(d - dref)) <= 1e-14


def test_torch_core_bce_equals_torchs_builtin_where_that_is_accurate():
    """Moderate logits (|z| <= 10, no cancellation): the torch core's stable BCE and
    its gradient equal F.binary_cross_entropy_with_logits's to round-off (1e-14)."""
    import torch.nn.functional as F

    rng = np.random.default_rng(0)
    z = torch.as_tensor(rng.uniform(-10, 10, size=(50, 3))).requires_grad_(True)
    y = torch.as_tensor(rng.uniform(size=(50, 3)))
    ours = tc._loss("bce", z, y)
    (g_ours,) = torch.autograd.grad(ours, z)
    theirs = F.binary_cross_entropy_with_logits(z, y)
    (g_theirs,) = torch.autograd.grad(theirs, z)
    assert abs(ours.item() - theirs.item()) <= 1e-14 * theirs.item()
    assert float((g_ours - g_theirs).abs().max()) <= 1e-14 * float(g_theirs.abs().max())
