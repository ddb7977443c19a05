"""Build the bundled ``tool_reflect_bfcl`` dataset: ``test.jsonl.gz`` (every item that survives
from BFCL's ``multi_turn_base``), ``train.jsonl.gz`` (from other BFCL multi-turn
categories), a dataset card and ``build_report.json``."""

from __future__ import annotations

import gzip
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from tool_reflect.execution.bfcl import BFCL_VERSION, INSTALL_HINT, load_entries
from tool_reflect.execution.items import GENERATOR_VERSION, BuildReport, build_items
from tool_reflect.io import atomic_open
from tool_reflect.records import PERTURBATIONS, RepairItem

TEST_CATEGORY = "base"
TRAIN_CATEGORIES = ("long_context", "miss_param")
COMMAND = "tool-reflect generate --source bfcl --bundle data/tool_reflect_bfcl --seed 0"


def content_key(item: RepairItem) -> str:
    """What a model sees and must answer (messages and ground-truth calls)."""
    return json.dumps([[m.to_dict() for m in item.messages],
                       [c.to_dict() for c in item.ground_truth.calls]], sort_keys=True)


def build_splits(seed: int = 0) -> tuple[dict[str, list[RepairItem]], dict[str, Any]]:
    """(splits, report). Test: every surviving base item. Train: the train categories'
    items, minus any whose content equals a test item's or an earlier train item's."""
    reports: dict[str, Any] = {}
    test_report = BuildReport()
    test = build_items([e["id"] for e in load_entries(TEST_CATEGORY)], seed, test_report)
    reports[TEST_CATEGORY] = test_report.to_dict()
    seen = {content_key(it) for it in test}
    train, duplicates = [], 0
    for category in TRAIN_CATEGORIES:
        rep = BuildReport()
        for it in build_items([e["id"] for e in load_entries(category)], seed, rep):
            key = content_key(it)
            duplicates += key in seen
            if key not in seen:
                seen.add(key)
                train.append(it)
        reports[category] = rep.to_dict()
    reports["train_duplicates_removed"] = duplicates
    return {"test": test, "train": train}, reports


def _write(path: Path, items: list[RepairItem]) -> None:
    data = "".join(json.dumps(it.to_dict(), ensure_ascii=False) + "\n" for it in items).encode()
    with atomic_open(path, "wb") as fh:
        fh.write(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)


def build_bundle(out_dir: str | Path, seed: int = 0) -> dict[str, Any]:
    """Generate and write both splits, the card and the build report (same seed, same
    bytes). Returns ``{"splits": ..., "report": ..., "seconds": ...}``."""
    start = time.perf_counter()
    splits, report = build_splits(seed)
    out = Path(out_dir)
    _write(out / "test.jsonl.gz", splits["test"])
    _write(out / "train.jsonl.gz", splits["train"])
    with atomic_open(out / "build_report.json") as fh:
        fh.write(json.dumps(report, indent=1, sort_keys=True) + "\n")
    with atomic_open(out / "README.md") as fh:
        fh.write(card(splits, report, seed))
    return {"splits": splits, "report": report, "seconds": time.perf_counter() - start}


def _table(items: list[RepairItem]) -> str:
    counts = Counter((it.perturbation, it.provenance["backend"]) for it in items)
    backends = sorted({b for _, b in counts})
    head = "| type | " + " | ".join(backends) + " | all |\n|---|" + "---|" * (len(backends) + 1)
    rows = [f"| {t} | " + " | ".join(str(counts[(t, b)]) for b in backends)
            + f" | {sum(counts[(t, b)] for b in backends)} |" for t in PERTURBATIONS]
    total = "| **all** | " + " | ".join(str(sum(counts[(t, b)] for t in PERTURBATIONS))
                                       for b in backends) + f" | {len(items)} |"
    return "\n".join([head, *rows, total])


def _subtypes(items: list[RepairItem]) -> str:
    counts = Counter((it.perturbation, it.subtype) for it in items)
    return ", ".join(f"{t}/{s} {n}" for (t, s), n in sorted(counts.items()))


def _drops(report: dict[str, Any]) -> str:
    lines = []
    for category in (TEST_CATEGORY, *TRAIN_CATEGORIES):
        rep = report[category]
        dropped = sum(rep["dropped"].values())
        detail = ", ".join(f"{k} {v}" for k, v in rep["dropped_detail"].items()) or "none"
        skipped = ", ".join(f"{k} {v}" for k, v in rep["skipped"].items())
        lines.append(f"- `{category}`: dropped {dropped} ({detail}); candidate recipes that "
                     f"did not fail (not items): {skipped}.")
    return "\n".join(lines)


