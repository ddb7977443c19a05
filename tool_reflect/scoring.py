"""Score one model output against one repair item: the benchmark's verdict."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from tool_reflect.matching import matched_calls, partial_score
from tool_reflect.parsing import ParsedOutput, parse_output
from tool_reflect.records import RepairItem, ToolCall, call_objects

log = logging.getLogger(__name__)


@dataclass(slots=True)
class AttemptVerdict:
    """``passed``: strict repair (calls equal the ground truth's, no malformed call block).
    ``partial``: matched calls over max(|gold|, |pred|), 0 on a call-format error.
    ``errors``: format issue codes and matcher error strings, for people and for greps.
    ``tool_calls``: the calls read from the output (``calls`` gives them as JSON objects)."""

    passed: bool
    partial: float
    errors: list[str] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)
    executed: dict[str, Any] | None = None  # the executed verdict, for items with a recipe

    @property
    def calls(self) -> list[dict[str, Any]]:
        """The parsed calls as ``{"name", "arguments"}`` objects."""
        return call_objects(self.tool_calls)

    def to_dict(self) -> dict[str, Any]:
        """Readable JSON: pass flag, partial score, errors, the parsed calls (and the
        executed verdict where there is one)."""
        out = {"passed": self.passed, "partial": self.partial, "errors": self.errors,
               "calls": self.calls}
        if self.executed is not None:
            out["executed"] = self.executed
        return out


def score_attempt(item: RepairItem, output: Any, mode: str = "strict",
                  expected_format: str | None = None) -> AttemptVerdict:
    """Parse ``output`` (text or message dict) and compare its calls with the ground truth.
    Never raises: a sample that cannot be scored fails with a ``scoring_failure`` error."""
    try:
        return verdict(parse_output(output, expected_format), item.ground_truth.calls, mode,
                       item.tools)
    except Exception as exc:  # one bad sample must not stop an eval run
        log.warning("scoring_failure on item %s: %s: %s", item.id, type(exc).__name__, exc)
        return AttemptVerdict(False, 0.0, [f"scoring_failure:{type(exc).__name__}"])


def verdict(parsed: ParsedOutput, gold: list[ToolCall], mode: str = "strict",
            tools: list[dict[str, Any]] | None = None) -> AttemptVerdict:
    """The one pass rule, for the metric and the reward's gate: the calls equal the gold
    calls (as multisets, in ``mode``) and no call block is malformed."""
    calls = parsed.calls
    n_matched, errors = matched_calls(calls, gold, mode, tools)
    if not parsed.issues:  # the usual case: no lists to build
        return AttemptVerdict(not errors, partial_score(n_matched, len(gold), len(calls)),
                              errors, calls)
    fmt_errors = [f"format:{i.code}" for i in parsed.errors]
    warnings = [f"format:{i.code}" for i in parsed.issues if i.severity != "error"]
    passed = not errors and not fmt_errors
    partial = 0.0 if fmt_errors else partial_score(n_matched, len(gold), len(calls))
    return AttemptVerdict(passed, partial, fmt_errors + errors + warnings, calls)
