"""An output never destroys or mixes with an input (files.check_apart, through check_output):
cases the adversarial round found, each refused in one line before any work, inputs as they
were (docs/adversarial_round.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tide_exp.cli.main import main

STUDY_B = Path(__file__).parents[2] / "assets" / "data" / "study_b" / "情绪.jsonl"

# {run}: a run folder, {raw}: a raw corpus named pairs.jsonl in the folder raw/.
CASES = {
    # was: pairs.jsonl written over the input, exit 0
    "prepare onto an input's name": ["prepare", "{raw}", "--out", "{raw_dir}"],
    # was: report tables written inside the run folder, exit 0
    "report inside its run": ["report", "{run}", "--out", "{run}/report"],
    # was: a survey written inside the run folder, exit 0
    "humaneval build inside its run": ["humaneval", "build", "{run}", "--out", "{run}/survey"],
    # was: compare.md and compare.html written inside the run folder, exit 0
    "compare inside its run": ["compare", "{run}", "--out", "{run}/cmp"],
}


@pytest.mark.parametrize("case", CASES)
def test_an_output_onto_or_inside_an_input_is_refused_first(case, tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "results.json").write_text('{"status": "ok"}\n')
    raw = tmp_path / "raw" / "pairs.jsonl"
    raw.parent.mkdir()
    raw.write_bytes(STUDY_B.read_bytes())
    paths = {"run": run, "raw": raw, "raw_dir": raw.parent}
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert main([arg.format(**paths) for arg in CASES[case]]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "input" in err, err
    assert "Fix: choose another output path" in err
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in run.iterdir()) == ["results.json"]


def test_an_output_beside_the_runs_under_a_folder_above_them_is_let_be(tmp_path):
    from tide_exp.errors import FileError
    from tide_exp.files.checks import check_output
    from tide_exp.runs.finding import run_folders

    outputs = tmp_path / "outputs"
    run = outputs / "2026-01-01" / "12-00-00_smollm2_135m"
    run.mkdir(parents=True)
    (run / "status.json").write_text('{"status": "failed"}\n')
    inputs = run_folders([outputs])  # `tide report outputs`: its default --out is in outputs/
    assert inputs == [run]
    assert check_output(outputs / "report" / "outputs", inputs, folder=True)
    with pytest.raises(FileError, match="is inside the input"):
        check_output(run / "report", inputs, folder=True)
