"""``tool-reflect report``: compare runs (lm_eval output folders or ``tool-reflect score``
folders): JSON report, per-item verdicts, table, markdown leaderboard and plots."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

HELP = ("compare lm_eval (--log_samples) and tool-reflect score runs: Repair@k with bootstrap CIs, "
        "error kinds, leaderboard and plots")
log = logging.getLogger("tool_reflect.report")
OUTPUT_FILES = ("report.json", "verdicts.jsonl", "table.txt", "leaderboard.md",
                "repair_at_k.png", "error_kinds.png")
EXAMPLE = "tool-reflect report runs/lm_eval_qwen runs/my_model --out runs/compare"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs", nargs="+", metavar="RUN",
                   help="an lm_eval --output_path folder (run with --log_samples) or a "
                        "tool-reflect score --out folder")
    p.add_argument("--out", required=True,
                   help=f"output folder ({', '.join(OUTPUT_FILES)}; replaced whole, atomically)")
    p.add_argument("--name", action="append", default=[], metavar="RUN=NAME",
                   help="show RUN as NAME (repeatable; default: the model from lm_eval's "
                        "model_args, or the score folder's name)")


def parse_names(pairs: list[str], runs: list[str]) -> dict[str, str]:
    """``--name RUN=NAME`` pairs as {run as given: name}; RUN may be written differently
    from the positional argument as long as it is the same folder."""
    from tool_reflect.errors import RecordError

    by_path = {Path(r).resolve(): r for r in runs}
    out = {}
    for pair in pairs:
        run, sep, name = pair.rpartition("=")
        if not sep or not run or not name.strip():
            raise RecordError(f"--name {pair!r}: expected RUN=NAME")
        key = by_path.get(Path(run).resolve())
        if key is None:
            raise RecordError(f"--name {pair!r}: {run} is not one of the RUN folders")
        out[key] = name.strip()
    return out


def check_out(out: Path, runs: list[str]) -> None:
    """Refuse an ``--out`` that is a file, a RUN, or a folder holding other files (it is
    replaced whole)."""
    from tool_reflect.commands import check_output_folder
    from tool_reflect.errors import RecordError

    if any(out.resolve() == Path(r).resolve() for r in runs):
        raise RecordError("--out: is one of the RUN folders; give a new folder", path=str(out))
    check_output_folder(out, OUTPUT_FILES, "report")


def run(args: argparse.Namespace) -> int:
    from tool_reflect.reporting import build_report, format_table, read_run

    out = Path(args.out)
    check_out(out, args.runs)
    names = parse_names(args.name, args.runs)
    runs = [read_run(r, names.get(r)) for r in args.runs]
    for r in runs:
        for note in r.notes:
            log.warning("%s", note)
    report = build_report(runs)
    table = format_table(report)
    written = _write(out, runs, report, table)
    print(table)
    print("\n".join(f"wrote {p}" for p in written))
    return 0


def _write(out: Path, runs: list[Any], report: dict[str, Any], table: str) -> list[Path]:
    """Everything into a fresh hidden folder swapped in for ``out`` whole."""
    from tool_reflect.downloads import file_sha256
    from tool_reflect.io import atomic_folder, atomic_open, write_json, write_jsonl
    from tool_reflect.reporting import leaderboard, verdict_rows
    from tool_reflect.reporting.plots import write_plots

    with atomic_folder(out) as tmp:
        n = write_jsonl(tmp / "verdicts.jsonl", verdict_rows(runs, report))
        report["verdicts"] = {"file": "verdicts.jsonl", "count": n,
                              "sha256": file_sha256(tmp / "verdicts.jsonl")}
        write_json(tmp / "report.json", report)
        for name, text in (("table.txt", table + "\n"), ("leaderboard.md", leaderboard(report))):
            with atomic_open(tmp / name) as fh:
                fh.write(text)
        write_plots(report, tmp)
    return [out / name for name in OUTPUT_FILES]
