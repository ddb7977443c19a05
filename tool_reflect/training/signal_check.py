"""The learning-signal check: sample a group per prompt with the recipe's sampling settings,
score with the real reward, summarise (see :mod:`tool_reflect.training.signal`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tool_reflect.training import data as D
from tool_reflect.training.hparams import DEFAULT_RECIPE, get, load_recipe
from tool_reflect.training.sampling import load_policy, sample_and_score
from tool_reflect.training.signal import summarize


@dataclass
class SignalCheck:
    """What to sample: ``prompts`` prompts × ``group`` samples (``None`` = from the recipe)."""

    model: str
    data: str
    prompt_format: str
    adapter: str | None = None
    prompts: int = 8
    group: int | None = None
    order: str = "random"
    max_new_tokens: int | None = None
    recipe: str = DEFAULT_RECIPE
    similarity: str = "embedding"
    seed: int = 0


def check(sc: SignalCheck, scorer: Any | None = None, policy: Any | None = None) -> dict[str, Any]:
    """The signal report, with the settings used and every sample (``samples``)."""
    from tool_reflect.reward import RewardScorer

    cfg = load_recipe(sc.recipe)
    group = sc.group or int(get(cfg, "actor_rollout_ref.rollout.n"))
    new = sc.max_new_tokens or int(get(cfg, "data.max_response_length"))
    temp = float(get(cfg, "actor_rollout_ref.rollout.temperature"))
    top_p = float(get(cfg, "actor_rollout_ref.rollout.top_p"))
    model, tok = policy or load_policy(sc.model, sc.adapter)
    rows = D.take(D.load_rows(sc.data, sc.prompt_format), sc.prompts, sc.order, sc.seed, tok,
                  int(get(cfg, "data.max_prompt_length")))
    scorer = scorer or RewardScorer(similarity=sc.similarity)
    s = sample_and_score(model, tok, rows, group, new, temp, top_p, scorer, sc.seed)
    rep = summarize(s.scores, [r.reason for r in s.results],
                    [r.breakdown["exact_match"] for r in s.results], group)
    rep["settings"] = {"model": sc.model, "adapter": sc.adapter, "data": sc.data,
                       "prompt_format": sc.prompt_format, "temperature": temp, "top_p": top_p,
                       "max_new_tokens": new, "similarity": scorer.similarity_name,
                       "seed": sc.seed, "order": sc.order}
    rep["samples"] = [{"item_id": s.rows[i // group]["extra_info"]["item_id"], "score": r.score,
                       "reason": r.reason, "completion": c}
                      for i, (c, r) in enumerate(zip(s.completions, s.results, strict=True))]
    return rep
