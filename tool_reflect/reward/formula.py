"""The reward R = S × F (SPEC §3), on the shared parser and matcher.

Two phases so similarity can be batched: :func:`prepare` does everything that needs no
text similarity and lists the text pairs it needs; :func:`finish` combines them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tool_reflect import json_values
from tool_reflect.matching import value_key
from tool_reflect.parsing import ParsedOutput
from tool_reflect.records import ToolCall, call_objects
from tool_reflect.reward.similarity import lexical_similarity
from tool_reflect.scoring import verdict

W_REF, W_CALL, W_FINAL = 0.1, 0.7, 0.2
IMPORTANCE = {"reflect": 0.1, "calls": 0.7, "final": 0.2}
EXTRA_PART = 0.8
COUNT_PENALTY = 0.42
FORMAT_SCALE, EXACT_R_FMT = 0.8, 0.3
BACKOFF, BACKOFF_BELOW = 0.15, 1e-6
ARG_TEXT_THRESHOLD = 0.8
NOT_EXACT_CAP = 0.99  # s_call < 1 whenever the strict matcher says "not exact"

REWARD_KEYS = ("score", "S", "F", "P", "r_fmt", "s_ref", "s_call", "s_final", "w_active",
               "gate", "backoff", "exact_match", "format_errors", "n_pred_calls",
               "n_gold_calls", "executed")


@dataclass
class Prepared:
    """Phase-1 state of one sample."""

    breakdown: dict[str, float]
    reason: str = ""
    done: bool = False
    pairs: dict[str, tuple[str, str]] = field(default_factory=dict)
    backoff_pair: tuple[str, str] = ("", "")


def zero_breakdown() -> dict[str, float]:
    return dict.fromkeys(REWARD_KEYS, 0.0)


def s_call(pred: list[ToolCall], gold: list[ToolCall], exact: bool) -> float:
    """Greedy one-to-one matching in gold order: 0.5·[same name] + 0.5·(share of gold keys
    whose value equals, or whose text similarity > 0.8), averaged, times
    max(0, 1 − 0.1·unused predictions)."""
    if exact:  # the strict matcher's verdict; greedy matching can pair equal calls badly
        return 1.0
    if not gold:
        return min(NOT_EXACT_CAP, max(0.0, 1.0 - 0.2 * len(pred)))
    free = list(range(len(pred)))
    total = 0.0
    for g in gold:
        best, best_i = 0.0, None
        for i in free:
            sc = _pair_score(pred[i], g)
            if sc > best:
                best, best_i = sc, i
        if best_i is not None:
            free.remove(best_i)
        total += best
    score = total / len(gold) * max(0.0, 1.0 - 0.1 * len(free))
    return score if exact else min(score, NOT_EXACT_CAP)


def _pair_score(c: ToolCall, g: ToolCall) -> float:
    name = 0.5 if c.name.lower() == g.name.lower() else 0.0
    if not g.arguments:
        return name + (0.5 if not c.arguments else 0.0)
    hits = 0
    for k, v in g.arguments.items():
        if k not in c.arguments:
            continue
        cv = c.arguments[k]
        if value_key(cv) == value_key(v) or lexical_similarity(
                _text(cv), _text(v)) > ARG_TEXT_THRESHOLD:
            hits += 1
    return name + 0.5 * hits / len(g.arguments)


def _text(v: Any) -> str:
    return v if isinstance(v, str) else json_values.dumps(v, sort_keys=True)


def _concat(p: ParsedOutput) -> str:
    calls = json_values.dumps(call_objects(p.calls))
    return f"{p.reflect or ''} {calls} {p.final or ''}"


def prepare(comp: ParsedOutput, gt: ParsedOutput, executed: Any = None) -> Prepared:
    """Everything but similarity; records which text pairs need it. With ``executed`` (an
    executed verdict, for items that carry a replay recipe) the exact-call part follows
    executed acceptance instead of exact match (``executed`` = 1 in the breakdown)."""
    b = zero_breakdown()
    i_r, i_c, i_f = gt.reflect is not None, bool(gt.calls), gt.final is not None
    v = verdict(comp, gt.calls)
    fmt_errors = len(comp.errors)
    exact = v.passed if executed is None else bool(executed.passed) and not fmt_errors
    if executed is not None:
        b["executed"] = 1.0
        v.errors = list(executed.reasons) or v.errors
    b.update(n_pred_calls=float(len(comp.calls)), n_gold_calls=float(len(gt.calls)),
             format_errors=float(fmt_errors), exact_match=float(exact))
    b["w_active"] = W_REF * i_r + W_CALL * i_c + W_FINAL * i_f
    if (i_c and not exact) or fmt_errors:  # the metric fails it, so no reward at all
        why = "format error: " + ", ".join(i.code for i in comp.errors) if fmt_errors \
            else "calls differ: " + ", ".join(v.errors[:4])
        b["s_call"] = s_call(comp.calls, gt.calls, False)
        return Prepared(b, why, done=True)
    b["gate"] = 1.0
    b["s_call"] = s_call(comp.calls, gt.calls, exact)
    out = Prepared(b)
    if gt.reflect is not None and comp.reflect:
        out.pairs["s_ref"] = (comp.reflect, gt.reflect)
    if gt.final is not None and comp.final:
        out.pairs["s_final"] = (comp.final, gt.final)
    p = 0.0
    for part, present_c, present_g in (("reflect", comp.reflect is not None, i_r),
                                       ("calls", bool(comp.calls), i_c),
                                       ("final", comp.final is not None, i_f)):
        if present_g and not present_c:
            p += IMPORTANCE[part]
        elif present_c and not present_g:
            p += EXTRA_PART * IMPORTANCE[part]
    if comp.calls and gt.calls and len(comp.calls) != len(gt.calls):
        p += COUNT_PENALTY * abs(len(comp.calls) - len(gt.calls)) / max(len(comp.calls), len(gt.calls))
    b["P"] = p
    b["r_fmt"] = EXACT_R_FMT if exact else 1.0
    b["F"] = max(0.0, 1.0 - FORMAT_SCALE * p * b["r_fmt"])
    out.backoff_pair = (_concat(comp), _concat(gt))
    return out


def needs_backoff(prep: Prepared, sims: dict[str, float]) -> bool:
    """Whether S×F falls below 1e-6, so the backoff similarity is needed."""
    if prep.done:
        return False
    return _s(prep, sims) * prep.breakdown["F"] < BACKOFF_BELOW


def _s(prep: Prepared, sims: dict[str, float]) -> float:
    b = prep.breakdown
    if b["w_active"] == 0:
        return 1.0
    return (W_REF * sims.get("s_ref", 0.0) + W_FINAL * sims.get("s_final", 0.0)
            + W_CALL * (b["s_call"] if b["n_gold_calls"] else 0.0)) / b["w_active"]


def finish(prep: Prepared, sims: dict[str, float]) -> tuple[float, dict[str, float], str]:
    """Combine phase 1 with similarities (``s_ref``, ``s_final`` and, when needed,
    ``backoff``): (score, breakdown, reason)."""
    b = prep.breakdown
    if prep.done:
        return 0.0, b, prep.reason
    b["s_ref"] = sims.get("s_ref", 0.0)
    b["s_final"] = sims.get("s_final", 0.0)
    s = _s(prep, sims)
    b["S"] = s
    r = s * b["F"]
    reason = prep.reason
    if r < BACKOFF_BELOW:
        r = BACKOFF * sims.get("backoff", 0.0)
        b["backoff"] = 1.0
        reason = reason or "backoff: S×F below 1e-6"
    r = max(0.0, min(1.0, r))
    b["score"] = r
    return r, b, reason
