"""Structured reflections for BFCL items (error class, faulty call, faulty argument,
cause, the backend's answer, fix), from varied templates like the open split's."""

from __future__ import annotations

import random

from tool_reflect.gen.reflections import compose_reflection
from tool_reflect.records import ToolCall

CAUSES = {
    "wrong_value": ["'{arg}' did not match the real value from the context.",
                    "I got the value of '{arg}' wrong; it names something that does not exist."],
    "sentinel_string": ["'{arg}' held a placeholder string instead of the real value.",
                        "I used a dummy value for '{arg}' rather than the one from the context."],
    "out_of_enum": ["'{arg}' was not one of the values the function allows.",
                    "The value of '{arg}' is outside the allowed set of options."],
    "wrong_type": ["'{arg}' had the wrong type for this function.",
                   "I sent '{arg}' as the wrong data type."],
    "null": ["I passed null for '{arg}', which needs a real value.",
             "The value of '{arg}' was null instead of a valid value."],
    "dropped_required_key": ["The required argument '{arg}' was missing from the call.",
                             "I left out '{arg}', which is required."],
    "dependent_pair": ["{failed} depends on {first} having run first, and I called it too early.",
                       "I skipped ahead: {first} has to happen before {failed}."],
    "fabricated_value": ["'{arg}' must come from the result of {first}, which I never called; "
                         "the value I used was invented.",
                         "I guessed '{arg}' instead of obtaining it from {first}."],
    "repeat_previous": ["I repeated {failed} with the same arguments although it had already "
                        "been done.",
                        "The call to {failed} duplicated one that was already done."],
}


def write_reflection(kind: str, subtype: str, failed: ToolCall, truth: list[ToolCall],
                     error: str, argument: str | None, rng: random.Random) -> str:
    """A multi-line reflection naming class, call, argument, cause, answer and fix."""
    first = truth[0].name if truth else failed.name
    cause = rng.choice(CAUSES[subtype]).format(arg=argument, failed=failed.name, first=first)
    return compose_reflection(kind, cause, failed, truth, error, argument, rng)
