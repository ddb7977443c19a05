"""Canonical repair items: one failed tool call, its transcript and the repair that fixes it.

A :class:`RepairItem` is format-neutral. Assistant turns hold structured
:class:`ToolCall` objects, tool results are their own messages linked to their call by
``tool_call_id``, and the ground truth is split into reflection, corrected calls and an
optional final answer. Text formats (Qwen, Llama, native chat) are produced by
:mod:`tool_reflect.formats`.

``raw`` fields keep verbatim source text per format (``{"qwen": "..."}``) for the rare
records whose original spelling cannot be re-derived (e.g. compact JSON in a ground
truth); renderers use them only for that same format, so imports are lossless.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tool_reflect.errors import RecordError

PERTURBATIONS: tuple[str, ...] = (
    "argument_error",
    "order_swap",
    "missing_prerequisite",
    "redundant_call",
)
UNKNOWN = "unknown"
ROLES = ("user", "assistant", "tool")


@dataclass(slots=True)
class ToolCall:
    """One function call: a name and a JSON object of arguments."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "arguments": self.arguments}
        if self.id is not None:
            d["id"] = self.id
        return d

    @classmethod
    def from_dict(cls, d: Any, where: str = "") -> ToolCall:
        _need(isinstance(d, dict), where, "tool call", "must be an object")
        name = d.get("name")
        _need(isinstance(name, str) and name != "", where, "name", "must be a non-empty string")
        args = d.get("arguments", {})
        _need(isinstance(args, dict), where, "arguments", "must be an object")
        cid = d.get("id")
        _need(cid is None or isinstance(cid, str), where, "id", "must be a string")
        return cls(name=name, arguments=args, id=cid)


def call_objects(calls: list[ToolCall]) -> list[dict[str, Any]]:
    """Calls as ``{"name", "arguments"}`` objects: what is compared, without ids."""
    return [{"name": c.name, "arguments": c.arguments} for c in calls]


@dataclass
class Message:
    """A chat turn after the system prompt.

    ``user``: ``content`` is text. ``assistant``: optional text plus ``tool_calls``.
    ``tool``: ``content`` is the JSON value the tool returned (results, or an error
    object when ``error`` is true), linked to its call by ``tool_call_id``.
    """

    role: str
    content: Any = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None
    error: bool = False
    raw: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            d["tool_calls"] = [c.to_dict() for c in self.tool_calls]
        if self.role == "tool":
            d["tool_call_id"] = self.tool_call_id
            d["name"] = self.name
            d["error"] = self.error
        if self.raw:
            d["raw"] = dict(self.raw)
        return d

    @classmethod
    def from_dict(cls, d: Any, where: str = "") -> Message:
        _need(isinstance(d, dict), where, "message", "must be an object")
        role = d.get("role")
        _need(role in ROLES, where, "role", f"must be one of {ROLES}, got {role!r}")
        content = d.get("content", "")
        if role != "tool":
            _need(isinstance(content, str), where, "content", "must be a string")
        calls = d.get("tool_calls") or []
        _need(isinstance(calls, list), where, "tool_calls", "must be a list")
        raw = d.get("raw") or {}
        _need(isinstance(raw, dict), where, "raw", "must be an object")
        return cls(
            role=role,
            content=content,
            tool_calls=[ToolCall.from_dict(c, f"{where}.tool_calls[{i}]") for i, c in enumerate(calls)],
            tool_call_id=d.get("tool_call_id"),
            name=d.get("name"),
            error=bool(d.get("error", False)),
            raw=raw,
        )


