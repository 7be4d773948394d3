"""Model pair sets: the study's four by default, or the user's own (CLI or YAML)."""

from __future__ import annotations

from pathlib import Path

from tide_exp.files import read_yaml
from tide_exp.humaneval.errors import SurveyConfigError, SurveyInputError
from tide_exp.humaneval.runs import Run

# Study A's four pair sets (protocol.yaml human_eval.pair_sets) as conf/model slugs.
STUDY_PAIRS: list[tuple[str, str]] = [
    ("phi3_5_mini", "granite3_1_3b"),
    ("qwen2_5_3b", "qwen2_5_1_5b"),
    ("qwen2_5_0_5b", "r1_distill_qwen_1_5b"),
    ("llama3_2_3b", "llama3_2_1b"),
]


def parse_pair(text: str) -> tuple[str, str]:
    """Parse ``"A,B"`` (slugs, run labels or run dirs) into a pair."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or not all(parts):
        raise SurveyConfigError(
            f"--pair {text!r}: expected two models separated by a comma, e.g. "
            "--pair qwen2_5_3b,qwen2_5_1_5b"
        )
    return parts[0], parts[1]


def read_pairs_file(path: str | Path) -> list[tuple[str, str]]:
    """Read ``pairs: [[A, B], ...]`` (or a bare list) from a YAML file.

    Run dirs given relative are taken relative to the YAML file.
    """
    path = Path(path)
    data = read_yaml(path, "write `pairs: [[model_a, model_b], ...]`")
    entries = data.get("pairs") if isinstance(data, dict) else data
    if not isinstance(entries, list) or not entries:
        raise SurveyInputError(path, "no `pairs` list", "write `pairs: [[model_a, model_b], ...]`")
    pairs = []
    for i, entry in enumerate(entries):
        if not (isinstance(entry, list | tuple) and len(entry) == 2):
            raise SurveyInputError(
                path, f"pairs[{i}] is not a two-item list", "write each pair as [model_a, model_b]"
            )
        pairs.append(tuple(_relative(str(e), path.parent) for e in entry))
    return pairs


def _relative(entry: str, base: Path) -> str:
    candidate = base / entry
    return str(candidate) if ("/" in entry and candidate.is_dir()) else entry


def resolve_model(name: str, runs: list[Run]) -> Run:
    """Find the run a pair entry names: a run dir, a run label, or a unique model slug."""
    path = Path(name)
    if path.is_dir():
        for run in runs:
            if run.path.resolve() == path.resolve():
                return run
    for run in runs:
        if run.label == name:
            return run
    matches = [r for r in runs if r.slug == name]
    if len(matches) == 1:
        return matches[0]
    available = ", ".join(r.label for r in runs)
    if len(matches) > 1:
        raise SurveyConfigError(
            f"model {name!r} matches {len(matches)} runs; name one by its label or dir "
            f"(available: {available})"
        )
    raise SurveyConfigError(f"model {name!r} is in none of the runs given; available: {available}")


def resolve_pairs(pairs: list[tuple[str, str]] | None, runs: list[Run]) -> list[tuple[Run, Run]]:
    """Turn pair entries into run pairs; with none given, use the study pairs present."""
    if pairs:
        return [(resolve_model(a, runs), resolve_model(b, runs)) for a, b in pairs]
    slugs = {r.slug for r in runs}
    present = [p for p in STUDY_PAIRS if p[0] in slugs and p[1] in slugs]
    if not present:
        available = ", ".join(r.label for r in runs)
        raise SurveyConfigError(
            "none of the study's default pairs is among these runs "
            f"(available: {available}); pass --pair A,B (repeatable) or --pairs pairs.yaml"
        )
    return [(resolve_model(a, runs), resolve_model(b, runs)) for a, b in present]
