r"""Lower bounds that can be executed: shallow floors, kink-spread controls, fixed knots.

Chapters 5 and 7 compare what deep constructions reach with what *every* network of
another kind must miss. The functions here compute those floors exactly and build the
networks that attain them, so that a chapter can assert a bound where it is attained.

* :func:`shallow_square_floor`: a continuous function that is affine on each of ``p``
  intervals covering :math:`[0, 1]` is at sup distance at least :math:`1/(8p^2)` from
  :math:`x^2` (some interval has length :math:`h \ge 1/p`, and the best affine
  approximation of :math:`x^2` on an interval of length :math:`h` has error exactly
  :math:`h^2/8`). A one-hidden-layer ReLU network with ``N`` units has at most
  :math:`N + 1` pieces, so its error is at least :math:`1/(8(N+1)^2)`.
* :func:`shallow_square_best`: the broken line through :math:`(x_i, x_i^2 - h^2/8)` on
  ``N`` equal cells, ``N`` units, error exactly :math:`1/(8N^2)`: the floor for
  :math:`p = N` pieces is attained.
* :func:`train_spread_kinks`: the control of chapter 5's table. He initialisation sets
  every bias to zero, so all first-layer kinks start at :math:`x = 0`; here the first
  layer's biases are :math:`b_j = -w_j u_j` with :math:`u_j \sim U[a, b]`, so the kinks
  start spread over the interval, and the rest of the recipe is
  :func:`nntheory.depth.train_architectures`'.
* :func:`fixed_knot_floor`, :func:`best_fixed_knot_error`: for a fixed set of knots whose
  longest cell has length :math:`H`, a singularity :math:`\sqrt{|x - a|}` placed at the
  centre of that cell is at sup distance at least :math:`\tfrac12\sqrt{H/2}` from every
  function affine on the cell (by symmetry the best affine function there is a constant);
  :func:`best_fixed_knot_error` computes the best continuous broken line on the knots by
  linear programming on a grid.
* :func:`equidistributed_knots`: knots that split :math:`\int |f''|^{1/2}` into equal
  parts, for :math:`f = \sqrt{|x - a|}` (free knots: chosen after seeing ``a``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
from scipy import optimize

from . import numpy_core
from .validation import check_array, check_int, check_real

__all__ = [
    "shallow_square_floor",
    "shallow_square_best",
    "train_spread_kinks",
    "fixed_knot_floor",
    "best_fixed_knot_error",
    "equidistributed_knots",
    "sqrt_singularity",
    "random_relu_widths",
    "pieces_bound_widths",
    "sawtooth_series_net",
    "pair_win_fraction",
    "sawtooth_table_block",
    "TableBlock",
    "SAWTOOTH_TABLE_BLOCKS",
]


def shallow_square_floor(n_pieces: int) -> float:
    r""":math:`1/(8p^2)`: no function affine on each of ``p`` intervals covering
    :math:`[0, 1]` comes closer to :math:`x^2` in sup norm. For a one-hidden-layer ReLU
    network with ``N`` units pass ``p = N + 1``."""
    p = check_int(n_pieces, "n_pieces", minimum=1)
    return 1.0 / (8.0 * p * p)


def shallow_square_best(n_units: int) -> numpy_core.MLP:
    r"""A ``[1, N, 1]`` ReLU network at sup distance exactly :math:`1/(8N^2)` from
    :math:`x^2` on :math:`[0, 1]`: the interpolant on ``N`` equal cells lowered by
    :math:`h^2/8`, :math:`h = 1/N` (on each cell the best affine approximation)."""
    n = check_int(n_units, "n_units", minimum=1)
    knots = np.arange(n + 1) / n
    values = knots ** 2 - 1.0 / (8.0 * n * n)
    c = np.diff(np.diff(values) / np.diff(knots), prepend=0.0)
    net = numpy_core.MLP([1, n, 1], "relu")
    net.set_parameters([np.ones((1, n)), -knots[:-1], c[:, None], values[:1]])
    return net


def train_spread_kinks(sizes: Sequence[int], f: Callable, *, seeds: Sequence[int],
                       epochs: int, lr: float = 1e-2, n_train: int = 128, a: float = -1.0,
                       b: float = 1.0, n_test: int = 2001) -> np.ndarray:
    r"""Test MSEs of :func:`nntheory.depth.train_architectures`' recipe (He weights, Adam,
    full batch, ``n_train`` equally spaced points of ``f`` on :math:`[a, b]`), except that
    member ``j`` starts with first-layer biases :math:`-w_i u_i`, :math:`u_i \sim U[a, b]`
    drawn from ``np.random.default_rng([seeds[j], 7])``: the kinks start spread over the
    interval instead of all at :math:`x = 0`. Returns one MSE per seed (on ``n_test``
    equally spaced points)."""
    seeds = [check_int(s, "seeds entry", minimum=0) for s in seeds]
    if not seeds:
        raise ValueError("seeds must be non-empty")
    epochs = check_int(epochs, "epochs", minimum=1)
    a = check_real(a, "a")
    b = check_real(b, "b")
    if not a < b:
        raise ValueError(f"need a < b; got a={a}, b={b}")
    X = np.linspace(a, b, check_int(n_train, "n_train", minimum=2))[:, None]
    y = np.asarray(f(X), dtype=np.float64).reshape(-1, 1)
    ens = numpy_core.Ensemble(list(sizes), "relu", init="he", seeds=seeds)
    for i, s in enumerate(seeds):
        params = ens.get_parameters(i)
        u = np.random.default_rng([s, 7]).uniform(a, b, params[0].shape[1])
        params[1] = -params[0][0] * u
        ens.set_parameters(i, params)
    for h in numpy_core.fit_ensemble(ens, X, y, optimizer="adam", lr=lr, epochs=epochs):
        if h.diverged is not None:
            raise h.diverged
    Xt = np.linspace(a, b, check_int(n_test, "n_test", minimum=2))[:, None]
    yt = np.asarray(f(Xt), dtype=np.float64).reshape(-1, 1)
    return np.mean((ens.predict(Xt) - yt) ** 2, axis=(1, 2))


def sqrt_singularity(a: float) -> Callable[[np.ndarray], np.ndarray]:
    r"""The function :math:`x \mapsto \sqrt{|x - a|}`."""
    a = check_real(a, "a")
    return lambda x: np.sqrt(np.abs(np.asarray(x, dtype=np.float64) - a))


def fixed_knot_floor(knots) -> float:
    r""":math:`\tfrac12\sqrt{H/2}`, :math:`H` the longest cell of ``knots``: the sup
    distance from :math:`\sqrt{|x - a|}`, ``a`` the centre of that cell, to every function
    that is affine on the cell (on :math:`[-H/2, H/2]` the best affine approximation of
    :math:`\sqrt{|t|}` is the constant :math:`\tfrac12\sqrt{H/2}`: the mirror image of an
    affine function is as good, and their mean is a constant)."""
    x = check_array(knots, "knots", ndim=1, min_size=2)
    if np.any(np.diff(x) <= 0):
        raise ValueError("knots must be strictly increasing")
    return 0.5 * float(np.sqrt(np.max(np.diff(x)) / 2))


def best_fixed_knot_error(f: Callable, knots, n_grid: int = 4001,
                          points: Sequence[float] = ()) -> float:
    r"""The least sup error, on ``n_grid`` equally spaced points of
    :math:`[\text{knots}_0, \text{knots}_{-1}]` together with the knots and ``points``
    (say, where ``f`` is singular), of a continuous
    broken line with the given ``knots`` against ``f``, by linear programming (HiGHS):
    minimise :math:`t` subject to :math:`|\sum_i v_i\phi_i(x_j) - f(x_j)| \le t`, with
    :math:`\phi_i` the hat functions. A grid minimum is a lower bound on the continuous one
    up to the solver's tolerance (about ``1e-7`` relative)."""
    k = check_array(knots, "knots", ndim=1, min_size=2)
    if np.any(np.diff(k) <= 0):
        raise ValueError("knots must be strictly increasing")
    n = check_int(n_grid, "n_grid", minimum=2)
    extra = np.asarray(points, dtype=np.float64).ravel()
    extra = extra[(extra >= k[0]) & (extra <= k[-1])]
    x = np.union1d(np.union1d(np.linspace(k[0], k[-1], n), k), extra)
    y = np.asarray(f(x), dtype=np.float64).ravel()
    Phi = np.empty((x.size, k.size))
    for i in range(k.size):
        e = np.zeros(k.size)
        e[i] = 1.0
        Phi[:, i] = np.interp(x, k, e)
    ones = np.ones((x.size, 1))
    res = optimize.linprog(np.r_[np.zeros(k.size), 1.0],
                           A_ub=np.block([[Phi, -ones], [-Phi, -ones]]),
                           b_ub=np.r_[y, -y],
                           bounds=[(None, None)] * k.size + [(0, None)], method="highs")
    if res.status != 0:  # pragma: no cover - always feasible and bounded
        raise RuntimeError(f"linprog failed: {res.message}")
    return float(np.max(np.abs(Phi @ res.x[:-1] - y)))


