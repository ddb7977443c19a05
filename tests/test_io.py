"""Bad input names file, line and field; --skip-invalid loses nothing silently; writes are atomic."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES

from tool_reflect.errors import RecordError
from tool_reflect.formats.original_files import read_original
from tool_reflect.io import atomic_open, read_items, write_items


def _write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_malformed_json_names_file_and_line(tmp_path):
    good = (FIXTURES / "canonical_items.jsonl").read_text().splitlines()
    path = _write(tmp_path / "d.jsonl", [good[0], "{not json", good[1]])
    with pytest.raises(RecordError) as exc:
        read_items(path)
    assert exc.value.line == 2 and str(path) in str(exc.value) and "invalid JSON" in str(exc.value)


@pytest.mark.parametrize("mutate,field", [
    (lambda d: d.pop("ground_truth"), "ground_truth"),
    (lambda d: d.__setitem__("tools", "x"), "tools"),
    (lambda d: d["messages"][1].__setitem__("role", "robot"), "messages[1].role"),
    (lambda d: d["messages"][1]["tool_calls"][0].__setitem__("arguments", [1]),
     "messages[1].tool_calls[0].arguments"),
    (lambda d: d["ground_truth"].__setitem__("reflection", 3), "ground_truth.reflection"),
    (lambda d: d.__setitem__("perturbation", "typo"), "perturbation"),
])
def test_bad_field_names_field(tmp_path, mutate, field):
    rec = json.loads((FIXTURES / "canonical_items.jsonl").read_text().splitlines()[0])
    mutate(rec)
    path = _write(tmp_path / "d.jsonl", [json.dumps(rec)])
    with pytest.raises(RecordError) as exc:
        read_items(path)
    assert exc.value.field == field and exc.value.line == 1, str(exc.value)
    assert f"{path}:1: field '{field}'" in str(exc.value)


def test_skip_invalid_reports_every_bad_line(tmp_path):
    good = (FIXTURES / "canonical_items.jsonl").read_text().splitlines()
    path = _write(tmp_path / "d.jsonl", [good[0], "[]", good[1], "{", good[2]])
    errors: list[RecordError] = []
    items = read_items(path, skip_invalid=True, errors=errors)
    assert [it.id for it in items] == ["fx-arg", "fx-swap", "fx-redundant"]
    assert [e.line for e in errors] == [2, 4]


def test_original_format_errors_name_field(tmp_path):
    rec = json.loads((FIXTURES / "original_qwen.jsonl").read_text().splitlines()[0])
    rec["messages"][2]["content"] = "\n<tool_call>\n{broken\n</tool_call>"
    path = _write(tmp_path / "o.jsonl", [json.dumps(rec)])
    with pytest.raises(RecordError) as exc:
        read_original(path, "qwen")
    assert exc.value.field == "messages[2].content" and exc.value.line == 1
    assert "malformed_json" in str(exc.value)


def test_atomic_write_leaves_no_partial_file(tmp_path):
    target = tmp_path / "out.jsonl"
    items = read_items(FIXTURES / "canonical_items.jsonl")
    write_items(target, items)
    before = target.read_bytes()
    with pytest.raises(RuntimeError), atomic_open(target) as fh:
        fh.write("half a line")
        raise RuntimeError("interrupted")
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]
