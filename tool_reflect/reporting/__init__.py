"""Reports across runs: read ``lm_eval`` and ``tool-reflect score`` outputs back into
per-item results, recompute their figures with :mod:`tool_reflect.metrics`, and compare
them as tables, a markdown leaderboard and plots."""

from __future__ import annotations

from tool_reflect.reporting.compare import build_report, format_table, leaderboard, verdict_rows
from tool_reflect.reporting.runs import Run, model_label, read_run

__all__ = ["Run", "build_report", "format_table", "leaderboard", "model_label", "read_run",
           "verdict_rows"]
