"""Seeded, execution-grounded generator of repair items from clean trajectories.

For each trajectory and step, candidate perturbations are built, executed in the
simulator, and kept only if the erroneous call fails and the ground-truth calls then
succeed. Types (the labeler in :mod:`tool_reflect.labeler` recovers them from the item):

- ``argument_error`` (subtypes ``null``, ``wrong_type``, ``sentinel_string``,
  ``out_of_enum``, ``dropped_required_key``): step j with one argument corrupted;
  ground truth = step j.
- ``order_swap``: step j+1 needs step j to have run (a state precondition) but none of
  its values, and is called first; ground truth = [step j, step j+1 unchanged].
- ``missing_prerequisite``: step j uses a value only step i's result provides; step i is
  skipped and the value fabricated; ground truth = [step i].
- ``redundant_call``: the previous call is repeated; ground truth = step j.

Same seed and inputs give byte-identical output (``random.Random(seed)`` only, sorted
iteration, sha256 ids).
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from tool_reflect.gen.catalogue import Domain, Trajectory
from tool_reflect.gen.reflections import write_reflection
from tool_reflect.gen.simulator import CallError, World, leaf_values
from tool_reflect.matching import call_key
from tool_reflect.records import PERTURBATIONS, GroundTruth, Message, RepairItem, ToolCall

GENERATOR_VERSION = "1.0.0"
SENTINELS = ["invalid_input", "wrong_value", "incorrect_parameter", "<unknown>", "TBD"]
log = logging.getLogger(__name__)


@dataclass
class Candidate:
    """A perturbation before it is turned into an item."""

    domain: str
    trajectory: Trajectory
    world: World
    tools: list[dict[str, Any]]
    kind: str
    subtype: str
    prefix: int                     # steps kept in the transcript
    failed: ToolCall
    truth: list[ToolCall]
    argument: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class GenerationReport:
    """Counts of what was made and what was skipped, and why."""

    made: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    rejected_trajectories: list[str] = field(default_factory=list)


def _wrong_type(value: Any) -> Any:
    if isinstance(value, str):
        return 12345
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, (int, float)):
        return str(value)
    return "not a list" if isinstance(value, list) else "not an object"


def argument_corruptions(call: ToolCall, schema: dict[str, Any],
                         rng: random.Random) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(subtype, argument, corrupted arguments) for each argument of a call."""
    props = (schema.get("parameters") or {}).get("properties") or {}
    required = (schema.get("parameters") or {}).get("required") or []
    for name in sorted(call.arguments):
        value = call.arguments[name]
        yield "null", name, {**call.arguments, name: None}
        yield "wrong_type", name, {**call.arguments, name: _wrong_type(value)}
        if isinstance(value, str) or props.get(name, {}).get("type") == "string":
            yield "sentinel_string", name, {**call.arguments, name: rng.choice(SENTINELS)}
        if "enum" in props.get(name, {}):
            yield "out_of_enum", name, {**call.arguments, name: f"{value}_premium"}
        if name in required:
            yield "dropped_required_key", name, {k: v for k, v in call.arguments.items()
                                                 if k != name}


def validate_trajectory(world: World, traj: Trajectory) -> str | None:
    """Why a trajectory cannot be used (naming its step), or ``None``."""
    w = world.fresh()
    for i, step in enumerate(traj.steps):
        ok, res = w.execute(step.call)
        if not ok:
            return f"{traj.id} step {i} ({step.call.name}): {res.message}"
    return None


def candidates(domain: Domain, traj: Trajectory, rng: random.Random) -> Iterator[Candidate]:
    """Every perturbation a trajectory allows."""
    world = world_for(domain, traj)
    schemas = {t["name"]: t for t in domain.tools}
    calls = [s.call for s in traj.steps]

    def cand(kind, subtype, prefix, failed, truth, argument=None):
        return Candidate(domain.name, traj, world, domain.tools, kind, subtype, prefix,
                         failed, truth, argument)

    for j, call in enumerate(calls):
        for subtype, arg, args in argument_corruptions(call, schemas[call.name], rng):
            yield cand("argument_error", subtype, j, ToolCall(call.name, args), [call], arg)
        if j >= 1:
            yield cand("redundant_call", "repeat_previous", j, calls[j - 1], [call])
        if j + 1 < len(calls) and calls[j].name in domain.preconditions.get(calls[j + 1].name, []):
            yield cand("order_swap", "precondition", j, calls[j + 1], [call, calls[j + 1]])
        for i in range(j):
            produced = world.producible & set(_leaves(traj.steps[i].result))
            used = [k for k, v in sorted(call.arguments.items())
                    if isinstance(v, str) and v in produced]
            if used and not any(set(_leaves(calls[m].arguments.values())) & produced
                                for m in range(i + 1, j)):
                arg = used[0]
                fake = f"{str(call.arguments[arg]).split('_')[0]}_{_fake_suffix(traj.id, j)}"
                yield cand("missing_prerequisite", "fabricated_id", i,
                           ToolCall(call.name, {**call.arguments, arg: fake}), [calls[i]], arg)


def world_for(domain: Domain, traj: Trajectory) -> World:
    """The simulator world of one trajectory: its domain's tools and its recorded results."""
    return World(domain.tools, domain.preconditions,
                 {call_key(s.call): s.result for s in traj.steps}, traj.request,
                 domain.track_values)


