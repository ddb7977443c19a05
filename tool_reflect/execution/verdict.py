"""Executed acceptance: a repair passes when it *works*, whatever its spelling.

The item's recipe is replayed on fresh backends to the post-error state; the model's calls
run there, then the rest of the ground-truth trajectory. The attempt passes when

- it has at least one call, and no format error (when a parsed output is given);
- none of its calls errors;
- right after its calls, the public state of every involved backend equals the state
  right after the ground-truth repair (BFCL's ``state_checker``: non-underscore
  attributes, ``==``; stricter than BFCL, which looks at turn ends only);
- the rest of the trajectory then runs as in the clean run (no error, same results), and
  at the end of the item's turn and of every later turn the public state equals the clean
  run's, so the final state does too (hidden state such as a working directory shows here);
- the ground truth's results appear among the results of its calls (BFCL's response
  checker, unordered multiset). ``results="all"`` (default, as BFCL): every ground-truth
  call's result that carries information (not null/empty); ``"read_only"``: only those of
  calls that leave the public state unchanged. When no result is required, acceptance
  rests on state alone: ``state_only`` is then true.

Reasons are ``family:kind`` strings (``call_error:cd``, ``state:TwitterAPI.tweets``,
``missing_result:grep``, ``continuation_error:mv``, ``order:broken_order``, ...), each with
a detail line. ``order:broken_order`` flags an order-swap item "repaired" by re-issuing its
calls in the original, broken order (an exact-match scorer passes it).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from tool_reflect.execution.env import state_diff
from tool_reflect.execution.trajectory import (
    Reference,
    load_trajectory,
    replay_to_error,
    run_reference,
    run_tail,
)
from tool_reflect.matching import call_key
from tool_reflect.parsing import ParsedOutput, parse_output
from tool_reflect.records import RepairItem, ToolCall

log = logging.getLogger(__name__)
RESULT_MODES = ("all", "read_only")


@dataclass
class ExecutedVerdict:
    """``passed``: the repair works. ``reasons``: why not (``family:kind``), with one
    ``details`` line each. ``state_only``: acceptance could rest on state alone (the ground
    truth has no read-only call whose result a repair must reproduce)."""

    passed: bool
    reasons: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    state_only: bool = False

    def add(self, reason: str, detail: str = "") -> None:
        self.reasons.append(reason)
        self.details.append(detail[:200])

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "reasons": self.reasons, "details": self.details,
                "state_only": self.state_only}


def recipe_of(item: RepairItem | dict[str, Any] | str) -> dict[str, Any]:
    """The replay recipe of an item (or a recipe given as a dict or JSON text, as in a
    verl parquet row); ``ValueError`` if there is none (not an executable item)."""
    value: Any = json.loads(item) if isinstance(item, str) else item
    recipe = value if isinstance(value, dict) else (value.provenance or {}).get("recipe")
    if not isinstance(recipe, dict) or "source" not in recipe:
        raise ValueError("no replay recipe (not an executable item)")
    return recipe


def recipe_text(item: RepairItem) -> str:
    """The recipe as compact JSON text (for a parquet column or a reward's extra_info)."""
    return json.dumps(recipe_of(item), sort_keys=True, separators=(",", ":"))


def is_executable(item: RepairItem) -> bool:
    return isinstance((item.provenance or {}).get("recipe"), dict)


@lru_cache(maxsize=4096)
def _reference(recipe_text: str) -> Reference:
    return run_reference(json.loads(recipe_text))


def reference(recipe: dict[str, Any]) -> Reference:
    """The ground-truth repair's run from the post-error state (cached per recipe)."""
    return _reference(json.dumps(recipe, sort_keys=True))


def executed_verdict(item: RepairItem | dict[str, Any] | str,
                     attempt: ParsedOutput | list[ToolCall], results: str = "all") -> ExecutedVerdict:
    """Execute an attempt's calls from the item's post-error state and judge the result.
    ``item``: a RepairItem, or its recipe (dict or JSON text); ``results``: ``all`` or
    ``read_only`` (which ground-truth results must be reproduced). Raises ``BFCLMissing``
    without bfcl-eval and ``ValueError`` for an item with no recipe."""
    if results not in RESULT_MODES:
        raise ValueError(f"results must be one of {RESULT_MODES}, got {results!r}")
    recipe = recipe_of(item)
    ref = reference(recipe)
    required = _required(_truth_calls(recipe), ref, results)
    verdict = ExecutedVerdict(False, state_only=not required)
    calls = attempt if isinstance(attempt, list) else attempt.calls
    if isinstance(attempt, ParsedOutput):
        for issue in attempt.errors:
            verdict.add(f"format:{issue.code}", issue.detail)
    if not calls:
        verdict.add("repair:no_calls", "the attempt makes no call")
    _flag_broken_order(recipe, _truth_calls(recipe), calls, verdict)
    _check_results(required, _run(recipe, ref, calls, verdict), verdict)
    verdict.passed = not verdict.reasons
    return verdict


def _run(recipe: dict[str, Any], ref: Reference, calls: list[ToolCall],
         verdict: ExecutedVerdict) -> list[Any]:
    """Execute the attempt, compare the state with the ground-truth repair's, then run the
    rest of the trajectory; returns the attempt's results."""
    env, _, _ = replay_to_error(recipe)
    results = []
    for call in calls:
        res = env.execute(call)
        results.append(res.value)
        if not res.ok:
            verdict.add(f"call_error:{call.name}", res.error or "")
    diff = state_diff(env.view(), ref.post_state)
    for attr in diff:
        verdict.add(f"state:{attr}", "right after the repair, differs from the ground-truth repair's")
    if not diff:
        for reason, detail in run_tail(env, recipe):
            verdict.add(reason, detail)
    return results


def _truth_calls(recipe: dict[str, Any]) -> list[ToolCall]:
    traj = load_trajectory(recipe["source"], recipe["long_context"])
    return [traj.steps[k].call for k in recipe["truth"]]


def _informative(value: Any) -> bool:
    return value not in (None, {}, [], "")


def _required(truth: list[ToolCall], ref: Reference, mode: str) -> list[tuple[str, Any]]:
    """(function name, result) pairs a repair must reproduce."""
    return [(call.name, res.value) for call, res, ro in zip(truth, ref.truth_results, ref.read_only,
                                                            strict=True)
            if _informative(res.value) and (mode == "all" or ro)]


def _check_results(required: list[tuple[str, Any]], results: list[Any],
                   verdict: ExecutedVerdict) -> None:
    """Every required ground-truth result must be among the attempt's results."""
    pool = list(results)
    for name, want in required:
        if want in pool:
            pool.remove(want)
        else:
            verdict.add(f"missing_result:{name}", "a ground-truth result is not reproduced")


def _flag_broken_order(recipe: dict[str, Any], truth: list[ToolCall], calls: list[ToolCall],
                       verdict: ExecutedVerdict) -> None:
    if recipe["perturbation"] != "order_swap" or len(truth) != 2:
        return
    first, then = (call_key(c) for c in truth)
    keys = [call_key(c) for c in calls]
    if first in keys and then in keys and keys.index(then) < keys.index(first):
        verdict.add("order:broken_order", "the dependent call is issued before its prerequisite again")


def score_executed(item: RepairItem | dict[str, Any] | str, output: Any,
                   expected_format: str | None = None, results: str = "all") -> ExecutedVerdict:
    """Parse a completion (text or message dict) and judge it by execution. Never raises:
    a sample that cannot be judged fails with an ``execution_failure:<Type>`` reason."""
    try:
        return executed_verdict(item, parse_output(output, expected_format), results)
    except Exception as exc:  # one bad sample must not stop an eval run
        log.warning("execution_failure on item %s: %s: %s", getattr(item, "id", "?"),
                    type(exc).__name__, exc)
        verdict = ExecutedVerdict(False)
        verdict.add(f"execution_failure:{type(exc).__name__}", str(exc))
        return verdict
