"""Execution-grounded repair items from BFCL multi-turn trajectories.

Every candidate recipe (:mod:`tool_reflect.execution.perturb`) is executed on fresh BFCL
backends: the transcript's calls must succeed, the erroneous call must really fail (a
redundant call must fail or change the public state), the ground-truth repair must then
succeed, and the rest of the trajectory must give the clean run's results and final
state. Candidates that fail the last test are *dropped*: the erroneous call left side
effects the repair cannot undo. Same seed, same bytes (string-seeded ``random.Random``
per candidate, sorted iteration, sha256 ids).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from collections.abc import Iterable, Iterator
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from tool_reflect.execution import perturb
from tool_reflect.execution.bfcl import load_entries
from tool_reflect.execution.env import CallResult
from tool_reflect.execution.reflect import write_reflection
from tool_reflect.execution.trajectory import (
    Trajectory,
    erroneous_calls,
    load_trajectory,
    run_tail,
    transcript_steps,
)
from tool_reflect.records import GroundTruth, Message, RepairItem, ToolCall

GENERATOR_VERSION = "bfcl-1.0.0"


@dataclass
class BuildReport:
    """What was made (per type and backend) and why candidates did not become items.

    ``skipped``: the perturbation is not an error here (``no_error``, ``no_effect``) or its
    transcript/repair does not run; ``dropped``: the erroneous call left side effects the
    repair cannot undo (by the backend attribute or continuation step that differs)."""

    made: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    dropped: Counter = field(default_factory=Counter)
    dropped_detail: Counter = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {k: dict(sorted(getattr(self, k).items())) for k in
                ("made", "skipped", "dropped", "dropped_detail")}


@dataclass
class Grounded:
    """The executed facts an item is written from."""

    transcript: list[CallResult]
    failed: CallResult


def ground(recipe: dict[str, Any]) -> tuple[Grounded | None, str, str]:
    """Execute a candidate: (facts or None, outcome, detail). Outcomes: ``ok``,
    ``transcript_error``, ``no_error``, ``no_effect``, ``repair_error``, ``side_effect``."""
    traj = load_trajectory(recipe["source"], recipe["long_context"])
    env = traj.env()
    transcript = []
    for k in transcript_steps(recipe):
        res = env.execute(traj.steps[k].call)
        if not res.ok:
            return None, "transcript_error", traj.steps[k].call.name
        transcript.append(res)
    before = env.snapshot() if recipe["perturbation"] == "redundant_call" else None
    (failed,) = [env.execute(c) for c in erroneous_calls(recipe)]
    if failed.ok and (before is None or env.snapshot() == before):
        return None, "no_effect" if before is not None else "no_error", ""
    for k in recipe["truth"]:
        if not env.execute(traj.steps[k].call).ok:
            return None, "repair_error", traj.steps[k].call.name
    problems = run_tail(env, recipe)
    if problems:
        return None, "side_effect", problems[0][0]
    return Grounded(transcript, failed), "ok", ""


def candidates(traj: Trajectory, seed: int) -> Iterator[list[dict[str, Any]]]:
    """Groups of alternative recipes; the first of a group that grounds becomes an item."""
    for g in range(len(traj.steps)):
        rng = random.Random(f"{seed}:{traj.source}:{g}")
        yield list(perturb.argument_errors(traj, g, rng))
        for r in (perturb.order_swap(traj, g), perturb.redundant_call(traj, g)):
            if r is not None:
                yield [r]
        for r in perturb.missing_prerequisites(traj, g, rng):
            yield [r]


def _messages(traj: Trajectory, recipe: dict[str, Any], grounded: Grounded) -> list[Message]:
    steps = transcript_steps(recipe)
    results = dict(zip(steps, grounded.transcript, strict=True))
    out: list[Message] = []
    for turn in range(recipe["turn"] + 1):
        out += [Message(role="user", content=m["content"]) for m in traj.questions[turn]]
        for k in (k for k in steps if traj.steps[k].turn == turn):
            out += _exchange(traj.steps[k].call, results[k], _next_id(out))
    (failed,) = erroneous_calls(recipe)
    return out + _exchange(failed, grounded.failed, _next_id(out))


def _next_id(messages: list[Message]) -> str:
    return f"call_{sum(m.role == 'assistant' for m in messages)}"


def _exchange(call: ToolCall, res: CallResult, cid: str) -> list[Message]:
    return [Message(role="assistant", tool_calls=[ToolCall(call.name, deepcopy(call.arguments), cid)]),
            Message(role="tool", content=deepcopy(res.value), tool_call_id=cid, name=call.name,
                    error=not res.ok)]


def to_item(recipe: dict[str, Any], grounded: Grounded, seed: int) -> RepairItem:
    """The canonical item for a grounded recipe (its recipe kept in the provenance)."""
    traj = load_trajectory(recipe["source"], recipe["long_context"])
    truth = [ToolCall(traj.steps[k].call.name, deepcopy(traj.steps[k].call.arguments))
             for k in recipe["truth"]]
    (failed,) = erroneous_calls(recipe)
    rng = random.Random(f"{seed}:reflect:{json.dumps(recipe, sort_keys=True)}")
    error = grounded.failed.error or json.dumps(grounded.failed.value)
    reflection = write_reflection(recipe["perturbation"], recipe["subtype"], failed, truth, error,
                                  recipe["argument"], rng)
    body = json.dumps(recipe, sort_keys=True)
    return RepairItem(
        id=f"bfcl-{recipe['source'].removeprefix('multi_turn_')}-"
           f"{hashlib.sha256(body.encode()).hexdigest()[:10]}",
        tools=deepcopy(traj.tools), messages=_messages(traj, recipe, grounded),
        ground_truth=GroundTruth(reflection=reflection, calls=truth),
        perturbation=recipe["perturbation"], subtype=recipe["subtype"],
        provenance={"source": "bfcl", "bfcl_id": recipe["source"],
                    "backend": traj.owners.get(failed.name, ""), "seed": seed,
                    "generator": GENERATOR_VERSION, "recipe": recipe})


def build_items(sources: Iterable[str], seed: int = 0,
                report: BuildReport | None = None) -> list[RepairItem]:
    """Every item the trajectories ``sources`` (BFCL ids) allow, in source order."""
    report = report if report is not None else BuildReport()
    items: list[RepairItem] = []
    for source in sources:
        traj = load_trajectory(source)
        for group in candidates(traj, seed):
            item = _first_grounded(group, seed, report)
            if item is not None:
                items.append(item)
                report.made[f"{item.perturbation}:{item.provenance['backend']}"] += 1
    return items


def _first_grounded(group: list[dict[str, Any]], seed: int, report: BuildReport) -> RepairItem | None:
    for recipe in group:
        grounded, outcome, detail = ground(recipe)
        kind = recipe["perturbation"]
        if grounded is not None:
            return to_item(recipe, grounded, seed)
        if outcome == "side_effect":
            report.dropped[kind] += 1
            report.dropped_detail[f"{kind}:{detail}"] += 1
        else:
            report.skipped[f"{kind}:{outcome}"] += 1
    return None



def generate_bfcl(category: str = "base", seed: int = 0, n: int | None = None,
                  report: BuildReport | None = None) -> list[RepairItem]:
    """Every surviving item of a BFCL multi-turn category (the first ``n`` if given)."""
    items = build_items([e["id"] for e in load_entries(category)], seed, report)
    return items if n is None else items[:n]
