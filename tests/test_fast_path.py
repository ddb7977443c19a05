"""The parser's fast path (well-formed Qwen/Llama shapes) gives exactly what the full parser
gives, and hands everything else to it."""

from __future__ import annotations

import random
import sys
from decimal import Decimal

import pytest
from conftest import ORIGINAL
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tool_reflect import json_values, matching
from tool_reflect.formats import render_target
from tool_reflect.formats.original_files import read_dataset
from tool_reflect.matching import match_calls, same_value, value_key
from tool_reflect.parsing import (
    _CALL_HERE,
    ParsedOutput,
    _call_start,
    _fast_parse,
    _parse_into,
    parse_output,
)
from tool_reflect.records import ToolCall

TRICKY = ["<tool_call>", "</tool_call>", "<TOOL_CALL>", "<reflect>", "</reflect>", "<think>",
          "</think>", "think>", "<final>", "```", "{", "}", "[", "]", '"', "\\", ":", ",", " ",
          '{"name": ', '"arguments": ', '"parameters": ', "\n", "\u2028", "\x0b", "\u00a0",
          "İ", "\\u005b", "\\u007b", "null", "1e999", "9" * 5000, "[" * 200, "]" * 200,
          '"id": "c1", ', "<Tool_Call>", "</Reflect>"]


@pytest.fixture(scope="module", autouse=True, params=["compiled", "json"])
def decoder(request):
    """Every test here runs with the compiled JSON decoder and encoder (msgspec) and without
    (json and marshal)."""
    saved = json_values._COMPILED, matching._ENCODE
    if request.param == "json":
        json_values._COMPILED = matching._ENCODE = None
    elif None in saved:
        pytest.skip("msgspec is not installed")
    yield request.param
    json_values._COMPILED, matching._ENCODE = saved


def full(text: str) -> ParsedOutput:
    parsed = ParsedOutput()
    _parse_into(parsed, text)
    return parsed


def agrees(text: str) -> bool | None:
    """None when the fast path declines, else whether it equals the full parser."""
    fast = _fast_parse(text)
    return None if fast is None else fast.summary() == full(text).summary()


@pytest.fixture(scope="module")
def golds() -> list[str]:
    items = [it for name in ("reference", "spread", "more")
             for it in read_dataset(ORIGINAL / f"{name}_sample_qwen.jsonl", "qwen")]
    return [render_target(it, fmt) for it in items for fmt in ("qwen", "llama")]


def test_real_ground_truths_take_the_fast_path_and_agree(golds):
    results = [agrees(g) for g in golds]
    assert results.count(True) >= len(golds) * 0.8  # most real answers are well formed
    assert False not in results


