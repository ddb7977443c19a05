"""Data pipeline: simulator, catalogue, generator, bundled splits, exporters, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import ROOT

from tool_reflect.formats import import_text_record, render_target, render_text_record
from tool_reflect.gen.catalogue import load_catalogue
from tool_reflect.gen.generator import (
    GenerationReport,
    generate,
    split_domains,
    validate_trajectory,
    world_for,
)
from tool_reflect.gen.simulator import World, validate_arguments
from tool_reflect.io import read_items
from tool_reflect.labeler import label_perturbation
from tool_reflect.records import PERTURBATIONS, ToolCall
from tool_reflect.scoring import score_attempt

BUNDLE = ROOT / "data" / "tool_reflect_open"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def items(catalogue):
    return generate(catalogue, 2000, seed=7)


def _replay_item(item, catalogue):
    """Re-execute an item in a fresh world: transcript, failed call, ground truth."""
    dom = next(d for d in catalogue if d.name == item.provenance["domain"])
    traj = next(t for t in dom.trajectories if t.id == item.provenance["trajectory"])
    w = world_for(dom, traj).fresh()
    for m in item.messages:
        for c in m.tool_calls:
            ok, _ = w.execute(ToolCall(c.name, c.arguments))
            if c is item.failed_calls[0]:
                assert not ok, item.id
            else:
                assert ok, item.id
    for c in item.ground_truth.calls:
        ok, res = w.execute(c)
        assert ok, (item.id, res)


def test_catalogue_shape(catalogue):
    assert len(catalogue) >= 30
    assert len({d.name for d in catalogue}) == len(catalogue)
    for dom in catalogue:
        assert len(dom.tools) >= 5 and len(dom.trajectories) >= 8
        for traj in dom.trajectories:
            assert validate_trajectory(world_for(dom, traj), traj) is None


def test_schema_validation_names_the_argument():
    schema = load_catalogue()[0].tools[0]
    err = validate_arguments(schema["name"], {"query": "x", "category": "nope"}, schema)
    assert err.code == "INVALID_PARAMETERS" and err.argument == "category"
    err = validate_arguments(schema["name"], {"category": "document"}, schema)
    assert err.argument == "query" and "missing" in err.message
    err = validate_arguments(schema["name"], {"query": "x", "category": "document", "limit": 0}, schema)
    assert err.argument == "limit" and ">=" in err.message


def test_simulator_dependencies_preconditions_duplicates(catalogue):
    dom = catalogue[0]
    traj = dom.trajectories[0]
    calls = [s.call for s in traj.steps]
    w = world_for(dom, traj).fresh()
    ok, err = w.execute(calls[1])           # id not produced yet
    assert not ok and err.code == "MISSING_DEPENDENCY"
    ok, err = w.execute(calls[3])           # notify before its precondition
    assert not ok and err.code == "PRECONDITION_FAILED"
    assert w.execute(calls[0])[0]
    ok, err = w.execute(calls[0])
    assert not ok and err.code == "DUPLICATE_OPERATION"
    bad = ToolCall(calls[1].name, {next(iter(calls[1].arguments)): "fil_zzzzzz"})
    ok, err = w.execute(bad)
    assert not ok and err.code == "NOT_FOUND"


def test_rejected_trajectory_names_source_and_step(catalogue):
    dom = catalogue[0]
    traj = dom.trajectories[1]
    broken = type(traj)(traj.id, traj.domain, traj.request, [traj.steps[1]] + traj.steps[2:])
    problem = validate_trajectory(world_for(dom, traj), broken)
    assert problem.startswith(f"{traj.id} step 0 ({traj.steps[1].call.name})")
    report = GenerationReport()
    dom2 = type(dom)(dom.name, dom.description, dom.tools, dom.preconditions, dom.mutating,
                     [broken])
    assert generate([dom2], None, report=report) == []
    assert report.rejected_trajectories == [problem]


def test_execution_grounded(items, catalogue):
    for item in items[:400]:
        _replay_item(item, catalogue)


def test_labeler_recovers_generated_types(items):
    confusion = Counter((it.perturbation, label_perturbation(it)) for it in items)
    right = sum(v for (a, b), v in confusion.items() if a == b)
    assert len(items) == 2000
    assert right / len(items) >= 0.99, confusion


def test_balanced_and_typed(items):
    counts = Counter(it.perturbation for it in items)
    assert set(counts) == set(PERTURBATIONS) and len(set(counts.values())) == 1
    subtypes = {it.subtype for it in items if it.perturbation == "argument_error"}
    assert subtypes == {"null", "wrong_type", "sentinel_string", "out_of_enum",
                        "dropped_required_key"}
    for it in items[:50]:
        assert {"source", "seed", "generator", "domain", "trajectory"} <= set(it.provenance)


def test_reflections_vary(items):
    first_lines = {it.ground_truth.reflection.strip().splitlines()[0].split(":")[0] for it in items}
    assert len(first_lines) >= 3


@pytest.mark.parametrize("fmt", ["qwen", "llama", "native"])
def test_generated_items_pass_their_own_ground_truth(items, fmt):
    for it in items:
        assert score_attempt(it, render_target(it, fmt)).passed, it.id


def test_same_seed_same_bytes_across_processes(tmp_path):
    cmd = [sys.executable, "-m", "tool_reflect", "generate", "--n", "200", "--seed", "3", "--output"]
    outs = []
    for k, hashseed in enumerate(["1", "2"]):
        out = tmp_path / f"g{k}.jsonl"
        env = dict(os.environ, PYTHONHASHSEED=hashseed)
        subprocess.run(cmd + [str(out)], check=True, env=env, capture_output=True, cwd=ROOT)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and outs[0].count(b"\n") == 200
    again = generate(load_catalogue(), 200, seed=3)
    assert [json.loads(x)["id"] for x in outs[0].splitlines()] == [it.id for it in again]
    other = generate(load_catalogue(), 200, seed=4)
    assert [it.id for it in other] != [it.id for it in again]


def test_split_is_domain_disjoint(catalogue):
    train, test = split_domains(catalogue, ["calendar", "music"])
    tr, te = generate(train, 400, seed=1), generate(test, 400, seed=1)
    assert {i.provenance["domain"] for i in te} == {"calendar", "music"}
    assert not {i.provenance["domain"] for i in tr} & {"calendar", "music"}
    with pytest.raises(ValueError):
        split_domains(catalogue, ["atlantis"])


def test_bundled_splits():
    test = read_items(BUNDLE / "test.jsonl")
    train = read_items(BUNDLE / "train.jsonl.gz")
    assert len(test) >= 1000 and len(train) >= 4000
    for split in (test, train):
        counts = Counter(it.perturbation for it in split)
        assert set(counts) == set(PERTURBATIONS) and max(counts.values()) == min(counts.values())
    assert not {i.provenance["domain"] for i in test} & {i.provenance["domain"] for i in train}
    assert not {i.id for i in test} & {i.id for i in train}
    assert (BUNDLE / "README.md").exists() and (BUNDLE / "type_distribution.png").exists()


@pytest.mark.slow
def test_bundled_test_split_is_execution_grounded(catalogue):
    for item in read_items(BUNDLE / "test.jsonl"):
        _replay_item(item, catalogue)


@pytest.mark.parametrize("fmt", ["qwen", "llama"])
def test_export_import_round_trip(items, fmt):
    for it in items[:300]:
        back = import_text_record(render_text_record(it, fmt), fmt, it.id)
        assert [c.to_dict() for c in back.ground_truth.calls] == \
            [c.to_dict() for c in it.ground_truth.calls]
        assert back.ground_truth.reflection == it.ground_truth.reflection
        assert back.tools == it.tools
        strip = [(m.role, m.content, [(c.name, c.arguments) for c in m.tool_calls], m.error)
                 for m in it.messages]
        assert [(m.role, m.content, [(c.name, c.arguments) for c in m.tool_calls], m.error)
                for m in back.messages] == strip


def test_verl_parquet_and_hf_dataset(items, tmp_path):
    import datasets
    import pandas as pd

    from tool_reflect.exporters import export

    assert export(items[:20], "verl-parquet", tmp_path / "d.parquet") == 20
    df = pd.read_parquet(tmp_path / "d.parquet")
    assert list(df.columns) == ["data_source", "prompt", "ability", "reward_model", "extra_info"]
    row = df.iloc[0]
    assert [m["role"] for m in row["prompt"]][:2] == ["system", "user"]
    assert score_attempt(items[0], row["reward_model"]["ground_truth"]).passed
    assert row["extra_info"]["perturbation"] == items[0].perturbation
    export(items[:20], "hf-dataset", tmp_path / "hf")
    ds = datasets.load_from_disk(str(tmp_path / "hf"))
    assert len(ds) == 20 and ds[0]["id"] == items[0].id


def test_generate_from_original_and_xlam_sources(tmp_path, shared_data):
    out = tmp_path / "o.jsonl"
    subprocess.run([sys.executable, "-m", "tool_reflect", "generate", "--source", "original",
                    "--input", str(Path(shared_data) / "reference_sample_qwen.jsonl"), "--n", "0",
                    "--no-balance", "--output", str(out)], check=True, cwd=ROOT,
                   capture_output=True)
    made = read_items(out)
    assert made and {i.perturbation for i in made} <= {"argument_error", "redundant_call"}
    xlam = tmp_path / "x.jsonl"
    xlam.write_text(json.dumps({
        "query": "Weather in Lisbon in celsius?",
        "tools": json.dumps([{"name": "get_weather", "description": "Weather.", "parameters": {
            "city": {"type": "str", "description": "City"},
            "unit": {"type": "str", "description": "Unit"}}}]),
        "answers": json.dumps([{"name": "get_weather", "arguments": {"city": "Lisbon",
                                                                      "unit": "celsius"}}])})
        + "\n" + '{"query": 3}\n')
    out2 = tmp_path / "x.out.jsonl"
    proc = subprocess.run([sys.executable, "-m", "tool_reflect", "generate", "--source", "xlam",
                           "--input", str(xlam), "--n", "0", "--no-balance", "--output", str(out2)],
                          check=True, cwd=ROOT, capture_output=True, text=True)
    assert f"{xlam}:2: field 'query'" in proc.stderr
    got = read_items(out2)
    assert got and all(i.perturbation == "argument_error" for i in got)
    assert all(not World(i.tools).check(i.ground_truth.calls[0]) for i in got)


def test_generate_from_openai_chat_logs(tmp_path):
    log = {"tools": [{"type": "function", "function": {
        "name": "get_weather", "description": "Weather.", "parameters": {
            "type": "object", "properties": {"city": {"type": "string"},
                                             "unit": {"type": "string", "enum": ["c", "f"]}},
            "required": ["city"]}}}],
        "messages": [{"role": "user", "content": "Weather in Porto and Lisbon, celsius?"},
                     {"role": "assistant", "content": "", "tool_calls": [
                         {"id": "a", "type": "function", "function": {
                             "name": "get_weather", "arguments": '{"city": "Porto", "unit": "c"}'}}]},
                     {"role": "tool", "tool_call_id": "a", "content": '{"temp": 18}'},
                     {"role": "assistant", "content": "", "tool_calls": [
                         {"id": "b", "type": "function", "function": {
                             "name": "get_weather", "arguments": '{"city": "Lisbon", "unit": "c"}'}}]},
                     {"role": "tool", "tool_call_id": "b", "content": '{"temp": 21}'}]}
    src = tmp_path / "logs.jsonl"
    src.write_text(json.dumps(log) + "\n" + json.dumps({"messages": []}) + "\n")
    out = tmp_path / "o.jsonl"
    proc = subprocess.run([sys.executable, "-m", "tool_reflect", "generate", "--source", "openai",
                           "--input", str(src), "--n", "0", "--no-balance", "--output", str(out)],
                          check=True, cwd=ROOT, capture_output=True, text=True)
    assert f"{src}:2: field 'messages'" in proc.stderr
    got = read_items(out)
    kinds = Counter(i.perturbation for i in got)
    assert kinds["argument_error"] and kinds["redundant_call"] == 1
    redundant = next(i for i in got if i.perturbation == "redundant_call")
    assert redundant.messages[2].content == {"temp": 18}   # recorded result kept
    assert label_perturbation(redundant) == "redundant_call"
