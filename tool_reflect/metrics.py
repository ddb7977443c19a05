"""Repair@k (unbiased pass@k), average partial score, breakdowns and bootstrap intervals."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from math import comb
from typing import Any

DEFAULT_KS = (1, 3, 5)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from ``n`` samples with ``c`` correct: 1 - C(n-c, k) / C(n, k)."""
    if not 0 <= c <= n:
        raise ValueError(f"need 0 <= c <= n, got n={n}, c={c}")
    if not 1 <= k <= n:
        raise ValueError(f"need 1 <= k <= n, got k={k}, n={n}")
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def repair_at_k(passes: Sequence[bool], k: int) -> float:
    """Repair@k of one item from its per-sample pass flags."""
    return pass_at_k(len(passes), sum(bool(p) for p in passes), k)


@dataclass
class ItemResult:
    """All attempts at one item."""

    item_id: str
    perturbation: str
    passes: list[bool]
    partials: list[float]
    errors: list[list[str]] = field(default_factory=list)
    verdicts: list[Any] = field(default_factory=list)  # the AttemptVerdicts, when kept
    executed: list[bool] | None = None  # executed acceptance per attempt (BFCL items)

    def repair(self, k: int) -> float:
        return repair_at_k(self.passes, k)

    def metrics(self, ks: Sequence[int] = DEFAULT_KS) -> dict[str, float]:
        """Repair@k for each k up to the sample count, and the average partial score."""
        out = {f"repair@{k}": self.repair(k) for k in ks if 1 <= k <= len(self.passes)}
        out["avg_score"] = self.avg_score
        if self.executed is not None:
            out.update({f"repair@{k}_executed": repair_at_k(self.executed, k)
                        for k in ks if 1 <= k <= len(self.executed)})
        return out

    @property
    def avg_score(self) -> float:
        return sum(self.partials) / len(self.partials) if self.partials else 0.0


def _mean(xs: Sequence[float]) -> float:
    return sum(xs) / len(xs) if xs else float("nan")


def bootstrap_ci(values: Sequence[float], stat: Callable[[Sequence[float]], float] = _mean,
                 n_boot: int = 1000, alpha: float = 0.05, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of ``stat`` over items (seeded, reproducible)."""
    if not values:
        return (float("nan"), float("nan"))
    rng = random.Random(seed)
    n = len(values)
    stats = sorted(stat([values[rng.randrange(n)] for _ in range(n)]) for _ in range(n_boot))
    lo = stats[int((alpha / 2) * (n_boot - 1))]
    hi = stats[int((1 - alpha / 2) * (n_boot - 1))]
    return (lo, hi)


def stderr(values: Sequence[float]) -> float | None:
    """Standard error of the mean over items (sample standard deviation / sqrt(n)), the
    same estimate lm-eval reports beside ``mean`` metrics; ``None`` below two items."""
    n = len(values)
    if n < 2:
        return None
    m = sum(values) / n
    return math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1) / n)


def summarize(results: Sequence[ItemResult], ks: Sequence[int] = DEFAULT_KS,
              n_boot: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Repair@k, average score, standard errors and 95% bootstrap intervals over items,
    overall and per perturbation.

    Items may have different sample counts: Repair@k is the mean over the items with at
    least k samples (``items_excluded_per_k``, and each group's ``repair@k_items``, say how
    many a figure covers); a k above every item's sample count is left out."""
    counts = [len(r.passes) for r in results]
    usable = sorted({k for k in ks if 1 <= k <= max(counts, default=0)})
    groups: dict[str, list[ItemResult]] = {"all": list(results)}
    for r in results:
        groups.setdefault(r.perturbation, []).append(r)
    return {"ks": usable, "samples_per_item": min(counts, default=0),
            "samples_per_item_max": max(counts, default=0),
            "items_excluded_per_k": {str(k): sum(n < k for n in counts) for k in usable},
            "groups": {name: group_summary(rs, usable, n_boot, seed)
                       for name, rs in groups.items()}}


def group_summary(results: Sequence[ItemResult], ks: Sequence[int], n_boot: int = 1000,
                  seed: int = 0) -> dict[str, Any]:
    """One group's figures: per metric its mean, ``_stderr``, ``_ci95`` (and for Repair@k
    ``_items``, the items with >= k samples)."""
    g: dict[str, Any] = {"items": len(results)}
    for k in ks:
        vals = [r.repair(k) for r in results if len(r.passes) >= k]
        g.update(_figures(f"repair@{k}", vals, n_boot, seed))
        g[f"repair@{k}_items"] = len(vals)
    g.update(_figures("avg_score", [r.avg_score for r in results], n_boot, seed))
    runs = [r.executed for r in results if r.executed is not None]
    for k in ks if runs else ():
        vals = [repair_at_k(e, k) for e in runs if len(e) >= k]
        g.update(_figures(f"repair@{k}_executed", vals, n_boot, seed))
    return g


def _figures(name: str, vals: Sequence[float], n_boot: int, seed: int) -> dict[str, Any]:
    if not vals:
        return {name: None, f"{name}_stderr": None, f"{name}_ci95": [None, None]}
    return {name: _mean(vals), f"{name}_stderr": stderr(vals),
            f"{name}_ci95": list(bootstrap_ci(vals, n_boot=n_boot, seed=seed))}
