"""Library pieces added for chapters 8 and 9's referee fixes (issue 26)."""

import numpy as np
import pytest

from nntheory import common, trainability
from nntheory import numpy_core as npc


def test_train_many_sigmoid_follows_the_cores_fit():
    """The sigmoid branch of train_many is the cores' fit rule, network by network."""
    rng = np.random.default_rng(1)
    X = rng.uniform(-2, 2, size=(24, 2))
    y = np.sin(2 * X[:, :1]) * np.cos(X[:, 1:])
    sizes = [2, 6, 6, 1]
    starts = [common.init_parameters(sizes, "xavier", seed=s) for s in range(3)]
    losses = trainability.train_many(starts, X, y, activation="sigmoid", lr=0.1,
                                     momentum=0.9, epochs=20)
    for s in range(3):
        net = npc.MLP(sizes, "sigmoid", seed=s)
        net.set_parameters(starts[s])
        hist = npc.fit(net, X, y, optimizer="sgd", lr=0.1, epochs=20, momentum=0.9)
        np.testing.assert_allclose(losses[s, :20], hist.loss, rtol=1e-12)
        assert losses[s, 20] == pytest.approx(npc.loss_value(net, X, y), rel=1e-12)
    assert np.all(losses[:, -1] < losses[:, 0])
