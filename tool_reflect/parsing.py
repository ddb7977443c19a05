"""The one parser: model output (any supported format) -> reflection, calls, final answer.

Used by the benchmark metric, the reward and the importers alike. It never raises and
runs in linear time: tags (ASCII, case-insensitive) are found with ``str.find`` on a
one-byte-per-character projection of the text, JSON with the C decoder, and no regular
expression here can backtrack. Well-formed outputs take a fast path that reads them
directly and gives exactly what the full parser gives.

What counts as a call:
- a ``<tool_call>…</tool_call>`` block (Qwen/Hermes style), ``arguments`` or ``parameters``;
- a JSON object ``{"name": …, "parameters"|"arguments": …}`` or an array of them standing
  in the answer text (Llama style);
- an OpenAI-style ``tool_calls`` list when the output is a message dict (native style).

What never counts: anything inside ``<think>`` (closed, or unclosed to the end), inside
the ``<reflect>`` block, inside ``<final>``, or inside a markdown code fence. Malformed call
blocks are reported as typed :class:`Issue` s, never silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tool_reflect import json_values
from tool_reflect.records import ToolCall

CALL_STYLES = ("qwen", "llama", "native")  # <tool_call> tags, JSON arrays, OpenAI tool_calls
MAX_CALLS = 64
MAX_ISSUES = 32
MAX_DEPTH = 128  # deepest argument nesting read; deeper calls are `nesting_too_deep` errors
MAX_JSON_FIRST = 256  # decode attempts (failures) per output before the parser gives up
_LONG_STRINGS = 8  # strings past the decode window whose grown windows may fail, per parse
_DEEP_FAILURE = 16  # a too-deep value counts as this many failures: 16 such attempts at most
_FAILED_CHARS = 1 << 19  # characters failed decodes may read per parse before decoding stops
_WINDOW = 8192
_SHALLOW_CHARS = 2 * MAX_DEPTH + 2  # JSON text this short cannot nest deeper than MAX_DEPTH
_WS = re.compile(r"\s*")  # always matches (possibly empty)


def _skip_ws(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()  # type: ignore[union-attr]


@dataclass(frozen=True)
class Issue:
    """A format problem. ``severity`` is ``error`` (a call attempt was lost or malformed:
    the output cannot be exactly right) or ``warning`` (untidy, but calls are intact)."""

    code: str
    detail: str = ""
    severity: str = "error"


@dataclass
class _Budget:
    """What one parse may spend on JSON that turns out malformed, so that no output costs
    more than a few passes over its text (dense JSON decodes at ~50 MB/s)."""

    first: int = MAX_JSON_FIRST  # decode-first attempts after <tool_call> tags
    long_strings: int = _LONG_STRINGS  # strings past the window whose grown windows may fail
    failed_chars: int = 0  # characters read by decodes that failed

    @property
    def spent(self) -> bool:
        return self.failed_chars > _FAILED_CHARS


@dataclass(slots=True)
class ParsedOutput:
    """What a completion holds, after ``<think>`` removal."""

    reflect: str | None = None
    final: str | None = None
    calls: list[ToolCall] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def issue_codes(self) -> list[str]:
        return [i.code for i in self.issues]

    def summary(self) -> tuple[Any, ...]:
        """Everything a verdict or a reward reads from a parse, arguments as canonical JSON
        (``1`` and ``1.0`` differ): parses with equal summaries score alike."""
        return (self.reflect, self.final,
                [(c.name, json_values.canonical(c.arguments), c.id) for c in self.calls],
                self.styles, [(i.code, i.detail, i.severity) for i in self.issues])

    def add(self, code: str, detail: str = "", severity: str = "error") -> None:
        if len(self.issues) < MAX_ISSUES:
            self.issues.append(Issue(code, detail[:120], severity))
        elif self.issues[-1].code != "too_many_issues":
            self.issues.append(Issue("too_many_issues", "", "error"))


def parse_output(output: Any, expected_format: str | None = None) -> ParsedOutput:
    """Parse a completion (text, or an OpenAI-style message dict). Never raises."""
    global _LAST_LOWER
    fast = _fast_parse(output) if type(output) is str and len(output) <= _FAST_MAX_CHARS else None
    parsed = fast or ParsedOutput()
    if fast is None:
        try:
            _parse_into(parsed, output)
        except Exception as exc:  # defensive: a parser bug must not crash an eval or a run
            parsed.add("parser_failure", f"{type(exc).__name__}: {exc}")
        _LAST_LOWER = ("", "")  # keep no text alive after the parse
    if expected_format is not None:
        for style in sorted(set(parsed.styles) - {expected_format, "native"}):
            parsed.add(f"wrong_call_format:{style}", f"expected {expected_format}", "warning")
    return parsed


_FAST_MAX_ITEMS = 32  # below MAX_CALLS, so the call limit never acts on the fast path
_FAST_MAX_CHARS = 1 << 16  # longer texts are not the common shape: straight to the full parser
_FAST_MAX_TAGS = 2 * _FAST_MAX_ITEMS + 2
_FAST_MAX_PARTS = 2 * _FAST_MAX_TAGS + 1
# Every tag the full parser acts on, ASCII case-insensitive like ``_lower``: with re.ASCII,
# no non-ASCII character folds onto a tag letter. One C-level split finds them all.
_TAG_NAMES = ("tool_call", "reflect", "think", "final")
_TAG_SPLIT = re.compile(f"(</?(?:{'|'.join(_TAG_NAMES)})>)", re.IGNORECASE | re.ASCII)


def _fast_parse(text: str) -> ParsedOutput | None:
    """The common well-formed shapes, read directly: optional whitespace, an optional
    closed ``<reflect>`` block, then only ``<tool_call>`` blocks of JSON (Qwen) or only JSON
    call values (Llama), separated by whitespace, each value a plain call. The result is
    what the full parser gives for such text; anything else (or any doubt) returns
    ``None`` and the full parser runs."""
    try:
        parts = _TAG_SPLIT.split(text)  # text, tag, text, tag, ..., text
        if len(parts) > _FAST_MAX_PARTS:
            return None
        tags = parts[1::2]
        if not _LOWER_TAGS.issuperset(tags):
            tags = [t.lower() for t in tags]
        if tags[:2] == _REFLECT_PAIR and _NON_CALL.isdisjoint(tags[2:]):  # the common shape
            reflect, first = (None, -1) if parts[0].strip() else (parts[2].strip(), 2)
        else:
            reflect, first = _fast_reflect(parts, tags)
        if first < 0 or ("`" in text and "```" in "".join(parts[2 * first:])):
            return None  # a code fence after the reflection: the full parser
        if first < len(tags):
            style, values = "qwen", _fast_tagged(parts, tags, first)
        else:
            style, values = "llama", _fast_json(parts[-1])
        calls: list[ToolCall] = []
        for value in values:
            calls += map(_plain_call, value) if type(value) is list else (_plain_call(value),)
    except Exception:  # a value that is not a plain call, or any surprise: the full parser
        return None
    if not calls or len(calls) > _FAST_MAX_ITEMS:
        return None
    return ParsedOutput(reflect, None, calls, [style] * len(calls), [])


def _fast_reflect(parts: list[str], tags: list[str]) -> tuple[str | None, int]:
    """(reflection, index of the first tag after it) when the text opens with at most one
    closed ``<reflect>`` block (after whitespace), holds no think tag, and no final tag
    after the reflection (the full parser removes think blocks first, then the reflection);
    index -1 when it is not of that shape. (A second ``</reflect>`` is a later tag that is
    not ``<tool_call>``, which the callers decline.)"""
    if not _NO_THINK.isdisjoint(tags):
        return None, -1
    if "<reflect>" not in tags:
        plain = "</reflect>" not in tags and _NO_FINAL.isdisjoint(tags)
        return None, 0 if plain else -1
    end = tags.index("</reflect>") if "</reflect>" in tags else -1
    if (tags[0] != "<reflect>" or end < 0 or parts[0].strip() or tags.count("<reflect>") > 1
            or not _NO_FINAL.isdisjoint(tags[end:])):
        return None, -1  # prose first, unclosed, more than one block, or <final> after it
    return "".join(parts[2:2 * end + 1]).strip(), end + 1


_LOWER_TAGS = frozenset(f"<{s}{t}>" for s in ("", "/") for t in _TAG_NAMES)
_REFLECT_PAIR = ["<reflect>", "</reflect>"]
_NON_CALL = _LOWER_TAGS - {"<tool_call>", "</tool_call>"}
_NO_THINK = frozenset(("<think>", "</think>"))
_NO_FINAL = frozenset(("<final>", "</final>"))
_CALL_TAGS = ["<tool_call>", "</tool_call>"] * (_FAST_MAX_TAGS // 2)


def _fast_tagged(parts: list[str], tags: list[str], first: int) -> list[Any]:
    """The values of whitespace-separated ``<tool_call>`` blocks from tag ``first`` to the
    end of the text, each block one JSON value; ``[]`` for any other shape."""
    n = len(tags) - first
    if n % 2 or tags[first:] != _CALL_TAGS[:n]:
        return []
    gaps = "".join(parts[2 * first::4])  # before each block, and after the last one
    if gaps and not gaps.isspace():
        return []
    return list(map(_fast_value, parts[2 * first + 2::4]))


def _fast_value(body: str, fallback: bool = True) -> Any:
    """The one JSON value ``body`` holds (JSON whitespace around it), as the full parser
    reads it, or ``None`` when the fast path should not read it: too long for the full
    parser's first decode window, or nested deep enough to meet its depth check, or not
    a non-empty object or array (the full parser names those). With ``fallback=False``, a
    text the compiled decoder refuses raises ValueError at once (the caller reads it
    another way)."""
    if len(body) > _SHALLOW_CHARS and not _plain(body):
        return None  # (valid JSON of n characters nests at most n/2 deep)
    value = json_values.loads_small(body, fallback)
    return value if value and type(value) in (dict, list) else None


# Matches at ``pos`` exactly when ``_call_start(text, pos) == pos`` (a test holds it to that).
_CALL_HERE = re.compile(r'(?:\[[ \t\r\n]*)?\{[ \t\r\n]*"name"')


def _fast_json(rest: str) -> list[Any]:
    """Whitespace-separated JSON call values (objects or arrays) filling ``rest``, each
    starting where the full parser's call search would find it, or ``[]``."""
    pos = _skip_ws(rest, 0)
    if not _CALL_HERE.match(rest, pos):
        return []
    try:  # the common shapes: one value to the end of the text, or one value per line
        if "]\n[" in rest or "}\n{" in rest:
            return _fast_lines(rest)
        return [_fast_value(rest, fallback=False)]
    except ValueError:
        pass
    if not _plain(rest):
        return []
    values: list[Any] = []
    while pos < len(rest):
        if not _CALL_HERE.match(rest, pos):
            return []
        value, end = json_values.raw_decode(rest, pos)
        values.append(value)
        pos = _skip_ws(rest, end)
    return values


