"""merge-lora on a tiny locally built model; plot from a log written by verl's FileLogger."""

from __future__ import annotations

import os

import pytest
import torch

from tool_reflect.cli import main


@pytest.fixture(scope="module")
def tiny_lora(tmp_path_factory):
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    root = tmp_path_factory.mktemp("lora")
    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)
    base = LlamaForCausalLM(cfg)
    base.save_pretrained(root / "base")
    peft = get_peft_model(LlamaForCausalLM.from_pretrained(root / "base"),
                          LoraConfig(r=8, lora_alpha=32, target_modules="all-linear"))
    with torch.no_grad():
        for name, p in peft.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.5)          # non-zero B: the adapter changes the outputs
    peft.save_pretrained(root / "adapter")
    ids = torch.randint(0, 64, (2, 10))
    with torch.no_grad():
        expected = peft(input_ids=ids).logits
        plain = base(input_ids=ids).logits
    assert not torch.allclose(expected, plain, atol=1e-3)
    return root, ids, expected


def _logits(path, ids):
    from transformers import AutoModelForCausalLM

    with torch.no_grad():
        return AutoModelForCausalLM.from_pretrained(path).eval()(input_ids=ids).logits


def test_merge_peft_adapter(tiny_lora, tmp_path):
    root, ids, expected = tiny_lora
    out = tmp_path / "merged"
    assert main(["merge-lora", str(root / "adapter"), "--base", str(root / "base"),
                 "--out", str(out)]) == 0
    assert not (out / "adapter_config.json").exists()
    assert torch.allclose(_logits(out, ids), expected, atol=1e-5)


def test_merge_verl_model_merger_layout(tiny_lora, tmp_path):
    import shutil

    root, ids, expected = tiny_lora
    ckpt = tmp_path / "verl_merged"                 # base weights + lora_adapter/, as verl writes
    shutil.copytree(root / "base", ckpt)
    shutil.copytree(root / "adapter", ckpt / "lora_adapter")
    out = tmp_path / "merged"
    assert main(["merge-lora", str(ckpt), "--out", str(out)]) == 0
    assert torch.allclose(_logits(out, ids), expected, atol=1e-5)


def test_merge_lora_rejects_other_folders(tmp_path, capsys):
    with pytest.raises(FileNotFoundError):
        from tool_reflect.lora import locate

        locate(tmp_path, None)


def _verl_log(path, clipfrac):
    from verl.utils.tracking import FileLogger

    os.environ["VERL_FILE_LOGGER_PATH"] = str(path)
    try:
        logger = FileLogger("tool_reflect", "test")
        for step in range(1, 21):
            x = step / 20
            logger.log({"critic/score/mean": 0.2 + 0.6 * x, "actor/pg_clipfrac": clipfrac * x,
                        "reward/s_call/mean": 0.3 + 0.5 * x, "reward/s_ref/mean": 0.5,
                        "tool_reflect/nonzero_var_share": 0.25 + 0.5 * x},
                       step=step)
        logger.finish()
    finally:
        del os.environ["VERL_FILE_LOGGER_PATH"]


def test_plot_from_verl_file_log(tmp_path, capsys):
    log = tmp_path / "run.jsonl"
    _verl_log(log, clipfrac=0.05)
    png = tmp_path / "curves.png"
    assert main(["plot", str(log), "--out", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    out = capsys.readouterr().out
    assert "critic/score/mean" in out and "reward/s_call/mean" in out and "WARNING" not in out
    assert "tool_reflect/nonzero_var_share" in out  # the verl extension's signal share


def test_plot_warns_when_clipping_never_acted(tmp_path, capsys):
    log = tmp_path / "run.jsonl"
    _verl_log(log, clipfrac=0.0)
    assert main(["plot", str(log), "--out", str(tmp_path / "c.png")]) == 0
    assert "WARNING: actor/pg_clipfrac stayed at exactly 0" in capsys.readouterr().out


def test_plot_bad_log_names_file_and_line(tmp_path, capsys):
    log = tmp_path / "bad.jsonl"
    log.write_text('{"step": 1, "data": {"critic/score/mean": 0.5}}\n{"nope": 1}\n')
    assert main(["plot", str(log), "--out", str(tmp_path / "x.png")]) == 2
    assert f"{log}:2:" in capsys.readouterr().err
