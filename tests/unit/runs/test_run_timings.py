from __future__ import annotations

from tide_exp.runs.timings import phase_timings


def test_phase_timings_count_each_evaluation_once():
    phases = {
        "zs": {"step": 0, "generation_s": 3.0, "scoring_s": 1.0},
        "val": [
            {"epoch": 0, "step": 4, "generation_s": 2.0, "scoring_s": 0.5},
            {"epoch": 1, "step": 8, "generation_s": 2.5, "scoring_s": 0.5},
        ],
        "ft": {
            "epoch": 1,
            "step": 8,
            "generation_s": 2.5,
            "scoring_s": 0.5,
            "reused_from": "val epoch 1",
        },
    }
    timings = phase_timings(phases, fit_s=20.0)
    assert timings["zs"] == {"generation_s": 3.0, "scoring_s": 1.0}
    assert [row["epoch"] for row in timings["val"]] == [0, 1]
    assert timings["ft"] == {"generation_s": 0.0, "scoring_s": 0.0, "reused_epoch": 1}
    assert timings["train_s"] == 20.0 - 4.0 - 2.5 - 3.0


def test_phase_timings_of_a_fresh_final_phase_and_no_phases():
    phases = {
        "val": [{"epoch": 0, "step": 4, "generation_s": 1.0}],
        "ft": {"step": 6, "generation_s": 2.0},
    }
    timings = phase_timings(phases, fit_s=10.0)
    assert timings["ft"] == {"generation_s": 2.0, "scoring_s": 0.0} and timings["train_s"] == 7.0
    assert phase_timings({}, fit_s=5.0) == {"train_s": 5.0}


def test_final_phase_on_more_prompts_at_the_last_step_is_counted():
    """The schedule's final phase can follow the last epoch at the same step on more prompts."""
    phases = {
        "val": [{"epoch": 0, "step": 4, "generation_s": 1.0, "scoring_s": 0.0}],
        "ft": {"step": 4, "generation_s": 5.0, "scoring_s": 1.0},
    }
    timings = phase_timings(phases, fit_s=10.0)
    assert timings["ft"] == {"generation_s": 5.0, "scoring_s": 1.0}
