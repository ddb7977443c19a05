"""Execution-grounded repair: items built on real stateful tool backends (BFCL's), and a
score that accepts every repair that works.

Importable without ``bfcl-eval``; the BFCL parts raise :class:`BFCLMissing` naming the
install command (``pip install --no-deps bfcl-eval==2026.3.23 mpmath``) when used.

Entry points:

- :func:`build_items` (BFCL ids -> items), :func:`generate_bfcl` (a category -> items),
  :func:`build_bundle` (writes ``data/tool_reflect_bfcl``);
- :func:`executed_verdict` (item or recipe, parsed output or calls -> verdict),
  :func:`score_executed` (item, raw completion -> verdict; never raises);
- :func:`is_executable`, :func:`recipe_text` (the recipe as JSON text for exports).
"""

from __future__ import annotations

from tool_reflect.execution.bfcl import INSTALL_HINT, BFCLEnv, BFCLMissing, require_bfcl
from tool_reflect.execution.bundle import build_bundle
from tool_reflect.execution.env import CallResult, Environment, State, state_diff
from tool_reflect.execution.items import BuildReport, build_items, generate_bfcl
from tool_reflect.execution.verdict import (
    ExecutedVerdict,
    executed_verdict,
    is_executable,
    recipe_of,
    recipe_text,
    score_executed,
)

__all__ = [
    "INSTALL_HINT", "BFCLEnv", "BFCLMissing", "BuildReport", "CallResult", "Environment",
    "ExecutedVerdict", "State", "build_bundle", "build_items", "executed_verdict",
    "generate_bfcl", "is_executable", "recipe_of", "recipe_text", "require_bfcl",
    "score_executed", "state_diff",
]
