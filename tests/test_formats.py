"""Format adapters: exact round trips and the oracle (ground truth passes its own scorer)."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, SHARED_LLAMA, SHARED_QWEN

from tool_reflect.formats import (
    import_text_record,
    render_native_record,
    render_prompt,
    render_target,
    render_text_record,
)
from tool_reflect.formats.original_files import detect_format, read_dataset, read_original
from tool_reflect.io import read_items
from tool_reflect.parsing import parse_output
from tool_reflect.records import RepairItem
from tool_reflect.scoring import score_attempt


def _lines(path):
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def test_shared_qwen_round_trip_exact(shared_data):
    for i, rec in enumerate(_lines(SHARED_QWEN)):
        item = import_text_record(rec, "qwen", f"q{i}")
        assert render_text_record(item, "qwen") == rec, i


def test_shared_qwen_renders_as_release_llama(shared_data):
    llama = _lines(SHARED_LLAMA)
    for i, rec in enumerate(_lines(SHARED_QWEN)[: len(llama)]):
        item = import_text_record(rec, "qwen", f"q{i}")
        assert render_text_record(item, "llama") == llama[i], i


def test_shared_llama_round_trip_and_same_calls(shared_data):
    qwen = _lines(SHARED_QWEN)
    for i, rec in enumerate(_lines(SHARED_LLAMA)):
        item = import_text_record(rec, "llama", f"l{i}")
        assert render_text_record(item, "llama") == rec
        twin = import_text_record(qwen[i], "qwen", f"q{i}")
        assert [c.to_dict() for c in item.ground_truth.calls] == \
            [c.to_dict() for c in twin.ground_truth.calls]
        assert item.ground_truth.reflection == twin.ground_truth.reflection


def test_canonical_json_round_trip(shared_data):
    for item in read_original(SHARED_QWEN, "qwen"):
        again = RepairItem.from_dict(json.loads(json.dumps(item.to_dict())))
        assert again.to_dict() == item.to_dict()
        assert render_text_record(again, "qwen") == render_text_record(item, "qwen")


@pytest.mark.parametrize("path,fmt", [(SHARED_QWEN, "qwen"), (SHARED_LLAMA, "llama")])
def test_oracle_shared(shared_data, path, fmt):
    items = read_original(path, fmt)
    assert items
    for item in items:
        verdict = score_attempt(item, render_target(item, fmt), expected_format=fmt)
        assert verdict.passed and verdict.partial == 1.0, (item.id, verdict)
        # a quoted call in the reflection never inflates the ground truth's call count
        assert len(parse_output(render_target(item, fmt)).calls) == len(item.ground_truth.calls)


@pytest.mark.parametrize("fmt", ["qwen", "llama"])
def test_oracle_fixtures_and_fixture_round_trip(fmt):
    items = read_items(FIXTURES / "canonical_items.jsonl")
    originals = _lines(FIXTURES / f"original_{fmt}.jsonl")
    for item, rec in zip(items, originals, strict=True):
        assert render_text_record(item, fmt) == rec
        back = import_text_record(rec, fmt, item.id)
        assert render_text_record(back, fmt) == rec
        assert [c.to_dict() | {"id": None} for c in back.ground_truth.calls] == \
            [c.to_dict() | {"id": None} for c in item.ground_truth.calls]
        for target_fmt in ("qwen", "llama", "native"):
            assert score_attempt(item, render_target(item, target_fmt)).passed


def test_native_record_shape():
    item = read_items(FIXTURES / "canonical_items.jsonl")[0]
    rec = render_native_record(item)
    assert [t["type"] for t in rec["tools"]] == ["function"] * len(item.tools)
    roles = [m["role"] for m in rec["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "assistant", "tool"]
    calls = [m for m in rec["messages"] if m["role"] == "assistant"]
    tools = [m for m in rec["messages"] if m["role"] == "tool"]
    assert [t["tool_call_id"] for t in tools] == [c["tool_calls"][0]["id"] for c in calls]
    assert json.loads(calls[-1]["tool_calls"][0]["function"]["arguments"]) == \
        item.failed_calls[0].arguments
    assert score_attempt(item, rec["ground_truth"]).passed


def test_user_role_prompt_has_no_tool_role():
    item = read_items(FIXTURES / "canonical_items.jsonl")[0]
    messages, tools = render_prompt(item, "user_role")
    assert tools and all(m["role"] != "tool" for m in messages)
    assert messages[-1]["content"].startswith("Tool response:\n")
    qmsgs, qtools = render_prompt(item, "qwen")
    assert qtools is None and "<tools>" in qmsgs[0]["content"]
    # tool turns read exactly as in the original text format
    assert [m["content"] for m in messages if m["content"].startswith("Tool response:")] == \
        [m["content"] for m in qmsgs if m["content"].startswith("Tool response:")]


def test_detect_and_read_dataset():
    assert detect_format(_lines(FIXTURES / "original_qwen.jsonl")[0]) == "qwen"
    assert detect_format(_lines(FIXTURES / "original_llama.jsonl")[0]) == "llama"
    assert detect_format(_lines(FIXTURES / "canonical_items.jsonl")[0]) == "canonical"
    ids = [it.id for it in read_dataset(FIXTURES / "original_llama.jsonl")]
    assert ids == [f"original_llama-{i:04d}" for i in range(4)]
