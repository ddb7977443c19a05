"""Simulated tool worlds: execute calls against JSON schemas and a world state.

A :class:`World` knows the domain's tool schemas, its preconditions (tool B fails unless
tool A ran earlier: a state dependency), and a trajectory's recorded results. Executing a
call checks, in order: the schema (required, types, enums, formats, bounds), the
preconditions, duplicates of calls already done, and value provenance (an argument value
that only an earlier result can produce, used before that result exists, or an id that
no result ever produced). Nothing in a schema or a record is executed as code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tool_reflect.matching import call_key, json_type
from tool_reflect.records import ToolCall

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_URI = re.compile(r"[a-z][a-z0-9+.-]*://\S+")
FORMATS = {"date": _DATE, "date-time": _DATETIME, "email": _EMAIL, "uri": _URI}
GENERIC_MESSAGE = ("Error in {fn}: The provided parameters do not match the expected format "
                   "or values.")


@dataclass
class CallError:
    """Why a call failed: a code (``INVALID_PARAMETERS``, ``PRECONDITION_FAILED``,
    ``DUPLICATE_OPERATION``, ``MISSING_DEPENDENCY``, ``NOT_FOUND``), the argument at fault
    (if any) and a specific message."""

    code: str
    message: str
    argument: str | None = None

    def response(self, fn: str, style: str = "specific") -> dict[str, Any]:
        """The tool's error object; ``generic`` mimics the original release."""
        if style == "generic":
            return {"status": "error", "message": GENERIC_MESSAGE.format(fn=fn), "result": None,
                    "error_code": "INVALID_PARAMETERS"}
        return {"status": "error", "message": self.message, "result": None,
                "error_code": self.code}


def _type_ok(value: Any, typ: str) -> bool:
    if typ == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if typ == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, {"string": str, "boolean": bool, "array": list, "object": dict,
                              "null": type(None)}.get(typ, object))


def validate_arguments(fn: str, args: dict[str, Any], schema: dict[str, Any]) -> CallError | None:
    """First schema violation of a call's arguments, or ``None``."""
    params = schema.get("parameters") or {}
    props = params.get("properties") or {}
    for name in params.get("required") or []:
        if name not in args:
            return CallError("INVALID_PARAMETERS",
                             f"Parameter validation failed for {fn}: required argument "
                             f"'{name}' is missing.", name)
    for name, value in args.items():
        spec = props.get(name)
        if spec is None:
            return CallError("INVALID_PARAMETERS",
                             f"Parameter validation failed for {fn}: unexpected argument "
                             f"'{name}'.", name)
        problem = _value_problem(value, spec)
        if problem:
            return CallError("INVALID_PARAMETERS",
                             f"Parameter validation failed for {fn}: argument '{name}' {problem}.",
                             name)
    return None


def _value_problem(value: Any, spec: dict[str, Any]) -> str | None:
    typ = spec.get("type")
    types = typ if isinstance(typ, list) else [typ] if typ else []
    if types and not any(_type_ok(value, t) for t in types):
        return f"must be of type {'/'.join(types)}, got {json_type(value)} {value!r:.40}"
    if "enum" in spec and value not in spec["enum"]:
        return f"must be one of {spec['enum']}, got {value!r:.40}"
    fmt = FORMATS.get(spec.get("format", ""))
    if fmt is not None and isinstance(value, str) and not fmt.fullmatch(value):
        return f"must be a valid {spec['format']}, got {value!r:.40}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in spec and value < spec["minimum"]:
            return f"must be >= {spec['minimum']}, got {value}"
        if "maximum" in spec and value > spec["maximum"]:
            return f"must be <= {spec['maximum']}, got {value}"
    return None


def leaf_values(value: Any) -> list[Any]:
    """Scalar leaves of a JSON value (strings and numbers, not booleans)."""
    if isinstance(value, dict):
        return [x for v in value.values() for x in leaf_values(v)]
    if isinstance(value, list):
        return [x for v in value for x in leaf_values(v)]
    if isinstance(value, bool) or value is None:
        return []
    return [value]


def _trackable(value: Any) -> bool:
    """Values whose provenance is followed: strings long enough to be ids, paths, tokens
    (numbers and short words recur by chance)."""
    return isinstance(value, str) and len(value) >= 4


@dataclass
class World:
    """A domain's tools plus one trajectory's recorded results, and the session state."""

    tools: list[dict[str, Any]]
    preconditions: dict[str, list[str]] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)  # call_key -> result
    request: str = ""
    track_values: bool = True  # off for imported data, whose results are not a real world
    ran: list[str] = field(default_factory=list)  # call keys in order
    ran_tools: set[str] = field(default_factory=set)
    produced: set[Any] = field(default_factory=set)
    producible: set[Any] = field(default_factory=set)  # values only results produce

    def __post_init__(self) -> None:
        self._schemas = {t["name"]: t for t in self.tools}
        self.producible = {v for r in self.results.values() for v in leaf_values(r)
                           if _trackable(v) and v not in self.request} if self.track_values else set()

    def fresh(self) -> World:
        """The same world with an empty session."""
        return World(self.tools, self.preconditions, self.results, self.request,
                     self.track_values)

    def check(self, call: ToolCall) -> CallError | None:
        """Why ``call`` would fail now, or ``None``."""
        schema = self._schemas.get(call.name)
        if schema is None:
            return CallError("NOT_FOUND", f"Unknown function '{call.name}'.")
        err = validate_arguments(call.name, call.arguments, schema)
        if err:
            return err
        for need in self.preconditions.get(call.name, []):
            if need not in self.ran_tools:
                return CallError("PRECONDITION_FAILED",
                                 f"{call.name} requires {need} to be called first in this "
                                 f"session.")
        key = call_key(call)
        if key in self.ran:
            step = self.ran.index(key) + 1
            return CallError("DUPLICATE_OPERATION",
                             f"Duplicate operation: {call.name} was already executed with these "
                             f"arguments (step {step}).")
        for name, value in call.arguments.items():
            for leaf in leaf_values(value):
                if leaf in self.producible and leaf not in self.produced:
                    return CallError("MISSING_DEPENDENCY",
                                     f"{call.name}: argument '{name}' uses {leaf!r}, which no "
                                     f"earlier call has produced yet.", name)
            if self.track_values and name.endswith("_id") and isinstance(value, str) \
                    and value not in self.producible and value not in self.request:
                return CallError("NOT_FOUND", f"{call.name}: no record with {name} {value!r}.",
                                 name)
        return None

    def execute(self, call: ToolCall) -> tuple[bool, Any]:
        """Run ``call``: ``(True, result)`` or ``(False, CallError)``; success updates state."""
        err = self.check(call)
        if err:
            return False, err
        key = call_key(call)
        result = self.results.get(key, {"status": "ok"})
        self.ran.append(key)
        self.ran_tools.add(call.name)
        self.produced.update(leaf_values(result))
        return True, result
