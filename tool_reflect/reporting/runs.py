"""Read a run folder back into per-item results: an ``lm_eval --log_samples`` output folder
(``results_*.json`` + ``samples_<task>_*.jsonl``, usually in a model-named subfolder) or a
``tool-reflect score`` folder (``report.json`` + ``verdicts.jsonl``)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tool_reflect.errors import RecordError
from tool_reflect.io import read_records
from tool_reflect.metrics import DEFAULT_KS, ItemResult

LM_EVAL = "lm-eval"
SCORE = "score"
PLACEHOLDER_ID = "__tool_reflect_empty_subtask__"  # lm_eval_tasks.task's empty-subtask doc
MODEL_KEYS = ("pretrained", "model", "model_name", "path")


@dataclass
class Run:
    """One run read back: its items' attempts and what it was run with."""

    path: Path
    kind: str
    name: str
    results: list[ItemResult]
    ks: list[int] = field(default_factory=lambda: list(DEFAULT_KS))
    prompt_format: str | None = None
    dataset: str | None = None
    dataset_sha256: str | None = None
    match_mode: str | None = None
    gold: dict[str, Any] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_run(path: str | os.PathLike[str], name: str | None = None) -> Run:
    """Read ``path`` (either kind of folder); ``name`` overrides the model name."""
    folder = Path(path)
    if not folder.exists():
        raise RecordError("does not exist", path=str(folder))
    if not folder.is_dir():
        raise RecordError("not a folder (give an lm_eval --output_path folder or a "
                          "tool-reflect score --out folder)", path=str(folder))
    if (folder / "report.json").is_file() and (folder / "verdicts.jsonl").is_file():
        run = read_score_run(folder)
    elif any(folder.rglob("results_*.json")):
        run = read_lm_eval_run(folder)
    else:
        raise RecordError("neither an lm_eval output folder (no results_*.json under it) nor "
                          "a tool-reflect score folder (report.json + verdicts.jsonl)",
                          path=str(folder))
    if name:
        run.name = name
    return run


# ---------------------------------------------------------------- items from attempts
def item_result(item_id: str, perturbation: str, attempts: Any) -> ItemResult:
    """An :class:`ItemResult` rebuilt from logged attempt verdicts (``passed``, ``partial``,
    ``errors``; executed passes when every attempt carries ``executed``)."""
    if not isinstance(attempts, list) or not attempts:
        raise RecordError("is missing or empty", field="attempts")
    for a in attempts:
        if not isinstance(a, dict) or not isinstance(a.get("passed"), bool) or \
                not isinstance(a.get("partial"), (int, float)):
            raise RecordError("holds an attempt without 'passed' and 'partial'", field="attempts")
    executed = None
    if all(isinstance(a.get("executed"), dict) for a in attempts):
        executed = [bool(a["executed"].get("passed")) for a in attempts]
    return ItemResult(item_id=item_id, perturbation=perturbation or "unknown",
                      passes=[a["passed"] for a in attempts],
                      partials=[float(a["partial"]) for a in attempts],
                      errors=[list(a.get("errors") or []) for a in attempts],
                      verdicts=attempts, executed=executed)


# ---------------------------------------------------------------- tool-reflect score
def read_score_run(folder: Path) -> Run:
    """A ``tool-reflect score`` folder; the model is named after the folder."""
    report = _read_json(folder / "report.json")
    stamps = report.get("stamps") or {}

    def convert(row: Any) -> ItemResult:
        if not isinstance(row, dict) or not isinstance(row.get("id"), str):
            raise RecordError("is missing or not a string", field="id")
        return item_result(row["id"], row.get("perturbation") or "unknown", row.get("attempts"))

    results = read_records(folder / "verdicts.jsonl", convert)
    if not results:
        raise RecordError("no items", path=str(folder / "verdicts.jsonl"))
    ks = [k for k in report.get("ks") or DEFAULT_KS if isinstance(k, int)]
    return Run(path=folder, kind=SCORE, name=folder.resolve().name, results=results,
               ks=ks or list(DEFAULT_KS), prompt_format=stamps.get("expected_format"),
               dataset=stamps.get("dataset"), dataset_sha256=stamps.get("dataset_sha256"),
               match_mode=stamps.get("mode"),
               files=[str(folder / "report.json"), str(folder / "verdicts.jsonl")])


# ---------------------------------------------------------------- lm-eval
def newest_results(folder: Path) -> tuple[Path, list[str]]:
    """The newest ``results_<date>.json`` under ``folder`` and a note when there are more."""
    found = sorted(folder.rglob("results_*.json"), key=lambda p: (p.name, p.stat().st_mtime))
    notes = []
    if len(found) > 1:
        notes.append(f"{folder}: {len(found)} results files; using the newest, {found[-1]} "
                     "(give its folder to pick another)")
    return found[-1], notes


def read_lm_eval_run(folder: Path) -> Run:
    """An ``lm_eval --log_samples`` output folder: the newest results file and the samples
    files of its tool-reflect tasks (same folder, same date)."""
    res_path, notes = newest_results(folder)
    res = _read_json(res_path)
    tasks = _our_tasks(res, res_path)
    date = res_path.stem[len("results_"):]
    files = [res_path.parent / f"samples_{t}_{date}.jsonl" for t in tasks]
    if not any(f.is_file() for f in files):
        raise RecordError("no samples files for its tool-reflect tasks: rerun lm_eval with "
                          "--log_samples", path=str(res_path))
    notes += [f"{f}: missing; its task is left out" for f in files if not f.is_file()]
    files = [f for f in files if f.is_file()]
    results, gold, ids = _read_samples(files, notes)
    if not results:
        raise RecordError("the samples hold no items (only empty-subtask placeholders)",
                          path=str(res_path.parent))
    notes += _check_against_results(res, ids, results, date)
    meta = _merged_metadata(res, tasks)
    return Run(path=folder, kind=LM_EVAL, name=model_label(res) or folder.resolve().name,
               results=results, prompt_format=meta.get("prompt_format"),
               dataset=meta.get("dataset"), dataset_sha256=meta.get("dataset_sha256"),
               match_mode=meta.get("match_mode"), gold=gold,
               files=[str(res_path), *map(str, files)], notes=notes)


