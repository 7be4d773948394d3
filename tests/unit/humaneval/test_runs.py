"""Reading run outputs: discovery in sweeps, clear errors for bad generations files."""

from __future__ import annotations

import pytest

from tide_exp.errors import FileError
from tide_exp.humaneval.errors import SurveyInputError
from tide_exp.humaneval.runs import find_run_dirs, load_runs, phase_rows, read_generations

from . import fakes


def test_sweep_jobs_found_in_numeric_order(tmp_path):
    sweep = fakes.write_sweep(tmp_path, [f"m{i}" for i in range(11)], n_per_theme=1)
    dirs = find_run_dirs([sweep])
    assert [d.name for d in dirs] == [str(i) for i in range(11)]


def test_same_slug_runs_get_distinct_labels(tmp_path):
    sweep = fakes.write_sweep(tmp_path, ["smollm2_135m", "smollm2_135m"], n_per_theme=1)
    labels = [r.label for r in load_runs([sweep])]
    assert labels == ["smollm2_135m@12-00-00/0", "smollm2_135m@12-00-00/1"]


def test_bad_json_line_names_file_line_column(tmp_path):
    path = tmp_path / "generations.jsonl"
    path.write_text('{"phase": "zs"}\n{"phase": "zs", oops}\n')
    with pytest.raises(FileError) as err:  # the run folder's one reader (tide_exp.runs.folder)
        read_generations(path)
    msg = str(err.value)
    assert f"{path}:1:1" in msg and "missing key" in msg and "Fix:" in msg
    path.write_text(path.read_text().splitlines()[1] + "\n")
    with pytest.raises(FileError, match=r"generations.jsonl:1: malformed JSON at column 17"):
        read_generations(path)


def test_missing_dir_and_empty_dir_are_named(tmp_path):
    with pytest.raises(SurveyInputError, match="no such file"):
        find_run_dirs([tmp_path / "nope"])
    with pytest.raises(SurveyInputError, match="no generations.jsonl"):
        find_run_dirs([tmp_path])


def test_ft_falls_back_to_last_validation_epoch(tmp_path):
    run_dir = fakes.write_run(tmp_path / "r", "tiny", n_per_theme=1)
    gens = run_dir / "generations.jsonl"
    gens.write_text(
        "".join(
            line + "\n" for line in gens.read_text().splitlines() if '"phase": "ft"' not in line
        )
    )
    (run,) = load_runs([run_dir])
    rows = phase_rows(run, "ft")
    assert len(rows) == 6 and set(rows["phase"]) == {"val"}
