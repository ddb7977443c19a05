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
    """Recover the tool schemas from an original system prompt; ``None`` if not of that shape."""
    start, end = text.find("<tools>\n"), text.find("\n</tools>")
    if start < 0 or end < start:
        return None
    tools = []
    for line in text[start + len("<tools>\n"):end].split("\n"):
        if not line.strip():
            continue
        try:
            schema = json.loads(line)
        except json.JSONDecodeError:
            return None
        if not isinstance(schema, dict):
            return None
        tools.append(schema)
    return tools, text