SHAPES = [
    '<tool_call>\n{"name": "f", "arguments": {"x": 1}}\n</tool_call>',
    ' \n<reflect>why</reflect>\n<tool_call>{"name": "f", "arguments": {}}</tool_call>'
    '<tool_call>[{"name": "g", "parameters": {"y": [1, 2]}}, 3]</tool_call>',
    '<reflect>r</reflect>[{"name": "f", "parameters": {"x": "</reflect>"}}]\n'
    '[{"name": "g", "parameters": {}}]',
    '{"name": "f", "arguments": {"x": 1}, "parameters": {"x": 2}}',
    '<tool_call>{"name": "", "arguments": {}}</tool_call>',
    '<tool_call>{"name": "f", "arguments": "{\\"a\\": 1}"}</tool_call>',
    '<tool_call>{"name": "f", "arguments": "{\\"a\\": ' + "\\u005b" * 300 + "\\u005d" * 300
    + '}"}</tool_call>',
    '<tool_call>{"name": "f", "arguments": {"a": ' + "[" * 200 + "]" * 200 + "}}</tool_call>",
    '<tool_call>{"name": "f", "arguments": {"a": ' + "[" * 100 + "]" * 100 + "}}</tool_call>",
    '<tool_call>{"name": "f", "arguments": {"a": "```"}}</tool_call>',
    '<tool_call>{"name": "f", "arguments": {"a": "</tool_call>"}}</tool_call>',
    '<tool_call>{"name": "f", "arguments": {"a": 1}}</tool_call>\u2028<tool_call>'
    '{"name": "g", "arguments": {}}</tool_call>',
    '[{"name": "f", "parameters": {"q": "İ"}}]',
    '{"arguments": {"name": "x"}, "name": "f"}',
    '<tool_call>{"name": "f", "arguments": {"a": ' + "9" * 5000 + "}}</tool_call>",
    '<tool_call>[' + ", ".join(['{"name": "f", "arguments": {}}'] * 40) + "]</tool_call>",
    '<tool_call>[]</tool_call><tool_call>{"name": "f", "arguments": {}}</tool_call>',
    '<tool_call>{"name": "f", "arguments": {}}</tool_call>\nso {"name": "g", "arguments": {}}',
    '<tool_call>{"name": "f", "arguments": {}}</tool_call> {"name": "g"',
    '<reflect>a</reflect>b</reflect><tool_call>{"name": "f", "arguments": {}}</tool_call>',
    '<reflect>a</reflect>[{"name": "f", "parameters": {}}]</reflect>',
    '[{"name": "f", "parameters": {"a": ' + "[" * 130 + "]" * 130 + '}}]\n[{"name": "g"}]',
    '<tool_call>{"name": "f", "arguments": {}, "id": 5}</tool_call>',
    '[{"name": "f", "parameters": {}, "id": "c1"}]',
    '{"x": 1, "name": "f", "arguments": {}}',
    ' [ {"name": "f", "parameters": {}}] [{"name": "g"}]',
    '<reflect>a <final> b </think></reflect><tool_call>{"name": "f", "arguments": {}}</tool_call>',
    '<reflect>a</reflect><final>x</final><tool_call>{"name": "f", "arguments": {}}</tool_call>',
    '<reflect>a</reflect>[{"name": "f", "parameters": {}}]</final>',
    # Llama values one per line (routed to the value-by-value reader), and look-alikes
    '[{"name": "f", "parameters": {"a": [1]}}]\n[{"name": "g", "parameters": {}}]\n',
    '[{"name": "f", "parameters": {}}]\n{"name": "g", "parameters": {}}\n[{"name": "h"}]',
    '[{"name": "f", "parameters": {"s": "]\\n[ and }\\n{"}}]',
    '[{"name": "f", "parameters": {"s": "x]\n[y"}}]',
    '{"name": "f", "parameters": {}}\n{"name": "g", "parameters": {}}\u2028',
    '[{"name": "f", "parameters": {}}]\n[{"name": "g", "parameters": {}}] tail',
    '[{"name": "f", "parameters": {}}]\n[1, 2]',
    '[{"name": "f", "parameters": {}}]\n{"x": 1, "name": "g", "parameters": {}}',
    '[{"name": "f", "parameters": {}}]\n[{"name": "g"}]\n{"x": 1, "name": "h"}',
    '[{"name": "f", "parameters": {}}]\n[{"name": "g", "parameters": {"x": NaN}}]',
    '[{"name": "f", "parameters": {}}]\n[{"name": "g", "parameters": {"a": ' + "[" * 130
    + "]" * 130 + "}}]",
    '[{"name": "f", "parameters": {"x": "' + "y" * 9000 + '"}}]\n[{"name": "g"}]',
]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(["[", "{", " ", "\t", "\n", "\r", '"name"', '"nam"', "\u2028", "x",
                                 "]", "}", '"', "\\", "\x0b", ":"]), max_size=8))
@example(["[", "\u2028", "{", '"name"'])
@example(["[", "\x0b", "{", '"name"'])
@example(["{", "\u2028", '"name"'])
@example(["[", " ", "\n", "{", "\t", '"name"'])
@example(["[", "[", "{", '"name"'])
@example(["x", "[", "{", '"name"'])
def test_the_call_start_regex_is_the_call_search_at_its_start(tokens):
    text = "".join(tokens)
    for pos in range(len(text) + 1):
        assert bool(_CALL_HERE.match(text, pos)) is (_call_start(text, pos) == pos)


@pytest.mark.parametrize(("text", "names"), [
    ('[{"name": "f", "parameters": {"a": [1]}}]\n[{"name": "g", "parameters": {}}]', "fg"),
    ('[{"name": "f", "parameters": {}}]\n{"name": "g", "parameters": {}}\n[{"name": "h"}]',
     "fgh"),
    ('[{"name": "f", "parameters": {"s": "]\\n[ and }\\n{"}}]', "f"),
    ('{"name": "f", "parameters": {}}\n\n{"name": "g", "parameters": {}}', "fg"),
])
def test_llama_values_one_per_line_take_the_fast_path(text, names):
    fast = _fast_parse(text)
    assert fast is not None and "".join(c.name for c in fast.calls) == names
    assert fast.summary() == full(text).summary()


