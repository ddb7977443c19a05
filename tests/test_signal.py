"""The learning-signal summary on real reward results."""

from __future__ import annotations

import pytest

from tool_reflect.training.signal import (
    format_report,
    groups_of,
    nonzero_var_share,
    reason_kind,
    summarize,
)


def test_share_counts_groups_whose_rewards_differ():
    assert nonzero_var_share([0, 0, 0, 0, 0, 0.9, 0, 0], 4) == 0.5
    assert nonzero_var_share([0.3] * 8, 4) == 0.0
    assert nonzero_var_share([0, 1, 1, 0], 2) == 1.0
    with pytest.raises(ValueError):
        groups_of([0, 1, 2], 2)


def test_summary_from_the_real_reward():
    from tool_reflect.exporters import verl_rows
    from tool_reflect.io import read_items
    from tool_reflect.reward import RewardScorer

    rows = verl_rows(read_items("data/tool_reflect_open/test.jsonl")[:2])
    gt0, gt1 = (r["reward_model"]["ground_truth"] for r in rows)
    comps = [gt0, "no answer", "no answer", "<tool_call>\n{\"name\": \"x\"}", gt1, gt1, gt1, gt1]
    gts = [gt0] * 4 + [gt1] * 4
    res = RewardScorer(similarity="lexical").score_batch(comps, gts)
    rep = summarize([r.score for r in res], [r.reason for r in res],
                    [r.breakdown["exact_match"] for r in res], 4)
    assert rep["groups"] == 2 and rep["nonzero_var_share"] == 0.5  # group 2 is all correct
    assert rep["repair_at_1"] == 5 / 8
    assert rep["reward"]["share_zero"] == 3 / 8 and rep["reward"]["max"] == 1.0
    assert sum(rep["reward"]["histogram"].values()) == 8
    kinds = dict(rep["failure_reasons"])
    assert sum(kinds.values()) == 3 and all(k != "ok" for k in kinds)
    assert "non-zero reward variance 0.500" in format_report(rep)


def test_reason_kinds():
    assert reason_kind("calls differ: wrong_value:f.color, extra_call:g") == "wrong_value"
    assert reason_kind("format error: malformed_json") == "format:malformed_json"
    assert reason_kind("") == "ok"
    assert reason_kind("backoff: S×F below 1e-6") == "backoff"


def test_zero_share_warns():
    rep = summarize([0.0] * 8, ["calls differ: missing_call:f"] * 8, [0.0] * 8, 4)
    assert rep["nonzero_var_share"] == 0.0 and "WARNING" in format_report(rep)
