"""Chapter 10's lottery-ticket statements under the seed protocol, and their helpers.

The chapter asserts the statements of ``lottery.chapter_statements`` and
``lottery.rewind_k_statements`` on its own seeds (0-63 quick, 0-191 full) and says they
hold on every block of ``lottery.PROTOCOL_BLOCKS`` (resp. ``PROTOCOL_BLOCKS_K``); this
file is where that sentence is checked. The blocks are run as one stacked ensemble and
sliced: each seed's networks are independent of the other members of the stack (the
stacking only batches the same float64 operations; tested against one-seed runs in
test_ch10_second_edition.py), so a block's slice is that block's run up to round-off.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nntheory import double_descent, generalisation, lottery, memorisation, norm_bounds


def _run(seeds, **kw):
    X, y, Xt, yt = lottery.teacher_data()
    return lottery.imp_ensemble([8, 16, 16, 1], X, y, Xt, yt, seeds=seeds, rounds=3,
                                fraction=0.6, lr=1e-2, epochs=150, **kw)


def _block(runs, i, size):
    part = slice(i * size, (i + 1) * size)
    return lottery.LotteryRuns(runs.kept, runs.test_rewind[part], runs.test_reinit[part],
                               runs.test_random_mask[part], runs.train_rewind[part])


def test_protocol_blocks_are_disjoint_and_apart_from_the_chapter_seeds():
    seeds = [s for b in lottery.PROTOCOL_BLOCKS for s in b]
    assert len(seeds) == len(set(seeds))
    assert min(seeds) >= 192                     # the full-scale build uses 0-191
    assert len(lottery.PROTOCOL_BLOCKS) >= 5 and len(lottery.PROTOCOL_BLOCKS_K) >= 5
    assert all(len(b) == 64 for b in lottery.PROTOCOL_BLOCKS)
    assert set(lottery.PROTOCOL_BLOCKS_K) <= set(lottery.PROTOCOL_BLOCKS)


def test_chapter_statements_hold_on_every_protocol_block():
    blocks = lottery.PROTOCOL_BLOCKS
    runs = _run([s for b in blocks for s in b])
    np.testing.assert_allclose(runs.kept[1:], [0.4, 0.16, 0.064], rtol=0.05)
    X, y, _, yt = lottery.teacher_data()
    constant = float(np.mean((yt - y.mean()) ** 2))   # the chapter's lt_const
    failed, p_sparse = [], []
    for i, block in enumerate(blocks):
        for statement, held in lottery.chapter_statements(
                _block(runs, i, 64), constant_error=constant).items():
            if not held:
                failed.append((block[0], statement))
        _, _, vs_fresh, _ = lottery.chapter_comparisons(_block(runs, i, 64))
        p_sparse.append(vs_fresh[lottery.SPARSE].p_wilcoxon)
    assert not failed, failed
    # the chapter says the Wilcoxon p of rewound vs fresh start at 6.25 % kept is not
    # asserted because the threshold 1e-3 was not met on every block: it is not
    assert max(p_sparse) > 1e-3, p_sparse


def test_rewind_k_statements_hold_on_every_protocol_block():
    blocks = lottery.PROTOCOL_BLOCKS_K
    runs = _run([s for b in blocks for s in b], rewind_step=20)
    failed = [(block[0], statement) for i, block in enumerate(blocks)
              for statement, held in lottery.rewind_k_statements(_block(runs, i, 64)).items()
              if not held]
    assert not failed, failed


def _fake_runs(rewind, reinit, random_mask):
    n = len(rewind)
    return lottery.LotteryRuns(np.array([1.0, 0.4, 0.16, 0.064]), np.asarray(rewind),
                               np.asarray(reinit), np.asarray(random_mask), np.zeros((n, 4)))


def test_statements_can_fail():
    rng = np.random.default_rng(0)
    dense = 1 + 0.1 * rng.random((40, 1))
    same = np.hstack([dense, dense * (1 + 0.1 * rng.random((40, 3)))])
    # the rewound arm worse everywhere (three times the other arms): each statement that
    # favours it at 6.25 % or 16 % fails, and 16 % kept costs more than nothing
    worse = same * np.array([1, 3, 3, 3])
    got = lottery.chapter_statements(_fake_runs(worse, same, same))
    assert not got["16 %: median rewound error below the dense median"]
    assert not got["6.25 %: rewound worse than fresh start in fewer than half the seeds"]
    assert not got["6.25 %: rewound worse than random mask in few seeds, Wilcoxon p < alpha"]
    assert got["40 %: rewound worse than fresh start in most seeds, Wilcoxon p < alpha"]
    # identical arms: no arm fails more often than another, no majority either way
    tie = lottery.chapter_statements(_fake_runs(same, same, same))
    assert not tie["16 %: the random mask fails in more seeds than the magnitude mask"]
    assert not tie["40 %: rewound worse than fresh start in most seeds, Wilcoxon p < alpha"]
    k = lottery.rewind_k_statements(_fake_runs(worse, same, same))
    assert list(k.values()) == [True, False]


def test_teacher_data_and_bad_input():
    X, y, Xt, yt = lottery.teacher_data()
    assert X.shape == (100, 8) and y.shape == (100, 1) and Xt.shape == (1000, 8)
    X0, y0, _, yt0 = lottery.teacher_data(noise=0.0)
    np.testing.assert_array_equal(X0, X)
    # same inputs; only the training targets carry noise, of standard deviation 0.1
    # (100 draws: the sample standard deviation is within 25 % with overwhelming odds)
    assert np.std(y - y0) == pytest.approx(0.1, rel=0.25)
    np.testing.assert_array_equal(yt0, yt)                   # test targets are noiseless
    with pytest.raises(ValueError, match="noise"):
        lottery.teacher_data(noise=-1.0)
    with pytest.raises(ValueError, match="n_train"):
        lottery.teacher_data(n_train=0)
    with pytest.raises(TypeError, match="runs"):
        lottery.chapter_comparisons("runs")
    short = lottery.LotteryRuns(np.ones(2), *(np.ones((3, 2)) for _ in range(4)))
    with pytest.raises(ValueError, match="runs"):
        lottery.chapter_statements(short)
    with pytest.raises(ValueError, match="alpha"):
        lottery.chapter_statements(_fake_runs(*(np.ones((3, 4)),) * 3), alpha=2.0)


# --- double descent -------------------------------------------------------------------

DD_GRID = [5, 10, 15, 20, 25, 30, 35, 38, 40, 42, 45, 50, 60, 80, 120, 200, 400, 800]


def test_dd_protocol_blocks_are_disjoint_and_apart_from_the_chapter_seeds():
    seeds = [s for b in double_descent.PROTOCOL_BLOCKS for s in b]
    assert len(seeds) == len(set(seeds)) and min(seeds) >= 30   # full scale: 0-29
    assert len(double_descent.PROTOCOL_BLOCKS) >= 5
    assert all(len(b) == 8 for b in double_descent.PROTOCOL_BLOCKS)   # the quick size


def test_dd_statements_hold_on_every_protocol_block():
    failed = []
    for block in double_descent.PROTOCOL_BLOCKS:
        run = double_descent.chapter_run(block, DD_GRID)
        failed += [(block[0], s) for s, held in
                   double_descent.chapter_statements(run).items() if not held]
    assert not failed, failed


def test_dd_statements_can_fail():
    run = double_descent.chapter_run(range(4), DD_GRID)
    assert all(double_descent.chapter_statements(run).values())
    # the control made as good as the minimum-norm fit beats it nowhere, and a ridge that
    # copies the minimum-norm fit keeps its peak
    same = dataclasses.replace(run, from_w0=run.minnorm.copy(), ridge=run.minnorm.copy())
    got = double_descent.chapter_statements(same)
    assert not got["the minimum-norm median is below the control's at the last width"]
    assert not got["the tuned ridge is below 5 % of the minimum-norm median at the peak"]
    # a control that stays at its peak level never descends a second time
    flat = dataclasses.replace(run, from_w0=np.maximum.accumulate(run.from_w0, axis=1))
    assert not double_descent.chapter_statements(flat)[
        "the control at the last width is below its best median with p <= n/2"]


def test_dd_bad_input():
    with pytest.raises(TypeError, match="run"):
        double_descent.chapter_statements("run")
    run = double_descent.chapter_run(range(2), [5, 10, 20, 40])
    with pytest.raises(ValueError, match="widths"):
        double_descent.chapter_statements(run)


# --- the norm-based margin bound ------------------------------------------------------


def test_margin_statements_hold_on_every_protocol_block():
    seeds = [s for b in norm_bounds.PROTOCOL_BLOCKS for s in b]
    assert len(seeds) == len(set(seeds)) and min(seeds) >= 24      # full scale: 0-23
    assert len(norm_bounds.PROTOCOL_BLOCKS) >= 5
    failed = []
    for block in norm_bounds.PROTOCOL_BLOCKS:
        runs = norm_bounds.random_label_margins(64, 8, 128, seeds=block, data_seed=0)
        failed += [(block[0], s) for s, held in
                   norm_bounds.chapter_statements(runs).items() if not held]
    assert not failed, failed


def test_golowich_complexity_and_margin_bound_formulas():
    X = np.array([[3.0, 4.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])   # sum |x|^2 = 25
    # L = 1: (sqrt(2 log 2) + 1) * M * 5 / 4
    assert norm_bounds.golowich_complexity([2.0], X) == pytest.approx(
        (np.sqrt(2 * np.log(2)) + 1) * 2 * 5 / 4, rel=1e-12)
    assert norm_bounds.golowich_complexity([2.0, 3.0], X) == pytest.approx(
        (np.sqrt(4 * np.log(2)) + 1) * 6 * 5 / 4, rel=1e-12)
    # for L = 1 it is at least the exact complexity of the norm-M linear class
    from nntheory import generalisation
    rng = np.random.default_rng(3)
    Z = rng.standard_normal((8, 5))
    assert generalisation.rademacher_linear_exact(Z, 1.5) <= \
        norm_bounds.golowich_complexity([1.5], Z)
    # ramp loss: margins 2, 0.5, -1 at rho = 1 give (0 + 0.5 + 1) / 3
    got = norm_bounds.margin_bound([2.0, 0.5, -1.0], 1.0, 0.25, delta=0.1)
    assert got == pytest.approx(0.5 + 0.5 + 3 * np.sqrt(np.log(20) / 6), rel=1e-12)


def test_margin_statements_can_fail_and_bad_input():
    runs = norm_bounds.random_label_margins(64, 8, 128, seeds=[0, 1], data_seed=0)
    assert all(norm_bounds.chapter_statements(runs).values())
    # the two label sets exchanged: the separation statement must fail
    swapped = dataclasses.replace(runs, complexity=runs.complexity[:, ::-1],
                                  rho=runs.rho[:, ::-1])
    got = norm_bounds.chapter_statements(swapped)
    assert got["every network fits its training labels (all margins positive)"]
    assert not got["every random-label network has a larger complexity / margin than "
                   "every true-label one"]
    unfit = dataclasses.replace(runs, rho=-runs.rho)
    assert not norm_bounds.chapter_statements(unfit)[
        "every network fits its training labels (all margins positive)"]
    tiny = dataclasses.replace(runs, bound=np.full_like(runs.bound, 0.5))
    assert not norm_bounds.chapter_statements(tiny)[
        "the bound exceeds 1 for every network (vacuous)"]
    with pytest.raises(TypeError, match="runs"):
        norm_bounds.chapter_statements("runs")
    with pytest.raises(ValueError, match="norms"):
        norm_bounds.golowich_complexity([], np.ones((2, 2)))
    with pytest.raises(ValueError, match="rho"):
        norm_bounds.margin_bound([1.0], 0.0, 1.0)
    with pytest.raises(ValueError, match="delta"):
        norm_bounds.margin_bound([1.0], 1.0, 1.0, delta=0.0)
    with pytest.raises(ValueError, match="seeds"):
        norm_bounds.random_label_margins(8, 2, 4, seeds=[])


# --- random labels --------------------------------------------------------------------


def test_random_label_statements_hold_on_every_protocol_block_and_data_set():
    seeds = [s for b in memorisation.PROTOCOL_BLOCKS for s in b]
    assert len(seeds) == len(set(seeds)) and min(seeds) >= 24      # full scale: 0-23
    assert len(memorisation.PROTOCOL_BLOCKS) >= 5
    assert 0 not in memorisation.PROTOCOL_DATA_SEEDS               # the chapter's data
    runs = [(0, b) for b in memorisation.PROTOCOL_BLOCKS]
    runs += [(ds, range(8)) for ds in memorisation.PROTOCOL_DATA_SEEDS]
    failed = []
    for data_seed, block in runs:
        fits = memorisation.random_label_fits(64, 8, 128, seeds=block, data_seed=data_seed,
                                              steps=600)
        failed += [(data_seed, block[0], s) for s, held in
                   memorisation.chapter_statements(fits).items() if not held]
    assert not failed, failed


def test_random_label_statements_can_fail():
    fits = memorisation.random_label_fits(64, 8, 128, seeds=[0, 1], steps=600)
    assert all(memorisation.chapter_statements(fits).values())
    swapped = memorisation.RandomLabelFits(fits.train_true, fits.test_random,
                                           fits.train_random, fits.test_true)
    got = memorisation.chapter_statements(swapped)
    assert not got["every true-label network is more accurate on new points than every "
                   "random-label one"]
    assert not got["the random-label networks' mean test accuracy is within 8 points of 50 %"]
    short = memorisation.random_label_fits(64, 8, 128, seeds=[0], steps=1)
    assert not memorisation.chapter_statements(short)[
        "every network fits its training labels, true or random"]
    with pytest.raises(TypeError, match="fits"):
        memorisation.chapter_statements("fits")


# --- lazy training (NTK) --------------------------------------------------------------

NTK_WIDTHS = [2 ** j for j in range(6, 12)]                  # the quick scale's widths


def test_ntk_statements_hold_on_every_protocol_block_and_data_set():
    failed, levels = [], []
    for kernel_seeds, train_seeds in generalisation.NTK_PROTOCOL_BLOCKS:
        assert min(kernel_seeds) >= 40 and min(train_seeds) >= 10   # full: 0-39, 0-9
        run = generalisation.ntk_chapter_run(NTK_WIDTHS, kernel_seeds=kernel_seeds,
                                             train_seeds=train_seeds)
        failed += [(train_seeds[0], s) for s, held in
                   generalisation.ntk_chapter_statements(run).items() if not held]
    assert len(generalisation.NTK_PROTOCOL_BLOCKS) >= 5
    for data_seed in generalisation.NTK_PROTOCOL_DATA_SEEDS:
        assert data_seed != 2                                     # the chapter's data
        run = generalisation.ntk_chapter_run(NTK_WIDTHS, kernel_seeds=range(20),
                                             train_seeds=range(4), data_seed=data_seed)
        failed += [(data_seed, s) for s, held in generalisation.ntk_chapter_statements(
            run, with_level=False).items() if not held]
        levels.append(run.kr_gap[-1])
    assert not failed, failed
    # the chapter says the 1 % level belongs to its data set: it fails on another one
    assert max(levels) >= 0.01


def test_ntk_statements_can_fail():
    run = generalisation.ntk_chapter_run([64, 256], kernel_seeds=range(4),
                                         train_seeds=range(2))
    grown = dataclasses.replace(run, abs_change=run.abs_change * np.array([1.0, 4.0]),
                                drift=run.drift[::-1] * 100, kr_gap=np.array([0.01, 0.5]))
    got = generalisation.ntk_chapter_statements(grown)
    assert not any(got[k] for k in list(got)[1:])
    with pytest.raises(TypeError, match="run"):
        generalisation.ntk_chapter_statements("run")
