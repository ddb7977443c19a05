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


NO_TOOL_CALLS_AFTER = 20  # replies without any structured tool call before we warn


def check_reachable(base_url: str | None, timeout: float = 5.0) -> None:
    """Stop with one line naming the URL and the reason when the server cannot be reached
    (instead of lm-eval's retries and chained tracebacks)."""
    import urllib.error
    import urllib.request

    if not base_url:
        return
    try:
        urllib.request.urlopen(urllib.request.Request(base_url, method="HEAD"), timeout=timeout)
    except urllib.error.HTTPError:
        return  # it answered (a chat endpoint may reject HEAD): reachable
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SystemExit(f"tool-reflect: cannot reach {base_url}: {reason}") from None


class _KeepToolCalls:
    KEEPS_TOOL_CALLS = True
    think_end_token: str | None = None
    _replies = 0
    _with_calls = 0

    def parse_generations(self, outputs: dict | list[dict], **kwargs: Any) -> list[str]:
        res: list[str] = []
        for out in outputs if isinstance(outputs, list) else [outputs]:
            try:
                texts = [""] * len(out["choices"])
                for choice in out["choices"]:
                    texts[choice["index"]] = message_text(choice["message"], self.think_end_token)
                    self._count(choice["message"])
            except (IndexError, KeyError, TypeError) as exc:
                log.warning("could not parse a chat completion: %r", exc)
                texts = [""]
            res.extend(texts)
        return res

    def _count(self, message: dict[str, Any]) -> None:
        self._replies += 1
        self._with_calls += bool(message.get("tool_calls"))
        if self._replies == NO_TOOL_CALLS_AFTER and not self._with_calls:
            log.warning("no structured tool_calls in the first %d replies: with prompt_format "
                        "native/user_role the server must parse tool calls (llama.cpp: --jinja; "
                        "vLLM: --enable-auto-tool-choice --tool-call-parser hermes); calls left "
                        "in the text are still scored", NO_TOOL_CALLS_AFTER)


class ToolChatCompletion(_KeepToolCalls, LocalChatCompletion):
    """``local-chat-completions`` that keeps ``tool_calls`` and checks, before the run, that
    the server answers."""

    def __init__(self, base_url: str | None = None, **kwargs: Any) -> None:
        check_reachable(base_url)
        super().__init__(base_url=base_url, **kwargs)


class ToolOpenAIChatCompletion(_KeepToolCalls, OpenAIChatCompletion):
    """``openai-chat-completions`` that keeps ``tool_calls``."""
