"""Table 3's categories (labels of ours, in a fixed order, Other/Unknown last) and Figure 3 (the
regional means per scenario, drawn offline as a US tile map)."""

from __future__ import annotations

import pandas as pd

from tide_exp.cli.humaneval import main
from tide_exp.humaneval.demotable import OTHER, table3
from tide_exp.humaneval.regions import REGIONS, STATES, region_means, region_of


def test_answers_map_to_ordered_labels_with_other_unknown():
    raters = pd.DataFrame(
        {
            "age": [24, 64, 40],
            "sex": ["Female", "Male", "CONSENT_REVOKED"],
            "gender": ["Woman", "Man", "Non-binary"],
            "race": ["White", "Black", "Prefer not to say"],
            "education": [
                "Graduate degree (MA/MSc/MPhil/other)",
                "Undergraduate degree (BA/BSc/other)",
                "High school diploma/A-levels",
            ],
            "region": ["Texas", "NY", "Ontario"],
        },
        index=pd.Index(["a", "b", "c"], name="rater_id"),
    )
    table = table3(raters)
    rows = {(r.characteristic, r.value): r.n for r in table.itertuples()}
    assert table.loc[table["characteristic"] == "region", "value"].tolist() == [*REGIONS, OTHER]
    assert (
        rows[("region", "South")] == rows[("region", "Northeast")] == rows[("region", OTHER)] == 1
    )
    assert rows[("region", "West")] == 0  # every label listed, zero counts too
    assert rows[("sex", OTHER)] == 1 and rows[("race", OTHER)] == 1
    assert rows[("gender", "Woman")] == rows[("gender", "Man")] == 1  # "woman" is not "man"
    education = table[table["characteristic"] == "education"]
    assert education["value"].tolist()[0] == "High school or less"
    assert rows[("education", "Graduate degree")] == rows[("education", "Bachelor's degree")] == 1
    age = table[table["characteristic"] == "age"]
    assert age["stat"].tolist() == ["42.7 (20.1)", "24-64"]
    assert "Texas" in table.loc[(table["value"] == "South"), "answers"].iloc[0]


def test_every_state_has_one_tile_and_a_census_region():
    assert len(STATES) == 51
    assert len({(row, col) for _, _, row, col in STATES.values()}) == 51
    counts = pd.Series([region for _, region, _, _ in STATES.values()]).value_counts()
    assert counts.to_dict() == {"South": 17, "West": 13, "Midwest": 12, "Northeast": 9}
    assert region_of("california") == region_of("West") == "West" and region_of("Mars") is None


def test_analyze_writes_figure3_from_the_raters_regions(survey_dir, synthetic, tmp_path):
    wide, _ = synthetic
    wide.to_csv(tmp_path / "ratings.csv", index=False)
    key = str(survey_dir / "key.csv")
    out = tmp_path / "analysis"
    args = ["analyze", str(tmp_path / "ratings.csv"), "--key", key, "--out", str(out)]
    assert main([*args, "--formats", "png", "--no-mixed"]) == 0
    means = pd.read_csv(out / "region_means.csv")
    assert set(means["region"]) == set(REGIONS) and means["scenario"].nunique() == 6
    assert (out / "plots" / "figure3_regions.png").stat().st_size > 10_000
    assert "figure3_regions.png" in (out / "summary.md").read_text()
    joined = pd.DataFrame(
        {"scenario": ["panic"] * 3, "region": ["WA", "Oregon", "Texas"], "rating": [5, 3, 2],
         "rater_id": ["a", "b", "c"]}
    )  # fmt: skip
    table = region_means(joined).set_index("region")
    assert table.loc["West", "mean"] == 4 and table.loc["West", "n_raters"] == 2


def _tile_colours(figure, panel: int) -> dict[str, tuple]:
    """Each state's tile colour in a Figure 3 panel (tiles are drawn in STATES order)."""
    tiles = figure.axes[panel].patches
    return {abbrev: tiles[i].get_facecolor() for i, abbrev in enumerate(STATES)}


def test_figure3_colours_span_the_regional_means_so_differences_show():
    """Regional means lie within a few tenths; on the whole 1-5 scale (the old default) every
    tile was nearly one colour. The default spans the means' range; --map-scale full keeps 1-5."""
    import matplotlib.pyplot as plt

    from tide_exp.humaneval.regions import plot_region_map

    means = pd.DataFrame(
        {
            "scenario": ["panic"] * 4 + ["depression"] * 4,
            "region": list(REGIONS) * 2,
            "mean": [3.35, 3.23, 3.18, 3.26, 3.32, 3.17, 3.10, 3.18],
        }
    )
    viridis = plt.get_cmap("viridis")
    figure = plot_region_map(means)  # panels: panic, depression (the study's order), colour bar
    panic, depression = _tile_colours(figure, 0), _tile_colours(figure, 1)
    assert panic["ME"] == viridis(1.0) and depression["TX"] == viridis(0.0)  # NE 3.35, S 3.10
    assert "3.10-3.35" in figure.axes[-1].get_ylabel()
    assert "NE 3.35 · MW 3.23 · S 3.18 · W 3.26" in figure.axes[0].get_title()
    plt.close(figure)
    figure = plot_region_map(means, "full")
    panic = _tile_colours(figure, 0)
    spread = max(abs(a - b) for a, b in zip(panic["ME"], panic["TX"], strict=True))
    assert spread < 0.05 and "whole 1-5 scale" in figure.axes[-1].get_ylabel()
    plt.close(figure)
