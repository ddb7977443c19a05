"""BFCL trajectories, replay recipes and the clean reference run they are checked against.

A *recipe* (stored in ``item.provenance["recipe"]``, plain JSON) says how to rebuild an
item's post-error state: the BFCL source id and ``long_context``; the ground-truth steps
already executed in the transcript (the first ``prefix`` steps minus ``skipped``); the
erroneous call(s); the steps of the ground-truth repair (``truth``); and ``resume``, the
index of the first remaining ground-truth step after the repair.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tool_reflect.execution.bfcl import BFCLEnv, get_entry, parse_call, tool_schemas
from tool_reflect.execution.env import CallResult, State, state_diff
from tool_reflect.records import ToolCall

RECIPE_VERSION = 1


@dataclass(frozen=True)
class Step:
    """One ground-truth call: its turn, its index in the turn, and the backend owning it."""

    turn: int
    index: int
    call: ToolCall
    backend: str


@dataclass
class Trajectory:
    """A BFCL entry flattened into steps, with the clean run's results and final state."""

    source: str
    long_context: bool
    questions: list[list[dict[str, Any]]]
    steps: list[Step]
    results: list[CallResult]
    checkpoints: dict[int, State]    # last step of each turn -> clean public state after it
    tools: list[dict[str, Any]]
    owners: dict[str, str]

    @property
    def final(self) -> State:
        return self.checkpoints[max(self.checkpoints)] if self.checkpoints else {}

    def env(self) -> BFCLEnv:
        """Fresh backends in the entry's initial state."""
        env = BFCLEnv()
        env.reset({"source": self.source, "long_context": self.long_context})
        return env


def _owners(env: BFCLEnv) -> dict[str, str]:
    return {name: type(m.__self__).__name__ for name, m in env.methods.items()}


@lru_cache(maxsize=1024)
def load_trajectory(source: str, long_context: bool | None = None) -> Trajectory:
    """The entry ``source`` as a trajectory; ``long_context`` defaults to the category's
    (true only for ``multi_turn_long_context_*``). Cached: treat as read-only."""
    entry = get_entry(source)
    if long_context is None:
        long_context = "long_context" in source
    env = BFCLEnv()
    env.reset({"source": source, "long_context": long_context})
    owners = _owners(env)
    steps, results, checkpoints = [], [], {}
    for t, turn in enumerate(entry["ground_truth"]):
        for i, text in enumerate(turn):
            name = text.split("(", 1)[0].strip()
            call = parse_call(text, env.signature(name))
            steps.append(Step(t, i, call, owners.get(call.name, "")))
            results.append(env.execute(call))
        if turn:
            checkpoints[len(steps) - 1] = env.snapshot()
    tools = tool_schemas(entry["involved_classes"], entry.get("excluded_function") or [])
    return Trajectory(source, long_context, entry["question"], steps, results, checkpoints,
                      tools, owners)


def transcript_steps(recipe: dict[str, Any]) -> list[int]:
    """Indices of the ground-truth steps executed before the erroneous call."""
    skipped = set(recipe.get("skipped") or [])
    return [k for k in range(recipe["prefix"]) if k not in skipped]


def erroneous_calls(recipe: dict[str, Any]) -> list[ToolCall]:
    return [ToolCall.from_dict(c) for c in recipe["erroneous"]]


def replay_to_error(recipe: dict[str, Any]) -> tuple[BFCLEnv, list[CallResult], list[CallResult]]:
    """Fresh backends brought to the item's post-error state: (env, transcript results,
    erroneous-call results)."""
    traj = load_trajectory(recipe["source"], recipe["long_context"])
    env = traj.env()
    before = [env.execute(traj.steps[k].call) for k in transcript_steps(recipe)]
    failed = [env.execute(c) for c in erroneous_calls(recipe)]
    return env, before, failed


def run_tail(env: BFCLEnv, recipe: dict[str, Any]) -> list[tuple[str, str]]:
    """Run the rest of the trajectory (from ``resume``) after a repair, checking each
    result against the clean run and the public state at the end of every turn (as BFCL
    checks per turn), from the repair on. Returns ``(reason, detail)`` pairs for the first
    mismatch (empty when the run matches the clean one)."""
    traj = load_trajectory(recipe["source"], recipe["long_context"])
    start = recipe["resume"]
    if start - 1 in traj.checkpoints:
        problems = _state_problems(env, traj, start - 1)
        if problems:
            return problems
    for k in range(start, len(traj.steps)):
        got, want, name = env.execute(traj.steps[k].call), traj.results[k], traj.steps[k].call.name
        if got != want:
            kind = "continuation_error" if not got.ok else "continuation_result"
            return [(f"{kind}:{name}", f"step {k}: {got.error or 'result differs from the clean run'}")]
        if k in traj.checkpoints:
            problems = _state_problems(env, traj, k)
            if problems:
                return problems
    return []


def _state_problems(env: BFCLEnv, traj: Trajectory, k: int) -> list[tuple[str, str]]:
    detail = f"differs from the clean run at the end of turn {traj.steps[k].turn}"
    return [(f"state:{attr}", detail) for attr in state_diff(env.view(), traj.checkpoints[k])]


@dataclass
class Reference:
    """What the ground-truth repair does from the post-error state."""

    truth_results: list[CallResult]
    read_only: list[bool]            # per truth call: public state unchanged by it
    post_state: State                # public state right after the repair


def run_reference(recipe: dict[str, Any]) -> Reference:
    """Replay the recipe, then the ground-truth repair."""
    traj = load_trajectory(recipe["source"], recipe["long_context"])
    env, _, _ = replay_to_error(recipe)
    results, read_only = [], []
    for k in recipe["truth"]:
        before = env.snapshot()
        results.append(env.execute(traj.steps[k].call))
        read_only.append(env.view() == before)
    return Reference(results, read_only, env.snapshot())
