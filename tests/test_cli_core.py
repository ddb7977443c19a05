"""The ``tool-reflect`` CLI: convert, score, label; every listed command exists."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest
from conftest import FIXTURES

from tool_reflect.cli import COMMANDS, main
from tool_reflect.formats import render_target
from tool_reflect.io import read_items


def test_every_command_module_exists():
    for name, module in COMMANDS.items():
        mod = importlib.import_module(module)
        assert callable(mod.run) and callable(mod.add_arguments) and mod.HELP, name


def test_console_script_help():
    out = subprocess.run([sys.executable, "-m", "tool_reflect.cli", "--help"], capture_output=True,
                         text=True, check=True).stdout
    assert all(name in out for name in COMMANDS)


@pytest.mark.parametrize("dst", ["qwen", "llama", "native", "canonical"])
def test_convert_round_trip(tmp_path, dst):
    src = FIXTURES / "original_qwen.jsonl"
    out = tmp_path / f"o.{dst}.jsonl"
    assert main(["convert", str(src), str(out), "--to", dst]) == 0
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(rows) == 4
    if dst == "qwen":
        assert out.read_text() == src.read_text()
    if dst == "llama":
        assert rows == [json.loads(x) for x in (FIXTURES / "original_llama.jsonl").read_text().splitlines()]


def _completions(tmp_path, good_every: int):
    items = read_items(FIXTURES / "canonical_items.jsonl")
    path = tmp_path / "c.jsonl"
    with open(path, "w") as fh:
        for i, it in enumerate(items):
            bad = "<reflect>retry</reflect>\n" + "\n".join(
                "<tool_call>\n" + json.dumps({"name": c.name, "arguments": c.arguments}) + "\n</tool_call>"
                for c in it.failed_calls)
            outs = [render_target(it, "qwen") if (j + i) % good_every == 0 else bad for j in range(5)]
            fh.write(json.dumps({"id": it.id, "completions": outs}) + "\n")
    return items, path


def test_score_writes_report_and_verdicts(tmp_path, capsys):
    items, comps = _completions(tmp_path, good_every=5)  # exactly one good sample per item
    out = tmp_path / "out"
    rc = main(["score", "--dataset", str(FIXTURES / "canonical_items.jsonl"), "--completions",
               str(comps), "--out", str(out), "--no-progress"])
    assert rc == 0
    report = json.loads((out / "report.json").read_text())
    g = report["groups"]["all"]
    assert g["items"] == 4 and g["repair@1"] == pytest.approx(0.2) and g["repair@5"] == 1.0
    assert set(report["groups"]) == {"all", "argument_error", "order_swap", "redundant_call",
                                     "missing_prerequisite"}
    assert report["stamps"]["matcher_version"] and len(report["stamps"]["dataset_sha256"]) == 64
    verdicts = [json.loads(x) for x in (out / "verdicts.jsonl").read_text().splitlines()]
    assert [v["c"] for v in verdicts] == [1, 1, 1, 1]
    failed = [a for v in verdicts for a in v["attempts"] if not a["passed"]]
    assert all(a["errors"] for a in failed)
    assert "Repair@1" in capsys.readouterr().out


def test_score_bad_completion_line_names_file_line_field(tmp_path, capsys):
    comps = tmp_path / "c.jsonl"
    comps.write_text('{"id": "fx-arg", "completion": "x"}\n{"completion": "y"}\n')
    rc = main(["score", "--dataset", str(FIXTURES / "canonical_items.jsonl"), "--completions",
               str(comps), "--out", str(tmp_path / "o")])
    assert rc == 2
    assert f"{comps}:2: field 'id'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
    rc = main(["score", "--dataset", str(FIXTURES / "canonical_items.jsonl"), "--completions",
               str(comps), "--out", str(tmp_path / "o"), "--skip-invalid", "--no-progress"])
    assert rc == 0
    assert json.loads((tmp_path / "o" / "report.json").read_text())["stamps"]["skipped_invalid"] == 1


def test_label_prints_distribution(capsys):
    assert main(["label", str(FIXTURES / "original_llama.jsonl")]) == 0
    out = capsys.readouterr().out
    for name in ("argument_error", "order_swap", "redundant_call", "missing_prerequisite"):
        assert name in out