def test_tags_quoted_in_the_reflection_stay_on_the_fast_path():
    """The reflection is removed before calls are read: a <final> or <tool_call> quoted in
    it changes nothing (a <think> anywhere does: think blocks are removed first)."""
    text = ('<reflect>emit <final> then <tool_call>{"name": "g"}</tool_call></reflect>\n'
            '<tool_call>{"name": "f", "arguments": {"x": 1}}</tool_call>')
    assert agrees(text) is True
    assert _fast_parse(text.replace("<final>", "<think>")) is None


@pytest.mark.parametrize("text", SHAPES)
def test_edge_shapes_agree_with_the_full_parser(text):
    assert agrees(text) is not False
    fast = _fast_parse(text)
    assert parse_output(text).summary() == (fast if fast is not None else full(text)).summary()


def test_fast_path_declines_what_it_does_not_read():
    assert _fast_parse("prose first <tool_call>{\"name\": \"f\"}</tool_call>") is None
    assert _fast_parse("<think>x</think><tool_call>{\"name\": \"f\"}</tool_call>") is None
    assert _fast_parse("<reflect>a</reflect><reflect>b</reflect>[{\"name\": \"f\"}]") is None
    assert _fast_parse("<tool_call>{\"name\": \"f\"}") is None  # unclosed
    assert _fast_parse("") is None


def mutate(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(text) + 1)
        op = rng.random()
        if op < 0.6:
            text = text[:i] + rng.choice(TRICKY) + text[i:]
        elif op < 0.8:
            text = text[:i] + text[i + rng.randint(1, 5):]
        else:
            text = text[:i] + text[i:].upper()
    return text


def test_mutated_completions_agree(golds):
    rng = random.Random(0)
    fast_taken, disagreements = 0, []
    for _ in range(20_000):
        text = mutate(rng, rng.choice(golds))
        result = agrees(text)
        fast_taken += result is not None
        if result is False:
            disagreements.append(text)
    assert not disagreements, disagreements[:2]
    assert fast_taken > 2_000  # the comparison did exercise the fast path


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TRICKY + ['{"name": "f", "arguments": {"x": 1}}', "<tool_call>",
                                          "</tool_call>", '[{"name": "g", "parameters": {}}]']),
                max_size=12))
def test_token_sequences_agree(tokens):
    assert agrees("".join(tokens)) is not False


JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.sampled_from(
    [0.0, -0.0, 1.0, float("nan"), float("inf"), -float("inf"), 1e16]), st.floats(),
    st.text(max_size=4), st.sampled_from(["1", "1.0", "true", "null", "", "\udcff"]))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from(["a", "b", "1", "name"]), inner, max_size=3), max_leaves=12)


@settings(max_examples=3000, deadline=None)
@given(JSON_VALUES, JSON_VALUES)
def test_same_value_is_canonical_equality(a, b):
    assert same_value(a, b) == (value_key(a) == value_key(b))
    assert same_value(a, a) and same_value(b, b)


def _twist(value, rng: random.Random):
    """A Python-equal copy of ``value`` that may differ as JSON: ``1`` as ``1.0`` or
    ``True``, ``0.0`` as ``-0.0``, keys in another order."""
    if type(value) is dict:
        items = [(k, _twist(v, rng)) for k, v in value.items()]
        rng.shuffle(items)
        return dict(items)
    if type(value) is list:
        return [_twist(v, rng) for v in value]
    if type(value) in (int, bool) and value in (0, 1) and rng.random() < 0.5:
        return rng.choice([float(value), bool(value), int(value)])
    if type(value) is float and value == 0.0 and rng.random() < 0.5:
        return -value
    return value


@settings(max_examples=3000, deadline=None)
@given(JSON_VALUES, st.integers(0, 2**32))
def test_same_value_tells_python_equal_twins_apart_as_json(a, seed):
    b = _twist(a, random.Random(seed))
    assert same_value(a, b) == (value_key(a) == value_key(b))
    assert same_value([a], [b]) == same_value({"k": a}, {"k": b}) == same_value(a, b)


