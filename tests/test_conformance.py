"""Hand-labelled conformance cases for the one parser and the one matcher.

Each case: a model output, the ground-truth calls, whether it is a strict repair, and the
error strings the verdict must (and must not) contain. Cases tagged ``defect-N`` prove that
the N-th defect of the original scorer (SPEC §2) is absent.
"""

from __future__ import annotations

import json

import pytest

from tool_reflect.matching import match_calls
from tool_reflect.parsing import parse_output
from tool_reflect.records import GroundTruth, RepairItem, ToolCall
from tool_reflect.scoring import score_attempt


def C(name: str, **args) -> ToolCall:
    return ToolCall(name, args)


def Q(name: str, args: dict, key: str = "arguments") -> str:
    return "<tool_call>\n" + json.dumps({"name": name, key: args}) + "\n</tool_call>"


def L(name: str, args: dict, key: str = "parameters") -> str:
    return json.dumps([{"name": name, key: args}])


R = "<reflect>The color must be a string, not -1.</reflect>\n\n"
TOMATOES = ["Beefsteak", "Cherry", "Roma"]
MOVIES = [{"title": "Coco", "platforms": ["Disney+"]}, {"title": "Shrek", "platforms": ["Netflix"]}]

# (id, output, gold calls, passed, errors that must appear (prefixes), errors that must not)
CASES = [
    # --- basic Qwen
    ("qwen-exact", R + Q("f", {"x": 1}), [C("f", x=1)], True, [], []),
    ("qwen-no-reflect", Q("f", {"x": 1}), [C("f", x=1)], True, [], []),
    ("qwen-parameters-key", R + Q("f", {"x": 1}, "parameters"), [C("f", x=1)], True, [], []),
    ("qwen-wrong-value", R + Q("f", {"x": 2}), [C("f", x=1)], False, ["wrong_value:f.x"], []),
    ("qwen-wrong-name", R + Q("g", {"x": 1}), [C("f", x=1)], False, ["wrong_name:f"], []),
    ("qwen-missing-arg", R + Q("f", {}), [C("f", x=1)], False, ["missing_arg:f.x"], []),
    ("qwen-extra-arg", R + Q("f", {"x": 1, "y": 2}), [C("f", x=1)], False, ["extra_arg:f.y"], []),
    ("qwen-missing-call", R + Q("f", {"x": 1}), [C("f", x=1), C("g")], False, ["missing_call:g"], []),
    ("qwen-extra-call", R + Q("f", {"x": 1}) + "\n" + Q("g", {}), [C("f", x=1)], False,
     ["extra_call:g"], []),
    ("qwen-two-calls", R + Q("f", {"x": 1}) + "\n" + Q("g", {}), [C("f", x=1), C("g")], True, [], []),
    ("qwen-two-calls-any-order", R + Q("g", {}) + "\n" + Q("f", {"x": 1}), [C("f", x=1), C("g")],
     True, [], []),
    ("qwen-compact-json", R + '<tool_call>{"name":"f","arguments":{"x":1}}</tool_call>',
     [C("f", x=1)], True, [], []),
    ("qwen-uppercase-tags", R + '<TOOL_CALL>{"name":"f","arguments":{"x":1}}</TOOL_CALL>',
     [C("f", x=1)], True, [], []),
    ("qwen-args-as-json-string", R + '<tool_call>{"name":"f","arguments":"{\\"x\\": 1}"}</tool_call>',
     [C("f", x=1)], True, [], []),
    ("qwen-null-args", R + '<tool_call>{"name":"f","arguments":null}</tool_call>', [C("f")], True, [], []),
    ("qwen-no-args-key", R + '<tool_call>{"name":"f"}</tool_call>', [C("f")], True, [], []),
    # --- defect 1: list/dict-valued arguments are comparable
    ("defect-1-list-arg", R + Q("filter", {"tomatoes": TOMATOES, "color": "red"}),
     [C("filter", tomatoes=TOMATOES, color="red")], True, [], []),
    ("defect-1-dict-arg", R + Q("add_text", {"pos": {"x": 50, "y": 200}}),
     [C("add_text", pos={"x": 50, "y": 200})], True, [], []),
    ("defect-1-list-of-dicts", R + Q("rate", {"movies": MOVIES}), [C("rate", movies=MOVIES)], True, [], []),
    ("defect-1-dict-key-order", R + '<tool_call>{"name":"p","arguments":{"pos":{"y":2,"x":1}}}</tool_call>',
     [C("p", pos={"x": 1, "y": 2})], True, [], []),
    ("defect-1-list-order-kept", R + Q("filter", {"tomatoes": TOMATOES[::-1]}),
     [C("filter", tomatoes=TOMATOES)], False, ["wrong_value:filter.tomatoes"], []),
    ("defect-1-list-dropped-item", R + Q("filter", {"tomatoes": TOMATOES[:2]}),
     [C("filter", tomatoes=TOMATOES)], False, ["wrong_value:filter.tomatoes"], []),
    ("defect-1-nested-empty", R + Q("f", {"a": [], "b": {}}), [C("f", a=[], b={})], True, [], []),
    # --- defect 2: nested arrays inside a Llama call parse; JSON lists in the reflection are not calls
    ("defect-2-llama-nested-list", R + L("f", {"grid": [[1, 2], [3, 4]]}),
     [C("f", grid=[[1, 2], [3, 4]])], True, [], []),
    ("defect-2-llama-list-of-dicts", R + L("rate", {"movies": MOVIES}), [C("rate", movies=MOVIES)],
     True, [], []),
    ("defect-2-llama-list-in-reflection", "<reflect>Options were [1, 2, 3] and [\"a\"].</reflect>\n"
     + L("f", {"x": 1}), [C("f", x=1)], True, [], ["format:"]),
    ("defect-2-llama-call-in-reflection", "<reflect>I sent " + L("f", {"x": -1}) + " which failed.</reflect>\n"
     + L("f", {"x": 1}), [C("f", x=1)], True, [], ["format:", "extra_call"]),
    ("llama-arguments-key", R + L("f", {"x": 1}, "arguments"), [C("f", x=1)], True, [], []),
    ("llama-bare-object", R + json.dumps({"name": "f", "parameters": {"x": 1}}), [C("f", x=1)], True, [], []),
    ("llama-two-lines", R + L("f", {"x": 1}) + "\n" + L("g", {}), [C("f", x=1), C("g")], True, [], []),
    ("llama-one-array-two-calls", R + json.dumps([{"name": "f", "parameters": {"x": 1}},
                                                  {"name": "g", "parameters": {}}]),
     [C("f", x=1), C("g")], True, [], []),
    ("llama-malformed", R + '[{"name": "f", "parameters": {"x": 1}', [C("f", x=1)], False,
     ["format:malformed_json"], []),
    ("llama-prose-brackets", R + "See [1] and {x}.\n" + L("f", {"x": 1}), [C("f", x=1)], True, [],
     ["format:"]),
    # --- defect 3: a flat call quoted in prose / markdown is neither a call nor a format error
    ("defect-3-quoted-in-reflection", "<reflect>Wrong: " + json.dumps({"name": "f", "arguments": {"x": -1}})
     + "\nRight: " + json.dumps({"name": "f", "arguments": {"x": 1}}) + "</reflect>\n" + Q("f", {"x": 1}),
     [C("f", x=1)], True, [], ["format:", "extra_call"]),
    ("defect-3-fenced-in-reflection", "<reflect>**Fix:**\n```json\n" + json.dumps({"name": "f", "arguments": {"x": 1}})
     + "\n```\n</reflect>\n" + Q("f", {"x": 1}), [C("f", x=1)], True, [], ["format:", "extra_call"]),
    ("defect-3-fenced-outside", R + "```json\n" + json.dumps({"name": "f", "arguments": {"x": 9}})
     + "\n```\n" + Q("f", {"x": 1}), [C("f", x=1)], True, [], ["format:", "extra_call"]),
    ("defect-3-only-fenced-call", R + "```json\n" + L("f", {"x": 1}) + "\n```", [C("f", x=1)], False,
     ["missing_call:f"], ["format:malformed"]),
    ("function-call-tag-in-reflection", "<reflect>try <function_call>\n" + json.dumps({"name": "g", "arguments": {}})
     + "\n</function_call></reflect>\n" + Q("f", {}), [C("f")], True, [], ["extra_call"]),
    # --- defect 4: duplicates count; types are kept
    ("defect-4-AAB-vs-ABB", Q("a", {}) + Q("b", {}) + Q("b", {}), [C("a"), C("a"), C("b")], False,
     ["missing_call:a", "extra_call:b"], []),
    ("defect-4-duplicate-call", R + Q("f", {"x": 1}) + Q("f", {"x": 1}), [C("f", x=1)], False,
     ["extra_call:f"], []),
    ("defect-4-missing-duplicate", R + Q("f", {"x": 1}), [C("f", x=1), C("f", x=1)], False,
     ["missing_call:f"], []),
    ("defect-4-int-vs-float", R + Q("f", {"x": 1.0}), [C("f", x=1)], False, ["wrong_type:f.x"], []),
    ("defect-4-int-vs-string", R + Q("f", {"x": "1"}), [C("f", x=1)], False, ["wrong_type:f.x"], []),
    ("defect-4-int-vs-true", R + Q("f", {"x": True}), [C("f", x=1)], False, ["wrong_type:f.x"], []),
    ("defect-4-true-vs-string", R + Q("f", {"x": "true"}), [C("f", x=True)], False, ["wrong_type:f.x"], []),
    ("defect-4-zero-vs-false", R + Q("f", {"x": 0}), [C("f", x=False)], False, ["wrong_type:f.x"], []),
    ("defect-4-null-vs-string", R + Q("f", {"x": None}), [C("f", x="None")], False, ["wrong_type:f.x"], []),
    ("defect-4-case-differs", R + Q("f", {"city": "paris"}), [C("f", city="Paris")], False,
     ["wrong_value:f.city"], []),
    # --- think blocks
    ("think-closed", "<think>" + Q("g", {}) + "</think>" + R + Q("f", {"x": 1}), [C("f", x=1)], True, [],
     ["extra_call"]),
    ("think-unclosed", R + Q("f", {"x": 1}) + "<think>" + Q("g", {}), [C("f", x=1)], True, [],
     ["extra_call", "format:unclosed_tag:tool_call"]),
    ("think-only-calls", "<think>" + Q("f", {"x": 1}) + "</think>", [C("f", x=1)], False,
     ["missing_call:f"], []),
    ("think-template-opened", "reasoning " + Q("g", {}) + "</think>" + R + Q("f", {"x": 1}),
     [C("f", x=1)], True, [], ["extra_call"]),
    # --- malformed blocks are reported, never dropped silently
    ("garbage-block", R + Q("f", {"x": 1}) + "<tool_call>oops</tool_call>", [C("f", x=1)], False,
     ["format:malformed_json"], []),
    ("truncated-close", R + '<tool_call>\n{"name": "f", "arguments": {"x": 1}}\n</tool_', [C("f", x=1)],
     False, ["format:unclosed_tag:tool_call"], []),
    ("unclosed-then-good", R + "<tool_call>\n" + Q("f", {"x": 1}), [C("f", x=1)], False,
     ["format:unclosed_tag:tool_call"], []),
    ("block-not-object", R + "<tool_call>[1, 2]</tool_call>", [C("f")], False, ["format:not_a_call"], []),
    ("block-missing-name", R + '<tool_call>{"arguments": {}}</tool_call>', [C("f")], False,
     ["format:missing_name"], []),
    ("block-bad-arguments", R + '<tool_call>{"name": "f", "arguments": [1]}</tool_call>', [C("f")], False,
     ["format:bad_arguments"], []),
    ("stray-close-tag", R + Q("f", {"x": 1}) + "</tool_call>", [C("f", x=1)], False,
     ["format:stray_tag:/tool_call"], []),
    ("empty-output", "", [C("f", x=1)], False, ["missing_call:f"], []),
    ("prose-only", "I am not sure what to do.", [C("f", x=1)], False, ["missing_call:f"], []),
    # --- reflect / final handling (warnings only)
    ("unclosed-reflect", "<reflect>the id was wrong\n" + Q("f", {"x": 1}), [C("f", x=1)], True,
     ["format:unclosed_tag:reflect"], []),
    ("final-with-json-inside", R + Q("f", {"x": 1}) + "\n<final>" + L("g", {}) + "</final>", [C("f", x=1)],
     True, [], ["extra_call"]),
    ("extra-final", R + Q("f", {"x": 1}) + "<final>a</final><final>b</final>", [C("f", x=1)], True,
     ["format:extra_tag:final"], []),
    # --- native tool_calls
    ("native-message", {"role": "assistant", "content": R, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}}]},
     [C("f", x=1)], True, [], []),
    ("native-bad-arguments", {"content": "", "tool_calls": [
        {"type": "function", "function": {"name": "f", "arguments": "{x: 1"}}]}, [C("f", x=1)], False,
     ["format:bad_arguments"], []),
    ("native-no-calls", {"content": "sorry", "tool_calls": None}, [C("f", x=1)], False,
     ["missing_call:f"], []),
    ("non-text-output", 12345, [C("f")], False, ["format:not_text"], []),
    # --- unicode and escapes
    ("unicode-value", R + Q("f", {"t": "10.3\u00b0C ✓"}), [C("f", t="10.3°C ✓")], True, [], []),
    ("dotted-i-before-tags", "İİİ " + R + Q("f", {"x": 1}), [C("f", x=1)], True, [], []),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_conformance(case):
    _cid, output, gold, passed, must, must_not = case
    item = RepairItem(id="t", tools=[], messages=[], ground_truth=GroundTruth("r", gold))
    verdict = score_attempt(item, output)
    assert verdict.passed is passed, verdict
    for prefix in must:
        assert any(e.startswith(prefix) for e in verdict.errors), (prefix, verdict.errors)
    for prefix in must_not:
        assert not any(e.startswith(prefix) for e in verdict.errors), (prefix, verdict.errors)


