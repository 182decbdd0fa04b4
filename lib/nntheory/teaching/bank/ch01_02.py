"""The exercises of chapters 1 and 2
(the perceptron; XOR and linear separability): registered in :mod:`nntheory.teaching.exercises`.

Each entry's check computes its expected value here, from the exercise's data for the
student's variant; nothing in this module is meant to be called from a notebook (the
checks forbid its private functions, like the registry's own).
"""

from __future__ import annotations

import numpy as np

from .. import checks as _checks
from ..exercises import (
    _BY_HAND,
    Exercise,
    Verdict,
    _guard,
    _is_whole,
    _mlp,
    _number,
    _params,
)

# ------------------------------------------------------------------ chapter 1

#: the data of chapter 1's exercises (the notebook defines the same arrays)
_PC_X = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [-1.0, 1.0]])
_PC_Y = np.array([1.0, -1.0, 1.0, -1.0])
_PC_U = np.array([1.0, -1.0, 0.5])
_LEN_X = np.diag([1.0, 2.0, 3.0, 4.0])



def _pc_data():
    return _PC_U, _PC_X, _PC_Y


def _pc_margin(d) -> float:
    from ... import perceptron
    u, X, y = d
    return perceptron.margin(u, X, y)


def _pc_epoch(answer) -> Verdict:
    from ... import perceptron
    _, X, y = _pc_data()
    expected = perceptron.train_perceptron(X, y, max_epochs=1).w
    return _checks.array_verdict(answer, expected, rtol=1e-9, atol=1e-12)


def _pc_epoch_strict(answer) -> bool:
    """The pass as if y_i <w, x_i> = 0 were not a mistake."""
    _, X, y = _pc_data()
    Xb, w = np.hstack([X, np.ones((len(X), 1))]), np.zeros(X.shape[1] + 1)
    for xi, yi in zip(Xb, y, strict=True):
        if yi * (w @ xi) < 0:
            w = w + yi * xi
    return _checks.array_verdict(answer, w, rtol=1e-9, atol=1e-12)[0]


def _pc_lengths_expected(X) -> tuple[int, float, float, float, float]:
    """(mistakes, gamma*, bound, k R^2 / |w_k|^2, |w_k|^2 / <u*, w_k>^2)."""
    from itertools import permutations

    from ... import perceptron
    ones = np.ones(4)
    counts = {perceptron.train_perceptron(X, ones, order=list(p),
                                          add_bias=False).mistakes
              for p in permutations(range(4))}
    if len(counts) != 1:
        raise RuntimeError("the number of mistakes depends on the order")
    k = counts.pop()
    w = perceptron.train_perceptron(X, ones, add_bias=False).w
    u, gamma = perceptron.max_margin(X, ones, add_bias=False)
    R = perceptron.radius(X, add_bias=False)
    return k, gamma, (R / gamma) ** 2, k * R**2 / (w @ w), (w @ w) / (u @ w) ** 2


def _pc_lengths(answer) -> Verdict:
    if not isinstance(answer, (list, tuple)) or len(answer) != 5:
        return False, ("give five numbers: (mistakes, best margin, bound, "
                       "norm factor, Cauchy-Schwarz factor)")
    expected = _pc_lengths_expected(_LEN_X)
    parts = ("(a) mistakes", "(b) best margin", "(c) bound", "(d) norm factor",
             "(d) Cauchy-Schwarz factor")
    wrong = []
    for i, (value, target, part) in enumerate(zip(answer, expected, parts, strict=True)):
        if i == 0:
            ok = _is_whole(value) and int(value) == target
        else:
            ok = _checks.number_verdict(value, target, rtol=_BY_HAND)[0]
        if not ok:
            wrong.append(part)
    if not wrong:
        return True, "all five are right"
    return False, "not correct"          # which part is not said: parts could be guessed


# ------------------------------------------------------------------ chapter 2

_COLLINEAR = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
_FARKAS_X = np.array([[0.0], [1.0], [2.0]])
_FARKAS_Y = np.array([1.0, -1.0, 1.0])


def _xor_collinear(X) -> int:
    from ... import separability
    return separability.count_separable_dichotomies(X)


def _xor_farkas(answer) -> Verdict:
    from ... import separability
    lam = _checks._as_array(answer)
    if lam.shape != (3,):
        return False, "give three multipliers, one per point"
    ok = separability.check_certificate(_FARKAS_X, _FARKAS_Y, lam)
    return ok, ("a valid proof that no threshold separates these labels" if ok else
                "not a certificate for these labels")


def _xor_parity(answer) -> Verdict:
    """Exact up to round-off: weights like 1/3 are exact in real arithmetic but leave
    errors of about 1e-16 in floating point, so the check allows 1e-9."""
    from ... import datasets
    net = _mlp([3, 3, 1], "relu", _params(answer, 4))
    cube = datasets.boolean_cube(3)
    error = np.abs(net.forward(cube).ravel() - cube.sum(axis=1) % 2)
    wrong = int(np.sum(~(error <= 1e-9)))       # NaN counts as wrong
    return wrong == 0, ("exact on every point of the cube" if wrong == 0
                        else f"wrong on {wrong} of 8 points")


EXERCISES = [
    Exercise("ex-perceptron-margin", "01_perceptron", "Computing the margin", "easy",
             "gamma_answer", ("margin",),
             _guard(_number(_pc_margin, _pc_data, rtol=_BY_HAND)),
             forbid=("nntheory.perceptron.margin",),
             goal="compute the margin of a separator on augmented points"),
    Exercise("ex-perceptron-epoch", "01_perceptron", "One pass by hand", "medium",
             "w_after_pass", ("one pass",), _guard(_pc_epoch),
             forbid=("nntheory.perceptron.train_perceptron",),
             mistakes={(lambda a: _pc_epoch_strict(a)): "a point with y_i <w, x_i> = 0 "
                       "counts as a mistake: the update is made there too"},
             goal="run the perceptron's update rule by hand"),
    Exercise("ex-perceptron-lengths", "01_perceptron", "Orthogonal data of unequal lengths",
             "hard", "lengths_answer", ("orthogonal data of unequal lengths",),
             _guard(_pc_lengths), forbid=("nntheory.perceptron",),
             goal="locate the two inequalities where Novikoff's bound loses",
             needs_human="the explanation of the two factors (which step of the proof "
                         "each one measures)"),
    # chapter 2
    Exercise("ex-xor-count", "02_xor", "Four points on a line", "easy", "n_collinear",
             ("separable labellings of four collinear points",),
             _guard(_number(_xor_collinear, lambda: _COLLINEAR)),
             max_tries=3,
             mistakes={16: "16 = 2^4 counts every labelling: on a line, a threshold cannot "
                           "realise labellings that alternate",
                       14: "14 is Cover's count for points in general position in the plane; "
                           "these points are collinear"},
             goal="see why Cover's count needs general position"),
    Exercise("ex-xor-farkas", "02_xor", "A certificate on the line", "medium", "lam_line",
             ("Farkas certificate",), _guard(_xor_farkas),
             forbid=("nntheory.separability.farkas_certificate",),
             goal="write a Farkas certificate of non-separability", kind="construction"),
    Exercise("ex-xor-parity", "02_xor", "Parity of three bits", "hard", "parity_params",
             ("parity network",), _guard(_xor_parity),
             goal="build a two-layer ReLU network for parity", kind="construction"),
]
