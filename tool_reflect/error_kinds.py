"""Every error kind a verdict can name, listed once (BFCL-style ``family:kind`` strings).

A verdict's ``errors`` hold ``format:<code>`` for what the parser found (``severity``
``error``: the attempt cannot pass; ``warning``: untidy, calls intact), the matcher's
``<kind>:<function>[.<argument>]``, and ``scoring_failure:<exception>`` should scoring
itself fail. Codes written ``x:<...>`` take a variable suffix.
"""

from __future__ import annotations

FORMAT_ERRORS: dict[str, str] = {
    "not_text": "the output is neither text nor a message dict",
    "parser_failure": "the parser failed (a bug; the attempt fails, nothing crashes)",
    "malformed_json": "a call block whose JSON cannot be read",
    "nesting_too_deep": "call arguments nested deeper than parsing.MAX_DEPTH levels",
    "unclosed_tag:tool_call": "a <tool_call> block never closed",
    "stray_tag:/tool_call": "a </tool_call> with no opener",
    "not_a_call": "a call block that holds no call object",
    "missing_name": "a call without a non-empty string name",
    "bad_arguments": "arguments that are not a JSON object",
    "too_many_calls": "more calls than parsing.MAX_CALLS",
    "too_many_malformed_blocks": "decoding stopped after many malformed blocks",
    "too_many_issues": "more problems than parsing.MAX_ISSUES; the rest are not listed",
}
FORMAT_WARNINGS: dict[str, str] = {
    "empty_output": "nothing to parse",
    "unclosed_tag:think": "a <think> block runs to the end",
    "unclosed_tag:reflect": "a <reflect> block never closed (it ends at the next call)",
    "stray_tag:/reflect": "a </reflect> with no opener",
    "extra_tag:reflect": "more than one <reflect> block (only the first is the reflection)",
    "unclosed_tag:final": "a <final> block never closed",
    "extra_tag:final": "more than one <final> block",
    "unclosed_code_fence": "a ``` fence never closed (the rest is masked)",
    "quoted_call:prose": "a JSON call quoted in prose where the output uses <tool_call> tags",
    "quoted_call:malformed_json": "broken JSON quoted in prose (not a call)",
    "quoted_call:nesting_too_deep": "deep JSON quoted in prose (not a call)",
    "ambiguous_arguments": "a call with both 'arguments' and 'parameters'",
    "wrong_call_format:<style>": "calls written in another call style than expected",
}
MATCH_ERRORS: dict[str, str] = {
    "missing_call:<fn>": "a ground-truth call the attempt does not make",
    "extra_call:<fn>": "a call the ground truth does not make",
    "wrong_name:<fn>": "a call to another function in place of <fn>",
    "missing_arg:<fn>.<arg>": "an argument of the ground truth's call left out",
    "extra_arg:<fn>.<arg>": "an argument the ground truth's call does not have",
    "wrong_value:<fn>.<arg>": "the same JSON type, another value",
    "wrong_type:<fn>.<arg>": "another JSON type (1, 1.0, \"1\" and true all differ)",
    "duplicate_call:<fn>": "the same call made more often than in the ground truth",
}
SCORING_ERRORS: dict[str, str] = {
    "scoring_failure:<exception>": "scoring failed (a bug; the attempt fails, nothing crashes)",
}


def kind_of(error: str) -> str:
    """The kind of an error string, for histograms: ``format:malformed_json`` stays whole,
    ``wrong_value:f.color`` becomes ``wrong_value``."""
    if error.startswith("format:"):
        code = error[len("format:"):]
        return "format:" + (code.split(":")[0] if code.startswith(("parser_failure",
                                                                     "wrong_call_format")) else code)
    return error.split(":", 1)[0]


def registered(code: str) -> bool:
    """Whether a parser code or a matcher/scoring error is listed here."""
    for table in (FORMAT_ERRORS, FORMAT_WARNINGS, MATCH_ERRORS, SCORING_ERRORS):
        for name in table:
            stem = name.split("<", 1)[0]
            if code == name or ("<" in name and code.startswith(stem) and len(code) > len(stem)):
                return True
    return False
