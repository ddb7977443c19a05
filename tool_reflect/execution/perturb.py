"""Candidate perturbations of a BFCL trajectory, as replay recipes (not yet executed).

- ``argument_error``: step g with one argument corrupted; truth = [g], resume g+1.
- ``order_swap``: step g+1 (same turn) issued before step g; truth = [g, g+1], resume g+2.
- ``missing_prerequisite``: step i skipped, step j (same turn) issued with an invented
  value that only i's result provides; truth = [i], resume j (j is then run for real).
- ``redundant_call``: step g-1 (same turn) repeated in place of step g; truth = [g], resume g+1.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from typing import Any

from tool_reflect.execution.trajectory import RECIPE_VERSION, Trajectory
from tool_reflect.records import ToolCall

SENTINELS = ["invalid_input", "<unknown>", "TBD", "placeholder", "N/A"]


def _wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, str):
        return 12345
    if isinstance(value, (int, float)):
        return str(value)
    return "not a list" if isinstance(value, list) else "not an object"


def _typo(value: str, rng: random.Random) -> str:
    """A near miss of a string value: one character changed, or a suffix added."""
    letters = [i for i, ch in enumerate(value) if ch.isalnum()]
    if not letters:
        return value + "_old"
    i = rng.choice(letters)
    pool = string.digits if value[i].isdigit() else string.ascii_lowercase
    ch = rng.choice([c for c in pool if c != value[i].lower()])
    return value[:i] + ch + value[i + 1:]


def corruptions(call: ToolCall, schema: dict[str, Any], rng: random.Random
                ) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(subtype, argument, corrupted arguments) for each argument of a call."""
    params = schema.get("parameters") or {}
    props, required = params.get("properties") or {}, params.get("required") or []
    for name in sorted(call.arguments):
        value, args = call.arguments[name], call.arguments
        if isinstance(value, str):
            yield "wrong_value", name, {**args, name: _typo(value, rng)}
            yield "sentinel_string", name, {**args, name: rng.choice(SENTINELS)}
        if "enum" in props.get(name, {}):
            yield "out_of_enum", name, {**args, name: f"{value}_premium"}
        yield "wrong_type", name, {**args, name: _wrong_type(value)}
        yield "null", name, {**args, name: None}
        if name in required:
            yield "dropped_required_key", name, {k: v for k, v in args.items() if k != name}


def _recipe(traj: Trajectory, kind: str, subtype: str, prefix: int, erroneous: ToolCall,
            truth: list[int], resume: int, at: int, skipped: list[int] | None = None,
            argument: str | None = None) -> dict[str, Any]:
    step = traj.steps[at]
    return {"version": RECIPE_VERSION, "source": traj.source, "long_context": traj.long_context,
            "turn": step.turn, "step": step.index, "perturbation": kind, "subtype": subtype,
            "argument": argument, "prefix": prefix, "skipped": skipped or [],
            "erroneous": [erroneous.to_dict()], "truth": truth, "resume": resume}


def argument_errors(traj: Trajectory, g: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    """Corruptions of step g, in a seeded order (the caller keeps the first that grounds)."""
    call = traj.steps[g].call
    schema = next((t for t in traj.tools if t["name"] == call.name), {})
    options = list(corruptions(call, schema, rng))
    rng.shuffle(options)
    for subtype, arg, args in options:
        yield _recipe(traj, "argument_error", subtype, g, ToolCall(call.name, args), [g], g + 1,
                      g, argument=arg)


def order_swap(traj: Trajectory, g: int) -> dict[str, Any] | None:
    steps = traj.steps
    if g + 1 >= len(steps) or steps[g + 1].turn != steps[g].turn:
        return None
    return _recipe(traj, "order_swap", "dependent_pair", g, steps[g + 1].call, [g, g + 1],
                   g + 2, g + 1)


def redundant_call(traj: Trajectory, g: int) -> dict[str, Any] | None:
    steps = traj.steps
    if g < 1 or steps[g - 1].turn != steps[g].turn:
        return None
    return _recipe(traj, "redundant_call", "repeat_previous", g, steps[g - 1].call, [g], g + 1, g)


def leaves(value: Any) -> Iterator[Any]:
    """Scalar leaves of a JSON value (strings, numbers; not booleans or null)."""
    if isinstance(value, dict):
        for v in value.values():
            yield from leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from leaves(v)
    elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
        yield value


def _distinctive(v: Any) -> bool:
    if isinstance(v, str):
        return len(v) >= 3
    return v not in (0, 1)


def _known_elsewhere(traj: Trajectory, i: int, j: int, value: Any) -> bool:
    """Whether the model could know ``value`` at step j without step i: it is in the user
    text so far, or a leaf of another earlier result or argument."""
    turn, text = traj.steps[j].turn, str(value)
    if any(text in m["content"] for q in traj.questions[:turn + 1] for m in q):
        return True
    return any(text == str(v) for k in range(j) if k != i
               for v in (*leaves(traj.results[k].value), *leaves(traj.steps[k].call.arguments)))


def _fabricate(value: Any, rng: random.Random) -> Any:
    if isinstance(value, str):
        return _typo(value, rng)
    if isinstance(value, int):
        return value + rng.randint(2, 97)
    return round(value * rng.uniform(1.1, 1.9), 2)


def missing_prerequisites(traj: Trajectory, j: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    """Step i (same turn, before j) produced a value that step j uses and nothing else
    in the context gives; skip i and invent the value."""
    steps = traj.steps
    for i in range(j - 1, -1, -1):
        if steps[i].turn != steps[j].turn:
            return
        produced = {str(v) for v in leaves(traj.results[i].value) if _distinctive(v)}
        for arg in sorted(steps[j].call.arguments):
            v = steps[j].call.arguments[arg]
            if isinstance(v, bool) or not _distinctive(v) or str(v) not in produced:
                continue
            if _known_elsewhere(traj, i, j, v):
                continue
            fake = ToolCall(steps[j].call.name, {**steps[j].call.arguments, arg: _fabricate(v, rng)})
            yield _recipe(traj, "missing_prerequisite", "fabricated_value", j, fake, [i], j, j,
                          skipped=[i], argument=arg)
