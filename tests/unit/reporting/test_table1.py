import csv
import io
import json
import statistics
from pathlib import Path

import pytest

from tide_exp.cli.report import main as report_main
from tide_exp.metrics.bootstrap import paired_bootstrap_ci
from tide_exp.reporting.table1 import read_paper_table, write_report

QWEN = ("qwen2_5_0_5b", "Qwen/Qwen2.5-0.5B-Instruct")


def _results(
    run_dir,
    model=QWEN,
    zs=None,
    ft=None,
    config=None,
    dataset="d1",
    seed=1,
    status="ok",
    prompts=4,
    requested=4,
    not_computed=None,
    selection=None,
):
    """A finished run: results.json and generations.jsonl with per-reply scores.

    ``zs`` / ``ft``: metric -> per-reply values (their mean is the phase mean).
    """
    run_dir.mkdir(parents=True)
    name, hf_id = model
    phases, records = {}, []
    for phase, values in (("zs", zs or {}), ("ft", ft or {})):
        phases[phase] = {  # the shape run() writes (see tests/integration/test_report_on_runs.py)
            "prompts": {"count": prompts, "example_ids": [f"e{i}" for i in range(prompts)]},
            "replies": {
                "n": prompts,
                "cut": 1,
                "cut_rate": 0.25,
                "open_reasoning_rate": 0.0,
                "looping_rate": 0.5 if phase == "ft" else 0.0,
            },
            "metrics": {
                m: {
                    "mean": statistics.fmean(v),
                    "std": statistics.pstdev(v),
                    "n": len(v),
                    "level": "sample",
                }
                for m, v in values.items()
            },
        }
        if phase == "ft" and selection:
            phases["ft"]["selection"] = selection
            phases["val"] = [{"epoch": k} for k in (1, 2, 3)]
        for i in range(len(next(iter(values.values()), []))):
            records.append(
                {
                    "phase": phase,
                    "example_id": f"e{i}",
                    "scores": {m: v[i] for m, v in values.items()},
                }
            )
    (run_dir / "results.json").write_text(
        json.dumps(
            {
                "status": status,
                "seed": seed,
                "model": {"name": name, "display_name": name.upper(), "hf_id": hf_id},
                "config": {
                    "lora.r": 8,
                    "data.max_length": 96,
                    "eval.final_num_prompts": requested,
                    **(config or {}),
                },
                "data": {"dataset": dataset},
                "phases": phases,
                "not_computed": not_computed or {},
            }
        )
    )
    (run_dir / "generations.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))


def _csv(files):
    return list(csv.DictReader(io.StringIO(files["csv"].read_text())))


def test_differing_settings_are_rows_and_columns_seeds_aggregate(tmp_path):
    up = {"cosine": [0.5, 0.6, 0.7, 0.6]}
    base = {"cosine": [0.3, 0.4, 0.5, 0.4]}
    _results(tmp_path / "r4", zs=base, ft=up, config={"lora.r": 4})
    _results(tmp_path / "r8s1", zs=base, ft=up, seed=1)
    _results(tmp_path / "r8s2", zs=base, ft={"cosine": [0.7, 0.8, 0.9, 0.8]}, seed=2)
    files = write_report([tmp_path], tmp_path / "report")
    markdown = files["markdown"].read_text()
    rows = _csv(files)
    ft = {(json.loads(r["settings"])["lora.r"], r["phase"]): r for r in rows}
    assert set(ft) == {(4, "zs"), (4, "ft"), (8, "zs"), (8, "ft")}  # two rows, not one
    assert ft[(8, "ft")]["seeds"] == "2" and ft[(8, "ft")]["aggregate"] == "seeds"
    assert float(ft[(8, "ft")]["mean"]) == pytest.approx(0.7)
    assert float(ft[(8, "ft")]["std"]) == pytest.approx(statistics.stdev([0.6, 0.8]))
    assert ft[(4, "ft")]["seeds"] == "1" and ft[(4, "ft")]["aggregate"] == "sample"
    assert "| model | lora.r | seeds | cosine zs |" in markdown
    assert "aggregate across seeds: mean ± std of the run means" in markdown
    # The change carries the paired interval over both seeds, marked distinguishable from 0.
    low, high = paired_bootstrap_ci([[0.2] * 4, [0.4] * 4])
    assert float(ft[(8, "ft")]["ci_low"]) == pytest.approx(low)
    assert f"+0.300 [{low:+.3f}, {high:+.3f}]*" in markdown


def test_datasets_never_share_a_row(tmp_path):
    for i, dataset in enumerate(["d1", "d2", "d3"]):
        _results(tmp_path / str(i), zs={"cosine": [0.1]}, ft={"cosine": [0.2]}, dataset=dataset)
    files = write_report([tmp_path], tmp_path / "report")
    assert {r["dataset"] for r in _csv(files)} == {"d1", "d2", "d3"}
    assert "| model | dataset | seeds |" in files["markdown"].read_text()


def test_beside_the_paper_with_comparability(tmp_path):
    _results(
        tmp_path / "0",
        zs={"cosine": [0.4, 0.6], "rouge_l": [0.2, 0.2], "distinct_1_chunk100": [0.5, 0.5]},
        ft={"cosine": [0.6, 0.6], "rouge_l": [0.3, 0.3], "distinct_1_chunk100": [0.6, 0.6]},
        prompts=2,
        requested=16,
        selection={"select": "best", "monitor": "val/loss", "mode": "min", "epoch": 1},
    )
    _results(tmp_path / "1", ("mine", None), zs={"cosine": [0.1]}, ft={"cosine": [0.2]})
    _results(tmp_path / "2", ("broken", None), {"cosine": [1]}, {"cosine": [1]}, status="failed")
    files = write_report([tmp_path], tmp_path / "report")
    markdown = files["markdown"].read_text()
    assert "| QWEN2_5_0_5B | {} | cosine | zs | 0.500 ± 0.100 | 0.50 | yes |" in markdown
    assert "| QWEN2_5_0_5B | {} | rouge_l | ft | 0.300 ± 0.000 | 0.81 | no |" in markdown
    assert (
        "| QWEN2_5_0_5B | {} | distinct_1_chunk100 | zs | 0.500 ± 0.000 | 0.17 | no |" in markdown
    )
    assert "cannot be the paper's" in markdown and "BROKEN" not in markdown
    assert "zs scored 2, ft scored 2 prompts, fewer than the 16 configured" in markdown
    # Counts, no ids; looping beside the cut share; whose weights "fine-tuned" is.
    row = (
        "| QWEN2_5_0_5B | 1 | 25% | 25% | 0% | 0% | 0% | 50% | 2 | 2 | 1 of 3 (best by val/loss) |"
    )
    assert row in markdown
    assert "e0" not in markdown
    assert files["png"].stat().st_size > 10_000 and files["pdf"].stat().st_size > 1_000


def test_latex_escapes_display_names(tmp_path):
    _results(tmp_path / "0", ("my_model & co #1 (50%)", None), {"cosine": [0.1]}, {"cosine": [0.2]})
    latex = write_report([tmp_path], tmp_path / "report")["latex"].read_text()
    assert r"MY\_MODEL \& CO \#1 (50\%)" in latex and r"cosine zs" in latex


def test_paper_table_is_the_published_one():
    paper = read_paper_table()
    assert len(paper) == 8 and paper["meta-llama/Llama-3.2-1B-Instruct"]["cosine_ft"] == 0.64


def test_cli_errors_without_finished_runs(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
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


def test_the_same_run_found_twice_counts_once_and_is_named(tmp_path):
    base, up = {"cosine": [0.3, 0.4, 0.5, 0.4]}, {"cosine": [0.5, 0.6, 0.7, 0.6]}
    _results(tmp_path / "a" / "run", zs=base, ft=up, seed=42)
    _results(tmp_path / "b" / "0_job", zs=base, ft=up, seed=42)  # the same run again
    _results(tmp_path / "b" / "1_job", zs=base, ft={"cosine": [0.7, 0.8, 0.9, 0.8]}, seed=43)
    files = write_report([tmp_path], tmp_path / "report")
    ft = [r for r in _csv(files) if r["phase"] == "ft"]
    assert [r["seeds"] for r in ft] == ["2"]  # seeds 42 and 43, not 42 twice
    assert float(ft[0]["std"]) == pytest.approx(statistics.stdev([0.6, 0.8]))
    markdown = files["markdown"].read_text()
    assert (
        f"- `{tmp_path / 'b' / '0_job'}`: same run as `{tmp_path / 'a' / 'run'}` (seed 42)"
        in markdown
    )


def test_cli_writes_under_outputs_and_prints_a_short_summary(tmp_path, capsys, monkeypatch):
    metrics = [
        "cosine",
        "bertscore_f1",
        "meteor",
        "rouge_l",
        "distinct_1_reply",
        "distinct_2_reply",
    ]
    zs = {m: [0.2, 0.3, 0.2, 0.3] for m in metrics}
    ft = {m: [0.5, 0.6, 0.5, 0.6] for m in metrics}
    _results(tmp_path / "sweep" / "0_x", zs=zs, ft=ft, prompts=4, requested=40)
    monkeypatch.chdir(tmp_path)
    assert report_main(["sweep"]) == 0
    out = capsys.readouterr().out
    report = tmp_path / "outputs" / "report" / "sweep"
    assert (report / "table1.md").is_file() and not (tmp_path / "sweep" / "report").exists()
    assert f"markdown: {Path('outputs/report/sweep/table1.md')}" in out
    table = [line for line in out.splitlines() if line.startswith("| ")]
    assert table[0] == (
        "| model | seeds | cosine zs -> ft | bertscore_f1 zs -> ft | meteor zs -> ft "
        "| rouge_l zs -> ft |"
    )  # four headline metrics, not 27 columns
    assert (
        table[1]
        == "| QWEN2_5_0_5B | 1 | 0.250 -> 0.550* | 0.250 -> 0.550* | 0.250 -> 0.550* | 0.250 -> 0.550* |"
    )
    assert "fewer than the 40 configured" in out and "example_ids" not in out and "{" not in out


def test_study_b_lists_what_it_does_not_compute(tmp_path, compose_cfg):
    from omegaconf import OmegaConf

    cfg = compose_cfg("eval=study_b")  # run() copies eval.not_computed into results.json
    listed = OmegaConf.to_container(cfg.eval.not_computed)
    assert set(listed) == {"dialogbert_continuity", "dialogbert_filter"}
    _results(tmp_path / "0", zs={"cosine": [0.1]}, ft={"cosine": [0.2]}, not_computed=listed)
    markdown = write_report([tmp_path], tmp_path / "report")["markdown"].read_text()
    section = markdown.split("## Not computed")[1]
    assert "**dialogbert_filter**: Study B filtered its outputs" in section
    assert "**dialogbert_continuity**" in section


def test_a_change_with_a_nan_side_is_a_dash_not_plus_nan():
    from tide_exp.reporting.table1_render import format_change

    nan = float("nan")
    assert format_change({"delta": nan, "low": 0.1, "high": 0.2, "distinguishable": True}) == "-"
    assert format_change({"delta": None, "low": nan, "high": nan, "distinguishable": False}) == "-"
    assert (
        format_change({"delta": 0.04, "low": nan, "high": nan, "distinguishable": False})
        == "+0.040"
    )
    assert format_change({"delta": 0.04, "low": 0.01, "high": 0.08, "distinguishable": True}) == (
        "+0.040 [+0.010, +0.080]*"
    )


def test_bar_plot_of_long_setting_labels_prints_no_layout_warning(tmp_path):
    import warnings

    from tide_exp.reporting.table1_plot import plot_bars

    metrics = [f"metric_{i}" for i in range(7)]
    settings = [
        json.dumps({"lora.r": r, "eval.generation.max_new_tokens": 48, "trainer.max_epochs": 3})
        for r in range(6)
    ]
    long = [
        {"settings": s, "display_name": "SmolLM2-135M-Instruct", "metric": m, "phase": phase}
        | {"mean": 0.3, "std": 0.1}
        for s in settings
        for m in metrics
        for phase in ("zs", "ft")
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # was: "Tight layout not applied" on `tide report`'s console
        written = plot_bars({"metrics": metrics, "long": long}, tmp_path / "table1")
    assert [p.suffix for p in written] == [".png", ".pdf"] and all(
        p.stat().st_size for p in written
    )


def test_an_undefined_mean_is_a_dash_with_its_reason(tmp_path):
    """Issue 31: a null mean (the metric had no value) was a bare dash, its reason nowhere."""
    _results(tmp_path / "r1", zs={"rouge_l": [0.1, 0.2]}, ft={"rouge_l": [0.3, 0.4]}, prompts=2)
    path = tmp_path / "r1" / "results.json"
    results = json.loads(path.read_text())
    results["phases"]["ft"]["metrics"]["rouge_l"]["mean"] = None
    path.write_text(json.dumps(results))
    md = write_report([tmp_path / "r1"], tmp_path / "out")["markdown"].read_text()
    assert "nan" not in md.lower()
    assert "rouge_l ft undefined (the run's results.json holds no value, null" in md
