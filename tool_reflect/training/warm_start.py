"""Optional supervised warm start (TRL ``SFTTrainer`` + LoRA) on the train split's ground truths.

Not part of the paper's method (which runs GSPO from the instruct model). It exists because a
model that never solves an item gets zero reward variance there, hence no GSPO signal; a short
SFT makes small models (SmolLM2-135M) produce the answer format so groups start to differ.
The LoRA shape comes from the same recipe file as GSPO.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tool_reflect.training import data as D
from tool_reflect.training.hparams import DEFAULT_RECIPE, get, load_recipe


@dataclass
class WarmStart:
    """One SFT run; the adapter is written to ``out``."""

    model: str
    data: str
    out: str
    prompt_format: str
    prompts: int | None = 64
    order: str = "first"
    steps: int = 100
    lr: float = 2e-4
    batch: int = 1
    target: str = "full"
    recipe: str = DEFAULT_RECIPE
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def build_sft(ws: WarmStart):  # returns trl.SFTTrainer
    import torch
    from trl import SFTConfig, SFTTrainer

    from tool_reflect.training.gspo import load_base, lora_config

    cfg = load_recipe(ws.recipe)
    model, tok = load_base(ws.model, None)
    max_prompt = int(get(cfg, "data.max_prompt_length"))
    rows = D.take(D.load_rows(ws.data, ws.prompt_format), ws.prompts, ws.order, ws.seed,
                  tok, max_prompt)
    cpu = not torch.cuda.is_available()
    args = SFTConfig(output_dir=ws.out, max_steps=ws.steps, learning_rate=ws.lr,
                     per_device_train_batch_size=ws.batch, lr_scheduler_type="cosine",
                     warmup_steps=0.05, logging_steps=1, save_strategy="no", report_to="none",
                     use_cpu=cpu, bf16=not cpu, seed=ws.seed, completion_only_loss=True,
                     max_length=max_prompt + int(get(cfg, "data.max_response_length")),
                     **ws.extra)
    return SFTTrainer(model=model, args=args, train_dataset=D.sft_dataset(rows, ws.target),
                      processing_class=tok, peft_config=lora_config(cfg))


def warm_start(ws: WarmStart) -> dict[str, Any]:
    """Run the SFT and save the adapter (and trainer_state.json) in ``ws.out``."""
    trainer = build_sft(ws)
    trainer.train()
    out = Path(ws.out)
    trainer.model.save_pretrained(out)
    trainer.state.save_to_json(str(out / "trainer_state.json"))
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    return {"adapter": str(out), "steps": trainer.state.global_step,
            "first_loss": losses[0] if losses else None, "last_loss": losses[-1] if losses else None}
