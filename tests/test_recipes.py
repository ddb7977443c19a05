"""Recipes compose with Hydra against verl's own config and resolve to the paper's settings;
every key they set exists in verl's ppo_trainer (Hydra would silently add a misspelled one)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import ROOT
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

RECIPES = ROOT / "recipes"
OWN_SECTIONS = {"tool_reflect", "hydra", "defaults"}


def _compose(name: str, overrides: list[str] | None = None):
    with initialize_config_dir(config_dir=str(RECIPES), version_base=None):
        return compose(config_name=name, overrides=overrides or [])


def _leaf_paths(node, prefix=""):
    for k, v in node.items():
        path = f"{prefix}.{k}" if prefix else str(k)
        if OmegaConf.is_dict(v) and len(v):
            yield from _leaf_paths(v, path)
        else:
            yield path


@pytest.fixture(scope="module")
def verl_defaults():
    import verl.trainer.config as cfgpkg

    with initialize_config_dir(config_dir=os.path.dirname(cfgpkg.__file__), version_base=None):
        return compose(config_name="ppo_trainer")


@pytest.mark.parametrize("name", ["tool_reflect_base", "tool_reflect_gspo_paper_clip"])
def test_every_recipe_key_exists_in_verl(name, verl_defaults):
    raw = OmegaConf.load(RECIPES / f"{name}.yaml")
    unknown = [p for p in _leaf_paths(raw) if p.split(".")[0] not in OWN_SECTIONS
               and OmegaConf.select(verl_defaults, p, default="__missing__") == "__missing__"]
    assert not unknown, f"keys verl 0.9.1 does not know: {unknown}"


def test_misspelled_key_is_caught(tmp_path, verl_defaults):
    bad = OmegaConf.create({"actor_rollout_ref": {"actor": {"clip_ratio_hgh": 0.28}}})
    unknown = [p for p in _leaf_paths(bad)
               if OmegaConf.select(verl_defaults, p, default="__missing__") == "__missing__"]
    assert unknown == ["actor_rollout_ref.actor.clip_ratio_hgh"]
    from hydra.errors import ConfigCompositionException

    with pytest.raises(ConfigCompositionException):
        _compose("tool_reflect_gspo", ["actor_rollout_ref.actor.clip_ratio_hgh=0.3"])


def test_gspo_recipe_resolves_to_paper_settings():
    cfg = _compose("tool_reflect_gspo")
    a = cfg.actor_rollout_ref
    assert a.actor.policy_loss.loss_mode == "gspo"
    assert (a.actor.clip_ratio_low, a.actor.clip_ratio_high) == (0.2, 0.28)
    assert a.actor.use_kl_loss and a.actor.kl_loss_coef == 0.05
    assert a.actor.kl_loss_type == "low_var_kl"
    assert a.actor.optim.lr == 1e-5 and a.actor.optim.lr_warmup_steps_ratio == 0.05
    assert a.actor.optim.lr_scheduler_type == "cosine"
    assert a.actor.optim.weight_decay == 0.1 and a.actor.optim.clip_grad == 0.5
    assert (a.model.lora_rank, a.model.lora_alpha, a.model.target_modules) == (8, 32, "all-linear")
    assert (a.rollout.n, a.rollout.temperature, a.rollout.top_p) == (4, 0.8, 0.9)
    assert a.rollout.load_format == "safetensors"
    assert cfg.data.max_response_length == 1024 and cfg.data.train_batch_size * a.rollout.n == 16
    assert cfg.algorithm.adv_estimator == "grpo"
    assert cfg.algorithm.filter_groups.enable and cfg.algorithm.filter_groups.max_num_gen_batches == 3
    assert cfg.trainer.total_epochs == 1
    assert (cfg.reward.reward_manager.source, cfg.reward.reward_manager.name) == ("register", "tool_reflect")
    assert cfg.tool_reflect.similarity == "embedding"


def test_paper_clip_variant():
    a = _compose("tool_reflect_gspo_paper_clip").actor_rollout_ref.actor
    assert (a.clip_ratio_low, a.clip_ratio_high) == (3e-4, 4e-4)
    assert a.policy_loss.loss_mode == "gspo"


def test_on_policy_clipping_note():
    from verl_ext.main import clipping_note

    cfg = _compose("tool_reflect_gspo")
    assert clipping_note(cfg) and "never act" in clipping_note(cfg)
    off = _compose("tool_reflect_gspo", ["data.train_batch_size=16"])
    assert clipping_note(off) is None


def test_run_script_is_valid_bash():
    import subprocess

    subprocess.run(["bash", "-n", str(RECIPES / "run.sh")], check=True)
    text = (RECIPES / "run.sh").read_text()
    for flag in ("--model", "--gpus", "--nnodes", "ray job submit", "tool-reflect export"):
        assert flag in text
    assert Path(RECIPES / "run.sh").stat().st_mode & 0o111
    assert "[Ll]lama" not in text and "plot --log" not in text  # no guessing; plot's log is positional


@pytest.mark.parametrize("args, message", [
    ([], "--prompt-format is required"),
    (["--prompt-format", "Llama"], "must be qwen or llama"),
])
def test_run_script_never_guesses_the_prompt_format(args, message):
    import subprocess

    res = subprocess.run(["bash", str(RECIPES / "run.sh"), "--model", "meta-llama/Llama-3.1-8B-Instruct",
                          *args], capture_output=True, text=True)
    assert res.returncode == 2 and message in res.stderr