def equidistributed_knots(a: float, n_cells: int, lo: float = 0.0,
                          hi: float = 1.0) -> np.ndarray:
    r"""Knots for :math:`\sqrt{|x - a|}` on :math:`[lo, hi]` that split
    :math:`\int|f''|^{1/2}` into (nearly) equal parts. On a side of length :math:`s` next to
    the singularity that integral is :math:`2s^{1/4}` (with :math:`|f''|^{1/2} =
    \tfrac12 t^{-3/4}`), so the side gets a share of the ``n_cells`` cells proportional to
    :math:`s^{1/4}` (at least one), with knots :math:`a \pm s(i/m)^4`."""
    n = check_int(n_cells, "n_cells", minimum=2)
    lo, hi, a = check_real(lo, "lo"), check_real(hi, "hi"), check_real(a, "a")
    if not lo <= a <= hi or not lo < hi:
        raise ValueError(f"need lo <= a <= hi and lo < hi; got lo={lo}, a={a}, hi={hi}")
    left, right = a - lo, hi - a
    if left == 0 or right == 0:
        side = left or right
        t = side * (np.arange(n + 1) / n) ** 4
        return a - t[::-1] if left else a + t
    m_left = int(np.clip(round(n * left ** 0.25 / (left ** 0.25 + right ** 0.25)), 1, n - 1))
    m_right = n - m_left
    tl = left * (np.arange(m_left + 1) / m_left) ** 4
    tr = right * (np.arange(m_right + 1) / m_right) ** 4
    return np.concatenate([a - tl[::-1], a + tr[1:]])