def _leaves(value: Any) -> list[Any]:
    return leaf_values(value if isinstance(value, (dict, list)) else list(value))


def _fake_suffix(*parts: Any) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[-6:]


def ground(c: Candidate) -> tuple[list[Any], CallError, list[Any]] | None:
    """Execute: transcript results, the failure, ground-truth results; ``None`` if the
    perturbation does not fail or its repair does not succeed."""
    w = c.world.fresh()
    transcript = []
    for step in c.trajectory.steps[:c.prefix]:
        ok, res = w.execute(step.call)
        if not ok:
            return None
        transcript.append(res)
    ok, err = w.execute(c.failed)
    if ok:
        return None
    truth = []
    for call in c.truth:
        ok, res = w.execute(call)
        if not ok:
            return None
        truth.append(res)
    return transcript, err, truth


def to_item(c: Candidate, grounded: tuple, seed: int, error_style: str,
            rng: random.Random) -> RepairItem:
    transcript, err, _ = grounded
    messages = [Message(role="user", content=c.trajectory.request)]
    for k, (step, res) in enumerate(zip(c.trajectory.steps[:c.prefix], transcript, strict=True)):
        call = ToolCall(step.call.name, deepcopy(step.call.arguments), f"call_{k}")
        messages += [Message(role="assistant", tool_calls=[call]),
                     Message(role="tool", tool_call_id=call.id, name=call.name, content=res)]
    fid = f"call_{c.prefix}"
    messages += [Message(role="assistant", tool_calls=[ToolCall(c.failed.name,
                                                                deepcopy(c.failed.arguments), fid)]),
                 Message(role="tool", tool_call_id=fid, name=c.failed.name,
                         content=err.response(c.failed.name, error_style), error=True)]
    truth = [ToolCall(t.name, deepcopy(t.arguments)) for t in c.truth]
    reflection = write_reflection(c.kind, c.subtype, c.failed, truth, err, c.argument, rng)
    body = json.dumps([c.trajectory.id, c.kind, c.subtype, c.prefix, c.failed.to_dict(),
                       [t.to_dict() for t in truth], error_style], sort_keys=True)
    item_id = f"{c.domain}-{hashlib.sha256(body.encode()).hexdigest()[:12]}"
    return RepairItem(
        id=item_id, tools=deepcopy(c.tools), messages=messages,
        ground_truth=GroundTruth(reflection=reflection, calls=truth),
        perturbation=c.kind, subtype=c.subtype,
        provenance={"source": "catalogue", "domain": c.domain, "trajectory": c.trajectory.id,
                    "step": c.prefix, "argument": c.argument, "seed": seed,
                    "error_style": error_style, "generator": GENERATOR_VERSION})


def generate(domains: list[Domain], n: int | None, seed: int = 0, error_style: str = "specific",
             balance: bool = True, report: GenerationReport | None = None,
             progress: bool = False) -> list[RepairItem]:
    """Up to ``n`` items (all if ``None``), balanced over the four types when ``balance``."""
    from tqdm import tqdm

    report = report if report is not None else GenerationReport()
    rng = random.Random(seed)
    pools: dict[str, list[Candidate]] = defaultdict(list)
    for dom in sorted(domains, key=lambda d: d.name):
        for traj in dom.trajectories:
            problem = validate_trajectory(world_for(dom, traj), traj)
            if problem:
                report.rejected_trajectories.append(problem)
                log.debug("rejected trajectory %s", problem)
                continue
            for c in candidates(dom, traj, rng):
                pools[c.kind].append(c)
    if report.rejected_trajectories:
        log.warning("rejected %d trajectories (first: %s)", len(report.rejected_trajectories),
                    report.rejected_trajectories[0])
    for kind in PERTURBATIONS:
        rng.shuffle(pools[kind])
    per_type = None if n is None else (n // len(PERTURBATIONS) if balance else None)
    order = _interleave(pools)
    items: list[RepairItem] = []
    seen: set[str] = set()
    for c in tqdm(order, desc="generating", unit="item", disable=not progress):
        if n is not None and len(items) >= n:
            break
        if per_type is not None and report.made[c.kind] >= per_type:
            continue
        grounded = ground(c)
        if grounded is None:
            report.skipped[f"{c.kind}:not_grounded"] += 1
            continue
        item = to_item(c, grounded, seed, error_style, rng)
        key = item.id
        if key in seen:
            report.skipped[f"{c.kind}:duplicate"] += 1
            continue
        seen.add(key)
        items.append(item)
        report.made[c.kind] += 1
    return items


def _interleave(pools: dict[str, list[Candidate]]) -> list[Candidate]:
    """Round-robin over types so a limit keeps the mix balanced."""
    out: list[Candidate] = []
    lists = [pools[k] for k in PERTURBATIONS]
    for i in range(max((len(x) for x in lists), default=0)):
        for lst in lists:
            if i < len(lst):
                out.append(lst[i])
    return out


def split_domains(domains: list[Domain], test_domains: list[str]) -> tuple[list[Domain], list[Domain]]:
    """(train, test) domain lists; no domain is in both."""
    names = {d.name for d in domains}
    unknown = set(test_domains) - names
    if unknown:
        raise ValueError(f"unknown test domains: {sorted(unknown)}")
    return ([d for d in domains if d.name not in test_domains],
            [d for d in domains if d.name in test_domains])
