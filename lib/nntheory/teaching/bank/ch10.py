"""The exercises of chapter 10
(generalisation): registered in :mod:`nntheory.teaching.exercises`.

Each entry's check computes its expected value here, from the exercise's data for the
student's variant; nothing in this module is meant to be called from a notebook (the
checks forbid its private functions, like the registry's own).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import checks as _checks
from ..exercises import (
    Exercise,
    Verdict,
    _guard,
    _number,
)

# ------------------------------------------------------------------ chapter 10


def _gen_labellings(d) -> int:
    from ... import separability
    return separability.cover_count(*d)


def _gen_rademacher(d) -> float:
    from ... import generalisation
    return generalisation.rademacher_linear_exact(*d)


def _gen_ntk(X) -> np.ndarray:
    from ... import generalisation
    return generalisation.arccos_ntk(X)[0]


def _gen_implicit(d) -> np.ndarray:
    from ... import generalisation
    return generalisation.implicit_bias_limit(*d)


def _gen_array(expected: Callable[[object], object], data: Callable[[], object],
               rtol: float, atol: float = 1e-9):
    def check(answer) -> Verdict:
        return _checks.array_verdict(answer, expected(data()), rtol=rtol, atol=atol)
    return check


EXERCISES = [
    Exercise("ex-gen-vc", "10_generalisation", "Nine points in seven dimensions", "easy",
             "n_labellings", ("separable labellings of nine points in R^7",),
             _guard(_number(_gen_labellings, lambda: (9, 7))),
             forbid=("nntheory.separability.cover_count",
                     "nntheory.separability.count_separable_dichotomies"),
             mistakes={512: "512 = 2^9 counts every labelling: nine points in R^7 are more "
                            "than the VC dimension allows to shatter"},
             goal="count the labellings halfspaces realise beyond the VC dimension"),
    Exercise("ex-gen-vc-why", "10_generalisation", "Which two are missing?", "medium", "",
             (), None, kind="written",
             goal="explain a counting argument with Radon's theorem",
             needs_human="the explanation (the answer cell)",
             rubric="2 points in all. 1 point: names the two labellings no halfspace "
                    "realises, the Radon partition (I positive, J negative) and its negative, "
                    "and says why (the hulls of I and J meet, and a halfspace containing I "
                    "contains its hull). 1 point: why every other labelling is realised "
                    "(the partition is unique for points in general position, or Cover's "
                    "count 2(2^8 - 1) = 2^9 - 2). Half a point off for an argument that "
                    "needs the points to be in convex position."),
    Exercise("ex-gen-rademacher", "10_generalisation",
             "Rademacher complexity of two points at an angle", "medium", "rademacher_2",
             ("Rademacher complexity of two points",),
             _guard(_number(_gen_rademacher, lambda: ([[1.0, 0.0], [1.0, 1.0]], 2.0),
                            rtol=2e-3)),
             forbid=("nntheory.generalisation.rademacher_linear_exact",
                     "nntheory.generalisation.rademacher_linear_mc"),
             goal="compute an empirical Rademacher complexity by enumerating signs"),
    Exercise("ex-gen-ntk", "10_generalisation", "The tangent kernel of orthogonal inputs",
             "medium", "ntk_values", ("tangent kernel of orthogonal unit vectors",),
             _guard(_gen_array(_gen_ntk, lambda: np.eye(2), rtol=2e-3)),
             forbid=("nntheory.generalisation.arccos_ntk",),
             goal="evaluate the arc-cosine tangent kernel"),
    Exercise("ex-gen-implicit", "10_generalisation", "Where gradient descent ends", "hard",
             "w_limit", ("limit of gradient descent",),
             _guard(_gen_array(_gen_implicit, lambda: ([[1.0, 1, 0], [0, 1, 1]], [2.0, 2],
                                                       [1.0, 0, 0]), rtol=1e-6)),
             forbid=("nntheory.generalisation.implicit_bias_limit",),
             goal="find the implicit bias of gradient descent from a non-zero start"),
]