@pytest.mark.parametrize(("a", "b", "equal"), [
    (1, 1.0, False), (1, True, False), (0, False, False), (0.0, -0.0, False),
    (float("nan"), float("nan"), True), ({"a": [1, {"b": 2}]}, {"a": [1, {"b": 2}]}, True),
    ({"a": 1, "b": 2}, {"b": 2, "a": 1}, True), ([1, 2], [2, 1], False), (None, "null", False),
    (Decimal("1" * 5000), Decimal("1" * 5000), True), (Decimal("1" * 5000), 1, False),
    ({1: "x"}, {"1": "x"}, True),  # Python-made keys: compared as JSON text, as value_key does
    ({True: 1}, {1: 1}, False), ({"a": [1, {"b": 0.0}]}, {"a": [1, {"b": -0.0}]}, False),
    ({"a": [True]}, {"a": [1]}, False), ({"a": 2 ** 70}, {"a": 2.0 ** 70}, False),
    ({"a": [Decimal(5)]}, {"a": [5]}, True), ([float("inf")], [float("inf")], True),
])
def test_same_value_edge_cases(a, b, equal):
    assert same_value(a, b) is equal
    assert same_value(a, b) == (value_key(a) == value_key(b))


def test_calls_compare_as_multisets_in_any_order():
    f1, f2 = ToolCall("f", {"a": 1}), ToolCall("f", {"a": 1, "b": 2})
    assert match_calls([f2, f1], [f1, f2]).exact
    assert not match_calls([f1, f1], [f1, f2]).exact
    m = match_calls([f1, ToolCall("g", {})], [f1, f2])
    assert (m.n_matched, m.errors) == (1, ["wrong_name:f"])


SMALL_ARGS = st.dictionaries(st.sampled_from(["x", "y"]), st.sampled_from([0, 1, 1.0, True, "1"]),
                             max_size=2)
CALLS = st.builds(ToolCall, st.sampled_from(["f", "g", "h"]), SMALL_ARGS)


@settings(max_examples=3000, deadline=None)
@given(CALLS, st.lists(CALLS, max_size=4))
def test_one_predicted_call_is_explained_as_the_general_pairing_explains_it(p, gold):
    """The shortcut for one predicted call names what the multiset pairing names."""
    general = matching._paired([p], gold, "strict", {},
                               *matching._pair_equal([p], gold, "strict", {}))
    assert matching.matched_calls([p], gold) == general


@pytest.mark.parametrize(("gold", "matched", "errors"), [
    ([ToolCall("g", {}), ToolCall("f", {"x": 1}), ToolCall("f", {})], 1,
     ["missing_call:g", "missing_call:f"]),  # its equal partner, the others missing
    ([ToolCall("g", {}), ToolCall("f", {"x": 2}), ToolCall("f", {})], 0,
     ["wrong_value:f.x", "missing_call:g", "missing_call:f"]),  # first of its name
    ([ToolCall("g", {}), ToolCall("h", {})], 0, ["wrong_name:g", "missing_call:h"]),
    ([], 0, ["extra_call:f"]),
])
def test_one_predicted_call_against_several(gold, matched, errors):
    m = match_calls([ToolCall("f", {"x": 1})], gold)
    assert (m.exact, m.n_matched, m.errors) == (False, matched, errors)


@pytest.mark.parametrize("args", [{"x": 2 ** 70}, {"x": [1, {2: "int key"}]}, {"x": "\udc80"}])
@pytest.mark.parametrize("n", [1, 2, 3])
def test_equal_calls_match_when_the_fast_settle_is_refused(args, n):
    """Values the typed-bytes encoder refuses (ints past 64 bits, non-string keys, lone
    surrogates) are compared the careful way: equal calls still match."""
    gold = [ToolCall(f"f{i}", dict(args)) for i in range(n)]
    pred = [ToolCall(f"f{i}", {k: v for k, v in args.items()}) for i in range(n)]
    m = match_calls(pred, gold)
    assert (m.exact, m.n_matched, m.errors) == (True, n, [])
    assert match_calls(pred[::-1], gold).exact


