"""BFCL item generation and the bundled data: executed, deterministic, disjoint splits."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from tool_reflect.execution import BuildReport, build_items, generate_bfcl, require_bfcl
from tool_reflect.execution.bundle import content_key
from tool_reflect.execution.trajectory import load_trajectory, replay_to_error, run_reference
from tool_reflect.io import read_items
from tool_reflect.records import PERTURBATIONS, RepairItem

require_bfcl()  # the suite needs BFCL's backends: an error naming the install, never a skip

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "data" / "tool_reflect_bfcl"
SOURCES = ["multi_turn_base_0", "multi_turn_base_17", "multi_turn_base_90", "multi_turn_base_198"]


def dump(items: list[RepairItem]) -> bytes:
    return "".join(json.dumps(it.to_dict(), ensure_ascii=False) + "\n" for it in items).encode()


@pytest.fixture(scope="module")
def test_items() -> list[RepairItem]:
    return read_items(BUNDLE / "test.jsonl.gz")


@pytest.fixture(scope="module")
def train_items() -> list[RepairItem]:
    with gzip.open(BUNDLE / "train.jsonl.gz", "rt", encoding="utf-8") as fh:
        return [RepairItem.from_dict(json.loads(line)) for line in fh]


def test_same_seed_same_bytes() -> None:
    a, b = build_items(SOURCES, seed=0), build_items(SOURCES, seed=0)
    assert dump(a) == dump(b) and a
    other = build_items(SOURCES, seed=1)
    assert dump(other) != dump(a)  # the seed picks corruptions and phrasings


def test_bundled_test_split_is_regenerated_byte_for_byte(test_items: list[RepairItem]) -> None:
    report = BuildReport()
    assert dump(generate_bfcl("base", seed=0, report=report)) == gzip.decompress((BUNDLE / "test.jsonl.gz").read_bytes())
    assert sum(report.made.values()) == len(test_items)


def test_all_types_and_backends_are_present(test_items: list[RepairItem]) -> None:
    types = Counter(it.perturbation for it in test_items)
    assert set(types) == set(PERTURBATIONS)
    backends = {it.provenance["backend"] for it in test_items}
    assert {"GorillaFileSystem", "VehicleControlAPI", "TravelAPI", "TradingBot"} <= backends
    card = (BUNDLE / "README.md").read_text(encoding="utf-8")
    assert "Apache-2.0" in card and "| **all** |" in card and f"**test** ({len(test_items)} items" in card


def test_train_and_test_share_no_source_nor_item(test_items, train_items) -> None:
    assert train_items
    assert not {it.provenance["bfcl_id"] for it in test_items} & {it.provenance["bfcl_id"] for it in train_items}
    assert not {content_key(it) for it in test_items} & {content_key(it) for it in train_items}
    assert any(it.provenance["recipe"]["long_context"] for it in train_items)


def test_items_are_executed_on_the_backend(test_items: list[RepairItem]) -> None:
    for it in test_items[::25]:
        recipe = it.provenance["recipe"]
        assert {"source", "turn", "step", "perturbation", "erroneous", "truth", "resume"} <= set(recipe)
        _, before, failed = replay_to_error(recipe)
        tool_msgs = [m for m in it.messages if m.role == "tool"]
        assert [m.content for m in tool_msgs[:-1]] == [r.value for r in before]
        assert tool_msgs[-1].content == failed[0].value  # the backend's own answer
        if it.perturbation != "redundant_call":
            assert not failed[0].ok and tool_msgs[-1].error
        traj = load_trajectory(recipe["source"], recipe["long_context"])
        assert [c.to_dict() for c in it.ground_truth.calls] == \
               [traj.steps[k].call.to_dict() for k in recipe["truth"]]
        assert all(r.ok for r in run_reference(recipe).truth_results)


def test_side_effects_are_dropped_and_reported() -> None:
    report = BuildReport()
    build_items(["multi_turn_base_17"], seed=0, report=report)
    assert report.dropped["redundant_call"] >= 1  # a repeated send_message leaves a message
    assert any(k.startswith("redundant_call:state:MessageAPI") for k in report.dropped_detail)


def test_failed_call_error_text_for_exceptions(test_items: list[RepairItem]) -> None:
    dropped = [it for it in test_items if it.subtype == "dropped_required_key"]
    assert dropped
    for it in dropped[:20]:
        text = it.messages[-1].content["error"]
        assert text.startswith("TypeError: ") and "missing 1 required positional argument" in text
