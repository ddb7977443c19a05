"""The ``tool_reflect`` reward manager for verl's reward loop.

verl calls ``run_single`` once per sample, concurrently (``asyncio.gather`` in
``RewardLoopWorker.compute_score_batch``). A micro-batcher collects those calls for a
few milliseconds (or until ``batch_size``) and scores them with one
``RewardScorer.score_batch`` in a worker thread, so embeddings are computed in batches
and the event loop never blocks. Options come from the config's ``tool_reflect`` section
(``+tool_reflect.similarity=lexical`` when launching plain ``main_ppo``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from verl import DataProto
from verl.experimental.reward_loop.reward_manager import register
from verl.experimental.reward_loop.reward_manager.base import RewardManagerBase

from tool_reflect.records import PERTURBATIONS
from tool_reflect.reward import REWARD_KEYS, RewardResult, RewardScorer

log = logging.getLogger(__name__)
DEFAULTS = {"similarity": "embedding", "model": None, "device": "cpu", "batch_size": 64,
            "max_wait_ms": 5.0, "executed": False}


def options(config: Any) -> dict[str, Any]:
    """The ``tool_reflect`` section of the trainer config, over the defaults."""
    section = config.get("tool_reflect") if hasattr(config, "get") else None
    return {**DEFAULTS, **({k: section[k] for k in section} if section else {})}


class MicroBatcher:
    """Collects concurrent ``submit`` calls into one ``score_batch`` call."""

    def __init__(self, scorer: RewardScorer, batch_size: int, max_wait_s: float) -> None:
        self.scorer, self.batch_size, self.max_wait_s = scorer, batch_size, max_wait_s
        self.pending: list[tuple[str, str, Any, asyncio.Future]] = []
        self._timer: asyncio.TimerHandle | None = None
        self.batches: list[int] = []  # sizes of the batches scored (for tests and logs)

    async def submit(self, completion: str, ground_truth: str,
                     recipe: Any = None) -> RewardResult:
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        self.pending.append((completion, ground_truth, recipe, fut))
        if len(self.pending) >= self.batch_size:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.max_wait_s, self._flush)
        return await fut

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self.pending = self.pending, []
        if not batch:
            return
        self.batches.append(len(batch))
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(None, self.scorer.score_batch, [b[0] for b in batch],
                                   [b[1] for b in batch], [b[2] for b in batch])

        def deliver(done: asyncio.Future) -> None:
            exc = done.exception()
            for i, (_, _, _, fut) in enumerate(batch):
                if fut.done():
                    continue
                if exc is not None:
                    fut.set_exception(exc)
                else:
                    fut.set_result(done.result()[i])

        job.add_done_callback(deliver)


@register("tool_reflect")
class ToolReflectRewardManager(RewardManagerBase):
    """R = S×F from :mod:`tool_reflect.reward`, with the full breakdown in
    ``reward_extra_info`` (the same scalar keys for every sample)."""

    def __init__(self, config: Any, tokenizer: Any, compute_score: Any = None,
                 reward_router_address: str | None = None, reward_model_tokenizer: Any = None,
                 **_: Any) -> None:
        super().__init__(config, tokenizer, compute_score)
        opts = options(config)
        self.scorer = RewardScorer(opts["similarity"], opts["model"], opts["device"],
                                   int(opts["batch_size"]), executed=bool(opts["executed"]))
        self.batcher = MicroBatcher(self.scorer, int(opts["batch_size"]),
                                    float(opts["max_wait_ms"]) / 1000)
        log.info("tool_reflect reward manager: similarity=%s batch_size=%s",
                 self.scorer.similarity_name, opts["batch_size"])

    async def run_single(self, data: DataProto) -> dict[str, Any]:
        item = data[-1:][0]
        response_ids = item.batch["responses"]
        length = int(item.batch["attention_mask"][-response_ids.shape[-1]:].sum())
        ids = response_ids[:length]
        text = await asyncio.get_running_loop().run_in_executor(
            None, lambda: self.tokenizer.decode(ids, skip_special_tokens=True))
        ground_truth = item.non_tensor_batch["reward_model"]["ground_truth"]
        extra = item.non_tensor_batch.get("extra_info") or {}
        recipe = extra.get("recipe") if isinstance(extra, dict) else None
        result = await self.batcher.submit(text, ground_truth, recipe)
        info = {k: float(result.breakdown.get(k, 0.0)) for k in REWARD_KEYS}
        kind = extra.get("perturbation", "unknown") if isinstance(extra, dict) else "unknown"
        info.update({f"type_{p}": float(kind == p) for p in PERTURBATIONS})
        info["acc"] = info["exact_match"]
        if result.reason:
            log.debug("reward %.3f: %s", result.score, result.reason)
        return {"reward_score": float(result.score), "reward_extra_info": info}
