"""Executed acceptance on the bundled BFCL items (needs bfcl-eval; see tool_reflect.execution).

Prints: ground truth passes exact and executed scoring on 100% of items; generated
equivalent alternatives are accepted by execution (target >= 95%) and by exact match only
when they equal the ground truth as strings (target: none); >= 1,000 generated wrong
repairs are all rejected by execution (target 0 accepted); executed scoring cost per
attempt (target <= 5 ms, one core); bundle generation time and determinism (< 1 minute,
same bytes as the shipped bundle).

    python benchmarks/bench_bfcl.py [--limit N] [--skip-bundle]
"""

from __future__ import annotations

import argparse
import filecmp
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tool_reflect.execution import build_bundle, score_executed  # noqa: E402
from tool_reflect.execution.variants import alternatives, wrong_repairs  # noqa: E402
from tool_reflect.formats import render_calls  # noqa: E402
from tool_reflect.io import read_items  # noqa: E402
from tool_reflect.matching import call_key  # noqa: E402
from tool_reflect.records import RepairItem, ToolCall  # noqa: E402
from tool_reflect.scoring import score_attempt  # noqa: E402

BUNDLE = ROOT / "data" / "tool_reflect_bfcl"


def text(item: RepairItem, calls: list[ToolCall]) -> str:
    """A completion: the item's reflection, then the calls in Qwen form."""
    return f"<reflect>{item.ground_truth.reflection}</reflect>\n\n{render_calls(calls, 'qwen')}"


def ok(flag: bool) -> str:
    return "OK" if flag else "MISSED"


def ground_truth(items: list[RepairItem]) -> None:
    exact = sum(score_attempt(it, text(it, it.ground_truth.calls)).passed for it in items)
    executed = sum(score_executed(it, text(it, it.ground_truth.calls)).passed for it in items)
    state_only = sum(score_executed(it, text(it, it.ground_truth.calls)).state_only for it in items)
    print(f"ground truth: exact {exact}/{len(items)}, executed {executed}/{len(items)} "
          f"[{ok(exact == executed == len(items))}]; acceptance rests on state alone for "
          f"{state_only} items (no ground-truth result carries information)")


def equivalents(items: list[RepairItem]) -> None:
    kinds, accepted, exact_wrong, rejected = Counter(), Counter(), 0, Counter()
    for it in items:
        gold = sorted(call_key(c) for c in it.ground_truth.calls)
        for kind, calls in alternatives(it, random.Random(it.id)):
            kinds[kind] += 1
            v = score_executed(it, text(it, calls))
            accepted[kind] += v.passed
            if not v.passed:
                rejected[v.reasons[0]] += 1
            differs = sorted(call_key(c) for c in calls) != gold
            exact_wrong += differs and score_attempt(it, text(it, calls)).passed
    n, a = sum(kinds.values()), sum(accepted.values())
    print(f"equivalent alternatives: {n} ({dict(kinds)}); executed accepts {a} "
          f"({a / max(n, 1):.1%}) [{ok(a >= 0.95 * n)}]; exact accepts {exact_wrong} that differ "
          f"as strings [{ok(exact_wrong == 0)}]; per kind {dict(accepted)}"
          + (f"; rejections {dict(rejected.most_common(5))}" if rejected else ""))


def wrongs(items: list[RepairItem]) -> None:
    kinds, accepted, reasons, flagged, weak = Counter(), Counter(), Counter(), 0, Counter()
    for it in items:
        for kind, calls in wrong_repairs(it, random.Random(it.id)):
            kinds[kind] += 1
            v = score_executed(it, text(it, calls))
            accepted[kind] += v.passed
            weak[kind] += score_executed(it, text(it, calls), results="read_only").passed
            reasons[v.reasons[0].split(":")[0] if v.reasons else "accepted"] += 1
            flagged += "order:broken_order" in v.reasons
    n, a = sum(kinds.values()), sum(accepted.values())
    print(f"wrong repairs: {n} ({dict(kinds)}); executed accepts {a} "
          f"[{ok(n >= 1000 and a == 0)}]; first reasons {dict(reasons)}; broken-order swaps "
          f"flagged {flagged}/{kinds['broken_order']}; with results='read_only' (state alone for "
          f"state-changing calls) it would accept {sum(weak.values())} ({dict(+weak)})")


def cost(items: list[RepairItem]) -> None:
    texts = [(it, text(it, it.failed_calls)) for it in items] + \
            [(it, text(it, it.ground_truth.calls)) for it in items]
    for it, t in texts[:50]:
        score_executed(it, t)  # warm the per-recipe reference cache
    t0 = time.process_time()
    for it, t in texts:
        score_executed(it, t)
    warm = (time.process_time() - t0) / len(texts) * 1000
    print(f"executed scoring: {warm:.2f} ms per attempt (CPU time, one core, references "
          f"cached) [{ok(warm <= 5)}]")


def bundle() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        out = build_bundle(tmp, seed=0)
        dt = time.perf_counter() - t0
        same = all(filecmp.cmp(Path(tmp) / f, BUNDLE / f, shallow=False)
                   for f in ("test.jsonl.gz", "train.jsonl.gz", "README.md", "build_report.json"))
    sizes = {k: len(v) for k, v in out["splits"].items()}
    print(f"bundle generation: {dt:.1f} s {sizes} [{ok(dt < 60)}]; byte-identical to "
          f"{BUNDLE.relative_to(ROOT)}: {same} [{ok(same)}]")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=None, help="first N test items only")
    ap.add_argument("--skip-bundle", action="store_true")
    args = ap.parse_args()
    items = read_items(BUNDLE / "test.jsonl.gz")[:args.limit]
    print(f"{len(items)} bundled test items")
    ground_truth(items)
    equivalents(items)
    wrongs(items)
    cost(items)
    if not args.skip_bundle:
        bundle()


if __name__ == "__main__":
    main()
