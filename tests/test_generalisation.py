"""Tests of nntheory.generalisation: shattering, Rademacher, random features, implicit
bias, the tangent kernel, magnitude pruning and finite-difference Hessians."""

import itertools
import math

import numpy as np
import pytest
import torch

from nntheory import generalisation as gen
from nntheory import numpy_core as npc

# ----------------------------------------------------------------------------------- VC


@pytest.mark.parametrize("d", [1, 2, 3])
def test_simplex_shattered_and_d_plus_2_not(d):
    assert gen.halfspace_shatters(np.vstack([np.zeros(d), np.eye(d)]))
    X = np.random.default_rng(d).standard_normal((d + 2, d))
    assert not gen.halfspace_shatters(X)


def test_repeated_point_is_not_shattered():
    # two copies of one point cannot get different labels
    assert not gen.halfspace_shatters(np.array([[0.5, 1.0], [0.5, 1.0]]))
    assert gen.halfspace_shatters(np.array([[0.5, 1.0], [0.5, 1.1]]))


@pytest.mark.parametrize("n,d", [(3, 1), (4, 2), (6, 2), (5, 3)])
def test_radon_partition_is_an_affine_dependence_with_a_common_point(n, d):
    X = np.random.default_rng(n + d).standard_normal((n, d))
    lam, p = gen.radon_partition(X)
    assert np.abs(lam).max() == pytest.approx(1.0)
    assert abs(lam.sum()) < 1e-12 and np.abs(lam @ X).max() < 1e-12
    for side in (lam > 0, lam < 0):  # p is a convex combination of each side
        w = lam[side] / lam[side].sum()
        assert np.all(w > 0) and np.allclose(w @ X[side], p, atol=1e-12)


def test_radon_partition_needs_d_plus_2_points():
    with pytest.raises(ValueError, match="d \\+ 2"):
        gen.radon_partition(np.zeros((3, 2)))


def test_bit_extraction_realises_every_labelling():
    for k in range(1, 9):
        for labels in itertools.product([0, 1], repeat=k):
            a = gen.bit_extraction_parameter(labels)
            assert 0 <= a < 1
            assert list(gen.bit_extraction_labels(a, k)) == list(labels)


def test_bit_extraction_rejects_bad_labels():
    with pytest.raises(ValueError, match="labels"):
        gen.bit_extraction_parameter([0, 2])
    with pytest.raises(ValueError, match="24"):
        gen.bit_extraction_parameter(np.zeros(25))
    with pytest.raises(ValueError, match="a"):
        gen.bit_extraction_labels(1.5, 3)


# --------------------------------------------------------------------------- Rademacher


def test_rademacher_sup_over_the_ball_by_brute_force():
    # independent of Cauchy-Schwarz: maximise <w, v> over 20000 directions of the circle
    X = np.random.default_rng(0).standard_normal((6, 2))
    angles = np.linspace(0, 2 * np.pi, 20_000, endpoint=False)
    U = np.stack([np.cos(angles), np.sin(angles)])
    total = 0.0
    for s in itertools.product([-1.0, 1.0], repeat=6):
        total += np.max(np.array(s) @ X @ U)
    brute = 3.0 * total / 2**6 / 6  # B = 3
    # grid error: 1 - cos(pi / 20000) of the norm, about 1e-8 relative
    assert gen.rademacher_linear_exact(X, 3.0) == pytest.approx(brute, rel=1e-7)


def test_rademacher_bound_cases():
    rng = np.random.default_rng(1)
    for d in (1, 3, 30):
        X = rng.standard_normal((10, d))
        exact, bound = gen.rademacher_linear_exact(X), gen.rademacher_linear_bound(X)
        assert bound / math.sqrt(2) <= exact <= bound
    orth = np.diag([1.0, 5.0, 0.5, 2.0])
    assert gen.rademacher_linear_exact(orth, 2.0) == pytest.approx(
        gen.rademacher_linear_bound(orth, 2.0), rel=1e-14
    )
    one = np.array([[3.0, 4.0]])
    assert gen.rademacher_linear_exact(one, 0.5) == pytest.approx(2.5, rel=1e-14)
    two = np.array([[1.0, -2.0], [1.0, -2.0]])
    assert gen.rademacher_linear_exact(two) == pytest.approx(
        gen.rademacher_linear_bound(two) / math.sqrt(2), rel=1e-14
    )


