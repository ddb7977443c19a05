"""Generated repairs for checking the executed verdict: equivalent alternatives (other
spellings that end in the same state) and wrong repairs (that must be rejected).

Equivalence and wrongness are established here by raw execution of single calls on the
backends (full state, private attributes and RNG included), never by the verdict itself.
"""

from __future__ import annotations

import inspect
import random
from collections.abc import Iterator
from copy import deepcopy
from typing import Any

from tool_reflect.execution.bfcl import BFCLEnv
from tool_reflect.execution.perturb import _typo
from tool_reflect.execution.trajectory import erroneous_calls, load_trajectory, replay_to_error
from tool_reflect.execution.verdict import recipe_of
from tool_reflect.records import RepairItem, ToolCall

Variant = tuple[str, list[ToolCall]]  # (kind, calls)


def full_state(env: BFCLEnv) -> dict[str, Any]:
    """Every attribute of every backend (private ones and RNG states included)."""
    out = {}
    for cls, inst in env.instances.items():
        out[cls] = {k: v.getstate() if isinstance(v, random.Random) else deepcopy(v)
                    for k, v in vars(inst).items() if k != "_api_description"}
    return out


def _effect(env: BFCLEnv, calls: list[ToolCall]) -> tuple[list[Any], dict[str, Any]]:
    """Results and full state after running ``calls`` on a fork of ``env``."""
    fork = env.fork()
    results = [fork.execute(c) for c in calls]
    return results, full_state(fork)


def _observable(env: BFCLEnv, calls: list[ToolCall]) -> tuple[list[Any], Any]:
    """Results and public state right after running ``calls`` on a fork of ``env``."""
    fork = env.fork()
    return [fork.execute(c) for c in calls], fork.snapshot()


def _post_error(item: RepairItem) -> BFCLEnv:
    env, _, _ = replay_to_error(recipe_of(item))
    return env


def _pure_calls(item: RepairItem, env: BFCLEnv) -> list[ToolCall]:
    """Trajectory calls that succeed here and change nothing at all (not even ``cd``'s
    private working directory or an RNG)."""
    traj = load_trajectory(recipe_of(item)["source"], recipe_of(item)["long_context"])
    before, out, seen = full_state(env), [], set()
    for step in traj.steps:
        key = repr(step.call)
        if key in seen:
            continue
        seen.add(key)
        results, after = _effect(env, [step.call])
        if results[0].ok and after == before:
            out.append(step.call)
    return out


def _schema(item: RepairItem, name: str) -> dict[str, Any]:
    tool = next((t for t in item.tools if t["name"] == name), {})
    return (tool.get("parameters") or {}).get("properties") or {}


def _defaults(env: BFCLEnv, name: str) -> dict[str, Any]:
    """The backend method's real keyword defaults (not the docs' spelling of them)."""
    method = env.methods.get(name)
    params = inspect.signature(method).parameters.values() if method else []
    return {p.name: p.default for p in params
            if p.default is not inspect.Parameter.empty and p.default is not None}


def _spellings(item: RepairItem, env: BFCLEnv, call: ToolCall) -> Iterator[ToolCall]:
    """The same call spelled differently: a default made explicit or omitted, an integral
    number as int or float."""
    props = _schema(item, call.name)
    for name, default in sorted(_defaults(env, call.name).items()):
        if name not in call.arguments:
            yield ToolCall(call.name, {**call.arguments, name: default})
        elif call.arguments[name] == default and type(call.arguments[name]) is type(default):
            yield ToolCall(call.name, {k: v for k, v in call.arguments.items() if k != name})
    for name, value in sorted(call.arguments.items()):
        if isinstance(value, float) and value.is_integer():
            yield ToolCall(call.name, {**call.arguments, name: int(value)})
        elif isinstance(value, int) and not isinstance(value, bool) and props.get(name, {}).get("type") == "number":
            yield ToolCall(call.name, {**call.arguments, name: float(value)})


def alternatives(item: RepairItem, rng: random.Random) -> list[Variant]:
    """Repairs that differ from the ground truth as strings but end in the same state."""
    env, gt = _post_error(item), item.ground_truth.calls
    want = _effect(env, gt)
    out: list[Variant] = []
    for i, call in enumerate(gt):
        for alt in _spellings(item, env, call):
            out.append(("spelling", [*gt[:i], alt, *gt[i + 1:]]))
    pure = _pure_calls(item, env)
    if pure:
        extra = rng.choice(pure)
        out += [("extra_read_only_before", [extra, *gt]), ("extra_read_only_after", [*gt, extra])]
    # keep only those that really end in the same full state with the same gt results
    return [(k, calls) for k, calls in out if _same_end(env, calls, want)]


def _same_end(env: BFCLEnv, calls: list[ToolCall], want: tuple[list[Any], dict[str, Any]]) -> bool:
    results, state = _effect(env, calls)
    return state == want[1] and all(r.ok for r in results)


def _wrong_value(call: ToolCall, rng: random.Random) -> Iterator[ToolCall]:
    for name, value in sorted(call.arguments.items()):
        if isinstance(value, bool):
            new: Any = not value
        elif isinstance(value, str):
            new = _typo(value, rng)
        elif isinstance(value, (int, float)):
            new = value + rng.choice([1, 2, 5, 10])
        elif isinstance(value, list) and value:
            new = value[:-1]
        else:
            continue
        yield ToolCall(call.name, {**call.arguments, name: new})


def wrong_repairs(item: RepairItem, rng: random.Random) -> list[Variant]:
    """Repairs that do not work: wrong values, missing calls, the failed call repeated,
    calls that error, an extra state-changing call, dependent calls in the broken order.
    A wrong value is kept only if its results or the public state right after differ from
    the ground truth's (a date the backend ignores is not observably wrong)."""
    env, gt = _post_error(item), item.ground_truth.calls
    want = _observable(env, gt)
    out: list[Variant] = [("failed_repeated", erroneous_calls(recipe_of(item)))]
    for i, call in enumerate(gt):
        out.append(("missing_call", [*gt[:i], *gt[i + 1:]]))
        out.append(("unknown_function", [*gt[:i], ToolCall(call.name + "_v2", call.arguments), *gt[i + 1:]]))
        for bad in _wrong_value(call, rng):
            calls = [*gt[:i], bad, *gt[i + 1:]]
            if _observable(env, calls) != want:  # else: no observable difference
                out.append(("wrong_value", calls))
    if item.perturbation == "order_swap":
        out.append(("broken_order", gt[::-1]))
    extra = _state_changing(item, env, gt)
    if extra is not None:
        out.append(("extra_state_change", [*gt, extra]))
    return out


def _state_changing(item: RepairItem, env: BFCLEnv, gt: list[ToolCall]) -> ToolCall | None:
    """A trajectory call that succeeds after the repair and changes the public state. The
    rest of the item's own turn is excluded: running ahead with it is not wrong (BFCL
    judges a turn by its end state), and is accepted when re-running it is harmless."""
    recipe = recipe_of(item)
    traj = load_trajectory(recipe["source"], recipe["long_context"])
    for k, step in enumerate(traj.steps):
        if k >= recipe["resume"] and step.turn == recipe["turn"]:
            continue
        fork = env.fork()
        for c in gt:
            fork.execute(c)
        before = fork.snapshot()
        if fork.execute(step.call).ok and fork.snapshot() != before:
            return step.call
    return None
