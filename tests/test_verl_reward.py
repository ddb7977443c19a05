"""The reward manager inside verl 0.9.1: plugin registration, importlib source, and an
end-to-end pass through verl's real RewardLoopWorker on a real tokenizer and DataProto."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import ROOT
from hydra import compose, initialize_config_dir

from tool_reflect.formats import render_calls, render_target
from tool_reflect.io import read_items

ITEMS = read_items(ROOT / "data" / "tool_reflect_open" / "test.jsonl")[:6]


def test_entry_point_registers_on_import_verl():
    code = ("import verl\nfrom verl.experimental.reward_loop.reward_manager import "
            "get_reward_manager_cls\nprint(get_reward_manager_cls('tool_reflect').__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "verl_ext.reward_manager"


def test_importlib_source_resolves():
    from omegaconf import OmegaConf
    from verl.trainer.ppo.reward import resolve_reward_manager_cls

    cfg = OmegaConf.create({"reward": {"reward_manager": {
        "source": "importlib", "name": "ToolReflectRewardManager",
        "module": {"path": "pkg://verl_ext.reward_manager"}}}})
    assert resolve_reward_manager_cls(cfg).__name__ == "ToolReflectRewardManager"


@pytest.fixture(scope="module")
def tokenizer_dir():
    from tool_reflect.models import prepare_model

    return str(prepare_model())


def _config(model_dir: str, similarity: str = "lexical"):
    with initialize_config_dir(config_dir=str(ROOT / "recipes"), version_base=None):
        return compose(config_name="tool_reflect_gspo", overrides=[
            f"actor_rollout_ref.model.path={model_dir}", f"tool_reflect.similarity={similarity}"])


def _data_proto(tokenizer, prompts: list[str], responses: list[str], gts: list[str], kinds):
    from verl import DataProto

    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    p_ids = [tokenizer.encode(p) for p in prompts]
    r_ids = [tokenizer.encode(r) for r in responses]
    P, R = max(map(len, p_ids)), max(map(len, r_ids))
    prompts_t = torch.full((len(p_ids), P), pad)
    resp_t = torch.full((len(r_ids), R), pad)
    mask = torch.zeros((len(p_ids), P + R), dtype=torch.long)
    for i, (p, r) in enumerate(zip(p_ids, r_ids, strict=True)):
        prompts_t[i, P - len(p):] = torch.tensor(p)          # left-padded prompts
        resp_t[i, :len(r)] = torch.tensor(r)                 # right-padded responses
        mask[i, P - len(p):P + len(r)] = 1
    return DataProto.from_dict(
        tensors={"prompts": prompts_t, "responses": resp_t, "attention_mask": mask,
                 "input_ids": torch.cat([prompts_t, resp_t], 1)},
        non_tensors={"data_source": np.array(["tool_reflect_open"] * len(gts), dtype=object),
                     "reward_model": np.array([{"style": "rule", "ground_truth": g} for g in gts],
                                              dtype=object),
                     "extra_info": np.array([{"perturbation": k} for k in kinds], dtype=object)})


def test_reward_loop_worker_end_to_end(tokenizer_dir):
    from verl.experimental.reward_loop.reward_loop import RewardLoopWorker

    worker = RewardLoopWorker(_config(tokenizer_dir))
    manager = worker.reward_manager
    assert type(manager).__name__ == "ToolReflectRewardManager"
    tok = worker.input_tokenizer
    gts = [render_target(it, "qwen") for it in ITEMS]
    responses = [gts[0], render_calls(ITEMS[1].ground_truth.calls, "qwen"),
                 render_calls(ITEMS[2].failed_calls, "qwen"), "", gts[4] + "<tool_call>{x", gts[5]]
    data = _data_proto(tok, ["user: fix the call"] * 6, responses, gts,
                       [it.perturbation for it in ITEMS])
    outputs = asyncio.run(worker.compute_score_batch(data))
    scores = [o["reward_score"] for o in outputs]
    assert scores[0] == 1.0 and scores[5] == 1.0
    assert 0.8 < scores[1] < 1.0          # right call, no reflection: 0.854 territory
    assert scores[2] == scores[3] == scores[4] == 0.0
    keys = {frozenset(o["reward_extra_info"]) for o in outputs}
    assert len(keys) == 1                 # the same scalar keys for every sample
    info = outputs[0]["reward_extra_info"]
    assert info[f"type_{ITEMS[0].perturbation}"] == 1.0 and "S" in info and "F" in info
    assert manager.batcher.batches and max(manager.batcher.batches) > 1  # micro-batched
    rm = type(manager).assemble_rm_scores(data, scores)
    P = data.batch["prompts"].shape[1]
    last = data.batch["attention_mask"][:, P:].sum(1) - 1
    for i, s in enumerate(scores):
        row = rm[i]
        assert row[last[i]] == pytest.approx(s)
        assert torch.count_nonzero(row) == (1 if s else 0)


@pytest.mark.slow
def test_reward_loop_worker_in_ray(tokenizer_dir):
    import ray
    from verl.experimental.reward_loop.reward_loop import RewardLoopWorker

    ray.init(num_cpus=2, include_dashboard=False, ignore_reinit_error=True,
             runtime_env={"env_vars": {"TOKENIZERS_PARALLELISM": "false"}})
    try:
        actor = ray.remote(RewardLoopWorker).remote(_config(tokenizer_dir))
        gts = [render_target(it, "qwen") for it in ITEMS]
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(tokenizer_dir)
        data = _data_proto(tok, ["p"] * len(gts), gts, gts, [it.perturbation for it in ITEMS])
        outputs = ray.get(actor.compute_score_batch.remote(data), timeout=300)
        assert [o["reward_score"] for o in outputs] == [1.0] * len(gts)
    finally:
        ray.shutdown()
