"""The TRL recipe reads the verl recipe's hyper-parameters: identical values in both trainers."""

from __future__ import annotations

import pytest
from conftest import ROOT
from hydra import compose, initialize_config_dir

from tool_reflect.training.hparams import SETTINGS, batch_shape, get, load_recipe, trl_values

RECIPES = ROOT / "recipes"
pytest.importorskip("trl")


def _verl(name: str, overrides: list[str] | None = None):
    with initialize_config_dir(config_dir=str(RECIPES), version_base=None):
        return compose(config_name=name, overrides=overrides or [])


@pytest.mark.parametrize("name", ["tool_reflect_gspo", "tool_reflect_gspo_paper_clip"])
def test_trl_config_carries_the_verl_values(name):
    from tool_reflect.training.gspo import GspoRun, grpo_config, lora_config

    verl = _verl(name)
    ours = load_recipe(name)
    for s in SETTINGS:  # our reading of the YAML equals what Hydra composes for verl
        assert [get(ours, k) for k in s.verl] == [get(verl, k) for k in s.verl], s.verl
    args = grpo_config(GspoRun(model="m", data="d", out="/tmp/x", prompt_format="qwen", recipe=name), ours)
    lora = lora_config(ours)
    a = verl.actor_rollout_ref
    assert (args.epsilon, args.epsilon_high) == (a.actor.clip_ratio_low, a.actor.clip_ratio_high)
    assert args.importance_sampling_level == "sequence" and a.actor.policy_loss.loss_mode == "gspo"
    assert args.loss_type == "grpo" and a.actor.loss_agg_mode == "seq-mean-token-mean"
    assert args.beta == a.actor.kl_loss_coef == 0.05 and a.actor.use_kl_loss
    assert args.num_generations == a.rollout.n == 4
    assert (args.temperature, args.top_p) == (a.rollout.temperature, a.rollout.top_p)
    assert args.top_k == 0 and args.repetition_penalty == 1.0  # verl: top_k -1, no penalty
    assert args.max_completion_length == verl.data.max_response_length
    assert args.learning_rate == a.actor.optim.lr and args.weight_decay == a.actor.optim.weight_decay
    assert args.warmup_steps == a.actor.optim.lr_warmup_steps_ratio
    assert args.lr_scheduler_type == a.actor.optim.lr_scheduler_type
    assert args.max_grad_norm == a.actor.optim.clip_grad
    assert args.num_train_epochs == verl.trainer.total_epochs
    assert (lora.r, lora.lora_alpha) == (a.model.lora_rank, a.model.lora_alpha)
    assert lora.target_modules == a.model.target_modules
    # 4 prompts x 4 completions per optimizer step, one update per rollout batch
    assert args.generation_batch_size == verl.data.train_batch_size * a.rollout.n == 16
    assert args.per_device_train_batch_size * args.gradient_accumulation_steps == 16
    assert args.num_iterations == 1 and args.steps_per_generation == args.gradient_accumulation_steps


def test_a_changed_source_value_reaches_both(tmp_path, monkeypatch):
    for f in RECIPES.glob("*.yaml"):
        text = f.read_text().replace("clip_ratio_high: 0.28", "clip_ratio_high: 0.31")
        (tmp_path / f.name).write_text(text)
    monkeypatch.setenv("TOOL_REFLECT_RECIPES", str(tmp_path))
    with initialize_config_dir(config_dir=str(tmp_path), version_base=None):
        verl = compose(config_name="tool_reflect_gspo")
    assert verl.actor_rollout_ref.actor.clip_ratio_high == 0.31
    assert trl_values(load_recipe())["epsilon_high"] == 0.31


def test_overrides_and_batch_shape():
    cfg = load_recipe(overrides={"data.train_batch_size": 2, "actor_rollout_ref.rollout.n": 2,
                                 "actor_rollout_ref.actor.ppo_mini_batch_size": 2})
    assert batch_shape(cfg, 2) == {"per_device_train_batch_size": 2, "gradient_accumulation_steps": 2,
                                   "generation_batch_size": 4, "num_iterations": 1}
    with pytest.raises(ValueError, match="does not divide"):
        batch_shape(cfg, 3)


def test_unmappable_settings_are_refused():
    with pytest.raises(ValueError, match="loss_agg_mode"):
        trl_values(load_recipe(overrides={"actor_rollout_ref.actor.loss_agg_mode": "seq-mean-token-sum"}))
    with pytest.raises(ValueError, match="k3"):
        trl_values(load_recipe(overrides={"actor_rollout_ref.actor.kl_loss_type": "mse"}))
    off = trl_values(load_recipe(overrides={"actor_rollout_ref.actor.use_kl_loss": False}))
    assert off["beta"] == 0.0


def test_recipe_script_runs_help():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, str(RECIPES / "trl" / "gspo.py"), "--help"],
                         capture_output=True, text=True, check=True).stdout
    assert "--prompt-format" in out and "--init-adapter" in out
