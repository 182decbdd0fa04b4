"""The exercises of chapter 5 (depth separation):
registered in :mod:`nntheory.teaching.exercises`.

Each entry's check computes its expected value here, from the exercise's data for the
student's variant; nothing in this module is meant to be called from a notebook (the
checks forbid its private functions, like the registry's own).
"""

from __future__ import annotations

import numpy as np

from ..exercises import (
    Exercise,
    Verdict,
    _guard,
    _is_whole,
    _mlp,
    _params,
)

# ------------------------------------------------------------------ chapter 5


def _depth_product(answer) -> Verdict:
    from ... import depth
    if not _is_whole(answer):
        return False, "expected a whole number"
    ok = int(answer) == depth.nonzero_parameters(depth.yarotsky_product(6))
    return ok, ("the count of the block-diagonal construction" if ok else "not correct")


def _depth_layers(answer) -> Verdict:
    from ... import constructions, depth
    if len(answer) != 2 or not all(_is_whole(v) and v >= 1 for v in answer):
        return False, "expected two whole numbers (m, N), both at least 1"
    m, N = (int(v) for v in answer)
    ok_m = depth.yarotsky_error(m) <= 1e-6 < depth.yarotsky_error(m - 1)
    ok_N = (constructions.interpolation_bound(0, 1, N + 1, 2.0) <= 1e-6
            < constructions.interpolation_bound(0, 1, N, 2.0))
    return ok_m and ok_N, "both are the least sizes" if ok_m and ok_N else "not correct"


def _fold_on(xs: np.ndarray):
    def run(answer) -> Verdict:
        from ... import depth
        net = _mlp([1, 3, 3, 1], "relu", _params(answer, 6))
        p = depth.count_pieces(net, 0.0, 1.0)
        ends = float(np.abs(net.predict(xs[:, None])).max())
        if p < 9:
            return False, f"only {p} pieces"
        if ends > 1e-12:
            return False, f"{p} pieces, but the network does not vanish at both ends"
        return True, "enough pieces, and zero at both ends"
    return _guard(run)


EXERCISES = [
    Exercise("ex-depth-product", "05_depth", "Non-zero weights of the product network", "easy",
             "product_nonzeros", ("non-zeros of the product network",), _guard(_depth_product),
             forbid=("nntheory.depth.nonzero_parameters", "nntheory.depth.yarotsky_product"),
             goal="count the non-zero parameters of a block-diagonal construction"),
    Exercise("ex-depth-layers", "05_depth", "Layers for six digits", "medium",
             "layers_and_units", ("layers and units for 1e-6",), _guard(_depth_layers),
             forbid=("nntheory.depth.yarotsky_error",
                     "nntheory.constructions.interpolation_bound"),
             goal="compare deep and shallow sizes for one accuracy"),
    Exercise("ex-depth-fold", "05_depth", "Nine pieces that vanish at the ends", "hard",
             "fold_params", ("nine pieces, zero ends",), _fold_on(np.array([0.0, 1.0])),
             forbid=("nntheory.depth.folding_net", "nntheory.depth.sawtooth",
                     "nntheory.separation.sawtooth_series_net"),
             goal="use composition to multiply linear pieces", kind="construction"),
]
