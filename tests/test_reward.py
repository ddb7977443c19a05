"""The reward R = S×F: worked values, reward-hacking regressions, agreement with the
metric, both similarity backends (real sentence-transformers model), batching."""

from __future__ import annotations

import json
import random

import pytest
from conftest import FIXTURES, SHARED_LLAMA, SHARED_QWEN

from tool_reflect.formats import render_calls, render_target
from tool_reflect.formats.original_files import read_original
from tool_reflect.io import read_items
from tool_reflect.matching import match_calls
from tool_reflect.records import ToolCall
from tool_reflect.reward import REWARD_KEYS, RewardScorer, lexical_similarity

REFLECT = "The color argument must be a string such as 'deep red', not -1."
CALL = ToolCall("filter_tomatoes", {"tomatoes": ["Roma", "Cherry"], "color": "deep red"})
GT = f"<reflect>{REFLECT}</reflect>\n\n" + render_calls([CALL], "qwen")
Q = render_calls([CALL], "qwen")


@pytest.fixture(scope="module")
def lexical():
    return RewardScorer("lexical")


@pytest.fixture(scope="module")
def embedding():
    return RewardScorer("embedding")


def test_worked_values(lexical):
    assert lexical.score(GT, GT).score == 1.0
    other = "The colour should be a string value, e.g. deep red."
    x = lexical_similarity(other, REFLECT)
    assert 0 < x < 1
    assert lexical.score(f"<reflect>{other}</reflect>\n{Q}", GT).score == pytest.approx(0.875 + 0.125 * x)
    assert lexical.score(Q, GT).score == pytest.approx(0.875 * (1 - 0.8 * 0.1 * 0.3))  # 0.854
    assert round(lexical.score(Q, GT).score, 3) == 0.854
    wrong = render_calls([ToolCall(CALL.name, {**CALL.arguments, "color": -1})], "qwen")
    assert lexical.score(f"<reflect>{REFLECT}</reflect>\n{wrong}", GT).score == 0.0
    assert lexical.score(f"<reflect>{REFLECT}</reflect>\n{Q}\n{Q}", GT).score == 0.0


HACKS = {
    "empty output": ("", 0.0),
    "correct call twice": (f"<reflect>{REFLECT}</reflect>\n{Q}\n{Q}", 0.0),
    "correct call plus a garbage block": (f"<reflect>{REFLECT}</reflect>\n{Q}\n<tool_call>{{oops</tool_call>", 0.0),
    "calls only inside think": (f"<think>{Q}</think><reflect>{REFLECT}</reflect>", 0.0),
    "calls only quoted in prose": (f"<reflect>{REFLECT} I will call {json.dumps(CALL.to_dict())}</reflect>", 0.0),
    "calls only in a code fence": (f"<reflect>{REFLECT}</reflect>\n```json\n{render_calls([CALL], 'llama')}\n```", 0.0),
    "truncated closing tag": (f"<reflect>{REFLECT}</reflect>\n{Q[:-3]}", 0.0),
    "thousands of tags": ("<tool_call><reflect><final>" * 3000 + Q, 0.0),
}


@pytest.mark.parametrize("name", list(HACKS))
def test_reward_hacking_regressions(lexical, name):
    completion, expected = HACKS[name]
    r = lexical.score(completion, GT)
    assert r.score == expected, (name, r)
    assert r.reason and set(r.breakdown) == set(REWARD_KEYS)


def test_extra_final_costs_a_little(lexical):
    r = lexical.score(f"<reflect>{REFLECT}</reflect>\n{Q}\n<final>done</final>", GT)
    assert r.score == pytest.approx(1 - 0.8 * 0.8 * 0.2 * 0.3)
    assert r.breakdown["P"] == pytest.approx(0.16)


