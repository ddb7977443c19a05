"""The reward's exact-call part from executed acceptance, for items with a replay recipe
(BFCL-backed items): working repairs that differ from the ground truth get rewarded."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tool_reflect.execution import recipe_text
from tool_reflect.execution.variants import alternatives, wrong_repairs
from tool_reflect.exporters import verl_rows
from tool_reflect.formats import render_calls, render_target
from tool_reflect.io import read_items
from tool_reflect.reward import RewardScorer

BUNDLE = Path(__file__).resolve().parents[1] / "data" / "tool_reflect_bfcl" / "test.jsonl.gz"


@pytest.fixture(scope="module")
def items():
    return read_items(BUNDLE)[:40]


def _text(item, calls) -> str:
    return f"<reflect>{item.ground_truth.reflection}</reflect>\n\n" + render_calls(calls, "qwen")


def test_working_alternatives_earn_reward_only_when_executed(items) -> None:
    rng = random.Random(0)
    comps, golds, recipes = [], [], []
    for it in items:
        for _kind, calls in alternatives(it, rng)[:1]:
            comps.append(_text(it, calls))
            golds.append(render_target(it, "qwen"))
            recipes.append(recipe_text(it))
    assert len(comps) >= 10
    exact = RewardScorer("lexical").score_batch(comps, golds, recipes)
    run = RewardScorer("lexical", executed=True).score_batch(comps, golds, recipes)
    assert all(r.score == 0.0 for r in exact)  # they differ from the ground truth as strings
    assert all(r.score > 0.5 and r.breakdown["executed"] == 1.0 for r in run)
    assert all(r.breakdown["s_call"] == 1.0 for r in run)


def test_wrong_repairs_earn_nothing_either_way(items) -> None:
    rng = random.Random(1)
    comps, golds, recipes = [], [], []
    for it in items:
        for _kind, calls in wrong_repairs(it, rng)[:2]:
            comps.append(_text(it, calls))
            golds.append(render_target(it, "qwen"))
            recipes.append(recipe_text(it))
    run = RewardScorer("lexical", executed=True).score_batch(comps, golds, recipes)
    assert len(run) >= 40 and all(r.breakdown["s_call"] < 1.0 for r in run)
    assert all(r.score < 0.16 for r in run)  # at most the 0.15 backoff


def test_ground_truth_scores_one_and_the_verl_rows_carry_the_recipe(items) -> None:
    rows = verl_rows(items[:5])
    scorer = RewardScorer("lexical", executed=True)
    res = scorer.score_batch([r["reward_model"]["ground_truth"] for r in rows],
                             [r["reward_model"]["ground_truth"] for r in rows],
                             [r["extra_info"]["recipe"] for r in rows])
    assert all(r.score == pytest.approx(1.0) and r.breakdown["executed"] == 1.0 for r in res)
    # items without a recipe keep exact match
    (plain,) = scorer.score_batch([rows[0]["reward_model"]["ground_truth"]],
                                  [rows[0]["reward_model"]["ground_truth"]], [""])
    assert plain.score == pytest.approx(1.0) and plain.breakdown["executed"] == 0.0