def test_rademacher_monte_carlo_agrees_within_its_error():
    X = np.random.default_rng(2).standard_normal((12, 4))
    exact = gen.rademacher_linear_exact(X)
    zs = []
    for seed in range(5):
        est, se = gen.rademacher_linear_mc(X, n_draws=5000, seed=seed)
        assert se > 0
        zs.append((est - exact) / se)
    assert max(abs(z) for z in zs) < 4  # five independent estimates, each within 4 SE
    a = gen.rademacher_linear_mc(X, n_draws=100, seed=7)
    assert a == gen.rademacher_linear_mc(X, n_draws=100, seed=7)  # deterministic


def test_rademacher_bad_input():
    with pytest.raises(ValueError, match="B"):
        gen.rademacher_linear_bound(np.ones((2, 2)), 0.0)
    with pytest.raises(ValueError, match="at most"):
        gen.rademacher_linear_exact(np.ones((21, 1)))
    with pytest.raises(ValueError, match="X"):
        gen.rademacher_linear_mc(np.array([[np.nan]]))
    with pytest.raises(TypeError, match="n_draws"):
        gen.rademacher_linear_mc(np.ones((2, 2)), n_draws=2.5)


# ---------------------------------------------------------------------- random features


def test_random_feature_errors_match_pinv_and_primal_ridge():
    n, d, ps, lams = 15, 4, [5, 15, 40], [0.01, 1.0]
    res = gen.random_feature_errors(
        n, d, ps, seeds=[3], noise=0.5, lambdas=lams, n_test=50, n_val=20
    )
    # the same data, drawn again in the documented order
    rng = np.random.default_rng(3)
    beta = rng.standard_normal(d) / math.sqrt(d)
    Xtr, Xva, Xte = (rng.standard_normal((m, d)) for m in (n, 20, 50))
    ytr = Xtr @ beta + 0.5 * rng.standard_normal(n)
    yva = Xva @ beta + 0.5 * rng.standard_normal(20)
    W = rng.standard_normal((d, max(ps))) / math.sqrt(d)
    for j, p in enumerate(ps):
        F = [np.maximum(X @ W[:, :p], 0) / math.sqrt(p) for X in (Xtr, Xva, Xte)]
        coef = np.linalg.pinv(F[0], rcond=1e-6) @ ytr
        sv = np.linalg.svd(F[0], compute_uv=False)     # min(n, p) of them, descending
        assert res.sigma_min[0, j] == pytest.approx(sv[-1], rel=1e-6)
        assert res.test_minnorm[0, j] == pytest.approx(
            np.mean((F[2] @ coef - Xte @ beta) ** 2), rel=1e-6
        )
        for k, lam in enumerate(lams):
            c = np.linalg.solve(F[0].T @ F[0] + lam * np.eye(p), F[0].T @ ytr)
            assert res.test_ridge[0, k, j] == pytest.approx(
                np.mean((F[2] @ c - Xte @ beta) ** 2), rel=1e-8
            )
            assert res.val_ridge[0, k, j] == pytest.approx(
                np.mean((F[1] @ c - yva) ** 2), rel=1e-8
            )
    assert res.train_minnorm[0, 2] < 1e-20  # p > n: interpolation
    assert res.train_minnorm[0, 0] > 0.01  # p < n: least squares, not exact


def test_random_feature_errors_bad_input():
    with pytest.raises(ValueError, match="lambdas"):
        gen.random_feature_errors(5, 2, [3], lambdas=[0.0])
    with pytest.raises(ValueError, match="n_features"):
        gen.random_feature_errors(5, 2, [0])
    with pytest.raises(TypeError, match="seeds"):
        gen.random_feature_errors(5, 2, [3], seeds=[1.5])


# ------------------------------------------------------------------------ implicit bias


def test_gradient_descent_reaches_the_implicit_bias_limit():
    rng = np.random.default_rng(4)
    X, y, w0 = (
        rng.standard_normal((5, 12)),
        rng.standard_normal(5),
        rng.standard_normal(12),
    )
    w = w0.copy()
    lr = 1.0 / np.linalg.eigvalsh(X.T @ X).max()
    for _ in range(5000):
        w -= lr * X.T @ (X @ w - y)
    limit = gen.implicit_bias_limit(X, y, w0)
    assert np.abs(w - limit).max() < 1e-10
    assert np.abs(X @ limit - y).max() < 1e-10
    null = np.linalg.svd(X)[2][5:]  # a basis of the null space
    assert np.abs(null @ (limit - w0)).max() < 1e-10  # w - w0 in the row space
    assert np.allclose(
        gen.implicit_bias_limit(X, y, np.zeros(12)), np.linalg.pinv(X) @ y
    )


