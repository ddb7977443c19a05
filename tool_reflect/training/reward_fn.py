"""The tool-reflect reward as a TRL reward function, logging its components and the signal."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from tool_reflect.reward import REWARD_KEYS
from tool_reflect.training.signal import nonzero_var_share, reason_kind

SIGNAL_METRIC = "signal/nonzero_var_share"


def completion_text(completion: Any) -> str:
    """The text of a TRL completion (a string, or a conversational message list)."""
    if isinstance(completion, str):
        return completion
    return "".join(m.get("content") or "" for m in completion if m.get("role") == "assistant")


class ToolReflectReward:
    """``reward_funcs`` entry for TRL: R = S×F on each completion. Through ``log_metric`` it
    logs the batch mean of every breakdown key (``reward/<key>``) and the share of groups with
    non-zero reward variance (:data:`SIGNAL_METRIC`); through ``log_extra`` each reason."""

    __name__ = "tool_reflect"

    def __init__(self, scorer: Any, group: int) -> None:
        self.scorer = scorer
        self.group = group
        self.last: list[Any] = []

    def __call__(self, prompts: list[Any], completions: list[Any], ground_truth: list[str],
                 log_metric: Callable[[str, float], None] | None = None,
                 log_extra: Callable[[str, list], None] | None = None, **_: Any) -> list[float]:
        self.last = self.scorer.score_batch([completion_text(c) for c in completions], ground_truth)
        scores = [r.score for r in self.last]
        if log_metric is not None:
            for key in REWARD_KEYS:
                log_metric(f"reward/{key}", statistics.fmean(r.breakdown[key] for r in self.last))
            if len(scores) % self.group == 0:
                log_metric(SIGNAL_METRIC, nonzero_var_share(scores, self.group))
        if log_extra is not None:
            log_extra("reason", [reason_kind(r.reason) for r in self.last])
        return scores
