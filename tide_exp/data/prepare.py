"""Study B's preparation of a Chinese counselling corpus: ``python -m tide_exp.data.prepare``.

```
python -m tide_exp.data.prepare data/raw/情绪.jsonl [more.jsonl | folder ...] --out data/study_b
```

Steps, in the protocol's order, each with its count in the report:

1. ``lines`` / ``blank`` / ``unreadable`` / ``records``: JSONL lines per category file (the
   category is the file name, e.g. 情绪); blank lines are dropped; a malformed line stops the
   run (``--skip-bad``: skipped, counted as ``unreadable`` and listed in ``skipped_rows.jsonl``);
2. ``not_conversational`` / ``conversations``: records without a user turn followed by an assistant turn are dropped
   (accepted shapes: ``messages`` [{role, content}], ``conversations`` [{from, value}],
   ``conversation`` [{human, assistant}], or one ``question``/``input``/``prompt`` with one
   ``answer``/``output``/``response``);
3. ``pairs`` / ``empty_pairs``: each (user, assistant) turn pair becomes a row; pairs with an
   empty side dropped;
4. ``duplicates``: exact duplicate pairs removed by SHA-256 of user + U+001F + assistant (first kept);
5. ``url`` / ``emoji`` / ``short_reply``: pairs with a URL or emoji in either side, then pairs
   whose reply has fewer than ``--min-reply-tokens`` tokens (see :mod:`tide_exp.data.zh_text`),
   removed (``--strip`` removes the URL or emoji instead, and keeps the pair; a side left
   empty then counts as ``short_reply``);
6. ``normalised_changed``: full-width to half-width, punctuation and spacing
   (:func:`zh_text.normalise`); pairs that became identical are removed
   (``duplicates_after_normalise``); ``output`` rows remain.

Output: ``pairs.jsonl`` (example_id = first 16 hex of the output pair's SHA-256, persona_id = the
source conversation, theme = category, user_input, reference_response) that
``conf/data/study_b_prepared.yaml`` reads, and ``prepare_report.json``. Same input, same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from tide_exp.data.chat_corpus import parse_turns
from tide_exp.data.readers import read_records
from tide_exp.data.records import RowChecker, write_skip_report
from tide_exp.data.zh_text import EMOJI, URL, count_tokens, normalise
from tide_exp.errors import DataError, TideError
from tide_exp.files import write_json, write_text

QUESTION_KEYS = ("question", "input", "prompt", "instruction", "query")
ANSWER_KEYS = ("answer", "output", "response", "reply")


def record_turns(record: dict) -> list[tuple[str, str]]:
    """The ``(role, text)`` turns of a record in any accepted shape; empty when not conversational."""
    turns, _ = parse_turns(record)
    if turns is not None:
        return turns
    conversation = record.get("conversation")
    if isinstance(conversation, list):  # Firefly style: [{"human": ..., "assistant": ...}]
        turns = []
        for turn in conversation:
            if not isinstance(turn, dict):
                return []
            for key, role in (("human", "user"), ("user", "user"), ("assistant", "assistant")):
                if isinstance(turn.get(key), str):
                    turns.append((role, turn[key].strip()))
        return turns
    question = next((record[k] for k in QUESTION_KEYS if isinstance(record.get(k), str)), None)
    answer = next((record[k] for k in ANSWER_KEYS if isinstance(record.get(k), str)), None)
    return (
        [("user", question.strip()), ("assistant", answer.strip())] if question and answer else []
    )


def pair_hash(user: str, reply: str) -> str:
    return hashlib.sha256(f"{user}\x1f{reply}".encode()).hexdigest()


def input_files(paths: list[str | Path]) -> list[Path]:
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(path.glob("*.jsonl"))
        elif path.is_file():
            files.append(path)
        else:
            raise DataError(f"{path}: no such file or folder; give JSONL files or folders of them.")
    if not files:
        raise DataError(f"no .jsonl files in {', '.join(map(str, paths))}.")
    return files


def prepare(
    paths: list[str | Path],
    out: str | Path,
    min_reply_tokens: int = 5,
    strip: bool = False,
    skip_bad: bool = False,
) -> dict[str, Any]:
    """Run the pipeline over ``paths`` and write ``pairs.jsonl`` and ``prepare_report.json`` into ``out``.

    Returns:
        The report: settings, input files with their SHA-256, and counts after every step.

    Raises:
        BadRecordError: A malformed line (unless ``skip_bad``), naming file and line.
    """
    checker = RowChecker("skip" if skip_bad else "raise", duplicates="keep", max_chars=None)
    counts: dict[str, int] = dict.fromkeys(
        [
            "lines",
            "blank",
            "unreadable",
            "records",
            "not_conversational",
            "conversations",
            "pairs",
            "empty_pairs",
            "duplicates",
            "url",
            "emoji",
            "short_reply",
            "normalised_changed",
            "duplicates_after_normalise",
            "output",
        ],
        0,
    )
    files = input_files(paths)
    pairs: list[dict[str, str]] = []
    for file in files:
        lines = file.read_bytes().removesuffix(b"\n").split(b"\n")
        before = len(checker.skipped)
        records = list(read_records(file, checker, "jsonl"))
        counts["lines"] += len(lines)
        counts["blank"] += sum(1 for line in lines if not line.strip())
        counts["unreadable"] += len(checker.skipped) - before
        counts["records"] += len(records)
        for line, record in records:
            turns = record_turns(record)
            found = [
                (turns[i - 1][1], turns[i][1])
                for i in range(1, len(turns))
                if (turns[i - 1][0], turns[i][0]) == ("user", "assistant")
            ]
            if not found:
                counts["not_conversational"] += 1
                continue
            counts["conversations"] += 1
            for user, reply in found:
                counts["pairs"] += 1
                if not user or not reply:
                    counts["empty_pairs"] += 1
                    continue
                pairs.append(
                    {
                        "persona_id": f"{file.stem}-{line:06d}",
                        "theme": file.stem,
                        "user_input": user,
                        "reference_response": reply,
                    }
                )
    after_pairs = len(pairs)
    seen: set[str] = set()
    unique = []
    for pair in pairs:
        digest = pair_hash(pair["user_input"], pair["reference_response"])
        if digest not in seen:
            seen.add(digest)
            unique.append(pair)
    counts["duplicates"] = after_pairs - len(unique)
    kept = unique
    for step, pattern in (("url", URL), ("emoji", EMOJI)):
        next_kept = []
        for pair in kept:
            hit = any(pattern.search(pair[k]) for k in ("user_input", "reference_response"))
            if hit:
                counts[step] += 1
                if not strip:
                    continue
                pair = {
                    **pair,
                    **{
                        k: pattern.sub("", pair[k]).strip()
                        for k in ("user_input", "reference_response")
                    },
                }
            next_kept.append(pair)
        kept = next_kept
    short = [
        p
        for p in kept
        if count_tokens(p["reference_response"]) < min_reply_tokens or not p["user_input"]
    ]
    counts["short_reply"] = len(short)
    kept = [
        p
        for p in kept
        if count_tokens(p["reference_response"]) >= min_reply_tokens and p["user_input"]
    ]
    rows, seen = [], set()
    for pair in kept:
        user, reply = normalise(pair["user_input"]), normalise(pair["reference_response"])
        counts["normalised_changed"] += (user, reply) != (
            pair["user_input"],
            pair["reference_response"],
        )
        digest = pair_hash(user, reply)
        if digest in seen:  # pairs that differed only in width, spacing or repeated marks
            counts["duplicates_after_normalise"] += 1
            continue
        seen.add(digest)
        rows.append(
            {"example_id": digest[:16], **pair, "user_input": user, "reference_response": reply}
        )
    counts["output"] = len(rows)
    report = {
        "settings": {"min_reply_tokens": min_reply_tokens, "strip": strip, "skip_bad": skip_bad},
        "inputs": [
            {"file": f.name, "sha256": hashlib.sha256(f.read_bytes()).hexdigest()} for f in files
        ],
        "counts": counts,
        "duplicate_share": round(counts["duplicates"] / after_pairs, 4) if after_pairs else 0.0,
        "per_category": {f.stem: sum(r["theme"] == f.stem for r in rows) for f in files},
    }
    out = Path(out)
    write_text(out / "pairs.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    write_json(out / "prepare_report.json", report)
    if checker.skipped:
        write_skip_report(out / "skipped_rows.jsonl", checker.skipped)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tide_exp.data.prepare", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "inputs",
        nargs="+",
        help="JSONL files (one per category, e.g. 情绪.jsonl) or folders of them",
    )
    parser.add_argument(
        "--out",
        required=True,
        type=Path,
        help="output folder for pairs.jsonl and prepare_report.json",
    )
    parser.add_argument(
        "--min-reply-tokens", type=int, default=5, help="drop replies with fewer tokens (default 5)"
    )
    parser.add_argument(
        "--strip", action="store_true", help="remove URLs and emoji instead of dropping the pair"
    )
    parser.add_argument(
        "--skip-bad",
        action="store_true",
        help="skip malformed lines and list them in skipped_rows.jsonl",
    )
    args = parser.parse_args(argv)
    try:
        report = prepare(args.inputs, args.out, args.min_reply_tokens, args.strip, args.skip_bad)
    except TideError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    width = max(map(len, report["counts"]))
    for step, count in report["counts"].items():
        print(f"{step:<{width}}  {count}")
    print(
        f"duplicates removed: {report['duplicate_share']:.1%} of pairs; wrote {args.out / 'pairs.jsonl'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
