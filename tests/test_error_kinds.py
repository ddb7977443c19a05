"""Every error kind a verdict can emit is listed once (tool_reflect/error_kinds.py), the code
emits nothing unlisted, and the README lists exactly the registry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tool_reflect import error_kinds
from tool_reflect.error_kinds import kind_of, registered
from tool_reflect.records import GroundTruth, RepairItem, ToolCall
from tool_reflect.scoring import score_attempt

ROOT = Path(__file__).resolve().parents[1]
TABLES = (error_kinds.FORMAT_ERRORS, error_kinds.FORMAT_WARNINGS, error_kinds.MATCH_ERRORS,
          error_kinds.SCORING_ERRORS)
ALL = [k for t in TABLES for k in t]


def test_readme_lists_exactly_the_registry() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("Every error kind a verdict can name"):]
    section = section[:section.index("The reward's exact-call gate")]
    listed = re.findall(r"`([^`]+)`", section)
    assert sorted(k for k in listed if k not in ("tool_reflect/error_kinds.py", "format:<code>")) == sorted(ALL)


def test_the_parser_emits_only_registered_codes() -> None:
    src = (ROOT / "tool_reflect" / "parsing.py").read_text()
    literals = re.findall(r'\.add\(\s*f?"([^"]+)"', src)
    literals += re.findall(r'"(quoted_call:[a-z_]+|malformed_json)"', src)
    assert literals
    for code in literals:
        code = re.sub(r"\{[^}]*\}", "x", code)  # f-string fields: a variable suffix
        assert registered(code), code


def test_the_matcher_emits_only_registered_kinds() -> None:
    src = (ROOT / "tool_reflect" / "matching.py").read_text()
    kinds = set(re.findall(r'f"([a-z_]+):\{', src))
    assert kinds >= {"missing_call", "extra_call", "wrong_name", "missing_arg", "extra_arg",
                     "duplicate_call"}
    for kind in kinds:
        assert registered(f"{kind}:f.x") or registered(f"{kind}:f"), kind


ITEM = RepairItem(id="x", tools=[], messages=[], ground_truth=GroundTruth(
    "r", [ToolCall("f", {"a": 1, "b": [1]}), ToolCall("g", {})]))
OUTPUTS = ["", None, 3, "<think>x", "</reflect><reflect>a", "<reflect>a</reflect><reflect>b",
           "<final>x", "<final>a</final><final>b</final>", "```", "<tool_call>{oops</tool_call>",
           "<tool_call>", "</tool_call>", "<tool_call>[]</tool_call>", "<tool_call>{}</tool_call>",
           '<tool_call>{"name": "f", "arguments": 3}</tool_call>',
           '<tool_call>{"name": "f", "arguments": {"a": 1}, "parameters": {}}</tool_call>',
           '<tool_call>{"name": "f", "arguments": {"a": ' + "[" * 200 + "]" * 200 + '}}</tool_call>',
           '<tool_call>{"name": "g", "arguments": {}}</tool_call> see {"name": "f"} and {"name": ',
           '[{"name": "f", "parameters": {"a": "1", "b": [1], "c": 0}}, {"name": "h"}]',
           '[{"name": "f", "parameters": {"a": 2}}, {"name": "f", "parameters": {"a": 2}}]',
           "<tool_call>" + "<tool_call>x</tool_call>" * 300,
           '{"name": "f", "parameters": {"a": 1, "b": [1]}}' * 70]


@pytest.mark.parametrize("output", OUTPUTS)
def test_every_error_a_verdict_names_is_registered(output: object) -> None:
    for style in (None, "qwen"):
        for mode in ("strict", "lenient"):
            for err in score_attempt(ITEM, output, mode, style).errors:
                code = err[len("format:"):] if err.startswith("format:") else err
                assert registered(code), err
                assert kind_of(err)
