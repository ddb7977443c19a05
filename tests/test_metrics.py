"""Unbiased Repair@k, summaries and bootstrap intervals."""

from __future__ import annotations

import itertools
from math import isclose

import pytest

from tool_reflect.metrics import ItemResult, bootstrap_ci, pass_at_k, repair_at_k, summarize


def _brute_force(n: int, c: int, k: int) -> float:
    """Probability that a random k-subset of n samples (c correct) holds a correct one."""
    flags = [True] * c + [False] * (n - c)
    subsets = list(itertools.combinations(range(n), k))
    return sum(any(flags[i] for i in s) for s in subsets) / len(subsets)


@pytest.mark.parametrize("n,c,k", [(n, c, k) for n in range(1, 7) for c in range(n + 1)
                                   for k in range(1, n + 1)])
def test_pass_at_k_matches_definition(n, c, k):
    assert isclose(pass_at_k(n, c, k), _brute_force(n, c, k), abs_tol=1e-12)


def test_pass_at_k_rejects_bad_arguments():
    for args in [(5, 6, 1), (5, 1, 0), (5, 1, 6), (3, -1, 1)]:
        with pytest.raises(ValueError):
            pass_at_k(*args)


def test_repair_at_k_values():
    assert repair_at_k([True, False, False, False, False], 1) == pytest.approx(0.2)
    assert repair_at_k([True, False, False, False, False], 5) == 1.0
    assert repair_at_k([False] * 5, 5) == 0.0


def test_summarize_groups_and_weighting():
    rs = [ItemResult("a", "argument_error", [True] * 5, [1.0] * 5),
          ItemResult("b", "argument_error", [False] * 5, [0.5] * 5),
          ItemResult("c", "order_swap", [True, False, False, False, False], [1, 0, 0, 0, 0])]
    s = summarize(rs, n_boot=200)
    assert s["ks"] == [1, 3, 5]
    assert s["groups"]["all"]["items"] == 3
    assert s["groups"]["all"]["repair@1"] == pytest.approx((1 + 0 + 0.2) / 3)
    assert s["groups"]["order_swap"]["repair@5"] == 1.0
    assert s["groups"]["argument_error"]["avg_score"] == pytest.approx(0.75)
    lo, hi = s["groups"]["all"]["repair@1_ci95"]
    assert 0.0 <= lo <= s["groups"]["all"]["repair@1"] <= hi <= 1.0


def test_summarize_skips_k_above_sample_count():
    s = summarize([ItemResult("a", "x", [True, False], [1, 0])])
    assert s["ks"] == [1]


def test_bootstrap_is_seeded_and_brackets_mean():
    vals = [0.0, 1.0] * 50
    assert bootstrap_ci(vals, seed=3) == bootstrap_ci(vals, seed=3)
    lo, hi = bootstrap_ci(vals)
    assert lo < 0.5 < hi