def test_implicit_bias_limit_shapes():
    with pytest.raises(ValueError, match="w0"):
        gen.implicit_bias_limit(np.ones((2, 3)), np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="y"):
        gen.implicit_bias_limit(np.ones((2, 3)), np.ones(3), np.ones(3))


# ---------------------------------------------------------------------------------- NTK


def _torch_net(W, a):
    W = torch.tensor(W, requires_grad=True)
    a = torch.tensor(a, requires_grad=True)
    return W, a, lambda X: torch.relu(torch.as_tensor(X) @ W.T) @ a / math.sqrt(len(a))


def test_empirical_ntk_matches_autograd():
    W, a = gen.ntk_init(3, 7, seed=0)
    X = np.random.default_rng(1).standard_normal((4, 3))
    Wt, at, f = _torch_net(W, a)
    rows = []
    for x in X:
        gW, ga = torch.autograd.grad(f(x[None])[0], (Wt, at))
        rows.append(torch.cat([gW.ravel(), ga]).numpy())
    J = np.array(rows)
    assert np.allclose(gen.empirical_ntk(W, a, X), J @ J.T, rtol=1e-12, atol=1e-12)
    assert np.allclose(gen.ntk_forward(W, a, X), f(X).detach().numpy(), atol=1e-14)


def test_arccos_ntk_closed_form_values_and_limit():
    K = gen.arccos_ntk(np.array([[2.0, 0.0], [0.0, 1.0], [-1.0, 0.0]]))
    assert K[0, 0] == pytest.approx(4.0)  # ||x||^2 (1/2 + 1/2)
    assert K[0, 1] == pytest.approx(
        2 / (2 * math.pi)
    )  # orthogonal: ||x|| ||x'|| / (2 pi)
    assert K[0, 2] == pytest.approx(0.0, abs=1e-15)  # opposite: both kernels vanish
    X = np.random.default_rng(2).standard_normal((5, 3))
    W, a = gen.ntk_init(3, 2**17, seed=3)
    # fluctuations are O(m^(-1/2)) ~ 3e-3 times O(||x||^2); 0.05 is a >5 sigma margin
    assert np.abs(gen.empirical_ntk(W, a, X) - gen.arccos_ntk(X)).max() < 0.05
    with pytest.raises(ValueError, match="non-zero"):
        gen.arccos_ntk(np.zeros((2, 2)))


def test_symmetric_init_starts_at_zero():
    W, a = gen.ntk_init(3, 10, seed=0, symmetric=True)
    X = np.random.default_rng(0).standard_normal((6, 3))
    assert np.abs(gen.ntk_forward(W, a, X)).max() < 1e-15  # zero up to round-off
    with pytest.raises(ValueError, match="even"):
        gen.ntk_init(3, 5, symmetric=True)
    with pytest.raises(TypeError, match="symmetric"):
        gen.ntk_init(3, 4, symmetric=1)


def test_symmetric_init_kernel_is_that_of_half_the_width():
    """Paired units (w, a), (w, -a) contribute equally to the tangent kernel, so the
    kernel of the width-2m paired network is exactly that of its first m units: its
    fluctuations are those of width m, not 2m (the reason chapter 10 measures the
    kernel error with independent weights)."""
    W, a = gen.ntk_init(3, 16, seed=4, symmetric=True)
    X = np.random.default_rng(1).standard_normal((5, 3))
    K_pair, K_half = gen.empirical_ntk(W, a, X), gen.empirical_ntk(W[:8], a[:8], X)
    assert np.abs(K_pair - K_half).max() < 1e-14 * np.abs(K_half).max()
    W_ind, a_ind = gen.ntk_init(3, 16, seed=4)
    assert np.abs(gen.empirical_ntk(W_ind, a_ind, X) - K_half).max() > 1e-3


def test_ntk_train_step_is_the_autograd_gradient():
    W, a = gen.ntk_init(2, 6, seed=5)
    X = np.random.default_rng(6).standard_normal((4, 2))
    y = np.array([1.0, -1.0, 0.5, 0.0])
    W1, a1, losses = gen.ntk_train(W, a, X, y, lr=0.1, steps=1)
    Wt, at, f = _torch_net(W, a)
    loss = ((f(X) - torch.as_tensor(y)) ** 2).sum() / (2 * len(y))
    gW, ga = torch.autograd.grad(loss, (Wt, at))
    assert losses[0] == pytest.approx(loss.item(), rel=1e-14)
    assert np.allclose(W1, W - 0.1 * gW.numpy(), atol=1e-14)
    assert np.allclose(a1, a - 0.1 * ga.numpy(), atol=1e-14)
    with pytest.raises(FloatingPointError, match="smaller lr"):
        gen.ntk_train(W, a, X, 100 * y, lr=1e4, steps=50)


