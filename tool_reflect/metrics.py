"""Repair@k (unbiased pass@k), average partial score, breakdowns and bootstrap intervals."""

from __future__ import annotations

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

    def repair(self, k: int) -> float:
        return repair_at_k(self.passes, k)

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


def summarize(results: Sequence[ItemResult], ks: Sequence[int] = DEFAULT_KS,
              n_boot: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Repair@k, average score and 95% bootstrap intervals, overall and per perturbation.

    A k larger than an item's sample count is skipped (reported as missing)."""
    n_min = min((len(r.passes) for r in results), default=0)
    usable = [k for k in ks if 1 <= k <= n_min]
    groups: dict[str, list[ItemResult]] = {"all": list(results)}
    for r in results:
        groups.setdefault(r.perturbation, []).append(r)
    out: dict[str, Any] = {"ks": usable, "samples_per_item": n_min, "groups": {}}
    for name, rs in groups.items():
        g: dict[str, Any] = {"items": len(rs)}
        for k in usable:
            vals = [r.repair(k) for r in rs]
            g[f"repair@{k}"] = _mean(vals)
            g[f"repair@{k}_ci95"] = list(bootstrap_ci(vals, n_boot=n_boot, seed=seed))
        scores = [r.avg_score for r in rs]
        g["avg_score"] = _mean(scores)
        g["avg_score_ci95"] = list(bootstrap_ci(scores, n_boot=n_boot, seed=seed))
        out["groups"][name] = g
    return out
