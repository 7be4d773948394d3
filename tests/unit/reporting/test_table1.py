import json

import pytest

from tide_exp.report import main as report_main
from tide_exp.reporting.table1 import read_paper_table, write_report


def _results(run_dir, name, hf_id, zs, ft, status="ok"):
    run_dir.mkdir(parents=True)
    phases = {
        p: {
            "metrics": {
                m: {"mean": v, "std": 0.1, "n": 4, "level": "sample"} for m, v in values.items()
            }
        }
        for p, values in (("zs", zs), ("ft", ft))
    }
    (run_dir / "results.json").write_text(
        json.dumps(
            {
                "status": status,
                "model": {"name": name, "display_name": name.upper(), "hf_id": hf_id},
                "phases": phases,
            }
        )
    )


def test_table1_beside_the_paper(tmp_path):
    _results(
        tmp_path / "0",
        "qwen2_5_0_5b",
        "Qwen/Qwen2.5-0.5B-Instruct",
        {"cosine": 0.40, "rouge_l": 0.2},
        {"cosine": 0.50, "rouge_l": 0.3},
    )
    _results(
        tmp_path / "1",
        "qwen2_5_0_5b",
        "Qwen/Qwen2.5-0.5B-Instruct",
        {"cosine": 0.60, "rouge_l": 0.2},
        {"cosine": 0.70, "rouge_l": 0.3},
    )
    _results(tmp_path / "2", "mine", None, {"cosine": 0.1}, {"cosine": 0.2})
    _results(tmp_path / "3", "broken", None, {"cosine": 0.9}, {"cosine": 0.9}, status="failed")
    files = write_report([tmp_path], tmp_path / "report")
    markdown = files["markdown"].read_text()
    assert (
        "| QWEN2_5_0_5B | 0.500 ± 0.100 | 0.600 ± 0.100 | +0.100 |" in markdown
    )  # mean of the two runs
    assert (
        "| QWEN2_5_0_5B | cosine | zs | 0.500 ± 0.100 | 0.50 |" in markdown
    )  # paper: cosine_zs 0.50
    assert "| QWEN2_5_0_5B | rouge_l | ft | 0.300 ± 0.100 | 0.81 |" in markdown
    assert "cannot be that" in markdown and "BROKEN" not in markdown
    csv_text = files["csv"].read_text()
    assert csv_text.splitlines()[0] == "model,display_name,hf_id,metric,phase,mean,std,n,runs,paper"
    assert (
        "qwen2_5_0_5b,QWEN2_5_0_5B,Qwen/Qwen2.5-0.5B-Instruct,cosine,ft,0.6,0.1,8,2,0.52"
        in csv_text
    )
    assert files["latex"].read_text().count(r"\\") >= 4
    assert files["png"].stat().st_size > 10_000 and files["pdf"].stat().st_size > 1_000


def test_paper_table_is_the_published_one():
    paper = read_paper_table()
    assert len(paper) == 8 and paper["meta-llama/Llama-3.2-1B-Instruct"]["cosine_ft"] == 0.64


def test_cli_errors_without_finished_runs(tmp_path, capsys):
    assert report_main([str(tmp_path / "nope")]) == 2
    assert report_main([str(tmp_path)]) == 2
    assert "no finished run" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["paper_table1.csv"])
def test_shipped_copy_matches_the_reference(name):
    from pathlib import Path

    shared = Path(__file__).resolve().parents[4] / "shared" / "reference" / name
    if not shared.is_file():
        pytest.skip("../shared/reference is not beside this checkout")
    from tide_exp.reporting.table1 import PAPER_TABLE

    assert PAPER_TABLE.read_text() == shared.read_text()


def test_cli_refuses_an_output_that_is_a_file_before_reading_runs(tmp_path, capsys):
    (tmp_path / "taken").write_text("not a folder")
    assert report_main([str(tmp_path), "--out", str(tmp_path / "taken")]) == 2
    assert (
        capsys.readouterr().err
        == f"error: {tmp_path / 'taken'}: is not a folder. Fix: choose a folder for the output\n"
    )
    assert (tmp_path / "taken").read_text() == "not a folder"
