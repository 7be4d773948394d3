"""Read tide_exp run outputs: find run dirs in a sweep, load their generations.jsonl."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tide_exp.files.readers import read_json
from tide_exp.humaneval.errors import SurveyInputError
from tide_exp.runs.finding import iter_runs
from tide_exp.runs.folder import RunFolder
from tide_exp.runs.names import GENERATIONS
from tide_exp.runs.results import generation_lines

REQUIRED_KEYS = ("phase", "example_id", "theme", "prompt", "reference", "prediction")


@dataclass
class Run:
    """One run directory: its model slug, display name, label and generations table.

    ``themes`` are the scenarios its held-out split holds (``split_manifest.json``), ``None``
    for a run whose manifest does not record them.
    """

    path: Path
    slug: str
    display_name: str
    generations: pd.DataFrame
    label: str = ""
    themes: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        self.label = self.label or self.slug


def find_run_dirs(paths: list[str | Path]) -> list[Path]:
    """Return every run dir (a dir holding generations.jsonl) under the given paths.

    A path may be a run dir, a sweep dir (numbered job subdirs) or any folder above them;
    numbered job dirs come in number order (multirun/.../10 after 9).
    """
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise SurveyInputError(path, "no such file or directory", "pass a run or sweep dir")
        if not any(iter_runs([path], marker=GENERATIONS)):
            raise SurveyInputError(
                path, f"no {GENERATIONS} below this path", "pass the dir of a finished run or sweep"
            )
    return [run.path for run in iter_runs(paths, marker=GENERATIONS)]


def read_generations(path: str | Path) -> pd.DataFrame:
    """A generations.jsonl file as a table (read by :func:`tide_exp.runs.folder.generation_lines`,
    the one reader of the format), each row with its line number.

    Raises:
        FileError: naming file and line of bad JSON or a missing key.
        SurveyInputError: the file has no rows.
    """
    path = Path(path)
    rows = [{**row, "_line": line} for line, row in generation_lines(path, REQUIRED_KEYS)]
    if not rows:
        raise SurveyInputError(path, "file is empty", "point at a run that finished generation")
    frame = pd.DataFrame(rows)
    frame["example_id"] = frame["example_id"].astype(str)
    frame["theme"] = frame["theme"].astype(str)
    for col in ("prompt", "reference", "prediction"):
        frame[col] = frame[col].fillna("").astype(str)
    return frame


def read_run(path: str | Path) -> Run:
    """Load one run dir: model names from .hydra/config.yaml (or the generations rows)."""
    path = Path(path)
    folder = RunFolder(path)
    gens = read_generations(folder.generations_path)
    slug, display = None, None
    if folder.config_path.exists():
        cfg = folder.read_config() or {}
        model = cfg.get("model") or {}
        slug, display = model.get("name"), model.get("display_name")
    if not slug and "model" in gens:
        slug = str(gens["model"].dropna().iloc[0]) if gens["model"].notna().any() else None
    if not slug:
        raise SurveyInputError(
            path, "cannot tell which model this run is", "keep .hydra/config.yaml with model.name"
        )
    return Run(
        path=path,
        slug=str(slug),
        display_name=str(display or slug),
        generations=gens,
        themes=held_out_themes(folder),
    )


def held_out_themes(folder: RunFolder) -> tuple[str, ...] | None:
    """The themes of a run's held-out split, from its split manifest (``None``: not recorded)."""
    path = folder.split_manifest_path
    if not path.is_file():
        return None
    themes = read_json(path, "re-run the job to rewrite its split manifest").get("themes")
    return tuple(themes["eval"]) if isinstance(themes, dict) and "eval" in themes else None


def load_runs(paths: list[str | Path]) -> list[Run]:
    """Load every run under ``paths``; runs sharing a slug get a ``slug@dir`` label."""
    runs = [read_run(p) for p in find_run_dirs(paths)]
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.slug] = counts.get(run.slug, 0) + 1
    for run in runs:
        if counts[run.slug] > 1:
            run.label = f"{run.slug}@{_short(run.path)}"
    return runs


def _short(path: Path) -> str:
    # Last two parts (e.g. "12-00-00/3") tell apart jobs of one or several sweeps.
    return "/".join(path.parts[-2:])


def phase_rows(run: Run, phase: str) -> pd.DataFrame:
    """Rows of one phase, one per example_id (the last line wins).

    For "ft" a run without final rows falls back to its last validation epoch.
    """
    gens = run.generations
    rows = gens[gens["phase"] == phase]
    if rows.empty and phase == "ft" and (gens["phase"] == "val").any():
        val = gens[gens["phase"] == "val"]
        last = val["epoch"].max() if "epoch" in val and val["epoch"].notna().any() else None
        rows = val if last is None else val[val["epoch"] == last]
    return rows.drop_duplicates("example_id", keep="last").set_index("example_id")
