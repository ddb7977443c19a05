"""Chat-completions backends that keep structured tool calls.

lm-eval's ``local-chat-completions`` returns only ``message.content``: a model that answers
with native ``tool_calls`` (``prompt_format: native`` or ``user_role``) would score 0. These
subclasses append each returned call as a ``<tool_call>`` block, which the core parser
reads like any other call. Registered (lazily, by the start-up hook) as:

- ``tool-reflect-chat-completions``: any OpenAI-compatible server (``base_url=...``);
- ``tool-reflect-openai-chat-completions``: api.openai.com (``OPENAI_API_KEY``).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from lm_eval.models.openai_completions import LocalChatCompletion, OpenAIChatCompletion
from lm_eval.models.utils import postprocess_generated_text

log = logging.getLogger(__name__)


def call_block(call: dict[str, Any]) -> str:
    """One OpenAI ``tool_calls`` entry as a ``<tool_call>`` block. Argument text that is
    not valid JSON is kept verbatim, so the parser reports the malformed call."""
    fn = call.get("function") or {}
    args = fn.get("arguments")
    if not isinstance(args, str):
        args = json.dumps(args if args is not None else {})
    return (f'<tool_call>\n{{"name": {json.dumps(fn.get("name", ""))}, "arguments": {args}}}'
            "\n</tool_call>")


def message_text(message: dict[str, Any], think_end_token: str | None = None) -> str:
    """A chat-completions message as completion text: content, then its tool calls."""
    content = message.get("content") or ""
    if content:
        content = postprocess_generated_text(content, stop=None, think_end_token=think_end_token)
    calls = [call_block(c) for c in message.get("tool_calls") or []]
    return "\n".join([content, *calls] if content else calls)


class _KeepToolCalls:
    KEEPS_TOOL_CALLS = True
    think_end_token: str | None = None

    def parse_generations(self, outputs: dict | list[dict], **kwargs: Any) -> list[str]:
        res: list[str] = []
        for out in outputs if isinstance(outputs, list) else [outputs]:
            try:
                texts = [""] * len(out["choices"])
                for choice in out["choices"]:
                    texts[choice["index"]] = message_text(choice["message"], self.think_end_token)
            except (IndexError, KeyError, TypeError) as exc:
                log.warning("could not parse a chat completion: %r", exc)
                texts = [""]
            res.extend(texts)
        return res


class ToolChatCompletion(_KeepToolCalls, LocalChatCompletion):
    """``local-chat-completions`` that keeps ``tool_calls``."""


class ToolOpenAIChatCompletion(_KeepToolCalls, OpenAIChatCompletion):
    """``openai-chat-completions`` that keeps ``tool_calls``."""
