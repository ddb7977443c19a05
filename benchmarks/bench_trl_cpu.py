#!/usr/bin/env python
"""CPU demonstration (not a CI test): SmolLM2-135M, supervised warm start, then GSPO with TRL on
the real reward; a fixed held-out set of test items is evaluated before the warm start, after
it and after GSPO (mean reward with a 95% bootstrap interval, Repair@1, signal share).

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/bench_trl_cpu.py \
        --out runs/bench_trl_cpu                 # the reported run (defaults)
    python benchmarks/bench_trl_cpu.py --eval-items 2 --samples 2 --ws-prompts 2 --ws-steps 2 \
        --gspo-pool 2 --no-filter --gspo-steps 1 --max-new-tokens 48 --out runs/bench_tiny   # plumbing

Items: the train / test items with the shortest prompts whose gold calls fit in
``--max-new-tokens`` (at most max_new_tokens - 8 tokens; an item whose answer cannot fit is
unsolvable by construction). The warm start trains on the calls of the first ``--ws-prompts``
train items; then the learning-signal check (``tool_reflect.training.signal_check``'s sampling,
recipe temperature/top_p, groups of ``--samples``) runs on the first ``--gspo-pool`` train items
with the warm-started model and GSPO trains only on the prompts whose group had non-zero reward
variance (verl's dynamic sampling done once, before training: TRL has no ``filter_groups``).
GSPO runs the recipe (``recipes/tool_reflect_gspo.yaml``) except the overrides listed in
``results.json`` (batch shape, response length, and the learning rate: ``--gspo-lr``,
default 1e-4 instead of the recipe's 1e-5).
Writes OUT/results.json and OUT/reward.png (from TRL's trainer_state.json).

Measured run time of the defaults: 43 min (2,587 s) with 1 torch thread on a 2-core machine
whose other core ran another job (evals 2.7-4 min each, warm start 6.2 min, signal check 3 min,
GSPO 23.8 min = 80-190 s a step); the plumbing check takes ~3 min.
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
MARGIN = 8  # tokens left after the gold calls (end of turn, whitespace)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="runs/bench_trl_cpu")
    p.add_argument("--eval-items", type=int, default=8, help="held-out test items")
    p.add_argument("--samples", type=int, default=4, help="samples per item (= group)")
    p.add_argument("--max-new-tokens", type=int, default=80)
    p.add_argument("--ws-prompts", type=int, default=8)
    p.add_argument("--ws-steps", type=int, default=20)
    p.add_argument("--ws-target", choices=["full", "calls"], default="calls",
                   help="warm start on the whole ground truth, or on its calls only (shorter "
                   "outputs: fewer tokens to sample on CPU; the reward then lacks s_ref)")
    p.add_argument("--gspo-pool", type=int, default=8,
                   help="train items screened by the signal check after the warm start")
    p.add_argument("--no-filter", action="store_true",
                   help="train GSPO on the whole pool (no signal-based selection)")
    p.add_argument("--gspo-steps", type=int, default=12)
    p.add_argument("--gspo-batch", type=int, default=1, help="prompts per GSPO step (recipe: 4)")
    p.add_argument("--gspo-lr", type=float, default=1e-4,
                   help="GSPO learning rate (the recipe's is 1e-5: with LoRA and a dozen steps it "
                   "barely moves the policy; pass 1e-5 for the recipe's value)")
    p.add_argument("--similarity", choices=["embedding", "lexical"], default="lexical")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args()


def fitting_rows(path: str, n: int, args: argparse.Namespace, tok: Any) -> list[dict[str, Any]]:
    """The ``n`` rows with the shortest prompts whose gold calls fit in max_new_tokens."""
    from tool_reflect.training import data as D

    limit = args.max_new_tokens - MARGIN
    rows = D.take(D.load_rows(path, "qwen"), None, "shortest", args.seed, tok, 4096)
    out = [r for r in rows[:400]
           if len(tok(D.target_text(r, "calls"))["input_ids"]) <= limit][:n]
    if len(out) < n:
        raise ValueError(f"only {len(out)} items of {path} have gold calls within {limit} tokens")
    return out


def write_subset(path: str, rows: list[dict[str, Any]], dest: Path) -> str:
    """The items of ``rows`` (in that order) as an items file the trainers can read."""
    from tool_reflect.io import read_items, write_items

    by_id = {it.id: it for it in read_items(path)}
    write_items(dest, [by_id[r["extra_info"]["item_id"]] for r in rows])
    return str(dest)


def sample(policy: Any, rows: list[dict[str, Any]], args: argparse.Namespace, scorer: Any) -> dict:
    """Groups of ``--samples`` at the recipe's temperature/top_p, scored; a signal report."""
    from tool_reflect.metrics import bootstrap_ci
    from tool_reflect.training.hparams import get, load_recipe
    from tool_reflect.training.sampling import sample_and_score
    from tool_reflect.training.signal import summarize

    cfg = load_recipe()
    model, tok = policy
    s = sample_and_score(model, tok, rows, args.samples, args.max_new_tokens,
                         float(get(cfg, "actor_rollout_ref.rollout.temperature")),
                         float(get(cfg, "actor_rollout_ref.rollout.top_p")), scorer, args.seed)
    rep = summarize(s.scores, [r.reason for r in s.results],
                    [r.breakdown["exact_match"] for r in s.results], args.samples)
    g = args.samples
    groups = [s.scores[i:i + g] for i in range(0, len(s.scores), g)]
    ids = [r["extra_info"]["item_id"] for r in rows]
    return {"mean_reward": statistics.fmean(s.scores),
            "ci95": bootstrap_ci([statistics.fmean(x) for x in groups]),
            "repair_at_1": rep["repair_at_1"], "nonzero_var_share": rep["nonzero_var_share"],
            "failure_reasons": rep["failure_reasons"][:4],
            "per_item": dict(zip(ids, groups, strict=True)),
            "completions_head": [c[:160] for c in s.completions[::g]]}


