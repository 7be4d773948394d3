"""Study B's preparation of a Chinese counselling corpus (the library under ``tide prepare``).

:func:`prepare` runs one function per step, in this order; each step's counts go into the report
under its name:

1. ``read``: JSONL lines per category file (the category is the file name, e.g. 情绪); blank
   lines dropped; a malformed line stops the run (``--skip-bad``: skipped, counted as
   ``unreadable`` and listed in ``skipped_rows.jsonl``);
2. ``conversations``: records without a user turn followed by an assistant turn are dropped
   (shapes: ``messages`` [{role, content}] (``system`` turns kept as the dialogue's system
   prompt), ``conversations`` [{from, value}], ``conversation`` [{human, assistant}], or one
   ``question``/``input``/``prompt`` with one ``answer``/``output``/``response``);
3. ``dedup``: whole dialogues hashed with SHA-256 (system prompt and every turn; the study's
   "dialogues were hashed using SHA-256"), repeats removed, first kept;
4. ``clean``: turns with a URL or emoji: the exchange (the user turn and its reply) is removed
   from the dialogue (``--strip``: the URL or emoji is removed from the turn instead); a
   dialogue left without a user turn followed by a reply is dropped;
5. ``normalise``: full-width to half-width, punctuation and spacing (:func:`zh_text.normalise`);
6. ``anonymise``: names, places, phone numbers, e-mails and ID numbers replaced by placeholders
   (:mod:`tide_exp.data.anonymise`, hits per rule); a name introduced in the dialogue (我叫王小明)
   is replaced in every turn of it, given name included (小明);
7. ``dedup_after_cleaning``: dialogues that became identical removed;
8. ``pairs``: every assistant turn after a non-empty user turn whose reply has at least
   ``--min-reply-tokens`` tokens (:mod:`tide_exp.data.zh_text`) becomes one row, with all earlier
   turns as its context (a short reply stays in later rows' context); a row identical to an
   earlier one (two dialogues that open alike) is kept once; ``--dedup-pairs``: a (message,
   reply) pair seen before, in any context, is dropped too.

Output: ``pairs.jsonl``, one row per target reply in the ``messages`` shape (system prompt,
earlier turns, message, reply; id = first 16 hex of the row's SHA-256, persona_id = the source
dialogue, category) that ``conf/data/study_b_prepared.yaml`` reads with the chat-corpus loader
(``targets: last``), and ``prepare_report.json``. Same input, same bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tide_exp.data.anonymise import RULES, anonymise, introduced_names
from tide_exp.data.chat_corpus import STYLES_KEYS, parse_turns, split_system
from tide_exp.data.readers import read_records
from tide_exp.data.records import RowChecker, write_skip_report
from tide_exp.data.zh_text import EMOJI, URL, count_tokens, normalise
from tide_exp.errors import DataError
from tide_exp.files.readers import read_bytes
from tide_exp.files.writers import write_json, write_jsonl

QUESTION_KEYS = ("question", "input", "prompt", "instruction", "query")
ANSWER_KEYS = ("answer", "output", "response", "reply")

Turns = tuple[tuple[str, str], ...]
Counts = dict[str, int]


@dataclasses.dataclass(frozen=True)
class Dialogue:
    """One source conversation: ``source`` (``{category}-{line:06d}``), category, system prompt, turns."""

    source: str
    theme: str
    system: str
    turns: Turns

    def digest(self) -> str:
        """SHA-256 of the whole dialogue (system prompt and every turn, roles included)."""
        text = json.dumps([self.system, self.turns], ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    def map_text(self, change: Callable[[str], str]) -> Dialogue:
        """The dialogue with ``change`` applied to its system prompt and every turn."""
        turns = tuple((role, change(text)) for role, text in self.turns)
        return dataclasses.replace(self, system=change(self.system), turns=turns)


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
            found = sorted(path.glob("*.jsonl"))
            odd = next((f for f in found if not f.is_file()), None)  # a folder or broken link
            if odd is not None:
                raise DataError(
                    f"{odd}: not a readable file (a folder or a broken link); move or rename it."
                )
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise DataError(f"{path}: no such file or folder; give JSONL files or folders of them.")
    if not files:
        raise DataError(f"no .jsonl files in {', '.join(map(str, paths))}.")
    return files


def _has_pair(turns: Turns | list[tuple[str, str]]) -> bool:
    """Whether some user turn is directly followed by an assistant turn."""
    return any(
        (a[0], b[0]) == ("user", "assistant") for a, b in zip(turns, turns[1:], strict=False)
    )


def read_step(
    files: list[Path], checker: RowChecker
) -> tuple[list[tuple[Path, int, dict]], Counts]:
    """Step 1: the records of every file, with file and line."""
    counts = dict.fromkeys(("lines", "blank", "unreadable", "records"), 0)
    records = []
    for file in files:
        lines = read_bytes(file).removesuffix(b"\n").split(b"\n")
        before = len(checker.skipped)
        found = [(file, line, record) for line, record in read_records(file, checker, "jsonl")]
        counts["lines"] += len(lines)
        counts["blank"] += sum(1 for line in lines if not line.strip())
        counts["unreadable"] += len(checker.skipped) - before
        counts["records"] += len(found)
        records += found
    return records, counts


def conversation_step(records: list[tuple[Path, int, dict]]) -> tuple[list[Dialogue], Counts]:
    """Step 2: records with at least one user turn followed by an assistant turn, as dialogues."""
    dialogues = []
    for file, line, record in records:
        system, turns = split_system(record_turns(record))
        if _has_pair(turns):
            dialogues.append(Dialogue(f"{file.stem}-{line:06d}", file.stem, system, tuple(turns)))
    return dialogues, {
        "not_conversational": len(records) - len(dialogues),
        "conversations": len(dialogues),
    }


def dedup_step(dialogues: list[Dialogue]) -> tuple[list[Dialogue], Counts]:
    """Steps 3 and 7: whole dialogues seen before (same SHA-256) removed, the first kept."""
    seen: set[str] = set()
    unique = []
    for dialogue in dialogues:
        digest = dialogue.digest()
        if digest not in seen:
            seen.add(digest)
            unique.append(dialogue)
    return unique, {"duplicates": len(dialogues) - len(unique), "dialogues": len(unique)}


def _exchange(turns: Turns, index: int) -> set[int]:
    """Indices of the exchange holding turn ``index``: a user turn and the reply after it."""
    if turns[index][0] == "user":
        partner = index + 1
        return {index} | (
            {partner} if partner < len(turns) and turns[partner][0] != "user" else set()
        )
    return {index} | ({index - 1} if index > 0 and turns[index - 1][0] == "user" else set())


def clean_step(dialogues: list[Dialogue], strip: bool) -> tuple[list[Dialogue], Counts]:
    """Step 4: URLs and emoji: the exchange removed, or (``strip``) the match removed from the turn."""
    counts = dict.fromkeys(("url", "emoji", "exchanges_removed", "left_without_pairs"), 0)
    kept = []
    for dialogue in dialogues:
        drop: set[int] = set()
        turns = list(dialogue.turns)
        for index, (role, text) in enumerate(turns):
            for name, pattern in (("url", URL), ("emoji", EMOJI)):
                if pattern.search(text):
                    counts[name] += 1
                    if strip:
                        text = pattern.sub("", text).strip()
                    else:
                        drop |= _exchange(dialogue.turns, index)
            turns[index] = (role, text)
        counts["exchanges_removed"] += sum(1 for i in drop if dialogue.turns[i][0] == "user")
        left = tuple(t for i, t in enumerate(turns) if i not in drop)
        if _has_pair(left):
            kept.append(dataclasses.replace(dialogue, turns=left))
        else:
            counts["left_without_pairs"] += 1
    return kept, counts


def _turns_changed(before: list[Dialogue], after: list[Dialogue]) -> int:
    """How many turns a text step changed (the dialogues aligned one to one)."""
    return sum(
        a != b
        for old, new in zip(before, after, strict=True)
        for a, b in zip(old.turns, new.turns, strict=True)
    )


def normalise_step(dialogues: list[Dialogue]) -> tuple[list[Dialogue], Counts]:
    """Step 5: :func:`zh_text.normalise` on every turn; counts the turns it changed."""
    normalised = [d.map_text(normalise) for d in dialogues]
    return normalised, {"turns_changed": _turns_changed(dialogues, normalised)}


def anonymise_step(dialogues: list[Dialogue]) -> tuple[list[Dialogue], Counts]:
    """Step 6: :func:`anonymise.anonymise` on the system prompt and every turn; hits per rule."""
    hits: Counter[str] = Counter()
    anonymised = []
    for dialogue in dialogues:
        names = introduced_names([dialogue.system, *(text for _, text in dialogue.turns)])
        anonymised.append(dialogue.map_text(lambda text, n=names: anonymise(text, hits, n)))
    rules = [rule for rule, _, _ in RULES] + ["name_introduced"]
    changed = _turns_changed(dialogues, anonymised)
    return anonymised, {"turns_changed": changed, **{rule: hits[rule] for rule in rules}}


def pairs_step(
    dialogues: list[Dialogue], min_reply_tokens: int, dedup_pairs: bool
) -> tuple[list[dict[str, Any]], Counts]:
    """Step 8: one row per learnable reply, with every earlier turn as its context."""
    counts = dict.fromkeys(
        ("pairs", "empty", "short_reply", "duplicate_pairs", "duplicate_rows", "output"), 0
    )
    rows, seen, row_ids = [], set(), set()
    for dialogue in dialogues:
        turns = dialogue.turns
        for index in range(1, len(turns)):
            (prev_role, user), (role, reply) = turns[index - 1], turns[index]
            if (prev_role, role) != ("user", "assistant"):
                continue
            counts["pairs"] += 1
            if not user or not reply:
                counts["empty"] += 1
            elif count_tokens(reply) < min_reply_tokens:
                counts["short_reply"] += 1
            elif dedup_pairs and pair_hash(user, reply) in seen:
                counts["duplicate_pairs"] += 1
            else:
                seen.add(pair_hash(user, reply))
                row = _row(dialogue, index)
                if row["id"] in row_ids:  # two dialogues open alike: the same row, kept once
                    counts["duplicate_rows"] += 1
                    continue
                row_ids.add(row["id"])
                rows.append(row)
    counts["output"] = len(rows)
    return rows, counts


def _row(dialogue: Dialogue, index: int) -> dict[str, Any]:
    """The row of the reply at ``turns[index]``: the conversation up to it, in ``messages`` shape."""
    system = [{"role": "system", "content": dialogue.system}] if dialogue.system else []
    turns = [{"role": r, "content": t} for r, t in dialogue.turns[: index + 1] if t]
    messages = system + turns
    digest = hashlib.sha256(json.dumps(messages, ensure_ascii=False).encode()).hexdigest()
    return {
        "id": digest[:16],
        "persona_id": dialogue.source,
        "category": dialogue.theme,
        "messages": messages,
    }


def prepare(
    paths: list[str | Path],
    out: str | Path,
    min_reply_tokens: int = 5,
    strip: bool = False,
    skip_bad: bool = False,
    dedup_pairs: bool = False,
) -> dict[str, Any]:
    """Run the steps over ``paths`` and write ``pairs.jsonl`` and ``prepare_report.json`` into ``out``.

    Returns:
        The report: settings, input files with their SHA-256, and each step's counts.

    Raises:
        BadRecordError: A malformed line (unless ``skip_bad``), naming file and line.
    """
    checker = RowChecker("skip" if skip_bad else "raise", duplicates="keep", max_chars=None)
    files = input_files(paths)
    steps: dict[str, Counts] = {}
    records, steps["read"] = read_step(files, checker)
    dialogues, steps["conversations"] = conversation_step(records)
    dialogues, steps["dedup"] = dedup_step(dialogues)
    dialogues, steps["clean"] = clean_step(dialogues, strip)
    dialogues, steps["normalise"] = normalise_step(dialogues)
    dialogues, steps["anonymise"] = anonymise_step(dialogues)
    dialogues, steps["dedup_after_cleaning"] = dedup_step(dialogues)
    rows, steps["pairs"] = pairs_step(dialogues, min_reply_tokens, dedup_pairs)
    if not rows:  # nothing to train on: say why instead of writing an empty corpus
        where = ", ".join(str(f) for f in files)
        unreadable = next(  # a chat list whose turns cannot be read (content as a list of parts)
            (
                f"{file}:{line}: {problem}"
                for file, line, record in records
                if any(key in record for key in STYLES_KEYS)
                for problem in [parse_turns(record)[1]]
                if problem
            ),
            None,
        )
        if unreadable and not steps["conversations"]["conversations"]:
            raise DataError(
                f"{where}: no (message, reply) pair to write: the chat records' turns cannot be "
                f"read ({unreadable}); give each turn's content as text (a string)."
            )
        raise DataError(
            f"{where}: no (message, reply) pair to write "
            f"({steps['read'].get('records', 0)} records read, "
            f"{steps['conversations']['conversations']} conversations with an assistant reply, "
            f"replies shorter than {min_reply_tokens} tokens dropped); check that the file holds "
            "conversations with assistant turns (docs/data.md, Study B preparation)"
        )
    conversations = steps["conversations"]["conversations"]
    report = {
        "settings": {
            "min_reply_tokens": min_reply_tokens,
            "strip": strip,
            "skip_bad": skip_bad,
            "dedup_pairs": dedup_pairs,
        },
        "inputs": [
            {"file": f.name, "sha256": hashlib.sha256(read_bytes(f)).hexdigest()} for f in files
        ],
        "steps": steps,
        "duplicate_share": round(steps["dedup"]["duplicates"] / conversations, 4)
        if conversations
        else 0.0,
        "per_category": {f.stem: sum(r["category"] == f.stem for r in rows) for f in files},
    }
    write_outputs(Path(out), rows, report, checker)
    return report


def write_outputs(
    out: Path, rows: list[dict[str, Any]], report: dict[str, Any], checker: RowChecker
) -> None:
    """``pairs.jsonl``, ``prepare_report.json`` and, for skipped lines, ``skipped_rows.jsonl``."""
    write_jsonl(out / "pairs.jsonl", rows)
    write_json(out / "prepare_report.json", report)
    write_skip_report(out / "skipped_rows.jsonl", checker.skipped)  # none: a stale one goes
