"""``tool-reflect report``: runs read back from a real ``tool-reflect score`` folder and from
lm-eval output (samples made by the real task class, and by the real ``lm_eval`` CLI against
a loopback chat server); figures equal :func:`summarize` on the same attempts."""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import struct
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, ROOT

from tool_reflect.cli import COMMANDS, main
from tool_reflect.commands import report as report_cmd
from tool_reflect.error_kinds import kind_of
from tool_reflect.evaluate import score_item
from tool_reflect.formats import render_calls, render_prompt, render_target
from tool_reflect.io import read_items
from tool_reflect.metrics import ItemResult, summarize
from tool_reflect.reporting.runs import PLACEHOLDER_ID, item_result, last_component, model_label

OPEN_TEST = ROOT / "data" / "tool_reflect_open" / "test.jsonl"
OPEN_SAMPLE = FIXTURES / "lm_eval_open_sample.jsonl"
DATE = "2026-01-02T03-04-05.000006"
SNAPSHOT = "/root/.cache/huggingface/hub/models--Qwen--Qwen2.5-7B-Instruct/snapshots/0a1b2c3d"


# ----------------------------------------------------------------------------- helpers
def completion(item: Any, i: int, j: int) -> str:
    """Mixed synthetic outputs: the ground truth, the failed call again, or broken JSON."""
    if (i + j) % 3 == 0:
        return render_target(item, "qwen")
    if j % 2:
        return "<reflect>retry</reflect>\n" + render_calls(item.failed_calls, "qwen")
    return '<reflect>hm</reflect>\n<tool_call>\n{"name": "x", "arguments": {</tool_call>'


def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """``report`` in the CLI's command table (the lead registers it in cli.py)."""
    monkeypatch.setitem(COMMANDS, "report", "tool_reflect.commands.report")


def report(out: Path, *runs: Path, names: tuple[str, ...] = ()) -> dict[str, Any]:
    args = argparse.Namespace(runs=[str(r) for r in runs], out=str(out), name=list(names))
    assert report_cmd.run(args) == 0
    return json.loads((out / "report.json").read_text())


def plain(value: Any) -> Any:
    """``value`` as it reads back from JSON."""
    return json.loads(json.dumps(value))


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", path
    return struct.unpack(">II", data[16:24])


# ----------------------------------------------------------------------------- runs
@pytest.fixture(scope="module")
def score_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[ItemResult]]:
    """A real ``tool-reflect score`` folder on 40 open test items, and the results it scored."""
    tmp = tmp_path_factory.mktemp("score")
    items = read_items(OPEN_TEST)[:40]
    comps = {it.id: [completion(it, i, j) for j in range(5)] for i, it in enumerate(items)}
    path = tmp / "c.jsonl"
    path.write_text("".join(json.dumps({"id": k, "completions": v}) + "\n"
                            for k, v in comps.items()))
    out = tmp / "my-score-run"
    assert main(["score", "--dataset", str(OPEN_TEST), "--completions", str(path),
                 "--out", str(out), "--no-progress"]) == 0
    return out, [score_item(it, comps[it.id]) for it in items]


