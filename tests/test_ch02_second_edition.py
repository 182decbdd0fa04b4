"""Chapter 2, second edition: Cover's C(N, m) in his convention, the counts behind his
recursion, and Minsky and Papert's order of a predicate."""

from __future__ import annotations

import itertools
from math import comb

import numpy as np
import pytest

from nntheory import datasets, separability


def test_cover_C_solves_covers_recursion_and_boundary_values():
    for m in range(1, 8):
        assert separability.cover_C(1, m) == 2
        for N in range(1, 20):
            assert separability.cover_C(N, 1) == 2
            if N <= m:
                assert separability.cover_C(N, m) == 2**N            # every labelling
            if m >= 2:
                assert (separability.cover_C(N + 1, m)
                        == separability.cover_C(N, m) + separability.cover_C(N, m - 1))


def test_capacity_half_the_labellings_at_two_m():
    # the row N - 1 = 2m - 1 of Pascal's triangle is symmetric with an even number of
    # entries, so the first m of them sum to half of 2^(2m-1)
    for m in range(1, 60):
        assert separability.cover_C(2 * m, m) == 2 ** (2 * m - 1)
        assert separability.cover_C(2 * m + 1, m) < 2 ** (2 * m)       # below half after


def test_cover_count_is_cover_C_of_d_plus_one():
    for N, d in itertools.product(range(1, 15), range(1, 6)):
        assert separability.cover_count(N, d) == separability.cover_C(N, d + 1)


@pytest.mark.parametrize("m", [2, 3])
def test_homogeneous_counts_match_cover_and_the_recursion_step(m):
    rng = np.random.default_rng(10 + m)
    P = rng.normal(size=(m + 4, m))
    for N in range(1, m + 4):
        counted = separability.count_homogeneous_dichotomies(P[:N])
        through = separability.count_homogeneous_dichotomies(P[:N], through=P[N])
        assert counted == separability.cover_C(N, m)
        assert through == separability.cover_C(N, m - 1)
        assert separability.count_homogeneous_dichotomies(P[:N + 1]) == counted + through


def test_homogeneous_count_below_cover_for_points_not_in_general_position():
    # three points on one line through the origin of R^2 (plus one more): a labelling
    # that gives x and 2x different signs is impossible through the origin
    X = np.array([[1.0, 1.0], [2.0, 2.0], [-1.0, -1.0], [1.0, -1.0]])
    assert separability.count_homogeneous_dichotomies(X) < separability.cover_C(4, 2)


def _cube_labels(n, f):
    cube = datasets.boolean_cube(n)
    return np.array([1.0 if f(x) else -1.0 for x in cube])


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_parity_has_order_n(n):
    assert separability.predicate_order(_cube_labels(n, lambda x: x.sum() % 2 == 1)) == n


def test_orders_of_simple_predicates():
    assert separability.predicate_order(_cube_labels(3, lambda x: True)) == 0
    assert separability.predicate_order(_cube_labels(4, lambda x: x.all())) == 1   # AND
    assert separability.predicate_order(_cube_labels(3, lambda x: x.sum() >= 2)) == 1
    # XOR of the first two of three inputs: order 2
    assert separability.predicate_order(_cube_labels(3, lambda x: x[0] != x[1])) == 2
    # "exactly one of four inputs is on": order 2 (s(s-1) vs s, a quadratic in s = sum x)
    assert separability.predicate_order(_cube_labels(4, lambda x: x.sum() == 1)) == 2


def test_monomial_features_count_and_values():
    cube = datasets.boolean_cube(4)
    for k in range(5):
        F = separability.monomial_features(cube, k)
        assert F.shape == (16, sum(comb(4, j) for j in range(k + 1)))
    F = separability.monomial_features(cube, 4)
    np.testing.assert_array_equal(F[:, 0], 1.0)
    np.testing.assert_array_equal(F[:, -1], cube.prod(axis=1))


@pytest.mark.parametrize(("call", "word"), [
    (lambda: separability.cover_C(0, 2), "n_points"),
    (lambda: separability.cover_C(3, 0), "m"),
    (lambda: separability.predicate_order(np.ones(6)), "labels"),
    (lambda: separability.predicate_order(np.array([1.0, 0.0])), "labels"),
    (lambda: separability.predicate_order(np.ones(2**9)), "labels"),
    (lambda: separability.count_homogeneous_dichotomies(np.ones((3, 2)), through=[1.0]),
     "through"),
    (lambda: separability.count_homogeneous_dichotomies(np.ones((20, 2))), "X"),
    (lambda: separability.monomial_features(np.ones((2, 2)), 3), "k"),
])
def test_bad_input_names_the_argument(call, word):
    with pytest.raises(ValueError, match=word):
        call()


def test_reachable_weights_cap_does_not_claim_unboundedness():
    # XOR's reachable set is finite (the cycling theorem on integer data) but has more
    # than 3 states: stopping at the cap must not be reported as unboundedness
    from nntheory import perceptron

    X, y = datasets.xor()
    states = perceptron.reachable_weights(X, y)
    assert len(states) > 3 and np.all(np.isfinite(states))
    with pytest.raises(RuntimeError, match="may be finite but larger") as info:
        perceptron.reachable_weights(X, y, max_states=3)
    assert "max_states" in str(info.value)
    # the same search with a cap above the size ends and finds the same set
    again = perceptron.reachable_weights(X, y, max_states=len(states))
    assert np.array_equal(again, states)
