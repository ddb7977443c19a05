"""Merge a LoRA adapter into its base model (peft ``merge_and_unload``).

Accepts a PEFT adapter folder with ``--base``, or a folder written by
``python -m verl.model_merger merge --backend fsdp`` (base weights plus ``lora_adapter/``).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)
VERL_ADAPTER_DIR = "lora_adapter"


def locate(checkpoint: str | os.PathLike[str], base: str | None) -> tuple[str, Path]:
    """(base model path, adapter folder) for a verl merge output or a PEFT adapter."""
    ckpt = Path(checkpoint)
    if (ckpt / VERL_ADAPTER_DIR / "adapter_config.json").exists():
        return base or str(ckpt), ckpt / VERL_ADAPTER_DIR
    if (ckpt / "adapter_config.json").exists():
        if base is None:
            cfg = json.loads((ckpt / "adapter_config.json").read_text())
            base = cfg.get("base_model_name_or_path")
        if not base:
            raise ValueError(f"{ckpt}: adapter has no base_model_name_or_path; pass --base")
        return base, ckpt
    raise FileNotFoundError(f"{ckpt}: neither a PEFT adapter (adapter_config.json) nor a verl "
                            f"merge output ({VERL_ADAPTER_DIR}/adapter_config.json)")


def merge_lora(checkpoint: str | os.PathLike[str], out: str | os.PathLike[str],
               base: str | None = None) -> Path:
    """Write base + adapter merged into one Hugging Face model folder at ``out``."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base_path, adapter = locate(checkpoint, base)
    log.info("merging %s into %s", adapter, base_path)
    model = AutoModelForCausalLM.from_pretrained(base_path, dtype=torch.float32)
    merged = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    out = Path(out)
    merged.save_pretrained(out)
    try:
        AutoTokenizer.from_pretrained(base_path).save_pretrained(out)
    except (OSError, ValueError) as exc:  # a bare weights folder may have no tokenizer
        log.warning("no tokenizer copied from %s: %s", base_path, exc)
    return out
