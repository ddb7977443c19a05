"""The task class without running a model: loading, prompts, requests, scoring, options,
and the start-up hook's pieces. Real lm-eval objects throughout (TaskManager, Instance,
the local-chat-completions backend class); no model is called."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lm_eval.models.api_models import JsonChatStr
from lm_eval.models.openai_completions import LocalChatCompletion
from lm_eval.tasks import TaskManager
from lm_eval_helpers import OPEN_SAMPLE, prepared_model

from lm_eval_tasks import _startup, task_dir
from lm_eval_tasks.api_model import message_text
from lm_eval_tasks.task import PLACEHOLDER_ID, Options, hf_messages, plain_text
from tool_reflect.formats import openai_tools, render_calls, render_prompt, render_target
from tool_reflect.parsing import parse_output
from tool_reflect.records import PERTURBATIONS


@pytest.fixture(scope="session")
def smollm2() -> Path:
    return prepared_model()


def load(names: list[str], **metadata: object) -> dict:
    tm = TaskManager(include_path=task_dir(), include_defaults=False,
                     metadata={"data_file": str(OPEN_SAMPLE), **metadata})
    return tm.load(names)


@pytest.fixture(scope="module")
def open_tasks() -> dict:
    return load(["tool_reflect_open"])["tasks"]


def first(tasks: dict, name: str):
    task = tasks[name]
    return task, task.eval_docs[0], task.item(task.eval_docs[0])


def api_model() -> LocalChatCompletion:
    return LocalChatCompletion(model="m", base_url="http://127.0.0.1:9/v1/chat/completions",
                               seed=100)


def test_groups_cover_every_perturbation_and_unknown_only_for_the_original() -> None:
    tm = TaskManager(include_path=task_dir(), include_defaults=False)
    assert {"tool_reflect", "tool_reflect_open"} <= set(tm.all_groups)
    subtasks = set(tm.all_subtasks)
    assert {f"tool_reflect_open_{p}" for p in PERTURBATIONS} <= subtasks
    assert {f"tool_reflect_{p}" for p in (*PERTURBATIONS, "unknown")} <= subtasks
    assert "tool_reflect_open_unknown" not in subtasks


def test_subtasks_partition_the_items_and_stamp_versions(open_tasks: dict) -> None:
    ids = [doc["id"] for t in open_tasks.values() for doc in t.eval_docs]
    assert sorted(ids) == sorted(json.loads(line)["id"] for line in OPEN_SAMPLE.open())
    meta = open_tasks["tool_reflect_open_argument_error"].config.metadata
    assert meta["prompt_format"] == "qwen" and meta["samples_per_item"] == 5
    assert meta["subset"] == "argument_error" and meta["subset_items"] == 2
    assert meta["dataset_items"] == 6 and len(meta["dataset_sha256"]) == 64
    assert meta["matcher_version"] and meta["match_mode"] == "strict"


def test_process_results_gives_exact_unbiased_repair_at_k(open_tasks: dict) -> None:
    task, doc, item = first(open_tasks, "tool_reflect_open_argument_error")
    good = render_target(item, "qwen")
    bad = "<reflect>x</reflect>\n" + render_calls(item.failed_calls, "qwen")
    scores = task.process_results(doc, [good] * 5)
    scores.pop("verdicts")
    assert scores == {"repair@1": 1.0, "repair@3": 1.0, "repair@5": 1.0, "avg_score": 1.0}
    out = task.process_results(doc, [good, bad, bad, good, bad])
    assert out["repair@1"] == pytest.approx(0.4)
    assert out["repair@3"] == pytest.approx(0.9)  # 1 - C(3,3)/C(5,3)
    assert out["repair@5"] == 1.0
    assert out["avg_score"] == pytest.approx(0.4)
    assert task.process_results(doc, [bad] * 5)["repair@5"] == 0.0


def test_partial_score_and_odd_outputs(open_tasks: dict) -> None:
    task, doc, item = first(open_tasks, "tool_reflect_open_missing_prerequisite")
    assert len(item.ground_truth.calls) == 2
    one = "<reflect>r</reflect>\n" + render_calls(item.ground_truth.calls[:1], "qwen")
    out = task.process_results(doc, [one, None, "", "<tool_call>{oops", [one]])
    assert out["repair@5"] == 0.0
    assert out["avg_score"] == pytest.approx((0.5 + 0.5) / 5)  # malformed call scores 0


def test_fewer_samples_report_only_the_ks_they_allow() -> None:
    tasks = load(["tool_reflect_open_order_swap"], repeats=2)["tasks"]
    task, doc, item = first(tasks, "tool_reflect_open_order_swap")
    assert task.config.repeats == 2
    out = task.process_results(doc, [render_target(item, "qwen")] * 2)
    assert {k: v for k, v in out.items() if k != "verdicts"} == {"repair@1": 1.0, "avg_score": 1.0}
    assert [a["passed"] for a in out["verdicts"]["attempts"]] == [True, True]


def test_verdicts_say_why_each_attempt_failed(open_tasks: dict) -> None:
    from lm_eval_tasks.task import error_histogram

    task, doc, item = first(open_tasks, "tool_reflect_open_missing_prerequisite")
    one = "<reflect>r</reflect>\n" + render_calls(item.ground_truth.calls[:1], "qwen")
    out = task.process_results(doc, [one, "<tool_call>{oops</tool_call>", render_target(item, "qwen")])
    verdicts = out["verdicts"]
    gold = [{"name": c.name, "arguments": c.arguments} for c in item.ground_truth.calls]
    assert verdicts["gold"] == gold
    first_try, broken, right = verdicts["attempts"]
    assert first_try["calls"] == gold[:1] and not first_try["passed"]
    assert first_try["errors"] == [f"missing_call:{gold[1]['name']}"]
    assert broken["errors"][0] == "format:malformed_json" and broken["calls"] == []
    assert right == {"passed": True, "partial": 1.0, "errors": [], "calls": gold}
    json.dumps(out)  # readable JSON, not JSON inside a string
    hist = error_histogram([verdicts, verdicts])
    assert hist == {"format:malformed_json": 2, "missing_call": 4}  # per attempt, once per kind
    assert str(hist) == "missing_call 4, format:malformed_json 2"


def test_api_requests_get_one_seed_per_sample_and_no_rejected_arguments(open_tasks: dict) -> None:
    task, doc, item = first(open_tasks, "tool_reflect_open_redundant_call")
    lm = api_model()
    ctx = task.fewshot_context(doc, 0, apply_chat_template=True, chat_template=lm.apply_chat_template)
    assert isinstance(ctx, JsonChatStr)
    assert json.loads(ctx.prompt) == render_prompt(item, "qwen")[0]  # every turn, as rendered
    reqs = task.construct_requests(doc, ctx, metadata=("t", 0, 5), apply_chat_template=True,
                                   chat_template=lm.apply_chat_template)
    assert [r.idx for r in reqs] == [0, 1, 2, 3, 4] and all(r.repeats == 1 for r in reqs)
    gens = [r.args[1] for r in reqs]
    base = 100 + 5 * task._position[doc["id"]]  # model seed + repeats x place in the dataset
    assert [g["seed"] for g in gens] == [base, base + 1, base + 2, base + 3, base + 4]
    assert all("repetition_penalty" not in g and "tools" not in g for g in gens)
    assert gens[0]["until"] == [] and gens[0]["temperature"] == 0.7


def test_local_engine_requests_carry_no_seed(open_tasks: dict) -> None:
    task, doc, _ = first(open_tasks, "tool_reflect_open_redundant_call")
    reqs = task.construct_requests(doc, "ctx", metadata=("t", 0, 5))
    assert len(reqs) == 5 and all("seed" not in r.args[1] for r in reqs)
    assert reqs[0].args[1]["repetition_penalty"] == 1.1


def tool_api_model():
    from lm_eval_tasks.api_model import ToolChatCompletion

    lm = ToolChatCompletion.__new__(ToolChatCompletion)  # skips the reachability check
    lm.__dict__.update(api_model().__dict__)
    return lm


def test_native_format_sends_tools_to_apis_in_hashable_form() -> None:
    tasks = load(["tool_reflect_open_order_swap"], prompt_format="native")["tasks"]
    task, doc, item = first(tasks, "tool_reflect_open_order_swap")
    lm = tool_api_model()
    ctx = task.fewshot_context(doc, 0, apply_chat_template=True, chat_template=lm.apply_chat_template)
    msgs = json.loads(ctx.prompt)
    assert [m["role"] for m in msgs].count("tool") == sum(m.role == "tool" for m in item.messages)
    (req, *_) = task.construct_requests(doc, ctx, metadata=("t", 0, 5),
                                        chat_template=lm.apply_chat_template)
    tools = req.args[1]["tools"]
    assert json.loads(json.dumps(tools)) == openai_tools(item.tools)
    hash(tuple(tools))  # lm-eval groups requests by hashing their generation arguments


def test_empty_subtask_uses_a_placeholder_without_metrics(shared_data: Path) -> None:
    tm = TaskManager(include_path=task_dir(), include_defaults=False,
                     metadata={"data_file": str(shared_data / "reference_sample_qwen.jsonl")})
    tasks = tm.load(["tool_reflect"])["tasks"]
    sizes = {n: t.config.metadata["subset_items"] for n, t in tasks.items()}
    assert sum(sizes.values()) == 23 and sizes["tool_reflect_argument_error"] == 23  # nothing lost
    swap = tasks["tool_reflect_order_swap"]
    (doc,) = swap.eval_docs
    assert doc["id"] == PLACEHOLDER_ID and swap.process_results(doc, ["x"]) == {}
    (req,) = swap.construct_requests(doc, "ctx", metadata=("t", 0, 5))
    assert req.args[1]["max_gen_toks"] == 1


def test_open_task_refuses_items_of_unknown_type(shared_data: Path, tmp_path: Path) -> None:
    rec = json.loads((shared_data / "reference_sample_qwen.jsonl").read_text().splitlines()[0])
    rec["ground_truth"] = rec["ground_truth"].split("</reflect>")[0] + "</reflect>"  # no call
    (tmp_path / "no_call.jsonl").write_text(json.dumps(rec) + "\n")
    with pytest.raises(ValueError, match="no known perturbation type"):
        load(["tool_reflect_open_argument_error"], data_file=str(tmp_path / "no_call.jsonl"))


@pytest.mark.parametrize("meta, match", [
    ({"prompt_format": "chatml"}, "prompt_format"), ({"repeats": 0}, "repeats"),
    ({"match_mode": "fuzzy"}, "match_mode"), ({"seed_per_repeat": "yes"}, "seed_per_repeat")])
def test_bad_options_are_named(meta: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Options.from_metadata(meta)


def test_zero_shot_only(open_tasks: dict) -> None:
    task, doc, _ = first(open_tasks, "tool_reflect_open_order_swap")
    with pytest.raises(ValueError, match="zero-shot"):
        task.fewshot_context(doc, 3)


def test_plain_text_and_hf_messages_keep_every_turn(open_tasks: dict) -> None:
    _, _, item = first(open_tasks, "tool_reflect_open_order_swap")
    msgs, _ = render_prompt(item, "native")
    text = plain_text(msgs)
    assert all((m["content"] or "")[:40] in text for m in msgs)
    converted = hf_messages(msgs)
    calls = [c for m in converted for c in m.get("tool_calls", [])]
    assert calls and all(isinstance(c["function"]["arguments"], dict) for c in calls)
    assert msgs[2]["tool_calls"][0]["function"]["arguments"].startswith("{")  # input untouched


def test_api_reply_tool_calls_become_parseable_calls() -> None:
    msg = {"content": "<reflect>fix</reflect>", "tool_calls": [
        {"id": "a", "type": "function",
         "function": {"name": "f", "arguments": json.dumps({"x": [1, 2]})}}]}
    parsed = parse_output(message_text(msg))
    assert [(c.name, c.arguments) for c in parsed.calls] == [("f", {"x": [1, 2]})]
    assert parsed.reflect == "fix" and not parsed.errors
    broken = {"content": None, "tool_calls": [{"function": {"name": "f", "arguments": "{x"}}]}
    assert parse_output(message_text(broken)).errors


def test_hf_native_prompt_passes_tools_to_the_chat_template(smollm2: Path, tmp_path: Path,
                                                            open_tasks: dict) -> None:
    """With a tool-aware template (Hermes-like, written here) the HF backend renders the
    schemas and structured calls; SmolLM2's own template ignores tools (warned)."""
    from lm_eval.models.huggingface import HFLM
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(smollm2)
    tok.chat_template = (
        "{% if tools %}TOOLS:{% for t in tools %} {{ t.function.name }}{% endfor %}\n{% endif %}"
        "{% for m in messages %}<{{ m.role }}>{{ m.content }}"
        "{% for c in m.tool_calls or [] %}CALL {{ c.function.arguments | tojson }}{% endfor %}"
        "\n{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}")
    tok.save_pretrained(tmp_path / "tok")
    lm = HFLM(pretrained=str(smollm2), tokenizer=str(tmp_path / "tok"), device="cpu")
    tasks = load(["tool_reflect_open_order_swap"], prompt_format="native")["tasks"]
    task, doc, item = first(tasks, "tool_reflect_open_order_swap")
    text = task.fewshot_context(doc, 0, apply_chat_template=True, chat_template=lm.apply_chat_template)
    assert text.startswith("TOOLS: " + " ".join(t["name"] for t in item.tools))
    assert "<tool>" in text and 'CALL {"' in text  # arguments rendered as objects
    assert "tools" not in lm.chat_template_args  # restored afterwards


