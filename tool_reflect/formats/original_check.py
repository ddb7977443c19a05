"""Check a whole file of the original release: what imports, how it is labeled, whether
each ground truth passes its own scoring, and whether the Qwen and Llama files agree.

One pass over the file; every record is imported (never skipped silently), rendered back
in its own format and compared with the source line, labeled with its evidence, and its
ground truth scored as a completion. Used by ``tool-reflect check`` and by the lm-eval task
when it loads the original test set.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tool_reflect.errors import RecordError
from tool_reflect.formats.original_files import detect_file_format, import_original_record
from tool_reflect.formats.text import TEXT_FORMATS, render_ground_truth, render_text_record
from tool_reflect.io import read_records
from tool_reflect.records import PERTURBATIONS, UNKNOWN, RepairItem
from tool_reflect.scoring import score_attempt

MAX_LISTED = 20  # problems listed by name in a summary; all are counted


@dataclass
class FileCheck:
    """What one original-format file holds. ``ok``: every record imported, round-tripped
    exactly and passed its own ground truth (``unknown`` labels are reported, not failed)."""

    path: str
    format: str
    records: int = 0
    imported: int = 0
    rejected: list[str] = field(default_factory=list)
    labels: dict[str, int] = field(default_factory=dict)
    evidence: dict[str, int] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    self_score_passed: int = 0
    self_score_failures: list[str] = field(default_factory=list)
    round_trip_exact: int = 0
    round_trip_failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (not self.rejected and self.imported == self.records
                and self.self_score_passed == self.imported
                and self.round_trip_exact == self.imported)

    def summary(self) -> dict[str, Any]:
        """Counts, plus the first :data:`MAX_LISTED` problems of each kind."""
        d = asdict(self)
        for key in ("rejected", "unknown", "self_score_failures", "round_trip_failures"):
            d[key] = d[key][:MAX_LISTED]
        d["rejected_count"] = len(self.rejected)
        d["ok"] = self.ok
        return d


@dataclass
class PairCheck:
    """Whether a Qwen file and a Llama file hold the same items in the same order."""

    qwen: str
    llama: str
    compared: int = 0
    same: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.same == self.compared and not self.differences

    def summary(self) -> dict[str, Any]:
        d = asdict(self)
        d["differences"] = d["differences"][:MAX_LISTED]
        d["difference_count"] = len(self.differences)
        d["ok"] = self.ok
        return d


def file_format(path: str | os.PathLike[str]) -> str:
    """``qwen`` or ``llama``, from the first record that says which."""
    fmt = detect_file_format(path)
    if fmt not in TEXT_FORMATS:
        raise RecordError(f"is a {fmt} file, not an original-format one", path=str(path))
    return fmt


def check_original_file(path: str | os.PathLike[str], fmt: str = "auto",
                        ) -> tuple[FileCheck, list[RepairItem]]:
    """Check every record of ``path``; return the report and the imported items."""
    fmt = file_format(path) if fmt == "auto" else fmt
    report = FileCheck(path=str(path), format=fmt)
    errors: list[RecordError] = []
    pairs = read_records(path, lambda rec, n: (import_original_record(rec, fmt, path, n), rec),
                         skip_invalid=True, errors=errors, with_line=True)
    items = [item for item, _ in pairs]
    report.records = len(pairs) + len(errors)
    report.rejected = [str(e) for e in errors]
    report.imported = len(items)
    for item, source in pairs:
        _check_item(report, item, source, fmt)
    report.labels = _ordered(Counter(it.perturbation or UNKNOWN for it in items))
    return report, items


def _check_item(report: FileCheck, item: RepairItem, source: Any, fmt: str) -> None:
    where = f"{report.path}:{item.provenance['line']}"
    key = f"{item.perturbation}:{item.provenance['perturbation_evidence']}"
    report.evidence[key] = report.evidence.get(key, 0) + 1
    if item.perturbation == UNKNOWN:
        report.unknown.append(f"{where}: {item.provenance['perturbation_evidence']}")
    verdict = score_attempt(item, render_ground_truth(item.ground_truth, fmt))
    if verdict.passed:
        report.self_score_passed += 1
    else:
        report.self_score_failures.append(f"{where}: {', '.join(verdict.errors)}")
    if render_text_record(item, fmt) == source:
        report.round_trip_exact += 1
    else:
        report.round_trip_failures.append(f"{where}: rendered record differs from the source")


def _ordered(counts: Counter[str]) -> dict[str, int]:
    order = list(PERTURBATIONS) + [UNKNOWN]
    return {k: counts[k] for k in order if counts.get(k)}


def compare_pair(qwen: tuple[FileCheck, list[RepairItem]],
                 llama: tuple[FileCheck, list[RepairItem]]) -> PairCheck:
    """Item ``i`` of the Qwen file against item ``i`` of the Llama file: same request, tool
    names, transcript calls and results, reflection and ground-truth calls."""
    (qr, qitems), (lr, litems) = qwen, llama
    pair = PairCheck(qwen=qr.path, llama=lr.path, compared=min(len(qitems), len(litems)))
    if len(qitems) != len(litems):
        pair.differences.append(f"item counts differ: {len(qitems)} Qwen, {len(litems)} Llama")
    for i, (q, ll) in enumerate(zip(qitems, litems, strict=False)):
        diff = [k for k, (a, b) in _facets(q, ll).items() if a != b]
        if diff:
            pair.differences.append(f"item {i} (Qwen line {q.provenance['line']}, Llama line "
                                    f"{ll.provenance['line']}): {', '.join(diff)} differ")
        else:
            pair.same += 1
    return pair


def _facets(a: RepairItem, b: RepairItem) -> dict[str, tuple[Any, Any]]:
    def calls(item: RepairItem) -> list[Any]:
        return [(c.name, c.arguments) for m in item.messages for c in m.tool_calls]

    def results(item: RepairItem) -> list[Any]:
        return [m.content for m in item.messages if m.role == "tool"]

    def gold(item: RepairItem) -> list[Any]:
        return [(c.name, c.arguments) for c in item.ground_truth.calls]

    return {
        "request": (a.request, b.request),
        "tools": ([t.get("name") for t in a.tools], [t.get("name") for t in b.tools]),
        "transcript calls": (calls(a), calls(b)),
        "tool results": (results(a), results(b)),
        "reflection": (a.ground_truth.reflection, b.ground_truth.reflection),
        "ground-truth calls": (gold(a), gold(b)),
    }


def check_files(paths: list[str | os.PathLike[str]]) -> tuple[list[FileCheck], PairCheck | None]:
    """Check each file; compare them as a pair when one is Qwen and one is Llama."""
    done = [check_original_file(p) for p in paths]
    by_fmt = {r.format: (r, items) for r, items in done}
    pair = None
    if len(done) == 2 and set(by_fmt) == {"qwen", "llama"}:
        pair = compare_pair(by_fmt["qwen"], by_fmt["llama"])
    return [r for r, _ in done], pair


def print_report(files: list[FileCheck], pair: PairCheck | None) -> None:
    """A short human-readable report."""
    for r in files:
        print(f"{Path(r.path).name} ({r.format}): {r.records} records, {r.imported} imported, "
              f"{len(r.rejected)} rejected")
        for line in r.rejected[:MAX_LISTED]:
            print(f"  rejected  {line}")
        print("  labels    " + ", ".join(f"{k} {v}" for k, v in r.labels.items()))
        print("  evidence  " + ", ".join(f"{k} {v}" for k, v in sorted(r.evidence.items())))
        for line in r.unknown[:MAX_LISTED]:
            print(f"  unknown   {line}")
        print(f"  ground truth passes its own scoring: {r.self_score_passed}/{r.imported}")
        for line in r.self_score_failures[:MAX_LISTED]:
            print(f"  self-score fails  {line}")
        print(f"  exact round trip: {r.round_trip_exact}/{r.imported}")
        for line in r.round_trip_failures[:MAX_LISTED]:
            print(f"  round trip fails  {line}")
    if pair is not None:
        print(f"Qwen vs Llama: {pair.same}/{pair.compared} items the same, in the same order")
        for line in pair.differences[:MAX_LISTED]:
            print(f"  differs   {line}")