def test_reflection_copied_from_prompt_scores_below_genuine(embedding, lexical):
    item = read_items(FIXTURES / "canonical_items.jsonl")[0]
    gt = render_target(item, "qwen")
    calls = render_calls(item.ground_truth.calls, "qwen")
    for scorer in (lexical, embedding):
        copied = scorer.score(f"<reflect>{item.request}</reflect>\n{calls}", gt).score
        genuine = scorer.score(gt, gt).score
        assert copied < genuine == 1.0


@pytest.mark.parametrize("path,fmt", [(SHARED_QWEN, "qwen"), (SHARED_LLAMA, "llama")])
def test_ground_truths_score_one_against_themselves(shared_data, lexical, path, fmt):
    items = read_original(path, fmt)
    gts = [render_target(it, fmt) for it in items]
    for it, r in zip(items, lexical.score_batch(gts, gts), strict=True):
        assert r.score == 1.0, (it.id, r.reason)
        assert r.breakdown["n_gold_calls"] == len(it.ground_truth.calls)  # quotes don't inflate


def test_s_call_is_one_exactly_when_the_matcher_says_exact(lexical):
    rng = random.Random(0)
    base = [ToolCall("f", {"a": 1, "b": "text value here", "c": [1, 2]}), ToolCall("g", {"q": "x"})]
    for _ in range(300):
        pred = [ToolCall(c.name, dict(c.arguments)) for c in base]
        for op in rng.sample(["value", "type", "drop", "dup", "name", "none", "none"], 2):
            c = rng.choice(pred)
            if op == "value":
                c.arguments["b"] = "text value here!"
            elif op == "type":
                c.arguments["a"] = 1.0
            elif op == "drop" and c.arguments:
                c.arguments.pop(sorted(c.arguments)[0])
            elif op == "dup":
                pred.append(ToolCall(c.name, dict(c.arguments)))
            elif op == "name":
                c.name = c.name.upper()
        gt_text = render_calls(base, "qwen")
        r = lexical.score(render_calls(pred, "qwen"), gt_text)
        exact = match_calls(pred, base).exact
        assert (r.breakdown["s_call"] == 1.0) == exact, (pred, r.breakdown)


def test_never_raises_on_odd_inputs(lexical):
    for bad in [None, 123, {"content": None}, ["x"], "<tool_call>" * 10]:
        r = lexical.score(bad, GT)
        assert r.score == 0.0 and set(r.breakdown) == set(REWARD_KEYS)


def test_embedding_backend_records_model_and_scores(embedding):
    assert embedding.similarity_name == "embedding:all-MiniLM-L6-v2"
    assert embedding.score(GT, GT).score == 1.0
    close = embedding.score(f"<reflect>The color has to be a string like deep red.</reflect>\n{Q}", GT)
    far = embedding.score(f"<reflect>Bananas are yellow fruit.</reflect>\n{Q}", GT)
    assert 0.875 < far.score < close.score < 1.0


def test_batch_encodes_each_distinct_text_once(embedding):
    model = embedding.sim.model
    calls: list[list[str]] = []
    original = model.encode

    def counting(texts, *a, **k):
        calls.append(list(texts))
        return original(texts, *a, **k)

    embedding.sim.cache.clear()
    model.encode = counting
    try:
        items = read_items(FIXTURES / "canonical_items.jsonl")
        gts = [render_target(it, "qwen") for it in items]
        comps, refs = [], []
        for i in range(512):
            it = i % len(items)
            text = f"<reflect>attempt {i % 37}: fix the call</reflect>\n" + \
                render_calls(items[it].ground_truth.calls, "qwen")
            comps.append(text)
            refs.append(gts[it])
        results = embedding.score_batch(comps, refs)
    finally:
        model.encode = original
    assert len(results) == 512 and all(0.5 < r.score < 1 and r.breakdown["gate"] == 1.0
                                       for r in results)
    assert len(calls) == 1
    encoded = calls[0]
    assert len(encoded) == len(set(encoded)) == 37 + len(items)
