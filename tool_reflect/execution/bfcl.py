"""BFCL's executable multi-turn backends as an :class:`~tool_reflect.execution.env.Environment`.

Needs ``bfcl-eval`` (``pip install --no-deps bfcl-eval==2026.3.23 mpmath``); importing this
module does not. Classes are mapped to modules with BFCL's own constants; each reset makes
fresh instances (deep copies of a pristine loaded set, which keeps the backends' seeded
RNGs), never BFCL's module-global cached executor; calls run by method name
(``getattr``), never ``eval``. Method names are global across an item's classes, the last
class listed winning a clash (as in BFCL); ``excluded_function`` entries are not callable.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
from copy import deepcopy
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from tool_reflect.execution.env import CallResult, State
from tool_reflect.records import ToolCall

BFCL_VERSION = "2026.3.23"
INSTALL_HINT = f"pip install --no-deps bfcl-eval=={BFCL_VERSION} mpmath"
CATEGORIES = ("base", "long_context", "miss_param", "miss_func")
_TYPES = {"dict": "object", "float": "number", "tuple": "array", "any": None}


class BFCLMissing(ImportError):
    """bfcl-eval is not installed."""


def require_bfcl() -> Any:
    """The ``executable_backend_config`` module, or :class:`BFCLMissing` saying how to install."""
    try:
        from bfcl_eval.constants import executable_backend_config as cfg
    except ImportError as exc:
        raise BFCLMissing(f"bfcl-eval is needed for BFCL items: {INSTALL_HINT}") from exc
    return cfg


def data_dir() -> Path:
    """The data folder shipped in the bfcl-eval wheel (found without importing its
    ``eval_config``, which creates folders on import)."""
    require_bfcl()
    import bfcl_eval

    return Path(bfcl_eval.__file__).parent / "data"


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@cache
def _category(category: str) -> tuple[dict[str, Any], ...]:
    name = f"BFCL_v4_multi_turn_{category}.json"
    entries = _read_jsonl(data_dir() / name)
    answers = {a["id"]: a["ground_truth"] for a in _read_jsonl(data_dir() / "possible_answer" / name)}
    for e in entries:
        e["ground_truth"] = answers[e["id"]]
    return tuple(entries)


def load_entries(category: str = "base") -> list[dict[str, Any]]:
    """The BFCL multi-turn entries of a category, each with its ``ground_truth`` turns
    (deep copies: callers may edit them)."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown BFCL category {category!r}; one of {CATEGORIES}")
    return deepcopy(list(_category(category)))


@cache
def _entry_index() -> dict[str, tuple[str, int]]:
    return {e["id"]: (c, i) for c in CATEGORIES for i, e in enumerate(_category(c))}


def get_entry(source: str) -> dict[str, Any]:
    """One BFCL entry by id (e.g. ``multi_turn_base_17``); the stored object, do not edit."""
    category, i = _entry_index()[source]
    return _category(category)[i]


@cache
def _docs(cls: str) -> tuple[dict[str, Any], ...]:
    name = require_bfcl().MULTI_TURN_FUNC_DOC_FILE_MAPPING[cls]
    return tuple(_read_jsonl(data_dir() / "multi_turn_func_doc" / name))


