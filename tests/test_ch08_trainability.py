"""nntheory.trainability: many networks trained at once follow the cores' fit exactly."""

import numpy as np
import pytest

from nntheory import common, trainability
from nntheory import numpy_core as npc


def _data():
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(32, 2))
    return X, np.sin(2 * X[:, :1]) * np.cos(X[:, 1:])


@pytest.mark.parametrize("activation, momentum", [("relu", 0.9), ("tanh", 0.0)])
def test_each_network_follows_the_cores_fit(activation, momentum):
    X, y = _data()
    sizes = [2, 8, 8, 8, 1]
    starts = [common.init_parameters(sizes, "he", seed=s) for s in range(3)]
    losses = trainability.train_many(starts, X, y, activation=activation, lr=0.01,
                                     momentum=momentum, epochs=25)
    for s in range(3):
        net = npc.MLP(sizes, activation, seed=s)
        net.set_parameters(starts[s])
        hist = npc.fit(net, X, y, optimizer="sgd", lr=0.01, epochs=25, momentum=momentum)
        np.testing.assert_allclose(losses[s, :25], hist.loss, rtol=1e-12)
        assert losses[s, 25] == pytest.approx(npc.loss_value(net, X, y), rel=1e-12)
    assert np.all(losses[:, -1] < losses[:, 0])            # they learned something
    # the starts are not modified
    assert np.array_equal(starts[0][0], common.init_parameters(sizes, "he", seed=0)[0])


def test_a_diverging_network_is_marked_inf_and_the_others_go_on():
    X, y = _data()
    sizes = [2, 8, 1]
    starts = [common.init_parameters(sizes, "he", seed=0),
              [30.0 * p for p in common.init_parameters(sizes, "he", seed=1)]]
    losses = trainability.train_many(starts, X, y, lr=0.01, momentum=0.9, epochs=60)
    assert np.isinf(losses[1, -1]) and np.isfinite(losses[0, -1])


def test_bad_input_is_refused():
    X, y = _data()
    p = common.init_parameters([2, 4, 1], "he", seed=0)
    with pytest.raises(TypeError, match="params_list"):
        trainability.train_many([], X, y)
    with pytest.raises(ValueError, match="same"):
        trainability.train_many([p, common.init_parameters([2, 5, 1], "he", seed=0)], X, y)
    with pytest.raises(ValueError, match="do not fit"):
        trainability.train_many([p], X[:, :1], y)
    with pytest.raises(ValueError, match="activation"):
        trainability.train_many([p], X, y, activation="gelu", epochs=1)
    with pytest.raises(ValueError, match="momentum"):
        trainability.train_many([p], X, y, momentum=1.0)