def test_hook_adds_our_folder_first_once_and_honours_opt_out(monkeypatch) -> None:
    assert _startup._with_our_path(None) == [task_dir()]
    assert _startup._with_our_path("/x") == [task_dir(), "/x"]
    assert _startup._with_our_path([task_dir(), "/x"]) == [task_dir(), "/x"]
    _startup.patch_task_manager(TaskManager)
    _startup.patch_task_manager(TaskManager)  # idempotent
    assert "tool_reflect_open" in TaskManager(include_defaults=False).all_tasks
    monkeypatch.setenv(_startup.ENV_OPT_OUT, "1")
    assert "tool_reflect_open" not in TaskManager(include_defaults=False).all_tasks


def test_module_prints_the_task_folder_for_include_path() -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "lm_eval_tasks"], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == task_dir() and Path(out, "tool_reflect.yaml").is_file()


def test_hook_registers_api_models_lazily() -> None:
    from lm_eval.api.registry import get_model

    _startup.register_models()
    cls = get_model("tool-reflect-chat-completions")
    assert cls.__name__ == "ToolChatCompletion" and cls.KEEPS_TOOL_CALLS


def test_original_task_loads_records_from_across_the_files(tmp_path: Path) -> None:
    from conftest import ORIGINAL

    names = ["reference_sample_qwen", "spread_sample_qwen", "more_sample_qwen"]
    path = tmp_path / "qwen.jsonl"
    path.write_text("".join((ORIGINAL / f"{n}.jsonl").read_text() for n in names))
    tasks = load(["tool_reflect"], data_file=str(path))["tasks"]
    sizes = {n: t.config.metadata["subset_items"] for n, t in tasks.items()}
    assert sizes == {"tool_reflect_argument_error": 25, "tool_reflect_order_swap": 0,
                     "tool_reflect_missing_prerequisite": 1, "tool_reflect_redundant_call": 13,
                     "tool_reflect_unknown": 0}
    check = tasks["tool_reflect_redundant_call"].config.metadata["dataset_check"]
    assert check["ok"] and check["records"] == check["imported"] == 39
    assert check["self_score_passed"] == check["round_trip_exact"] == 39
    assert check["labels"]["redundant_call"] == 13 and check["unknown"] == 0


