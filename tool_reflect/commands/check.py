"""``tool-reflect check``: check downloaded files of the original test set."""

from __future__ import annotations

import argparse

HELP = ("check original-format files (Qwen and/or Llama JSONL): records imported and rejected, "
        "labels, ground-truth self-score, exact round trip, and Qwen/Llama agreement")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", help="original-format JSONL files (.jsonl or .jsonl.gz); "
                   "give a Qwen and a Llama file to also compare them item by item")
    p.add_argument("--json", metavar="PATH", help="also write the full report as JSON")
    p.epilog = "example: tool-reflect check test_qwen_1000.jsonl test_llama_1000.jsonl"


def run(args: argparse.Namespace) -> int:
    from tool_reflect.formats.original_check import check_files, print_report
    from tool_reflect.io import write_json

    files, pair = check_files(args.files)
    print_report(files, pair)
    if args.json:
        write_json(args.json, {"files": [f.summary() for f in files],
                               "pair": pair.summary() if pair else None})
    ok = all(f.ok for f in files) and (pair is None or pair.ok)
    return 0 if ok else 1
