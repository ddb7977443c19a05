"""Reward curves from training logs, and the clipping check. Two log formats:

- verl's ``file`` logger JSONL: ``{"step": n, "data": {metric: value}}`` per line;
- TRL/transformers ``trainer_state.json`` (its ``log_history`` list of
  ``{"step": n, metric: value}``), or the run folder that holds it.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from tool_reflect.errors import RecordError
from tool_reflect.io import read_records

log = logging.getLogger(__name__)
TOTAL = ("critic/score/mean", "critic/rewards/mean", "reward")
COMPONENTS = ("s_ref", "s_call", "s_final", "/S/", "/F/", "/P/", "backoff", "exact_match",
              "nonzero_var_share")
TRL_COMPONENTS = ("reward/S", "reward/F", "reward/P")  # logged by training.reward_fn
CLIPFRAC = "actor/pg_clipfrac"
TRL_CLIPFRAC = "clip_ratio/region_mean"
TRAINER_STATE = "trainer_state.json"


def _row(value: object) -> tuple[int, dict[str, float]]:
    if not isinstance(value, dict) or "step" not in value or not isinstance(value.get("data"), dict):
        raise RecordError("expected {\"step\": n, \"data\": {...}} (verl file logger)", field="step")
    return int(value["step"]), {k: float(v) for k, v in value["data"].items()
                                if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _is_trainer_state(path: Path) -> bool:
    return path.is_dir() or path.name.endswith(TRAINER_STATE)


def read_trainer_state(path: str | os.PathLike[str]) -> dict[str, list[tuple[int, float]]]:
    """metric -> [(step, value)] from TRL's ``trainer_state.json`` (or its folder)."""
    path = Path(path)
    path = path / TRAINER_STATE if path.is_dir() else path
    try:
        history = json.loads(path.read_text(encoding="utf-8"))["log_history"]
    except (ValueError, KeyError, TypeError) as exc:
        raise RecordError(f"not a trainer_state.json with log_history ({exc})", path=str(path)) from None
    series: dict[str, list[tuple[int, float]]] = {}
    for entry in history:
        if "step" not in entry or "train_runtime" in entry:  # the end-of-training summary
            continue
        for k, v in entry.items():
            if k != "step" and isinstance(v, (int, float)) and not isinstance(v, bool):
                series.setdefault(k, []).append((int(entry["step"]), float(v)))
    return series


def read_log(path: str | os.PathLike[str]) -> dict[str, list[tuple[int, float]]]:
    """metric -> [(step, value)] from a verl file-logger JSONL or a TRL trainer_state.json."""
    if _is_trainer_state(Path(path)):
        return read_trainer_state(path)
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
    key = CLIPFRAC if CLIPFRAC in series else TRL_CLIPFRAC
    points = series.get(key)
    if points and all(v == 0.0 for _, v in points):
        return (f"{key} stayed at exactly 0 over {len(points)} steps: the policy ratio never "
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
    chosen = metrics or [k for k in series if k in TOTAL or k in TRL_COMPONENTS
                         or any(c in k for c in COMPONENTS)]
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
