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


def _completion_row(value: Any) -> tuple[str, list[Any], bool]:
    """``(id, completions, given_as_list)`` of one line."""
    if not isinstance(value, dict):
        raise RecordError("must be a JSON object", field="record")
    item_id = value.get("id", value.get("item_id"))
    if not isinstance(item_id, str):
        raise RecordError("is missing or not a string", field="id")
    if "completions" in value:
        outs = value["completions"]
        if not isinstance(outs, list):
            raise RecordError("must be a list", field="completions")
        if not outs:
            raise RecordError("is empty (give at least one completion)", field="completions")
        return item_id, outs, True
    if "completion" not in value:
        raise RecordError("is missing (give 'completion' or 'completions')", field="completion")
    return item_id, [value["completion"]], False


def read_completions(path: str | os.PathLike[str], *, skip_invalid: bool = False,
                     errors: list[RecordError] | None = None) -> dict[str, list[Any]]:
    """``{"id", "completion"}`` lines (one per sample, grouped by id) or one
    ``{"id", "completions": [...]}`` line per id. A completion is text or an OpenAI-style
    message dict. A ``completions`` line for an id that already has a line is an error
    naming it (with ``skip_invalid``: skipped and counted)."""
    out: dict[str, list[Any]] = {}
    first: dict[str, tuple[int, bool]] = {}

    def convert(value: Any, line: int) -> None:
        item_id, outs, as_list = _completion_row(value)
        if item_id in first and (as_list or first[item_id][1]):
            raise RecordError(f"{item_id!r} already has completions on line {first[item_id][0]}"
                              " (give an id's samples in one 'completions' line)", field="id")
        first.setdefault(item_id, (line, as_list))
        out.setdefault(item_id, []).extend(outs)

    read_records(path, convert, skip_invalid=skip_invalid, errors=errors, with_line=True)
    return out


def unique_items(items: list[RepairItem], path: str | os.PathLike[str], *,
                 skip_invalid: bool = False,
                 errors: list[RecordError] | None = None) -> list[RepairItem]:
    """``items`` (read from ``path``) without repeated ids: a repeat is an error naming its
    line, or with ``skip_invalid`` is dropped and recorded in ``errors``."""
    seen: set[str] = set()
    repeats = []
    for i, it in enumerate(items):
        if it.id in seen:
            repeats.append(i)
        seen.add(it.id)
    if not repeats:
        return items
    lines = _item_lines(path, errors or [])
    found = [RecordError(f"repeats the id {items[i].id!r} of an earlier item", field="id",
                         path=str(path), line=lines[i] if i < len(lines) else None)
             for i in repeats]
    if not skip_invalid:
        raise found[0]
    if errors is not None:
        errors.extend(found)
    drop = set(repeats)
    return [it for i, it in enumerate(items) if i not in drop]


def _item_lines(path: str | os.PathLike[str], errors: list[RecordError]) -> list[int]:
    """Line numbers of the records of ``path`` that were read as items, in order."""
    bad = {e.line for e in errors if e.path == str(path)}
    lines = read_records(path, lambda _v, n: n, skip_invalid=True, with_line=True)
    return [n for n in lines if n not in bad]


def score_item(item: RepairItem, outputs: Sequence[Any], mode: str = "strict",
               expected_format: str | None = None) -> ItemResult:
    """Score every attempt at one item; items that carry a replay recipe (built on BFCL's
    backends) are also judged by executing each attempt (``executed``)."""
    verdicts = [score_attempt(item, o, mode, expected_format) for o in outputs]
    result = ItemResult(item_id=item.id, perturbation=item.perturbation or UNKNOWN,
                        passes=[v.passed for v in verdicts],
                        partials=[v.partial for v in verdicts],
                        errors=[v.errors for v in verdicts], verdicts=verdicts)
    from tool_reflect.execution import is_executable

    if is_executable(item):
        from tool_reflect.execution import require_bfcl, score_executed

        require_bfcl()  # an error saying how to install, never silent zeros
        runs = [score_executed(item, o, expected_format) for o in outputs]
        result.executed = [r.passed for r in runs]
        for v, r in zip(verdicts, runs, strict=True):
            v.executed = r.to_dict()
    return result


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
    """:func:`tool_reflect.metrics.summarize` plus version stamps (matcher version, mode,
    dataset hash, ...)."""
    from tool_reflect import __version__

    report = summarize(results, ks)
    report["stamps"] = {"tool_reflect": __version__, "matcher_version": MATCHER_VERSION, **stamps}
    return report


def sample_count_warnings(report: dict[str, Any]) -> list[str]:
    """One line per Repair@k that covers fewer items than the report has."""
    total = report["groups"]["all"]["items"] if report["groups"] else 0
    lo, hi = report["samples_per_item"], report["samples_per_item_max"]
    return [f"Repair@{k} covers {total - n} of {total} items: {n} item(s) with fewer than {k} "
            f"samples left out of it (samples per item: {lo} to {hi})"
            for k, n in report["items_excluded_per_k"].items() if n]


def format_table(report: dict[str, Any]) -> str:
    """A plain-text Repair@k table, one row per group (``-`` where no item has k samples);
    executed Repair@k columns (``exec@k``) follow when the items carry replay recipes."""
    ks = report["ks"]
    cols = [(f"Repair@{k}", f"repair@{k}") for k in ks] + [("avg_score", "avg_score")]
    if report["groups"] and f"repair@{ks[0]}_executed" in report["groups"].get("all", {}):
        cols += [(f"exec@{k}", f"repair@{k}_executed") for k in ks]
    rows = [["group", "items"] + [c for c, _ in cols]]
    for name, g in report["groups"].items():
        rows.append([name, str(g["items"])] + [_cell(g.get(key)) for _, key in cols])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
