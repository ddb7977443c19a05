"""The reward's learning signal: how many sampled groups have non-zero reward variance.

GRPO/GSPO advantages are ``(r - mean) / std`` within a group, so a group whose samples all
get the same reward contributes no gradient (and verl's dynamic sampling drops it). The
share of groups with non-zero variance is the share of prompts the policy can learn from.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from typing import Any

EPS = 1e-9


def groups_of(values: Sequence[float], size: int) -> list[list[float]]:
    """Consecutive groups of ``size`` (TRL and verl keep a prompt's samples together)."""
    if size < 1 or len(values) % size:
        raise ValueError(f"{len(values)} values do not split into groups of {size}")
    return [list(values[i:i + size]) for i in range(0, len(values), size)]


def nonzero_var_share(scores: Sequence[float], size: int) -> float:
    """Share of groups whose rewards are not all equal."""
    groups = groups_of(scores, size)
    return sum(max(g) - min(g) > EPS for g in groups) / len(groups)


def reason_kind(reason: str) -> str:
    """A coarse failure class from a reward reason: ``calls differ: wrong_value:f.x`` ->
    ``wrong_value``; ``format error: malformed_json`` -> ``format:malformed_json``."""
    if not reason:
        return "ok"
    head, _, rest = reason.partition(":")
    first = rest.split(",")[0].strip()
    if head == "format error":
        return f"format:{first.split(':')[0]}"
    if head == "calls differ":
        return first.split(":")[0] or "calls differ"
    return head.strip()


def distribution(scores: Sequence[float]) -> dict[str, Any]:
    """Mean, spread, quantiles and a 5-bin histogram over [0, 1]."""
    qs = statistics.quantiles(scores, n=4, method="inclusive") if len(scores) > 1 else [scores[0]] * 3
    bins = [0] * 5
    for s in scores:
        bins[min(4, int(s * 5))] += 1
    return {"n": len(scores), "mean": statistics.fmean(scores),
            "std": statistics.pstdev(scores), "min": min(scores), "q25": qs[0],
            "median": qs[1], "q75": qs[2], "max": max(scores),
            "share_zero": sum(s == 0.0 for s in scores) / len(scores),
            "histogram": {f"[{i / 5:.1f},{(i + 1) / 5:.1f}{']' if i == 4 else ')'}": b
                          for i, b in enumerate(bins)}}


def summarize(scores: Sequence[float], reasons: Sequence[str], exact: Sequence[float],
              size: int, top: int = 8) -> dict[str, Any]:
    """The signal report of grouped samples (``size`` consecutive samples per prompt)."""
    kinds = Counter(reason_kind(r) for r, s in zip(reasons, scores, strict=True) if s < 1.0)
    return {"groups": len(scores) // size, "group_size": size,
            "nonzero_var_share": nonzero_var_share(scores, size),
            "repair_at_1": statistics.fmean(exact) if exact else 0.0,
            "reward": distribution(scores),
            "failure_reasons": kinds.most_common(top)}


def format_report(rep: dict[str, Any]) -> str:
    """Human-readable lines for a :func:`summarize` report."""
    r = rep["reward"]
    lines = [f"groups {rep['groups']} x {rep['group_size']}: share with non-zero reward "
             f"variance {rep['nonzero_var_share']:.3f}",
             f"reward mean {r['mean']:.3f} (std {r['std']:.3f}, min {r['min']:.3f}, "
             f"median {r['median']:.3f}, max {r['max']:.3f}); share exactly 0: "
             f"{r['share_zero']:.3f}; Repair@1 {rep['repair_at_1']:.3f}",
             "histogram " + "  ".join(f"{k}:{v}" for k, v in r["histogram"].items()),
             "commonest failure reasons:"]
    lines += [f"  {n:4d}  {k}" for k, n in rep["failure_reasons"]]
    if rep["nonzero_var_share"] == 0.0:
        lines.append("WARNING: no group has reward variance: GRPO/GSPO gets zero advantages "
                     "(no learning signal), and verl's filter_groups would discard every group")
    return "\n".join(lines)
