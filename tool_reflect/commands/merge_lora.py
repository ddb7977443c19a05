"""``tool-reflect merge-lora``: one merged HF model from a verl checkpoint or a PEFT adapter."""

from __future__ import annotations

import argparse

HELP = "merge a LoRA adapter (PEFT folder or verl model_merger output) into its base model"
EXAMPLE = "tool-reflect merge-lora merged_ckpt --out final_model"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("checkpoint", help="PEFT adapter folder, or a verl model_merger --target_dir")
    p.add_argument("--out", required=True, help="folder for the merged model")
    p.add_argument("--base", help="base model path or name (default: from the adapter config)")


def run(args: argparse.Namespace) -> int:
    from tool_reflect.lora import merge_lora

    print(merge_lora(args.checkpoint, args.out, args.base))
    return 0
