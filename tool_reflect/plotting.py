"""Reward curves from verl's training logs (the ``file`` logger's JSONL:
``{"step": n, "data": {metric: value}}``), and the clipping check."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from tool_reflect.errors import RecordError
from tool_reflect.io import read_records

log = logging.getLogger(__name__)
TOTAL = ("critic/score/mean", "critic/rewards/mean")
COMPONENTS = ("s_ref", "s_call", "s_final", "/S/", "/F/", "/P/", "backoff", "exact_match")
CLIPFRAC = "actor/pg_clipfrac"


def _row(value: object) -> tuple[int, dict[str, float]]:
    if not isinstance(value, dict) or "step" not in value or not isinstance(value.get("data"), dict):
        raise RecordError("expected {\"step\": n, \"data\": {...}} (verl file logger)", field="step")
    return int(value["step"]), {k: float(v) for k, v in value["data"].items()
                                if isinstance(v, (int, float)) and not isinstance(v, bool)}


def read_log(path: str | os.PathLike[str]) -> dict[str, list[tuple[int, float]]]:
    """metric -> [(step, value)] from a verl file-logger JSONL."""
    series: dict[str, list[tuple[int, float]]] = {}
    for step, data in read_records(path, _row):
        for k, v in data.items():
            series.setdefault(k, []).append((step, v))
    return series


def smooth(values: list[float], alpha: float = 0.8) -> list[float]:
    """Exponential moving average (``alpha`` = weight of the past)."""
    out, acc = [], None
    for v in values:
        acc = v if acc is None else alpha * acc + (1 - alpha) * v
        out.append(acc)
    return out


def clipping_warning(series: dict[str, list[tuple[int, float]]]) -> str | None:
    """A warning when the clipped fraction stayed exactly 0 (clipping never acted)."""
    points = series.get(CLIPFRAC)
    if points and all(v == 0.0 for _, v in points):
        return (f"{CLIPFRAC} stayed at exactly 0 over {len(points)} steps: the policy ratio never "
                "left the clip range (fully on-policy updates?), so clip_ratio_low/high had no "
                "effect")
    return None


def plot_rewards(log_path: str | os.PathLike[str], out: str | os.PathLike[str],
                 metrics: list[str] | None = None) -> tuple[Path, list[str], str | None]:
    """Save a PNG of the total reward and its components (raw and smoothed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = read_log(log_path)
    chosen = metrics or [k for k in series if k in TOTAL or any(c in k for c in COMPONENTS)]
    chosen = [k for k in chosen if k in series]
    if not chosen:
        raise RecordError(f"no reward metrics found (have: {sorted(series)[:8]}...)",
                          path=str(log_path))
    fig, axes = plt.subplots(len(chosen), 1, figsize=(7, 2.2 * len(chosen)), sharex=True,
                             squeeze=False)
    for ax, key in zip(axes[:, 0], chosen, strict=True):
        steps, vals = zip(*series[key], strict=True)
        ax.plot(steps, vals, alpha=0.35, label="raw")
        ax.plot(steps, smooth(list(vals)), label="smoothed")
        ax.set_title(key, fontsize=9)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8)
    axes[-1, 0].set_xlabel("step")
    fig.tight_layout()
    out = Path(out)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    warning = clipping_warning(series)
    if warning:
        log.warning(warning)
    return out, chosen, warning