def random_relu_widths(widths: Sequence[int], seed: int, *,
                       bias_std: float = 1.0) -> numpy_core.MLP:
    r"""A ReLU network ``[1, *widths, 1]`` with He weights and ``N(0, bias_std**2)`` biases
    (drawn from ``np.random.default_rng([seed, 2])``), so that its breakpoints spread out;
    :func:`nntheory.depth.random_relu_net` for hidden layers of different widths."""
    widths = [check_int(w, "widths entry", minimum=1) for w in widths]
    if not widths:
        raise ValueError("widths must be non-empty")
    seed = check_int(seed, "seed", minimum=0)
    bias_std = check_real(bias_std, "bias_std", low=0.0)
    net = numpy_core.MLP([1, *widths, 1], "relu", init="he", seed=seed)
    rng = np.random.default_rng([seed, 2])
    params = net.get_parameters()
    for i in range(1, len(params), 2):
        params[i] = rng.normal(0.0, bias_std, size=params[i].shape)
    net.set_parameters(params)
    return net


def pieces_bound_widths(widths: Sequence[int]) -> int:
    r""":math:`\prod_l (w_l + 1)`: the most linear pieces a ReLU network
    :math:`\mathbb{R} \to \mathbb{R}` with hidden widths ``widths`` has on an interval (each
    unit of layer ``l`` splits each cell of the partition after layer ``l - 1`` at most once).
    By the AM-GM inequality it is at most :math:`(N/L + 1)^L`, ``N = sum(widths)``,
    ``L = len(widths)``."""
    widths = [check_int(w, "widths entry", minimum=1) for w in widths]
    if not widths:
        raise ValueError("widths must be non-empty")
    out = 1
    for w in widths:
        out *= w + 1
    return out


