"""What counts as a call, and the reward agreeing with the metric (issue: scoring that holds
under any input, sections 2-4)."""

from __future__ import annotations

import pytest

from tool_reflect.errors import RecordError
from tool_reflect.formats.text import import_ground_truth, render_ground_truth
from tool_reflect.parsing import MAX_DEPTH, parse_output
from tool_reflect.records import Message, RepairItem
from tool_reflect.reward import RewardScorer
from tool_reflect.scoring import score_attempt

F1 = '<tool_call>\n{"name": "f", "arguments": {"a": 1}}\n</tool_call>'
F12 = '<tool_call>\n{"name": "f", "arguments": {"a": 1, "b": 2}}\n</tool_call>'


def item(gt_text: str) -> RepairItem:
    return RepairItem(id="x", tools=[], messages=[Message(role="user", content="hi")],
                      ground_truth=import_ground_truth(gt_text, "qwen"))


@pytest.fixture(scope="module")
def scorer() -> RewardScorer:
    return RewardScorer(similarity="lexical")


def test_reordered_equal_named_calls_are_an_exact_repair_for_both(scorer: RewardScorer) -> None:
    gold = f"<reflect>r</reflect>\n\n{F1}\n{F12}"
    comp = f"<reflect>r</reflect>\n\n{F12}\n{F1}"
    assert score_attempt(item(gold), comp).passed
    (r,) = scorer.score_batch([comp], [gold])
    assert r.breakdown["s_call"] == 1.0 and r.score == pytest.approx(1.0)


def test_no_gold_calls_and_a_garbage_block_earns_nothing(scorer: RewardScorer) -> None:
    gold = "<reflect>r</reflect>\n\n<final>done</final>"
    comp = gold + "\n<tool_call>{oops</tool_call>"
    assert not score_attempt(item(gold), comp).passed
    (r,) = scorer.score_batch([comp], [gold])
    assert r.score == 0.0 and r.breakdown["s_call"] < 1.0
    (clean,) = scorer.score_batch([gold], [gold])
    assert clean.score == pytest.approx(1.0)


def test_calls_in_any_reflect_block_are_not_calls() -> None:
    text = (f"<reflect>first {F12}</reflect>\n{F1}\n"
            f"<reflect>second thoughts: {F12} and [{{\"name\": \"g\", \"parameters\": {{}}}}]"
            "</reflect>")
    p = parse_output(text)
    assert [(c.name, c.arguments) for c in p.calls] == [("f", {"a": 1})]
    assert p.reflect.startswith("first") and "extra_tag:reflect" in p.issue_codes
    assert not p.errors
    gt = import_ground_truth(text, "qwen")
    assert [c.name for c in gt.calls] == ["f"]


def test_a_flat_call_quoted_in_prose_is_not_a_call_in_the_tag_format() -> None:
    text = ('<reflect>r</reflect>\nThe failing call was {"name": "f", "arguments": {"a": 0}}; '
            f"here is the fix:\n{F1}")
    p = parse_output(text)
    assert [(c.name, c.arguments) for c in p.calls] == [("f", {"a": 1})]
    assert "quoted_call:prose" in p.issue_codes and not p.errors
    assert score_attempt(item(f"<reflect>r</reflect>\n\n{F1}"), text).passed
    # a broken object in prose is not a format error either
    broken = parse_output(f'I tried {{"name": "f", "arguments": {{"a": \n{F1}')
    assert not broken.errors and len(broken.calls) == 1


def test_without_tags_a_standing_json_call_is_still_a_call() -> None:
    p = parse_output('<reflect>r</reflect>\n[{"name": "f", "parameters": {"a": 1}}]')
    assert [(c.name, c.arguments) for c in p.calls] == [("f", {"a": 1})] and not p.issues


def test_integers_beyond_pythons_digit_limit_get_exact_verdicts_in_both_modes() -> None:
    big = "9" * 5000
    gold = f'<reflect>r</reflect>\n\n<tool_call>\n{{"name": "f", "arguments": {{"a": {big}}}}}\n</tool_call>'
    it = item(gold)
    assert len(it.ground_truth.calls) == 1 and render_ground_truth(it.ground_truth, "qwen") == gold
    for mode in ("strict", "lenient"):
        assert score_attempt(it, gold, mode).passed
        assert score_attempt(it, gold.replace(big, big[:-1] + "8"), mode).errors == ["wrong_value:f.a"]
        assert not score_attempt(it, gold.replace(big, f'"{big}"'), mode).passed
    llama = f'[{{"name": "f", "parameters": {{"a": {big}}}}}]'
    assert score_attempt(it, llama).passed


def test_lenient_is_never_stricter_than_strict_on_extreme_numbers() -> None:
    for value in ("1" + "0" * 400, "1e308", "-0", "123456789012345678901234567890"):
        gold = f'<tool_call>{{"name": "f", "arguments": {{"a": {value}}}}}</tool_call>'
        it = item(gold)
        assert score_attempt(it, gold, "strict").passed and score_attempt(it, gold, "lenient").passed
    it = item('<tool_call>{"name": "f", "arguments": {"a": 2}}</tool_call>')
    assert score_attempt(it, '<tool_call>{"name": "f", "arguments": {"a": 2.0}}</tool_call>',
                         "lenient").passed


def _nested(levels: int) -> str:
    inner = "[" * levels + "]" * levels
    return f'<tool_call>{{"name": "f", "arguments": {{"a": {inner}}}}}</tool_call>'


@pytest.mark.parametrize("levels", [MAX_DEPTH - 1, MAX_DEPTH, 900, 5000])
def test_one_nesting_limit_whatever_the_callers_stack(levels: int) -> None:
    def at_depth(n: int) -> list[str]:
        return parse_output(_nested(levels)).issue_codes if n == 0 else at_depth(n - 1)

    expected = [] if levels < MAX_DEPTH else ["nesting_too_deep"]
    assert parse_output(_nested(levels)).issue_codes == expected
    assert at_depth(600) == expected


def test_a_ground_truth_whose_call_cannot_be_read_is_an_error_not_zero_calls() -> None:
    with pytest.raises(RecordError, match="ground_truth.*malformed"):
        import_ground_truth('<reflect>r</reflect>\n<tool_call>{"name": "f", "arguments": '
                            '{"a": }}</tool_call>', "qwen")
