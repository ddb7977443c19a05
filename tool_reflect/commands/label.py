"""``tool-reflect label``: infer perturbation types of a dataset and print their distribution."""

from __future__ import annotations

import argparse
from collections import Counter

from tool_reflect.commands import require_records

HELP = "infer perturbation types (labeler) and print the distribution"
EXAMPLE = "tool-reflect label tests/fixtures/original/spread_sample_qwen.jsonl"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from tool_reflect.formats.original_files import DATASET_FORMATS

    p.add_argument("dataset", help="dataset JSONL (canonical, qwen or llama)")
    p.add_argument("--format", default="auto", choices=DATASET_FORMATS)
    p.add_argument("--output", help="write the labelled items as canonical JSONL")


def run(args: argparse.Namespace) -> int:
    from tool_reflect.formats.original_files import read_dataset
    from tool_reflect.io import write_items
    from tool_reflect.labeler import label_perturbation

    items = read_dataset(args.dataset, args.format)
    require_records(items, args.dataset)
    inferred: Counter[str] = Counter()
    for it in items:
        label = label_perturbation(it)
        inferred[label] += 1
        if it.perturbation is None or it.provenance.get("perturbation_source") == "labeler":
            it.perturbation = label
    width = max(len(k) for k in inferred) if inferred else 10
    for k, v in sorted(inferred.items()):
        print(f"{k:<{width}}  {v:6d}  {v / len(items):6.1%}")
    print(f"{'total':<{width}}  {len(items):6d}")
    if args.output:
        write_items(args.output, items)
    return 0
