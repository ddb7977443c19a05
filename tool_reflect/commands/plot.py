"""``tool-reflect plot``: reward curves (total and components, raw and smoothed) as PNG."""

from __future__ import annotations

import argparse

HELP = ("plot reward curves from a verl file-logger JSONL or a TRL trainer_state.json; "
        "warn if clipping never acted")
EXAMPLE = "tool-reflect plot runs/gspo/trainer_state.json --out reward.png"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("log", help="verl file-logger JSONL (trainer.logger includes 'file'), or TRL's "
                               "trainer_state.json (or the run folder holding it)")
    p.add_argument("--out", default="reward_curves.png", help="PNG to write")
    p.add_argument("--metric", action="append", help="metric name to plot (repeatable)")


def run(args: argparse.Namespace) -> int:
    from tool_reflect.plotting import plot_rewards

    out, metrics, warning = plot_rewards(args.log, args.out, args.metric)
    print(f"wrote {out} ({', '.join(metrics)})")
    if warning:
        print(f"WARNING: {warning}")
    return 0
