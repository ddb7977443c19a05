"""Format adapters: the original text formats and the native chat form.

``PROMPT_FORMATS``: ``qwen`` and ``llama`` (the original protocol's text formats),
``native`` (tools passed to the chat template / API, tool-role results) and ``user_role``
(native calls, tool results as user turns).
"""

from __future__ import annotations

from typing import Any

from tool_reflect.formats.native import (
    openai_tools,
    render_native_ground_truth,
    render_native_messages,
    render_native_record,
)
from tool_reflect.formats.text import (
    TEXT_FORMATS,
    import_ground_truth,
    import_text_record,
    render_call,
    render_calls,
    render_conversation,
    render_ground_truth,
    render_text_record,
)
from tool_reflect.records import RepairItem

PROMPT_FORMATS = ("qwen", "llama", "native", "user_role")
NATIVE_FORMATS = ("native", "user_role")  # prompt formats that pass tools= and structured calls
RECORD_FORMATS = ("canonical", "qwen", "llama", "native")


def render_prompt(item: RepairItem, fmt: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None]:
    """Messages to send to a model, and the ``tools`` list (``None`` for text formats)."""
    if fmt in TEXT_FORMATS:
        return render_conversation(item, fmt), None
    if fmt == "native":
        return render_native_messages(item, tool_role=True), openai_tools(item.tools)
    if fmt == "user_role":
        return render_native_messages(item, tool_role=False), openai_tools(item.tools)
    raise ValueError(f"unknown prompt format {fmt!r}; expected one of {PROMPT_FORMATS}")


def render_target(item: RepairItem, fmt: str) -> str:
    """The ground truth as completion text in the call style a format expects
    (native formats use the Qwen ``<tool_call>`` text, as Hermes-style templates emit)."""
    return render_ground_truth(item.ground_truth, fmt if fmt in TEXT_FORMATS else "qwen")


def render_record(item: RepairItem, fmt: str) -> dict[str, Any]:
    """A whole record in ``canonical``, ``qwen``, ``llama`` or ``native`` form."""
    if fmt == "canonical":
        return item.to_dict()
    if fmt in TEXT_FORMATS:
        return render_text_record(item, fmt)
    if fmt == "native":
        return render_native_record(item)
    raise ValueError(f"unknown record format {fmt!r}; expected one of {RECORD_FORMATS}")


__all__ = [
    "NATIVE_FORMATS", "PROMPT_FORMATS", "RECORD_FORMATS", "TEXT_FORMATS", "import_ground_truth",
    "import_text_record", "render_call", "render_calls", "render_conversation",
    "render_ground_truth", "render_native_ground_truth", "render_native_messages",
    "render_native_record", "render_prompt", "render_record", "render_target",
    "render_text_record", "openai_tools",
]
