"""The learning-signal share in verl's training metrics (``tool_reflect/*`` keys).

verl 0.9.1 has no hook for extra step metrics, so :func:`install` wraps the function every
trainer calls for its per-step data metrics, ``verl.trainer.ppo.metric_utils.compute_data_metrics``
(the ``critic/score/*`` keys), and adds :func:`signal_metrics` of the batch to what it returns:

- ``tool_reflect/groups``: prompt groups (distinct ``uid``) in the batch the update used;
- ``tool_reflect/zero_var_groups``: those whose sequence scores are all equal (no gradient);
- ``tool_reflect/nonzero_var_share``: share of the step's groups with unequal scores.

Scores are ``token_level_scores`` summed per sequence, the score before any KL penalty that
verl's ``critic/score/mean`` averages. In the default V1 trainer (``trainer.use_v1=true``)
dynamic sampling (``algorithm.filter_groups``) drops zero-variance groups *before* the batch
exists, so the batch alone would read 1.0; there the share counts every group generated for
the step, adding back verl's own counts of the groups it dropped
(``training/filter_groups/evicted_samples``) and of the surplus kept out of the batch
(``training/filter_groups/discarded_surplus_samples``), and two more keys appear:
``tool_reflect/filtered_groups`` (zero-variance groups dropped) and
``tool_reflect/batch_nonzero_var_share`` (the share within the trained batch). Without
filtering both shares are the same number.

:func:`install` runs from the ``verl.plugins`` entry point, i.e. on ``import verl`` in every
process (the Ray ``TaskRunner`` actor included). It patches modules already imported and
registers an import hook that patches the others right after they execute, so nothing heavy is
imported early and modules that bind ``compute_data_metrics`` by name get the wrapped one.
Idempotent; any failure logs one warning and leaves verl's metrics as they were.
"""

from __future__ import annotations

import contextvars
import functools
import importlib.machinery
import logging
import sys
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

from tool_reflect.training.signal import nonzero_var_share

log = logging.getLogger("tool_reflect.verl_metrics")

PREFIX = "tool_reflect/"
GROUPS = PREFIX + "groups"
ZERO_VAR_GROUPS = PREFIX + "zero_var_groups"
SHARE = PREFIX + "nonzero_var_share"
BATCH_SHARE = PREFIX + "batch_nonzero_var_share"
FILTERED_GROUPS = PREFIX + "filtered_groups"
# verl 0.9.1 V1 replay buffer (replay_buffer.py, _evict_terminal_groups / sample): group counts
VERL_EVICTED = "training/filter_groups/evicted_samples"
VERL_SURPLUS = "training/filter_groups/discarded_surplus_samples"

_MARK = "__tool_reflect_signal__"
# uids of the rows the V1 trainer hands to compute_data_metrics (its DataProto carries none)
_V1_UIDS: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "tool_reflect_v1_uids", default=None)
_warned = False


def signal_metrics(uids: Iterable[Any], scores: Iterable[float]) -> dict[str, float]:
    """Group ``scores`` by ``uid``; count the groups and those whose scores are all equal
    (within :data:`tool_reflect.training.signal.EPS`). Empty input gives ``{}``."""
    groups: dict[str, list[float]] = {}
    for uid, score in zip(uids, scores, strict=True):
        groups.setdefault(str(uid), []).append(float(score))
    if not groups:
        return {}
    zero = sum(nonzero_var_share(g, len(g)) == 0.0 for g in groups.values())
    return {GROUPS: float(len(groups)), ZERO_VAR_GROUPS: float(zero),
            SHARE: (len(groups) - zero) / len(groups)}


def batch_signal_metrics(batch: Any) -> dict[str, float]:
    """:func:`signal_metrics` of a verl ``DataProto``: ``non_tensor_batch["uid"]`` (V0 trainer)
    or the uids the V1 trainer's ``_compute_metrics`` announced, and ``token_level_scores``."""
    uids = batch.non_tensor_batch.get("uid")
    if uids is None:
        uids = _V1_UIDS.get()
    if uids is None:
        raise KeyError("the batch has no non_tensor_batch['uid'] and no V1 trainer uids")
    scores = batch.batch["token_level_scores"].sum(-1).tolist()
    if len(uids) != len(scores):
        raise ValueError(f"{len(uids)} uids for {len(scores)} rows")
    return signal_metrics(uids, scores)


def with_filtered_groups(metrics: dict[str, Any]) -> None:
    """V1 trainer: count the groups verl's dynamic sampling kept out of the batch (in place)."""
    if GROUPS not in metrics:
        return
    groups, zero = float(metrics[GROUPS]), float(metrics[ZERO_VAR_GROUPS])
    evicted = float(metrics.get(VERL_EVICTED, 0) or 0)
    surplus = float(metrics.get(VERL_SURPLUS, 0) or 0)
    generated = groups + surplus + evicted
    metrics[BATCH_SHARE] = metrics[SHARE]
    metrics[FILTERED_GROUPS] = evicted
    if generated > 0:
        metrics[SHARE] = (groups - zero + surplus) / generated


def _warn_once(what: str, exc: BaseException) -> None:
    global _warned
    if _warned:
        log.debug("tool_reflect signal metrics: %s: %r", what, exc)
        return
    _warned = True
    log.warning("tool_reflect signal metrics not logged (%s: %r); verl's metrics are unchanged",
                what, exc)


