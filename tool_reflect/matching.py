"""The one matcher: are the predicted calls exactly the ground-truth calls?

``strict`` (the benchmark's definition): the multiset of canonical calls must be equal.
A canonical call is the function name plus its arguments as a JSON value: object key
order is ignored, list order is kept, JSON types are kept (``1``, ``1.0``, ``"1"`` and
``true`` all differ) and duplicates count. Any JSON value works (no hashing of dicts).

``lenient`` (in the spirit of BFCL's AST checker): numbers compare by value (``1 == 1.0``),
strings compare after collapsing whitespace and case-folding, and an argument omitted on
one side equals the schema's declared ``default`` on the other.

Every mismatch is named: ``missing_call:<fn>``, ``extra_call:<fn>``, ``wrong_name:<fn>``,
``missing_arg:<fn>.<arg>``, ``extra_arg:<fn>.<arg>``, ``wrong_value:<fn>.<arg>``,
``wrong_type:<fn>.<arg>``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tool_reflect.json_values import canonical
from tool_reflect.records import ToolCall

MATCHER_VERSION = "1.0.0"
MODES = ("strict", "lenient")


@dataclass
class CallMatch:
    """Result of comparing predicted calls with ground-truth calls."""

    exact: bool
    n_matched: int
    n_gold: int
    n_pred: int
    errors: list[str] = field(default_factory=list)

    @property
    def partial(self) -> float:
        """Matched calls over the larger of the two counts: extra calls cost as much as
        missing ones."""
        denom = max(self.n_gold, self.n_pred)
        return 1.0 if denom == 0 else self.n_matched / denom


def _normalise(value: Any) -> Any:
    """Lenient form of a JSON value."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):  # 1.0 -> 1; never float(int): big integers overflow
        return int(value) if value.is_integer() else value
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return " ".join(value.split()).casefold()
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _normalise(v) for k, v in value.items()}
    return repr(value)


def _defaults(tools: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for tool in tools or []:
        fn = tool.get("function", tool) if isinstance(tool, dict) else {}
        props = (fn.get("parameters") or {}).get("properties") or {}
        if isinstance(props, dict):
            out[str(fn.get("name"))] = {
                k: v["default"] for k, v in props.items() if isinstance(v, dict) and "default" in v
            }
    return out


def canonical_args(args: dict[str, Any], mode: str = "strict",
                   defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    """Arguments in the form compared by ``mode``."""
    if mode == "strict":
        return args
    merged = {**(defaults or {}), **args}
    return {k: _normalise(v) for k, v in merged.items()}


def call_key(call: ToolCall, mode: str = "strict", defaults: dict[str, Any] | None = None) -> str:
    """A hashable canonical form of a call (a sorted-key JSON text)."""
    args = canonical_args(call.arguments, mode, defaults)
    return value_key([call.name, args])


def value_key(value: Any) -> str:
    """A JSON value's canonical text (sorted keys): equal iff the values are equal JSON."""
    try:
        return canonical(value)
    except (TypeError, ValueError):  # non-JSON values from Python callers
        return repr(value)


def match_calls(pred: list[ToolCall], gold: list[ToolCall], mode: str = "strict",
                tools: list[dict[str, Any]] | None = None) -> CallMatch:
    """Compare predicted calls with ground-truth calls as multisets; name every difference."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    defaults = _defaults(tools) if mode == "lenient" else {}
    pkeys = [call_key(c, mode, defaults.get(c.name)) for c in pred]
    gkeys = [call_key(c, mode, defaults.get(c.name)) for c in gold]
    common = Counter(pkeys) & Counter(gkeys)
    n_matched = sum(common.values())
    exact = n_matched == len(gold) == len(pred)
    errors = [] if exact else _explain(pred, gold, pkeys, gkeys, common, mode, defaults)
    return CallMatch(exact, n_matched, len(gold), len(pred), errors)


def _leftovers(calls: list[ToolCall], keys: list[str], common: Counter) -> list[ToolCall]:
    budget = Counter(common)
    out = []
    for call, key in zip(calls, keys, strict=True):
        if budget[key] > 0:
            budget[key] -= 1
        else:
            out.append(call)
    return out


def _explain(pred: list[ToolCall], gold: list[ToolCall], pkeys: list[str], gkeys: list[str],
             common: Counter, mode: str, defaults: dict[str, dict[str, Any]]) -> list[str]:
    gl, pl = _leftovers(gold, gkeys, common), _leftovers(pred, pkeys, common)
    errors: list[str] = []
    unpaired: list[ToolCall] = []
    for g in gl:
        same = [p for p in pl if p.name == g.name]
        if not same:
            unpaired.append(g)
            continue
        dflt = defaults.get(g.name)
        ga = canonical_args(g.arguments, mode, dflt)
        best = max(same, key=lambda p: _shared_values(ga, canonical_args(p.arguments, mode, dflt)))
        pl.remove(best)
        errors.extend(_arg_errors(g, best, mode, dflt))
    gold_names = {g.name for g in gold}
    for g in unpaired:
        strangers = [p for p in pl if p.name not in gold_names]
        if strangers:
            pl.remove(strangers[0])
            errors.append(f"wrong_name:{g.name}")
        else:
            errors.append(f"missing_call:{g.name}")
    errors.extend(f"extra_call:{p.name}" for p in pl)
    return errors


def _shared_values(a: dict[str, Any], b: dict[str, Any]) -> int:
    return sum(1 for k, v in a.items() if k in b and value_key(b[k]) == value_key(v))


def _arg_errors(g: ToolCall, p: ToolCall, mode: str, dflt: dict[str, Any] | None) -> list[str]:
    ga, pa = canonical_args(g.arguments, mode, dflt), canonical_args(p.arguments, mode, dflt)
    errs = [f"missing_arg:{g.name}.{k}" for k in ga if k not in pa]
    errs += [f"extra_arg:{g.name}.{k}" for k in pa if k not in ga]
    for k in ga:
        if k in pa and value_key(ga[k]) != value_key(pa[k]):
            kind = "wrong_type" if json_type(ga[k]) != json_type(pa[k]) else "wrong_value"
            errs.append(f"{kind}:{g.name}.{k}")
    return errs or [f"duplicate_call:{g.name}"]


def json_type(v: Any) -> str:
    """JSON Schema type name of a value (``integer`` and ``number`` kept apart)."""
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, Decimal)):  # Decimal: an integer too long for int
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}.get(type(v), "null")
