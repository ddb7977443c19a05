"""Property tests: the parser never raises; render -> parse is the identity on calls."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tool_reflect.formats import render_calls
from tool_reflect.formats.native import openai_call
from tool_reflect.matching import match_calls
from tool_reflect.parsing import parse_output
from tool_reflect.records import ToolCall

# Argument strings may hold anything but the answer protocol's own markup (fences and the
# reflect/think/final/tool_call tags): such collisions are a documented limitation.
_RESERVED = ("```", "<reflect", "</reflect", "<think", "</think", "<final", "</final",
             "<tool_call", "</tool_call")
texts = st.text(max_size=20).filter(lambda s: not any(r in s.lower() for r in _RESERVED))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12)
    | st.floats(allow_nan=False, allow_infinity=False) | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)
names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,20}", fullmatch=True)
calls = st.builds(ToolCall, name=names, arguments=st.dictionaries(texts, json_values, max_size=5))
reflections = texts.map(lambda t: f"<reflect>{t}</reflect>\n")

TAG_SOUP = ["<tool_call>", "</tool_call>", "<reflect>", "</reflect>", "<think>", "</think>",
            "<final>", "</final>", "```", "[", "]", "{", "}", '"name"', ":", ",", '"', "\\",
            '{"name": "f", "arguments": {', '[{"name": "f", "parameters": ', "\n", " ", "x", "İ"]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_parser_never_raises_on_text(text):
    parsed = parse_output(text)
    assert not any(i.code == "parser_failure" for i in parsed.issues)


@settings(max_examples=300)
@given(st.lists(st.sampled_from(TAG_SOUP), max_size=80).map("".join))
def test_parser_never_raises_on_tag_soup(text):
    parsed = parse_output(text)
    assert not any(i.code == "parser_failure" for i in parsed.issues)
    for call in parsed.calls:
        assert isinstance(call.name, str) and isinstance(call.arguments, dict)


@settings(max_examples=100)
@given(json_values | st.dictionaries(texts, json_values))
def test_parser_never_raises_on_any_value(value):
    parsed = parse_output(value)
    assert not any(i.code == "parser_failure" for i in parsed.issues)


@settings(max_examples=200)
@given(st.lists(calls, min_size=1, max_size=4), reflections, st.sampled_from(["qwen", "llama"]))
def test_text_render_parse_round_trip(cs, reflection, fmt):
    parsed = parse_output(reflection + render_calls(cs, fmt))
    assert not parsed.errors, parsed.issues
    assert match_calls(parsed.calls, cs).exact
    assert [c.arguments for c in parsed.calls] == [c.arguments for c in cs]


@settings(max_examples=200)
@given(st.lists(calls, min_size=1, max_size=4))
def test_native_render_parse_round_trip(cs):
    message = {"role": "assistant", "content": "",
               "tool_calls": [openai_call(c, i) for i, c in enumerate(cs)]}
    parsed = parse_output(json.loads(json.dumps(message)))
    assert not parsed.errors
    assert match_calls(parsed.calls, cs).exact
