"""Build the bundled ``tool_reflect_open`` dataset: domain-disjoint train/test splits,
a dataset card and a chart of the type distribution."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

from tool_reflect.gen.catalogue import load_catalogue
from tool_reflect.gen.generator import GENERATOR_VERSION, GenerationReport, generate, split_domains
from tool_reflect.io import atomic_open
from tool_reflect.records import PERTURBATIONS, RepairItem

TEST_DOMAINS = ["calendar", "cloud", "healthcare", "library", "music", "real_estate"]
SIZES = {"test": 1000, "train": 4000}
COMMAND = "tool-reflect generate --bundle data/tool_reflect_open --seed 0"


def _write(path: Path, items: list[RepairItem]) -> None:
    text = "".join(json.dumps(it.to_dict(), ensure_ascii=False) + "\n" for it in items)
    with atomic_open(path, "wb") as fh:
        data = text.encode()
        fh.write(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)


def build(out_dir: str | Path, seed: int = 0) -> dict[str, list[RepairItem]]:
    """Generate, write and describe both splits (deterministic for a seed)."""
    out = Path(out_dir)
    train_d, test_d = split_domains(load_catalogue(), TEST_DOMAINS)
    splits = {}
    for split, doms in (("test", test_d), ("train", train_d)):
        report = GenerationReport()
        splits[split] = generate(doms, SIZES[split], seed=seed, report=report)
    _write(out / "test.jsonl", splits["test"])
    _write(out / "train.jsonl.gz", splits["train"])
    (out / "README.md").write_text(card(splits, seed), encoding="utf-8")
    chart(splits, out / "type_distribution.png")
    return splits


def card(splits: dict[str, list[RepairItem]], seed: int) -> str:
    rows = []
    for split, items in splits.items():
        types = Counter(it.perturbation for it in items)
        subs = Counter((it.perturbation, it.subtype) for it in items)
        domains = sorted({it.provenance["domain"] for it in items})
        rows.append(f"### {split} ({len(items)} items, {len(domains)} domains)\n\n"
                    f"Domains: {', '.join(domains)}\n\n| type | subtype | items |\n|---|---|---|\n"
                    + "".join(f"| {t} | {s} | {subs[(t, s)]} |\n"
                              for t in PERTURBATIONS for s in sorted(
                                  {s for (tt, s) in subs if tt == t}, key=lambda x: x or ""))
                    + "".join(f"| **{t}** | all | {types[t]} |\n" for t in PERTURBATIONS))
    return f"""# tool_reflect_open

Generated, execution-grounded tool-call repair items (canonical JSON Lines,
`tool_reflect.records.RepairItem`). Licence: Apache-2.0 (the catalogue is project-authored).

- **Source**: the project's catalogue of 30 tool domains (`tool_reflect/gen/catalogue.py`):
  a five-step workflow per domain (search -> details -> act -> notify -> confirm) with value
  dependencies (ids produced by earlier results) and a state precondition (notify needs act).
- **Method**: generator {GENERATOR_VERSION} (`tool_reflect/gen/generator.py`), seed {seed}. Every
  perturbed call is executed in the simulator (`tool_reflect/gen/simulator.py`) and fails there;
  the error response is the simulator's; the ground-truth call(s) succeed afterwards. The
  ground truth is a structured reflection (error class, faulty call, faulty argument,
  cause, fix, from varied templates) followed by the corrected call(s).
- **Types**: `argument_error` (null, wrong_type, sentinel_string, out_of_enum,
  dropped_required_key; ground truth = the corrected call), `order_swap` (a call needing a
  precondition made first; ground truth = [prerequisite, the same call]),
  `missing_prerequisite` (an id fabricated because its producer was skipped; ground truth =
  [the producer]), `redundant_call` (the previous call repeated; ground truth = the next step).
- **Splits**: disjoint by domain; test domains: {', '.join(TEST_DOMAINS)}. Balanced over the
  four types; deduplicated by content hash.
- **Regenerate**: `{COMMAND}` (byte-identical for the same seed).
- **Limits**: one workflow shape for all domains (domains differ in vocabulary, schemas,
  enums and values, not in structure).

{chr(10).join(rows)}
![type distribution](type_distribution.png)
"""


def chart(splits: dict[str, list[RepairItem]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    width = 0.38
    for k, (split, items) in enumerate(splits.items()):
        counts = Counter(it.perturbation for it in items)
        xs = [i + (k - 0.5) * width for i in range(len(PERTURBATIONS))]
        bars = ax.bar(xs, [counts[t] for t in PERTURBATIONS], width, label=split)
        ax.bar_label(bars, fontsize=8)
    ax.set_xticks(range(len(PERTURBATIONS)), [t.replace("_", " ") for t in PERTURBATIONS])
    ax.set_ylabel("items")
    ax.set_title("tool_reflect_open: items per perturbation type")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