# ------------------------------------------------------------------------------ pruning


def test_magnitude_masks_prune_the_smallest_hidden_weights():
    model = npc.MLP([4, 10, 10, 1], seed=0)
    params = model.get_parameters()
    masks = gen.magnitude_masks(params, [np.ones_like(p) for p in params], 0.6)
    for i, (p, m) in enumerate(zip(params, masks, strict=True)):
        if i % 2 == 1 or i == len(params) - 2:  # biases and output layer kept
            assert np.all(m == 1)
            continue
        assert m.sum() == round(0.4 * p.size)
        assert np.abs(p[m == 1]).min() >= np.abs(p[m == 0]).max()
    again = gen.magnitude_masks(params, masks, 0.5)
    assert np.all(again[0] <= masks[0]) and again[0].sum() == round(
        0.5 * masks[0].sum()
    )
    assert gen.magnitude_masks(params, masks, 0.5, prune_last=True)[-2].sum() == 5
    with pytest.raises(ValueError, match="masks"):
        gen.magnitude_masks(params, masks[:-1], 0.5)
    with pytest.raises(ValueError, match="fraction"):
        gen.magnitude_masks(params, masks, 1.0)


def test_train_masked_keeps_pruned_weights_at_zero():
    X = np.random.default_rng(0).standard_normal((20, 3))
    y = X[:, :1] ** 2
    model = npc.MLP([3, 8, 1], seed=1)
    masks = gen.magnitude_masks(
        model.get_parameters(), [np.ones_like(p) for p in model.get_parameters()], 0.5
    )
    before = npc.loss_value(model, X, y)
    after = gen.train_masked(model, masks, X, y, epochs=100)
    assert after < before
    assert np.all(model.get_parameters()[0][masks[0] == 0] == 0)
    with pytest.raises(ValueError, match="masks"):
        gen.train_masked(model, masks[:2], X, y)


def test_iterative_magnitude_pruning_bookkeeping_and_determinism():
    rng = np.random.default_rng(0)
    X, Xt = rng.standard_normal((30, 3)), rng.standard_normal((30, 3))
    y, yt = np.sin(X[:, :1]), np.sin(Xt[:, :1])
    kw = dict(rounds=2, fraction=0.5, seed=1, epochs=20)
    r = gen.iterative_magnitude_pruning([3, 8, 8, 1], X, y, Xt, yt, **kw)
    assert r.kept == pytest.approx([1.0, 0.5, 0.25])
    assert r.test_rewind[0] == r.test_reinit[0] == r.test_random_mask[0]
    r2 = gen.iterative_magnitude_pruning([3, 8, 8, 1], X, y, Xt, yt, **kw)
    assert r2.test_rewind == r.test_rewind and r2.test_reinit == r.test_reinit


# ------------------------------------------------------------------------------ Hessian


def test_hessian_of_a_linear_model_is_exact():
    X = np.random.default_rng(0).standard_normal((9, 3))
    y = np.random.default_rng(1).standard_normal((9, 1))
    model = npc.MLP([3, 1], seed=0)
    Z = np.hstack([X, np.ones((9, 1))])
    H = gen.hessian(model, X, y)
    assert np.allclose(
        H, 2 * Z.T @ Z / 9, atol=1e-8
    )  # quadratic: FD exact to round-off


def test_hessian_matches_autograd_for_tanh_net():
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((7, 2)), rng.standard_normal((7, 1))
    model = npc.MLP([2, 3, 1], "tanh", seed=4)
    before = model.get_parameters()
    H = gen.hessian(model, X, y)
    assert all(
        np.array_equal(p, q)
        for p, q in zip(before, model.get_parameters(), strict=True)
    )
    theta = torch.tensor(np.concatenate([p.ravel() for p in before]))
    Xt, yt = torch.tensor(X), torch.tensor(y)

    def loss(t):
        W1, b1 = t[:6].reshape(2, 3), t[6:9]
        W2, b2 = t[9:12].reshape(3, 1), t[12:]
        return ((torch.tanh(Xt @ W1 + b1) @ W2 + b2 - yt) ** 2).mean()

    H_torch = torch.autograd.functional.hessian(loss, theta).numpy()
    assert np.abs(H - H_torch).max() < 1e-7  # central differences: O(h^2) = 1e-10
    with pytest.raises(TypeError, match="model"):
        gen.hessian("net", X, y)
    with pytest.raises(ValueError, match="h"):
        gen.hessian(model, X, y, h=0.0)