def test_tags_match_ascii_case_insensitively_only():
    call = '{"name": "f", "arguments": {"x": 1}}'
    assert [c.name for c in parse_output(f"<TOOL_CALL>{call}</Tool_Call>").calls] == ["f"]
    assert parse_output(f"<thİnk>{call}</thİnk>").issue_codes == []  # not a think tag
    assert [c.name for c in parse_output(f"<thİnk>[{call}]").calls] == ["f"]
    assert parse_output(f"<think>[{call}]</thin\u212a>").calls == []  # Kelvin sign: unclosed


LONG = "x" * 9000  # longer than the parser's 8 KiB decode window


@pytest.mark.parametrize("text", [
    '{"name": "f", "arguments": {"x": "' + LONG + '"}}',
    '<tool_call>{"name": "f", "arguments": {"x": "</tool_call>' + LONG + '"}}</tool_call>',
    '<tool_call>\n[{"name": "f", "arguments": {"x": "' + LONG + '"}}, 5]\n</tool_call>',
])
def test_calls_with_long_string_arguments_parse_on_both_paths(text):
    for t in (text, text + " " * 70_000):  # fast path, and full parser only (over 64 KiB)
        calls = parse_output(t).calls
        assert [c.name for c in calls] == ["f"] and calls[0].arguments["x"].endswith(LONG)
    assert agrees(text) is not False


def test_fast_path_leaves_values_near_the_recursion_limit_to_the_full_parser():
    deep = '[{"name": "g", "arguments": {}}, {"name": "f", "arguments": {"x": ' + "[" * 990 \
        + "]" * 990 + "}}]"
    assert _fast_parse(f"<tool_call>{deep}</tool_call>") is None
    assert _fast_parse(deep) is None
    assert "nesting_too_deep" in parse_output(f"<tool_call>{deep}</tool_call>").issue_codes


def test_unterminated_long_strings_stay_linear_and_malformed():
    text = ('{"name": "f", "arguments": {"x": "' + "y" * 20_000) * 40  # never closed
    parsed = parse_output(text)
    assert parsed.calls == [] and "malformed_json" in parsed.issue_codes


def test_same_value_falls_back_to_value_key_for_python_objects():
    x: list = []
    x.append(x)
    y: list = []
    y.append(y)
    assert same_value(x, y) == (value_key(x) == value_key(y))  # circular: no RecursionError
    a, b = {"a": 1, "b": {1: 0, "x": 0}}, {"b": {1: 0, "x": 0}, "a": 1}  # unsortable keys
    assert same_value(a, b) == (value_key(a) == value_key(b))
    assert not match_calls([ToolCall("f", a)], [ToolCall("f", b)]).exact


def test_malformed_json_floods_are_bounded_and_still_fail(monkeypatch):
    from tool_reflect import json_values, parsing

    decodes = []
    real = json_values.raw_decode
    monkeypatch.setattr(parsing.json_values, "raw_decode",
                        lambda *a: decodes.append(1) or real(*a))
    dense = ('<tool_call>{"name": "f", "arguments": {"x": [' + "1," * 4000 + "}}</tool_call>\n") * 125
    parsed = parse_output(dense)
    assert parsed.calls == [] and parsed.issue_codes[0] == "malformed_json"
    assert len(decodes) < 125  # decoding stopped once failures had read ~512 K characters
    valid = ('{"name": "f", "arguments": {"x": "' + "y" * 9000 + '"}}\n') * 20
    assert len(parse_output(valid).calls) == 20  # long valid values cost no budget


def _at_stack_depth(free: int, run):
    """Call ``run`` with only ``free`` levels of the recursion limit left."""
    frames, f = 0, sys._getframe()
    while f is not None:
        f, frames = f.f_back, frames + 1

    def down(n: int):
        return down(n - 1) if n > 0 else run()

    return down(sys.getrecursionlimit() - free - frames - 1)


@pytest.mark.parametrize("levels", [128, 129])
def test_nesting_limit_holds_with_150_free_levels(levels):
    """The README's promise: 128 levels parse, 129 are ``nesting_too_deep``, on both paths,
    when the caller leaves 150 levels of the recursion limit free."""
    inner = "[" * (levels - 1) + "]" * (levels - 1)
    text = '<tool_call>{"name": "f", "arguments": {"a": ' + inner + "}}</tool_call>"
    fast, slow = _at_stack_depth(150, lambda: (parse_output(text), full(text)))
    assert fast.summary() == slow.summary()
    assert [i.code for i in fast.issues] == ([] if levels == 128 else ["nesting_too_deep"])