def write_lm_eval_folder(root: Path, outputs_of: Any, date: str = DATE,
                         placeholder: bool = True) -> list[ItemResult]:
    """lm-eval's ``--log_samples`` layout (results + per-subtask samples in a model-named
    subfolder), samples made by the real task class's ``process_results``; returns the
    results :func:`score_item` gives on the same outputs."""
    from lm_eval.tasks import TaskManager

    from lm_eval_tasks import task_dir

    tm = TaskManager(include_path=task_dir(), include_defaults=False,
                     metadata={"data_file": str(OPEN_SAMPLE)})
    tasks = tm.load(["tool_reflect_open"])["tasks"]
    folder = root / "__root__.cache__huggingface__hub__models--Qwen--Qwen2.5-7B-Instruct"
    folder.mkdir(parents=True)
    results, expected = {}, []
    for name, task in tasks.items():
        rows = []
        for doc_id, doc in enumerate(task.eval_docs):
            outs = outputs_of(task.item(doc))
            metrics = task.process_results(doc, outs)
            rows.append(sample_row(doc_id, doc, outs, metrics))
            expected.append(score_item(task.item(doc), outs, "strict", "qwen"))
        if placeholder and name.endswith("order_swap"):
            rows.append(sample_row(len(rows), {"id": PLACEHOLDER_ID, "perturbation": "order_swap",
                                               "item": ""}, ["x"], {}))
        scored = [r for r in rows if "repair@1" in r]
        results[name] = {"alias": name, "repair@1,none": sum(r["repair@1"] for r in scored)
                         / len(scored)}
        (folder / f"samples_{name}_{date}.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in rows))
    res = {"results": results, "configs": {n: {"task": n, "metadata": t.config.metadata}
                                           for n, t in tasks.items()},
           "config": {"model": "hf", "model_args": f"pretrained={SNAPSHOT},dtype=bfloat16"},
           "model_name": SNAPSHOT}
    (folder / f"results_{date}.json").write_text(json.dumps(res))
    return expected


def sample_row(doc_id: int, doc: dict[str, Any], outs: list[str],
               metrics: dict[str, Any]) -> dict[str, Any]:
    """One logged sample with the keys of lm_eval.evaluator (0.4.x), then the metrics."""
    def digest(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    return {"doc_id": doc_id, "doc": doc, "target": "",
            "arguments": {f"gen_args_{i}": {"arg_0": "ctx", "arg_1": {}}
                          for i in range(len(outs))},
            "resps": [[o] for o in outs], "filtered_resps": list(outs), "filter": "none",
            "metrics": list(metrics), "doc_hash": digest(json.dumps(doc)),
            "prompt_hash": digest("ctx"), "target_hash": digest(""), **metrics}


@pytest.fixture(scope="module")
def lm_eval_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[ItemResult]]:
    root = tmp_path_factory.mktemp("lm") / "lm_out"
    flip = {}

    def outputs(item: Any) -> list[str]:
        flip[item.id] = len(flip)
        return [completion(item, flip[item.id], j) for j in range(5)]

    return root, write_lm_eval_folder(root, outputs)


# ----------------------------------------------------------------------------- figures
def test_score_run_figures_equal_summarize_and_score(score_run, tmp_path: Path) -> None:
    folder, expected = score_run
    rep = report(tmp_path / "rep", folder)
    (entry,) = rep["runs"]
    assert entry["kind"] == "score" and entry["model"] == "my-score-run"
    assert entry["summary"] == plain(summarize(expected, (1, 3, 5)))
    scored = json.loads((folder / "report.json").read_text())
    assert entry["summary"]["groups"] == scored["groups"]  # what score itself reported
    assert entry["dataset_sha256"] == scored["stamps"]["dataset_sha256"]
    all_group = entry["summary"]["groups"]["all"]
    assert 0 < all_group["repair@1"] < 1 and all_group["repair@1_stderr"] > 0
    lo, hi = all_group["repair@1_ci95"]
    assert lo < all_group["repair@1"] < hi


def test_lm_eval_samples_figures_names_and_error_kinds(lm_eval_run, tmp_path: Path) -> None:
    folder, expected = lm_eval_run
    rep = report(tmp_path / "rep", folder)
    (entry,) = rep["runs"]
    assert entry["kind"] == "lm-eval" and entry["model"] == "Qwen2.5-7B-Instruct"
    assert entry["prompt_format"] == "qwen" and entry["dataset"] == "open"
    assert entry["summary"] == plain(summarize(expected, (1, 3, 5)))
    assert entry["notes"] == []  # recomputed Repair@1 agrees with the results file
    assert entry["summary"]["groups"]["all"]["items"] == 6  # the placeholder is skipped
    hist = entry["error_kinds"]
    want: dict[str, Counter[str]] = {"all": Counter()}
    for r in expected:
        for errs in r.errors:
            kinds = {kind_of(e) for e in errs}
            want["all"].update(kinds)
            want.setdefault(r.perturbation, Counter()).update(kinds)
    assert {g: h["kinds"] for g, h in hist.items()} == {g: dict(c) for g, c in want.items()}
    assert "format:malformed_json" in hist["all"]["kinds"]
    assert hist["all"]["attempts"] == 30 and hist["all"]["failed"] == sum(
        not p for r in expected for p in r.passes)
    rows = [json.loads(x) for x in (tmp_path / "rep" / "verdicts.jsonl").read_text().splitlines()]
    assert len(rows) == 6 and all(r["gold"] and len(r["attempts"]) == 5 for r in rows)


def test_two_runs_give_two_leaderboard_rows_table_and_plots(score_run, lm_eval_run, tmp_path,
                                                          capsys) -> None:
    out = tmp_path / "rep"
    rep = report(out, score_run[0], lm_eval_run[0], names=(f"{score_run[0]}=synthetic",))
    assert [e["label"] for e in rep["runs"]] == ["synthetic", "Qwen2.5-7B-Instruct"]
    board = (out / "leaderboard.md").read_text().splitlines()
    rows = [line for line in board if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == 2 and "Repair@1 (95% CI)" in board[0]
    assert "R@1 argument_error" in board[0]
    assert any("| qwen | open (" in r for r in rows)
    best = max(rep["runs"], key=lambda e: e["summary"]["groups"]["all"]["repair@1"])
    assert rows[0].split(" | ")[1] == best["label"]  # best Repair@1 first
    a = rep["runs"][0]["summary"]["groups"]["all"]
    assert f"{a['repair@1']:.3f} [{a['repair@1_ci95'][0]:.3f}, {a['repair@1_ci95'][1]:.3f}]" \
        in "\n".join(board)
    table = (out / "table.txt").read_text()
    printed = capsys.readouterr().out
    assert table.strip() in printed and str(out / "repair_at_k.png") in printed
    assert len(table.splitlines()) == 1 + 2 * 5  # header, 2 runs x (all + 4 types)
    n = sum(1 for _ in (out / "verdicts.jsonl").open())
    assert n == 40 + 6 and rep["verdicts"]["count"] == n
    for name in ("repair_at_k.png", "error_kinds.png"):
        w, h = png_size(out / name)
        assert 600 <= w <= 3000 and 400 <= h <= 3000, (name, w, h)
        assert (out / name).stat().st_size > 10_000


def test_same_model_twice_gets_distinct_labels(score_run, tmp_path: Path) -> None:
    copy = tmp_path / "again" / "my-score-run"
    shutil.copytree(score_run[0], copy)
    rep = report(tmp_path / "rep", score_run[0], copy)
    labels = [e["label"] for e in rep["runs"]]
    assert len(set(labels)) == 2 and all(lab.startswith("my-score-run") for lab in labels)


def test_newest_results_file_is_used_and_said(tmp_path: Path, caplog) -> None:
    root = tmp_path / "lm_out"
    write_lm_eval_folder(root, lambda it: [render_target(it, "qwen")] * 5, placeholder=False)
    later = tmp_path / "later"
    expected = write_lm_eval_folder(later, lambda it: ["nothing"] * 5,
                                    date="2026-02-01T00-00-00.000000", placeholder=False)
    (sub,) = later.iterdir()
    for f in sub.iterdir():
        shutil.move(str(f), root / sub.name / f.name)
    with caplog.at_level("WARNING"):
        rep = report(tmp_path / "rep", root)
    (entry,) = rep["runs"]
    assert entry["summary"] == plain(summarize(expected, (1, 3, 5)))
    assert entry["summary"]["groups"]["all"]["repair@1"] == 0.0
    assert "2 results files; using the newest" in caplog.text
    assert any("2026-02-01" in f for f in entry["files"])


def test_a_missing_samples_file_is_said_and_its_task_left_out(lm_eval_run, tmp_path) -> None:
    root = tmp_path / "lm_out"
    shutil.copytree(lm_eval_run[0], root)
    (gone,) = root.rglob("samples_tool_reflect_open_order_swap_*.jsonl")
    gone.unlink()
    (entry,) = report(tmp_path / "rep", root)["runs"]
    assert entry["summary"]["groups"]["all"]["items"] == 5 and "order_swap" not in \
        entry["summary"]["groups"]
    assert any(str(gone) in n and "left out" in n for n in entry["notes"])


def test_executed_attempts_give_executed_figures() -> None:
    attempts = [{"passed": p, "partial": float(p), "errors": [] if p else ["missing_call:f"],
                 "calls": [], "executed": {"passed": e, "reasons": []}}
                for p, e in ((True, True), (False, True), (False, False))]
    r = item_result("x", "argument_error", attempts)
    assert r.executed == [True, True, False] and r.passes == [True, False, False]
    assert summarize([r], (1,))["groups"]["all"]["repair@1_executed"] == pytest.approx(2 / 3)


def test_model_names() -> None:
    assert model_label({"config": {"model_args": {"model": "org/My-Model", "base_url": "u"}}}) \
        == "My-Model"
    assert model_label({"config": {"model_args": "pretrained=/m/smollm2/,dtype=auto"}}) == "smollm2"
    assert model_label({"config": {"model_args": f"pretrained={SNAPSHOT}"}}) \
        == "Qwen2.5-7B-Instruct"
    assert model_label({"model_name": "a/b/c"}) == "c" and model_label({}) is None
    assert last_component("gpt-4o") == "gpt-4o"


# ----------------------------------------------------------------------------- errors
def fail(monkeypatch, capsys, *argv: str) -> str:
    """Run ``tool-reflect report`` through the CLI; return its one-line error."""
    registered(monkeypatch)
    assert main(["report", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("tool-reflect report: error: "), err
    return err


def test_bad_run_folders_give_one_line_errors(lm_eval_run, tmp_path, monkeypatch, capsys) -> None:
    out = str(tmp_path / "rep")
    (tmp_path / "empty").mkdir()
    assert "neither an lm_eval output folder" in fail(monkeypatch, capsys, str(tmp_path / "empty"),
                                                      "--out", out)
    assert "does not exist" in fail(monkeypatch, capsys, str(tmp_path / "nope"), "--out", out)
    no_samples = tmp_path / "no_samples"
    shutil.copytree(lm_eval_run[0], no_samples)
    for f in no_samples.rglob("samples_*.jsonl"):
        f.unlink()
    assert "rerun lm_eval with --log_samples" in fail(monkeypatch, capsys, str(no_samples),
                                                      "--out", out)
    old = tmp_path / "old"
    shutil.copytree(lm_eval_run[0], old)
    for f in old.rglob("samples_*.jsonl"):
        rows = [json.loads(x) for x in f.read_text().splitlines()]
        f.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "verdicts"}) + "\n"
                             for r in rows))
    assert "older tool-reflect" in fail(monkeypatch, capsys, str(old), "--out", out)
    assert not Path(out).exists()  # nothing written on error