def wrap_compute_data_metrics(fn: Callable[..., dict]) -> Callable[..., dict]:
    """verl's ``compute_data_metrics`` plus :func:`batch_signal_metrics`; never wraps twice."""
    if getattr(fn, _MARK, False):
        return fn

    @functools.wraps(fn)
    def compute_data_metrics(batch: Any, *args: Any, **kwargs: Any) -> dict:
        metrics = fn(batch, *args, **kwargs)
        try:
            extra = batch_signal_metrics(batch)
            return {**metrics, **extra}
        except Exception as exc:  # never break a training step for a log line
            _warn_once("compute_data_metrics", exc)
            return metrics

    setattr(compute_data_metrics, _MARK, True)
    return compute_data_metrics


def _v1_uids(batch: Any) -> list[str]:
    """The uid of each row of verl's V1 metrics batch: keys are ``{uid}_{session}_{index}``
    (agent_loop_tq.py) and padding rows are dropped exactly as ``_compute_metrics`` does."""
    keep = [not tag.get("is_padding", False) for tag in batch.tags]
    keys = [k for k, kept in zip(batch.keys, keep, strict=True) if kept] if any(keep) else batch.keys
    return [str(k).split("_")[0] for k in keys]


def wrap_v1_compute_metrics(fn: Callable[..., Any]) -> Callable[..., Any]:
    """V1 ``PPOTrainer._compute_metrics`` announcing the rows' uids to the wrapped
    ``compute_data_metrics`` and then applying :func:`with_filtered_groups`."""
    if getattr(fn, _MARK, False):
        return fn

    @functools.wraps(fn)
    def _compute_metrics(self: Any, batch: Any, metrics: dict, *args: Any, **kwargs: Any) -> Any:
        token = None
        try:
            token = _V1_UIDS.set(_v1_uids(batch))
        except Exception as exc:
            _warn_once("V1 uids", exc)
        try:
            result = fn(self, batch, metrics, *args, **kwargs)
        finally:
            if token is not None:
                _V1_UIDS.reset(token)
        try:
            with_filtered_groups(metrics)
        except Exception as exc:
            _warn_once("filter_groups counts", exc)
        return result

    setattr(_compute_metrics, _MARK, True)
    return _compute_metrics


def _rebind(module: ModuleType) -> None:
    """A module that imported ``compute_data_metrics`` by name before the patch."""
    if hasattr(module, "compute_data_metrics"):
        module.compute_data_metrics = wrap_compute_data_metrics(module.compute_data_metrics)


def _patch_v1(module: ModuleType) -> None:
    _rebind(module)
    trainer = module.PPOTrainer
    trainer._compute_metrics = wrap_v1_compute_metrics(trainer._compute_metrics)


# every verl 0.9.1 module that calls compute_data_metrics (grep), and what to patch in it
TARGETS: dict[str, Callable[[ModuleType], None]] = {
    "verl.trainer.ppo.metric_utils": _rebind,
    "verl.trainer.ppo.ray_trainer": _rebind,
    "verl.experimental.separation.ray_trainer": _rebind,
    "verl.trainer.ppo.v1.trainer_base": _patch_v1,
}


def _apply(name: str, module: ModuleType) -> None:
    try:
        TARGETS[name](module)
    except Exception as exc:
        _warn_once(f"patching {name}", exc)


_FILE_LOADERS = (importlib.machinery.SourceFileLoader, importlib.machinery.SourcelessFileLoader)


class _PatchOnImport:
    """Meta-path finder: lets the usual finders locate a :data:`TARGETS` module, then patches
    it right after it executes (before ``from … import`` statements bind its names)."""

    def __init__(self) -> None:
        self._busy: set[str] = set()

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in TARGETS or fullname in self._busy:
            return None
        self._busy.add(fullname)
        try:
            return self._patched_spec(fullname, path, target)
        except Exception as exc:  # an import must never fail because of us
            _warn_once(f"import hook for {fullname}", exc)
            return None
        finally:
            self._busy.discard(fullname)

    def _patched_spec(self, fullname: str, path: Any, target: Any) -> Any:
        spec = None
        for finder in sys.meta_path:
            if getattr(finder, _MARK, False) or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        loader = getattr(spec, "loader", None)
        if not isinstance(loader, _FILE_LOADERS):
            return None  # not a plain file: let the import go ahead unpatched
        exec_module = loader.exec_module

        def exec_and_patch(module: ModuleType) -> None:
            try:
                exec_module(module)
            finally:
                vars(loader).pop("exec_module", None)  # a fresh loader per spec: restore it
            _apply(fullname, module)

        loader.exec_module = exec_and_patch  # type: ignore[method-assign]
        return spec


def install() -> bool:
    """Patch the :data:`TARGETS` already imported and hook the rest; ``False`` (with one
    warning) if that failed. Safe to call any number of times, in any import order."""
    try:
        for name in TARGETS:
            module = sys.modules.get(name)
            if module is not None:
                _apply(name, module)
        if not any(getattr(f, _MARK, False) for f in sys.meta_path):
            finder = _PatchOnImport()
            setattr(finder, _MARK, True)
            sys.meta_path.insert(0, finder)
        return True
    except Exception as exc:
        _warn_once("install", exc)
        return False