def test_original_task_refuses_a_file_with_a_bad_record(tmp_path: Path) -> None:
    from conftest import ORIGINAL

    lines = (ORIGINAL / "spread_sample_qwen.jsonl").read_text().splitlines()
    bad = json.loads(lines[3])
    bad["messages"][2]["content"] = "I will call it now: <tool_call>{oops</tool_call>"
    lines[3] = json.dumps(bad)
    path = tmp_path / "qwen.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=rf"{path}:4: field 'messages\[2\].content'.*"
                                         r"1 of 10 records cannot be imported"):
        load(["tool_reflect"], data_file=str(path))


def test_a_backend_that_drops_tool_calls_is_an_error_before_any_request() -> None:
    tasks = load(["tool_reflect_open_argument_error"], prompt_format="native")["tasks"]
    task, doc, _ = first(tasks, "tool_reflect_open_argument_error")
    lm = api_model()  # stock local-chat-completions: returns message.content only
    ctx = task.fewshot_context(doc, 0, apply_chat_template=True, chat_template=lm.apply_chat_template)
    with pytest.raises(ValueError, match="drops structured tool_calls.*tool-reflect-chat-completions"):
        task.construct_requests(doc, ctx, metadata=("t", 0, 5), apply_chat_template=True,
                                chat_template=lm.apply_chat_template)


