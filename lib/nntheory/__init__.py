"""nntheory: the library behind *Executable Neural Network Theory*.

Two training cores with the same public API:

* :mod:`nntheory.numpy_core`: forward, backward and optimisers written by hand in NumPy;
* :mod:`nntheory.torch_core`: the same models as ``torch.nn.Module``s, trained with
  ``torch.optim`` (CUDA when available).

Switch a chapter between them by changing one import::

    from nntheory import numpy_core as core   # or: from nntheory import torch_core as core
    model = core.MLP([1, 100, 1], "relu", seed=0)
    history = core.fit(model, X, y, optimizer="adam", lr=1e-3, epochs=200)

Importing :mod:`nntheory` imports neither core (and never torch).
"""

from .common import ACTIVATIONS, INITS, LOSSES, OPTIMIZERS, DivergenceError, History

__all__ = ["ACTIVATIONS", "INITS", "LOSSES", "OPTIMIZERS", "DivergenceError", "History",
           "__version__"]
__version__ = "0.1.0"
