"""``tool-reflect score``: Repair@k of a JSONL of completions against a dataset."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tool_reflect.commands import positive_int, require_records

HELP = "score completions (n per item) against a dataset: Repair@k table, JSON report, verdicts"
log = logging.getLogger("tool_reflect.score")
OUTPUT_FILES = ("report.json", "verdicts.jsonl")
EXAMPLE = "tool-reflect score --dataset data/tool_reflect_open/test.jsonl --completions my_completions.jsonl --out runs/my_model"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from tool_reflect.formats.original_files import DATASET_FORMATS
    from tool_reflect.matching import MODES
    from tool_reflect.parsing import CALL_STYLES

    p.add_argument("--dataset", required=True, help="dataset JSONL (canonical, qwen or llama)")
    p.add_argument("--dataset-format", default="auto", choices=DATASET_FORMATS)
    p.add_argument("--completions", required=True,
                   help='JSONL of {"id", "completion"} or {"id", "completions": [...]}')
    p.add_argument("--out", required=True,
                   help="output folder: report.json, verdicts.jsonl (replaced whole, atomically)")
    p.add_argument("--mode", default="strict", choices=MODES)
    p.add_argument("--expected-format", choices=CALL_STYLES,
                   help="warn on calls written in another style")
    p.add_argument("--k", type=positive_int, nargs="+",
                   help="Repair@k values (default 1 3 5, those the sample counts allow)")
    p.add_argument("--skip-invalid", action="store_true", help="skip bad lines, report the count")
    p.add_argument("--no-progress", action="store_true")


def check_out(out: Path) -> None:
    """Refuse an ``--out`` that is a file, or a folder holding anything but a score's files
    (the folder is replaced whole)."""
    from tool_reflect.commands import check_output_folder

    check_output_folder(out, OUTPUT_FILES, "score")


def run(args: argparse.Namespace) -> int:
    from tool_reflect.errors import RecordError
    from tool_reflect.evaluate import read_completions, score_dataset, unique_items
    from tool_reflect.formats.original_files import read_dataset

    check_out(Path(args.out))
    errors: list[RecordError] = []
    items = read_dataset(args.dataset, args.dataset_format, skip_invalid=args.skip_invalid,
                         errors=errors)
    require_records(items, args.dataset, len(errors))
    items = unique_items(items, args.dataset, skip_invalid=args.skip_invalid, errors=errors)
    before = len(errors)
    comps = read_completions(args.completions, skip_invalid=args.skip_invalid, errors=errors)
    require_records(list(comps), args.completions, len(errors) - before)
    results, missing, unknown = score_dataset(items, comps, args.mode, args.expected_format,
                                              progress=not args.no_progress)
    for e in errors:
        log.warning("skipped invalid record: %s", e)
    if missing:
        log.warning("%d dataset items have no completions (first: %s)", len(missing), missing[0])
    if unknown:
        log.warning("%d completion ids match no dataset item (first: %s)", len(unknown), unknown[0])
    if not results:
        raise RecordError("no completion matches a dataset item id", path=args.completions)
    report = _report(args, results, len(errors), len(missing), len(unknown))
    _write(Path(args.out), report, results)
    _print_summary(args, report, len(errors), len(missing))
    return 0


def _ks(args: argparse.Namespace, most: int) -> list[int]:
    """The Repair@k values to report: an explicit ``--k`` that no item has enough samples
    for is an error; default values above every sample count are dropped with a warning."""
    from tool_reflect.errors import RecordError
    from tool_reflect.metrics import DEFAULT_KS

    ks = args.k or list(DEFAULT_KS)
    above = [k for k in ks if k > most]
    if above and args.k:
        raise RecordError(f"--k {above[0]}: no item has {above[0]} samples "
                          f"(the most is {most})", path=args.completions)
    if above:
        log.warning("Repair@%s not reported: no item has more than %d samples",
                    "/".join(map(str, above)), most)
    return [k for k in ks if k <= most]


def _report(args: argparse.Namespace, results: list[Any], skipped: int, missing: int,
            unknown: int) -> dict[str, Any]:
    from tool_reflect.downloads import file_sha256
    from tool_reflect.evaluate import build_report, sample_count_warnings

    ks = _ks(args, max(len(r.passes) for r in results))
    report = build_report(results, ks, mode=args.mode, dataset=Path(args.dataset).name,
                          dataset_sha256=file_sha256(args.dataset),
                          expected_format=args.expected_format, skipped_invalid=skipped,
                          items_without_completions=missing, unmatched_completion_ids=unknown)
    for line in sample_count_warnings(report):
        log.warning("%s", line)
    return report


def _verdict_rows(report: dict[str, Any], results: list[Any]) -> Iterator[dict[str, Any]]:
    """One row per item; Repair@k is null where the item has fewer than k samples."""
    from tool_reflect.io import pause_point

    for i, r in enumerate(results):
        if i == 1:
            pause_point("verdicts")
        yield {"id": r.item_id, "perturbation": r.perturbation, "n": len(r.passes),
               "c": sum(r.passes),
               **{f"repair@{k}": r.repair(k) if k <= len(r.passes) else None
                  for k in report["ks"]},
               **{k: v for k, v in r.metrics(report["ks"]).items() if k.endswith("_executed")},
               "avg_score": r.avg_score,
               "attempts": [v.to_dict() for v in r.verdicts]}


def _write(out: Path, report: dict[str, Any], results: list[Any]) -> None:
    """Write verdicts, then the report that names their count and sha256, into a fresh
    hidden folder swapped in for ``out`` whole: a killed run leaves the earlier run or
    the new one, never a mix."""
    from tool_reflect.downloads import file_sha256
    from tool_reflect.io import atomic_folder, pause_point, write_json, write_jsonl

    pause_point("scored")
    with atomic_folder(out) as tmp:
        n = write_jsonl(tmp / "verdicts.jsonl", _verdict_rows(report, results))
        report["verdicts"] = {"file": "verdicts.jsonl", "count": n,
                              "sha256": file_sha256(tmp / "verdicts.jsonl")}
        pause_point("report")
        write_json(tmp / "report.json", report)


def _print_summary(args: argparse.Namespace, report: dict[str, Any], skipped: int,
                   missing: int) -> None:
    from tool_reflect.evaluate import format_table

    out = Path(args.out)
    print(format_table(report))
    print(f"report: {out / 'report.json'}  verdicts: {out / 'verdicts.jsonl'}"
          f"  (skipped {skipped} invalid, {missing} items without completions)")
