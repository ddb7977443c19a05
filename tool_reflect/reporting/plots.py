"""PNG plots of a report: Repair@k per perturbation type with 95% CI error bars, and the
commonest error kinds, one series (colour) per run."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from tool_reflect.reporting.compare import all_ks, group_order

TOP_KINDS = 12
DPI = 120


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _tick(group: str) -> str:
    return group.replace("_", "\n")


def _bar_layout(n_series: int) -> tuple[float, list[float]]:
    """Bar width and per-series offsets for ``n_series`` bars around each tick."""
    width = 0.8 / max(n_series, 1)
    return width, [(i - (n_series - 1) / 2) * width for i in range(n_series)]


def legend_columns(labels: list[str], width_in: float) -> int:
    """Legend columns that fit ``width_in`` inches at font size 9 (about 0.075 in a
    character, plus the colour patch)."""
    per = max(len(lab) for lab in labels) * 0.075 + 0.7 if labels else 1.0
    return max(1, min(len(labels), 3, int(width_in // per)))


def legend_rows(labels: list[str], width_in: float) -> int:
    return math.ceil(len(labels) / legend_columns(labels, width_in))


def _legend(fig: Any, handles: list[Any], labels: list[str]) -> None:
    fig.legend(handles, labels, loc="outside lower center", fontsize=9, frameon=False,
               ncol=legend_columns(labels, fig.get_figwidth()))


def plot_repair_at_k(report: dict[str, Any], out: Path) -> Path:
    """One row per k; in each, grouped bars (one per run) per group (all items, then each
    perturbation type), error bars = 95% bootstrap CI over items. Zeros are marked ``0``,
    groups a run lacks ``n/a``."""
    plt = _pyplot()
    ks, groups, runs = all_ks(report), group_order(report), report["runs"]
    names = [f"{e['label']} ({e['summary']['groups']['all']['items']} items)" for e in runs]
    width_in = max(7.5, 1.0 + len(groups) * (0.9 + 0.25 * len(runs)))
    fig, axes = plt.subplots(len(ks), 1, figsize=(width_in, 1.2 + 2.3 * len(ks)
                                                  + 0.25 * legend_rows(names, width_in)),
                             sharex=True, squeeze=False, layout="constrained")
    width, offsets = _bar_layout(len(runs))
    handles = []
    for ax, k in zip(axes[:, 0], ks, strict=True):
        for i, (entry, off) in enumerate(zip(runs, offsets, strict=True)):
            bars = _repair_bars(ax, entry["summary"]["groups"], groups, f"repair@{k}", off,
                                width, f"C{i}")
            if ax is axes[0, 0]:
                handles.append(bars)
        ax.set_ylabel(f"Repair@{k}")
        ax.set_ylim(0, 1.08)
        ax.grid(axis="y", alpha=0.3)
        ax.axvline(0.5, color="0.6", lw=0.8, ls=":")  # "all" apart from the types
    axes[-1, 0].set_xticks(range(len(groups)), [_tick(g) for g in groups], fontsize=9)
    fig.suptitle("Repair@k (share of items repaired) by perturbation type\n"
                 "error bars: 95% bootstrap CI over items", fontsize=11)
    _legend(fig, handles, names)
    return _save(fig, out)


def _repair_bars(ax: Any, groups: dict[str, Any], order: list[str], key: str, offset: float,
                 width: float, color: str) -> Any:
    """One run's bars on ``ax``, with CI error bars and ``0`` / ``n/a`` marks."""
    xs, ys, err = _series(groups, order, key)
    bars = ax.bar([x + offset for x in xs], ys, width, yerr=err, capsize=3, color=color,
                  error_kw={"elinewidth": 1, "ecolor": "0.25"})
    for x, y in zip(xs, ys, strict=True):
        if y == 0:
            ax.text(x + offset, 0.01, "0", ha="center", va="bottom", fontsize=7, color=color)
    for x in set(range(len(order))) - set(xs):
        ax.text(x + offset, 0.01, "n/a", ha="center", va="bottom", fontsize=7, color="0.4",
                rotation=90)
    return bars


