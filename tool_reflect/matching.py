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

import marshal
import math
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter
from typing import Any

from tool_reflect import json_values
from tool_reflect.json_values import canonical
from tool_reflect.records import ToolCall

MATCHER_VERSION = "1.0.0"
MODES = ("strict", "lenient")


@dataclass(slots=True)
class CallMatch:
    """Result of comparing predicted calls with ground-truth calls."""

    exact: bool
    n_matched: int
    n_gold: int
    n_pred: int
    errors: list[str] = field(default_factory=list)

    @property
    def partial(self) -> float:
        return partial_score(self.n_matched, self.n_gold, self.n_pred)


def partial_score(n_matched: int, n_gold: int, n_pred: int) -> float:
    """Matched calls over the larger of the two counts: extra calls cost as much as
    missing ones (1 when both sides have no call)."""
    denom = n_gold if n_gold > n_pred else n_pred
    return n_matched / denom if denom else 1.0


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
    except (TypeError, ValueError, RecursionError):  # non-JSON or circular Python values
        return repr(value)


_EXACT_EQ = (str, int, bool, type(None))  # types whose == is JSON equality
_JSON_TYPES = (*_EXACT_EQ, float, list, dict)


class _NotJSON(Exception):
    """A value that is not plain JSON (non-string keys, other types): compare by value_key."""


def same_value(a: Any, b: Any) -> bool:
    """``value_key(a) == value_key(b)``, mostly without encoding. Same-typed scalars compare
    directly; Python-equal containers with equal type-exact bytes are settled at C speed;
    otherwise JSON values are walked item by item. Anything that is not plain JSON
    (non-string keys, other objects, circular or very deep values) is compared as
    ``value_key`` compares it, on the whole value."""
    ta = type(a)
    if ta is type(b) and ta in _EXACT_EQ:
        return bool(a == b)
    try:
        if (ta is dict or ta is list) and _settled(a, b):
            return True
        return _same(a, b)
    except (_NotJSON, RecursionError, ValueError, TypeError):
        return value_key(a) == value_key(b)


_ENCODE = json_values._COMPILED_ENCODE


def _same(a: Any, b: Any) -> bool:
    ta = type(a)
    if ta is not type(b):
        if ta in _JSON_TYPES and type(b) in _JSON_TYPES:
            return False  # different JSON types never encode alike: "1", 1, 1.0, true, null
        raise _NotJSON
    if ta in _EXACT_EQ:
        return bool(a == b)
    if ta is dict:
        if not (_str_keys(a) and _str_keys(b)):
            raise _NotJSON
        if a.keys() != b.keys():
            return False
        pairs: Any = ((v, b[k]) for k, v in a.items())
    elif ta is list:
        if len(a) != len(b):
            return False
        pairs = zip(a, b, strict=True)
    elif ta is float:  # canonical text is repr: -0.0 differs from 0.0, every NaN is "NaN"
        if a != a:
            return b != b
        return a == b and (a != 0.0 or math.copysign(1.0, a) == math.copysign(1.0, b))
    else:
        raise _NotJSON
    for v, w in pairs:  # scalars inline, containers and floats by recursion
        tv = type(v)
        if tv is type(w) and tv in _EXACT_EQ:
            if v != w:
                return False
        elif not _same(v, w):
            return False
    return True


_STR = frozenset((str,))


def _str_keys(d: dict[Any, Any]) -> bool:
    return _STR.issuperset(map(type, d))


def match_calls(pred: list[ToolCall], gold: list[ToolCall], mode: str = "strict",
                tools: list[dict[str, Any]] | None = None) -> CallMatch:
    """Compare predicted calls with ground-truth calls as multisets; name every difference."""
    n_matched, errors = matched_calls(pred, gold, mode, tools)
    return CallMatch(not errors, n_matched, len(gold), len(pred), errors)


def matched_calls(pred: list[ToolCall], gold: list[ToolCall], mode: str = "strict",
                  tools: list[dict[str, Any]] | None = None) -> tuple[int, list[str]]:
    """``match_calls`` without its record: how many calls have an equal partner, and every
    difference named (none named: the match is exact)."""
    if mode == "strict":
        return _strict(pred, gold)
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    defaults = _defaults(tools)
    return _paired(pred, gold, mode, defaults, *_pair_equal(pred, gold, mode, defaults))


