"""Batch reward scoring: parse, phase 1, one similarity pass per batch, phase 2."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from tool_reflect.parsing import ParsedOutput, parse_output
from tool_reflect.reward.formula import Prepared, finish, needs_backoff, prepare, zero_breakdown
from tool_reflect.reward.similarity import make_similarity

log = logging.getLogger(__name__)


@dataclass
class RewardResult:
    """A score in [0, 1], its full breakdown (the same keys for every sample), why it is
    what it is, and the similarity backend used."""

    score: float
    breakdown: dict[str, float]
    reason: str
    similarity: str


class RewardScorer:
    """R = S×F for batches of (completion, ground truth) texts. Never raises per sample."""

    def __init__(self, similarity: str = "embedding", model: str | None = None,
                 device: str = "cpu", batch_size: int = 64, executed: bool = False) -> None:
        """``executed``: for samples given a replay recipe, judge the calls by executing
        them on the item's backends (tool_reflect.execution) rather than by exact match."""
        self.sim = make_similarity(similarity, model, device, batch_size)
        self.executed = executed
        self._gt_cache: dict[str, ParsedOutput] = {}

    @property
    def similarity_name(self) -> str:
        return self.sim.name

    def _gt(self, text: Any) -> ParsedOutput:
        key = text if isinstance(text, str) else repr(text)
        if key not in self._gt_cache:
            if len(self._gt_cache) > 50_000:
                self._gt_cache.clear()
            self._gt_cache[key] = parse_output(text)
        return self._gt_cache[key]

    def score(self, completion: Any, ground_truth: Any) -> RewardResult:
        return self.score_batch([completion], [ground_truth])[0]

    def score_batch(self, completions: list[Any], ground_truths: list[Any],
                    recipes: list[Any] | None = None) -> list[RewardResult]:
        """Score a batch. ``recipes`` (one per sample, or ``None`` entries) are the items'
        replay recipes, used when the scorer was made with ``executed=True``."""
        if len(completions) != len(ground_truths):
            raise ValueError(f"{len(completions)} completions but {len(ground_truths)} ground truths")
        recipes = list(recipes) if recipes is not None else [None] * len(completions)
        preps: list[Prepared | None] = []
        errors: dict[int, str] = {}
        for i, (c, g) in enumerate(zip(completions, ground_truths, strict=True)):
            try:
                parsed = parse_output(c)
                preps.append(prepare(parsed, self._gt(g), self._executed(recipes[i], parsed)))
            except Exception as exc:  # one bad sample must not stop training
                preps.append(None)
                errors[i] = f"error: {type(exc).__name__}: {exc}"
        sims = self._similarities(preps, lambda p: p.pairs)
        back = [i for i, p in enumerate(preps) if p is not None and needs_backoff(p, sims[i])]
        if back:
            extra = self._similarities([preps[i] if i in back else None for i in range(len(preps))],
                                       lambda p: {"backoff": p.backoff_pair})
            for i in back:
                sims[i].update(extra[i])
        out = []
        for i, p in enumerate(preps):
            if p is None:
                out.append(RewardResult(0.0, zero_breakdown(), errors[i], self.sim.name))
                continue
            try:
                score, breakdown, reason = finish(p, sims[i])
            except Exception as exc:
                score, breakdown, reason = 0.0, zero_breakdown(), f"error: {exc}"
            out.append(RewardResult(score, breakdown, reason, self.sim.name))
        return out

    def _executed(self, recipe: Any, parsed: ParsedOutput) -> Any:
        if not self.executed or not recipe:
            return None
        from tool_reflect.execution import executed_verdict

        return executed_verdict(recipe, parsed)

    def _similarities(self, preps, pairs_of) -> list[dict[str, float]]:
        flat: list[tuple[int, str, tuple[str, str]]] = [
            (i, key, pair) for i, p in enumerate(preps) if p is not None
            for key, pair in pairs_of(p).items()]
        values = self.sim.many([pair for _, _, pair in flat]) if flat else []
        sims: list[dict[str, float]] = [{} for _ in preps]
        for (i, key, _), v in zip(flat, values, strict=True):
            sims[i][key] = v
        return sims