def sawtooth_series_net(coefficients: Sequence[float]) -> numpy_core.MLP:
    r"""The ``[1, 3, ..., 3, 1]`` ReLU network (``K = len(coefficients)`` hidden layers,
    ``12K - 2`` parameters) computing :math:`S_K = \sum_{s=1}^K a_s \Delta^s(x)` on
    :math:`[0, 1]` for non-negative coefficients :math:`a_s`.

    As in Yarotsky's network (:func:`nntheory.depth.yarotsky_square`, which is
    :math:`x - \sum 4^{-s}\Delta^s`), hidden layer ``s`` holds :math:`\sigma(g_{s-1})`,
    :math:`\sigma(g_{s-1} - 1/2)` (so that :math:`g_s = \Delta(g_{s-1})`, :math:`g_0 = x`)
    and :math:`\sigma(S_{s-1}) = S_{s-1}` (non-negative). With
    :math:`a_s = 2^{-\beta s}` the partial sums converge to the Takagi-type function
    :math:`\sum_s 2^{-\beta s}\Delta^s`, which is Hölder of order :math:`\beta` and no better.
    """
    a = check_array(coefficients, "coefficients", ndim=1, min_size=1)
    if np.any(a < 0):
        raise ValueError("coefficients must be non-negative (the running sum passes a ReLU)")
    K = a.size
    t = np.array([0.0, -0.5, 0.0])
    params = [np.array([[1.0, 1.0, 0.0]]), t.copy()]
    for s in range(1, K):
        W = np.array([[2.0, 2.0, 2.0 * a[s - 1]],
                      [-4.0, -4.0, -4.0 * a[s - 1]],
                      [0.0, 0.0, 1.0]])
        params += [W, t.copy()]
    params += [np.array([[2.0 * a[-1]], [-4.0 * a[-1]], [1.0]]), np.zeros(1)]
    net = numpy_core.MLP([1] + [3] * K + [1], "relu")
    net.set_parameters(params)
    return net


# ------------------------------------------------------------- chapter 5's table, per seed block

def pair_win_fraction(a, b) -> float:
    r"""The fraction of pairs :math:`(i, j)` with :math:`a_i < b_j`, over all
    :math:`|a|\,|b|` pairs: :math:`U / (|a|\,|b|)` for the Mann–Whitney statistic :math:`U`
    of ``a`` below ``b`` (ties count as losses). 1 means that every entry of ``a`` is
    below every entry of ``b`` (``max(a) < min(b)``); a few exceptions lower it by
    :math:`1/(|a|\,|b|)` each, instead of turning a min/max statement false."""
    a = check_array(a, "a", ndim=1, min_size=1)
    b = check_array(b, "b", ndim=1, min_size=1)
    return float(np.mean(a[:, None] < b[None, :]))


def sawtooth_table_block(first_seed: int, n_seeds: int, epochs: int) -> dict:
    r"""One seed block of chapter 5's depth-versus-width table on the sawtooth-like target
    :math:`\Delta^4((x + 1)/2)` on :math:`[-1, 1]`, with the chapter's recipe (Adam,
    learning rate :math:`10^{-2}`, full batch, 128 equally spaced training points, test
    MSE on 2001 points divided by the target's variance there), for the seeds
    ``first_seed, ..., first_seed + n_seeds - 1``:

    * ``"shallow"``: 1×100 from He initialisation (zero biases: every kink at 0),
      :func:`nntheory.depth.train_architectures`;
    * ``"deep"``: 5×20 from He initialisation, same function;
    * ``"spread"``: 1×100 with its first-layer kinks spread over :math:`[-1, 1]`,
      :func:`train_spread_kinks`.

    Returns a dict with ``"runs"`` (the three arrays of relative errors) and the summary
    that :data:`SAWTOOTH_TABLE_BLOCKS` records: ``(min, median, max)`` per network and the
    pair fractions :func:`pair_win_fraction` of deep below shallow, spread below shallow and
    deep below spread."""
    from . import depth

    first_seed = check_int(first_seed, "first_seed", minimum=0)
    n_seeds = check_int(n_seeds, "n_seeds", minimum=1)
    epochs = check_int(epochs, "epochs", minimum=1)
    seeds = range(first_seed, first_seed + n_seeds)
    saw4 = depth.sawtooth(4)

    def f(x):
        return saw4.predict((np.reshape(x, (-1, 1)) + 1) / 2)

    x_test = np.linspace(-1.0, 1.0, 2001)
    variance = float(np.var(np.ravel(f(x_test[:, None]))))
    runs = {}
    for name, sizes in (("shallow", [1, 100, 1]), ("deep", [1] + [20] * 5 + [1])):
        res = depth.train_architectures(sizes, f, seeds=seeds, epochs=epochs, lr=1e-2,
                                        n_train=128)
        runs[name] = np.array([r.mse for r in res]) / variance
    runs["spread"] = train_spread_kinks([1, 100, 1], f, seeds=seeds, epochs=epochs,
                                        lr=1e-2, n_train=128) / variance
    out = {"runs": runs}
    for name, r in runs.items():
        out[name] = (float(r.min()), float(np.median(r)), float(r.max()))
    out["deep<shallow"] = pair_win_fraction(runs["deep"], runs["shallow"])
    out["spread<shallow"] = pair_win_fraction(runs["spread"], runs["shallow"])
    out["deep<spread"] = pair_win_fraction(runs["deep"], runs["spread"])
    return out


