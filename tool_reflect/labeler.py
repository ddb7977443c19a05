"""Infer the perturbation type of an item from the evidence in its transcript.

The original release carries no labels. Let ``f`` be the failed call (first call of the
last assistant turn), ``T`` that whole turn, ``R`` the tool response that answers it and
``G`` the ground-truth calls. The first rule that holds decides; each names its evidence:

1. ``redundant_call``
   - ``status:redundant``: an entry of ``R`` has ``"status": "redundant"``;
   - ``duplicate_in_turn``: ``T`` makes the same call twice;
   - ``repeats_success``: ``f`` repeats an earlier call that succeeded.
2. ``order_swap`` (``made_too_early``): ``f`` reappears unchanged in ``G`` after another call.
3. ``argument_error``
   - ``same_function_new_arguments``: ``G[0]`` calls ``f``'s function with other arguments;
   - ``sentinel_argument``: an argument of ``f`` is a value the release's perturbations
     plant (``null``, ``-1``, ``"wrong_value"``, ``"invalid_input"``, ``"incorrect_parameter"``,
     ``["invalid_array"]``, ``{"invalid": "object"}``), whatever call ``G`` makes next.
4. ``missing_prerequisite``
   - ``status:warning``: ``R`` is a warning (the call ran on partial or mismatched data);
   - ``other_function_first``: ``G`` starts with another function (a call ``f`` depends on
     was skipped).
5. ``argument_error`` (``error_code:INVALID_PARAMETERS``): the tool rejected the arguments
   and ``G`` repeats ``f``; the response is the only evidence left.
6. ``unknown`` (``no_failed_call``, ``no_ground_truth_call`` or ``no_evidence``).

Generated items (:mod:`tool_reflect.gen.generator`) are told apart by rules 1-4 alone, also when
their error responses are the generic ``INVALID_PARAMETERS`` ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tool_reflect.matching import call_key, value_key
from tool_reflect.records import UNKNOWN, RepairItem, ToolCall

SENTINELS = (None, -1, "wrong_value", "invalid_input", "incorrect_parameter",
             ["invalid_array"], {"invalid": "object"})
_SENTINEL_KEYS = frozenset(value_key(v) for v in SENTINELS)


@dataclass(frozen=True)
class Label:
    """A perturbation type and the rule (evidence) that gave it."""

    type: str
    evidence: str


def earlier_successful_calls(item: RepairItem) -> list[ToolCall]:
    """Calls before the failed turn whose tool results were not errors."""
    assistants = [i for i, m in enumerate(item.messages) if m.role == "assistant" and m.tool_calls]
    if not assistants:
        return []
    failed_ids = {id(c) for c in item.messages[assistants[-1]].tool_calls}
    errored = {m.tool_call_id for m in item.messages if m.role == "tool" and m.error}
    return [c for i in assistants for c in item.messages[i].tool_calls
            if id(c) not in failed_ids and (c.id is None or c.id not in errored)]


def response_entries(item: RepairItem) -> list[dict[str, Any]]:
    """The JSON objects of the tool response to the failed turn (nested lists flattened)."""
    out: list[dict[str, Any]] = []
    stack: list[Any] = list(reversed(item.error_response))
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            out.append(v)
        elif isinstance(v, list):
            stack.extend(reversed(v))
    return out


def _statuses(entries: list[dict[str, Any]]) -> set[str]:
    return {e["status"].lower() for e in entries if isinstance(e.get("status"), str)}


def label_with_evidence(item: RepairItem) -> Label:
    """The perturbation type of ``item`` and the evidence for it (rules in the module doc)."""
    turn, gold = item.failed_calls, item.ground_truth.calls
    if not turn:
        return Label(UNKNOWN, "no_failed_call")
    if not gold:
        return Label(UNKNOWN, "no_ground_truth_call")
    f, entries = turn[0], response_entries(item)
    statuses = _statuses(entries)
    fkey, gkeys = call_key(f), [call_key(g) for g in gold]
    turn_keys = [call_key(c) for c in turn]
    if "redundant" in statuses:
        return Label("redundant_call", "status:redundant")
    if len(set(turn_keys)) < len(turn_keys):
        return Label("redundant_call", "duplicate_in_turn")
    if any(call_key(c) == fkey for c in earlier_successful_calls(item)):
        return Label("redundant_call", "repeats_success")
    if fkey in gkeys[1:] and gkeys[0] != fkey:
        return Label("order_swap", "made_too_early")
    if gold[0].name == f.name and gkeys[0] != fkey:
        return Label("argument_error", "same_function_new_arguments")
    if any(value_key(v) in _SENTINEL_KEYS for v in f.arguments.values()):
        return Label("argument_error", "sentinel_argument")
    if "warning" in statuses:
        return Label("missing_prerequisite", "status:warning")
    if gold[0].name != f.name:
        return Label("missing_prerequisite", "other_function_first")
    if any(e.get("error_code") == "INVALID_PARAMETERS" for e in entries):
        return Label("argument_error", "error_code:INVALID_PARAMETERS")
    return Label(UNKNOWN, "no_evidence")


def label_perturbation(item: RepairItem) -> str:
    """One of :data:`tool_reflect.records.PERTURBATIONS`, or ``"unknown"``."""
    return label_with_evidence(item).type