def _fast_lines(rest: str) -> list[Any]:
    """The values of ``rest`` when each line holds one call value or JSON whitespace only
    (JSON values end where their closing bracket is, so each is the value the full parser
    reads from that line's call start); ValueError for any other shape."""
    values = []
    for line in rest.split("\n"):
        if line.strip(" \t\r"):
            if not _CALL_HERE.match(line, _skip_ws(line, 0)):
                raise ValueError("not a call value on this line")
            values.append(_fast_value(line, fallback=False))
    return values


def _plain(text: str) -> bool:
    """Values in ``text`` are read by the full parser the same way: within its decode
    window, and shallow (deeper values reach the decoder's recursion limit at a depth that
    depends on the caller's stack)."""
    return len(text) <= _WINDOW and _shallow(text, 0, len(text))


def _shallow(text: str, start: int, end: int) -> bool:
    """At most ``MAX_DEPTH`` brackets in ``text[start:end]``: no value decoded from it can
    nest deeper, so the depth walk over its items can be skipped."""
    return text.count("{", start, end) + text.count("[", start, end) <= MAX_DEPTH


class _NotPlain(Exception):
    """A decoded value the fast path leaves to the full parser."""


def _plain_call(v: Any) -> ToolCall:
    """The call ``_add_call`` makes of a decoded value when it has nothing to say about
    it (a name, object arguments under one key, shallow); raises ``_NotPlain`` otherwise."""
    if type(v) is not dict:
        raise _NotPlain
    name, args = v.get("name"), v.get("arguments", _ABSENT)
    if args is _ABSENT:
        args = v.get("parameters")
    elif "parameters" in v:
        raise _NotPlain
    if type(args) is not dict:
        if args is not None:
            raise _NotPlain
        args = {}
    if type(name) is not str or not name.strip():
        raise _NotPlain
    cid = v.get("id")
    return ToolCall(name, args, cid if type(cid) is str else None)


