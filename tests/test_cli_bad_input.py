"""Bad input to the CLI: one line naming file (line, field), exit 2; never a traceback, never
silent. Where going on is the documented behaviour, exit 0 with a warning saying what was
dropped and how the figures are affected."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES

from tool_reflect.cli import main
from tool_reflect.formats import render_target
from tool_reflect.io import read_items

DATASET = FIXTURES / "canonical_items.jsonl"
ITEMS = read_items(DATASET)
IDS = [it.id for it in ITEMS]
GOOD = render_target(ITEMS[0], "qwen")  # passes item 0 only


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _fail(capsys, argv, *fragments):
    """Run ``argv``: exit 2 and a last stderr line holding every fragment, no traceback."""
    rc = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"tool-reflect {argv[0]}: error: "), last
    for fragment in fragments:
        assert str(fragment) in last, (fragment, last)
    return last


# --- files that cannot be read, for every command that reads one -----------------------

def _binary(p):
    p.write_bytes(b"\xff\xfe\x00\x81 binary\n")
    return p, f"{p}:1: not valid UTF-8 text"


def _not_gzip(p):
    p = p.with_name(p.name + ".gz")
    p.write_text("plain text, not gzip\n")
    return p, f"{p}: not a valid gzip file"


def _truncated_gzip(p):
    import gzip

    p = p.with_name(p.name + ".gz")
    p.write_bytes(gzip.compress(b"\n" * 1000)[:-12])  # blank lines, then the cut
    return p, f"{p}: not a valid gzip file"


def _folder(p):
    p.mkdir()
    return p, f"{p}: is a folder, not a file"


def _all_invalid_json(p):
    p.write_text("{not json\n{nor this\n")
    return p, f"{p}:1: invalid JSON"


def _empty(p):
    p.write_text("\n\n")
    return p, f"{p}: no records"


BAD_FILES = [_binary, _not_gzip, _truncated_gzip, _folder, _all_invalid_json, _empty]
COMMANDS = {
    "convert": lambda f, o: ["convert", f, o / "c.jsonl"],
    "convert-skip": lambda f, o: ["convert", f, o / "c.jsonl", "--skip-invalid"],
    "label": lambda f, o: ["label", f],
    "export": lambda f, o: ["export", f, o / "e.jsonl", "--to", "qwen"],
    "generate-original": lambda f, o: ["generate", "--source", "original", "--input", f,
                                       "--n", "0", "--output", o / "g.jsonl"],
    "generate-xlam": lambda f, o: ["generate", "--source", "xlam", "--input", f, "--n", "0",
                                   "--output", o / "g.jsonl"],
    "generate-openai": lambda f, o: ["generate", "--source", "openai", "--input", f, "--n", "0",
                                     "--output", o / "g.jsonl"],
    "score-dataset": lambda f, o: ["score", "--dataset", f, "--completions", DATASET,
                                   "--out", o / "s"],
    "score-completions": lambda f, o: ["score", "--dataset", DATASET, "--completions", f,
                                       "--out", o / "s", "--no-progress"],
}


@pytest.mark.parametrize("bad", BAD_FILES, ids=lambda f: f.__name__.strip("_"))
@pytest.mark.parametrize("command", COMMANDS)
def test_unreadable_input_names_the_file(tmp_path, capsys, bad, command):
    path, message = bad(tmp_path / "in.jsonl")
    out = tmp_path / "out"
    _fail(capsys, COMMANDS[command](path, out), message)
    assert not out.exists()


def test_invalid_utf8_names_its_line_and_skip_invalid_counts_it(tmp_path, capsys, caplog):
    lines = DATASET.read_bytes().splitlines(keepends=True)
    path = tmp_path / "d.jsonl"
    path.write_bytes(lines[0] + b'{"id": "caf\xe9"}\n' + lines[1])
    _fail(capsys, ["convert", path, tmp_path / "o.jsonl"], f"{path}:2: not valid UTF-8 text")
    assert main(["convert", str(path), str(tmp_path / "o.jsonl"), "--skip-invalid"]) == 0
    assert "wrote 2 records" in capsys.readouterr().out
    assert f"{path}:2: not valid UTF-8 text" in caplog.text


def test_all_invalid_with_explicit_format_and_skip_invalid(tmp_path, capsys):
    path, _ = _all_invalid_json(tmp_path / "d.jsonl")
    _fail(capsys, ["convert", path, tmp_path / "o.jsonl", "--from", "canonical", "--skip-invalid"],
          f"{path}: no valid records (2 skipped as invalid)")
    assert not (tmp_path / "o.jsonl").exists()


@pytest.mark.parametrize("bad", [_binary, _all_invalid_json], ids=["binary", "invalid_json"])
def test_all_invalid_completions_with_skip_invalid(tmp_path, capsys, bad):
    path, _ = bad(tmp_path / "c.jsonl")
    _fail(capsys, ["score", "--dataset", DATASET, "--completions", path, "--out", tmp_path / "s",
                   "--skip-invalid"], f"{path}: no valid records (")


# --- outputs that cannot be written ----------------------------------------------------

def _score(comps, out, *extra):
    return ["score", "--dataset", DATASET, "--completions", comps, "--out", out, "--no-progress",
            *extra]


@pytest.fixture
def comps5(tmp_path):
    return _jsonl(tmp_path / "c5.jsonl", [{"id": i, "completions": [GOOD, "a", "b", "c", "d"]}
                                         for i in IDS])


def test_score_out_is_an_existing_file(tmp_path, capsys, comps5):
    out = tmp_path / "afile"
    out.write_text("keep me")
    _fail(capsys, _score(comps5, out), out, "exists and is not a folder")
    assert out.read_text() == "keep me"


def test_score_out_below_a_file(tmp_path, capsys, comps5):
    (tmp_path / "afile").write_text("keep me")
    _fail(capsys, _score(comps5, tmp_path / "afile" / "out"), tmp_path / "afile" / "out",
          "a part of the path is a file")


def test_score_out_folder_with_other_files_is_left_alone(tmp_path, capsys, comps5):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    _fail(capsys, _score(comps5, out), out, "holds other files (notes.txt)")
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_unwritable_output_folder(tmp_path, capsys, comps5, monkeypatch):
    """The same, simulated: creating the temporary file or folder is refused."""
    import tempfile

    def refuse(*_a, dir=None, **_k):
        raise PermissionError(13, "Permission denied", str(dir))

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    _fail(capsys, _score(comps5, tmp_path / "out"), f"{tmp_path / 'out'}: Permission denied")
    _fail(capsys, ["convert", DATASET, tmp_path / "o.jsonl"], f"{tmp_path / 'o.jsonl'}: Permission")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c5.jsonl"]


def test_convert_output_is_a_folder(tmp_path, capsys):
    _fail(capsys, ["convert", DATASET, tmp_path], tmp_path, "is a folder, not a file")


# --- duplicate or empty data: errors naming the line -------------------------------------

def test_duplicate_dataset_id_names_the_second_line(tmp_path, capsys, caplog, comps5):
    lines = DATASET.read_text().splitlines()
    dup = tmp_path / "d.jsonl"
    dup.write_text("\n".join(lines + [lines[1]]) + "\n")
    _fail(capsys, ["score", "--dataset", dup, "--completions", comps5, "--out", tmp_path / "s"],
          f"{dup}:{len(lines) + 1}: field 'id'", repr(IDS[1]))
    assert not (tmp_path / "s").exists()
    assert main([str(a) for a in ["score", "--dataset", dup, "--completions", comps5, "--out",
                                  tmp_path / "s", "--skip-invalid", "--no-progress"]]) == 0
    report = json.loads((tmp_path / "s" / "report.json").read_text())
    assert report["groups"]["all"]["items"] == len(IDS) and report["stamps"]["skipped_invalid"] == 1
    assert f"{dup}:{len(lines) + 1}: field 'id'" in caplog.text


def test_second_completions_line_for_an_id_is_an_error(tmp_path, capsys):
    comps = _jsonl(tmp_path / "c.jsonl", [{"id": i, "completions": ["a"] * 5} for i in IDS]
                   + [{"id": IDS[0], "completions": [GOOD] * 5}])
    _fail(capsys, _score(comps, tmp_path / "s"), f"{comps}:{len(IDS) + 1}: field 'id'",
          "already has completions on line 1")
    mixed = _jsonl(tmp_path / "m.jsonl", [{"id": IDS[0], "completion": "a"},
                                          {"id": IDS[0], "completions": ["b"]}])
    _fail(capsys, _score(mixed, tmp_path / "s"), f"{mixed}:2: field 'id'")


def test_single_completion_lines_still_group_by_id(tmp_path, capsys):
    comps = _jsonl(tmp_path / "c.jsonl", [{"id": i, "completion": c} for c in (GOOD, "x")
                                          for i in IDS])
    assert main([str(a) for a in _score(comps, tmp_path / "s", "--k", "1", "2")]) == 0
    report = json.loads((tmp_path / "s" / "report.json").read_text())
    assert report["samples_per_item"] == 2 and report["ks"] == [1, 2]


def test_empty_completions_list_names_line_and_field(tmp_path, capsys):
    comps = _jsonl(tmp_path / "c.jsonl", [{"id": IDS[0], "completions": ["a"]},
                                          {"id": IDS[1], "completions": []}])
    _fail(capsys, _score(comps, tmp_path / "s"), f"{comps}:2: field 'completions': is empty")


# --- sample counts and k -----------------------------------------------------------------

def test_fewer_samples_for_one_item_keeps_repair_at_k_with_a_warning(tmp_path, capsys, caplog):
    rows = [{"id": i, "completions": [GOOD, "a", "b", "c", "d"]} for i in IDS[1:]]
    comps = _jsonl(tmp_path / "c.jsonl", [{"id": IDS[0], "completions": [GOOD, "a"]}, *rows])
    assert main([str(a) for a in _score(comps, tmp_path / "s")]) == 0
    report = json.loads((tmp_path / "s" / "report.json").read_text())
    g = report["groups"]["all"]
    assert report["ks"] == [1, 3, 5] and report["items_excluded_per_k"] == {"1": 0, "3": 1, "5": 1}
    assert g["repair@1_items"] == 4 and g["repair@1"] == pytest.approx((0.5 + 0 + 0 + 0) / 4)
    assert g["repair@5_items"] == 3 and g["repair@5"] == 0.0  # GOOD passes item 0 only
    assert report["groups"][ITEMS[0].perturbation]["repair@5"] is None
    for k in (3, 5):
        assert f"Repair@{k} covers 3 of 4 items: 1 item(s) with fewer than {k} samples" in caplog.text
    assert "-" in capsys.readouterr().out.splitlines()[2]  # item 0's group row has no Repair@5
    verdicts = [json.loads(x) for x in (tmp_path / "s" / "verdicts.jsonl").read_text().splitlines()]
    assert verdicts[0]["n"] == 2 and verdicts[0]["repair@5"] is None


@pytest.mark.parametrize("k", ["0", "-1", "x"])
def test_k_below_one_is_an_argument_error(tmp_path, capsys, comps5, k):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in _score(comps5, tmp_path / "s", "--k", k)])
    assert exc.value.code == 2 and "argument --k" in capsys.readouterr().err


def test_k_above_every_sample_count_is_an_error(tmp_path, capsys, comps5):
    _fail(capsys, _score(comps5, tmp_path / "s", "--k", "1", "6"), "--k 6: no item has 6 samples",
          "the most is 5")
    assert not (tmp_path / "s").exists()


def test_default_k_above_every_sample_count_is_dropped_with_a_warning(tmp_path, caplog):
    comps = _jsonl(tmp_path / "c.jsonl", [{"id": i, "completion": GOOD} for i in IDS])
    assert main([str(a) for a in _score(comps, tmp_path / "s")]) == 0
    assert json.loads((tmp_path / "s" / "report.json").read_text())["ks"] == [1]
    assert "Repair@3/5 not reported: no item has more than 1 samples" in caplog.text


# --- generate ------------------------------------------------------------------------------

def test_generate_negative_n_is_an_argument_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["generate", "--n", "-5", "--output", str(tmp_path / "g.jsonl")])
    assert exc.value.code == 2 and "argument --n: must be 0 or more" in capsys.readouterr().err


@pytest.mark.parametrize("source,rows", [
    ("xlam", [json.loads(x) for x in DATASET.read_text().splitlines()]),
    ("openai", [{"query": "q", "tools": "[]", "answers": "[]"}]),
])
def test_generate_from_wrong_kind_of_input_names_the_file(tmp_path, capsys, source, rows):
    path = _jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "g.jsonl"
    _fail(capsys, ["generate", "--source", source, "--input", path, "--n", "0", "--output", out],
          f"{path}: no record is a usable {source} trajectory", f"{path}:1: field")
    assert not out.exists()
