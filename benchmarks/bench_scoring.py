"""Parser + matcher throughput on realistic completions, and worst cases on 1 MB inputs.

Targets (issue 2): >= 20,000 completions/s in one process; every 1 MB adversarial input
parsed and scored in < 50 ms.

    python benchmarks/bench_scoring.py [--n 20000]
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

from tool_reflect.formats import render_calls, render_target  # noqa: E402
from tool_reflect.formats.original_files import read_dataset  # noqa: E402
from tool_reflect.io import read_items  # noqa: E402
from tool_reflect.scoring import score_attempt  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "reference_sample_qwen.jsonl"


def load_items():
    if SHARED.exists():
        return read_dataset(SHARED, "qwen")
    return read_items(ROOT / "tests" / "fixtures" / "canonical_items.jsonl")


def realistic(items, n: int, seed: int = 0):
    """(item, completion) pairs of 1-3 KB: right answers, wrong arguments, extra calls,
    Llama style, reflections of varying length."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        it = rng.choice(items)
        fmt = rng.choice(["qwen", "llama"])
        kind = rng.random()
        text = render_target(it, fmt)
        if kind < 0.3:
            calls = [c for c in it.failed_calls]
            text = f"<reflect>{(it.ground_truth.reflection or '')[:800]}</reflect>\n\n" + render_calls(calls, fmt)
        elif kind < 0.4:
            text += "\n" + render_calls(it.ground_truth.calls[:1], fmt)
        pairs.append((it, text))
    return pairs


def adversarial() -> dict[str, str]:
    mb = 1 << 20
    call = '{"name": "f", "arguments": {"x": 1}}'
    return {
        "deep [ nesting": "[" * mb,
        "deep { nesting": '{"name": ' * (mb // 9),
        "unclosed <tool_call> x many": "<tool_call>" * (mb // 11),
        "unclosed <tool_call>{ x many": "<tool_call>{" * (mb // 12),
        "open/close soup": ("<tool_call>" + call + "</tool_call" + ">oops<tool_call>") * (mb // 70),
        "brace runs": "{" * (mb // 2) + "}" * (mb // 2),
        "llama call starts": '[{"name": "f", "parameters": {"x": [' * (mb // 36),
        "unclosed strings": '[{"name": "' * (mb // 11),
        "thousands of tags": "<reflect><think><final>```" * (mb // 25),
        "unclosed think": "<think>" + "x" * mb,
        "many valid calls": (call + "\n") * (mb // 38),
        "quoted calls in reflection": "<reflect>" + (call + " ") * (mb // 38) + "</reflect>",
        "backslashes and quotes": '<tool_call>{"name": "' + '\\"' * (mb // 2) + "</tool_call>",
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    args = ap.parse_args()
    items = load_items()
    pairs = realistic(items, args.n)
    sizes = [len(t.encode()) for _, t in pairs]
    t0 = time.perf_counter()
    passed = sum(score_attempt(it, text).passed for it, text in pairs)
    dt = time.perf_counter() - t0
    rate = len(pairs) / dt
    print(f"realistic: {len(pairs)} completions, mean {sum(sizes) / len(sizes) / 1024:.2f} KB "
          f"(min {min(sizes)} B, max {max(sizes)} B), {passed} passed")
    print(f"throughput: {rate:,.0f} completions/s  (target >= 20,000: "
          f"{'OK' if rate >= 20000 else 'MISSED'}; ratio {rate / 20000:.2f})")
    gt_item = items[0]
    worst = 0.0
    for name, text in adversarial().items():
        t0 = time.perf_counter()
        v = score_attempt(gt_item, text)
        ms = (time.perf_counter() - t0) * 1000
        worst = max(worst, ms)
        print(f"adversarial {name:<28} {len(text) / 1e6:5.2f} MB  {ms:7.1f} ms  "
              f"errors={len(v.errors)}")
    print(f"worst adversarial case: {worst:.1f} ms (target < 50 ms: "
          f"{'OK' if worst < 50 else 'MISSED'})")
    print(json.dumps({"completions_per_s": round(rate), "worst_adversarial_ms": round(worst, 1)}))


if __name__ == "__main__":
    main()
