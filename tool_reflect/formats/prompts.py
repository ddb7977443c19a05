"""System prompt text of the original protocol, split so each format can assemble it.

These strings reproduce the original release's prompt exactly (they are protocol, not
prose of ours): a benchmark that changes them no longer measures the same thing.
"""

from __future__ import annotations

import json
from typing import Any

TOOLS_HEADER = (
    "\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n"
)
QWEN_CALL_INSTRUCTION = (
    "For each function call, return a json object with function name and arguments within "
    "<tool_call></tool_call> XML tags:\n<tool_call>\n"
    '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>\n'
)
LLAMA_CALL_INSTRUCTION = (
    "For each function call, return a json array with function name and parameters:\n\n"
)
FINAL_AND_REFLECT = (
    "**Final Answer**: When you believe the task is complete, you may use 'final_answer' to "
    "provide a detailed summary of the results to give to the user, enclose the final answer "
    "within the tag <final></final>.\n"
    "**Reflection**: If the tool's response is unreasonable or incorrect, provide a "
    "'reflection'. In your reflection, analyze why the response is flawed, and how it deviates "
    "from the expected outcome. After reflecting, either issue a corrected function call or "
    "provide the final correct answer. Enclose your reflection within the <reflect></reflect> "
    "tag\n"
)
NATIVE_INSTRUCTIONS = (
    "You may call one or more functions to assist with the user query.\n"
    + FINAL_AND_REFLECT
)
TOOL_RESPONSE_PREFIX = "Tool response:\n"

CALL_INSTRUCTION = {"qwen": QWEN_CALL_INSTRUCTION, "llama": LLAMA_CALL_INSTRUCTION}


def tools_block(tools: list[dict[str, Any]]) -> str:
    """The ``<tools>`` block: one JSON schema per line."""
    return "<tools>\n" + "\n".join(json.dumps(t) for t in tools) + "\n</tools>\n"


def text_system_prompt(tools: list[dict[str, Any]], fmt: str) -> str:
    """The full system prompt of the original text formats (``qwen`` or ``llama``)."""
    return TOOLS_HEADER + tools_block(tools) + CALL_INSTRUCTION[fmt] + FINAL_AND_REFLECT


def split_system_prompt(text: str) -> tuple[list[dict[str, Any]], str] | None:
    """Recover the tool schemas from an original system prompt; ``None`` if not of that shape.

    The ``<tools>`` block holds either one JSON schema per line (the first records of the
    original files) or one JSON array of schemas, pretty-printed with any whitespace (most
    records further in). Schemas come back as written; :func:`normalize_schema` makes them
    valid JSON Schema.
    """
    end = text.rfind("</tools>")  # the last block: the header mentions "<tools></tools>"
    start = text.rfind("<tools>", 0, end) if end >= 0 else -1
    if start < 0:
        return None
    body = text[start + len("<tools>"):end].strip()
    tools = _schema_array(body)
    if tools is None:
        tools = _schema_lines(body)
    if tools is None:
        return None
    return [normalize_schema(t) for t in tools], text


def _schema_array(body: str) -> list[dict[str, Any]] | None:
    if not body.startswith("["):
        return None
    try:
        value = json.loads(body)
    except ValueError:
        return None
    ok = isinstance(value, list) and all(_is_schema(t) for t in value)
    return value if ok else None


def _schema_lines(body: str) -> list[dict[str, Any]] | None:
    tools = []
    for line in body.split("\n"):
        if not line.strip():
            continue
        try:
            schema = json.loads(line)
        except ValueError:
            return None
        if not _is_schema(schema):
            return None
        tools.append(schema)
    return tools


def _is_schema(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("name"), str)


def _is_object_schema(params: dict[str, Any]) -> bool:
    """``{"type": "object", …}``, or a ``properties`` map that is not itself a parameter
    named "properties" (a parameter spec has a string ``type`` or ``description``)."""
    if params.get("type") == "object":
        return True
    props = params.get("properties")
    return isinstance(props, dict) and not any(
        isinstance(props.get(k), str) for k in ("type", "description"))


def normalize_schema(tool: dict[str, Any]) -> dict[str, Any]:
    """A tool schema whose ``parameters`` is a valid JSON Schema object.

    Records further into the original files give ``parameters`` as the bare property map
    (``{"x": {"type": "string"}}``) with ``required`` beside it; this wraps them as
    ``{"type": "object", "properties": …, "required": …}`` and keeps every other key. Type
    names JSON Schema lacks (``"enum"``, ``"float"``, ``"list"``…) become the JSON Schema
    type they mean. Valid schemas are returned unchanged.
    """
    params = tool.get("parameters")
    if not isinstance(params, dict):
        return tool
    out = dict(tool)
    if not _is_object_schema(params):
        out.pop("required", None)
        params = {"type": "object", "properties": params}
        if "required" in tool:
            params["required"] = tool["required"]
    out["parameters"] = _fix_types(params)
    return out


JSON_TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array", "null"})
TYPE_ALIASES = {"float": "number", "double": "number", "int": "integer", "str": "string",
                "text": "string", "bool": "boolean", "dict": "object", "map": "object",
                "list": "array", "tuple": "array"}


def _fix_types(schema: Any) -> Any:
    """``schema`` with its (nested) type names made valid JSON Schema; a copy where changed."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    kind = out.get("type")
    if isinstance(kind, str) and kind not in JSON_TYPES:
        fixed = TYPE_ALIASES.get(kind.lower()) or _enum_type(out.get("enum"))
        if fixed:
            out["type"] = fixed
        else:
            del out["type"]
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: _fix_types(v) for k, v in out["properties"].items()}
    if "items" in out:
        out["items"] = _fix_types(out["items"])
    return out if out != schema else schema


def _enum_type(values: Any) -> str | None:
    kinds = {type(v) for v in values} if isinstance(values, list) and values else set()
    names = {str: "string", bool: "boolean", int: "integer", float: "number"}
    return names.get(kinds.pop()) if len(kinds) == 1 else None
