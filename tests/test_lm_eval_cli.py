"""The real ``lm_eval`` command on our tasks: a real model (SmolLM2-135M-Instruct, prepared
from the bundled GGUF) through ``--model hf``, and ``--model local-chat-completions``
against an OpenAI-compatible server on 127.0.0.1 started by the test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lm_eval_helpers import (
    OPEN_SAMPLE,
    ChatServer,
    lm_eval_env,
    prepared_model,
    prompt_of,
    read_results,
    read_samples,
    run_lm_eval,
)

from lm_eval_tasks.data import bundled_candidates
from tool_reflect.downloads import file_sha256
from tool_reflect.formats import render_calls, render_prompt, render_target
from tool_reflect.io import read_items
from tool_reflect.metrics import stderr
from tool_reflect.records import PERTURBATIONS

METRICS = ("repair@1", "repair@3", "repair@5", "avg_score")
OPEN_SUBTASKS = [f"tool_reflect_open_{p}" for p in PERTURBATIONS]


@pytest.fixture(scope="session")
def smollm2() -> Path:
    return prepared_model()


def _open_data() -> tuple[Path, list[str]]:
    """The bundled open split when the data helper has produced it, else our fixture."""
    bundled = next((p for p in bundled_candidates("open") if p.is_file()), None)
    if bundled is not None:
        return bundled, []
    return OPEN_SAMPLE, ["data_file"]


def _metadata(**kw: object) -> str:
    return json.dumps(kw)


# --------------------------------------------------------------------------- HF, real model
@pytest.mark.slow
def test_hf_smollm2_tool_reflect_open_end_to_end(smollm2: Path, tmp_path: Path) -> None:
    data, keys = _open_data()
    meta = {"data_file": str(data)} if keys else {}
    out = tmp_path / "out"
    run_lm_eval(["--model", "hf", "--model_args", f"pretrained={smollm2}",
                 "--tasks", "tool_reflect_open", "--apply_chat_template", "--limit", "1",
                 "--batch_size", "5", "--gen_kwargs", "max_gen_toks=8", "--log_samples",
                 *(["--metadata", json.dumps(meta)] if meta else [])], out)
    res = read_results(out)
    for name in ["tool_reflect_open", *OPEN_SUBTASKS]:
        for m in METRICS:
            value = res["results"][name][f"{m},none"]
            assert 0.0 <= value <= 1.0, (name, m, value)
    stamps = res["configs"]["tool_reflect_open_argument_error"]["metadata"]
    assert stamps["prompt_format"] == "qwen" and stamps["samples_per_item"] == 5
    assert stamps["dataset_sha256"] == file_sha256(data)
    assert stamps["matcher_version"] and stamps["dataset"] == "open"
    items = {it.id: it for it in read_items(data)} if data.suffix == ".jsonl" else {}
    for task in OPEN_SUBTASKS:
        (sample,) = read_samples(out, task)
        assert len(sample["resps"]) == 5  # five independent samples reached process_results
        prompt = prompt_of(sample)
        assert prompt.startswith("<|im_start|>system") and prompt.endswith("<|im_start|>assistant\n")
        item = items.get(sample["doc"]["id"])
        if item is not None:  # every turn of the transcript is in the logged prompt
            for msg in render_prompt(item, "qwen")[0]:
                assert msg["content"].strip() in prompt, msg["role"]


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["qwen", "llama", "native"])
def test_hf_shared_sample_through_offline_override(fmt: str, smollm2: Path, shared_data: Path,
                                                   tmp_path: Path) -> None:
    """``tool_reflect`` on the shared reference sample via TOOL_REFLECT_DATA; the Llama
    format reads the Llama file, as the original protocol did."""
    data = shared_data / f"reference_sample_{'llama' if fmt == 'llama' else 'qwen'}.jsonl"
    out = tmp_path / "out"
    run_lm_eval(["--model", "hf", "--model_args", f"pretrained={smollm2}",
                 "--tasks", "tool_reflect", "--apply_chat_template", "--limit", "1",
                 "--gen_kwargs", "max_gen_toks=4", "--log_samples",
                 "--metadata", _metadata(prompt_format=fmt, repeats=1)],
                out, env=lm_eval_env(TOOL_REFLECT_DATA=str(data)))
    res = read_results(out)
    assert res["results"]["tool_reflect"]["repair@1,none"] >= 0.0
    stamps = res["configs"]["tool_reflect_argument_error"]["metadata"]
    assert stamps["prompt_format"] == fmt and stamps["dataset_source"] == str(data)
    assert stamps["dataset_sha256"] == file_sha256(data)
    (sample,) = read_samples(out, "tool_reflect_argument_error")
    prompt = prompt_of(sample)
    if fmt == "llama":
        assert '[{"name": ' in prompt and '"parameters": ' in prompt
    elif fmt == "qwen":
        assert "<tool_call>" in prompt
    else:  # native: tool results are tool-role turns
        assert "<|im_start|>tool\n" in prompt


# --------------------------------------------------------------------------- API backend
def _by_prompt(items: list, fmt: str) -> dict[str, object]:
    return {json.dumps(render_prompt(it, fmt)[0], sort_keys=True): it for it in items}


def _api_run(server: ChatServer, out: Path, *, limit: int = 2, extra: list[str] = ()) -> dict:
    run_lm_eval(["--model", "local-chat-completions", "--model_args",
                 f"model=mock,base_url={server.url},max_retries=1",
                 "--tasks", "tool_reflect_open", "--apply_chat_template", "--limit", str(limit),
                 "--log_samples", "--metadata", _metadata(data_file=str(OPEN_SAMPLE)), *extra],
                out)
    return read_results(out)


@pytest.mark.slow
def test_api_ground_truth_server_scores_one_and_gets_distinct_seeds(tmp_path: Path) -> None:
    items = read_items(OPEN_SAMPLE)
    lookup = _by_prompt(items, "qwen")

    def respond(payload: dict) -> dict:
        item = lookup[json.dumps(payload["messages"], sort_keys=True)]
        return {"role": "assistant", "content": render_target(item, "qwen")}

    with ChatServer(respond) as server:
        res = _api_run(server, tmp_path / "out")
    for name in ["tool_reflect_open", *OPEN_SUBTASKS]:
        for m in METRICS:
            assert res["results"][name][f"{m},none"] == 1.0, (name, m)
    assert len(server.requests) == 5 * len(items)  # limit 2 per subtask covers all 6 items
    seeds: dict[str, set[int]] = {}
    for p in server.requests:
        roles = [m["role"] for m in p["messages"]]
        assert roles[:3] == ["system", "user", "assistant"] and roles[-1] == "user"
        assert "tools" not in p and "repetition_penalty" not in p
        assert (p["temperature"], p["top_p"], p["max_tokens"]) == (0.7, 0.9, 1024)
        seeds.setdefault(json.dumps(p["messages"]), set()).add(p["seed"])
    assert len(seeds) == len(items)
    assert all(len(s) == 5 for s in seeds.values())  # one seed per sample, not one per run
    assert len({p["seed"] for p in server.requests}) == len(server.requests)
    prompts = [json.dumps(p["messages"]) for p in server.requests]
    runs = [prompts[i:i + 5] for i in range(0, len(prompts), 5)]
    assert all(len(set(run)) == 1 for run in runs)  # an item's samples back to back


@pytest.mark.slow
def test_api_server_repeating_the_failed_call_scores_zero(tmp_path: Path) -> None:
    lookup = _by_prompt(read_items(OPEN_SAMPLE), "qwen")

    def respond(payload: dict) -> dict:
        item = lookup[json.dumps(payload["messages"], sort_keys=True)]
        text = "<reflect>The call looks fine; retrying.</reflect>\n"
        return {"role": "assistant", "content": text + render_calls(item.failed_calls, "qwen")}

    with ChatServer(respond) as server:
        res = _api_run(server, tmp_path / "out", limit=1)
    for m in ("repair@1", "repair@5"):
        assert res["results"]["tool_reflect_open"][f"{m},none"] == 0.0
    assert server.requests


@pytest.mark.slow
def test_api_mixed_server_gives_reasons_histograms_and_real_error_bars(tmp_path: Path) -> None:
    items = read_items(OPEN_SAMPLE)
    lookup = _by_prompt(items, "qwen")
    right = {it.id for i, it in enumerate(items) if i % 2 == 0}

    def respond(payload: dict) -> dict:
        item = lookup[json.dumps(payload["messages"], sort_keys=True)]
        if item.id in right:
            return {"role": "assistant", "content": render_target(item, "qwen")}
        text = "<reflect>The call looks fine; retrying.</reflect>\n"
        return {"role": "assistant", "content": text + render_calls(item.failed_calls, "qwen")}

    with ChatServer(respond) as server:
        res = _api_run(server, tmp_path / "out")
    group = res["results"]["tool_reflect_open"]
    assert 0 < group["repair@1,none"] < 1
    assert isinstance(group["repair@1_stderr,none"], float) and group["repair@1_stderr,none"] > 0
    hist, per_item = {}, []
    for name in OPEN_SUBTASKS:
        sub = res["results"][name]
        for kind, n in sub["verdicts,none"].items():
            hist[kind] = hist.get(kind, 0) + n
        for sample in read_samples(tmp_path / "out", name):
            attempts = sample["verdicts"]["attempts"]
            assert len(attempts) == 5 and sample["verdicts"]["gold"]
            ok = sample["doc"]["id"] in right
            assert all(a["passed"] == ok and (a["errors"] == []) == ok for a in attempts)
            per_item.append(sample["repair@1"])
    # the group's error bar is over all items (lm-eval would pool uniform subtasks to ~0)
    assert group["repair@1_stderr,none"] == pytest.approx(stderr(per_item))
    assert sum(hist.values()) > 0 and all(k in ("wrong_value", "wrong_type", "missing_call",
                                                "extra_call", "missing_arg", "extra_arg",
                                                "wrong_name", "duplicate_call") for k in hist)


@pytest.mark.slow
def test_hf_smollm2_tool_reflect_bfcl_reports_exact_and_executed(smollm2: Path,
                                                                  tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_lm_eval(["--model", "hf", "--model_args", f"pretrained={smollm2}",
                 "--tasks", "tool_reflect_bfcl", "--apply_chat_template", "--limit", "1",
                 "--batch_size", "2", "--gen_kwargs", "max_gen_toks=8", "--log_samples",
                 "--metadata", _metadata(repeats=2)], out)
    res = read_results(out)
    for name in ["tool_reflect_bfcl", *(f"tool_reflect_bfcl_{p}" for p in PERTURBATIONS)]:
        for m in ("repair@1", "avg_score", "repair@1_executed"):
            assert 0.0 <= res["results"][name][f"{m},none"] <= 1.0, (name, m)
    (sample,) = read_samples(out, "tool_reflect_bfcl_order_swap")
    attempts = sample["verdicts"]["attempts"]
    assert len(attempts) == 2 and all("executed" in a for a in attempts)
    assert all(a["executed"]["passed"] or a["executed"]["reasons"] for a in attempts)
