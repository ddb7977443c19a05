"""Fuzz the verdict: no input escapes an exception or needs the internal-failure fallback, and
the verdict's invariants hold.

Inputs: random bytes in several decodings, tag soup, mutated real completions, huge numbers,
deep nesting, lone surrogates and non-text values. Counted: escaped exceptions, caught
internal failures (``format:parser_failure``, ``scoring_failure:*``), invariant breaks
(calls are a name and an object; a pass has partial 1; a strict pass is a lenient pass), and
disagreements between the parser's fast path (well-formed shapes) and the full parser on
every input the fast path reads.

    python benchmarks/bench_fuzz.py [--n 1000000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tool_reflect.formats import render_target  # noqa: E402
from tool_reflect.formats.original_files import read_dataset  # noqa: E402
from tool_reflect.parsing import ParsedOutput, _fast_parse, _parse_into, parse_output  # noqa: E402
from tool_reflect.scoring import score_attempt  # noqa: E402

TOKENS = ["<tool_call>", "</tool_call>", "<TOOL_CALL>", "<reflect>", "</reflect>", "<think>",
          "</think>", "<final>", "</final>", "```", "{", "}", "[", "]", '"', "\\", ":", ",",
          '{"name": ', '"arguments": ', '"parameters": ', "null", "1e999", "-0", "\n", " ",
          "\udcff", "\ud800", "İ", "é", "9" * 50]


def items() -> list:
    folder = ROOT / "tests" / "fixtures" / "original"
    return [it for name in ("reference", "spread", "more")
            for it in read_dataset(folder / f"{name}_sample_qwen.jsonl", "qwen")]


def random_bytes(rng: random.Random) -> str:
    data = rng.randbytes(rng.randint(0, 400))
    encoding = rng.choice(["utf-8", "latin-1", "utf-16", "cp1252"])
    return data.decode(encoding, "surrogateescape" if encoding == "utf-8" else "replace")


def tag_soup(rng: random.Random) -> str:
    return "".join(rng.choice(TOKENS) for _ in range(rng.randint(0, 60)))


def mutated(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 8)):
        op, i = rng.random(), rng.randrange(len(chars) + 1)
        if op < 0.4 and chars:
            del chars[min(i, len(chars) - 1)]
        elif op < 0.8:
            chars.insert(i, rng.choice(TOKENS))
        elif chars:
            j = rng.randrange(len(chars))
            chars[min(i, len(chars) - 1)], chars[j] = chars[j], chars[min(i, len(chars) - 1)]
    return "".join(chars)


def numbers_and_nesting(rng: random.Random) -> str:
    value = rng.choice(["9" * rng.randint(1, 6000), "-" + "1" * 5000, "1e400", "1.5e-400",
                        "[" * rng.randint(100, 1500) + "]" * rng.randint(0, 1500),
                        '"\\ud800"', '{"\\udcff": 1}'])
    return f'<tool_call>{{"name": "f", "arguments": {{"a": {value}}}}}</tool_call>'


NON_TEXT = [None, 0, 1.5, [], {}, {"content": None}, {"tool_calls": "x"},
            {"tool_calls": [{"function": {"name": "f", "arguments": "{"}}]}, b"bytes", ("t",)]


def make(rng: random.Random, golds: list[str]) -> object:
    kind = rng.random()
    if kind < 0.25:
        return random_bytes(rng)
    if kind < 0.5:
        return tag_soup(rng)
    if kind < 0.85:
        return mutated(rng, rng.choice(golds))
    if kind < 0.97:
        return numbers_and_nesting(rng)
    return rng.choice(NON_TEXT)


def check_fast_path(output: object, counts: Counter) -> None:
    """The fast path, where it answers, must equal the full parser."""
    fast = _fast_parse(output) if isinstance(output, str) else None
    if fast is None:
        return
    counts["fast_path_taken"] += 1
    full = ParsedOutput()
    _parse_into(full, output)
    if fast.summary() != full.summary():
        counts["fast_path_disagreements"] += 1
        if counts["fast_path_disagreements"] <= 3:
            print(f"fast path differs on {output!r:.100}")


def check(item, output, counts: Counter) -> None:
    strict = score_attempt(item, output, "strict")
    lenient = score_attempt(item, output, "lenient")
    errors = strict.errors + lenient.errors
    counts["internal_failures"] += any(e.startswith(("format:parser_failure", "scoring_failure"))
                                       for e in errors)
    counts["pass_not_partial_1"] += (strict.passed and strict.partial != 1.0) or (
        lenient.passed and lenient.partial != 1.0)
    counts["strict_not_lenient"] += strict.passed and not lenient.passed
    counts["bad_calls"] += not all(isinstance(c.name, str) and c.name and isinstance(c.arguments, dict)
                                   for c in parse_output(output).calls)
    counts["passed"] += strict.passed
    check_fast_path(output, counts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    pool = items()
    golds = [render_target(it, fmt) for it in pool for fmt in ("qwen", "llama")]
    counts: Counter = Counter()
    t0 = time.perf_counter()
    for i in range(args.n):
        item = pool[i % len(pool)]
        output = make(rng, golds)
        try:
            check(item, output, counts)
        except Exception as exc:  # what this benchmark exists to find
            counts["escaped_exceptions"] += 1
            if counts["escaped_exceptions"] <= 3:
                print(f"escaped: {type(exc).__name__}: {exc} on {output!r:.100}")
    dt = time.perf_counter() - t0
    print(f"{args.n:,} fuzzed inputs x 2 modes in {dt:.0f} s ({args.n / dt:,.0f}/s), "
          f"{counts['passed']} strict passes")
    keys = ("escaped_exceptions", "internal_failures", "pass_not_partial_1", "strict_not_lenient",
            "bad_calls", "fast_path_disagreements")
    for key in keys:
        print(f"{key}: {counts[key]} (target 0)")
    print(f"fast path taken on {counts['fast_path_taken']:,} inputs, each compared with the full parser")
    print(json.dumps({"inputs": args.n, "fast_path_taken": counts["fast_path_taken"],
                      **{k: counts[k] for k in keys}}))


if __name__ == "__main__":
    main()
