"""Figure 2-style plots: per scenario, kernel densities of ratings per model and condition."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from tide_exp.files.writers import save_figure
from tide_exp.humaneval.rating_tables import model_names, model_order  # noqa: E402
from tide_exp.humaneval.survey import scenario_order  # noqa: E402

STYLE = {
    "zs": ("tab:blue", "-", "zero-shot"),
    "ft": ("tab:orange", "-", "fine-tuned"),
    "reference": ("0.35", "--", "reference"),
}
SHORT = {"zs": "ZS", "ft": "FT", "reference": "ref"}
GRID = np.linspace(0.5, 5.5, 201)


def kde(values: np.ndarray, bandwidth: float | None = None) -> np.ndarray:
    """Gaussian kernel density on 0.5..5.5 (Scott's bandwidth, floored at 0.3 so discrete
    or constant ratings still give a smooth, finite curve)."""
    values = np.asarray(values, float)
    if bandwidth is None:
        sd = values.std(ddof=1) if len(values) > 1 else 0.0
        bandwidth = max(sd * len(values) ** (-1 / 5), 0.3)
    z = (GRID[:, None] - values[None, :]) / bandwidth
    return np.exp(-0.5 * z**2).sum(axis=1) / (len(values) * bandwidth * np.sqrt(2 * np.pi))


def _panel(ax, frame: pd.DataFrame, title: str) -> float:
    """Draw one model's densities; means as dotted lines and in the title. Returns max y."""
    top, means = 0.0, []
    for cond, (color, ls, label) in STYLE.items():
        values = frame.loc[frame["condition"] == cond, "rating"].to_numpy(float)
        if len(values) == 0:
            continue
        density, mean = kde(values), values.mean()
        ax.plot(GRID, density, color=color, ls=ls, lw=1.8, label=label)
        ax.axvline(mean, color=color, ls=":", lw=1.2)
        means.append(f"{SHORT[cond]} {mean:.2f}")
        top = max(top, density.max())
    ax.set_title(f"{title}\nmean: " + " · ".join(means), fontsize=9)
    ax.set_xlim(0.5, 5.5)
    ax.set_xticks(range(1, 6))
    ax.grid(alpha=0.3)
    return top


def plot_scenario(joined: pd.DataFrame, key: pd.DataFrame, scenario: str):
    """One figure for a scenario: a panel per model with ZS, FT and reference densities."""
    names = model_names(key)
    models = model_order(key)
    here = joined[joined["scenario"] == scenario]
    ncols = min(4, len(models))
    nrows = int(np.ceil(len(models) / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(3.6 * ncols, 2.8 * nrows), squeeze=False, sharex=True, sharey=True
    )
    top = 0.0
    for ax, model in zip(axes.flat, models, strict=False):
        items = key.loc[key["model"] == model, "item_id"].unique()
        mine = here[here["item_id"].isin(items)]
        mine = mine[(mine["model"] == model) | (mine["condition"] == "reference")]
        top = max(top, _panel(ax, mine, str(names.get(model, model))))
    axes.flat[0].set_ylim(0, top * 1.08 if top > 0 else 1)
    for ax in list(axes.flat)[len(models) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("density")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    handles.append(plt.Line2D([], [], color="0.3", ls=":"))
    labels.append("mean")
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False)
    fig.supxlabel("rating (1 = not at all, 5 = extremely empathetic)", y=0.06, fontsize=10)
    fig.suptitle(f"Ratings by model and condition: {scenario.replace('_', ' ')}", fontsize=12)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def plot_all(
    joined: pd.DataFrame,
    key: pd.DataFrame,
    out: str | Path,
    formats: tuple[str, ...] = ("png", "pdf"),
) -> list[Path]:
    """Write ``kde_<scenario>.<fmt>`` for every scenario; returns the paths."""
    out = Path(out)
    written = []
    for scenario in scenario_order(joined["scenario"].unique()):
        fig = plot_scenario(joined, key, scenario)
        for fmt in formats:
            written.append(save_figure(fig, out / f"kde_{scenario}.{fmt}"))
        plt.close(fig)
    return written
