"""Figures of several runs side by side: the JSON report, per-item rows, a plain-text
table and a markdown leaderboard. Every figure comes from
:func:`tool_reflect.metrics.summarize` on the run's rebuilt items."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from tool_reflect.error_kinds import kind_of
from tool_reflect.metrics import ItemResult, summarize
from tool_reflect.records import PERTURBATIONS
from tool_reflect.reporting.runs import Run

CI_NOTE = ("Repair@k: unbiased estimator from the n samples of each item, averaged over items; "
           "95% CI: percentile bootstrap over items (1000 resamples, seed 0).")


def labels(runs: Sequence[Run]) -> list[str]:
    """One distinct label per run: the model name, with the prompt format and then a
    number added where names repeat."""
    names = [r.name for r in runs]
    out = [n if names.count(n) == 1 else f"{n} [{r.prompt_format or r.kind}]"
           for n, r in zip(names, runs, strict=True)]
    return [o if out.count(o) == 1 else f"{o} #{out[:i + 1].count(o)}" for i, o in enumerate(out)]


def error_kinds(results: Sequence[ItemResult]) -> dict[str, dict[str, Any]]:
    """Per group (``all`` and each perturbation): attempts, failed attempts, and how many
    attempts show each error kind (an attempt counts once per kind), commonest first."""
    groups: dict[str, list[ItemResult]] = {"all": list(results)}
    for r in results:
        groups.setdefault(r.perturbation, []).append(r)
    out = {}
    for name, rs in groups.items():
        counts: Counter[str] = Counter()
        for r in rs:
            for errs in r.errors:
                counts.update({kind_of(e) for e in errs})
        out[name] = {"attempts": sum(len(r.passes) for r in rs),
                     "failed": sum(not p for r in rs for p in r.passes),
                     "kinds": dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))}
    return out


def run_entry(run: Run, label: str) -> dict[str, Any]:
    """One run's part of the report."""
    return {"label": label, "model": run.name, "kind": run.kind, "path": str(run.path),
            "prompt_format": run.prompt_format, "dataset": run.dataset,
            "dataset_sha256": run.dataset_sha256, "match_mode": run.match_mode,
            "files": run.files, "notes": run.notes,
            "summary": summarize(run.results, run.ks),
            "error_kinds": error_kinds(run.results)}


def build_report(runs: Sequence[Run]) -> dict[str, Any]:
    """The report of all runs, with version stamps."""
    from tool_reflect import __version__
    from tool_reflect.matching import MATCHER_VERSION

    return {"tool_reflect": __version__, "matcher_version": MATCHER_VERSION, "ci": CI_NOTE,
            "runs": [run_entry(r, lab) for r, lab in zip(runs, labels(runs), strict=True)]}


def verdict_rows(runs: Sequence[Run], report: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """One row per item per run: its Repair@k, average score, gold calls and attempts."""
    for run, entry in zip(runs, report["runs"], strict=True):
        ks = entry["summary"]["ks"]
        for r in run.results:
            row: dict[str, Any] = {"run": entry["label"], "id": r.item_id,
                                   "perturbation": r.perturbation, "n": len(r.passes),
                                   "c": sum(r.passes)}
            row.update({f"repair@{k}": r.repair(k) if k <= len(r.passes) else None for k in ks})
            row.update({k: v for k, v in r.metrics(ks).items() if k.endswith("_executed")})
            row["avg_score"] = r.avg_score
            if r.item_id in run.gold:
                row["gold"] = run.gold[r.item_id]
            row["attempts"] = r.verdicts
            yield row


def group_order(report: dict[str, Any]) -> list[str]:
    """``all``, the known perturbation types, then any others, as found in the runs."""
    seen = {g for e in report["runs"] for g in e["summary"]["groups"]}
    known = [p for p in PERTURBATIONS if p in seen]
    return ["all", *known, *sorted(seen - {"all", *known})]


def all_ks(report: dict[str, Any]) -> list[int]:
    return sorted({k for e in report["runs"] for k in e["summary"]["ks"]})


def format_table(report: dict[str, Any]) -> str:
    """Plain text, one row per run and group; ``exec@k`` columns when any run has executed
    verdicts; ``-`` where a figure is missing."""
    ks = all_ks(report)
    cols = [(f"Repair@{k}", f"repair@{k}") for k in ks] + [("avg_score", "avg_score")]
    if any(f"repair@{k}_executed" in e["summary"]["groups"].get("all", {})
           for e in report["runs"] for k in ks):
        cols += [(f"exec@{k}", f"repair@{k}_executed") for k in ks]
    rows = [["run", "group", "items", *(c for c, _ in cols)]]
    for e in report["runs"]:
        groups = e["summary"]["groups"]
        for name in (g for g in group_order(report) if g in groups):
            g = groups[name]
            rows.append([e["label"] if name == "all" else "", name, str(g["items"]),
                         *(_num(g.get(key)) for _, key in cols)])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                     for r in rows)


def leaderboard(report: dict[str, Any]) -> str:
    """Markdown rows, best Repair@1 first: model, format, dataset, items, Repair@k with
    95% CI, average score, and Repair@1 per perturbation type."""
    ks = all_ks(report)
    perts = [g for g in group_order(report) if g != "all"]
    head = ["#", "Model", "Format", "Dataset", "Items",
            *(f"Repair@{k} (95% CI)" for k in ks), "Avg score",
            *(f"R@1 {p}" for p in perts)]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for i, e in enumerate(sorted(report["runs"], key=_rank), 1):
        groups = e["summary"]["groups"]
        a = groups.get("all", {})
        cells = [str(i), e["label"], e["prompt_format"] or "-", _dataset(e), str(a.get("items", 0)),
                 *(_with_ci(a, f"repair@{k}") for k in ks), _num(a.get("avg_score")),
                 *(_num(groups.get(p, {}).get("repair@1")) for p in perts)]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join([*lines, "", CI_NOTE]) + "\n"


def _rank(entry: dict[str, Any]) -> tuple[float, str]:
    value = entry["summary"]["groups"].get("all", {}).get("repair@1")
    return (-(value if value is not None else -1.0), entry["label"])


def _dataset(entry: dict[str, Any]) -> str:
    sha = entry.get("dataset_sha256")
    name = entry.get("dataset") or "-"
    return f"{name} ({sha[:8]})" if isinstance(sha, str) and "+" not in sha else name


def _with_ci(group: dict[str, Any], key: str) -> str:
    lo, hi = group.get(f"{key}_ci95") or (None, None)
    value = _num(group.get(key))
    return value if lo is None or hi is None else f"{value} [{lo:.3f}, {hi:.3f}]"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