def _strict(pred: list[ToolCall], gold: list[ToolCall]) -> tuple[int, list[str]]:
    """Strict matching, the common shapes first: one call each, or calls equal in order
    (the greedy pairing would pair that prefix the same way), then extra or missing calls
    after that prefix."""
    n = len(gold)
    if len(pred) == n:
        if n == 1:
            return _one_each(pred[0], gold[0])
        if _all_same(pred, gold):
            return n, []  # the exact repair
    if len(pred) == 1:
        return _one_of_many(pred[0], gold)
    same, shorter = 0, min(len(pred), n)
    while same < shorter and _same_call(pred[same], gold[same]):
        same += 1
    if same == shorter:  # the rest of the longer list has no partner
        return same, _unpartnered(gold[same:], pred[same:])
    pm, gm = _pair_equal(pred, gold, "strict", {}, same, same)
    return _paired(pred, gold, "strict", {}, pm, gm)


def _one_each(p: ToolCall, g: ToolCall) -> tuple[int, list[str]]:
    """One predicted and one gold call: equal, or their differences as ``_explain`` names
    them."""
    if p.name != g.name:
        return 0, [f"wrong_name:{g.name}"]
    if _settled(p.arguments, g.arguments):  # the exact repair, without a further call
        return 1, []
    errors = _differences(g, p)
    return (0 if errors else 1), errors


def _one_of_many(p: ToolCall, gold: list[ToolCall]) -> tuple[int, list[str]]:
    """One predicted call and no or several gold calls: what ``_pair_equal`` and
    ``_explain`` conclude, without their lists. The first equal gold call is its partner
    and the others are missing; with no equal one, the first gold call of its name is
    paired with it (that pair's argument errors first), or, with none, the first gold
    call is named a ``wrong_name``."""
    if not gold:
        return 0, [f"extra_call:{p.name}"]
    first: tuple[int, list[str]] | None = None  # the first gold call of its name
    for j, g in enumerate(gold):
        if g.name == p.name:
            errors = _differences(g, p)
            if not errors:
                return 1, _missing(gold, j)
            first = first or (j, errors)
    if first is None:
        return 0, [f"wrong_name:{gold[0].name}"] + _missing(gold, 0)
    return 0, first[1] + _missing(gold, first[0])


def _differences(g: ToolCall, p: ToolCall) -> list[str]:
    """What differs between two calls of the same name (strict), as ``_arg_errors``
    names it; nothing when they are equal. Equal arguments are settled at C speed,
    differing ones compared once, argument by argument."""
    if _settled(p.arguments, g.arguments):
        return []
    errors = _arg_diffs(g, p, "strict", None)
    if errors or not same_value(p.arguments, g.arguments):  # (no difference found: settle)
        return errors or [f"duplicate_call:{g.name}"]
    return []


def _missing(gold: list[ToolCall], skip: int) -> list[str]:
    return [f"missing_call:{g.name}" for i, g in enumerate(gold) if i != skip]


def _paired(pred: list[ToolCall], gold: list[ToolCall], mode: str,
            defaults: dict[str, dict[str, Any]], pm: list[bool],
            gm: list[bool]) -> tuple[int, list[str]]:
    """Matched count and errors, once it is known which calls have an equal partner (any
    call without one is named, so no error means an exact match)."""
    n_matched = sum(gm)
    exact = n_matched == len(gold) == len(pred)
    return n_matched, [] if exact else _explain(pred, gold, pm, gm, mode, defaults)


_NAME_ARGS = attrgetter("name", "arguments")


def _all_same(pred: list[ToolCall], gold: list[ToolCall]) -> bool:
    """Sufficient for the calls being equal in order, checked at C speed for the whole
    lists: names and arguments Python-equal, with the same bytes (as in ``same_value``)."""
    return _settled(list(map(_NAME_ARGS, pred)), list(map(_NAME_ARGS, gold)))


def _settled(a: Any, b: Any) -> bool:
    """Sufficient for ``a`` and ``b`` being equal JSON: Python-equal, and the same typed
    bytes, so that no ``1`` stands for ``1.0`` or ``true`` and no ``0.0`` for ``-0.0``.
    The bytes are msgspec's sorted-key MessagePack where installed (integers, floats and
    booleans have their own type bytes, a float is its 64 bits), else ``marshal`` format 2,
    which has no back-references (its bytes depend on types, values and key order, never
    on how strings are shared). False where comparing or encoding raises (integers past 64
    bits, unsortable keys, values that are not JSON): the careful comparison decides."""
    try:
        if _ENCODE is not None:
            return a == b and _ENCODE(a) == _ENCODE(b)
        return a == b and marshal.dumps(a, 2) == marshal.dumps(b, 2)
    except Exception:
        return False


