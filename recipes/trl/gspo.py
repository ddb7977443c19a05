#!/usr/bin/env python
"""GSPO + clip-higher + KL + LoRA with TRL, on the verl recipe's own hyper-parameters.

    python recipes/trl/gspo.py --model DIR --prompt-format qwen --out runs/trl_gspo
    python recipes/trl/gspo.py --model DIR --prompt-format qwen --init-adapter runs/warm \
        --prompts 8 --max-steps 4 --set data.max_response_length=64      # CPU smoke run

Every setting comes from recipes/<--config>.yaml (the same files verl composes); --set takes
dotted verl keys. Writes OUT/adapter, OUT/trainer_state.json and OUT/reward.png.
"""

from __future__ import annotations

import argparse
import json
import logging

import yaml


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True, help="HF model folder or id")
    p.add_argument("--prompt-format", required=True, choices=["qwen", "llama"],
                   help="prompt format of the exported data (never guessed from the model name)")
    p.add_argument("--data", default="data/tool_reflect_open/train.jsonl.gz",
                   help="items JSONL(.gz) or a verl parquet (tool-reflect export --to verl-parquet)")
    p.add_argument("--out", default="runs/trl_gspo")
    p.add_argument("--config", default="tool_reflect_gspo", help="recipe name in recipes/")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a verl key of the recipe, e.g. data.max_response_length=64")
    p.add_argument("--init-adapter", help="LoRA from tool-reflect warm-start, merged in first")
    p.add_argument("--prompts", type=int, help="use only this many prompts")
    p.add_argument("--order", choices=["first", "random", "shortest"], default="first")
    p.add_argument("--max-steps", type=int, default=-1, help="default: one epoch (the recipe)")
    p.add_argument("--micro-batch", type=int, default=4, help="completions per forward pass")
    p.add_argument("--similarity", choices=["embedding", "lexical"], default="embedding")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from tool_reflect.plotting import plot_rewards
    from tool_reflect.training.gspo import GspoRun, train

    overrides = {k: yaml.safe_load(v) for k, v in (s.split("=", 1) for s in args.set)}
    run = GspoRun(model=args.model, data=args.data, out=args.out, prompt_format=args.prompt_format,
                  recipe=args.config, overrides=overrides, similarity=args.similarity,
                  init_adapter=args.init_adapter, prompts=args.prompts, order=args.order,
                  max_steps=args.max_steps, micro_batch=args.micro_batch, seed=args.seed)
    summary = train(run)
    png, _, warning = plot_rewards(summary["trainer_state"], f"{args.out}/reward.png")
    print(json.dumps({k: v for k, v in summary.items() if k != "log_history"}, indent=2))
    print(f"reward curves: {png}" + (f"\nWARNING: {warning}" if warning else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
