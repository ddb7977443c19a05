"""``tool-reflect score``: Repair@k of a JSONL of completions against a dataset."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

HELP = "score completions (n per item) against a dataset: Repair@k table, JSON report, verdicts"
log = logging.getLogger("tool_reflect.score")


def add_arguments(p: argparse.ArgumentParser) -> None:
    from tool_reflect.formats.original_files import DATASET_FORMATS

    p.add_argument("--dataset", required=True, help="dataset JSONL (canonical, qwen or llama)")
    p.add_argument("--dataset-format", default="auto", choices=DATASET_FORMATS)
    p.add_argument("--completions", required=True,
                   help='JSONL of {"id", "completion"} or {"id", "completions": [...]}')
    p.add_argument("--out", required=True, help="output folder: report.json, verdicts.jsonl")
    p.add_argument("--mode", default="strict", choices=("strict", "lenient"))
    p.add_argument("--expected-format", choices=("qwen", "llama", "native"),
                   help="warn on calls written in another style")
    p.add_argument("--k", type=int, nargs="+", default=[1, 3, 5], help="Repair@k values")
    p.add_argument("--skip-invalid", action="store_true", help="skip bad lines, report the count")
    p.add_argument("--no-progress", action="store_true")


def run(args: argparse.Namespace) -> int:
    from tool_reflect.datasets import file_sha256
    from tool_reflect.errors import RecordError
    from tool_reflect.evaluate import build_report, format_table, read_completions, score_dataset
    from tool_reflect.formats.original_files import read_dataset
    from tool_reflect.io import write_json, write_jsonl

    errors: list[RecordError] = []
    items = read_dataset(args.dataset, args.dataset_format, skip_invalid=args.skip_invalid,
                         errors=errors)
    comps = read_completions(args.completions, skip_invalid=args.skip_invalid, errors=errors)
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
    report = build_report(results, args.k, mode=args.mode, dataset=Path(args.dataset).name,
                          dataset_sha256=file_sha256(args.dataset), expected_format=args.expected_format,
                          skipped_invalid=len(errors), items_without_completions=len(missing),
                          unmatched_completion_ids=len(unknown))
    out = Path(args.out)
    write_json(out / "report.json", report)
    write_jsonl(out / "verdicts.jsonl", (
        {"id": r.item_id, "perturbation": r.perturbation, "n": len(r.passes), "c": sum(r.passes),
         **{f"repair@{k}": r.repair(k) for k in report["ks"]}, "avg_score": r.avg_score,
         "attempts": [{"passed": p, "partial": s, "errors": e}
                      for p, s, e in zip(r.passes, r.partials, r.errors, strict=True)]}
        for r in results))
    print(format_table(report))
    print(f"report: {out / 'report.json'}  verdicts: {out / 'verdicts.jsonl'}"
          f"  (skipped {len(errors)} invalid, {len(missing)} items without completions)")
    return 0
