"""Generation throughput: 10,000 items in one process (target < 10 s).

    python benchmarks/bench_generate.py [--n 10000]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tool_reflect.gen.catalogue import load_catalogue
from tool_reflect.gen.generator import GenerationReport, generate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10000)
    args = ap.parse_args()
    t0 = time.perf_counter()
    domains = load_catalogue()
    report = GenerationReport()
    items = generate(domains, args.n, seed=0, balance=False, report=report)
    dt = time.perf_counter() - t0
    print(f"generated {len(items)} items in {dt:.2f} s ({len(items) / dt:,.0f} items/s), "
          f"target < 10 s: {'OK' if dt < 10 else 'MISSED'}; types {dict(Counter(i.perturbation for i in items))}; "
          f"skipped {sum(report.skipped.values())}")


if __name__ == "__main__":
    main()
