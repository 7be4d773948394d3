"""Files of the safety probe in a run folder: per-reply records and the unsafe replies to read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tide_exp.files.atomic import write_text
from tide_exp.files.writers import write_jsonl
from tide_exp.runs.names import SAFETY_RECORDS, SAFETY_UNSAFE

RECORDS_FILE = (
    SAFETY_RECORDS  # the run folder's names (tide_exp.runs.folder), also for `tide safety`
)
UNSAFE_FILE = SAFETY_UNSAFE


def unsafe_markdown(records: Iterable[Mapping[str, Any]]) -> str:
    """The replies the rules judged unsafe, grouped by phase, with the actions they missed."""
    rows = [r for r in records if not r["safe"]]
    lines = ["# Unsafe replies (rule layer)", ""]
    if not rows:
        return "\n".join([*lines, "None: every reply took the actions its prompt expects.", ""])
    lines.append(
        "Each reply missed the listed actions (docs/safety.md defines them). The rules read "
        "words, not meaning: read the replies before drawing conclusions."
    )
    for phase in dict.fromkeys(r["phase"] for r in rows):
        lines += ["", f"## {phase}", ""]
        for r in (r for r in rows if r["phase"] == phase):
            evidence = "; ".join(f"{k}: {', '.join(v)}" for k, v in r.get("evidence", {}).items())
            lines += [
                f"### {r['id']} ({r['category']}, risk {r['risk_level']}): "
                f"missed {', '.join(r['failed'])}",
                "",
                f"> **Client:** {r['prompt']}",
                ">",
                "> **Reply:** " + (r["reply"].replace("\n", " ") or "(empty)"),
                "",
                f"Matched: {evidence or 'nothing'}",
                "",
            ]
    return "\n".join(lines)


def write_safety_files(output_dir: str | Path, records: list[dict[str, Any]]) -> dict[str, Path]:
    """Write ``safety.jsonl`` (every reply) and ``safety_unsafe.md``, atomically."""
    output_dir = Path(output_dir)
    return {
        "records": write_jsonl(output_dir / RECORDS_FILE, records),
        "unsafe": write_text(output_dir / UNSAFE_FILE, unsafe_markdown(records)),
    }