def test_names_and_out_are_checked(score_run, tmp_path, monkeypatch, capsys) -> None:
    run = str(score_run[0])
    assert "not one of the RUN folders" in fail(monkeypatch, capsys, run, "--out",
                                                str(tmp_path / "r"), "--name", "elsewhere=X")
    assert "expected RUN=NAME" in fail(monkeypatch, capsys, run, "--out", str(tmp_path / "r"),
                                       "--name", "justaname")
    assert "is one of the RUN folders" in fail(monkeypatch, capsys, run, "--out", run)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("x")
    assert "holds other files" in fail(monkeypatch, capsys, run, "--out", str(busy))


def test_cli_rerun_replaces_the_report_folder(score_run, tmp_path, monkeypatch) -> None:
    registered(monkeypatch)
    out = tmp_path / "rep"
    for name in ("first", "second"):
        assert main(["report", str(score_run[0]), "--out", str(out),
                     "--name", f"{score_run[0]}={name}"]) == 0
    assert json.loads((out / "report.json").read_text())["runs"][0]["label"] == "second"
    assert sorted(p.name for p in out.iterdir()) == sorted(report_cmd.OUTPUT_FILES)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


# ----------------------------------------------------------------------------- real lm_eval
@pytest.mark.slow
def test_real_lm_eval_run_against_loopback_server(tmp_path: Path) -> None:
    """The real ``lm_eval`` CLI (local-chat-completions) on a 127.0.0.1 server that answers
    some samples right: report's figures equal lm-eval's own and summarize's."""
    from lm_eval_helpers import ChatServer, read_results, run_lm_eval

    items = read_items(OPEN_SAMPLE)
    lookup = {json.dumps(render_prompt(it, "qwen")[0], sort_keys=True): it for it in items}
    count = Counter()

    def respond(payload: dict) -> dict:
        item = lookup[json.dumps(payload["messages"], sort_keys=True)]
        count[item.id] += 1
        return {"role": "assistant",
                "content": completion(item, items.index(item), count[item.id])}

    out = tmp_path / "lm_out"
    with ChatServer(respond) as server:
        run_lm_eval(["--model", "local-chat-completions", "--model_args",
                     f"model=org/Mock-Chat-1B,base_url={server.url},max_retries=1",
                     "--tasks", "tool_reflect_open", "--apply_chat_template", "--limit", "2",
                     "--log_samples", "--metadata", json.dumps({"data_file": str(OPEN_SAMPLE)})],
                    out)
    rep = report(tmp_path / "rep", out)
    (entry,) = rep["runs"]
    assert entry["model"] == "Mock-Chat-1B" and entry["notes"] == []
    group = read_results(out)["results"]["tool_reflect_open"]
    mine = entry["summary"]["groups"]["all"]
    for m in ("repair@1", "repair@3", "repair@5", "avg_score"):
        assert mine[m] == pytest.approx(group[f"{m},none"], abs=1e-12), m
        assert mine[f"{m}_stderr"] == pytest.approx(group[f"{m}_stderr,none"], abs=1e-12), m
    rows = [json.loads(x) for x in (tmp_path / "rep" / "verdicts.jsonl").read_text().splitlines()]
    rebuilt = [item_result(r["id"], r["perturbation"], r["attempts"]) for r in rows]
    assert entry["summary"] == plain(summarize(rebuilt, (1, 3, 5)))