def main() -> int:
    args = parse_args()
    import torch

    torch.set_num_threads(args.threads)
    from tool_reflect.models import prepare_model
    from tool_reflect.plotting import plot_rewards
    from tool_reflect.reward import RewardScorer
    from tool_reflect.training.gspo import GspoRun, train
    from tool_reflect.training.sampling import load_policy
    from tool_reflect.training.warm_start import WarmStart, warm_start

    t0 = time.time()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model = str(prepare_model())
    scorer = RewardScorer(similarity=args.similarity)
    res: dict[str, Any] = {"settings": vars(args), "threads": torch.get_num_threads(),
                           "timings_s": {}}
    base = load_policy(model)
    test_rows = fitting_rows(TEST, args.eval_items, args, base[1])
    train_rows = fitting_rows(TRAIN, max(args.ws_prompts, args.gspo_pool), args, base[1])
    res["eval_items"] = [r["extra_info"]["item_id"] for r in test_rows]

    def timed(key: str, fn: Any) -> Any:
        t = time.time()
        value = fn()
        res["timings_s"][key] = round(time.time() - t, 1)
        print(f"[{time.time() - t0:7.1f}s] {key} done in {res['timings_s'][key]:.1f}s", flush=True)
        return value

    res["base"] = timed("eval_base", lambda: sample(base, test_rows, args, scorer))
    ws_data = write_subset(TRAIN, train_rows[:args.ws_prompts], out / "ws_items.jsonl")
    res["warm_start"] = timed("warm_start", lambda: warm_start(WarmStart(
        model=model, data=ws_data, out=str(out / "warm"), prompt_format="qwen", prompts=None,
        order="first", steps=args.ws_steps, target=args.ws_target, seed=args.seed)))
    warm = load_policy(model, [str(out / "warm")])
    res["after_warm_start"] = timed("eval_warm", lambda: sample(warm, test_rows, args, scorer))
    pool = train_rows[:args.gspo_pool]
    screen = timed("signal_check", lambda: sample(warm, pool, args, scorer))
    keep = [r for r in pool if args.no_filter
            or max(screen["per_item"][r["extra_info"]["item_id"]])
            - min(screen["per_item"][r["extra_info"]["item_id"]]) > 1e-9]
    res["signal_check"] = {k: v for k, v in screen.items() if k != "completions_head"}
    res["signal_check"]["kept"] = [r["extra_info"]["item_id"] for r in keep]
    if not keep:
        (out / "partial.json").write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
        raise SystemExit("no train prompt had reward variance after the warm start: GSPO would "
                         "get no gradient (results so far are in OUT/partial.json)")
    gspo_data = write_subset(TRAIN, keep, out / "gspo_items.jsonl")
    overrides: dict[str, Any] = {"data.train_batch_size": args.gspo_batch,
                                 "actor_rollout_ref.actor.ppo_mini_batch_size": args.gspo_batch,
                                 "actor_rollout_ref.rollout.n": args.samples,
                                 "data.max_response_length": args.max_new_tokens}
    overrides["actor_rollout_ref.actor.optim.lr"] = args.gspo_lr
    res["gspo_overrides"] = overrides
    run = GspoRun(model=model, data=gspo_data, out=str(out / "gspo"), prompt_format="qwen",
                  init_adapter=str(out / "warm"), prompts=None, order="first",
                  max_steps=args.gspo_steps, micro_batch=4, seed=args.seed, overrides=overrides)
    summary = timed("gspo", lambda: train(run, scorer))
    res["gspo"] = {k: v for k, v in summary.items() if k != "log_history"}
    keys = ("step", "loss", "grad_norm", "reward", "reward_std", "signal/nonzero_var_share",
            "frac_reward_zero_std", "kl", "learning_rate", "step_time")
    res["gspo"]["log"] = [{k: h.get(k) for k in keys} for h in summary["log_history"]
                          if "loss" in h]
    log = res["gspo"]["log"]
    if log:
        res["gspo"]["summary"] = {
            "steps_with_gradient": sum((h["grad_norm"] or 0) > 0 for h in log),
            "mean_reward": statistics.fmean(h["reward"] for h in log),
            "mean_reward_first_half": statistics.fmean(h["reward"] for h in log[:len(log) // 2 or 1]),
            "mean_reward_second_half": statistics.fmean(h["reward"] for h in log[len(log) // 2:]),
            "mean_grad_norm": statistics.fmean(h["grad_norm"] or 0 for h in log),
            "max_grad_norm": max(h["grad_norm"] or 0 for h in log),
            "mean_signal_share": statistics.fmean(h["signal/nonzero_var_share"] or 0 for h in log)}
    tuned = load_policy(model, [str(out / "warm"), summary["adapter"]])
    res["after_gspo"] = timed("eval_gspo", lambda: sample(tuned, test_rows, args, scorer))
    png, _, _ = plot_rewards(summary["trainer_state"], out / "reward.png")
    res["plot"] = str(png)
    res["timings_s"]["total"] = round(time.time() - t0, 1)
    (out / "results.json").write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    for stage in ("base", "after_warm_start", "after_gspo"):
        r = res[stage]
        print(f"{stage:17s} reward {r['mean_reward']:.3f} [{r['ci95'][0]:.3f}, {r['ci95'][1]:.3f}]"
              f"  Repair@1 {r['repair_at_1']:.3f}  signal share {r['nonzero_var_share']:.3f}")
    print(f"GSPO prompts kept {len(keep)}/{len(pool)}; {res['gspo'].get('summary')}")
    print(f"wrote {out / 'results.json'} and {png} ({res['timings_s']['total']:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
