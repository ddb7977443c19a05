"""``tool-reflect generate``: seeded, execution-grounded repair items."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from tool_reflect.commands import non_negative_int, require_records

HELP = ("generate repair items (catalogue, BFCL's executable backends, original-format items, "
        "xLAM records, OpenAI chat logs)")
log = logging.getLogger("tool_reflect.generate")
EXAMPLE = "tool-reflect generate --source bfcl --bundle data/tool_reflect_bfcl --seed 0"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from tool_reflect.formats import RECORD_FORMATS

    p.add_argument("--source", default="catalogue",
                   choices=("catalogue", "bfcl", "original", "xlam", "openai"),
                   help="bfcl: BFCL multi-turn trajectories executed on its real backends "
                   "(needs: pip install --no-deps bfcl-eval==2026.3.23 mpmath)")
    p.add_argument("--category", default="base",
                   help="BFCL multi-turn category for --source bfcl (base, long_context, ...)")
    p.add_argument("--input", help="input JSONL for --source original / xlam / openai")
    p.add_argument("--n", type=non_negative_int, default=1000, help="number of items (0 = all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--error-style", default="specific", choices=("specific", "generic"),
                   help="simulator errors, or the original release's generic INVALID_PARAMETERS")
    p.add_argument("--no-balance", action="store_true", help="do not balance the four types")
    p.add_argument("--output", help="output JSONL (written atomically)")
    p.add_argument("--to", default="canonical", choices=RECORD_FORMATS)
    p.add_argument("--bundle", metavar="DIR",
                   help="build the bundled splits and card into DIR (tool_reflect_open, or "
                   "tool_reflect_bfcl with --source bfcl)")


def _domains(args: argparse.Namespace) -> list[Any]:
    from tool_reflect.gen.catalogue import load_catalogue

    if args.source == "catalogue":
        return load_catalogue()
    if not args.input:
        raise SystemExit(f"--input is required with --source {args.source}")
    from tool_reflect.errors import RecordError
    from tool_reflect.gen.sources import from_items, from_openai_log, from_xlam
    from tool_reflect.io import read_records

    if args.source == "original":
        from tool_reflect.formats.original_files import read_dataset

        items = read_dataset(args.input)
        require_records(items, args.input)
        return from_items(items)
    convert = from_xlam if args.source == "xlam" else from_openai_log
    rows = read_records(args.input, lambda v, n: (v, n), with_line=True)
    require_records(rows, args.input)
    domains, errors = [], []
    for value, line in rows:
        try:
            domains.append(convert(value, line))
        except RecordError as exc:
            errors.append(exc.at(args.input, line))
    if not domains:
        raise RecordError(f"no record is a usable {args.source} trajectory ({len(errors)} "
                          f"rejected; first: {errors[0]})", path=args.input)
    for e in errors:
        log.warning("skipped %s record: %s", args.source, e)
    if errors:
        log.warning("skipped %d of %d %s records; items come from the other %d",
                    len(errors), len(rows), args.source, len(domains))
    return domains


def run(args: argparse.Namespace) -> int:
    from collections import Counter

    from tool_reflect.gen.generator import GenerationReport, generate
    from tool_reflect.io import write_jsonl

    if args.source == "bfcl":
        return _bfcl(args)
    if args.bundle:
        from tool_reflect.gen.bundle import build

        splits = build(args.bundle, args.seed)
        for split, items in splits.items():
            print(f"{split}: {len(items)} items {dict(Counter(i.perturbation for i in items))}")
        return 0
    if not args.output:
        raise SystemExit("--output (or --bundle) is required")
    from tool_reflect.formats import render_record

    report = GenerationReport()
    items = generate(_domains(args), args.n or None, args.seed, args.error_style,
                     balance=not args.no_balance, report=report, progress=True)
    if not items:
        from tool_reflect.errors import RecordError

        why = report.rejected_trajectories[0] if report.rejected_trajectories else "none usable"
        raise RecordError(f"no item could be generated ({len(report.rejected_trajectories)} "
                          f"trajectories rejected; first: {why})", path=args.input or args.source)
    write_jsonl(args.output, (render_record(it, args.to) for it in items))
    print(f"wrote {len(items)} items to {args.output}: {dict(report.made)}; skipped "
          f"{sum(report.skipped.values())} ({dict(report.skipped)}); rejected trajectories "
          f"{len(report.rejected_trajectories)}")
    for problem in report.rejected_trajectories[:20]:
        log.warning("rejected trajectory: %s", problem)
    return 0


def _bfcl(args: argparse.Namespace) -> int:
    """Items executed on BFCL's backends (tool_reflect.execution)."""
    from collections import Counter

    from tool_reflect.execution import BuildReport, build_bundle, generate_bfcl

    if args.bundle:
        done = build_bundle(args.bundle, args.seed)
        for split, items in done["splits"].items():
            print(f"{split}: {len(items)} items {dict(Counter(i.perturbation for i in items))}")
        print(f"built in {done['seconds']:.1f} s")
        return 0
    if not args.output:
        raise SystemExit("--output (or --bundle) is required")
    from tool_reflect.formats import render_record
    from tool_reflect.io import write_jsonl

    report = BuildReport()
    items = generate_bfcl(args.category, seed=args.seed, n=args.n or None, report=report)
    write_jsonl(args.output, (render_record(it, args.to) for it in items))
    print(f"wrote {len(items)} items to {args.output}: {dict(report.made)}; dropped "
          f"{dict(report.dropped)}")
    return 0
