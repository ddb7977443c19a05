"""Where each task's items come from, and loading them once per process.

- ``original`` (task ``tool_reflect``): the original 1000-item test file at a pinned
  revision (:mod:`tool_reflect.downloads`), the Llama file for ``prompt_format: llama`` and
  the Qwen file otherwise, imported with the core importer and labelled by the core labeler.
- ``open`` (task ``tool_reflect_open``): the bundled generated test split.
- ``bfcl`` (task ``tool_reflect_bfcl``): the bundled split built on BFCL's executable
  backends; its items carry replay recipes, so repairs are also judged by execution.

Either can be replaced by a local file or URL (canonical, Qwen or Llama JSONL, detected
from the first record): metadata ``data_file`` (+ optional ``sha256``), or the environment
variables below.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tool_reflect.downloads import Fetched, fetch, fetch_original
from tool_reflect.errors import RecordError
from tool_reflect.records import PERTURBATIONS, UNKNOWN, RepairItem

# Under "lm_eval" so the messages share lm_eval's log format and level.
log = logging.getLogger(f"lm_eval.{__name__}")

ENV_DATA = {"original": "TOOL_REFLECT_DATA", "open": "TOOL_REFLECT_OPEN_DATA",
            "bfcl": "TOOL_REFLECT_BFCL_DATA"}
ENV_SHA256 = "TOOL_REFLECT_DATA_SHA256"
BUNDLED = {"open": Path("data") / "tool_reflect_open" / "test.jsonl",
           "bfcl": Path("data") / "tool_reflect_bfcl" / "test.jsonl.gz"}


@dataclass
class LoadedData:
    """All items of one source, with provenance for the results' version stamps."""

    items: list[RepairItem]
    labels: dict[str, str]
    fetched: Fetched
    label_counts: dict[str, int] = field(default_factory=dict)
    check: dict[str, Any] = field(default_factory=dict)

    def subset(self, label: str | None) -> list[RepairItem]:
        if label is None:
            return list(self.items)
        return [it for it in self.items if self.labels[it.id] == label]


_CACHE: dict[tuple[Any, ...], LoadedData] = {}


def bundled_candidates(dataset: str) -> list[Path]:
    """Places a bundled test split may be: package data of the installed wheel, then the
    repository checkout's ``data/`` folder."""
    rel = BUNDLED[dataset]
    here = Path(__file__).resolve().parent
    out = [here / rel]
    try:
        import tool_reflect

        out.append(Path(tool_reflect.__file__).resolve().parent / rel)
    except ImportError:  # pragma: no cover - the core is a dependency
        pass
    out.append(here.parent / rel)
    return out


def bundled_path(dataset: str) -> Path:
    for path in bundled_candidates(dataset):
        if path.is_file():
            return path
    tried = ", ".join(str(p) for p in bundled_candidates(dataset))
    raise FileNotFoundError(f"bundled tool_reflect_{dataset} test split not found (tried "
                            f"{tried}); pass a file with --metadata '{{\"data_file\": ...}}' or "
                            f"{ENV_DATA[dataset]}")


def resolve_source(dataset: str, prompt_format: str, data_file: str | None,
                   sha256: str | None) -> Fetched:
    """Fetch and verify the file a task reads."""
    override = data_file or os.environ.get(ENV_DATA[dataset]) or None
    sha = sha256 or os.environ.get(ENV_SHA256) or None
    if dataset == "original":
        fmt = "llama" if prompt_format == "llama" else "qwen"
        return fetch_original(fmt, source=override, sha256=sha)
    if dataset in BUNDLED:
        if override:
            return fetch(override, sha256=sha)
        return fetch(str(bundled_path(dataset)), sha256=sha, warn_unverified=False)
    raise ValueError(f"unknown dataset {dataset!r}; expected one of {tuple(ENV_DATA)}")


def label_of(item: RepairItem) -> str:
    """The item's perturbation: its own field when set, else the core labeler's inference."""
    if item.perturbation in PERTURBATIONS:
        return item.perturbation
    if item.perturbation == UNKNOWN:
        return UNKNOWN
    from tool_reflect.labeler import label_perturbation

    label = label_perturbation(item)
    return label if label in PERTURBATIONS else UNKNOWN


def _read(path: Path) -> tuple[list[RepairItem], dict[str, Any]]:
    """Items of a canonical or original-format file. Original files go through the full
    check (:mod:`tool_reflect.formats.original_check`): a record that does not import is an
    error naming its line, and the check's summary is returned for the results' metadata."""
    from tool_reflect.formats.original_check import check_original_file
    from tool_reflect.formats.original_files import detect_file_format, read_dataset

    fmt = detect_file_format(path)  # an error naming the file (and line 1) if it cannot tell
    if fmt == "canonical":
        return read_dataset(path, "canonical"), {}
    report, items = check_original_file(path, fmt)
    if report.rejected:
        raise RecordError(f"{report.rejected[0]} ({len(report.rejected)} of {report.records} "
                          "records cannot be imported; none is skipped)")
    for problem in report.self_score_failures[:5]:
        log.warning("ground truth fails its own scoring: %s", problem)
    summary = {k: v for k, v in report.summary().items()
               if k not in ("path", "rejected", "round_trip_failures")}
    summary["unknown"] = len(report.unknown)
    summary["self_score_failures"] = len(report.self_score_failures)
    return items, summary


def load(dataset: str, prompt_format: str, data_file: str | None = None,
         sha256: str | None = None) -> LoadedData:
    """Items of a source, read, verified and labelled once per process (all subtasks of a
    group share one load). Duplicate item ids are an error naming the id."""
    override = data_file or os.environ.get(ENV_DATA[dataset])
    key = (dataset, "llama" if prompt_format == "llama" else "qwen", override,
           sha256 or os.environ.get(ENV_SHA256))
    if key in _CACHE:
        return _CACHE[key]
    fetched = resolve_source(dataset, prompt_format, data_file, sha256)
    items, check = _read(fetched.path)
    if not items:
        raise RecordError("no items", path=str(fetched.path))
    seen: set[str] = set()
    for it in items:
        if it.id in seen:
            raise RecordError(f"duplicate item id {it.id!r}", field="id", path=str(fetched.path))
        seen.add(it.id)
    labels = {it.id: label_of(it) for it in items}
    counts = dict(Counter(labels.values()))
    log.info("%s: %d items from %s (sha256 %s, verified by %s): %s", dataset, len(items),
             fetched.source, fetched.sha256[:12], fetched.verified, counts)
    _CACHE[key] = LoadedData(items, labels, fetched, counts, check)
    return _CACHE[key]