def to_json_schema(schema: Any) -> Any:
    """BFCL's parameter schema in JSON Schema (``dict`` -> ``object``, ``float`` -> ``number``)."""
    if isinstance(schema, list):
        return [to_json_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for k, v in schema.items():
        if k == "type" and isinstance(v, str):
            mapped = _TYPES.get(v, v)
            if mapped is not None:
                out[k] = mapped
        elif k == "properties" and isinstance(v, dict):
            out[k] = {p: to_json_schema(s) for p, s in v.items()}
        else:
            out[k] = to_json_schema(v)
    return out


def tool_schemas(classes: list[str], excluded: list[str] | tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """JSON-Schema function schemas of the classes' functions, minus ``excluded``; a name
    defined by several classes is listed once, from the last class (as it executes)."""
    by_name: dict[str, dict[str, Any]] = {}
    for cls in classes:
        for doc in _docs(cls):
            by_name.pop(doc["name"], None)
            by_name[doc["name"]] = {"name": doc["name"], "description": doc["description"],
                                    "parameters": to_json_schema(doc["parameters"])}
    return [deepcopy(t) for n, t in by_name.items() if n not in set(excluded)]


def _class(cls: str) -> type:
    return getattr(importlib.import_module(require_bfcl().CLASS_FILE_PATH_MAPPING[cls]), cls)


@lru_cache(maxsize=256)
def _pristine(source: str, long_context: bool) -> tuple[tuple[str, Any], ...]:
    """The entry's backends freshly loaded (kept untouched; resets deep-copy them)."""
    entry, stateless = get_entry(source), set(require_bfcl().STATELESS_CLASSES)
    out = []
    for cls in entry["involved_classes"]:
        inst = _class(cls)()
        if cls not in stateless:
            inst._load_scenario(deepcopy(entry["initial_config"].get(cls, {})),
                                long_context=long_context)
        out.append((cls, inst))
    return tuple(out)


def _jsonable(value: Any) -> Any:
    """A JSON value for a backend result (tuples -> lists, other objects -> ``str``)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_jsonable(v) for v in value), key=repr)
    return str(value)


def exception_text(exc: BaseException) -> str:
    """How a raised exception is shown to the model: ``"<Type>: <message>"``."""
    return stable_text(f"{type(exc).__name__}: {exc}")


_SET_OF_STRINGS = re.compile(r"\{'[^'{}]*'(?:, '[^'{}]*')+\}")


def stable_text(text: str) -> str:
    """Python sets of strings printed in an error text (``{'first', 'economy'}``), with
    their members sorted: Python prints them in hash order, which varies per process."""
    return _SET_OF_STRINGS.sub(lambda m: "{" + ", ".join(sorted(m.group(0)[1:-1].split(", "))) + "}",
                               text)


class BFCLEnv:
    """One BFCL entry's backends. ``reset({"source": id, "long_context": bool})``."""

    def __init__(self) -> None:
        self.source: str | None = None
        self.long_context = False
        self.instances: dict[str, Any] = {}
        self.methods: dict[str, Any] = {}

    def reset(self, recipe: dict[str, Any]) -> None:
        self.source = recipe["source"]
        self.long_context = bool(recipe.get("long_context", False))
        self.instances = dict(deepcopy(_pristine(self.source, self.long_context)))
        self._bind()

    def execute(self, call: ToolCall) -> CallResult:
        method = self.methods.get(call.name)
        if method is None:
            return CallResult({"error": f"Unknown function: {call.name}"}, f"Unknown function: {call.name}")
        try:
            value = method(**deepcopy(call.arguments))  # backends keep and mutate arguments
        except Exception as exc:  # a bad call is a result, as in BFCL
            text = exception_text(exc)
            return CallResult({"error": text}, text)
        value = _jsonable(value)
        if isinstance(value, dict) and "error" in value:
            value["error"] = stable_text(str(value["error"]))
            return CallResult(value, value["error"])
        return CallResult(value)

    def snapshot(self) -> State:
        return deepcopy(self.view())

    def view(self) -> State:
        """The live public state (no copy: compare it, do not keep it)."""
        return {cls: {k: v for k, v in vars(inst).items() if not k.startswith("_")}
                for cls, inst in self.instances.items()}

    def fork(self) -> BFCLEnv:
        """An independent copy in the current state (RNGs included)."""
        other = BFCLEnv()
        other.source, other.long_context = self.source, self.long_context
        other.instances = deepcopy(self.instances)
        other._bind()
        return other

    def _bind(self) -> None:
        if self.source is None:
            raise ValueError("BFCLEnv used before reset(recipe)")
        excluded = set(get_entry(self.source).get("excluded_function") or [])
        self.methods = {}
        for inst in self.instances.values():
            for name, method in inspect.getmembers(inst, predicate=inspect.ismethod):
                if not name.startswith("_") and name not in excluded:
                    self.methods[name] = method

    def signature(self, name: str) -> list[str]:
        """Parameter names of a callable function, in order."""
        method = self.methods.get(name)
        return [] if method is None else list(inspect.signature(method).parameters)


def parse_call(text: str, params: list[str] | None = None) -> ToolCall:
    """A BFCL ground-truth call string (``f(1, b='x')``) as a :class:`ToolCall`, read with
    :mod:`ast` (never ``eval``); positional arguments take the names in ``params``."""
    node = ast.parse(text.strip(), mode="eval").body
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        raise ValueError(f"not a plain function call: {text!r}")
    args: dict[str, Any] = {}
    for i, a in enumerate(node.args):
        if params is None or i >= len(params):
            raise ValueError(f"positional argument {i} of {text!r} has no parameter name")
        args[params[i]] = ast.literal_eval(a)
    for kw in node.keywords:
        if kw.arg is None:
            raise ValueError(f"**kwargs in {text!r}: not a plain call")
        args[kw.arg] = ast.literal_eval(kw.value)
    return ToolCall(node.func.id, args)
