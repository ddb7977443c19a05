"""tool-reflect plot reads TRL's trainer_state.json (log_history), written by transformers itself."""

from __future__ import annotations

import pytest

pytest.importorskip("matplotlib")


def _state(tmp_path, clip: float):
    from transformers import TrainerState

    state = TrainerState()
    for step in (1, 2, 3):
        state.log_history.append({"loss": 0.1, "grad_norm": 0.5, "reward": 0.1 * step,
                                  "reward/s_call": 0.2 * step, "reward/F": 0.9,
                                  "signal/nonzero_var_share": 0.5, "frac_reward_zero_std": 0.5,
                                  "clip_ratio/region_mean": clip, "step": step})
    state.log_history.append({"train_runtime": 9.0, "train_loss": 0.1, "step": 3})
    path = tmp_path / "trainer_state.json"
    state.save_to_json(str(path))
    return path


def test_plot_reads_trainer_state(tmp_path, capsys):
    from tool_reflect.cli import main
    from tool_reflect.plotting import read_log

    path = _state(tmp_path, clip=0.01)
    series = read_log(path)
    assert series["reward"] == [(1, 0.1), (2, 0.2), (3, pytest.approx(0.3))]
    assert "train_runtime" not in series  # the end-of-training summary is not a step
    assert read_log(tmp_path) == series  # the run folder works too
    assert main(["plot", str(path), "--out", str(tmp_path / "r.png")]) == 0
    out = capsys.readouterr().out
    for key in ("reward", "reward/s_call", "reward/F", "signal/nonzero_var_share"):
        assert key in out
    assert "WARNING" not in out and (tmp_path / "r.png").stat().st_size > 1000


def test_trl_clipping_never_acted_warns(tmp_path, capsys):
    from tool_reflect.cli import main

    assert main(["plot", str(_state(tmp_path, clip=0.0)), "--out", str(tmp_path / "c.png")]) == 0
    assert "clip_ratio/region_mean stayed at exactly 0" in capsys.readouterr().out


def test_not_a_trainer_state_names_the_file(tmp_path, capsys):
    from tool_reflect.cli import main

    bad = tmp_path / "trainer_state.json"
    bad.write_text("{}")
    assert main(["plot", str(bad), "--out", str(tmp_path / "x.png")]) == 2
    assert "trainer_state.json" in capsys.readouterr().err
