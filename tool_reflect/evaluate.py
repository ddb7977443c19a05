"""Score files of completions against a dataset: per-item verdicts and a Repair@k report."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from tool_reflect.errors import RecordError
from tool_reflect.io import read_records
from tool_reflect.matching import MATCHER_VERSION
from tool_reflect.metrics import DEFAULT_KS, ItemResult, summarize
from tool_reflect.records import UNKNOWN, RepairItem
from tool_reflect.scoring import score_attempt


def _completion_row(value: Any) -> tuple[str, list[Any]]:
    if not isinstance(value, dict):
        raise RecordError("must be a JSON object", field="record")
    item_id = value.get("id", value.get("item_id"))
    if not isinstance(item_id, str):
        raise RecordError("is missing or not a string", field="id")
    if "completions" in value:
        outs = value["completions"]
        if not isinstance(outs, list):
            raise RecordError("must be a list", field="completions")
        return item_id, outs
    if "completion" not in value:
        raise RecordError("is missing (give 'completion' or 'completions')", field="completion")
    return item_id, [value["completion"]]


def read_completions(path: str | os.PathLike[str], *, skip_invalid: bool = False,
                     errors: list[RecordError] | None = None) -> dict[str, list[Any]]:
    """``{"id", "completion"}`` or ``{"id", "completions": [...]}`` lines, grouped by id.
    A completion is text or an OpenAI-style message dict."""
    out: dict[str, list[Any]] = {}
    for item_id, outs in read_records(path, _completion_row, skip_invalid=skip_invalid,
                                      errors=errors):
        out.setdefault(item_id, []).extend(outs)
    return out


def score_item(item: RepairItem, outputs: Sequence[Any], mode: str = "strict",
               expected_format: str | None = None) -> ItemResult:
    """Score every attempt at one item."""
    verdicts = [score_attempt(item, o, mode, expected_format) for o in outputs]
    return ItemResult(item_id=item.id, perturbation=item.perturbation or UNKNOWN,
                      passes=[v.passed for v in verdicts], partials=[v.partial for v in verdicts],
                      errors=[v.errors for v in verdicts])


def score_dataset(items: Sequence[RepairItem], completions: dict[str, list[Any]],
                  mode: str = "strict", expected_format: str | None = None,
                  progress: bool = True) -> tuple[list[ItemResult], list[str], list[str]]:
    """Score all items that have completions; return results, ids without completions and
    completion ids that match no item."""
    from tqdm import tqdm

    known = {it.id for it in items}
    todo = [it for it in items if it.id in completions]
    missing = [it.id for it in items if it.id not in completions]
    unknown = sorted(set(completions) - known)
    bar = tqdm(todo, desc="scoring", unit="item", disable=not progress or len(todo) < 200)
    results = [score_item(it, completions[it.id], mode, expected_format) for it in bar]
    return results, missing, unknown


def build_report(results: Sequence[ItemResult], ks: Sequence[int] = DEFAULT_KS,
                 **stamps: Any) -> dict[str, Any]:
    """Summary plus version stamps (matcher version, mode, dataset hash, ...)."""
    from tool_reflect import __version__

    report = summarize(results, ks)
    report["stamps"] = {"tool_reflect": __version__, "matcher_version": MATCHER_VERSION, **stamps}
    return report


def format_table(report: dict[str, Any]) -> str:
    """A plain-text Repair@k table, one row per group."""
    ks = report["ks"]
    head = ["group", "items"] + [f"Repair@{k}" for k in ks] + ["avg_score"]
    rows = [head]
    for name, g in report["groups"].items():
        rows.append([name, str(g["items"])] + [f"{g[f'repair@{k}']:.3f}" for k in ks]
                    + [f"{g['avg_score']:.3f}"])
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)
