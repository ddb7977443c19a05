"""The ``tool_reflect/*`` learning-signal metrics inside verl 0.9.1: real ``DataProto``, real
``compute_data_metrics``, the entry point in a fresh process, and the V1 trainer's real
``_compute_metrics`` (in a subprocess, with stand-ins for serving packages absent here)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
import types

import numpy as np
import pytest
import torch

from verl_ext import metrics as vm

# Four groups of four: one solved once (variance), one never solved, one all at 0.5, one whose
# scores differ by less than EPS (no variance). Rewards carry a KL-like penalty that differs per
# sample, so a share computed from token_level_rewards would read 1.0.
UIDS = ["a"] * 4 + ["b"] * 4 + ["c"] * 4 + ["d"] * 4
SCORES = [1.0, 0.0, 0.0, 0.0] + [0.0] * 4 + [0.5] * 4 + [0.25, 0.25 + 1e-12, 0.25, 0.25]


def _data_proto(uids: list[str] | None, scores: list[float]):
    from verl import DataProto

    n, p_len, r_len = len(scores), 3, 4
    resp_lens = torch.tensor([1 + i % r_len for i in range(n)])
    response_mask = (torch.arange(r_len)[None, :] < resp_lens[:, None]).long()
    token_scores = torch.zeros(n, r_len)
    token_scores[torch.arange(n), resp_lens - 1] = torch.tensor(scores)
    penalty = 0.01 * torch.arange(1, n + 1, dtype=torch.float32)[:, None] * response_mask
    tensors = {
        "prompts": torch.ones(n, p_len, dtype=torch.long),
        "responses": torch.full((n, r_len), 7, dtype=torch.long),
        "attention_mask": torch.cat([torch.ones(n, p_len, dtype=torch.long), response_mask], -1),
        "response_mask": response_mask,
        "token_level_scores": token_scores,
        "token_level_rewards": token_scores - penalty,
        "advantages": torch.zeros(n, r_len),
        "returns": torch.zeros(n, r_len),
    }
    non_tensors = {"uid": np.array(uids, dtype=object)} if uids is not None else {}
    return DataProto.from_dict(tensors=tensors, non_tensors=non_tensors)


@pytest.fixture
def fresh_warning(monkeypatch):
    monkeypatch.setattr(vm, "_warned", False)


def test_signal_metrics_groups_by_uid_not_position():
    order = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15]  # interleaved groups
    out = vm.signal_metrics([UIDS[i] for i in order], [SCORES[i] for i in order])
    assert out == {vm.GROUPS: 4.0, vm.ZERO_VAR_GROUPS: 3.0, vm.SHARE: 0.25}
    assert vm.signal_metrics(["x", "y"], [1.0, 0.0])[vm.SHARE] == 0.0  # singletons: no variance
    assert vm.signal_metrics([], []) == {}
    with pytest.raises(ValueError):
        vm.signal_metrics(["x"], [1.0, 0.0])


def test_real_compute_data_metrics_gains_the_share_from_scores():
    import verl  # noqa: F401  (loads our entry point)
    from verl.trainer.ppo import metric_utils

    assert getattr(metric_utils.compute_data_metrics, "__tool_reflect_signal__", False)
    batch = _data_proto(UIDS, SCORES)
    got = metric_utils.compute_data_metrics(batch=batch, use_critic=False)
    verl_own = metric_utils.compute_data_metrics.__wrapped__(batch=batch, use_critic=False)
    assert {k: v for k, v in got.items() if not k.startswith("tool_reflect/")} == verl_own
    assert got["critic/score/mean"] == pytest.approx(np.mean(SCORES))
    assert got[vm.GROUPS] == 4.0 and got[vm.ZERO_VAR_GROUPS] == 3.0
    assert got[vm.SHARE] == pytest.approx(0.25)
    # all four groups varied: share 1.0
    varied = [s + (0.1 if i % 4 == 0 else 0.0) for i, s in enumerate(SCORES)]
    assert metric_utils.compute_data_metrics(batch=_data_proto(UIDS, varied),
                                             use_critic=False)[vm.SHARE] == 1.0


def test_batch_without_uid_leaves_verl_metrics_intact(fresh_warning, caplog):
    from verl.trainer.ppo import metric_utils

    batch = _data_proto(None, SCORES)
    verl_own = metric_utils.compute_data_metrics.__wrapped__(batch=batch, use_critic=False)
    with caplog.at_level(logging.DEBUG, logger="tool_reflect.verl_metrics"):
        first = metric_utils.compute_data_metrics(batch=batch, use_critic=False)
        second = metric_utils.compute_data_metrics(batch=batch, use_critic=False)
    assert first == verl_own and second == verl_own
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "uid" in warnings[0].getMessage()


def test_install_is_idempotent_and_rebinds_modules_imported_first(monkeypatch):
    from verl.trainer.ppo import metric_utils

    wrapped = metric_utils.compute_data_metrics
    original = wrapped.__wrapped__
    assert not getattr(original, "__tool_reflect_signal__", False)  # one layer only
    assert vm.wrap_compute_data_metrics(wrapped) is wrapped
    # a trainer module that bound verl's original before install() ran
    early = types.ModuleType("verl.experimental.separation.ray_trainer")
    early.compute_data_metrics = original
    monkeypatch.setitem(sys.modules, early.__name__, early)
    assert vm.install() and vm.install()
    assert getattr(early.compute_data_metrics, "__tool_reflect_signal__", False)
    assert early.compute_data_metrics.__wrapped__ is original
    assert metric_utils.compute_data_metrics is wrapped
    assert sum(getattr(f, "__tool_reflect_signal__", False) for f in sys.meta_path) == 1


def test_filter_counts_give_the_share_before_dynamic_sampling():
    m = {vm.GROUPS: 4.0, vm.ZERO_VAR_GROUPS: 0.0, vm.SHARE: 1.0, vm.VERL_EVICTED: 12,
         vm.VERL_SURPLUS: 2}
    vm.with_filtered_groups(m)
    assert m[vm.SHARE] == pytest.approx(6 / 18) and m[vm.BATCH_SHARE] == 1.0
    assert m[vm.FILTERED_GROUPS] == 12.0
    plain = {vm.GROUPS: 4.0, vm.ZERO_VAR_GROUPS: 3.0, vm.SHARE: 0.25}  # filtering off
    vm.with_filtered_groups(plain)
    assert plain[vm.SHARE] == plain[vm.BATCH_SHARE] == 0.25 and plain[vm.FILTERED_GROUPS] == 0.0


# Runs in a fresh interpreter: ``import verl`` (the entry point installs the patch), then the
# trainers' own ``from verl.trainer.ppo.metric_utils import compute_data_metrics`` bindings, then
# the V1 trainer's real ``_compute_metrics`` with TransferQueue's read replaced by fixed data.
FRESH = textwrap.dedent('''
    import importlib.util, json, sys, types

    class _Stub:
        def __init__(self, *a, **k): pass
        def __call__(self, *a, **k): return _Stub()
        def __getattr__(self, name):
            if name.startswith("__"): raise AttributeError(name)
            return _Stub()

    def _stub_attr(name):
        if name.startswith("__"): raise AttributeError(name)
        return _Stub

    stubbed = []
    for name in ["cachetools", "transfer_queue", "uvicorn", "fastapi"]:  # serving-only deps
        if importlib.util.find_spec(name) is None:
            mod = types.ModuleType(name); mod.__getattr__ = _stub_attr; mod.__path__ = []
            sys.modules[name] = mod; stubbed.append(name)

    import verl
    assert "verl.trainer.ppo.metric_utils" not in sys.modules  # the hook, not an early import
    from verl.trainer.ppo.ray_trainer import compute_data_metrics as v0
    import verl.trainer.ppo.v1.trainer_base as tb
    mark = "__tool_reflect_signal__"
    out = {"stubbed": stubbed, "v0": getattr(v0, mark, False),
           "v1": getattr(tb.compute_data_metrics, mark, False),
           "v1_method": getattr(tb.PPOTrainer._compute_metrics, mark, False)}

    import torch
    from omegaconf import OmegaConf
    from tensordict import TensorDict

    scores = [1, 0, 0, 0] + [0, 0, 0, 0] + [0.5] * 4 + [9.0]  # last row: padding
    keys = [f"{g}0b7-uid_{s}_0" for g in "abc" for s in range(4)] + ["padff_0_0"]
    tags = [{"min_global_steps": 1, "max_global_steps": 1} for _ in keys]
    tags[-1]["is_padding"] = True
    n = len(keys)

    def jag(rows, dtype=torch.float32):
        return torch.nested.nested_tensor([torch.tensor(r, dtype=dtype) for r in rows],
                                          layout=torch.jagged)

    def kv_read(**kwargs):
        return TensorDict({
            "prompts": jag([[1, 2]] * n, torch.int64), "responses": jag([[5] * 3] * n, torch.int64),
            "response_mask": jag([[1] * 3] * n, torch.int64), "advantages": jag([[0.0] * 3] * n),
            "returns": jag([[0.0] * 3] * n), "rm_scores": jag([[0.0, 0.0, s] for s in scores]),
            "num_turns": torch.tensor([2] * n)}, batch_size=[n])

    tb.get_metric_data_with_optional_routed_experts = kv_read
    trainer = types.SimpleNamespace(
        config=OmegaConf.create({"actor_rollout_ref": {"rollout": {}, "model": {}}}),
        use_critic=False, _rollout_moe_lb_metrics_accumulator=None,
        _get_n_gpus_for_throughput=lambda: 1)
    batch = types.SimpleNamespace(keys=keys, tags=tags, partition_id="train")
    metrics = {"training/filter_groups/evicted_samples": 5,
               "training/filter_groups/discarded_surplus_samples": 1}
    tb.PPOTrainer._compute_metrics(trainer, batch, metrics, {"step": 1.0}, global_steps=1, epoch=0)
    out["metrics"] = {k: float(v) for k, v in metrics.items()
                      if k.startswith("tool_reflect/") or k == "critic/score/mean"}
    print("RESULT" + json.dumps(out))
''')


def test_fresh_process_trainers_bind_the_wrapped_metrics():
    proc = subprocess.run([sys.executable, "-c", FRESH], capture_output=True, text=True,
                          timeout=120)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT")), None)
    assert proc.returncode == 0 and line, proc.stderr[-3000:]
    out = json.loads(line[len("RESULT"):])
    assert out["v0"] and out["v1"] and out["v1_method"], out
    m = out["metrics"]
    assert m["critic/score/mean"] == pytest.approx(3 / 12)  # padding row left out by verl
    assert m[vm.GROUPS] == 3.0 and m[vm.ZERO_VAR_GROUPS] == 2.0  # ... and by us
    assert m[vm.BATCH_SHARE] == pytest.approx(1 / 3)
    assert m[vm.FILTERED_GROUPS] == 5.0
    assert m[vm.SHARE] == pytest.approx((1 + 1) / (3 + 1 + 5))  # (kept + surplus) / generated
