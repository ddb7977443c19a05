"""Infer the perturbation type of an item from its transcript and ground truth.

The original release carries no labels. Rules, applied in order to the failed call ``f``
(first call of the last assistant turn) and the ground-truth calls ``G``:

1. ``f`` exactly repeats an earlier call that succeeded -> ``redundant_call``.
2. ``G[0]`` calls the same function as ``f`` with other arguments -> ``argument_error``
   (same arguments: the ground truth repeats the failure -> ``unknown``).
3. ``f`` reappears unchanged later in ``G``, after another call -> ``order_swap``
   (the right call, made too early).
4. ``G`` starts with another function (``f`` absent, or present with new arguments)
   -> ``missing_prerequisite`` (a call it depends on was skipped).
5. Anything else (no failed call, no ground-truth call) -> ``unknown``.
"""

from __future__ import annotations

from tool_reflect.matching import call_key
from tool_reflect.records import UNKNOWN, RepairItem, ToolCall


def earlier_successful_calls(item: RepairItem) -> list[ToolCall]:
    """Calls before the failed turn whose tool results were not errors."""
    assistants = [i for i, m in enumerate(item.messages) if m.role == "assistant" and m.tool_calls]
    if not assistants:
        return []
    failed_ids = {id(c) for c in item.messages[assistants[-1]].tool_calls}
    errored = {m.tool_call_id for m in item.messages if m.role == "tool" and m.error}
    return [c for i in assistants for c in item.messages[i].tool_calls
            if id(c) not in failed_ids and (c.id is None or c.id not in errored)]


def label_perturbation(item: RepairItem) -> str:
    """One of :data:`tool_reflect.records.PERTURBATIONS`, or ``"unknown"``."""
    failed, gold = item.failed_calls, item.ground_truth.calls
    if not failed or not gold:
        return UNKNOWN
    f = failed[0]
    fkey = call_key(f)
    if any(call_key(c) == fkey for c in earlier_successful_calls(item)):
        return "redundant_call"
    gkeys = [call_key(g) for g in gold]
    if gold[0].name == f.name:
        return "argument_error" if gkeys[0] != fkey else UNKNOWN
    if fkey in gkeys[1:]:
        return "order_swap"
    return "missing_prerequisite"
