"""Training rows from the same exporter as verl (:func:`tool_reflect.exporters.verl_rows`)."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

TEXT_FORMATS = ("qwen", "llama")  # native/user_role pass tools= structurally: verl only


def load_rows(path: str | os.PathLike[str], prompt_format: str) -> list[dict[str, Any]]:
    """verl rows from a verl parquet (``tool-reflect export --to verl-parquet``) or from a
    canonical items file (exported in memory in ``prompt_format``)."""
    if prompt_format not in TEXT_FORMATS:
        raise ValueError(f"prompt format {prompt_format!r}: the TRL recipe takes one of {TEXT_FORMATS}")
    if str(path).endswith(".parquet"):
        import pandas as pd

        rows = json.loads(pd.read_parquet(path).to_json(orient="records"))
        found = {r["extra_info"].get("prompt_format") for r in rows}
        if found - {prompt_format}:
            raise ValueError(f"{path} was exported with prompt format {sorted(found)}, "
                             f"not {prompt_format!r}")
        return rows
    from tool_reflect.exporters import verl_rows
    from tool_reflect.io import read_items

    return verl_rows(read_items(Path(path)), prompt_format)


def prompt_chars(row: dict[str, Any]) -> int:
    return sum(len(m.get("content") or "") for m in row["prompt"])


def select(rows: list[dict[str, Any]], n: int | None, order: str = "first",
           seed: int = 0) -> list[dict[str, Any]]:
    """``n`` rows: the first, a seeded random sample, or those with the shortest prompts."""
    if n is None or n >= len(rows):
        return list(rows)
    if order == "first":
        return rows[:n]
    if order == "random":
        return random.Random(seed).sample(rows, n)
    if order == "shortest":
        return sorted(rows, key=prompt_chars)[:n]
    raise ValueError(f"unknown order {order!r} (first|random|shortest)")


def take(rows: list[dict[str, Any]], n: int | None, order: str, seed: int, tokenizer: Any,
         max_tokens: int) -> list[dict[str, Any]]:
    """:func:`select` after verl's ``filter_overlong_prompts`` (prompts over ``max_tokens``
    tokens are skipped); only the rows needed are tokenized."""
    kept = []
    for r in select(rows, None if n is None else len(rows), order, seed):
        if len(prompt_ids(tokenizer, messages(r))) <= max_tokens:
            kept.append(r)
            if n is not None and len(kept) == n:
                break
    return kept


def prompt_ids(tokenizer: Any, messages: list[dict[str, str]]) -> list[int]:
    text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def messages(row: dict[str, Any]) -> list[dict[str, str]]:
    return [{"role": m["role"], "content": m.get("content") or ""} for m in row["prompt"]]


def rl_dataset(rows: list[dict[str, Any]]):
    """TRL's conversational prompt dataset; extra columns reach the reward function."""
    from datasets import Dataset

    return Dataset.from_list([{"prompt": messages(r),
                               "ground_truth": r["reward_model"]["ground_truth"],
                               "item_id": r["extra_info"]["item_id"]} for r in rows])


def target_text(row: dict[str, Any], target: str) -> str:
    """The supervised target: the full ground truth, or (``calls``) only its tool calls in
    the row's prompt format (short, for smoke tests with few new tokens)."""
    gt = row["reward_model"]["ground_truth"]
    if target == "full":
        return gt
    if target == "calls":
        from tool_reflect.formats.text import render_calls
        from tool_reflect.parsing import parse_output

        return render_calls(parse_output(gt).calls, row["extra_info"]["prompt_format"])
    raise ValueError(f"unknown target {target!r} (full|calls)")


def sft_dataset(rows: list[dict[str, Any]], target: str = "full"):  # -> datasets.Dataset
    """TRL's conversational prompt-completion dataset (loss on the completion only)."""
    from datasets import Dataset

    return Dataset.from_list([{"prompt": messages(r), "completion": [
        {"role": "assistant", "content": target_text(r, target)}]} for r in rows])