def test_tool_choice_is_sent_with_tools_when_asked() -> None:
    tasks = load(["tool_reflect_open_argument_error"], prompt_format="native",
                 tool_choice="required")["tasks"]
    task, doc, _ = first(tasks, "tool_reflect_open_argument_error")
    lm = tool_api_model()
    ctx = task.fewshot_context(doc, 0, apply_chat_template=True, chat_template=lm.apply_chat_template)
    reqs = task.construct_requests(doc, ctx, metadata=("t", 0, 5), apply_chat_template=True,
                                   chat_template=lm.apply_chat_template)
    assert all(r.args[1]["tool_choice"] == "required" and r.args[1]["tools"] for r in reqs)
    with pytest.raises(ValueError, match="tool_choice"):
        Options.from_metadata({"tool_choice": "always"})


def test_an_unreachable_server_is_one_line_naming_the_url() -> None:
    from lm_eval_tasks.api_model import ToolChatCompletion

    url = "http://127.0.0.1:9/v1/chat/completions"
    with pytest.raises(SystemExit) as exc:
        ToolChatCompletion(model="m", base_url=url)
    assert str(exc.value).startswith(f"tool-reflect: cannot reach {url}: ") and "\n" not in str(exc.value)


def test_no_structured_tool_calls_at_all_is_warned(caplog: pytest.LogCaptureFixture) -> None:
    from lm_eval_tasks.api_model import NO_TOOL_CALLS_AFTER, ToolChatCompletion

    lm = ToolChatCompletion.__new__(ToolChatCompletion)
    reply = {"choices": [{"index": 0, "message": {"content": "no call here"}}]}
    with caplog.at_level("WARNING"):
        for _ in range(NO_TOOL_CALLS_AFTER):
            lm.parse_generations(reply)
    assert "no structured tool_calls" in caplog.text
