#!/usr/bin/env bash
# Launch tool-reflect GSPO training with verl 0.9.1 (needs GPUs and verl[vllm] or verl[sglang]).
#   recipes/run.sh --model Qwen/Qwen2.5-7B-Instruct --prompt-format qwen|llama [--gpus 8] [--nnodes 1]
#                  [--config tool_reflect_gspo]
#                  [--train data/tool_reflect_open/train.jsonl.gz | --train-original PATH_OR_URL]
#                  [--ray-address ADDRESS] [extra Hydra overrides...]
# --prompt-format is required: the data's prompt format is never guessed from the model name.
# Multi-node: start Ray first (head: `ray start --head`; workers: `ray start --address HEAD:6379`),
# then run this script on the head with --nnodes N; it submits the job with `ray job submit`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
model="Qwen/Qwen2.5-7B-Instruct"; gpus=8; nnodes=1; config="tool_reflect_gspo"
train="data/tool_reflect_open/train.jsonl.gz"; train_original=""; fmt=""; ray_address=""
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --model) model="$2"; shift 2;;
    --gpus) gpus="$2"; shift 2;;
    --nnodes) nnodes="$2"; shift 2;;
    --config) config="$2"; shift 2;;
    --train) train="$2"; shift 2;;
    --train-original) train_original="$2"; shift 2;;
    --prompt-format) fmt="$2"; shift 2;;
    --ray-address) ray_address="$2"; shift 2;;
    *) extra+=("$1"); shift;;
  esac
done
case "$fmt" in
  qwen|llama) ;;
  "") echo "run.sh: --prompt-format is required (qwen or llama): the format the model was" \
           "tuned for, e.g. qwen for Qwen2.5/Qwen3, llama for Llama-3.1" >&2; exit 2;;
  *) echo "run.sh: --prompt-format must be qwen or llama, got '$fmt'" >&2; exit 2;;
esac
out="data/verl/${fmt}"; mkdir -p "$out"
if [[ -n "$train_original" ]]; then
  tool-reflect convert "$train_original" "$out/train_canonical.jsonl"
  train="$out/train_canonical.jsonl"
fi
tool-reflect export "$train" "$out/train.parquet" --to verl-parquet --prompt-format "$fmt"
tool-reflect export data/tool_reflect_open/test.jsonl "$out/test.parquet" --to verl-parquet --prompt-format "$fmt"
cmd=(python -m verl_ext.main --config-path "$here" --config-name "$config"
     actor_rollout_ref.model.path="$model"
     data.train_files="$out/train.parquet" data.val_files="$out/test.parquet"
     trainer.n_gpus_per_node="$gpus" trainer.nnodes="$nnodes"
     trainer.experiment_name="$(basename "$model")-${config}" "${extra[@]}")
if [[ "$nnodes" -gt 1 || -n "$ray_address" ]]; then
  ray job submit --address "${ray_address:-http://127.0.0.1:8265}" --working-dir . -- "${cmd[@]}"
else
  "${cmd[@]}"
fi
# Afterwards: python -m verl.model_merger merge --backend fsdp --local_dir CKPT/actor --target_dir merged
#             tool-reflect plot <trainer file-logger JSONL> --out reward.png
