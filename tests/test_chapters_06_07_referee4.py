"""Chapters 6 and 7 against the fourth referee report (referee4_ch67, findings 4, 5, 7):
the prose states what the runs do, and the unrolling of skip connections is claimed at a
constant-factor cost only for dense networks, with the sparse counterexample executed here
at sizes beyond the chapter's."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np

from nntheory import depth
from nntheory import numpy_core as npc

CHAPTERS = Path(__file__).resolve().parents[1] / "book" / "chapters"


def _cells(chapter: str) -> dict[str, str]:
    nb = json.loads((CHAPTERS / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    return {c["id"]: c["source"] if isinstance(c["source"], str) else "".join(c["source"])
            for c in nb["cells"]}


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_training_prose_states_the_bias_initialisation_the_code_uses():
    """Finding 4: train_residual overwrites every bias with U(-0.1, 0.1); the prose says so."""
    cells = _cells("06_residual_polynomials")
    prose = _flat(cells["c12b"])
    assert "every bias drawn from $U(-0.1, 0.1)$" in prose and "$x \\to -x$" in prose
    tree = ast.parse(cells["c13"])
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef)
              and n.name == "train_residual")
    source = ast.get_source_segment(cells["c13"], fn)
    assert "params[1::2]" in source and "uniform(-0.1, 0.1" in source


def test_the_expansion_proof_ranges_over_j_from_two():
    """Finding 5: F_{n-1}^2 has no x term, so the 'positive term from w_n^2 F_{n-1}^2'
    holds for 2 <= j <= 2D only."""
    proof = _flat(_cells("06_residual_polynomials")["c02"])
    assert "$2 \\le j \\le 2D$" in proof and "$1 \\le j \\le 2D$" not in proof


def test_constant_factor_unrolling_is_claimed_for_dense_networks_only():
    """Finding 7: the learning goal, the paper's summary and the ex-space-converse model
    answer say 'dense' (all weights and biases non-zero)."""
    cells = _cells("07_approximation_spaces")
    for cid in ("c000", "c002", "c022"):
        text = _flat(cells[cid])
        start = max(text.find("constant-factor"), text.find("constant factor"))
        assert start >= 0, cid
        window = text[max(0, start - 250):start + 80]
        assert "dense" in window and "non-zero" in window, cid


def _sparse_residual(w: int, L: int):
    """First layer fills all w units; each later layer has one non-zero weight."""
    net = npc.MLP([1] + [w] * L + [1], "relu", skip=True)
    params = [np.zeros_like(p) for p in net.get_parameters()]
    params[0][:], params[1][:] = 1.0, -(np.arange(w) + 0.5) / w
    for layer in range(1, L):
        params[2 * layer][0, 0] = 0.5
    params[-2][:], params[-1][:] = 1.0, 0.1
    net.set_parameters(params)
    return net


def test_sparse_residual_networks_unroll_at_no_constant_factor():
    """The chapter's counterexample at larger sizes: 3w + L non-zeros, and the unrolled
    plain network keeps about 2w carrying weights per layer, so the ratio grows like
    2wL / (3w + L), without bound (measured: 4.7, 16.7, 52.2 for the three sizes, 1.17, 1.05
    and 1.02 times 2wL / (3w + L))"""
    ratios = []
    for w, L in [(8, 8), (32, 32), (64, 128)]:
        res = _sparse_residual(w, L)
        plain = depth.unroll_skip(res)
        x = np.linspace(-2.0, 2.0, 101)[:, None]
        out = res.predict(x)
        assert np.max(np.abs(plain.predict(x) - out)) <= 1e-12 * max(1.0, np.abs(out).max())
        nz = depth.nonzero_parameters(res)
        assert nz == 3 * w + L
        ratio = depth.nonzero_parameters(plain) / nz
        ratios.append(ratio)
        if w >= 32:
            assert 1.0 <= ratio / (2 * w * L / (3 * w + L)) <= 1.1, (w, L, ratio)
    assert ratios[-1] > 30 > 2.5 and np.all(np.diff(ratios) > 0)
