"""The environment interface and the executed verdict, on BFCL's real backends (no mocks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tool_reflect.execution import (
    BFCLEnv,
    executed_verdict,
    require_bfcl,
    score_executed,
    state_diff,
)
from tool_reflect.execution.bfcl import parse_call, tool_schemas
from tool_reflect.io import read_items
from tool_reflect.parsing import parse_output
from tool_reflect.records import RepairItem, ToolCall

require_bfcl()  # the suite needs BFCL's backends: an error naming the install, never a skip

ROOT = Path(__file__).resolve().parents[1]
ITEMS = {it.id: it for it in read_items(ROOT / "data" / "tool_reflect_bfcl" / "test.jsonl.gz")}


def item(item_id: str) -> RepairItem:
    return ITEMS[item_id]


def env_for(source: str) -> BFCLEnv:
    env = BFCLEnv()
    env.reset({"source": source, "long_context": False})
    return env


# --- the interface ---------------------------------------------------------------------

def test_execute_snapshot_and_fresh_resets() -> None:
    env = env_for("multi_turn_base_0")
    start = env.snapshot()
    assert env.execute(ToolCall("cd", {"folder": "document"})).value == {"current_working_directory": "document"}
    assert env.snapshot() == start  # the working directory is private state
    made = env.execute(ToolCall("mkdir", {"dir_name": "temp"}))
    assert made.ok and state_diff(env.snapshot(), start) == ["GorillaFileSystem.root"]
    env.reset({"source": "multi_turn_base_0"})
    assert env.snapshot() == start  # a reset gives fresh instances


def test_errors_are_results() -> None:
    env = env_for("multi_turn_base_0")
    missing = env.execute(ToolCall("cd", {}))
    assert missing.error == "TypeError: GorillaFileSystem.cd() missing 1 required positional argument: 'folder'"
    assert missing.value == {"error": missing.error}
    assert env.execute(ToolCall("cd", {"folder": "nowhere"})).error == "cd: 'nowhere': No such file or directory"
    assert env.execute(ToolCall("_load_scenario", {"scenario": {}})).error == "Unknown function: _load_scenario"
    assert env.execute(ToolCall("cp", {"source": "a", "destination": "b"})).error == "Unknown function: cp"  # excluded


def test_fork_keeps_seeded_rng() -> None:
    speed = ToolCall("get_current_speed", {})  # VehicleControlAPI draws from its seeded RNG
    env = env_for("multi_turn_base_50")
    fork = env.fork()
    first = env.execute(speed)
    assert fork.execute(speed) == first  # the copy carries the RNG state
    assert env.execute(speed) != first  # the RNG advances
    assert env_for("multi_turn_base_50").execute(speed) == first  # seeded: same on reset


def test_parse_call_uses_ast_and_signature() -> None:
    env = env_for("multi_turn_base_0")
    assert parse_call("sort('final_report.pdf')", env.signature("sort")) == ToolCall("sort", {"file_name": "final_report.pdf"})
    assert parse_call("ls(a=True)").arguments == {"a": True}
    with pytest.raises(ValueError):
        parse_call("__import__('os').system('true')")
    with pytest.raises(ValueError):
        parse_call("f(open('x'))")


def test_tool_schemas_are_json_schema() -> None:
    tools = tool_schemas(["GorillaFileSystem", "MathAPI"], ["cp"])
    names = [t["name"] for t in tools]
    assert "cp" not in names and "mean" in names
    types = {t["parameters"]["type"] for t in tools}
    assert types == {"object"}
    mean = next(t for t in tools if t["name"] == "mean")
    assert mean["parameters"]["properties"]["numbers"]["items"]["type"] == "number"


# --- the executed verdict --------------------------------------------------------------

SWAP = "bfcl-base_0-b3a8271836"      # grep before cd(temp); truth [cd, grep]
MKDIR = "bfcl-base_0-e73c7bd027"     # truth mkdir(temp): result null, state only
GREP = "bfcl-base_0-a748902cdd"      # truth grep (read-only)


def test_accepts_ground_truth_and_equivalents() -> None:
    it = item(GREP)
    gt = it.ground_truth.calls
    assert executed_verdict(it, gt).passed
    pwd = ToolCall("pwd", {})
    assert executed_verdict(it, [pwd, *gt]).passed  # an extra read-only call, before
    assert executed_verdict(it, [*gt, pwd]).passed  # ... or after: independent calls reordered
    swap = item(SWAP)
    assert executed_verdict(swap, [ToolCall("cd", {"folder": "temp/"}), swap.ground_truth.calls[1]]).passed


def test_rejects_with_named_reasons() -> None:
    it = item(GREP)
    assert executed_verdict(it, it.failed_calls).reasons[0].startswith("call_error:grep")
    assert executed_verdict(it, []).reasons[:2] == ["repair:no_calls", "missing_result:grep"]
    same = ToolCall("grep", {"file_name": "final_report.pdf", "pattern": "budget"})
    assert executed_verdict(it, [same]).passed  # another pattern, the same lines: it works
    wrong = ToolCall("grep", {"file_name": "final_report.pdf", "pattern": "revenue"})
    assert executed_verdict(it, [wrong]).reasons == ["missing_result:grep"]
    mk = item(MKDIR)
    v = executed_verdict(mk, [ToolCall("mkdir", {"dir_name": "tmp"})])
    assert v.reasons == ["state:GorillaFileSystem.root"] and "after the repair" in v.details[0]
    lost = executed_verdict(mk, [ToolCall("cd", {"folder": ".."}), *mk.ground_truth.calls])
    assert not lost.passed and lost.reasons[0] == "state:GorillaFileSystem.root"


def test_hidden_state_shows_in_the_continuation() -> None:
    it = item(GREP)  # a repair that also leaves the working directory breaks later steps
    v = executed_verdict(it, [*it.ground_truth.calls, ToolCall("cd", {"folder": ".."})])
    assert not v.passed and v.reasons[0].startswith("continuation_")


def test_broken_order_is_flagged() -> None:
    it = item(SWAP)
    v = executed_verdict(it, it.ground_truth.calls[::-1])
    assert not v.passed
    assert v.reasons[:2] == ["order:broken_order", "call_error:grep"]


def test_state_only_flag() -> None:
    assert executed_verdict(item(MKDIR), item(MKDIR).ground_truth.calls).state_only
    assert not executed_verdict(item(GREP), item(GREP).ground_truth.calls).state_only


def test_results_mode_read_only_is_weaker() -> None:
    it = next(i for i in ITEMS.values() if i.ground_truth.calls[0].name == "setCruiseControl")
    call = it.ground_truth.calls[0]
    faster = ToolCall(call.name, {**call.arguments, "speed": call.arguments["speed"] + 10})
    strict = executed_verdict(it, [faster])
    assert strict.reasons == ["missing_result:setCruiseControl"]
    assert executed_verdict(it, [faster], results="read_only").passed  # state alone misses it
    with pytest.raises(ValueError):
        executed_verdict(it, [faster], results="some")


def test_score_executed_parses_and_never_raises() -> None:
    it = item(GREP)
    text = '<reflect>x</reflect>\n<tool_call>{"name": "grep", "arguments": ' \
           '{"file_name": "final_report.pdf", "pattern": "budget analysis"}}</tool_call>'
    assert score_executed(it, text).passed
    bad = score_executed(it, text + "\n<tool_call>{oops</tool_call>")
    assert "format:malformed_json" in bad.reasons
    plain = RepairItem(id="x", tools=[], messages=it.messages, ground_truth=it.ground_truth)
    assert score_executed(plain, text).reasons == ["execution_failure:ValueError"]
    assert executed_verdict(it.provenance["recipe"], parse_output(text)).passed  # a bare recipe works
