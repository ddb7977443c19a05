"""``tool-reflect export``: canonical JSONL -> qwen | llama | native | verl parquet | HF dataset."""

from __future__ import annotations

import argparse

from tool_reflect.commands import require_records

HELP = "export canonical items to qwen/llama/native JSONL, verl parquet or a HF dataset"
EXAMPLE = "tool-reflect export data/tool_reflect_open/train.jsonl.gz train.parquet --to verl-parquet"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from tool_reflect.exporters import EXPORT_FORMATS
    from tool_reflect.formats import PROMPT_FORMATS

    p.add_argument("input", help="dataset JSONL (canonical, qwen or llama; .gz accepted)")
    p.add_argument("output", help="output file (parquet/JSONL) or folder (hf-dataset)")
    p.add_argument("--to", required=True, choices=EXPORT_FORMATS)
    p.add_argument("--prompt-format", default="qwen", choices=PROMPT_FORMATS,
                   help="prompt format for verl-parquet / hf-dataset")


def run(args: argparse.Namespace) -> int:
    from tool_reflect.exporters import export
    from tool_reflect.formats.original_files import read_dataset

    items = read_dataset(args.input)
    require_records(items, args.input)
    n = export(items, args.to, args.output, args.prompt_format)
    print(f"wrote {n} items to {args.output} ({args.to})")
    return 0
