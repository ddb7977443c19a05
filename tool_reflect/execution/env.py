"""The environment interface: reset from a recipe, execute one call, snapshot the state.

Backend-neutral; :mod:`tool_reflect.execution.bfcl` implements it on BFCL's executable
backends. A snapshot is the *public* state (attributes not starting with ``_``) of each
backend instance, compared with ``==`` as BFCL's ``state_checker`` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from tool_reflect.records import ToolCall

State = dict[str, dict[str, Any]]  # backend name -> public attribute -> value


@dataclass
class CallResult:
    """What one executed call returned: a JSON-ready ``value``; ``error`` is the error
    text when the call failed (an ``{"error": ...}`` result or a raised exception)."""

    value: Any
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class Environment(Protocol):
    """A stateful tool world that items are built on and repairs are executed in."""

    def reset(self, recipe: dict[str, Any]) -> None:
        """Start from the initial state the recipe names (fresh backend instances)."""

    def execute(self, call: ToolCall) -> CallResult:
        """Execute one call by name; never raises for a bad call."""

    def snapshot(self) -> State:
        """A deep copy of the public state of every backend."""


def state_diff(got: State, want: State) -> list[str]:
    """``backend.attribute`` for every public attribute that differs (sorted)."""
    out = []
    for backend in sorted(set(got) | set(want)):
        a, b = got.get(backend, {}), want.get(backend, {})
        out += [f"{backend}.{k}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    return out
