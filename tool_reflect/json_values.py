"""JSON text <-> values, exact for every number JSON allows.

Python refuses to turn integers of more than 4,300 digits into ``int`` (and doing so costs
quadratic time), yet JSON allows them. Such integers are read as :class:`~decimal.Decimal`
(linear, exact) and written back as the same bare digits, so a call that carries one
parses, compares, renders and saves like any other.
"""

from __future__ import annotations

import json
import re
import secrets
from decimal import Decimal
from json.encoder import c_encode_basestring, c_make_encoder  # type: ignore[attr-defined]
from typing import Any

INT_DIGITS = 4000  # longer integers are read as Decimal
_TOKEN = "@@bigint-" + secrets.token_hex(8) + "@@"  # unguessable: no string can fake it
_RAW = re.compile('"' + re.escape(_TOKEN) + r"(-?[0-9]+)\"")


def _parse_int(text: str) -> int | Decimal:
    return int(text) if len(text) <= INT_DIGITS else Decimal(text)


_PLAIN = json.JSONDecoder()
_EXACT = json.JSONDecoder(parse_int=_parse_int)  # slower: a Python call per integer


def _too_long(exc: ValueError) -> bool:
    """Python's int-from-text digit limit (a ValueError that is not a JSON syntax error)."""
    return not isinstance(exc, json.JSONDecodeError)


def loads(text: str) -> Any:
    """``json.loads`` that keeps over-long integers exact."""
    try:
        return _PLAIN.decode(text)
    except ValueError as exc:
        if not _too_long(exc):
            raise
    return _EXACT.decode(text)


def _compiled() -> tuple[Any, Any]:
    """msgspec's JSON decoder, and its sorted-key MessagePack encoder (typed bytes: ints,
    floats and booleans never encode alike), a dependency on CPython; ``(None, None)``
    where msgspec is missing."""
    try:
        import msgspec
    except ImportError:
        return None, None
    return msgspec.json.Decoder().decode, msgspec.msgpack.Encoder(order="sorted").encode


_COMPILED, _COMPILED_ENCODE = _compiled()


def loads_small(text: str, fallback: bool = True) -> Any:
    """``loads`` for texts of at most ``INT_DIGITS`` characters (no integer in them can be
    read as Decimal), by msgspec's decoder where installed, about twice as fast. Where it
    reads a text, it reads the same value as ``json.loads`` (same types, same floats, same
    big integers; a differential test holds it to that); what it refuses (NaN, lone
    surrogates, out-of-range floats, anything malformed) goes to ``loads``, or, with
    ``fallback=False``, raises ValueError."""
    if _COMPILED is not None and len(text) <= INT_DIGITS:
        try:
            return _COMPILED(text)
        except Exception:  # its refusals: json decides
            if not fallback:
                raise ValueError("refused by the compiled decoder") from None
    return loads(text)


_SCAN = _PLAIN.scan_once  # type: ignore[attr-defined]  # what JSONDecoder.raw_decode calls, without its Python wrapper


def raw_decode(text: str, idx: int = 0) -> tuple[Any, int]:
    """``JSONDecoder.raw_decode`` that keeps over-long integers exact."""
    try:
        return _SCAN(text, idx)
    except StopIteration as err:
        raise json.JSONDecodeError("Expecting value", text, err.value) from None
    except ValueError as exc:
        if not _too_long(exc):
            raise
    return _EXACT.raw_decode(text, idx)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return _TOKEN + format(value, "f")
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps(value: Any, **kwargs: Any) -> str:
    """``json.dumps`` that writes over-long integers as their digits."""
    text = json.dumps(value, default=_default, **kwargs)
    return _RAW.sub(r"\1", text) if _TOKEN in text else text


_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=_default)
_C_CANONICAL = None if c_make_encoder is None else c_make_encoder(
    None, _default, c_encode_basestring, None, ": ", ", ", True, False, True)


def canonical(value: Any) -> str:
    """Sorted-key JSON text of a value (equal iff the values are equal JSON). The matcher
    calls this for every call it compares, so one C encoder is built once and reused (no
    circular-reference bookkeeping: JSON values cannot be circular; a circular Python value
    raises ``RecursionError``)."""
    text = ("".join(_C_CANONICAL(value, 0)) if _C_CANONICAL is not None
            else _CANONICAL.encode(value))  # interpreters without the C accelerator
    return _RAW.sub(r"\1", text) if _TOKEN in text else text