_ABSENT = object()


def _parse_into(parsed: ParsedOutput, output: Any) -> None:
    native_calls: list[Any] = []
    if isinstance(output, dict):
        native_calls = output.get("tool_calls") or []
        output = output.get("content") or ""
    if output is None:
        output = ""
    if not isinstance(output, str):
        parsed.add("not_text", type(output).__name__)
        return
    text = strip_think(output, parsed)
    if (not text or text.isspace()) and not native_calls:  # no copy of a long text
        parsed.add("empty_output", severity="warning")
        return
    rest = _take_reflect(text, parsed)
    rest = _mask_fences(rest, parsed)
    rest = _take_final(rest, parsed)
    tagged = "<tool_call>" in _lower(rest)
    budget = _Budget()
    rest = _take_tagged_calls(rest, parsed, budget)
    _take_json_calls(rest, parsed, budget, quoted_only=tagged)
    for i, raw in enumerate(native_calls if isinstance(native_calls, list) else [native_calls]):
        _add_call(parsed, _unwrap_native(raw), "native", f"tool_calls[{i}]")


_LAST_LOWER: tuple[str, str] = ("", "")  # (text, its lower case): stages that change
# nothing hand the same object on, so a parse lowers each distinct text once


def _lower(s: str) -> str:
    """The text with ASCII letters lower-cased and every other character as ``?``: the
    same length (indices stay aligned) and one byte per character, so tags, which are
    ASCII, are found case-insensitively with fast searches whatever the text holds."""
    global _LAST_LOWER
    last = _LAST_LOWER  # one read: another thread may replace it, never half of it
    if last[0] is s:
        return last[1]
    low = s.lower() if s.isascii() else s.encode("ascii", "replace").decode("ascii").lower()
    _LAST_LOWER = (s, low)
    return low


