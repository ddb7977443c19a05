"""Helpers for the lm-eval tests: running the real ``lm_eval`` command, reading its output
files, and a small OpenAI-compatible chat server on 127.0.0.1 (stdlib ``http.server``)."""

from __future__ import annotations

import functools
import glob
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from lm_eval_tasks import task_dir

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
OPEN_SAMPLE = FIXTURES / "lm_eval_open_sample.jsonl"


@functools.cache
def prepared_model() -> Path:
    """The embedded default model, converted once (cached across sessions); test modules
    wrap it in a ``smollm2`` fixture."""
    from tool_reflect.models import prepare_model

    return prepare_model()


def lm_eval_env(**extra: str) -> dict[str, str]:
    """Environment for a child ``lm_eval``: offline, quiet, our hook left as configured."""
    env = dict(os.environ)
    env.update({"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                "TOKENIZERS_PARALLELISM": "false", "HF_HUB_DISABLE_TELEMETRY": "1"})
    env.update(extra)
    return env


def run_lm_eval(args: list[str], out: Path, *, env: dict[str, str] | None = None,
                include_path: bool = True, timeout: int = 900,
                python: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real lm_eval CLI (``python -m lm_eval``) and fail with its output on error."""
    cmd = (python or [sys.executable, "-m", "lm_eval"]) + ["run", *args, "--output_path", str(out)]
    if include_path:
        cmd += ["--include_path", task_dir()]
    proc = subprocess.run(cmd, cwd=out.parent, env=env or lm_eval_env(), capture_output=True,
                          text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"lm_eval failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n"
                             f"{proc.stderr[-8000:]}")
    return proc


def read_results(out: Path) -> dict[str, Any]:
    files = glob.glob(str(out / "**" / "results_*.json"), recursive=True)
    assert len(files) == 1, files
    with open(files[0], encoding="utf-8") as fh:
        return json.load(fh)


def read_samples(out: Path, task: str) -> list[dict[str, Any]]:
    files = glob.glob(str(out / "**" / f"samples_{task}_*.jsonl"), recursive=True)
    assert len(files) == 1, (task, files)
    with open(files[0], encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def prompt_of(sample: dict[str, Any], i: int = 0) -> Any:
    """The context string (or chat JSON) lm-eval logged for the i-th request of a doc."""
    return sample["arguments"][f"gen_args_{i}"]["arg_0"]


class ChatServer:
    """``POST /v1/chat/completions`` answered by ``respond(payload) -> message dict``;
    every payload is recorded in ``requests``."""

    def __init__(self, respond: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        self.respond = respond
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server._lock:
                    server.requests.append(body)
                msg = server.respond(body)
                reply = json.dumps({"id": "x", "object": "chat.completion", "model": body["model"],
                                    "choices": [{"index": 0, "message": msg,
                                                 "finish_reason": "stop"}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1/chat/completions"

    def __enter__(self) -> ChatServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
