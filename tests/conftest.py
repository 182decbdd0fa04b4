"""Shared fixtures: random problems for every loss, in float64."""

from __future__ import annotations

import numpy as np
import pytest


def make_problem(loss: str, sizes, n: int = 11, seed: int = 0):
    """Inputs and targets of the right kind for ``loss`` (seeded)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, sizes[0]))
    n_out = sizes[-1]
    if loss == "mse":
        y = rng.normal(size=(n, n_out))
    elif loss == "bce":
        y = rng.uniform(size=(n, n_out))
    elif loss == "hinge":
        y = rng.choice([-1.0, 1.0], size=(n, n_out))
    elif loss == "cross_entropy":
        y = rng.integers(0, n_out, size=n)
    else:  # pragma: no cover
        raise ValueError(loss)
    return X, y


def rel(a, b) -> float:
    """Largest absolute difference of ``a`` and ``b``, relative to the largest entry of ``b``."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b))) / max(float(np.max(np.abs(b))), 1e-300)


@pytest.fixture
def problem():
    return make_problem