def _cut(text: str, low: str, open_tag: str, close_tag: str) -> tuple[str, int, str | None, bool]:
    """Remove every ``open…close`` block (blocks do not nest; an unclosed one runs to the end)
    with one forward search per tag: (the text left, the number of blocks, the first block's
    inner text, whether the last block was closed)."""
    parts: list[str] = []
    pos, blocks, first, closed = 0, 0, None, True
    a = low.find(open_tag)
    while a >= 0:
        parts.append(text[pos:a])
        blocks += 1
        inner = a + len(open_tag)
        b = low.find(close_tag, inner)
        closed = b >= 0
        end = b if closed else len(text)
        if first is None:
            first = text[inner:end]
        if not closed:
            pos = end
            break
        pos = b + len(close_tag)
        a = low.find(open_tag, pos)
    parts.append(text[pos:])
    return "\n".join(parts), blocks, first, closed


class _Finder:
    """``low.find(tag, at)`` for non-decreasing ``at``, remembering each answer, so that a
    flood of openers with no closer costs one scan of the text, not one scan per opener."""

    def __init__(self, low: str) -> None:
        self.low = low
        self.seen: dict[str, tuple[int, int]] = {}

    def find(self, tag: str, at: int) -> int:
        frm, found = self.seen.get(tag, (-1, -1))
        if frm < 0 or at < frm or 0 <= found < at:
            found = self.low.find(tag, at)
            self.seen[tag] = (at, found)
        return found


def strip_think(text: str, parsed: ParsedOutput | None = None) -> str:
    """Remove ``<think>…</think>`` blocks; an unclosed block runs to the end, and a
    leading ``…</think>`` with no opener (templates that open the block) is dropped."""
    low = _lower(text)
    first_close, first_open = low.find("</think>"), low.find("<think>")
    if first_close >= 0 and (first_open < 0 or first_close < first_open):
        text, low = text[first_close + 8:], low[first_close + 8:]
        first_open = low.find("<think>")
    if first_open < 0:
        return text
    rest, _, _, closed = _cut(text, low, "<think>", "</think>")
    if not closed and parsed is not None:
        parsed.add("unclosed_tag:think", severity="warning")
    return rest


