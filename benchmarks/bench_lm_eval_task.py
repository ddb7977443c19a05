"""Per-item overhead of the lm-eval task itself (no model): loading, prompt rendering,
request construction and result processing, plus the start-up hook's cost per interpreter.

    python benchmarks/bench_lm_eval_task.py [--items 1000] [--data FILE]

Without ``--data`` it builds a 1000-item canonical file by repeating the shared Qwen
reference sample (or the test fixture) with fresh ids. Target: < 1 ms per item for
render + requests + scoring (5 samples), the task's own work on every item.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "data" / "reference_sample_qwen.jsonl"
FIXTURE = ROOT / "tests" / "fixtures" / "lm_eval_open_sample.jsonl"


def build_data(n: int, out: Path) -> Path:
    from tool_reflect.formats.original_files import read_dataset
    from tool_reflect.io import write_items

    base = read_dataset(SHARED if SHARED.exists() else FIXTURE)
    items = []
    for i in range(n):
        it = base[i % len(base)]
        clone = type(it).from_dict({**it.to_dict(), "id": f"bench-{i:05d}"})
        items.append(clone)
    write_items(out, items)
    return out


def per_item(fn, items: list, repeat: int = 3) -> float:
    """Best-of-``repeat`` mean seconds per item."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for x in items:
            fn(x)
        best = min(best, (time.perf_counter() - t0) / len(items))
    return best


def hook_startup_cost() -> tuple[float, float]:
    """Median interpreter start (ms) without and with the hook's .pth processed, from a
    site folder laid out as pip installs it (byte-compiled, as pip does)."""
    import compileall
    import os
    import shutil

    site = Path(tempfile.mkdtemp())
    shutil.copy(ROOT / "lm_eval_tasks" / "tool_reflect_lm_eval.pth", site)
    (site / "lm_eval_tasks").mkdir()
    for name in ("__init__.py", "_startup.py"):
        shutil.copy(ROOT / "lm_eval_tasks" / name, site / "lm_eval_tasks")
    compileall.compile_dir(site, quiet=1)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with_hook = f"import site, sys; sys.path.insert(0, {str(site)!r}); site.addsitedir({str(site)!r})"
    without = f"import site, sys; sys.path.insert(0, {str(site)!r})"

    def median_ms(code: str) -> float:
        times = []
        for _ in range(21):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, env=env)
            times.append((time.perf_counter() - t0) * 1000)
        return statistics.median(times)

    return median_ms(without), median_ms(with_hook)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=1000)
    ap.add_argument("--data", type=Path, help="canonical/qwen/llama JSONL (default: built)")
    args = ap.parse_args()

    from lm_eval.models.openai_completions import LocalChatCompletion
    from lm_eval.tasks import TaskManager

    from lm_eval_tasks import task_dir
    from tool_reflect.formats import render_calls, render_target

    data = args.data or build_data(args.items, Path(tempfile.mkdtemp()) / "bench.jsonl")
    t0 = time.perf_counter()
    tm = TaskManager(include_path=task_dir(), include_defaults=False,
                     metadata={"data_file": str(data)})
    tasks = tm.load(["tool_reflect"])["tasks"]
    load_s = time.perf_counter() - t0
    docs = [(t, d) for t in tasks.values() for d in t.eval_docs if t.item(d) is not None]
    n = len(docs)
    print(f"items: {n} from {data}")
    print(f"load (read + verify + label + 5 subtasks): {load_s:.2f} s = "
          f"{load_s / n * 1000:.3f} ms/item")

    api = LocalChatCompletion(model="m", base_url="http://127.0.0.1:9/v1/chat/completions")
    render = per_item(lambda td: td[0].fewshot_context(td[1], 0), docs)
    render_api = per_item(lambda td: td[0].fewshot_context(
        td[1], 0, apply_chat_template=True, chat_template=api.apply_chat_template), docs)
    ctxs = [td[0].fewshot_context(td[1], 0, apply_chat_template=True,
                                  chat_template=api.apply_chat_template) for td in docs]
    pairs = list(zip(docs, ctxs, strict=True))
    requests = per_item(lambda p: p[0][0].construct_requests(
        p[0][1], p[1], metadata=("t", 0, 5), chat_template=api.apply_chat_template), pairs)

    def outputs(td):
        item = td[0].item(td[1])
        good = render_target(item, "qwen")
        bad = "<reflect>retry</reflect>\n" + render_calls(item.failed_calls, "qwen")
        return [good, bad, bad, good, bad]

    scored = [(td, outputs(td)) for td in docs]
    scoring = per_item(lambda s: s[0][0].process_results(s[0][1], s[1]), scored)
    total = render_api + requests + scoring
    print(f"prompt rendering (plain text)          : {render * 1000:.3f} ms/item")
    print(f"prompt rendering (chat JSON, API)      : {render_api * 1000:.3f} ms/item")
    print(f"construct_requests (5 samples, seeds)  : {requests * 1000:.3f} ms/item")
    print(f"process_results (5 samples scored)     : {scoring * 1000:.3f} ms/item")
    print(f"task total per item                    : {total * 1000:.3f} ms "
          f"(target < 1 ms: {'OK' if total < 1e-3 else 'MISSED'}; ratio {total / 1e-3:.2f})")
    try:
        from transformers import AutoTokenizer

        from tool_reflect.models import default_model_dir, is_prepared

        if is_prepared(default_model_dir()):
            tok = AutoTokenizer.from_pretrained(default_model_dir())
            hf = per_item(lambda td: tok.apply_chat_template(
                td[0].render(td[1])[0], tokenize=False, add_generation_prompt=True), docs, 1)
            print(f"for scale: HF chat template (SmolLM2)  : {hf * 1000:.3f} ms/item (lm-eval's)")
    except ImportError:
        pass
    without, with_hook = hook_startup_cost()
    print(f"interpreter start: {without:.1f} ms without the hook, {with_hook:.1f} ms with "
          f"(+{with_hook - without:.1f} ms)")
    json.dump({"items": n, "load_ms_per_item": load_s / n * 1000, "total_ms_per_item": total * 1000,
               "render_ms": render_api * 1000, "requests_ms": requests * 1000,
               "scoring_ms": scoring * 1000, "hook_startup_ms": with_hook - without},
              sys.stdout)
    print()


if __name__ == "__main__":
    main()
