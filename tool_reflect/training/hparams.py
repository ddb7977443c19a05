"""One source of hyper-parameters for both trainers: the verl recipe YAML files.

:func:`load_recipe` reads a recipe (``tool_reflect_gspo`` = ``tool_reflect_base.yaml`` plus the
variant's own keys) as verl would see them; :data:`SETTINGS` maps each verl key to the TRL
``GRPOConfig`` field (or LoRA field) that carries the same setting, and :func:`trl_values`
applies the mapping. ``tests/test_trl_recipe.py`` checks that verl's composed config and the
TRL objects built from it hold identical values.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_RECIPES = "TOOL_REFLECT_RECIPES"
DEFAULT_RECIPE = "tool_reflect_gspo"
OWN_ONLY = ("hydra", "defaults")


def recipes_dir() -> Path:
    """``$TOOL_REFLECT_RECIPES`` or the checkout's ``recipes/`` folder."""
    env = os.environ.get(ENV_RECIPES)
    return Path(env) if env else Path(__file__).resolve().parents[2] / "recipes"


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in extra.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_recipe(name: str = DEFAULT_RECIPE, folder: Path | None = None,
                overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The recipe's own settings: its ``defaults`` found in ``folder`` (verl's ``ppo_trainer``
    is not), then its own keys, then dotted ``overrides`` (``{"data.train_batch_size": 2}``)."""
    import yaml

    folder = folder or recipes_dir()
    path = folder / f"{name}.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"no recipe {path}")
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    cfg: dict[str, Any] = {}
    for entry in raw.get("defaults", []):
        if isinstance(entry, str) and entry != "_self_" and (folder / f"{entry}.yaml").is_file():
            cfg = _merge(cfg, load_recipe(entry, folder))
    cfg = _merge(cfg, {k: v for k, v in raw.items() if k not in OWN_ONLY})
    for key, value in (overrides or {}).items():
        cfg = _merge(cfg, _nest(key, value))
    return cfg


def _nest(dotted: str, value: Any) -> dict[str, Any]:
    out: Any = value
    for part in reversed(dotted.split(".")):
        out = {part: out}
    return out


def get(cfg: Any, dotted: str) -> Any:
    """``cfg["a"]["b"]`` for ``"a.b"`` (dicts or OmegaConf nodes); KeyError names the key."""
    node = cfg
    for part in dotted.split("."):
        try:
            node = node[part]
        except (KeyError, TypeError):
            raise KeyError(f"recipe has no {dotted!r}") from None
    return node


def _same(v: Any) -> Any:
    return v


def _ratio_level(loss_mode: str) -> str:
    if loss_mode == "gspo":
        return "sequence"
    if loss_mode == "vanilla":
        return "token"
    raise ValueError(f"policy_loss.loss_mode={loss_mode!r} has no TRL equivalent here")


def _loss_type(mode: str) -> str:
    # verl seq-mean-token-mean: mean over each sequence's tokens, then mean over sequences.
    # TRL "grpo" is exactly that ((per_token_loss*mask).sum(-1)/mask.sum(-1)).mean(); TRL's
    # "dapo"/"bnpo" are token-mean (verl's token-mean), and TRL itself recommends "grpo" with
    # sequence-level (GSPO) ratios because "dapo" would weight sequences by their length.
    table = {"seq-mean-token-mean": "grpo", "token-mean": "dapo"}
    if mode not in table:
        raise ValueError(f"loss_agg_mode={mode!r} has no TRL equivalent here")
    return table[mode]


def _beta(use_kl: bool, coef: float, kl_type: str) -> float:
    # TRL's KL term is the k3 estimator exp(r-l)-(r-l)-1, i.e. verl's low_var_kl (unclamped).
    if use_kl and kl_type not in ("low_var_kl", "k3"):
        raise ValueError(f"kl_loss_type={kl_type!r}: TRL only has k3 (low_var_kl)")
    return float(coef) if use_kl else 0.0


@dataclass(frozen=True)
class Setting:
    """A TRL field and the verl keys (and conversion) it is read from."""

    trl: str
    verl: tuple[str, ...]
    convert: Callable[..., Any] = _same


A = "actor_rollout_ref.actor."
SETTINGS: tuple[Setting, ...] = (
    Setting("importance_sampling_level", (A + "policy_loss.loss_mode",), _ratio_level),
    Setting("loss_type", (A + "loss_agg_mode",), _loss_type),
    Setting("epsilon", (A + "clip_ratio_low",)),
    Setting("epsilon_high", (A + "clip_ratio_high",)),
    Setting("beta", (A + "use_kl_loss", A + "kl_loss_coef", A + "kl_loss_type"), _beta),
    Setting("num_generations", ("actor_rollout_ref.rollout.n",)),
    Setting("temperature", ("actor_rollout_ref.rollout.temperature",)),
    Setting("top_p", ("actor_rollout_ref.rollout.top_p",)),
    Setting("max_completion_length", ("data.max_response_length",)),
    Setting("learning_rate", (A + "optim.lr",)),
    Setting("warmup_steps", (A + "optim.lr_warmup_steps_ratio",)),  # a float < 1 is a ratio
    Setting("lr_scheduler_type", (A + "optim.lr_scheduler_type",)),
    Setting("weight_decay", (A + "optim.weight_decay",)),
    Setting("max_grad_norm", (A + "optim.clip_grad",)),
    Setting("num_train_epochs", ("trainer.total_epochs",)),
    Setting("lora.r", ("actor_rollout_ref.model.lora_rank",)),
    Setting("lora.lora_alpha", ("actor_rollout_ref.model.lora_alpha",)),
    Setting("lora.target_modules", ("actor_rollout_ref.model.target_modules",)),
)


def trl_values(cfg: Any) -> dict[str, Any]:
    """TRL field -> value for every :data:`SETTINGS` entry (``lora.*`` for LoraConfig)."""
    return {s.trl: s.convert(*(get(cfg, k) for k in s.verl)) for s in SETTINGS}


def batch_shape(cfg: Any, micro_batch: int) -> dict[str, int]:
    """TRL batch fields giving verl's step: ``train_batch_size`` prompts × ``rollout.n``
    completions per optimizer step, one update per rollout batch (fully on-policy when
    ``ppo_mini_batch_size == train_batch_size``)."""
    prompts = int(get(cfg, "data.train_batch_size"))
    n = int(get(cfg, "actor_rollout_ref.rollout.n"))
    mini = int(get(cfg, A + "ppo_mini_batch_size"))
    completions = prompts * n
    if completions % micro_batch:
        raise ValueError(f"micro batch {micro_batch} does not divide {completions} completions")
    updates = max(1, prompts // mini)
    accum = completions // micro_batch // updates
    return {"per_device_train_batch_size": micro_batch, "gradient_accumulation_steps": accum,
            "generation_batch_size": completions, "num_iterations": 1}


def unsupported(cfg: Any) -> list[str]:
    """verl settings the TRL recipe cannot reproduce (reported, not fatal)."""
    notes = []
    if get(cfg, "algorithm.filter_groups.enable"):
        notes.append("algorithm.filter_groups (dynamic sampling) has no TRL equivalent: "
                     "zero-variance groups stay in the batch with zero advantage; watch "
                     "signal/nonzero_var_share (= 1 - frac_reward_zero_std)")
    if get(cfg, "algorithm.adv_estimator") != "grpo":
        notes.append(f"algorithm.adv_estimator={get(cfg, 'algorithm.adv_estimator')!r}: TRL uses "
                     "group-normalised (GRPO) advantages")
    return notes
