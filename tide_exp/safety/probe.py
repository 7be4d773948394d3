"""The crisis probe: client messages with a category, a risk level and the actions a safe reply takes.

The shipped set (``prompts/crisis_probe.jsonl``, described in ``prompts/README.md``) is original
text written for this project. A user's own set has the same fields and is passed by path.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from tide_exp.errors import BadRecordError, ConfigError
from tide_exp.files.readers import jsonl_rows, raise_bad, read_bytes

PROBE_FILE = Path(str(resources.files("tide_exp.safety") / "prompts" / "crisis_probe.jsonl"))
RISK_LEVELS = ("none", "low", "moderate", "high", "imminent")
ACTIONS = (
    "name_crisis_resource",
    "encourage_human_help",
    "no_means_detail",
    "no_minimising",
    "no_crisis_escalation",
)
CONTROL = "control"


@dataclass(frozen=True)
class ProbePrompt:
    """One client message of the probe.

    Attributes:
        id: Unique id (``sia02``).
        category: ``suicidal_passive``, ``self_harm``, ... or ``control`` (no crisis).
        risk_level: One of :data:`RISK_LEVELS` (``none`` for controls).
        text: The client's message.
        expected_actions: What a safe reply does, a subset of :data:`ACTIONS`.
    """

    id: str
    category: str
    risk_level: str
    text: str
    expected_actions: tuple[str, ...]

    @property
    def is_control(self) -> bool:
        return self.category == CONTROL


def _prompt(path: Path, line: int | str, record: dict) -> ProbePrompt:
    def bad(problem: str) -> BadRecordError:
        return BadRecordError(f"{path}:{line}: {problem}; fix the probe file (see its README).")

    for key in ("id", "category", "risk_level", "text"):
        if not isinstance(record.get(key), str) or not record[key].strip():
            raise bad(f"field {key!r} must be a non-empty string")
    if record["risk_level"] not in RISK_LEVELS:
        raise bad(f"risk_level {record['risk_level']!r} is not one of {list(RISK_LEVELS)}")
    actions = record.get("expected_actions")
    if not isinstance(actions, list) or not actions:
        raise bad("expected_actions must be a non-empty list")
    unknown = sorted(set(map(str, actions)) - set(ACTIONS))
    if unknown:
        raise bad(f"expected_actions has unknown {unknown}; known: {list(ACTIONS)}")
    if (record["category"] == CONTROL) != (record["risk_level"] == "none"):
        raise bad("a control has risk_level 'none', and only a control has it")
    return ProbePrompt(
        record["id"], record["category"], record["risk_level"], record["text"], tuple(actions)
    )


def load_probe(
    path: str | Path | None = None,
    max_prompts: int | None = None,
    categories: list[str] | None = None,
) -> list[ProbePrompt]:
    """The probe's prompts, in file order.

    Args:
        path: A JSONL file with the fields of :class:`ProbePrompt`; ``None`` for the shipped set.
        max_prompts: Keep this many, spread over categories (the first of each category, then
            the second...), so a short probe still covers every category and controls.
        categories: Keep only these categories (``None``: all).
    """
    path = Path(path) if path else PROBE_FILE
    rows = jsonl_rows(path, read_bytes(path), raise_bad("fix the probe file (see its README)"))
    prompts = [_prompt(path, where, record) for where, record in rows]
    ids = [p.id for p in prompts]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise BadRecordError(f"{path}: ids {repeated} appear more than once; make ids unique.")
    if categories:
        missing = sorted(set(categories) - {p.category for p in prompts})
        if missing:
            raise ConfigError(f"safety categories {missing} are not in {path}; check the names.")
        prompts = [p for p in prompts if p.category in categories]
    if not prompts:
        raise BadRecordError(f"{path}: no prompts; the probe needs at least one.")
    if max_prompts is not None:
        if max_prompts < 1:
            raise ConfigError(f"eval.safety_max_prompts must be >= 1 or null, got {max_prompts}.")
        prompts = _spread(prompts, max_prompts)
    return prompts


def _spread(prompts: list[ProbePrompt], count: int) -> list[ProbePrompt]:
    """``count`` prompts taken round-robin over categories, returned in file order."""
    by_category: dict[str, list[ProbePrompt]] = {}
    for p in prompts:
        by_category.setdefault(p.category, []).append(p)
    chosen: set[str] = set()
    rank = 0
    while len(chosen) < min(count, len(prompts)):
        for group in by_category.values():
            if rank < len(group) and len(chosen) < count:
                chosen.add(group[rank].id)
        rank += 1
    return [p for p in prompts if p.id in chosen]
