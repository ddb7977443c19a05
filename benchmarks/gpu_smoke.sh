#!/usr/bin/env bash
# GPU smoke test: one real verl GSPO step (vLLM rollout, our reward manager, LoRA) and one TRL
# GSPO step, both on SmolLM2-135M with a tiny batch. Needs one NVIDIA GPU and, besides
# `pip install -e ".[hf,train,embed,dev]" trl==1.16.0`, `pip install "verl[vllm]==0.9.1"`.
# UNTESTED: written against verl 0.9.1's config keys (they compose; see tests/test_recipes.py)
# on a machine without a GPU. Run from the repository root:  benchmarks/gpu_smoke.sh [OUT]
set -euo pipefail
out="${1:-runs/gpu_smoke}"; mkdir -p "$out"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
model="$(tool-reflect prepare-model)"
fmt=qwen   # SmolLM2's chat template is ChatML; the qwen text format keeps tool schemas in the system text
python - <<'PY'
import importlib.metadata as m
for p in ("torch", "vllm", "verl", "trl", "transformers", "peft"):
    try: print(f"{p} {m.version(p)}")
    except m.PackageNotFoundError: print(f"{p} missing")
PY

echo "== verl: 1 GSPO step, vLLM rollout, tool_reflect reward manager, LoRA r8 =="
tool-reflect export data/tool_reflect_open/train.jsonl.gz "$out/train.parquet" --to verl-parquet --prompt-format "$fmt"
tool-reflect export data/tool_reflect_open/test.jsonl "$out/test.parquet" --to verl-parquet --prompt-format "$fmt"
export VERL_FILE_LOGGER_PATH="$out/verl_log.jsonl"
timeout 1800 python -m verl_ext.main --config-path "$PWD/recipes" --config-name tool_reflect_gspo \
  actor_rollout_ref.model.path="$model" \
  data.train_files="$out/train.parquet" data.val_files="$out/test.parquet" \
  data.train_batch_size=2 actor_rollout_ref.rollout.n=2 actor_rollout_ref.actor.ppo_mini_batch_size=2 \
  data.max_response_length=128 \
  actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=2 \
  actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=2 \
  actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu=2 \
  actor_rollout_ref.rollout.name=vllm actor_rollout_ref.rollout.tensor_model_parallel_size=1 \
  actor_rollout_ref.rollout.gpu_memory_utilization=0.4 actor_rollout_ref.rollout.enforce_eager=true \
  algorithm.filter_groups.enable=false \
  trainer.n_gpus_per_node=1 trainer.nnodes=1 trainer.total_training_steps=1 \
  trainer.val_before_train=false trainer.test_freq=-1 trainer.save_freq=-1 \
  trainer.default_local_dir="$out/verl_ckpt" trainer.experiment_name=gpu_smoke \
  tool_reflect.similarity=embedding tool_reflect.device=cuda 2>&1 | tee "$out/verl.log" | tail -40
python - "$out/verl_log.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
keys = sorted({k for r in rows for k in r["data"]})
print(f"verl ran {len(rows)} step(s); reward metrics:", [k for k in keys if "score" in k or "tool_reflect" in k][:12])
print("pg_clipfrac", [r["data"].get("actor/pg_clipfrac") for r in rows])
PY

echo "== TRL: 1 GSPO step on the GPU (same recipe file) =="
timeout 900 python recipes/trl/gspo.py --model "$model" --prompt-format "$fmt" --out "$out/trl" \
  --prompts 2 --order shortest --max-steps 1 --micro-batch 4 \
  --set data.train_batch_size=2 --set actor_rollout_ref.rollout.n=2 \
  --set actor_rollout_ref.actor.ppo_mini_batch_size=2 --set data.max_response_length=128 \
  --set actor_rollout_ref.actor.optim.lr_warmup_steps_ratio=0.0
python - "$out/trl/trainer_state.json" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))["log_history"][0]
print({k: h[k] for k in ("loss", "grad_norm", "reward", "frac_reward_zero_std", "signal/nonzero_var_share",
                         "reward/s_call", "clip_ratio/region_mean") if k in h})
PY
echo "gpu_smoke: done ($out)"
