"""US Census regions: a rater's region (a region, a state or its abbreviation) and Figure 3.

Study A's Figure 3 maps the regional mean ratings per scenario; its analysis uses the four
Census regions (Northeast, Midwest, South, West). :func:`plot_region_map` draws them offline as
a tile map (one square per state and DC, coloured by its region's mean; matplotlib only, no
map tiles or shapes fetched), one panel per scenario.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from tide_exp.errors import check_choice  # noqa: E402
from tide_exp.humaneval.survey import scenario_order  # noqa: E402

REGIONS = ("Northeast", "Midwest", "South", "West")
SHORT = {"Northeast": "NE", "Midwest": "MW", "South": "S", "West": "W"}  # panel titles
# State (and DC): (name, Census region, tile row, tile column) of a 8 x 11 tile grid.
STATES = {
    "AK": ("Alaska", "West", 0, 0), "ME": ("Maine", "Northeast", 0, 10),
    "VT": ("Vermont", "Northeast", 1, 9), "NH": ("New Hampshire", "Northeast", 1, 10),
    "WA": ("Washington", "West", 2, 0), "ID": ("Idaho", "West", 2, 1),
    "MT": ("Montana", "West", 2, 2), "ND": ("North Dakota", "Midwest", 2, 3),
    "MN": ("Minnesota", "Midwest", 2, 4), "IL": ("Illinois", "Midwest", 2, 5),
    "WI": ("Wisconsin", "Midwest", 2, 6), "MI": ("Michigan", "Midwest", 2, 7),
    "NY": ("New York", "Northeast", 2, 8), "RI": ("Rhode Island", "Northeast", 2, 9),
    "MA": ("Massachusetts", "Northeast", 2, 10), "OR": ("Oregon", "West", 3, 0),
    "NV": ("Nevada", "West", 3, 1), "WY": ("Wyoming", "West", 3, 2),
    "SD": ("South Dakota", "Midwest", 3, 3), "IA": ("Iowa", "Midwest", 3, 4),
    "IN": ("Indiana", "Midwest", 3, 5), "OH": ("Ohio", "Midwest", 3, 6),
    "PA": ("Pennsylvania", "Northeast", 3, 7), "NJ": ("New Jersey", "Northeast", 3, 8),
    "CT": ("Connecticut", "Northeast", 3, 9), "CA": ("California", "West", 4, 0),
    "UT": ("Utah", "West", 4, 1), "CO": ("Colorado", "West", 4, 2),
    "NE": ("Nebraska", "Midwest", 4, 3), "MO": ("Missouri", "Midwest", 4, 4),
    "KY": ("Kentucky", "South", 4, 5), "WV": ("West Virginia", "South", 4, 6),
    "VA": ("Virginia", "South", 4, 7), "MD": ("Maryland", "South", 4, 8),
    "DE": ("Delaware", "South", 4, 9), "AZ": ("Arizona", "West", 5, 1),
    "NM": ("New Mexico", "West", 5, 2), "KS": ("Kansas", "Midwest", 5, 3),
    "AR": ("Arkansas", "South", 5, 4), "TN": ("Tennessee", "South", 5, 5),
    "NC": ("North Carolina", "South", 5, 6), "SC": ("South Carolina", "South", 5, 7),
    "DC": ("District of Columbia", "South", 5, 8), "OK": ("Oklahoma", "South", 6, 3),
    "LA": ("Louisiana", "South", 6, 4), "MS": ("Mississippi", "South", 6, 5),
    "AL": ("Alabama", "South", 6, 6), "GA": ("Georgia", "South", 6, 7),
    "HI": ("Hawaii", "West", 7, 0), "TX": ("Texas", "South", 7, 3),
    "FL": ("Florida", "South", 7, 8),
}  # fmt: skip
_BY_NAME = {name.lower(): region for name, region, _, _ in STATES.values()}


def region_of(value) -> str | None:
    """The Census region a rater's answer names: a region, a state name or abbreviation
    (``None`` for anything else, counted as Other/Unknown)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    for region in REGIONS:
        if text.lower() == region.lower():
            return region
    if text.upper() in STATES:
        return STATES[text.upper()][1]
    return _BY_NAME.get(text.lower())


