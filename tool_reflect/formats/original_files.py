"""Read whole files of the original release (Qwen or Llama JSONL) as canonical items."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tool_reflect.errors import RecordError
from tool_reflect.formats.text import TEXT_FORMATS, import_text_record
from tool_reflect.io import read_records
from tool_reflect.records import RepairItem


def read_original(path: str | os.PathLike[str], fmt: str, *, skip_invalid: bool = False,
                  errors: list[RecordError] | None = None, revision: str | None = None,
                  label: bool = True) -> list[RepairItem]:
    """Import an original-format JSONL file. Item ids are ``<file stem>-<0-based index>``;
    provenance records file, line and revision; ``label`` fills ``perturbation`` with the
    labeler's inference (recorded as such in provenance)."""
    if fmt not in TEXT_FORMATS:
        raise ValueError(f"unknown original format {fmt!r}; expected one of {TEXT_FORMATS}")

    def convert(rec: Any, lineno: int) -> RepairItem:
        return import_original_record(rec, fmt, path, lineno, revision, label)

    return read_records(path, convert, skip_invalid=skip_invalid, errors=errors, with_line=True)


def import_original_record(rec: Any, fmt: str, path: str | os.PathLike[str], lineno: int,
                           revision: str | None = None, label: bool = True) -> RepairItem:
    """One record of an original file as an item with id ``<file stem>-<0-based index>``;
    ``label`` fills ``perturbation`` and the evidence for it (provenance)."""
    name = Path(path).name
    prov = {"source": name, "line": lineno, "revision": revision}
    item = import_text_record(rec, fmt, f"{name.split('.')[0]}-{lineno - 1:04d}", prov)
    if label:
        from tool_reflect.labeler import label_with_evidence

        found = label_with_evidence(item)
        item.perturbation = found.type
        item.provenance.update(perturbation_source="labeler",
                               perturbation_evidence=found.evidence)
    return item


DATASET_FORMATS = ("auto", "canonical") + TEXT_FORMATS


def detect_format(record: Any) -> str:
    """``canonical``, ``qwen`` or ``llama`` from a record's shape and system prompt text."""
    if isinstance(record, dict) and isinstance(record.get("ground_truth"), dict) and "id" in record:
        return "canonical"
    msgs = record.get("messages") if isinstance(record, dict) else None
    system = msgs[0].get("content", "") if isinstance(msgs, list) and msgs and isinstance(msgs[0], dict) else ""
    if isinstance(system, str) and "<tool_call></tool_call> XML tags" in system:
        return "qwen"
    if isinstance(system, str) and "json array with function name and parameters" in system:
        return "llama"
    raise RecordError("cannot tell the record format (canonical, qwen or llama); pass it explicitly",
                      field="messages[0].content")


def detect_file_format(path: str | os.PathLike[str]) -> str:
    """``canonical``, ``qwen`` or ``llama``, from a file's first record."""
    from tool_reflect.io import first_record

    first = first_record(path)
    if first is None:
        raise RecordError("no records", path=str(path))
    try:
        return detect_format(first)
    except RecordError as exc:
        raise exc.at(str(path), 1) from None


def read_dataset(path: str | os.PathLike[str], fmt: str = "auto", *, skip_invalid: bool = False,
                 errors: list[RecordError] | None = None) -> list[RepairItem]:
    """Read canonical or original-format JSONL; ``auto`` looks at the first record."""
    from tool_reflect.io import read_items

    if fmt not in DATASET_FORMATS:
        raise ValueError(f"unknown dataset format {fmt!r}; expected one of {DATASET_FORMATS}")
    if fmt == "auto":
        fmt = detect_file_format(path)
    if fmt == "canonical":
        return read_items(path, skip_invalid=skip_invalid, errors=errors)
    return read_original(path, fmt, skip_invalid=skip_invalid, errors=errors)
