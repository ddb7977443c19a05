"""The original release's text formats (``qwen`` and ``llama``): render and import.

Rendering is exact: an original record imported and rendered back in its own format
equals the source, and a Qwen record rendered as Llama equals the release's Llama file.
"""

from __future__ import annotations

from typing import Any

from tool_reflect import json_values
from tool_reflect.errors import RecordError
from tool_reflect.formats.prompts import (
    TOOL_RESPONSE_PREFIX,
    split_system_prompt,
    text_system_prompt,
)
from tool_reflect.parsing import parse_output
from tool_reflect.records import GroundTruth, Message, RepairItem, ToolCall

TEXT_FORMATS = ("qwen", "llama")


def render_call(call: ToolCall, fmt: str) -> str:
    """One call in a text format."""
    if fmt == "qwen":
        return "<tool_call>\n" + json_values.dumps({"name": call.name, "arguments": call.arguments}) + "\n</tool_call>"
    if fmt == "llama":
        return json_values.dumps([{"name": call.name, "parameters": call.arguments}])
    raise ValueError(f"unknown text format {fmt!r}; expected one of {TEXT_FORMATS}")


def render_calls(calls: list[ToolCall], fmt: str) -> str:
    """Several calls, one block (Qwen) or one single-element array (Llama) per line."""
    return "\n".join(render_call(c, fmt) for c in calls)


def render_assistant(msg: Message, fmt: str) -> str:
    if fmt in msg.raw:
        return msg.raw[fmt]
    return (msg.content or "") + "\n" + render_calls(msg.tool_calls, fmt)


def render_tool_turn(calls: list[ToolCall], results: list[Message]) -> str:
    """A ``Tool response:`` user turn: successes as ``{name, arguments, results}``
    (indented), errors as the error objects themselves (compact), as in the release."""
    by_id = {c.id: c for c in calls}
    entries: list[Any] = []
    for r in results:
        if r.error:
            entries.append(r.content)
        else:
            call = by_id.get(r.tool_call_id) or ToolCall(r.name or "", {})
            entries.append({"name": call.name, "arguments": call.arguments, "results": r.content})
    if any(r.error for r in results):
        return TOOL_RESPONSE_PREFIX + json_values.dumps(entries)
    return TOOL_RESPONSE_PREFIX + json_values.dumps(entries, indent=4)


def render_conversation(item: RepairItem, fmt: str) -> list[dict[str, str]]:
    """System prompt plus the transcript, as ``{role, content}`` text messages."""
    system = item.system_raw.get(fmt) or text_system_prompt(item.tools, fmt)
    out = [{"role": "system", "content": system}]
    last_calls: list[ToolCall] = []
    pending: list[Message] = []
    for msg in item.messages + [Message(role="user")]:  # sentinel flushes tool results
        if msg.role == "tool":
            pending.append(msg)
            continue
        if pending:
            text = next((p.raw[fmt] for p in pending if fmt in p.raw), None)
            out.append({"role": "user", "content": text or render_tool_turn(last_calls, pending)})
            pending = []
        if msg.role == "assistant":
            last_calls = msg.tool_calls
            out.append({"role": "assistant", "content": render_assistant(msg, fmt)})
        elif msg.content or msg.raw:
            out.append({"role": "user", "content": msg.raw.get(fmt, msg.content)})
    return out


def render_ground_truth(gt: GroundTruth, fmt: str) -> str:
    """The target completion text in a text format."""
    if fmt in gt.raw:
        return gt.raw[fmt]
    parts = []
    if gt.reflection is not None:
        parts.append(f"<reflect>{gt.reflection}</reflect>")
    if gt.calls:
        parts.append(render_calls(gt.calls, fmt))
    if gt.final is not None:
        parts.append(f"<final>{gt.final}</final>")
    return gt.sep.join(parts)


def render_text_record(item: RepairItem, fmt: str) -> dict[str, Any]:
    """An original-release record: ``{"messages": [...], "ground_truth": "..."}``."""
    return {"messages": render_conversation(item, fmt),
            "ground_truth": render_ground_truth(item.ground_truth, fmt)}


# ---------------------------------------------------------------- import


def import_text_record(rec: Any, fmt: str, item_id: str,
                       provenance: dict[str, Any] | None = None) -> RepairItem:
    """Convert one original-release record into a canonical item (lossless)."""
    if fmt not in TEXT_FORMATS:
        raise ValueError(f"unknown text format {fmt!r}; expected one of {TEXT_FORMATS}")
    if not isinstance(rec, dict):
        raise RecordError("must be a JSON object", field="record")
    msgs, gt_text = rec.get("messages"), rec.get("ground_truth")
    if not isinstance(msgs, list) or not msgs:
        raise RecordError("is missing or not a non-empty list", field="messages")
    if not isinstance(gt_text, str):
        raise RecordError("is missing or not a string", field="ground_truth")
    for i, m in enumerate(msgs):
        if not (isinstance(m, dict) and isinstance(m.get("role"), str)
                and isinstance(m.get("content"), str)):
            raise RecordError("must be an object with string 'role' and 'content'",
                              field=f"messages[{i}]")
    if msgs[0]["role"] != "system":
        raise RecordError("first message must be the system prompt", field="messages[0].role")
    split = split_system_prompt(msgs[0]["content"])
    if split is None:
        raise RecordError("no parsable <tools> block", field="messages[0].content")
    tools, system_text = split
    item = RepairItem(id=item_id, tools=tools, messages=[], ground_truth=GroundTruth(None),
                      provenance=dict(provenance or {}, format=fmt))
    if system_text != text_system_prompt(tools, fmt):
        item.system_raw[fmt] = system_text
    item.messages = _import_turns(msgs[1:], fmt)
    item.ground_truth = import_ground_truth(gt_text, fmt)
    return item


