"""Clean trajectories from outside the catalogue, to perturb with the same generator.

- original-format items (Qwen/Llama JSONL): the correct prefix plus the corrected call(s);
- the public function-calling format ``{query, tools, answers}`` (xLAM / APIGen).

Results of calls that were never executed are unknown; they are synthesised as
``{"status": "ok"}``. Without recorded results and preconditions these sources yield
argument errors and redundant calls only (order swaps need preconditions, missing
prerequisites need produced values).
"""

from __future__ import annotations

import json
from typing import Any

from tool_reflect.errors import RecordError
from tool_reflect.gen.catalogue import Domain, Step, Trajectory
from tool_reflect.records import RepairItem, ToolCall

OK = {"status": "ok"}


def from_items(items: list[RepairItem], name: str = "original") -> list[Domain]:
    """One domain per item: its tools, and prefix + ground-truth calls as the trajectory."""
    out = []
    for it in items:
        results = {m.tool_call_id: m.content for m in it.messages if m.role == "tool" and not m.error}
        steps: list[Step] = []
        for m in it.messages[:-2]:
            for c in m.tool_calls:
                steps.append(Step(ToolCall(c.name, c.arguments), results.get(c.id, OK)))
        steps += [Step(ToolCall(c.name, c.arguments), OK) for c in it.ground_truth.calls]
        traj = Trajectory(f"{name}:{it.id}", f"{name}:{it.id}", it.request, steps)
        out.append(Domain(f"{name}:{it.id}", "imported item", it.tools, trajectories=[traj],
                          track_values=False))
    return out


def _xlam_calls(value: Any, fld: str) -> list[ToolCall]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise RecordError("is not valid JSON", field=fld) from None
    if not isinstance(value, list):
        raise RecordError("must be a list of calls", field=fld)
    return [ToolCall.from_dict(c, f"{fld}[{i}]") for i, c in enumerate(value)]


def from_xlam(record: Any, index: int) -> Domain:
    """``{query, tools, answers}``: tools and answers may be JSON-encoded strings."""
    if not isinstance(record, dict):
        raise RecordError("must be a JSON object", field="record")
    query = record.get("query")
    if not isinstance(query, str):
        raise RecordError("is missing or not a string", field="query")
    tools = record.get("tools")
    tools = json.loads(tools) if isinstance(tools, str) else tools
    if not isinstance(tools, list):
        raise RecordError("must be a list of schemas", field="tools")
    tools = [_xlam_schema(t) for t in tools]
    calls = _xlam_calls(record.get("answers"), "answers")
    traj = Trajectory(f"xlam-{index}", f"xlam-{index}", query, [Step(c, OK) for c in calls])
    return Domain(f"xlam-{index}", "imported xLAM record", tools, trajectories=[traj],
                  track_values=False)


def _xlam_schema(tool: Any) -> dict[str, Any]:
    """xLAM writes ``parameters`` as ``{name: {type, description, default}}``; convert to a
    JSON-Schema object (``str``/``int``... type names mapped)."""
    if not isinstance(tool, dict) or "name" not in tool:
        raise RecordError("each tool needs a name", field="tools")
    params = tool.get("parameters") or {}
    if params.get("type") == "object":
        return tool
    names = {"str": "string", "int": "integer", "float": "number", "bool": "boolean",
             "list": "array", "dict": "object"}
    props, required = {}, []
    for key, spec in params.items():
        spec = dict(spec) if isinstance(spec, dict) else {}
        base = str(spec.get("type", "string")).split(",")[0].strip()
        props[key] = {"type": names.get(base, base if base in names.values() else "string"),
                      "description": spec.get("description", "")}
        if "optional" not in str(spec.get("type", "")) and "default" not in spec:
            required.append(key)
    return {"name": tool["name"], "description": tool.get("description", ""),
            "parameters": {"type": "object", "properties": props, "required": required}}


def from_openai_log(record: Any, index: int) -> Domain:
    """An OpenAI-style chat log ``{"messages": [...], "tools": [...]}``: the first user
    message is the request; assistant ``tool_calls`` with their ``tool`` results (matched by
    ``tool_call_id``) are the steps."""
    if not isinstance(record, dict):
        raise RecordError("must be a JSON object", field="record")
    messages, tools = record.get("messages"), record.get("tools") or []
    if not isinstance(messages, list) or not messages:
        raise RecordError("is missing or not a non-empty list", field="messages")
    if not isinstance(tools, list):
        raise RecordError("must be a list", field="tools")
    schemas = [t.get("function", t) if isinstance(t, dict) else t for t in tools]
    if not all(isinstance(t, dict) and "name" in t for t in schemas):
        raise RecordError("each tool needs a name", field="tools")
    request = next((m.get("content") for m in messages
                    if isinstance(m, dict) and m.get("role") == "user"), None)
    if not isinstance(request, str):
        raise RecordError("no user message with text content", field="messages")
    results = {m.get("tool_call_id"): _json_or_text(m.get("content")) for m in messages
               if isinstance(m, dict) and m.get("role") == "tool"}
    steps = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") != "assistant":
            continue
        for j, raw in enumerate(m.get("tool_calls") or []):
            fn = raw.get("function", raw) if isinstance(raw, dict) else None
            args = fn.get("arguments", {}) if isinstance(fn, dict) else None
            args = _json_or_text(args) if isinstance(args, str) else args
            call = ToolCall.from_dict({"name": fn.get("name") if fn else None, "arguments": args},
                                      f"messages[{i}].tool_calls[{j}]")
            steps.append(Step(call, results.get(raw.get("id"), OK)))
    if not steps:
        raise RecordError("no assistant tool_calls", field="messages")
    traj = Trajectory(f"openai-{index}", f"openai-{index}", request, steps)
    return Domain(f"openai-{index}", "imported chat log", schemas, trajectories=[traj],
                  track_values=False)


def _json_or_text(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