def _our_tasks(res: dict[str, Any], path: Path) -> list[str]:
    """The results' tool-reflect leaf tasks (stamped with ``tool_reflect_version``; by name
    for older runs)."""
    configs = res.get("configs") or {}
    tasks = [t for t, c in configs.items()
             if isinstance(c, dict) and "tool_reflect_version" in (c.get("metadata") or {})]
    tasks = tasks or [t for t in configs if t.startswith("tool_reflect")]
    if not tasks:
        raise RecordError("the results hold no tool-reflect task", path=str(path))
    return sorted(tasks)


def _read_samples(files: list[Path], notes: list[str]
                  ) -> tuple[list[ItemResult], dict[str, Any], dict[Path, list[str]]]:
    """Items of the samples files (each doc once; placeholders skipped), their gold calls,
    and the item ids of each file."""
    results: dict[str, ItemResult] = {}
    gold: dict[str, Any] = {}
    ids: dict[Path, list[str]] = {}
    for path in files:
        for item_id, result, calls in read_records(path, _sample):
            if result is None:
                continue
            ids.setdefault(path, []).append(item_id)
            if item_id in results:
                notes.append(f"{path}: item {item_id} already read from another task; kept once")
                continue
            results[item_id], gold[item_id] = result, calls
    return list(results.values()), gold, ids


def _sample(value: Any) -> tuple[str, ItemResult | None, Any]:
    """``(id, result, gold calls)`` of one logged lm-eval sample."""
    doc = value.get("doc") if isinstance(value, dict) else None
    if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
        raise RecordError("is not an lm-eval sample of a tool-reflect task", field="doc.id")
    if doc["id"] == PLACEHOLDER_ID:
        return doc["id"], None, None
    verdicts = value.get("verdicts")
    if not isinstance(verdicts, dict) or "attempts" not in verdicts:
        raise RecordError("the samples carry no per-attempt verdicts (written by an older "
                          "tool-reflect): rerun lm_eval with this version", field="verdicts")
    result = item_result(doc["id"], str(doc.get("perturbation") or "unknown"),
                         verdicts["attempts"])
    return doc["id"], result, verdicts.get("gold")


def _check_against_results(res: dict[str, Any], ids: dict[Path, list[str]],
                           results: list[ItemResult], date: str) -> list[str]:
    """Notes where lm-eval's own Repair@1 of a task differs from the recomputed one."""
    by_id = {r.item_id: r for r in results}
    notes = []
    for path, task_ids in ids.items():
        task = path.name[len("samples_"):-len(f"_{date}.jsonl")]
        logged = (res.get("results") or {}).get(task, {}).get("repair@1,none")
        if isinstance(logged, (int, float)) and task_ids:
            mine = sum(by_id[i].repair(1) for i in task_ids) / len(task_ids)
            if abs(mine - logged) > 1e-9:
                notes.append(f"{task}: lm-eval's repair@1 {logged:.4f} differs from the "
                             f"recomputed {mine:.4f} (samples edited or incomplete?)")
    return notes


def _merged_metadata(res: dict[str, Any], tasks: list[str]) -> dict[str, Any]:
    """The tasks' ``configs.<task>.metadata`` stamps; a stamp that differs across tasks
    is joined with ``+``."""
    out: dict[str, Any] = {}
    for key in ("prompt_format", "dataset", "dataset_sha256", "match_mode"):
        values = []
        for t in tasks:
            v = ((res["configs"].get(t) or {}).get("metadata") or {}).get(key)
            if v is not None and v not in values:
                values.append(v)
        out[key] = "+".join(map(str, values)) if values else None
    return out


def model_label(res: dict[str, Any]) -> str | None:
    """A readable model name from lm-eval results: the last path component of
    ``pretrained=`` / ``model=`` in ``config.model_args`` (else ``model_name``); for a
    Hugging Face cache snapshot path, the repository name."""
    args = (res.get("config") or {}).get("model_args")
    parsed = args if isinstance(args, dict) else _parse_model_args(args)
    for key in MODEL_KEYS:
        if isinstance(parsed.get(key), str) and parsed[key].strip():
            return last_component(parsed[key])
    name = res.get("model_name")
    return last_component(name) if isinstance(name, str) and name.strip() else None


def _parse_model_args(text: Any) -> dict[str, Any]:
    """lm-eval's ``k=v,k=v`` model-args string as a dict."""
    if not isinstance(text, str):
        return {}
    pairs = (p.split("=", 1) for p in text.split(",") if "=" in p)
    return {k.strip(): v.strip() for k, v in pairs}


def last_component(path: str) -> str:
    """``org/Model`` -> ``Model``; ``.../models--org--Model/snapshots/<hash>`` -> ``Model``."""
    parts = [p for p in path.replace("\\", "/").split("/") if p]
    if "snapshots" in parts[:-1]:
        repo = parts[parts.index("snapshots") - 1] if parts.index("snapshots") else ""
        if repo.startswith("models--"):
            return repo.split("--")[-1]
    return parts[-1] if parts else path


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise RecordError(f"invalid JSON ({exc})", path=str(path)) from None
    if not isinstance(value, dict):
        raise RecordError("is not a JSON object", path=str(path))
    return value
