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
