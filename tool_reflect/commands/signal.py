"""``tool-reflect signal``: does the reward give GRPO/GSPO a learning signal on this model?"""

from __future__ import annotations

import argparse

from tool_reflect.commands import positive_int

HELP = ("sample a group per prompt and report the share of groups with non-zero reward "
        "variance, the reward distribution and the commonest failure reasons")
EXAMPLE = "tool-reflect signal --model $(tool-reflect prepare-model) --prompt-format qwen --data data/tool_reflect_open/train.jsonl.gz --prompts 8 --group 4"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from tool_reflect.formats import TEXT_FORMATS
    from tool_reflect.reward.similarity import SIMILARITIES

    p.add_argument("--model", required=True, help="HF model folder or id (e.g. $(tool-reflect prepare-model))")
    p.add_argument("--data", required=True, help="items JSONL(.gz) or a verl parquet from tool-reflect export")
    p.add_argument("--prompt-format", required=True, choices=TEXT_FORMATS,
                   help="prompt format the model is trained/evaluated with (never guessed)")
    p.add_argument("--adapter", help="LoRA adapter folder to merge in (warm start or GSPO output)")
    p.add_argument("--prompts", type=positive_int, default=8, help="prompts to sample (default 8)")
    p.add_argument("--group", type=positive_int, default=None,
                   help="samples per prompt (default: the recipe's rollout.n)")
    p.add_argument("--order", choices=["first", "random", "shortest"], default="random",
                   help="which prompts: first, a seeded random subset (default) or shortest")
    p.add_argument("--max-new-tokens", type=positive_int, default=None,
                   help="default: the recipe's data.max_response_length (use less on CPU)")
    p.add_argument("--recipe", default="tool_reflect_gspo", help="recipe for temperature/top_p/n")
    p.add_argument("--similarity", choices=SIMILARITIES, default="embedding")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="also write the report (and every sample) as JSON here")


def run(args: argparse.Namespace) -> int:
    from tool_reflect.io import write_json
    from tool_reflect.training.signal import format_report
    from tool_reflect.training.signal_check import SignalCheck, check

    rep = check(SignalCheck(model=args.model, data=args.data, prompt_format=args.prompt_format,
                            adapter=args.adapter, prompts=args.prompts, group=args.group,
                            order=args.order, max_new_tokens=args.max_new_tokens,
                            recipe=args.recipe, similarity=args.similarity, seed=args.seed))
    print(format_report(rep))
    if args.out:
        write_json(args.out, rep)
        print(f"wrote {args.out}")
    return 0
