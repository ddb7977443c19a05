#!/usr/bin/env python
"""CPU demonstration (not a CI test): SmolLM2-135M, supervised warm start, then GSPO with TRL on
the real reward; a fixed held-out set of test items is evaluated before the warm start, after
it and after GSPO (mean reward with a 95% bootstrap interval, Repair@1, signal share).

    python benchmarks/bench_trl_cpu.py --out runs/bench_trl_cpu          # ~60 min on 2 cores
    python benchmarks/bench_trl_cpu.py --eval-items 2 --samples 2 --ws-steps 2 \
        --gspo-steps 1 --max-new-tokens 32 --out runs/bench_tiny          # plumbing check

Items with the shortest prompts are used (train for training, test for evaluation) to keep
CPU time down. Writes OUT/results.json and OUT/reward.png (from TRL's trainer_state.json).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

TRAIN = "data/tool_reflect_open/train.jsonl.gz"
TEST = "data/tool_reflect_open/test.jsonl"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="runs/bench_trl_cpu")
    p.add_argument("--eval-items", type=int, default=6)
    p.add_argument("--samples", type=int, default=4, help="samples per eval item (= group)")
    p.add_argument("--max-new-tokens", type=int, default=256)
    p.add_argument("--ws-prompts", type=int, default=32)
    p.add_argument("--ws-steps", type=int, default=30)
    p.add_argument("--ws-target", choices=["full", "calls"], default="full",
                   help="warm start on the whole ground truth, or on its calls only (shorter "
                   "outputs: fewer tokens to sample on CPU; the reward then lacks s_ref)")
    p.add_argument("--gspo-prompts", type=int, default=8)
    p.add_argument("--gspo-steps", type=int, default=4)
    p.add_argument("--gspo-batch", type=int, default=2, help="prompts per GSPO step (recipe: 4)")
    p.add_argument("--similarity", choices=["embedding", "lexical"], default="embedding")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args()


def evaluate(model_dir: str, adapters: list[str], args: argparse.Namespace, scorer: Any) -> dict:
    """Mean reward (95% bootstrap interval over items), Repair@1 and signal share."""
    from tool_reflect.metrics import bootstrap_ci
    from tool_reflect.training.sampling import load_policy
    from tool_reflect.training.signal_check import SignalCheck, check

    rep = check(SignalCheck(model=model_dir, data=TEST, prompt_format="qwen",
                            prompts=args.eval_items, group=args.samples, order="shortest",
                            max_new_tokens=args.max_new_tokens, seed=args.seed),
                scorer=scorer, policy=load_policy(model_dir, adapters))
    scores = [s["score"] for s in rep["samples"]]
    per_item = [statistics.fmean(scores[i:i + args.samples]) for i in range(0, len(scores), args.samples)]
    return {"mean_reward": statistics.fmean(scores), "ci95": bootstrap_ci(per_item),
            "repair_at_1": rep["repair_at_1"], "nonzero_var_share": rep["nonzero_var_share"],
            "failure_reasons": rep["failure_reasons"][:4]}


def main() -> int:
    args = parse_args()
    from tool_reflect.models import prepare_model
    from tool_reflect.plotting import plot_rewards
    from tool_reflect.reward import RewardScorer
    from tool_reflect.training.gspo import GspoRun, train
    from tool_reflect.training.warm_start import WarmStart, warm_start

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model = str(prepare_model())
    scorer = RewardScorer(similarity=args.similarity)
    res: dict[str, Any] = {"settings": vars(args), "timings_s": {}}
    t = time.time()
    res["base"] = evaluate(model, [], args, scorer)
    res["timings_s"]["eval_base"] = time.time() - t
    t = time.time()
    res["warm_start"] = warm_start(WarmStart(model=model, data=TRAIN, out=str(out / "warm"),
                                             prompt_format="qwen", prompts=args.ws_prompts,
                                             order="shortest", steps=args.ws_steps,
                                             target=args.ws_target, seed=args.seed))
    res["timings_s"]["warm_start"] = time.time() - t
    t = time.time()
    res["after_warm_start"] = evaluate(model, [str(out / "warm")], args, scorer)
    res["timings_s"]["eval_warm"] = time.time() - t
    t = time.time()
    run = GspoRun(model=model, data=TRAIN, out=str(out / "gspo"), prompt_format="qwen",
                  init_adapter=str(out / "warm"), prompts=args.gspo_prompts, order="shortest",
                  max_steps=args.gspo_steps, micro_batch=4, seed=args.seed,
                  overrides={"data.train_batch_size": args.gspo_batch,
                             "actor_rollout_ref.actor.ppo_mini_batch_size": args.gspo_batch,
                             "data.max_response_length": args.max_new_tokens})
    summary = train(run, scorer)
    res["gspo"] = {k: v for k, v in summary.items() if k != "log_history"}
    res["gspo"]["log"] = [{k: h.get(k) for k in ("step", "loss", "grad_norm", "reward",
                                                  "signal/nonzero_var_share", "kl")}
                          for h in summary["log_history"] if "loss" in h]
    res["timings_s"]["gspo"] = time.time() - t
    t = time.time()
    res["after_gspo"] = evaluate(model, [str(out / "warm"), summary["adapter"]], args, scorer)
    res["timings_s"]["eval_gspo"] = time.time() - t
    png, _, _ = plot_rewards(summary["trainer_state"], out / "reward.png")
    res["plot"] = str(png)
    (out / "results.json").write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    for stage in ("base", "after_warm_start", "after_gspo"):
        r = res[stage]
        print(f"{stage:17s} reward {r['mean_reward']:.3f} [{r['ci95'][0]:.3f}, {r['ci95'][1]:.3f}]"
              f"  Repair@1 {r['repair_at_1']:.3f}  signal share {r['nonzero_var_share']:.3f}")
    print(f"wrote {out / 'results.json'} and {png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
