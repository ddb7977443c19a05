"""``tool-reflect convert``: between canonical JSONL and the Qwen, Llama and native formats."""

from __future__ import annotations

import argparse
import logging

from tool_reflect.commands import require_records

HELP = "convert a dataset between canonical, qwen, llama and native JSONL"
log = logging.getLogger("tool_reflect.convert")
EXAMPLE = "tool-reflect convert tests/fixtures/original/spread_sample_qwen.jsonl items.jsonl"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from tool_reflect.formats import RECORD_FORMATS
    from tool_reflect.formats.original_files import DATASET_FORMATS

    p.add_argument("input", help="input JSONL")
    p.add_argument("output", help="output JSONL (written atomically)")
    p.add_argument("--from", dest="src", default="auto", choices=DATASET_FORMATS)
    p.add_argument("--to", dest="dst", default="canonical",
                   choices=RECORD_FORMATS)
    p.add_argument("--skip-invalid", action="store_true", help="skip bad records, report the count")


def run(args: argparse.Namespace) -> int:
    from tool_reflect.errors import RecordError
    from tool_reflect.formats import render_record
    from tool_reflect.formats.original_files import read_dataset
    from tool_reflect.io import write_jsonl

    errors: list[RecordError] = []
    items = read_dataset(args.input, args.src, skip_invalid=args.skip_invalid, errors=errors)
    require_records(items, args.input, len(errors))
    n = write_jsonl(args.output, (render_record(it, args.dst) for it in items))
    for e in errors:
        log.warning("skipped: %s", e)
    print(f"wrote {n} records to {args.output} ({args.dst}); skipped {len(errors)} invalid")
    return 0