def _take_reflect(text: str, parsed: ParsedOutput) -> str:
    """Remove every ``<reflect>`` block (text in any of them is never a call); the first
    is the reflection. An unclosed block runs to the next ``<tool_call>`` or the end."""
    low = _lower(text)
    a = low.find("<reflect>")
    if a < 0:
        if "</reflect>" in low:
            parsed.add("stray_tag:/reflect", severity="warning")
        return text
    if 0 <= low.find("</reflect>") < a:
        parsed.add("stray_tag:/reflect", severity="warning")
    parts: list[str] = []
    pos, blocks, closer = 0, 0, 0  # closer: -1 once no "</reflect>" remains
    while a >= 0:  # each search starts where the last one ended: one pass over the text
        parts.append(text[pos:a])
        blocks += 1
        inner = a + len("<reflect>")
        closer = low.find("</reflect>", inner) if closer >= 0 else -1
        if closer >= 0:
            end, pos = closer, closer + len("</reflect>")
        else:  # unclosed: runs to the next <tool_call> or the end
            stop = low.find("<tool_call>", inner)
            end = pos = len(text) if stop < 0 else stop
        if blocks == 1:
            parsed.reflect = text[inner:end].strip()
        a = low.find("<reflect>", pos)
    parts.append(text[pos:])
    if closer < 0:
        parsed.add("unclosed_tag:reflect", severity="warning")
    if blocks > 1:
        parsed.add("extra_tag:reflect", severity="warning")
    return "\n".join(parts)


def _mask_fences(text: str, parsed: ParsedOutput) -> str:
    """Drop markdown code fences (their content is never a call); an unclosed fence masks
    the rest of the text. ``str.split`` pairs fences left to right in one C-level pass."""
    if "```" not in text:
        return text
    parts = text.split("```")
    if len(parts) % 2 == 0:  # an odd number of fences: the last one is never closed
        parsed.add("unclosed_code_fence", severity="warning")
    return "\n".join(parts[0::2])


def _take_final(text: str, parsed: ParsedOutput) -> str:
    low = _lower(text)
    if "<final>" not in low:
        return text
    rest, blocks, first, closed = _cut(text, low, "<final>", "</final>")
    parsed.final = (first or "").strip()
    if blocks > 1:
        parsed.add("extra_tag:final", severity="warning")
    if not closed:
        parsed.add("unclosed_tag:final", severity="warning")
    return rest


def _take_tagged_calls(text: str, parsed: ParsedOutput, budget: _Budget) -> str:
    low = _lower(text)
    if "<tool_call>" not in low:
        if "</tool_call>" in low:
            parsed.add("stray_tag:/tool_call")
        return text
    open_tag, close_tag = "<tool_call>", "</tool_call>"
    parts, pos, skipped = [], 0, 0
    after = _Finder(low).find
    while True:
        a = low.find(open_tag, pos)
        if a < 0:
            break
        parts.append(text[pos:a])
        if len(parsed.calls) >= MAX_CALLS:
            parsed.add("too_many_calls", f">{MAX_CALLS}")
            return "\n".join(parts)
        inner = a + len(open_tag)
        decoded = _decode_then_close(text, low, inner, close_tag, budget)
        if isinstance(decoded, tuple):  # JSON first: a closing tag inside a string is fine
            value, pos = decoded
            shallow = _shallow(text, inner, pos)
            for v in value if isinstance(value, list) else [value]:
                _add_call(parsed, v, "qwen", text[inner:inner + 40], shallow)
            continue
        b = after(close_tag, inner)
        nxt = after(open_tag, inner)
        if b < 0:
            parsed.add("unclosed_tag:tool_call", text[inner:inner + 40])
            return "\n".join(parts)
        if 0 <= nxt < b:  # never closed: a later opener owns the closer
            parsed.add("unclosed_tag:tool_call", text[inner:inner + 40])
            skipped += 1  # after many, jump straight to the last opener before the closer
            pos = nxt if skipped < MAX_JSON_FIRST else low.rfind(open_tag, nxt, b)
            continue
        if decoded == _MALFORMED:  # the block's JSON failed already: no second decode
            parsed.add("malformed_json", text[inner:b].strip()[:40])
            ok = False
        else:
            ok = _decode_block(parsed, text[inner:b], budget)
        if not ok:
            skipped += 1
            if skipped >= MAX_JSON_FIRST or budget.spent:  # the attempt has failed already
                parsed.add("too_many_malformed_blocks", f">{MAX_JSON_FIRST}")
                return "\n".join(parts)
        pos = b + len(close_tag)
    parts.append(text[pos:])
    rest = "\n".join(parts)
    if "</tool_call>" in _lower(rest):
        parsed.add("stray_tag:/tool_call")
    return rest


