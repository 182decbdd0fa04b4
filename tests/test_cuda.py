"""The torch core on CUDA equals the torch core on the CPU (run where a GPU is present).

CI has no GPU, so these tests are skipped there; on a machine with CUDA they check
what ``NNTHEORY_SCALE=full`` relies on (chapter 4's sweep trains torch ensembles on
CUDA): a model, an ensemble on the fast path (one hidden layer, one output) and on
the layer-by-layer path, in float64, agree with the same runs on the CPU. The GPU's
kernels sum in other orders than the CPU's, so agreement is to round-off, which
these few Adam steps keep below 1e-10 relative (the tolerance of
``tests/test_ensemble.py``, for the same reason).
"""

from __future__ import annotations

import pytest
import torch
from conftest import make_problem, rel

from nntheory import torch_core as tc

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")

RTOL = 1e-10


@pytest.mark.parametrize("sizes,activation,loss", [
    ([1, 64, 1], "relu", "mse"),          # the fast path, ReLU (torch.gt into a float buffer)
    ([2, 16, 1], "tanh", "bce"),          # the fast path, derivative by autograd
    ([2, 8, 8, 3], "relu", "cross_entropy"),   # the layer-by-layer path
])
@pytest.mark.parametrize("batch_size", [None, 5], ids=["full", "mini"])
def test_ensemble_on_cuda_equals_cpu(sizes, activation, loss, batch_size):
    X, y = make_problem(loss, [sizes[0], sizes[-1]], n=23)
    runs = []
    for device in ("cpu", "cuda"):
        ens = tc.Ensemble(sizes, activation, seeds=[0, 1, 2], device=device)
        hists = tc.fit_ensemble(ens, X, y, loss=loss, optimizer="adam", lr=0.01, epochs=6,
                                batch_size=batch_size, seeds=[3, 4, 5])
        runs.append((hists, [ens.get_parameters(i) for i in range(3)]))
    (hc, pc), (hg, pg) = runs
    for i in range(3):
        assert rel(hg[i].loss, hc[i].loss) <= RTOL
        for a, b in zip(pg[i], pc[i], strict=True):
            assert rel(a, b) <= RTOL


def test_model_on_cuda_equals_cpu():
    X, y = make_problem("mse", [1, 1], n=40)
    out = []
    for device in ("cpu", "cuda"):
        model = tc.MLP([1, 32, 1], "relu", seed=0, device=device)
        h = tc.fit(model, X, y, optimizer="adam", lr=0.01, epochs=20)
        out.append((h.loss, model.get_parameters()))
    assert rel(out[1][0], out[0][0]) <= RTOL
    for a, b in zip(out[1][1], out[0][1], strict=True):
        assert rel(a, b) <= RTOL
