"""Reward and metric agree: on fuzzed (completion, ground truth) pairs, ``s_call == 1`` iff
the benchmark's strict verdict passes, and ``R == 1`` only for a strict pass.

Pairs: ground truths of 0-3 calls (repeated names, list/dict/number/bool values, optional
final answer) and completions made from them by reordering, duplicating, dropping calls,
changing a value's type or content, adding a malformed block, quoting calls in prose or a
second reflect block, or switching call style.

    python benchmarks/bench_agreement.py [--n 100000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tool_reflect.parsing import parse_output  # noqa: E402
from tool_reflect.reward import RewardScorer  # noqa: E402
from tool_reflect.scoring import verdict  # noqa: E402

VALUES = [1, 1.0, "1", True, None, [1, 2], [2, 1], {"a": 1}, {"a": [1]}, "x", "X ", 0, -1]


def call(rng: random.Random) -> dict:
    keys = rng.sample(["a", "b", "c"], rng.randint(0, 2))
    return {"name": rng.choice(["f", "g", "F"]), "arguments": {k: rng.choice(VALUES) for k in keys}}


def block(c: dict, style: str) -> str:
    if style == "llama":
        return json.dumps([{"name": c["name"], "parameters": c["arguments"]}])
    return "<tool_call>\n" + json.dumps(c) + "\n</tool_call>"


def text(reflect: str, calls: list[dict], style: str, final: str | None = None,
         extra: str = "") -> str:
    out = f"<reflect>{reflect}</reflect>\n\n" + "\n".join(block(c, style) for c in calls)
    if final is not None:
        out += f"\n<final>{final}</final>"
    return out + extra


def mutate(rng: random.Random, gold: list[dict]) -> tuple[list[dict], str, str]:
    calls = [json.loads(json.dumps(c)) for c in gold]
    extra, style = "", "qwen"
    kind = rng.randrange(10)
    if kind == 0 and len(calls) > 1:
        rng.shuffle(calls)
    elif kind == 1 and calls:
        calls.append(rng.choice(calls))
    elif kind == 2 and calls:
        calls.pop(rng.randrange(len(calls)))
    elif kind == 3 and calls and calls[0]["arguments"]:
        k = next(iter(calls[0]["arguments"]))
        calls[0]["arguments"][k] = rng.choice(VALUES)
    elif kind == 4:
        extra = "\n<tool_call>{oops</tool_call>"
    elif kind == 5 and calls:
        extra = f"\nEarlier I tried {json.dumps(calls[0])} which failed."
    elif kind == 6:
        extra = f"\n<reflect>again: {block(call(rng), 'qwen')}</reflect>"
    elif kind == 7:
        calls.append(call(rng))
    return calls, extra, style


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    comps, golds = [], []
    for _ in range(args.n):
        gold = [call(rng) for _ in range(rng.randint(0, 3))]
        final = "done" if rng.random() < 0.2 else None
        calls, extra, style = mutate(rng, gold)
        golds.append(text("why", gold, "qwen", final))
        comps.append(text("why", calls, style, final, extra))
    scorer = RewardScorer(similarity="lexical")
    t0 = time.perf_counter()
    results = scorer.score_batch(comps, golds)
    dt = time.perf_counter() - t0
    s_call_disagree = r1_not_pass = passes = 0
    for c, g, r in zip(comps, golds, results, strict=True):
        passed = verdict(parse_output(c), parse_output(g).calls).passed
        passes += passed
        s_call_disagree += (r.breakdown["s_call"] == 1.0) != passed
        r1_not_pass += r.score >= 1.0 - 1e-9 and not passed
    print(f"{args.n} fuzzed pairs, {passes} strict passes, reward in {dt:.1f} s "
          f"({args.n / dt:,.0f} pairs/s, lexical)")
    print(f"s_call == 1 <=> strict pass: {s_call_disagree} disagreements (target 0)")
    print(f"R == 1 without a strict pass: {r1_not_pass} (target 0)")
    print(json.dumps({"pairs": args.n, "s_call_disagreements": s_call_disagree,
                      "full_reward_without_pass": r1_not_pass}))


if __name__ == "__main__":
    main()