def region_means(joined: pd.DataFrame) -> pd.DataFrame:
    """Mean rating (and counts) per scenario and Census region: Figure 3's numbers."""
    if "region" not in joined:
        return pd.DataFrame(columns=["scenario", "region", "mean", "n", "n_raters"])
    frame = joined.assign(census_region=joined["region"].map(region_of)).dropna(
        subset=["census_region"]
    )
    grouped = frame.groupby(["scenario", "census_region"])
    table = grouped["rating"].agg(mean="mean", n="size").reset_index()
    table["n_raters"] = grouped["rater_id"].nunique().to_numpy()
    return table.rename(columns={"census_region": "region"})


# Figure 3's colour scale (``tide humaneval analyze --map-scale``). data (ours): the range of
# the regional means, shared by every panel, so differences of a tenth of a point show (regional
# means of a 1-5 Likert item lie within a few tenths); full: the whole 1-5 scale, absolute but
# nearly one colour. The study's figure is not in our sources, so neither is its choice.
MAP_SCALES = ("data", "full")


def colour_range(means: pd.DataFrame, scale: str = "data") -> tuple[float, float]:
    """The rating range the colours span: the means' (``data``) or the Likert scale's (``full``)."""
    check_choice("--map-scale", scale, MAP_SCALES)
    values = pd.to_numeric(means["mean"], errors="coerce").dropna()
    if scale == "full" or values.empty:
        return 1.0, 5.0
    low, high = float(values.min()), float(values.max())
    return (low - 0.05, high + 0.05) if high - low < 1e-9 else (low, high)


def plot_region_map(means: pd.DataFrame, scale: str = "data"):
    """Figure 3: per scenario, a US tile map with each state coloured by its region's mean;
    ``scale`` is the colour range (:data:`MAP_SCALES`)."""
    scenarios = scenario_order(means["scenario"].unique())
    ncols = min(3, len(scenarios))
    nrows = -(-len(scenarios) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 3.6 * nrows), squeeze=False)
    low, high = colour_range(means, scale)
    norm, cmap = matplotlib.colors.Normalize(low, high), plt.get_cmap("viridis")
    for ax, scenario in zip(axes.flat, scenarios, strict=False):
        here = means[means["scenario"] == scenario].set_index("region")["mean"]
        for abbrev, (_, region, row, col) in STATES.items():
            mean = here.get(region)
            color = "0.85" if mean is None or pd.isna(mean) else cmap(norm(mean))
            ax.add_patch(plt.Rectangle((col, -row), 0.92, 0.92, color=color))
            dark = color != "0.85" and sum(color[:3]) < 1.2  # light text on dark tiles
            ax.text(col + 0.46, -row + 0.46, abbrev, ha="center", va="center", fontsize=6,
                    color="white" if dark else "black")  # fmt: skip
        shown = " · ".join(f"{SHORT[r]} {here[r]:.2f}" for r in REGIONS if r in here)
        ax.set_title(f"{scenario.replace('_', ' ')}\n{shown}", fontsize=9)
        ax.set_xlim(-0.2, 11.2)
        ax.set_ylim(-7.2, 1.2)
        ax.set_aspect("equal")
        ax.axis("off")
    for ax in list(axes.flat)[len(scenarios) :]:
        ax.set_visible(False)
    bar = fig.colorbar(matplotlib.cm.ScalarMappable(norm, cmap), ax=axes, shrink=0.6)
    span = "the whole 1-5 scale" if scale == "full" else f"the means' range, {low:.2f}-{high:.2f}"
    bar.set_label(f"mean rating of the raters in the region\n(colours span {span}; grey: no rater)")
    fig.suptitle("Mean rating by US Census region (Northeast, Midwest, South, West)")
    return fig
