"""Native chat form: a ``tools`` list, assistant ``tool_calls`` and ``tool``-role results,
as OpenAI-style APIs and modern chat templates expect."""

from __future__ import annotations

from typing import Any

from tool_reflect import json_values
from tool_reflect.formats.prompts import NATIVE_INSTRUCTIONS
from tool_reflect.formats.text import render_tool_turn
from tool_reflect.records import GroundTruth, Message, RepairItem, ToolCall


def openai_tools(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Schemas as OpenAI ``tools`` entries."""
    return [{"type": "function", "function": t} for t in tools]


def openai_call(call: ToolCall, index: int = 0) -> dict[str, Any]:
    return {"id": call.id or f"call_{index}", "type": "function",
            "function": {"name": call.name, "arguments": json_values.dumps(call.arguments)}}


def render_native_messages(item: RepairItem, tool_role: bool = True) -> list[dict[str, Any]]:
    """System instructions plus the transcript in native chat form.

    With ``tool_role=False`` tool results become ``user`` turns (``Tool response:`` text, as
    in the original formats) for chat templates that reject the tool role; calls stay
    structured.
    """
    out: list[dict[str, Any]] = [{"role": "system", "content": NATIVE_INSTRUCTIONS}]
    last_calls: list[ToolCall] = []
    pending: list[Message] = []
    end = Message(role="user")
    for m in item.messages + [end]:
        if m.role == "tool" and tool_role:
            out.append({"role": "tool", "tool_call_id": m.tool_call_id,
                        "content": json_values.dumps(m.content)})
            continue
        if m.role == "tool":
            pending.append(m)
            continue
        if pending:
            out.append({"role": "user", "content": render_tool_turn(last_calls, pending)})
            pending = []
        if m is end:
            break
        if m.role == "assistant":
            last_calls = m.tool_calls
            out.append({"role": "assistant", "content": m.content or "",
                        "tool_calls": [openai_call(c, i) for i, c in enumerate(m.tool_calls)]})
        else:
            out.append({"role": m.role, "content": m.content})
    return out


def render_native_ground_truth(gt: GroundTruth) -> dict[str, Any]:
    """The target turn as an assistant message with structured ``tool_calls``."""
    parts = []
    if gt.reflection is not None:
        parts.append(f"<reflect>{gt.reflection}</reflect>")
    if gt.final is not None:
        parts.append(f"<final>{gt.final}</final>")
    msg: dict[str, Any] = {"role": "assistant", "content": "\n\n".join(parts)}
    if gt.calls:
        msg["tool_calls"] = [openai_call(c, i) for i, c in enumerate(gt.calls)]
    return msg


def render_native_record(item: RepairItem) -> dict[str, Any]:
    """``{"messages", "tools", "ground_truth"}`` in native form."""
    return {"messages": render_native_messages(item), "tools": openai_tools(item.tools),
            "ground_truth": render_native_ground_truth(item.ground_truth)}