def _series(groups: dict[str, Any], order: list[str], key: str
            ) -> tuple[list[int], list[float], list[list[float]]]:
    """Positions, values and asymmetric CI error lengths of the groups that have ``key``."""
    xs, ys, lo, hi = [], [], [], []
    for x, name in enumerate(order):
        g = groups.get(name) or {}
        if g.get(key) is None:
            continue
        v = g[key]
        ci = g.get(f"{key}_ci95") or [None, None]
        xs.append(x)
        ys.append(v)
        lo.append(max(v - ci[0], 0.0) if ci[0] is not None else 0.0)
        hi.append(max(ci[1] - v, 0.0) if ci[1] is not None else 0.0)
    return xs, ys, [lo, hi]


def top_kinds(report: dict[str, Any], n: int = TOP_KINDS) -> list[str]:
    """The ``n`` error kinds with the largest share of attempts in any run."""
    best: dict[str, float] = {}
    for e in report["runs"]:
        h = e["error_kinds"]["all"]
        for kind, count in h["kinds"].items():
            best[kind] = max(best.get(kind, 0.0), count / max(h["attempts"], 1))
    return sorted(best, key=lambda kd: (-best[kd], kd))[:n]


def plot_error_kinds(report: dict[str, Any], out: Path) -> Path:
    """Horizontal grouped bars: for the commonest error kinds, the share of each run's
    attempts that show the kind (an attempt counts once per kind)."""
    plt = _pyplot()
    runs, kinds = report["runs"], top_kinds(report)
    names = [f"{e['label']} ({e['error_kinds']['all']['attempts']} attempts)" for e in runs]
    rows = max(len(kinds), 2)
    fig, ax = plt.subplots(figsize=(9, 1.4 + rows * (0.2 + 0.17 * len(runs))
                                    + 0.25 * legend_rows(names, 9)), layout="constrained")
    width, offsets = _bar_layout(len(runs))
    handles = []
    for i, (entry, off) in enumerate(zip(runs, offsets, strict=True)):
        h = entry["error_kinds"]["all"]
        shares = [100.0 * h["kinds"].get(kd, 0) / max(h["attempts"], 1) for kd in kinds]
        bars = ax.barh([y + off for y in range(len(kinds))], shares, width, color=f"C{i}")
        handles.append(bars)
        if len(runs) <= 4:
            ax.bar_label(bars, labels=[_percent(v) for v in shares], fontsize=7, padding=2)
    if kinds:
        ax.set_yticks(range(len(kinds)), kinds, fontsize=9)
        ax.invert_yaxis()  # commonest on top
        top = max((b.get_width() for hs in handles for b in hs), default=0.0)
        ax.set_xlim(0, min(100.0, top * 1.12 + 4))
    else:
        ax.set_yticks([])
        ax.set_xlim(0, 100)
        ax.text(0.5, 0.5, "no errors in any attempt", ha="center", va="center",
                transform=ax.transAxes)
    ax.set_xlabel("% of the run's attempts showing the error kind")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(f"Commonest error kinds (top {len(kinds)}; an attempt counts once per kind)"
                 if kinds else "Error kinds", fontsize=11)
    _legend(fig, handles, names)
    return _save(fig, out)


def _percent(value: float) -> str:
    """``12%``; one decimal below 1% so that a rare kind never reads as ``0%``."""
    return f"{value:.1f}%" if 0 < value < 1 else f"{value:.0f}%"


def _save(fig: Any, out: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.savefig(out, dpi=DPI)
    plt.close(fig)
    return out


def write_plots(report: dict[str, Any], folder: Path) -> list[Path]:
    """Both plots into ``folder``."""
    return [plot_repair_at_k(report, folder / "repair_at_k.png"),
            plot_error_kinds(report, folder / "error_kinds.png")]