def card(splits: dict[str, list[RepairItem]], report: dict[str, Any], seed: int) -> str:
    """The dataset card (README.md)."""
    test, train = splits["test"], splits["train"]
    n_src = {k: len({it.provenance["bfcl_id"] for it in v}) for k, v in splits.items()}
    return f"""# tool_reflect_bfcl

Execution-grounded tool-call repair items built on the real, stateful executable
backends of the Berkeley Function Calling Leaderboard (BFCL) multi-turn categories
(canonical JSON Lines, `tool_reflect.records.RepairItem`; tools are JSON-Schema function
schemas). Every item carries a replay recipe, so a repair can be judged by *executing* it
(`tool_reflect.execution.executed_verdict`) as well as by exact match.

## Source, licence and attribution

- Source: the `multi_turn_base`, `multi_turn_long_context` and `multi_turn_miss_param`
  entries, their ground-truth trajectories, function docs and backends, as shipped in the
  `bfcl-eval=={BFCL_VERSION}` wheel (`{INSTALL_HINT}`).
- BFCL data and backends: Apache-2.0, by the Gorilla / BFCL authors (Patil et al., UC
  Berkeley; https://github.com/ShishirPatil/gorilla, https://gorilla.cs.berkeley.edu/leaderboard.html).
  This derived dataset is distributed under the same licence (Apache-2.0) with this notice.

## How it was made

Generator {GENERATOR_VERSION} (`tool_reflect/execution/`), seed {seed}. Each BFCL
ground-truth trajectory is replayed on fresh backend instances (BFCL's class-to-module
constants, scenarios loaded with `_load_scenario(deepcopy(initial_config[cls]),
long_context=...)`, `excluded_function` honoured, calls made by method name, never `eval`).
For each step one candidate per type is tried (for `argument_error`, corruptions in a
seeded order until one qualifies):

- `argument_error` (wrong_value, sentinel_string, out_of_enum, wrong_type, null,
  dropped_required_key): the step with one argument corrupted; ground truth = the step.
- `order_swap`: the next step of the same turn issued first; ground truth = [step, next].
- `missing_prerequisite`: a same-turn step whose result alone provides a value a later
  step uses is skipped and the value invented; ground truth = [the skipped step].
- `redundant_call`: the previous step of the turn repeated; ground truth = the step.

Every kept item is **executed**: the erroneous call really fails on the backend (a
redundant call must fail or change the public state), its tool message is the backend's
own output, the ground-truth repair then succeeds, and the rest of the trajectory gives
the clean run's results and final public state. Candidates whose erroneous call leaves
side effects the repair cannot undo are dropped (below). Errors shown to the model:
the backend's `{{"error": "..."}}` result verbatim; a raised Python exception (e.g. a
missing required argument) is shown as `{{"error": "<ExceptionType>: <message>"}}`, e.g.
`TypeError: GorillaFileSystem.cd() missing 1 required positional argument: 'folder'`
(BFCL's own executor shows `Error during execution: <message>`). Python sets of strings
inside an error text are printed with sorted members (Python prints them in per-process
hash order), so the bytes do not depend on `PYTHONHASHSEED`.

Provenance holds `bfcl_id`, `backend` (the class owning the erroneous call) and `recipe`:
source id, `long_context`, turn, step, perturbation, the erroneous call(s), the
transcript's steps (`prefix` minus `skipped`), the ground-truth steps (`truth`) and
`resume`, the index of the first remaining ground-truth call after the repair. No pickled
state: the recipe replays from BFCL's data. Same seed, same bytes: `{COMMAND}`.

## Splits and counts

- **test** ({len(test)} items from {n_src["test"]} `multi_turn_base` entries): every item that
  survives, all four types. Subtypes: {_subtypes(test)}.

{_table(test)}

- **train** ({len(train)} items from {n_src["train"]} entries of {", ".join(TRAIN_CATEGORIES)};
  `long_context` items are built and checked with `long_context=True`). Subtypes:
  {_subtypes(train)}.

{_table(train)}

Dropped (erroneous call's side effects not undone by the repair) and skipped candidates:

{_drops(report)}
- train items whose messages and ground truth equal a test item's (or an earlier train
  item's) removed: {report["train_duplicates_removed"]}.

## Known limits

- **Train and test share scenarios.** BFCL built `long_context`, `miss_param` and
  `miss_func` from the same 200 scenarios as `base`: test and train share no BFCL entry and
  no identical item, but share initial states and most user requests. Use train to teach
  the repair skill and format, not to claim generalisation to unseen scenarios.
- The types are unbalanced (argument errors dominate; TradingBot has few dependent pairs,
  MathAPI is stateless) and so are the backends: see the tables.
- Exception texts name Python qualified names (`GorillaFileSystem.cd()`), as BFCL shows
  them; they are those of Python >= 3.10.
- `miss_func` (functions withheld until a later turn) is not used.
- Ground truths are single repair steps (the rest of the turn is run by the checker), so an
  exact-match scorer still demands BFCL's spelling; the executed verdict accepts any repair
  that reaches the same state and reproduces the read-only results.
"""