def _same_call(p: ToolCall, g: ToolCall) -> bool:
    return p.name == g.name and same_value(p.arguments, g.arguments)


_DIRECT = 16  # up to this many call pairs, compare calls directly instead of by keys


def _pair_equal(pred: list[ToolCall], gold: list[ToolCall], mode: str,
                defaults: dict[str, dict[str, Any]], same: int = 0,
                differ: int = -1) -> tuple[list[bool], list[bool]]:
    """Which predicted and which gold calls have an equal partner (multiset intersection;
    among equal calls the earliest are the matched ones). The first ``same`` calls are
    known to be equal in order, and ``pred[differ] != gold[differ]`` (when not -1)."""
    gm = [True] * same + [False] * (len(gold) - same)
    pm = [True] * same + [False] * (len(pred) - same)
    if mode == "strict" and len(pred) * len(gold) <= _DIRECT:
        for i in range(same, len(pred)):
            for j in range(same, len(gold)):
                if not gm[j] and not (i == j == differ) and _same_call(pred[i], gold[j]):
                    gm[j] = pm[i] = True
                    break
        return pm, gm
    gm, pm = [False] * len(gold), [False] * len(pred)  # by keys, from the start
    pool: dict[str, list[int]] = {}
    for j, c in enumerate(gold):
        pool.setdefault(call_key(c, mode, defaults.get(c.name)), []).append(j)
    for i, c in enumerate(pred):
        free = pool.get(call_key(c, mode, defaults.get(c.name)))
        if free:
            gm[free.pop(0)] = pm[i] = True
    return pm, gm


def _explain(pred: list[ToolCall], gold: list[ToolCall], pm: list[bool], gm: list[bool],
             mode: str, defaults: dict[str, dict[str, Any]]) -> list[str]:
    gl = [g for g, m in zip(gold, gm, strict=True) if not m]
    pl = [p for p, m in zip(pred, pm, strict=True) if not m]
    if not gl or not pl:  # the common shapes, named directly
        return _unpartnered(gl, pl)
    if len(gl) == len(pl) == 1 and gl[0].name == pl[0].name:
        return _arg_errors(gl[0], pl[0], mode, defaults.get(gl[0].name))
    errors: list[str] = []
    unpaired: list[ToolCall] = []
    for g in gl:
        same = [p for p in pl if p.name == g.name]
        if not same:
            unpaired.append(g)
            continue
        dflt = defaults.get(g.name)
        ga = canonical_args(g.arguments, mode, dflt)
        best = same[0] if len(same) == 1 else max(
            same, key=lambda p: _shared_values(ga, canonical_args(p.arguments, mode, dflt)))
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


def _unpartnered(gold: list[ToolCall], pred: list[ToolCall]) -> list[str]:
    """Names for calls that have no partner on the other side."""
    return [f"missing_call:{g.name}" for g in gold] + [f"extra_call:{p.name}" for p in pred]


def _shared_values(a: dict[str, Any], b: dict[str, Any]) -> int:
    return sum(1 for k, v in a.items() if k in b and same_value(b[k], v))


def _arg_errors(g: ToolCall, p: ToolCall, mode: str, dflt: dict[str, Any] | None) -> list[str]:
    """What differs between a gold call and the predicted call paired with it (a duplicate
    when nothing does)."""
    return _arg_diffs(g, p, mode, dflt) or [f"duplicate_call:{g.name}"]


def _arg_diffs(g: ToolCall, p: ToolCall, mode: str, dflt: dict[str, Any] | None) -> list[str]:
    ga, pa = canonical_args(g.arguments, mode, dflt), canonical_args(p.arguments, mode, dflt)
    errs = [] if ga.keys() == pa.keys() else (
        [f"missing_arg:{g.name}.{k}" for k in ga if k not in pa]
        + [f"extra_arg:{g.name}.{k}" for k in pa if k not in ga])
    for k, x in ga.items():
        if k in pa:
            y = pa[k]
            if not (x == y if type(x) is type(y) and type(x) in _EXACT_EQ else same_value(x, y)):
                kind = "wrong_type" if json_type(x) != json_type(y) else "wrong_value"
                errs.append(f"{kind}:{g.name}.{k}")
    return errs


_TYPE_NAMES = {float: "number", str: "string", list: "array", dict: "object"}


def json_type(v: Any) -> str:
    """JSON Schema type name of a value (``integer`` and ``number`` kept apart)."""
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, Decimal)):  # Decimal: an integer too long for int
        return "integer"
    return _TYPE_NAMES.get(type(v), "null")
