"""Reward throughput on 512 completions with the embedding backend.

Prints (a) raw sentence-transformers encode throughput for exactly the distinct texts the
batch must embed, (b) score_batch throughput and its ratio to (a) (target >= 0.8), and
(c) the same samples scored one at a time with fresh caches (target: batch >= 5x faster).

    python benchmarks/bench_reward.py
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tool_reflect.formats import render_calls, render_target
from tool_reflect.io import read_items
from tool_reflect.reward import RewardScorer

ROOT = Path(__file__).resolve().parents[1]
PHRASES = ["the id was invented", "the argument had the wrong type", "I called it too early",
           "the value must come from the search result", "this duplicated a finished call",
           "the date format was wrong", "a required key was missing"]


def samples(n: int = 512, seed: int = 0) -> tuple[list[str], list[str]]:
    items = read_items(ROOT / "data" / "tool_reflect_open" / "test.jsonl")
    rng = random.Random(seed)
    comps, gts = [], []
    for _ in range(n):
        it = rng.choice(items)
        gt = render_target(it, "qwen")
        words = " ".join(rng.sample(PHRASES, 3))
        comps.append(f"<reflect>{words}. {rng.randrange(10**6)}</reflect>\n"
                     + render_calls(it.ground_truth.calls, "qwen"))
        gts.append(gt)
    return comps, gts


def main() -> None:
    comps, gts = samples()
    scorer = RewardScorer("embedding")
    scorer.score_batch(comps[:8], gts[:8])  # warm up the model
    scorer.sim.cache.clear()
    texts: list[list[str]] = []
    orig = scorer.sim.model.encode

    def spy(t, *a, **k):
        texts.append(list(t))
        return orig(t, *a, **k)

    scorer.sim.model.encode = spy
    t0 = time.perf_counter()
    scorer.score_batch(comps, gts)
    batch_s = time.perf_counter() - t0
    scorer.sim.model.encode = orig
    distinct = sorted({x for call in texts for x in call})
    t0 = time.perf_counter()
    orig(distinct, batch_size=scorer.sim.batch_size, convert_to_numpy=True,
         normalize_embeddings=True, show_progress_bar=False)
    raw_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for c, g in zip(comps, gts, strict=True):
        scorer.sim.cache.clear()
        scorer.score(c, g)
    single_s = time.perf_counter() - t0
    raw_tps, batch_tps = len(distinct) / raw_s, len(distinct) / batch_s
    print(f"distinct texts to embed: {len(distinct)} (encode calls in the batch: {len(texts)})")
    print(f"(a) raw encode: {raw_tps:,.0f} texts/s ({raw_s:.2f} s)")
    print(f"(b) score_batch(512): {batch_s:.2f} s = {512 / batch_s:,.0f} samples/s, "
          f"{batch_tps:,.0f} texts/s; ratio to raw {batch_tps / raw_tps:.2f} (target >= 0.8)")
    print(f"(c) one at a time: {single_s:.2f} s; batch is {single_s / batch_s:.1f}x faster "
          f"(target >= 5x)")
    lex = RewardScorer("lexical")
    t0 = time.perf_counter()
    lex.score_batch(comps, gts)
    print(f"lexical backend: {512 / (time.perf_counter() - t0):,.0f} samples/s")


if __name__ == "__main__":
    main()