_MALFORMED = "malformed"  # _decode_then_close: the value's JSON is malformed


def _decode_then_close(text: str, low: str, inner: int, close_tag: str,
                       budget: _Budget) -> tuple[Any, int] | str | None:
    """Decode the JSON value after an opening tag; accept it only if the closing tag
    follows. ``_MALFORMED`` when the JSON itself is malformed (so decoding the block's text
    would fail the same way); ``None`` when undecided. Attempts are capped so adversarial
    inputs stay linear."""
    if budget.first <= 0 or budget.spent:
        return None
    budget.first -= 1
    start = _skip_ws(text, inner)
    if text[start:start + 1] not in ("{", "["):
        return None
    try:
        value, end = _decode_at(text, start, budget)
    except ValueError:
        return _MALFORMED
    except RecursionError:
        return None
    end = _skip_ws(text, end)
    if not low.startswith(close_tag, end) or not (isinstance(value, (dict, list)) and value):
        return None
    return value, end + len(close_tag)


def _decode_block(parsed: ParsedOutput, body: str, budget: _Budget) -> bool:
    """Add the call(s) of one closed block; ``False`` if its JSON is malformed."""
    body = body.strip()
    try:
        value = json_values.loads(body)
    except RecursionError:
        budget.failed_chars += len(body)
        parsed.add("nesting_too_deep", f"over {MAX_DEPTH} levels")
        return False
    except ValueError as exc:
        budget.failed_chars += getattr(exc, "pos", None) or len(body)
        parsed.add("malformed_json", body[:40])
        return False
    items = value if isinstance(value, list) else [value]
    if not items:
        parsed.add("not_a_call", "empty list")
    shallow = _shallow(body, 0, len(body))
    for v in items:
        _add_call(parsed, v, "qwen", body[:40], shallow)
    return True


def _call_start(text: str, pos: int) -> int:
    """Offset of the next ``{"name":`` or ``[{"name":`` (whitespace allowed) at or after
    ``pos``, or -1; found by ``str.find`` on the ``"name"`` key, so linear."""
    key = text.find('"name"', pos)
    while key >= 0:
        j = key - 1
        while j >= pos and text[j] in " \t\r\n":
            j -= 1
        if j >= pos and text[j] == "{":
            k = j - 1
            while k >= pos and text[k] in " \t\r\n":
                k -= 1
            return k if k >= pos and text[k] == "[" else j
        key = text.find('"name"', key + 6)
    return -1


def _decode_at(text: str, start: int, budget: _Budget) -> tuple[Any, int]:
    """``raw_decode`` at ``start`` within a window that grows 4x while it cuts the value
    (the error is near its end, or a string runs past it): the json module's error path
    counts lines back to the start of its input, so each attempt costs about the length
    it decoded, never the length of the text. Failed reads are charged to ``budget``; a
    string error does not move the caller's search on, so ``budget.long_strings`` bounds
    how many grown windows may still fail on one. Raises ValueError (always with ``pos``)
    or RecursionError."""
    size, grown_for_string, read = _WINDOW, False, 0
    while True:
        window = text[start:start + size]
        try:
            value, end = json_values.raw_decode(window)
            return value, start + end  # reads before a success are not charged
        except RecursionError:
            budget.failed_chars += read + len(window)
            raise
        except ValueError as exc:
            pos = getattr(exc, "pos", None)
            if pos is None:  # not a syntax error (json_values already reads long integers)
                raise _located(exc, start) from None
            read += pos
            full = len(window) == size  # the window stops before the end of the text
            cut = full and pos >= len(window) - 1 - size // 8
            string_cut = (full and not cut and budget.long_strings > 0
                          and str(getattr(exc, "msg", "")).startswith("Unterminated string"))
            if not (cut or string_cut):
                budget.failed_chars += read
                budget.long_strings -= grown_for_string
                raise _located(exc, start + pos) from None
            grown_for_string = grown_for_string or string_cut
        size *= 4