class TableBlock(NamedTuple):
    """One row of :data:`SAWTOOTH_TABLE_BLOCKS`: the summary that
    :func:`sawtooth_table_block` returns for one block of seeds, rounded to 4 digits."""

    scale: str                                  # "quick" (400 epochs) or "full" (4000)
    first_seed: int
    n_seeds: int
    epochs: int
    deep: tuple[float, float, float]            # 5x20, zero biases: (min, median, max)
    spread: tuple[float, float, float]          # 1x100, kinks spread over [-1, 1]
    shallow: tuple[float, float, float]         # 1x100, zero biases
    deep_below_shallow: float                   # pair fractions (pair_win_fraction)
    spread_below_shallow: float
    deep_below_spread: float


#: The seed protocol for chapter 5's sawtooth row: :func:`sawtooth_table_block` on twenty
#: disjoint blocks of ten seeds at the quick scale (seeds 0-199, 400 epochs) and six blocks
#: of twenty at the full scale (seeds 0-119, 4000 epochs), measured once (numpy ensembles,
#: one thread) and recorded here, as the chapter cannot rerun them within its time budget.
#: ``tests/test_ch05_seed_blocks.py`` reruns recorded blocks and compares.
SAWTOOTH_TABLE_BLOCKS: tuple[TableBlock, ...] = tuple(TableBlock(*row) for row in (
    ("quick", 0, 10, 400,
     (0.2142, 0.4896, 0.5789), (0.7269, 0.8137, 0.8836), (0.8894, 0.9235, 0.9346),
     1.0, 1.0, 1.0),
    ("quick", 10, 10, 400,
     (0.09952, 0.3974, 0.584), (0.5746, 0.7221, 0.8875), (0.9014, 0.9251, 0.9355),
     1.0, 1.0, 0.99),
    ("quick", 20, 10, 400,
     (0.2433, 0.5527, 0.7132), (0.5497, 0.7879, 0.8646), (0.9015, 0.9236, 0.9345),
     1.0, 1.0, 0.93),
    ("quick", 30, 10, 400,
     (0.2285, 0.4315, 0.753), (0.7455, 0.7762, 0.8196), (0.9033, 0.9223, 0.9343),
     1.0, 1.0, 0.99),
    ("quick", 40, 10, 400,
     (0.3182, 0.5202, 0.8599), (0.6819, 0.8, 0.8762), (0.9042, 0.9198, 0.9325),
     1.0, 1.0, 0.9),
    ("quick", 50, 10, 400,
     (0.2892, 0.4443, 0.9088), (0.6982, 0.8014, 0.8771), (0.8918, 0.9196, 0.931),
     0.97, 1.0, 0.9),
    ("quick", 60, 10, 400,
     (0.2309, 0.5203, 0.7387), (0.6515, 0.7769, 0.9321), (0.8733, 0.9235, 0.9348),
     1.0, 0.89, 0.92),
    ("quick", 70, 10, 400,
     (0.3633, 0.4615, 0.6748), (0.6326, 0.7944, 0.8669), (0.8939, 0.924, 0.9375),
     1.0, 1.0, 0.99),
    ("quick", 80, 10, 400,
     (0.3828, 0.5393, 0.6683), (0.6545, 0.801, 0.8888), (0.8972, 0.9205, 0.9369),
     1.0, 1.0, 0.99),
    ("quick", 90, 10, 400,
     (0.2296, 0.4577, 0.7434), (0.6465, 0.7449, 0.8724), (0.8856, 0.9147, 0.9317),
     1.0, 1.0, 0.96),
    ("quick", 100, 10, 400,
     (0.348, 0.5582, 0.727), (0.5742, 0.8188, 0.8686), (0.8988, 0.9179, 0.9429),
     1.0, 1.0, 0.94),
    ("quick", 110, 10, 400,
     (0.2751, 0.4054, 0.8375), (0.5332, 0.7055, 0.8932), (0.9101, 0.9222, 0.9353),
     1.0, 1.0, 0.85),
    ("quick", 120, 10, 400,
     (0.2367, 0.5003, 0.6654), (0.6761, 0.7964, 0.8228), (0.8665, 0.9247, 0.9308),
     1.0, 1.0, 1.0),
    ("quick", 130, 10, 400,
     (0.362, 0.4878, 0.7147), (0.6531, 0.795, 0.8568), (0.8961, 0.9174, 0.9323),
     1.0, 1.0, 0.98),
    ("quick", 140, 10, 400,
     (0.2283, 0.507, 0.6673), (0.613, 0.7867, 0.883), (0.9003, 0.9225, 0.9389),
     1.0, 1.0, 0.96),
    ("quick", 150, 10, 400,
     (0.2907, 0.625, 0.7874), (0.6037, 0.7435, 0.8832), (0.8834, 0.9244, 0.936),
     1.0, 1.0, 0.84),
    ("quick", 160, 10, 400,
     (0.209, 0.539, 0.7667), (0.6338, 0.763, 0.8497), (0.9155, 0.9295, 0.9357),
     1.0, 1.0, 0.94),
    ("quick", 170, 10, 400,
     (0.3983, 0.5673, 0.7635), (0.636, 0.7692, 0.8512), (0.8947, 0.9203, 0.9409),
     1.0, 1.0, 0.92),
    ("quick", 180, 10, 400,
     (0.4001, 0.6018, 0.744), (0.6793, 0.7777, 0.8636), (0.8681, 0.918, 0.9367),
     1.0, 1.0, 0.96),
    ("quick", 190, 10, 400,
     (0.2284, 0.5864, 0.7418), (0.6976, 0.7625, 0.8739), (0.9004, 0.9249, 0.9381),
     1.0, 1.0, 0.94),
    ("full", 0, 20, 4000,
     (0.0006448, 0.01029, 0.2122), (0.0234, 0.07894, 0.2175), (0.4506, 0.5962, 0.7388),
     1.0, 1.0, 0.815),
    ("full", 20, 20, 4000,
     (0.0005325, 0.001139, 0.5078), (0.01149, 0.05924, 0.1836), (0.5073, 0.5991, 0.7588),
     0.9975, 1.0, 0.8975),
    ("full", 40, 20, 4000,
     (0.0006916, 0.001538, 0.5401), (0.01967, 0.05412, 0.2371), (0.4991, 0.6232, 0.7891),
     0.99, 1.0, 0.805),
    ("full", 60, 20, 4000,
     (0.0004383, 0.001705, 0.2078), (0.0185, 0.06241, 0.1909), (0.4908, 0.5883, 0.7492),
     1.0, 1.0, 0.7825),
    ("full", 80, 20, 4000,
     (0.0005298, 0.003545, 0.198), (0.02143, 0.05771, 0.2807), (0.4263, 0.6152, 0.769),
     1.0, 1.0, 0.8675),
    ("full", 100, 20, 4000,
     (0.0005987, 0.009006, 0.2013), (0.009259, 0.08518, 0.3102), (0.3943, 0.6033, 0.7459),
     1.0, 1.0, 0.695),

))
