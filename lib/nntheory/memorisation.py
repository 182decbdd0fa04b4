r"""Random labels (Zhang, Bengio, Hardt, Recht and Vinyals 2017), small and exact.

The same network, trained the same way, on the same inputs, once with labels from a
teacher and once with labels drawn at random: if it fits both to zero training error, the
class can realise every labelling of this sample that training reaches, so any bound
that depends only on the class (VC dimension, Rademacher complexity of the class) is the
same for both runs, although one generalises and the other cannot (its test labels are
independent of anything it saw).

:func:`random_label_fits` trains, for every seed, a one-hidden-layer ReLU network
``MLP([dim, width, 1], seed=s)`` by full-batch Adam on the mean squared error to the
labels :math:`\pm1`, twice: on the teacher's labels :math:`\operatorname{sign}\langle u,
x\rangle` and on random labels (independent fair signs, drawn from
``default_rng(50_000 + s)``). Inputs: ``n`` training and ``n_test`` test points from
:math:`N(0, I)`, drawn with ``u`` from ``default_rng(data_seed)``. All networks are
trained in one stack (:mod:`nntheory.lottery`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import lottery, numpy_core
from .validation import check_int, check_positive, check_seed

__all__ = ["RandomLabelFits", "random_label_fits", "PROTOCOL_BLOCKS", "PROTOCOL_DATA_SEEDS",
           "chapter_statements"]


@dataclass
class RandomLabelFits:
    """Accuracies (fraction of signs right) per seed: ``train_true``, ``test_true`` for
    the teacher's labels; ``train_random``, ``test_random`` for random training labels
    (the test accuracy is against the teacher's labels of the test points)."""

    train_true: np.ndarray
    test_true: np.ndarray
    train_random: np.ndarray
    test_random: np.ndarray


def _random_label_problem(n, dim, width, seeds, data_seed, n_test, steps, lr):
    """Validate the arguments shared by this module and :mod:`nntheory.norm_bounds` and draw
    their data: ``X, X_test`` standard normal, true labels ``sign(X u)`` (shape ``(n,)`` and
    ``(n_test,)``) and one vector of random ±1 labels per seed, ``(len(seeds), n)``."""
    n = check_int(n, "n", minimum=2)
    dim = check_int(dim, "dim", minimum=1)
    width = check_int(width, "width", minimum=1)
    seeds = [check_int(s, "seeds", minimum=0) for s in seeds]
    if not seeds:
        raise ValueError("seeds must not be empty")
    check_seed(data_seed, "data_seed", allow_none=False)
    check_int(n_test, "n_test", minimum=1)
    check_int(steps, "steps", minimum=1)
    check_positive(lr, "lr")
    if 2 * len(seeds) * max(n, n_test) * width > 10**8:
        raise ValueError("seeds, n and width are too large for one stack here")
    rng = np.random.default_rng(data_seed)
    X, X_test = rng.standard_normal((n, dim)), rng.standard_normal((n_test, dim))
    u = rng.standard_normal(dim)
    y_rand = np.stack([np.where(np.random.default_rng(50_000 + s).random(n) < 0.5, -1.0, 1.0)
                       for s in seeds])
    return seeds, X, X_test, np.sign(X @ u), np.sign(X_test @ u), y_rand


def random_label_fits(n: int, dim: int, width: int, *, seeds, data_seed: int = 0,
                      n_test: int = 2000, steps: int = 600, lr: float = 1e-2
                      ) -> RandomLabelFits:
    """Train on true and on random labels; see the module docstring."""
    seeds, X, X_test, y_true, y_test, y_rand = _random_label_problem(
        n, dim, width, seeds, data_seed, n_test, steps, lr)
    y_true, y_test, y_rand = y_true[:, None], y_test[:, None], y_rand[:, :, None]
    K = len(seeds)
    Y = np.concatenate([np.broadcast_to(y_true, (K, n, 1)), y_rand])
    sizes = [dim, width, 1]
    P = lottery._stack([numpy_core.MLP(sizes, "relu", seed=s).get_parameters()
                        for s in seeds * 2])
    P = lottery._train(P, [np.ones_like(p) for p in P], X, Y, lr, steps)

    def outputs(Xe):
        hidden = np.maximum(np.matmul(Xe, P[0]) + P[1][:, None, :], 0.0)
        return np.matmul(hidden, P[2]) + P[3][:, None, :]

    train = (np.sign(outputs(X)) == Y).mean(axis=(1, 2))
    test = (np.sign(outputs(X_test)) == y_test).mean(axis=(1, 2))
    return RandomLabelFits(train[:K], test[:K], train[K:], test[K:])


#: Disjoint blocks of 8 seeds (chapter 10's quick size), apart from the chapter's own seeds
#: (0-7 quick, 0-23 full), on which tests/test_ch10_fixes.py reruns every statement of
#: :func:`chapter_statements` (data seed 0, the chapter's): seeds 24-87.
PROTOCOL_BLOCKS = tuple(range(s, s + 8) for s in range(24, 88, 8))
#: Further data sets (``data_seed``) on which the tests rerun them, with seeds 0-7.
PROTOCOL_DATA_SEEDS = (1, 2, 3)


def chapter_statements(fits: RandomLabelFits) -> dict[str, bool]:
    """Whether each statement chapter 10 asserts about random labels holds on ``fits``."""
    if not isinstance(fits, RandomLabelFits):
        raise TypeError("fits must be a RandomLabelFits (from random_label_fits)")
    return {
        "every network fits its training labels, true or random":
            bool(np.all(fits.train_true == 1.0) and np.all(fits.train_random == 1.0)),
        "every true-label network is more accurate on new points than every "
        "random-label one": bool(fits.test_random.max() < fits.test_true.min()),
        "the random-label networks' mean test accuracy is within 8 points of 50 %":
            bool(0.42 <= fits.test_random.mean() <= 0.58),
    }
