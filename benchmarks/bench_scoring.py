"""Parser + matcher throughput on realistic completions, and worst cases on 1 MB inputs.

Targets: >= 20,000 completions/s in one process; every 1 MB adversarial input parsed and
scored in < 50 ms; time linear in input size (each doubling <= 2.3x the time), shown per
adversarial family at 125 KB / 250 KB / 500 KB / 1 MB, plus the slowest input a random
search over family mixes finds.

    python benchmarks/bench_scoring.py [--n 20000]

Times are CPU time of this (single-threaded) process, so other jobs on the machine do not
inflate them; ours and the naive scorer run alternately, 500 pairs at a time, each
first on every other chunk.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tool_reflect import json_values  # noqa: E402
from tool_reflect.formats import render_calls, render_target  # noqa: E402
from tool_reflect.formats.original_files import read_dataset  # noqa: E402
from tool_reflect.io import read_items  # noqa: E402
from tool_reflect.scoring import score_attempt  # noqa: E402

ORIGINAL = ROOT / "tests" / "fixtures" / "original"
_clock = time.process_time  # CPU time of this process: other load on the machine adds nothing


def load_items():
    """The real Qwen records in the repository (first, spread and further samples)."""
    items = []
    for name in ("reference", "spread", "more"):
        items += read_dataset(ORIGINAL / f"{name}_sample_qwen.jsonl", "qwen")
    return items or read_items(ROOT / "tests" / "fixtures" / "canonical_items.jsonl")


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
        "dense arrays past the window": ('{"name": "f", "arguments": {"x": [' + "1," * 4090
                                         + "}}\n") * (mb // 8220),
        "dense tagged blocks, malformed": ('<tool_call>{"name": "f", "arguments": {"x": ['
                                           + "1," * 4000 + "}}</tool_call>\n") * (mb // 8060),
        "dense valid calls past the window": ('{"name": "f", "arguments": {"x": [' + "1," * 4000
                                              + "1]}}\n") * (mb // 8040),
        "unterminated long strings": ('{"name": "f", "arguments": {"x": "' + "y" * 9000)
                                     * (mb // 9035),
    }


_THINK = re.compile(r"<think>.*?</think>", re.S)
_BLOCK = re.compile(r"<tool_call>(.*?)</tool_call>", re.S)
_LLAMA = re.compile(r"\[.*?\]", re.S)


def naive_calls(text: str) -> set:
    """The original release's scorer as SPEC 2 describes it (its defects included): regex
    blocks (or bracket runs), calls as a set of (name, sorted argument items)."""
    text = _THINK.sub("", text)
    blocks = _BLOCK.findall(text) or _LLAMA.findall(text)
    out = set()
    for b in blocks:
        value = json.loads(b)
        for v in value if isinstance(value, list) else [value]:
            args = v.get("arguments", v.get("parameters", {}))
            out.add((v["name"], tuple(sorted(args.items()))))
    return out


def naive_pass(gold: str, completion: str) -> bool:
    try:
        return naive_calls(completion) == naive_calls(gold)
    except Exception:  # unhashable list/dict arguments, bad JSON: the original scored 0
        return False


def side_by_side(pairs, golds, chunk: int = 500) -> tuple[float, float, int, int]:
    """CPU seconds of our scorer and of the naive one on the same pairs, alternating in
    chunks so that both see the same machine state; and how many each passed. Which one
    runs first swaps from chunk to chunk: the second finds the chunk's texts in cache."""
    ours = naive = 0.0
    passed = naive_ok = 0
    for k, i in enumerate(range(0, len(pairs), chunk)):
        part = pairs[i:i + chunk]
        for ours_now in ((True, False) if k % 2 == 0 else (False, True)):
            t0 = _clock()
            if ours_now:
                passed += sum(score_attempt(it, text).passed for it, text in part)
                ours += _clock() - t0
            else:
                naive_ok += sum(naive_pass(golds[id(it)], text) for it, text in part)
                naive += _clock() - t0
    return ours, naive, passed, naive_ok


