"""A killed ``score`` run leaves the earlier complete run, the new complete run or nothing
new: real runs are paused at chosen moments (``TOOL_REFLECT_TEST_PAUSE_AT``) and killed."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT

import tool_reflect.io as tio
from tool_reflect.cli import main
from tool_reflect.formats import render_target
from tool_reflect.io import read_items

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
DATASET = FIXTURES / "canonical_items.jsonl"
BEFORE_SWAP = ("scored", "verdicts", "report", "commit")  # killed here: the earlier run stays
AFTER_SWAP = ("swapped",)  # killed here: the new run is in place, the earlier one not yet removed


def _comps(path: Path, good: bool) -> Path:
    items = read_items(DATASET)
    rows = [{"id": it.id, "completions": [render_target(it, "qwen") if good else "x"] * 5}
            for it in items]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _argv(comps: Path, out: Path) -> list[str]:
    return ["score", "--dataset", str(DATASET), "--completions", str(comps), "--out", str(out),
            "--no-progress"]


def _snapshot(out: Path) -> dict[str, bytes] | None:
    if not out.exists():
        return None
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def _assert_complete(snap: dict[str, bytes]) -> None:
    """Both files, and the report names its verdicts' count and sha256."""
    assert set(snap) == {"report.json", "verdicts.jsonl"}
    meta = json.loads(snap["report.json"])["verdicts"]
    assert meta["count"] == len(snap["verdicts.jsonl"].splitlines())
    assert meta["sha256"] == hashlib.sha256(snap["verdicts.jsonl"]).hexdigest()


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, object]:
    """Inputs of an earlier (all wrong) and a new (all right) run, and their complete outputs."""
    base = tmp_path_factory.mktemp("inputs")
    made: dict[str, object] = {"old": _comps(base / "old.jsonl", False),
                               "new": _comps(base / "new.jsonl", True)}
    for name in ("old", "new"):
        assert main(_argv(made[name], base / f"{name}-out")) == 0
        made[f"{name}-out"] = _snapshot(base / f"{name}-out")
        _assert_complete(made[f"{name}-out"])
    assert made["old-out"] != made["new-out"]
    return made


def _killed_run(comps: Path, out: Path, stage: str, sig: int) -> int:
    env = {**os.environ, "TOOL_REFLECT_TEST_PAUSE_AT": stage, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "tool_reflect", *_argv(comps, out)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stderr:
            if f"paused at {stage}" in line:
                break
        else:
            pytest.fail(f"the run ended without pausing at {stage}")
        proc.send_signal(sig)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode


@pytest.mark.parametrize("earlier", [True, False], ids=["over-earlier-run", "fresh"])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["TERM", "KILL"])
@pytest.mark.parametrize("stage", BEFORE_SWAP + AFTER_SWAP)
def test_killed_run_leaves_earlier_or_new_complete_run(tmp_path, runs, stage, sig, earlier):
    out = tmp_path / "out"
    if earlier:
        assert main(_argv(runs["old"], out)) == 0
    rc = _killed_run(runs["new"], out, stage, sig)
    assert rc == (128 + signal.SIGTERM if sig == signal.SIGTERM else -signal.SIGKILL)
    expected = runs["new-out"] if stage in AFTER_SWAP else (runs["old-out"] if earlier else None)
    assert _snapshot(out) == expected
    visible = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert visible == (["out"] if expected else [])
    hidden = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("."))
    if sig == signal.SIGTERM:
        assert hidden == []  # SIGTERM removes its temporary folder
    # the next run removes what a SIGKILL left and writes a complete run
    assert main(_argv(runs["new"], out)) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert _snapshot(out) == runs["new-out"]


def test_swap_without_rename_exchange_and_recovery(tmp_path, monkeypatch):
    """Where the two folders cannot be exchanged in one step, the earlier folder is moved
    aside first; a run killed right then has its earlier folder put back by the next run."""
    monkeypatch.setattr(tio, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    for text in ("one", "two"):
        with tio.atomic_folder(out) as tmp:
            (tmp / "f.txt").write_text(text)
        assert (out / "f.txt").read_text() == text
        assert [p.name for p in tmp_path.iterdir()] == ["out"]
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    aside = tmp_path / f".out.old-{dead.pid}-abcd"
    out.rename(aside)  # as a SIGKILL between the two renames leaves it
    (tmp_path / f".out.tmp-{dead.pid}-efgh").mkdir()
    tio.remove_stale(out)
    assert (out / "f.txt").read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_failed_run_leaves_earlier_run_and_no_temp(tmp_path, runs, monkeypatch):
    out = tmp_path / "out"
    assert main(_argv(runs["old"], out)) == 0

    def broken(*_a, **_k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(tio, "write_json", broken)
    with pytest.raises(RuntimeError):
        main(_argv(runs["new"], out))
    assert _snapshot(out) == runs["old-out"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
