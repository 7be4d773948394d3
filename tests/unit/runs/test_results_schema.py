"""The results.json schema checker finds what a reader would trip over."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tide_exp.errors import FileError
from tide_exp.metrics.ranges import RANGES
from tide_exp.runs.folder import RunFolder
from tide_exp.runs.results import PhaseSummary, Results, schema_errors

ASSET = Path(__file__).resolve().parents[2] / "assets"


def _phase(**changes):
    phase = {
        "epoch": 0,
        "step": 4,
        "metrics": {"rouge_l": {"mean": 0.2, "std": 0.1, "n": 4, "level": "sample"}},
        "metric_config": {},
        "prompts": {"count": 4, "example_ids": ["a", "b", "c", "d"]},
        "generation_s": 1.0,
        "new_tokens": 32,
        "generation_tokens_per_s": 32.0,
        "cut_rate": 0.5,
        "replies": {
            "n": 4,
            "cut": 2,
            "cut_rate": 0.5,
            "open_reasoning": 0,
            "open_reasoning_rate": 0.0,
        },
        "decoding": {"do_sample": False},
        "scoring_s": 0.1,
    }
    return phase | changes


def test_a_phase_matches_and_each_kind_of_mismatch_is_named():
    assert schema_errors(_phase(), PhaseSummary) == []
    assert schema_errors(_phase(epoch=None, reused_from="val epoch 1"), PhaseSummary) == []
    assert schema_errors(_phase(step="4"), PhaseSummary, "p") == ["p.step is '4', not an integer"]
    assert schema_errors(_phase(extra=1), PhaseSummary, "p") == ["p.extra is not in the schema"]
    missing = _phase()
    del missing["prompts"]
    assert schema_errors(missing, PhaseSummary, "p") == ["p.prompts is missing"]
    assert schema_errors(missing, PhaseSummary, "p", complete=False) == []  # an earlier version
    bad = _phase(metrics={"rouge_l": {"mean": "x"}})
    assert schema_errors(bad, PhaseSummary, "p") == ["p.metrics.rouge_l.mean is 'x', not a number"]


def test_a_list_where_an_object_belongs():
    assert schema_errors([], Results) == ["results is a list, not an object"]


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ("[]", "results is a list, not an object"),
        (
            '{"status": "ok", "model": {"name": "m"}, "phases": {"zs": {"metrics": {"rouge_l": {"mean": "0.2"}}}}}',
            "results.phases.zs.metrics.rouge_l.mean is '0.2', not a number",
        ),
        (
            '{"status": "ok", "model": {"name": 3}, "phases": {}}',
            "results.model.name is 3, not a string",
        ),
    ],
)
def test_a_malformed_results_file_is_named_with_its_key_and_the_fix(tmp_path, content, named):
    (tmp_path / "results.json").write_text(content)
    with pytest.raises(FileError) as err:
        RunFolder(tmp_path).read_results()
    assert (
        str(err.value)
        == f"{tmp_path / 'results.json'}: {named}. Fix: re-run the job to rewrite it, or repair that key"
    )


def test_a_results_file_of_an_earlier_version_still_reads(tmp_path):
    (tmp_path / "results.json").write_text(
        '{"status": "ok", "model": {"name": "m"}, "phases": {"zs": {"epoch": null}}}'
    )
    assert RunFolder(tmp_path).read_results()["model"]["name"] == "m"


def test_the_report_names_a_key_a_table1_row_cannot_do_without(tmp_path):
    from tide_exp.reporting.table1 import collect_runs

    (tmp_path / "results.json").write_text('{"status": "ok", "phases": {}}')
    with pytest.raises(
        FileError, match=r"results.json: results.model.name is missing. Fix: re-run"
    ):
        collect_runs([tmp_path])


def test_the_report_leaves_out_a_run_whose_job_is_running_again(tmp_path, caplog):
    import json

    from tide_exp.reporting.table1 import collect_runs

    results = {"status": "ok", "model": {"name": "m"}, "phases": {}}
    for name, status in (("done", "ok"), ("rerun", "running")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "results.json").write_text(json.dumps(results))
        (tmp_path / name / "status.json").write_text(json.dumps({"status": status}))
    runs = collect_runs([tmp_path])
    assert [r["run_dir"] for r in runs] == [str(tmp_path / "done")]
    assert "rerun left out: its job is running" in caplog.text


def _with_metric(name, stats):
    import json

    return json.dumps(
        {"status": "ok", "model": {"name": "m"}, "phases": {"ft": {"metrics": {name: stats}}}},
        allow_nan=True,
    )


BOUNDED = sorted((name, low, high) for name, (low, high) in RANGES.items())


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    metric=st.sampled_from(BOUNDED),
    outside=st.floats(min_value=1e-6, max_value=1e6),
    below=st.booleans(),
    spoil=st.sampled_from(["mean", "nan", "inf", "std", "n"]),
)
def test_a_results_file_with_an_impossible_value_is_refused_naming_it(
    tmp_path_factory, metric, outside, below, spoil
):
    """Issue 31: a mean outside its metric's range (cosine 7.5) was reported, with a delta
    outside its own interval; NaN, infinity and a negative n or std likewise."""
    import math

    name, low, high = metric
    edge = low if below else high
    if spoil == "mean" and not math.isfinite(edge):
        return  # unbounded on that side: nothing there is impossible
    stats = {"mean": (low + high) / 2 if math.isfinite(low + high) else 0.5, "std": 0.1, "n": 4}
    stats["mean"] = max(min(stats["mean"], high), low)
    value = {
        "mean": edge - outside if below else edge + outside,
        "nan": math.nan,
        "inf": -math.inf if below else math.inf,
        "std": -outside,
        "n": -int(outside) - 1,
    }[spoil]
    key = spoil if spoil in ("std", "n") else "mean"
    stats[key] = value
    folder = tmp_path_factory.mktemp("run")
    (folder / "results.json").write_text(_with_metric(name, stats))
    with pytest.raises(FileError, match=rf"results\.json: phases\.ft\.metrics\.{name}\.{key} is "):
        RunFolder(folder).read_results()


def test_a_null_mean_reads_and_every_registered_metric_has_its_range(tmp_path):
    from tide_exp.metrics import METRICS

    (tmp_path / "results.json").write_text(_with_metric("cosine", {"mean": None, "n": 0}))
    assert RunFolder(tmp_path).read_results()["phases"]["ft"]["metrics"]["cosine"]["mean"] is None
    assert set(METRICS) <= set(RANGES)  # a new metric's range is registered with it