def families() -> dict[str, object]:
    """Adversarial families as ``size -> text`` makers (the tag floods once cost O(n^2))."""
    call = '{"name": "f", "arguments": {"x": 1}}'

    def rep(unit: str, tail: str = ""):
        return lambda n: unit * (n // len(unit)) + tail

    def noise(encoding: str):
        return lambda n: random.Random(n).randbytes(n).decode(encoding, "surrogateescape"
                                                              if encoding == "utf-8" else "strict")

    return {
        "<tool_call>\\n flood": rep("<tool_call>\n", "</tool_call>"),
        "<tool_call>{ flood": rep("<tool_call>{", "</tool_call>"),
        "<TOOL_CALL> flood": rep("<TOOL_CALL>", "</tool_call>"),
        "unclosed valid calls": rep("<tool_call>" + call + "\n"),
        "<tool_call> + junk": rep("<tool_call>junk ", "</tool_call>"),
        "random bytes utf-8": noise("utf-8"),
        "random bytes latin-1": noise("latin-1"),
        "'{\"name\": ' runs": rep('{"name": '),
        "llama call starts": rep('[{"name": "f", "parameters": {"x": ['),
        "tag soup": rep("<reflect><think><final>```</tool_call><tool_call>"),
        "fences": rep("```"),
    }


def scaling(item) -> float:
    """Time each family at 125 KB .. 1 MB; return the worst doubling ratio."""
    worst_ratio = 0.0
    for name, make in families().items():
        times = []
        for kb in (125, 250, 500, 1000):
            text = make(kb * 1000)
            times.append(_best_of(item, text))
        ratios = [b / a for a, b in zip(times, times[1:], strict=False) if a > 1e-4]
        worst_ratio = max([worst_ratio] + ratios)
        print(f"scaling {name:<24} " + "  ".join(f"{t * 1000:6.1f}" for t in times)
              + " ms   doubling ratios " + " ".join(f"{r:.2f}" for r in ratios))
    return worst_ratio


def _best_of(item, text: str, reps: int = 3) -> float:
    best = float("inf")
    for _ in range(reps):
        t0 = _clock()
        score_attempt(item, text)
        best = min(best, _clock() - t0)
    return best


def random_search(item, tries: int, seed: int = 0) -> tuple[float, str]:
    """Slowest 1 MB input among random mixes of the families' units."""
    rng = random.Random(seed)
    units = ["<tool_call>", "</tool_call>", "<TOOL_CALL>", "{", "[", '{"name": ', '"', "\\",
             "<reflect>", "</reflect>", "<think>", "<final>", "```", "\n", "junk ",
             '{"name": "f", "arguments": {"x": 1}}', "</think>", "]", "}"]
    worst, worst_desc = 0.0, ""
    for _ in range(tries):
        pick = rng.sample(units, rng.randint(1, 4))
        unit = "".join(pick)
        text = unit * ((1 << 20) // len(unit))
        t = _best_of(item, text, reps=1)
        if t > worst:
            worst, worst_desc = t, repr(unit)[:60]
    return worst, worst_desc


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--tries", type=int, default=200, help="random-search inputs")
    ap.add_argument("--no-compiled", action="store_true",
                    help="decode with the json module only (as without msgspec, e.g. on PyPy)")
    args = ap.parse_args()
    if args.no_compiled:
        json_values._COMPILED = None
    print("fast-path JSON decoder: " + ("json module" if json_values._COMPILED is None
                                        else "msgspec (compiled)"))
    items = load_items()
    pairs = realistic(items, args.n)
    sizes = [len(t.encode()) for _, t in pairs]
    golds = {id(it): render_target(it, "qwen") for it, _ in pairs}
    ours, naive, passed, naive_ok = side_by_side(pairs, golds)
    rate, naive_rate = len(pairs) / ours, len(pairs) / naive
    print(f"realistic: {len(pairs)} completions, mean {sum(sizes) / len(sizes) / 1024:.2f} KB "
          f"(min {min(sizes)} B, max {max(sizes)} B), {passed} passed")
    print(f"throughput: {rate:,.0f} completions/s  (target >= 20,000: "
          f"{'OK' if rate >= 20000 else 'MISSED'}; ratio {rate / 20000:.2f})")
    print(f"naive regex-and-set scorer (the original's method, defects included) on the same "
          f"pairs: {naive_rate:,.0f} completions/s, {naive_ok} passed; ours/naive = "
          f"{rate / naive_rate:.2f}x (parity target 1.0: {'OK' if rate >= naive_rate else 'MISSED'})")
    for label, keep in (("passing", True), ("failing", False)):
        part = [p for p in pairs if score_attempt(*p).passed is keep]
        o, n, _, _ = side_by_side(part, golds)
        print(f"  {label} attempts ({len(part)}): ours {o / len(part) * 1e6:.1f} us, naive "
              f"{n / len(part) * 1e6:.1f} us, ours/naive = {n / o:.2f}x")
    for fmt in ("qwen", "llama"):  # the naive scorer's own format is Qwen's tags
        part = [p for p in pairs if ("<tool_call>" in p[1]) is (fmt == "qwen")]
        o, n, _, _ = side_by_side(part, golds)
        print(f"  {fmt}-format completions ({len(part)}): ours {len(part) / o:,.0f}/s, naive "
              f"{len(part) / n:,.0f}/s, ours/naive = {n / o:.2f}x")
    gt_item = items[0]
    worst = 0.0
    for name, text in adversarial().items():
        t0 = _clock()
        v = score_attempt(gt_item, text)
        ms = (_clock() - t0) * 1000
        worst = max(worst, ms)
        print(f"adversarial {name:<28} {len(text) / 1e6:5.2f} MB  {ms:7.1f} ms  "
              f"errors={len(v.errors)}")
    ratio = scaling(gt_item)
    slow, desc = random_search(gt_item, args.tries)
    worst = max(worst, slow * 1000)
    print(f"random search ({args.tries} mixes, 1 MB): slowest {slow * 1000:.1f} ms for {desc}")
    print(f"worst adversarial case: {worst:.1f} ms (target < 50 ms: "
          f"{'OK' if worst < 50 else 'MISSED'}); worst doubling ratio {ratio:.2f} "
          f"(target <= 2.3: {'OK' if ratio <= 2.3 else 'MISSED'})")
    print(json.dumps({"completions_per_s": round(rate), "naive_per_s": round(naive_rate), "worst_adversarial_ms": round(worst, 1),
                      "worst_doubling_ratio": round(ratio, 2)}))


if __name__ == "__main__":
    main()
