"""Structured reflections for generated items, written from varied templates.

Each reflection names the error class, the faulty call, the faulty argument (if any), the
cause and the fix, in one of several phrasings, so models cannot learn one sentence.
"""

from __future__ import annotations

import json
import random

from tool_reflect.gen.simulator import CallError
from tool_reflect.records import ToolCall

ERROR_CLASS = {
    "argument_error": "Parameter error",
    "order_swap": "Call-order error",
    "missing_prerequisite": "Missing prerequisite call",
    "redundant_call": "Redundant call",
}
CAUSES = {
    "null": ["I passed null for '{arg}', which the schema requires to be a real value.",
             "The value of '{arg}' was null instead of a valid {kind}."],
    "wrong_type": ["'{arg}' had the wrong type: the schema expects a different JSON type.",
                   "I sent '{arg}' as the wrong data type."],
    "sentinel_string": ["'{arg}' held a placeholder string instead of the real value.",
                        "I used a dummy value for '{arg}' rather than the one from the context."],
    "out_of_enum": ["'{arg}' was not one of the values the schema allows.",
                    "The value of '{arg}' is outside the allowed set of options."],
    "dropped_required_key": ["The required argument '{arg}' was missing from the call.",
                             "I left out '{arg}', which is required."],
    "precondition": ["{failed} only works after {first} has run in this session, and I "
                     "called it too early.",
                     "I skipped ahead: {first} has to happen before {failed}."],
    "fabricated_id": ["'{arg}' must come from the result of {first}, which I never called; "
                      "the value I used was invented.",
                      "I guessed '{arg}' instead of obtaining it from {first}."],
    "repeat_previous": ["I repeated {failed} with the same arguments although it had already "
                        "succeeded.",
                        "The call to {failed} duplicated one that was already done."],
}
FIXES = ["Corrected call sequence:", "The fix:", "Next step:", "Correct approach:"]
HEADINGS = [("**Error type:** {cls}", "**Faulty call:** {call}", "**Cause:** {cause}"),
            ("Error class: {cls}.", "The failing call was {call}.", "{cause}"),
            ("{cls} detected.", "Call that failed: {call}", "Why: {cause}")]


def write_reflection(kind: str, subtype: str, failed: ToolCall, truth: list[ToolCall],
                     err: CallError, argument: str | None, rng: random.Random) -> str:
    """A multi-line reflection naming class, call, argument, cause and fix."""
    first = truth[0].name if truth else failed.name
    cause = rng.choice(CAUSES[subtype]).format(arg=argument, failed=failed.name, first=first,
                                               kind="value")
    return compose_reflection(kind, cause, failed, truth, err.message, argument, rng)


def compose_reflection(kind: str, cause: str, failed: ToolCall, truth: list[ToolCall],
                       error_text: str, argument: str | None, rng: random.Random) -> str:
    """The reflection's lines around a chosen ``cause``: error class, faulty call, faulty
    argument, cause, the tool's answer, and the fix (headings and wording drawn from
    ``rng``). Shared by every generator (catalogue and BFCL items)."""
    call_text = json.dumps({"name": failed.name, "arguments": failed.arguments})
    h_cls, h_call, h_cause = rng.choice(HEADINGS)
    lines = [h_cls.format(cls=ERROR_CLASS[kind]), h_call.format(call=call_text),
             h_cause.format(cause=cause), f"The tool answered: {error_text}"]
    if argument:
        lines.insert(2, f"Faulty argument: '{argument}'.")
    steps = [f"{i + 1}. {t.name} with {json.dumps(t.arguments)}" for i, t in enumerate(truth)]
    lines += ["", rng.choice(FIXES), *steps]
    return "\n" + "\n".join(lines) + "\n"
