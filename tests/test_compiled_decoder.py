"""The compiled JSON decoder (msgspec, a dependency on CPython) reads every text it accepts
exactly as the json module does, and the parser gives the same result with or without it."""

from __future__ import annotations

import json
import marshal
import math
import os
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tool_reflect import json_values, matching
from tool_reflect.matching import _settled, same_value

if json_values._COMPILED is None and os.environ.get("CI"):
    pytest.fail("msgspec is a dependency on CPython: CI must have it")
msgspec = pytest.importorskip("msgspec")


def _bytes(value) -> bytes:
    """Type-exact bytes (format-2 marshal): the same types, values and key order."""
    return marshal.dumps(value, 2)

EDGES = ["-0", "-0.0", "0.0", "1E2", "1e-2", "1e400", "-1e400", "1e-400", "4.9e-324", "5e-325",
         "2.2250738585072011e-308", "1.7976931348623157e308", "1.7976931348623159e308",
         "0.1", "123456789.123456789e-30", "1.0000000000000000000000000000001",
         "9007199254740993", "18446744073709551615", "18446744073709551616",
         "-9223372036854775808", "-9223372036854775809", "1" * 400, "-" + "9" * 3999,
         '{"a": 1, "a": 2}', '"\\ud800"', '"\\udc00"', '"\\ud83d\\ude00"', '{"\\ud800": 1}',
         '"\\u0000"', '"\x7f"', '"a\x01"', "NaN", "-Infinity", "[1,]", " \f[1]", "[1]\x0b",
         "\ufeff[1]", "01", "1.", ".5", "[1] [2]", '{"a" 1}', "[" * 300 + "]" * 300, "true",
         "null", ' {"name": "f", "arguments": {"x": [1, 2.5, true, null, "s"]}}\n', '"\\/"',
         '"\u2028"', "[1e5, 1E+5, 1e-5, -0e0, 0e-0]"]


def exact(text: str):
    """What the json module reads, or the exception class it raises."""
    try:
        return json_values.loads(text)
    except (ValueError, RecursionError) as exc:
        return type(exc)


def check(text: str) -> bool:
    """Where the compiled decoder accepts ``text``, its value equals json's exactly (types,
    float bits, integer digits, key order). Returns whether it accepted."""
    try:
        value = json_values._COMPILED(text)
    except Exception:  # a refusal: json decides instead
        return False
    expected = exact(text)
    assert not isinstance(expected, type), f"compiled accepts what json refuses: {text!r:.80}"
    assert _bytes(value) == _bytes(expected), f"values differ for {text!r:.80}"
    return True


@pytest.mark.parametrize("text", EDGES)
def test_edge_texts_are_read_alike_or_refused(text):
    check(text)
    expected = exact(text)
    if isinstance(expected, type):  # json refuses it: so does loads_small
        with pytest.raises(expected):
            json_values.loads_small(text)
    else:
        assert _bytes(json_values.loads_small(text)) == _bytes(expected)


def test_refusals_fall_back_to_the_json_module():
    assert json_values.loads_small('"\\ud800"') == "\ud800"
    assert math.isnan(json_values.loads_small("NaN"))
    assert json_values.loads_small("1e400") == math.inf
    with pytest.raises(ValueError):
        json_values.loads_small("[1] [2]")
    with pytest.raises(ValueError):
        json_values.loads_small('"\\ud800"', fallback=False)


def number_text(rng: random.Random) -> str:
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 25)))
    text = rng.choice(["", "-"]) + (digits.lstrip("0") or "0")
    if rng.random() < 0.5:
        text += "." + "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 20)))
    if rng.random() < 0.5:
        text += rng.choice("eE") + rng.choice(["", "+", "-"]) + str(rng.randint(0, 330))
    return text


def test_random_numbers_are_read_alike():
    rng = random.Random(0)
    accepted = sum(check(number_text(rng)) for _ in range(20_000))
    assert accepted > 19_000  # nearly all are plain numbers the compiled decoder reads


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=6))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=4), inner, max_size=4), max_leaves=20)


@settings(max_examples=2000, deadline=None)
@given(VALUES, st.booleans(), st.integers(0, 2), st.integers(0, 2**32))
def test_random_documents_and_their_mutations_are_read_alike(value, ascii_only, indent, seed):
    text = json.dumps(value, ensure_ascii=ascii_only, indent=indent or None)
    check(text)
    rng = random.Random(seed)
    for _ in range(3):
        i = rng.randrange(len(text) + 1)
        text = text[:i] + rng.choice(['"', "\\", ",", "]", "}", "e", "-", "0", ".", " ", "\\u",
                                      "\ud800", "\x00", "1" * 30]) + text[i + rng.randint(0, 2):]
        check(text)


@pytest.mark.parametrize("encoder", ["compiled", "marshal"])
def test_same_value_settles_equal_values_by_bytes_whatever_the_decoder(encoder, monkeypatch):
    """The type-exact bytes ignore how strings are shared (msgspec's sorted-key MessagePack, or
    format-2 marshal), so a value the compiled decoder read (its keys cached and shared)
    has the bytes of the same value json read."""
    if encoder == "marshal":
        monkeypatch.setattr(matching, "_ENCODE", None)
    text = json.dumps({"movies": [{"title": "A", "genre": "family"}, {"title": "B", "genre": "x"}],
                       "limit": 5, "ratio": -0.0, "ok": True})
    a, b = json_values._COMPILED(text), json.loads(text)
    assert _settled(a, b)
    assert same_value(a, b)
    assert not _settled({"x": [1]}, {"x": [1.0]}) and not _settled([0.0], [-0.0])
    assert not same_value(json_values._COMPILED('{"x": 1}'), json.loads('{"x": true}'))
    assert not same_value(json_values._COMPILED('{"x": 0.0}'), json.loads('{"x": -0.0}'))
