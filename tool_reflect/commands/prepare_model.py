"""``tool-reflect prepare-model``: convert the bundled GGUF model once and print its folder."""

from __future__ import annotations

import argparse

HELP = "prepare the embedded default model (SmolLM2-135M-Instruct) and print its folder"
EXAMPLE = "lm_eval --model hf --model_args pretrained=$(tool-reflect prepare-model) ..."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dir", help="target folder (default: $TOOL_REFLECT_MODEL_DIR or "
                                 "<cache>/models/smollm2-135m-instruct)")
    p.add_argument("--force", action="store_true", help="convert again even when cached")


def run(args: argparse.Namespace) -> int:
    import logging

    from tool_reflect.models import prepare_model

    logging.getLogger("transformers").setLevel(logging.ERROR)
    print(prepare_model(args.dir, force=args.force))
    return 0