def _located(exc: ValueError, pos: int) -> ValueError:
    out = ValueError(str(exc))
    out.pos = pos  # type: ignore[attr-defined]
    return out


def _take_json_calls(text: str, parsed: ParsedOutput, budget: _Budget,
                     quoted_only: bool = False) -> None:
    """Llama-style JSON calls standing in the text. With ``quoted_only`` (the output uses
    ``<tool_call>`` tags, so only tagged blocks are calls) they are prose: warnings."""
    resume, failures = 0, 0
    bad = ("quoted_call:malformed_json", "warning") if quoted_only else ("malformed_json", "error")
    while (start := _call_start(text, resume)) >= 0:
        if len(parsed.calls) >= MAX_CALLS or failures >= MAX_JSON_FIRST or budget.spent:
            if not quoted_only:
                parsed.add("too_many_calls", f">{MAX_CALLS}")
            return
        try:
            value, resume = _decode_at(text, start, budget)
        except ValueError as exc:
            failures += 1
            parsed.add(bad[0], text[start:start + 40], bad[1])
            resume = max(getattr(exc, "pos", start + 1), start + 1)
            continue
        except RecursionError:  # the costliest failure (the decoder went ~1000 levels deep)
            failures += _DEEP_FAILURE
            parsed.add("quoted_call:nesting_too_deep" if quoted_only else "nesting_too_deep",
                       f"over {MAX_DEPTH} levels", bad[1])
            nl = text.find("\n", start)
            resume = len(text) if nl < 0 else nl
            continue
        if quoted_only:
            parsed.add("quoted_call:prose", text[start:start + 40], "warning")
            continue
        items = value if isinstance(value, list) else [value]
        shallow = _shallow(text, start, resume)
        for v in items:
            _add_call(parsed, v, "llama", text[start:start + 40], shallow)


def _is_scalar(v: Any) -> bool:
    return not isinstance(v, (dict, list))


def depth(value: Any) -> int:
    """Nesting depth of a JSON value (a scalar is 0, ``[]`` is 1), level by level without
    recursion; stops once past ``MAX_DEPTH``."""
    level = [value] if isinstance(value, (dict, list)) else []
    d = 0
    while level and d <= MAX_DEPTH:
        d += 1
        level = [x for v in level for x in (v.values() if isinstance(v, dict) else v)
                 if isinstance(x, (dict, list))]
    return d


def _unwrap_native(raw: Any) -> Any:
    if isinstance(raw, dict) and isinstance(raw.get("function"), dict):
        fn = dict(raw["function"])
        if "id" in raw:
            fn.setdefault("id", raw["id"])
        return fn
    return raw


def _add_call(parsed: ParsedOutput, value: Any, style: str, where: str,
              shallow: bool = False) -> None:
    if len(parsed.calls) >= MAX_CALLS:
        parsed.add("too_many_calls", f">{MAX_CALLS}")
        return
    if not isinstance(value, dict):
        parsed.add("not_a_call", where)
        return
    name = value.get("name")
    if not isinstance(name, str) or not name.strip():
        parsed.add("missing_name", where)
        return
    if "arguments" in value and "parameters" in value:
        parsed.add("ambiguous_arguments", name, "warning")
    args = value.get("arguments", value.get("parameters", {}))
    if isinstance(args, str):  # OpenAI-style JSON-encoded arguments
        shallow = False  # escapes such as \u005b hide brackets from the source text
        try:
            args = json_values.loads(args) if args.strip() else {}
        except RecursionError:
            parsed.add("nesting_too_deep", f"{name}: over {MAX_DEPTH} levels")
            return
        except ValueError:
            parsed.add("bad_arguments", name)
            return
    if args is None:
        args = {}
    if not isinstance(args, dict):
        parsed.add("bad_arguments", name)
        return
    if not shallow and not all(_is_scalar(v) for v in args.values()) \
            and depth(args) > MAX_DEPTH:
        parsed.add("nesting_too_deep", f"{name}: over {MAX_DEPTH} levels")
        return
    cid = value.get("id")
    parsed.calls.append(ToolCall(name=name, arguments=args, id=cid if isinstance(cid, str) else None))
    parsed.styles.append(style)