def test_enough_cases():
    assert len(CASES) >= 60


def test_lenient_mode_numbers_strings_and_defaults():
    tools = [{"name": "f", "parameters": {"type": "object", "properties": {
        "unit": {"type": "string", "default": "celsius"}, "x": {"type": "number"}}}}]
    assert match_calls([C("f", x=1.0)], [C("f", x=1)], "lenient").exact
    assert not match_calls([C("f", x=1.0)], [C("f", x=1)], "strict").exact
    assert match_calls([C("f", s="  New   York ")], [C("f", s="new york")], "lenient").exact
    assert match_calls([C("f", x=1)], [C("f", x=1, unit="celsius")], "lenient", tools).exact
    assert not match_calls([C("f", x=1)], [C("f", x=1, unit="kelvin")], "lenient", tools).exact
    assert not match_calls([C("f", x=True)], [C("f", x=1)], "lenient").exact
    assert not match_calls([C("f", x="1")], [C("f", x=1)], "lenient").exact


def test_partial_score_penalises_extra_calls():
    gold = [C("f", x=1)]
    assert match_calls([C("f", x=1)], gold).partial == 1.0
    assert match_calls([C("f", x=1), C("g")], gold).partial == 0.5
    assert match_calls([], gold).partial == 0.0
    assert match_calls([], []).partial == 1.0


def test_parser_styles_and_expected_format_warning():
    parsed = parse_output(R + L("f", {"x": 1}), expected_format="qwen")
    assert parsed.styles == ["llama"]
    assert "wrong_call_format:llama" in parsed.issue_codes
    assert not parsed.errors


def test_scoring_never_raises_on_unscorable_item():
    item = RepairItem(id="t", tools=[], messages=[],
                      ground_truth=GroundTruth("r", [ToolCall("f", {"x": object()})]))
    verdict = score_attempt(item, Q("f", {"x": 1}))
    assert verdict.passed is False and verdict.errors
