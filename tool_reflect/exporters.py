"""Export canonical items: original text formats, native JSONL, verl parquet, HF datasets."""

from __future__ import annotations

import json
import os
from typing import Any

from tool_reflect.formats import render_prompt, render_record, render_target
from tool_reflect.io import atomic_open, write_jsonl
from tool_reflect.records import RepairItem

EXPORT_FORMATS = ("qwen", "llama", "native", "verl-parquet", "hf-dataset")


def verl_rows(items: list[RepairItem], prompt_format: str = "qwen",
              data_source: str = "tool_reflect_open") -> list[dict[str, Any]]:
    """Rows of verl's RL dataset: ``prompt`` is the message list, the reward model's
    ``ground_truth`` is the target completion text in the prompt's call style."""
    rows = []
    for it in items:
        messages, tools = render_prompt(it, prompt_format)
        rows.append({
            "data_source": data_source,
            "prompt": [{"role": m["role"], "content": m.get("content") or ""} for m in messages]
            if tools is None else json.loads(json.dumps(messages)),
            "ability": "tool_repair",
            "reward_model": {"style": "rule", "ground_truth": render_target(it, prompt_format)},
            "extra_info": {"item_id": it.id, "perturbation": it.perturbation or "unknown",
                           "subtype": it.subtype or "", "prompt_format": prompt_format,
                           "tools": json.dumps(it.tools),
                           # replay recipe (BFCL items) for executed acceptance; "" otherwise
                           "recipe": _recipe(it)},
        })
    return rows


def _recipe(item: RepairItem) -> str:
    if (item.provenance or {}).get("recipe") is None:
        return ""
    from tool_reflect.execution import recipe_text

    return recipe_text(item)


def export(items: list[RepairItem], fmt: str, path: str | os.PathLike[str],
           prompt_format: str = "qwen") -> int:
    """Write ``items`` in ``fmt`` (see :data:`EXPORT_FORMATS`); return the count."""
    if fmt in ("qwen", "llama", "native", "canonical"):
        return write_jsonl(path, (render_record(it, fmt) for it in items))
    if fmt == "verl-parquet":
        import pandas as pd

        df = pd.DataFrame(verl_rows(items, prompt_format))
        with atomic_open(path, "wb") as fh:
            df.to_parquet(fh, index=False)
        return len(df)
    if fmt == "hf-dataset":
        import datasets

        ds = datasets.Dataset.from_dict({
            "id": [it.id for it in items],
            "perturbation": [it.perturbation or "unknown" for it in items],
            "subtype": [it.subtype or "" for it in items],
            "prompt": [json.dumps(render_prompt(it, prompt_format)[0]) for it in items],
            "target": [render_target(it, prompt_format) for it in items],
            "item": [json.dumps(it.to_dict(), ensure_ascii=False) for it in items],
        })
        ds.save_to_disk(str(path))
        return len(ds)
    raise ValueError(f"unknown export format {fmt!r}; expected one of {EXPORT_FORMATS}")
