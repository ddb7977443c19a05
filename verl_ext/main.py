"""Hydra entry for the recipes: ``python -m verl_ext.main --config-path recipes --config-name
tool_reflect_gspo``. Registers the reward manager and the ``tool_reflect/*`` signal metrics in
this process (the Ray workers get both from the ``verl.plugins`` entry point), warns when the
clipping settings can never act, then runs verl's ``main_ppo``."""

from __future__ import annotations

import logging

import hydra

import verl_ext.reward_manager  # noqa: F401  (registers "tool_reflect")
from verl_ext.metrics import install as install_signal_metrics

install_signal_metrics()

log = logging.getLogger("tool_reflect.recipe")


def clipping_note(cfg) -> str | None:
    """The original ran fully on-policy (one mini-batch per rollout batch), so its ratio was
    always 1 and clipping never acted; say so when this config does the same."""
    a = cfg.actor_rollout_ref.actor
    on_policy = int(a.ppo_mini_batch_size) >= int(cfg.data.train_batch_size) and int(a.ppo_epochs) == 1
    if on_policy:
        return ("ppo_mini_batch_size >= train_batch_size and ppo_epochs == 1: every update is "
                "on-policy, the importance ratio is 1 and clip_ratio_low/high never act; watch "
                "actor/pg_clipfrac (tool-reflect plot warns when it stays at 0)")
    return None


@hydra.main(config_path=None, config_name=None, version_base=None)
def main(cfg) -> None:
    note = clipping_note(cfg)
    if note:
        log.warning(note)
    from verl.trainer.main_ppo import main as ppo_main

    ppo_main.__wrapped__(cfg)  # verl's own validation and launch, on our composed config


if __name__ == "__main__":
    main()
