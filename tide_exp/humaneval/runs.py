"""Read tide_exp run outputs: find run dirs in a sweep, load their generations.jsonl."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from tide_exp.humaneval.errors import SurveyInputError
from tide_exp.reporting.sweep_summary import natural_key

GENERATIONS = "generations.jsonl"
REQUIRED_KEYS = ("phase", "example_id", "theme", "prompt", "reference", "prediction")


@dataclass
class Run:
    """One run directory: its model slug, display name, label and generations table."""

    path: Path
    slug: str
    display_name: str
    generations: pd.DataFrame
    label: str = ""

    def __post_init__(self) -> None:
        self.label = self.label or self.slug


def find_run_dirs(paths: list[str | Path]) -> list[Path]:
    """Return every run dir (a dir holding generations.jsonl) under the given paths.

    A path may be a run dir, a sweep dir (numbered job subdirs) or any folder above them.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise SurveyInputError(path, "no such file or directory", "pass a run or sweep dir")
        if path.is_file() and path.name == GENERATIONS:
            found.append(path.parent)
            continue
        hits = sorted(p.parent for p in path.rglob(GENERATIONS))
        if not hits:
            raise SurveyInputError(
                path, f"no {GENERATIONS} below this path", "pass the dir of a finished run or sweep"
            )
        found.extend(hits)
    # Numbered job dirs sort numerically (multirun/.../10 after 9).
    unique = {p.resolve(): p for p in found}
    return sorted(unique.values(), key=natural_key)


def read_yaml(path: Path, fix: str) -> Any:
    """Parse a YAML file; a missing file or bad YAML is a SurveyInputError with its line."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SurveyInputError(path, "no such file", "pass an existing YAML file") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SurveyInputError(
            path,
            "invalid YAML",
            fix,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None


def read_generations(path: str | Path) -> pd.DataFrame:
    """Load a generations.jsonl file, with a precise error for a malformed line.

    Raises:
        SurveyInputError: naming file, line and column of bad JSON or a missing key.
    """
    path = Path(path)
    rows = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SurveyInputError(
                    path,
                    f"invalid JSON ({exc.msg})",
                    "each line must be one JSON object; re-run generation or repair the line",
                    line=lineno,
                    column=exc.colno,
                ) from None
            if not isinstance(row, dict):
                raise SurveyInputError(
                    path, "line is not a JSON object", "write one object per line", lineno, 1
                )
            missing = [k for k in REQUIRED_KEYS if k not in row]
            if missing:
                raise SurveyInputError(
                    path,
                    f"missing key(s) {missing}",
                    f"each line needs {list(REQUIRED_KEYS)} (see docs/humaneval.md)",
                    line=lineno,
                    column=1,
                )
            row["_line"] = lineno
            rows.append(row)
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
    gens = read_generations(path / GENERATIONS)
    slug, display = None, None
    cfg_path = path / ".hydra" / "config.yaml"
    if cfg_path.exists():
        cfg = read_yaml(cfg_path, "restore the file Hydra wrote for this run") or {}
        model = cfg.get("model") or {}
        slug, display = model.get("name"), model.get("display_name")
    if not slug and "model" in gens:
        slug = str(gens["model"].dropna().iloc[0]) if gens["model"].notna().any() else None
    if not slug:
        raise SurveyInputError(
            path, "cannot tell which model this run is", "keep .hydra/config.yaml with model.name"
        )
    return Run(path=path, slug=str(slug), display_name=str(display or slug), generations=gens)


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
