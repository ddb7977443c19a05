"""``tool-reflect warm-start``: optional supervised LoRA warm start (not the paper's method)."""

from __future__ import annotations

import argparse

from tool_reflect.commands import positive_int

HELP = ("optional supervised warm start (TRL SFT + LoRA) on the train split's ground truths; "
        "not part of the paper's method")
EXAMPLE = "tool-reflect warm-start --model $(tool-reflect prepare-model) --prompt-format qwen --data data/tool_reflect_open/train.jsonl.gz --out runs/warm"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from tool_reflect.formats import TEXT_FORMATS

    p.add_argument("--model", required=True, help="HF model folder or id")
    p.add_argument("--prompt-format", required=True, choices=TEXT_FORMATS)
    p.add_argument("--data", default="data/tool_reflect_open/train.jsonl.gz",
                   help="items JSONL(.gz) or verl parquet (train split)")
    p.add_argument("--out", required=True, help="adapter folder to write")
    p.add_argument("--prompts", type=positive_int, default=64, help="train items to use")
    p.add_argument("--order", choices=["first", "random", "shortest"], default="random")
    p.add_argument("--steps", type=positive_int, default=100)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--target", choices=["full", "calls"], default="full",
                   help="full ground truth, or only its calls (short; for smoke tests)")
    p.add_argument("--recipe", default="tool_reflect_gspo", help="recipe giving the LoRA shape")
    p.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> int:
    from tool_reflect.training.warm_start import WarmStart, warm_start

    res = warm_start(WarmStart(model=args.model, data=args.data, out=args.out,
                               prompt_format=args.prompt_format, prompts=args.prompts,
                               order=args.order, steps=args.steps, lr=args.lr,
                               target=args.target, recipe=args.recipe, seed=args.seed))
    print(f"adapter {res['adapter']}: {res['steps']} steps, loss {res['first_loss']} -> "
          f"{res['last_loss']}")
    return 0