def _import_turns(msgs: list[dict[str, str]], fmt: str) -> list[Message]:
    out: list[Message] = []
    last_calls: list[ToolCall] = []
    n_calls = 0
    for i, m in enumerate(msgs, 1):
        role, content = m["role"], m["content"]
        if role == "assistant":
            calls = _calls_of(content, fmt, f"messages[{i}].content")
            for c in calls:
                c.id = f"call_{n_calls}"
                n_calls += 1
            msg = Message(role="assistant", content=_prose_of(content, fmt), tool_calls=calls)
            if render_assistant(msg, fmt) != content:
                msg.raw[fmt] = content
            out.append(msg)
            last_calls = calls
        elif role == "user" and content.startswith(TOOL_RESPONSE_PREFIX) and last_calls:
            out.extend(_tool_messages(content, last_calls, fmt))
            last_calls = []
        elif role == "user":
            out.append(Message(role="user", content=content))
        else:
            raise RecordError(f"unexpected role {role!r}", field=f"messages[{i}].role")
    return out


def _calls_of(text: str, fmt: str, fld: str) -> list[ToolCall]:
    parsed = parse_output(text)
    if parsed.errors or not parsed.calls:
        codes = ", ".join(parsed.issue_codes) or "no call found"
        raise RecordError(f"assistant turn is not a valid {fmt} call ({codes})", field=fld)
    return parsed.calls


def _prose_of(text: str, fmt: str) -> str:
    """The assistant's own words before its first call (empty when it only calls)."""
    marker = "<tool_call>" if fmt == "qwen" else '[{"name"'
    cut = text.find(marker)
    return (text if cut < 0 else text[:cut]).strip()


FAILURE_STATUSES = frozenset({"error", "warning", "redundant", "failed", "failure"})
SUCCESS_KEYS = frozenset({"name", "arguments", "results"})


def is_failure_entry(entry: Any) -> bool:
    """A tool-response entry that reports a problem: a failure ``status`` (error, warning,
    redundant, …), an ``error_code``, or an ``error`` without ``results``."""
    if not isinstance(entry, dict):
        return False
    status = entry.get("status")
    return ((isinstance(status, str) and status.lower() in FAILURE_STATUSES)
            or "error_code" in entry or ("error" in entry and "results" not in entry))


def _tool_messages(content: str, calls: list[ToolCall], fmt: str) -> list[Message]:
    """One ``tool`` message per call. The response is a JSON list with one entry per call
    (the usual case), a list with more or fewer entries (each entry goes to the first
    unanswered call of its name, the rest to the last call), a single object, or text."""
    try:
        value: Any = json_values.loads(content[len(TOOL_RESPONSE_PREFIX):])
    except ValueError:
        value = None
    if value is None:
        groups: list[list[Any]] = [[] for _ in calls]
    elif isinstance(value, list) and len(value) == len(calls):
        groups = [[e] for e in value]
    else:
        groups = _assign_entries(value if isinstance(value, list) else [value], calls)
    msgs = [_tool_message(call, group) for call, group in zip(calls, groups, strict=True)]
    if value is None:
        msgs[-1].content, msgs[-1].error = content[len(TOOL_RESPONSE_PREFIX):], True
    if render_tool_turn(calls, msgs) != content:
        msgs[0].raw[fmt] = content
    return msgs


def _assign_entries(entries: list[Any], calls: list[ToolCall]) -> list[list[Any]]:
    groups: list[list[Any]] = [[] for _ in calls]
    for e in entries:
        name = e.get("name", e.get("tool")) if isinstance(e, dict) else None
        slot = next((i for i, c in enumerate(calls) if c.name == name and not groups[i]), None)
        groups[len(calls) - 1 if slot is None else slot].append(e)
    return groups


def _tool_message(call: ToolCall, entries: list[Any]) -> Message:
    msg = Message(role="tool", tool_call_id=call.id, name=call.name)
    if len(entries) == 1:
        e = entries[0]
        plain = isinstance(e, dict) and set(e) == SUCCESS_KEYS and not is_failure_entry(e)
        msg.content = e["results"] if plain else e
        msg.error = not plain and (is_failure_entry(e) or not isinstance(e, dict)
                                   or not set(e) >= SUCCESS_KEYS)
    elif entries:
        msg.content, msg.error = entries, any(is_failure_entry(e) for e in entries)
    else:
        msg.content = None
    return msg


def import_ground_truth(text: str, fmt: str) -> GroundTruth:
    """Split a ground-truth completion into reflection, calls and final answer."""
    parsed = parse_output(text)
    if parsed.errors:  # a call of the ground truth would be lost: never silently
        raise RecordError(f"ground truth has a malformed call ({', '.join(parsed.issue_codes)})",
                          field="ground_truth")
    gt = GroundTruth(reflection=None, calls=parsed.calls)
    low = text.lower()
    a, b = low.find("<reflect>"), low.find("</reflect>")
    if a >= 0 and b > a:
        gt.reflection = text[a + len("<reflect>"):b]
        after = text[b + len("</reflect>"):]
        gt.sep = after[:len(after) - len(after.lstrip())] or "\n\n"
    f1, f2 = low.rfind("<final>"), low.rfind("</final>")
    if parsed.final is not None and f2 > f1 > b:
        gt.final = text[f1 + len("<final>"):f2]
    if render_ground_truth(gt, fmt) != text:
        gt.raw[fmt] = text
    return gt