@dataclass
class GroundTruth:
    """The target next turn: reflection, corrected call(s), optional final answer.

    ``reflection`` and ``final`` keep their inner text verbatim (whitespace included);
    ``sep`` is the text between ``</reflect>`` and the first call.
    """

    reflection: str | None
    calls: list[ToolCall] = field(default_factory=list)
    final: str | None = None
    sep: str = "\n\n"
    raw: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "reflection": self.reflection,
            "calls": [c.to_dict() for c in self.calls],
            "final": self.final,
            "sep": self.sep,
        }
        if self.raw:
            d["raw"] = dict(self.raw)
        return d

    @classmethod
    def from_dict(cls, d: Any, where: str = "") -> GroundTruth:
        _need(isinstance(d, dict), where, "ground_truth", "must be an object")
        refl, final = d.get("reflection"), d.get("final")
        _need(refl is None or isinstance(refl, str), where, "reflection", "must be a string or null")
        _need(final is None or isinstance(final, str), where, "final", "must be a string or null")
        calls = d.get("calls", [])
        _need(isinstance(calls, list), where, "calls", "must be a list")
        return cls(
            reflection=refl,
            calls=[ToolCall.from_dict(c, f"{where}.calls[{i}]") for i, c in enumerate(calls)],
            final=final,
            sep=d.get("sep", "\n\n"),
            raw=d.get("raw") or {},
        )


@dataclass
class RepairItem:
    """One benchmark or training item."""

    id: str
    tools: list[dict[str, Any]]
    messages: list[Message]
    ground_truth: GroundTruth
    perturbation: str | None = None
    subtype: str | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    system_raw: dict[str, str] = field(default_factory=dict)

    @property
    def request(self) -> str:
        """The first user message: what the user asked for."""
        return next((m.content for m in self.messages if m.role == "user"), "")

    @property
    def failed_calls(self) -> list[ToolCall]:
        """The calls of the last assistant turn: the erroneous call(s)."""
        for m in reversed(self.messages):
            if m.role == "assistant" and m.tool_calls:
                return m.tool_calls
        return []

    @property
    def error_response(self) -> list[Any]:
        """Contents of the tool messages answering the last assistant turn."""
        out: list[Any] = []
        for m in reversed(self.messages):
            if m.role != "tool":
                break
            out.append(m.content)
        return out[::-1]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "perturbation": self.perturbation,
            "subtype": self.subtype,
            "tools": self.tools,
            "messages": [m.to_dict() for m in self.messages],
            "ground_truth": self.ground_truth.to_dict(),
            "provenance": self.provenance,
        }
        if self.system_raw:
            d["system_raw"] = dict(self.system_raw)
        return d

    @classmethod
    def from_dict(cls, d: Any, where: str = "") -> RepairItem:
        _need(isinstance(d, dict), where, "record", "must be a JSON object")
        for key in ("id", "tools", "messages", "ground_truth"):
            _need(key in d, where, key, "is missing")
        _need(isinstance(d["id"], str) and d["id"] != "", where, "id", "must be a non-empty string")
        _need(isinstance(d["tools"], list), where, "tools", "must be a list")
        for i, t in enumerate(d["tools"]):
            _need(isinstance(t, dict) and isinstance(t.get("name"), str), where, f"tools[{i}]",
                  "must be an object with a string 'name'")
        _need(isinstance(d["messages"], list) and bool(d["messages"]), where, "messages",
              "must be a non-empty list")
        pert = d.get("perturbation")
        _need(pert is None or pert in PERTURBATIONS or pert == UNKNOWN, where, "perturbation",
              f"must be one of {PERTURBATIONS + (UNKNOWN,)} or null, got {pert!r}")
        prov = d.get("provenance") or {}
        _need(isinstance(prov, dict), where, "provenance", "must be an object")
        return cls(
            id=d["id"],
            tools=d["tools"],
            messages=[Message.from_dict(m, f"messages[{i}]") for i, m in enumerate(d["messages"])],
            ground_truth=GroundTruth.from_dict(d["ground_truth"], "ground_truth"),
            perturbation=pert,
            subtype=d.get("subtype"),
            provenance=prov,
            system_raw=d.get("system_raw") or {},
        )


def _need(ok: bool, where: str, fld: str, problem: str) -> None:
    if not ok:
        path = f"{where}.{fld}" if where and not where.endswith(".") else f"{where}{fld}"
        raise RecordError(problem, field=path)
