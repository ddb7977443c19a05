"""Real records from across both original files: import, exact round trip, self-score,
labels with evidence, native rendering, and the ``tool-reflect check`` report.

Records: tests/fixtures/original (first records, spread and further samples; MIT)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from conftest import ORIGINAL

from tool_reflect.cli import main
from tool_reflect.formats import render_prompt, render_target, render_text_record
from tool_reflect.formats.original_check import check_files, check_original_file
from tool_reflect.formats.original_files import read_original
from tool_reflect.formats.prompts import normalize_schema, split_system_prompt
from tool_reflect.labeler import label_with_evidence
from tool_reflect.records import PERTURBATIONS
from tool_reflect.scoring import score_attempt

FILES = {  # file -> (format, labels in file order, as read off each record's transcript)
    "reference_sample_qwen.jsonl": ("qwen", ["argument_error"] * 23),
    "reference_sample_llama.jsonl": ("llama", ["argument_error"] * 11),
    "spread_sample_qwen.jsonl": ("qwen", ["argument_error"] + ["redundant_call"] * 9),
    "spread_sample_llama.jsonl": ("llama", ["argument_error", "redundant_call"]),
    "more_sample_qwen.jsonl": ("qwen", ["redundant_call", "redundant_call", "missing_prerequisite",
                                       "redundant_call", "argument_error", "redundant_call"]),
    "more_sample_llama.jsonl": ("llama", ["redundant_call"] * 4 + ["missing_prerequisite"]
                                + ["redundant_call"] * 2),
}
FURTHER = [f for f in FILES if not f.startswith("reference")]


def records(name: str) -> list[dict]:
    return [json.loads(line) for line in (ORIGINAL / name).read_text().splitlines()]


def items(name: str):
    return read_original(ORIGINAL / name, FILES[name][0])


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_record_imports_round_trips_and_passes_its_own_ground_truth(name: str) -> None:
    fmt, _ = FILES[name]
    got, source = items(name), records(name)
    assert len(got) == len(source)
    for item, rec in zip(got, source, strict=True):
        assert render_text_record(item, fmt) == rec, item.id
        verdict = score_attempt(item, rec["ground_truth"])
        assert verdict.passed, (item.id, verdict.errors)
        assert item.ground_truth.calls and item.failed_calls


@pytest.mark.parametrize("name", sorted(FILES))
def test_labels_come_from_the_transcript(name: str) -> None:
    labels = [label_with_evidence(it) for it in items(name)]
    assert [lab.type for lab in labels] == FILES[name][1]
    assert all(lab.type in PERTURBATIONS and lab.evidence for lab in labels)


def test_later_records_use_a_pretty_printed_tools_array_and_bare_property_schemas() -> None:
    rec = records("spread_sample_qwen.jsonl")[1]
    system = rec["messages"][0]["content"]
    assert "<tools>[\n    {" in system
    tools, text = split_system_prompt(system)
    assert text == system and {t["name"] for t in tools} >= {"collect_trash", "dispose_trash"}
    for t in tools:  # valid JSON Schema objects, required moved inside
        jsonschema.Draft202012Validator.check_schema(t["parameters"])
        assert t["parameters"]["type"] == "object" and "required" not in t
        assert set(t["parameters"]["required"]) <= set(t["parameters"]["properties"])


@pytest.mark.parametrize("schema, expected", [
    ({"name": "f", "parameters": {"x": {"type": "string"}}, "required": ["x"]},
     {"name": "f", "parameters": {"type": "object", "properties": {"x": {"type": "string"}},
                                  "required": ["x"]}}),
    ({"name": "f", "parameters": {"properties": {"type": "string", "description": "a param"}}},
     {"name": "f", "parameters": {"type": "object", "properties": {
         "properties": {"type": "string", "description": "a param"}}}}),
    ({"name": "f", "parameters": {"type": "object", "properties": {}}},
     {"name": "f", "parameters": {"type": "object", "properties": {}}}),
    ({"name": "f"}, {"name": "f"}),
])
def test_normalize_schema(schema: dict, expected: dict) -> None:
    assert normalize_schema(schema) == expected


def test_native_prompt_has_valid_tools_prose_and_a_result_for_every_call() -> None:
    for name in FURTHER:
        for item in items(name):
            messages, tools = render_prompt(item, "native")
            for t in tools:
                jsonschema.Draft202012Validator.check_schema(t["function"]["parameters"])
            asked = [c["id"] for m in messages if m["role"] == "assistant"
                     for c in m["tool_calls"]]
            answered = [m["tool_call_id"] for m in messages if m["role"] == "tool"]
            assert asked == answered, item.id
    # prose before the call is the assistant's content; the call is structured
    messages, _ = render_prompt(items("spread_sample_qwen.jsonl")[1], "native")
    first = next(m for m in messages if m["role"] == "assistant")
    assert first["content"].startswith("The user has requested assistance")
    assert "<tool_call>" not in first["content"] and first["tool_calls"]


def test_tool_response_shapes() -> None:
    redundant = items("spread_sample_qwen.jsonl")[1]
    last = [m for m in redundant.messages if m.role == "tool"][-2:]
    assert [m.error for m in last] == [False, True]
    assert last[1].content["status"] == "redundant"
    warning = items("more_sample_qwen.jsonl")[2]
    (tool,) = [m for m in warning.messages if m.role == "tool"]
    assert tool.error and tool.content["status"] == "warning"
    # more results than calls (3 for 1, then 6 for 2): every call answered, no result lost
    extra = items("spread_sample_qwen.jsonl")[2]
    source = records("spread_sample_qwen.jsonl")[2]["messages"]
    turns = [m for m in extra.messages if m.role == "assistant"]
    for turn, text in zip(turns, [source[3]["content"], source[5]["content"]], strict=True):
        ids = [c.id for c in turn.tool_calls]
        answers = [m for m in extra.messages if m.role == "tool" and m.tool_call_id in ids]
        assert [m.tool_call_id for m in answers] == ids
        kept = sum(len(m.content) if isinstance(m.content, list) else 1 for m in answers)
        assert kept == len(json.loads(text.split("\n", 1)[1])) in (3, 6)
    first_answer = next(m for m in extra.messages if m.role == "tool")
    assert not first_answer.error  # three plain results: nothing failed


def test_duplicate_in_turn_is_redundant_without_a_status_marker() -> None:
    item = items("spread_sample_qwen.jsonl")[1]
    for m in item.messages[-2:]:
        if m.role == "tool" and isinstance(m.content, dict):
            m.content.pop("status", None)
    assert label_with_evidence(item).evidence == "duplicate_in_turn"


def test_check_reports_every_file_and_the_qwen_llama_pair(tmp_path: Path) -> None:
    files, pair = check_files([ORIGINAL / "reference_sample_qwen.jsonl",
                               ORIGINAL / "reference_sample_llama.jsonl"])
    assert all(f.ok for f in files)
    assert pair is not None and pair.compared == 11 and pair.same == 11 and not pair.ok
    assert pair.differences == ["item counts differ: 23 Qwen, 11 Llama"]
    qwen = tmp_path / "qwen.jsonl"
    qwen.write_text("".join((ORIGINAL / f).read_text() for f in FILES if FILES[f][0] == "qwen"))
    report, got = check_original_file(qwen)
    assert report.ok and report.records == report.imported == len(got) == 39
    assert report.labels == {"argument_error": 25, "missing_prerequisite": 1,
                             "redundant_call": 13}
    assert report.self_score_passed == report.round_trip_exact == 39 and not report.unknown


def test_check_command_names_rejected_lines_and_fails(tmp_path: Path, capsys) -> None:
    lines = (ORIGINAL / "spread_sample_llama.jsonl").read_text().splitlines()
    broken = json.loads(lines[1])
    broken["messages"][0]["content"] = broken["messages"][0]["content"].replace("<tools>", "<t>")
    path = tmp_path / "llama.jsonl"
    path.write_text(lines[0] + "\n" + json.dumps(broken) + "\n")
    assert main(["check", str(path), "--json", str(tmp_path / "r.json")]) == 1
    out = capsys.readouterr().out
    assert f"{path}:2: field 'messages[0].content': no parsable <tools> block" in out
    report = json.loads((tmp_path / "r.json").read_text())["files"][0]
    assert report["records"] == 2 and report["imported"] == 1 and report["rejected_count"] == 1
    assert main(["check", str(ORIGINAL / "spread_sample_llama.jsonl")]) == 0


def test_targets_render_in_each_prompt_format() -> None:
    for item in items("more_sample_llama.jsonl"):
        for fmt in ("qwen", "llama", "native"):
            assert score_attempt(item, render_target(item, fmt)).passed
