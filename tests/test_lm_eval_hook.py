"""The start-up hook after a real install: the wheel is built, installed with pip into a
folder, and that folder is processed as a site directory (so its ``.pth`` runs, exactly as
in site-packages). Plain ``lm_eval`` then finds ``tool_reflect_open`` without
``--include_path`` and knows our API model name; the opt-out variable switches it off."""

from __future__ import annotations

import glob
import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from lm_eval_helpers import OPEN_SAMPLE, ROOT, ChatServer, lm_eval_env, read_results, run_lm_eval

from tool_reflect.formats import openai_tools, render_prompt
from tool_reflect.formats.native import render_native_ground_truth
from tool_reflect.io import read_items

# `python -S -c LAUNCH <site dir> <lm_eval args>`: the lm_eval console script, with <site dir>
# processed like site-packages (first on sys.path, so the installed copy is the one used).
# -S keeps the interpreter from running the environment's own .pth files (an editable
# install of this project has one); its site-packages is added as a plain path instead.
PURELIB = sysconfig.get_paths()["purelib"]
NO_SITE = [sys.executable, "-S"]
LAUNCH = ("import site, sys; d = sys.argv.pop(1); sys.path.append(" + repr(PURELIB) + "); "
          "sys.path.insert(0, d); site.addsitedir(d); "
          "sys.argv[0] = 'lm_eval'; from lm_eval.__main__ import cli_evaluate; cli_evaluate()")


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("install")
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
                    "-w", str(root / "dist")], check=True, capture_output=True, text=True)
    (wheel,) = glob.glob(str(root / "dist" / "tool_reflect-*.whl"))
    target = root / "site"
    subprocess.run([*pip, "install", "--no-deps", "--no-index", "--target", str(target), wheel],
                   check=True, capture_output=True, text=True)
    assert (target / "tool_reflect_lm_eval.pth").is_file()
    assert (target / "lm_eval_tasks" / "tasks" / "tool_reflect_open.yaml").is_file()
    return target


def test_pth_is_cheap_and_lazy(site_dir: Path) -> None:
    """Processing the .pth imports nothing of lm_eval (or of our task code)."""
    code = ("import site, sys; sys.path.append(" + repr(PURELIB) + "); "
            "sys.path.insert(0, sys.argv[1]); site.addsitedir(sys.argv[1]); "
            "import json; print(json.dumps(sorted(m for m in sys.modules "
            "if m.startswith(('lm_eval', 'tool_reflect')))))")
    out = subprocess.run([*NO_SITE, "-c", code, str(site_dir)], capture_output=True,
                         text=True, check=True).stdout
    assert json.loads(out) == ["lm_eval_tasks", "lm_eval_tasks._startup"]


@pytest.mark.slow
def test_installed_hook_runs_plain_lm_eval_native_api(site_dir: Path, tmp_path: Path) -> None:
    items = read_items(OPEN_SAMPLE)
    lookup = {json.dumps(render_prompt(it, "native")[0], sort_keys=True): it for it in items}

    def respond(payload: dict) -> dict:
        item = lookup[json.dumps(payload["messages"], sort_keys=True)]
        assert payload["tools"] == openai_tools(item.tools)
        return render_native_ground_truth(item.ground_truth)

    out = tmp_path / "out"
    with ChatServer(respond) as server:
        run_lm_eval(["--model", "tool-reflect-chat-completions", "--model_args",
                     f"model=mock,base_url={server.url},num_concurrent=2,max_retries=1",
                     "--tasks", "tool_reflect_open", "--apply_chat_template", "--limit", "2",
                     "--metadata", json.dumps({"prompt_format": "native",
                                               "data_file": str(OPEN_SAMPLE)})],
                    out, include_path=False, python=[*NO_SITE, "-c", LAUNCH, str(site_dir)])
    res = read_results(out)
    for m in ("repair@1", "repair@3", "repair@5", "avg_score"):
        assert res["results"]["tool_reflect_open"][f"{m},none"] == 1.0, m
    source = res["configs"]["tool_reflect_open_order_swap"]["metadata"]["config_source"]
    assert source.startswith(str(site_dir))  # the installed copy's task folder was used
    assert len(server.requests) == 5 * len(items)
    seeds: dict[str, set[int]] = {}
    for p in server.requests:
        msgs = p["messages"]
        assert "tool" in [m["role"] for m in msgs]
        for i, m in enumerate(msgs):  # every tool result answers a call of the turn before it
            if m["role"] == "tool":
                j = max(k for k in range(i) if msgs[k]["role"] == "assistant")
                assert m["tool_call_id"] in {c["id"] for c in msgs[j]["tool_calls"]}
        seeds.setdefault(json.dumps(msgs), set()).add(p["seed"])
    assert all(len(s) == 5 for s in seeds.values())


@pytest.mark.slow
def test_opt_out_variable_switches_the_hook_off(site_dir: Path, tmp_path: Path) -> None:
    cmd = [*NO_SITE, "-c", LAUNCH, str(site_dir), "run", "--model",
           "local-chat-completions", "--model_args", "model=mock,base_url=http://127.0.0.1:9",
           "--tasks", "tool_reflect_open", "--apply_chat_template", "--output_path",
           str(tmp_path / "out")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                          env=lm_eval_env(TOOL_REFLECT_NO_LM_EVAL_HOOK="1"))
    assert proc.returncode != 0
    assert "Tasks not found: tool_reflect_open" in proc.stderr
    assert not (tmp_path / "out").exists()
