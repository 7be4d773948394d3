"""Small data fixtures the data tests write: TIDE-like folders in every accepted shape, flat files."""

from __future__ import annotations

import json
from pathlib import Path

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "data"

# Two personas x two dialogues; every shape below holds exactly these.
DIALOGUES = {
    "1": [
        (
            "I keep seeing the crash when I close my eyes.",
            "That sounds exhausting. Would it help to talk about the nights?",
        ),
        (
            "Loud bangs make me jump.",
            "Your body is still on alert, and that makes sense after what happened.",
        ),
    ],
    "2": [
        (
            "I can't stop drinking after work.",
            "Thank you for telling me. What does the drinking help you with?",
        ),
        (
            "My sister died last spring.",
            "I am so sorry. Grief can come in waves, especially around anniversaries.",
        ),
    ],
}
METADATA = {
    "1": {"age": 34, "gender": "female", "region": "Midwest"},
    "2": {"age": 61, "gender": "male", "region": "South"},
}


def _dump(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def write_tide_folder(root: Path, shape: str) -> Path:
    """A TIDE-like folder in one of the accepted layouts and schemas."""
    for pid, pairs in DIALOGUES.items():
        if (
            shape == "sample"
        ):  # conversations/ + metadata/, dialogues list, user_input/reference_response
            _dump(root / "metadata" / f"{pid}_metadata.json", METADATA[pid])
            dialogues = [
                {"user_input": u, "reference_response": r, "theme": "panic"} for u, r in pairs
            ]
            _dump(
                root / "conversations" / f"{pid}_conversation.json",
                {"persona_id": pid, "dialogues": dialogues},
            )
        elif shape == "side_by_side":  # N_metadata.json beside N_conversations.json, person/chatbot
            _dump(root / f"{pid}_metadata.json", METADATA[pid])
            _dump(
                root / f"{pid}_conversations.json",
                {"conversations": [{"person": u, "chatbot": r} for u, r in pairs]},
            )
        elif (
            shape == "keyed_by_turn"
        ):  # a folder per persona; a bare object keyed by dialogue; client/assistant
            _dump(root / f"persona_{pid}" / "metadata.json", METADATA[pid])
            _dump(
                root / f"persona_{pid}" / "conversation.json",
                {
                    f"dialogue_{i + 1}": {"client": u, "assistant": r}
                    for i, (u, r) in enumerate(pairs)
                },
            )
        elif shape == "bare_list":  # a top-level list; user/response
            _dump(root / "metadata" / f"{pid}_metadata.json", METADATA[pid])
            _dump(
                root / "conversations" / f"{pid}_conversation_v1.json",
                [{"user": u, "response": r} for u, r in pairs],
            )
        elif (
            shape == "two_turns"
        ):  # each dialogue is two {role, content} turns, dialogues keyed by turn
            _dump(root / f"{pid}_metadata.json", METADATA[pid])
            turns = {
                f"turn_{i + 1}": [
                    {"role": "person", "content": u},
                    {"role": "chatbot", "content": r},
                ]
                for i, (u, r) in enumerate(pairs)
            }
            _dump(root / f"{pid}_conversation.json", {"persona_id": pid, "dialogues": turns})
        else:
            raise ValueError(shape)
    return root


TIDE_SHAPES = ["sample", "side_by_side", "keyed_by_turn", "bare_list", "two_turns"]

FLAT_ROWS = [
    {
        "example_id": f"e{i}",
        "persona_id": pid,
        "user_input": u,
        "reference_response": r,
        "theme": "panic",
        "age": METADATA[pid]["age"],
    }
    for i, (pid, (u, r)) in enumerate(
        (pid, pair) for pid, pairs in DIALOGUES.items() for pair in pairs
    )
]


def write_flat(path: Path, rows: list[dict] = FLAT_ROWS) -> Path:
    """``rows`` in the format the suffix names."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".jsonl":
        path.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
    elif path.suffix == ".json":
        _dump(path, rows)
    elif path.suffix in (".csv", ".tsv"):
        import csv

        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(
                handle, fieldnames=list(rows[0]), delimiter="\t" if path.suffix == ".tsv" else ","
            )
            writer.writeheader()
            writer.writerows(rows)
    elif path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), path)
    return path
