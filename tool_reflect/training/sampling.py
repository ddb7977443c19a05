"""Sample groups of completions with Hugging Face ``generate`` and score them with the reward."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from tool_reflect.training.data import messages, prompt_ids


@dataclass
class Sampled:
    """Grouped samples: ``group`` consecutive completions per row, with their reward results."""

    rows: list[dict[str, Any]]
    group: int
    completions: list[str]
    results: list[Any]

    @property
    def scores(self) -> list[float]:
        return [r.score for r in self.results]


def load_policy(model_dir: str | os.PathLike[str], adapter: str | list[str] | None = None):
    """(model, tokenizer) in fp32 on CPU or the first GPU, with LoRA adapters merged in order
    (a GSPO adapter trained on a warm start: ``[warm, gspo]``)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    model: Any = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    for path in [adapter] if isinstance(adapter, str) else adapter or []:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, path).merge_and_unload()
    model.to("cuda" if torch.cuda.is_available() else "cpu").eval()
    return model, tok


def generate_group(model: Any, tok: Any, row: dict[str, Any], group: int, max_new_tokens: int,
                   temperature: float, top_p: float) -> list[str]:
    """``group`` sampled completions for one row."""
    import torch

    ids = torch.tensor([prompt_ids(tok, messages(row))], device=model.device)
    with torch.inference_mode():
        out = model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=True,
                             temperature=temperature, top_p=top_p, top_k=0,
                             max_new_tokens=max_new_tokens, num_return_sequences=group,
                             pad_token_id=tok.pad_token_id or tok.eos_token_id)
    return tok.batch_decode(out[:, ids.shape[1]:], skip_special_tokens=True)


def sample_and_score(model: Any, tok: Any, rows: list[dict[str, Any]], group: int,
                     max_new_tokens: int, temperature: float, top_p: float, scorer: Any,
                     seed: int = 0) -> Sampled:
    """Sample ``group`` completions per row (seeded) and score them in one batch."""
    import torch

    torch.manual_seed(seed)
    completions: list[str] = []
    for row in rows:
        completions += generate_group(model, tok, row, group, max_new_tokens, temperature, top_p)
    gts = [r["reward_model"]["ground_truth"] for r in rows for _ in range(group)]
    return Sampled(rows, group, completions, scorer.score_batch(completions, gts))
