"""GSPO with TRL's ``GRPOTrainer``: the verl recipe's settings, our reward, our exporter's data.

    run = GspoRun(model="DIR", data="train.jsonl.gz", out="runs/gspo", prompt_format="qwen")
    trainer = build_trainer(run); trainer.train()

Runs on CPU (``use_cpu`` when no GPU is visible) for smoke tests and on one GPU for real use.
Starting from a supervised warm start (``init_adapter``) merges that adapter into the base
weights first, so the new LoRA starts at zero and the KL reference is the warm-started model.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tool_reflect.training import data as D
from tool_reflect.training.hparams import (
    DEFAULT_RECIPE,
    batch_shape,
    get,
    load_recipe,
    trl_values,
    unsupported,
)
from tool_reflect.training.reward_fn import ToolReflectReward

log = logging.getLogger(__name__)


@dataclass
class GspoRun:
    """One TRL GSPO run. ``overrides`` are dotted verl keys applied to the recipe (smoke tests:
    ``{"data.train_batch_size": 2, "actor_rollout_ref.rollout.n": 2, ...}``)."""

    model: str
    data: str
    out: str
    prompt_format: str
    recipe: str = DEFAULT_RECIPE
    overrides: dict[str, Any] = field(default_factory=dict)
    similarity: str = "embedding"
    init_adapter: str | None = None
    prompts: int | None = None
    order: str = "first"
    max_steps: int = -1
    micro_batch: int = 4
    seed: int = 0
    trl_extra: dict[str, Any] = field(default_factory=dict)


def recipe_of(run: GspoRun) -> dict[str, Any]:
    return load_recipe(run.recipe, overrides=run.overrides)


def grpo_config(run: GspoRun, cfg: dict[str, Any]):  # returns trl.GRPOConfig
    """GRPOConfig from the recipe (mapped fields + batch shape) and run options."""
    import torch
    from trl import GRPOConfig

    values: dict[str, Any] = {k: v for k, v in trl_values(cfg).items()
                              if not k.startswith("lora.")}
    shape: dict[str, Any] = batch_shape(cfg, min(run.micro_batch, int(get(cfg, "data.train_batch_size"))
                                 * int(get(cfg, "actor_rollout_ref.rollout.n"))))
    cpu = not torch.cuda.is_available()
    return GRPOConfig(output_dir=run.out, **values, **shape, use_cpu=cpu, bf16=not cpu,
                      max_steps=run.max_steps, seed=run.seed, logging_steps=1,
                      save_strategy="no", report_to="none", shuffle_dataset=True,
                      log_completions=False, **run.trl_extra)


def lora_config(cfg: dict[str, Any]):  # returns peft.LoraConfig
    from peft import LoraConfig

    lora = {k.split(".", 1)[1]: v for k, v in trl_values(cfg).items() if k.startswith("lora.")}
    return LoraConfig(task_type="CAUSAL_LM", lora_dropout=0.0, **lora)


def load_base(model: str, init_adapter: str | None):
    """(model, tokenizer); a warm-start adapter is merged into the weights."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    dtype = torch.bfloat16 if torch.cuda.is_available() else torch.float32
    base = AutoModelForCausalLM.from_pretrained(model, dtype=dtype)
    if init_adapter:
        from peft import PeftModel

        base = PeftModel.from_pretrained(base, init_adapter).merge_and_unload()
    return base, tok


def build_trainer(run: GspoRun, scorer: Any | None = None):  # returns trl.GRPOTrainer
    """The GRPOTrainer of ``run`` (reward: a RewardScorer of ``run.similarity`` unless given)."""
    from trl import GRPOTrainer

    from tool_reflect.reward import RewardScorer

    cfg = recipe_of(run)
    for note in unsupported(cfg):
        log.warning(note)
    model, tok = load_base(run.model, run.init_adapter)
    rows = D.take(D.load_rows(run.data, run.prompt_format), run.prompts, run.order, run.seed,
                  tok, int(get(cfg, "data.max_prompt_length")))
    if not rows:
        raise ValueError(f"no prompts left from {run.data}")
    args = grpo_config(run, cfg)
    reward = ToolReflectReward(scorer or RewardScorer(similarity=run.similarity), args.num_generations)
    return GRPOTrainer(model=model, reward_funcs=reward, args=args,  # type: ignore[arg-type]
                       train_dataset=D.rl_dataset(rows), processing_class=tok,
                       peft_config=lora_config(cfg))


def train(run: GspoRun, scorer: Any | None = None) -> dict[str, Any]:
    """Train, save the LoRA adapter under ``out/adapter`` and return a summary with TRL's
    ``log_history`` (also in ``out/trainer_state.json``, which ``tool-reflect plot`` reads)."""
    trainer = build_trainer(run, scorer)
    trainer.train()
    out = Path(run.out)
    trainer.model.save_pretrained(out / "adapter")
    trainer.state.save_to_json(str(out / "trainer_state.json"))
    return {"steps": trainer.state.global_step, "log_history": trainer.state.log_history,
            "adapter": str(out / "adapter"), "trainer_state": str(out / "trainer_state.json")}
