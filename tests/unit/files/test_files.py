"""Atomic writers leave the old file or the whole new one; readers name file and line."""

from __future__ import annotations

import errno
import json
import math
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests import disk_faults
from tide_exp.errors import FileError, TideError
from tide_exp.files import atomic, checks, readers, writers


def read_jsonl(path: Path) -> list[dict]:
    """Every object of a JSON Lines file, stopping at the first bad line: the shipped readers'
    composition (``jsonl_rows`` with ``raise_bad``), as the run folder's generations reader uses it."""
    return [
        row
        for _, row in readers.jsonl_rows(
            path, readers.read_bytes(path), readers.raise_bad("make each line one JSON object")
        )
    ]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_interrupted_replace_keeps_old_target_and_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "results.json"
    writers.write_json(target, {"old": 1})

    def crash(*_):
        raise KeyboardInterrupt  # killed between write and rename

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        writers.write_json(target, {"new": 2})
    assert json.loads(target.read_text()) == {"old": 1}
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES])
def test_disk_full_or_denied_is_one_sentence_and_target_untouched(tmp_path, code):
    target = tmp_path / "out.txt"
    atomic.write_text(target, "old")

    def fail(tmp: Path) -> None:
        tmp.write_text("half")
        raise OSError(code, os.strerror(code))

    with pytest.raises(FileError, match=f"{target}: cannot be written .*Fix:"):
        atomic.write_atomic(target, fail)
    assert target.read_text() == "old" and _leftovers(tmp_path) == []


def test_temp_file_lives_beside_the_target(tmp_path, monkeypatch):
    seen = []
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (seen.append(Path(a)), real(a, b)))
    atomic.write_text(tmp_path / "sub" / "a.txt", "x")
    assert seen[0].parent == tmp_path / "sub"


def test_nan_and_inf_are_written_as_null(tmp_path):
    data = {"mean": math.nan, "values": [1.0, math.inf, -math.inf], "nested": {"x": math.nan}}
    path = writers.write_json(tmp_path / "r.json", data)
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"mean": None, "values": [1.0, None, None], "nested": {"x": None}}
    writers.write_jsonl(tmp_path / "g.jsonl", [{"s": math.nan}])
    assert json.loads((tmp_path / "g.jsonl").read_text()) == {"s": None}


JSON_VALUES = st.recursive(
    st.floats() | st.integers() | st.text() | st.booleans() | st.none(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
)


@given(JSON_VALUES)
def test_any_json_value_is_written_as_strict_json(value):
    text = writers.dumps(value)
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard constant {c}"))


def test_refuses_directory_symlink_and_device_targets(tmp_path):
    (tmp_path / "dir").mkdir()
    with pytest.raises(FileError, match="dir: is a folder, not a regular file"):
        atomic.write_text(tmp_path / "dir", "x")
    (tmp_path / "real").write_text("keep")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(FileError, match="link: is a symbolic link"):
        writers.write_json(tmp_path / "link", {})
    assert (tmp_path / "real").read_text() == "keep"
    if Path("/dev/full").exists():
        with pytest.raises(FileError, match="/dev/full: is a device or special file"):
            atomic.write_text("/dev/full", "x")


def test_write_csv_from_rows_and_frame(tmp_path):
    import pandas as pd

    writers.write_csv(tmp_path / "a.csv", [{"a": 1, "b": "x,y"}])
    writers.write_csv(tmp_path / "b.csv", pd.DataFrame({"a": [1], "b": ["x,y"]}))
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text() == 'a,b\n1,"x,y"\n'


def test_jsonl_reader_names_file_and_line(tmp_path):
    path = tmp_path / "g.jsonl"
    path.write_text('{"a": 1}\n\n{"a": oops}\n')
    with pytest.raises(FileError, match=rf"{path}:3: malformed JSON at column 7"):
        read_jsonl(path)
    path.write_text('{"a": 1}\n[1]\n')
    with pytest.raises(FileError, match=rf"{path}:2: expected a JSON object, got list"):
        read_jsonl(path)


def test_invalid_utf8_is_named_with_its_line(tmp_path):
    path = tmp_path / "g.jsonl"
    path.write_bytes(b'{"a": 1}\n{"a": "\xff"}\n')
    with pytest.raises(
        FileError, match=rf"{path}:2: not valid UTF-8 at line 2 \(byte 16 of the file\)"
    ):
        read_jsonl(path)
    skipped = []
    rows = list(
        readers.csv_rows(
            path.with_suffix(".csv"), b"a,b\n1,\xff\n2,3\n", lambda *a: skipped.append(a)
        )
    )
    assert rows == [(3, {"a": "2", "b": "3"})] and skipped[0][1] == 2


def test_csv_rows_keep_line_numbers_and_report_field_counts():
    bad = []
    raw = b'\xef\xbb\xbfa,b\n1,"two\nlines"\n3,4,5\n\n6,7\n'
    rows = list(readers.csv_rows(Path("x.csv"), raw, lambda *a: bad.append(a)))
    assert rows == [(2, {"a": "1", "b": "two\nlines"}), (6, {"a": "6", "b": "7"})]
    assert [(where, reason.split(",")[0]) for _, where, reason, *_ in bad] == [(4, "has 3 fields")]


def test_read_json_and_yaml_name_line_and_column(tmp_path):
    (tmp_path / "r.json").write_text('{\n  "a": 1,\n  oops\n}\n')
    with pytest.raises(FileError, match=r"r.json:3:3: invalid JSON"):
        readers.read_json(tmp_path / "r.json")
    (tmp_path / "c.yaml").write_text("a: [1, 2\n")
    with pytest.raises(FileError, match=r"c.yaml:\d+:\d+: invalid YAML"):
        readers.read_yaml(tmp_path / "c.yaml")
    with pytest.raises(TideError, match="missing.json: no such file"):
        readers.read_json(tmp_path / "missing.json")
    assert readers.read_yaml(_write(tmp_path / "ok.yaml", "a: 1\n")) == {"a": 1}


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_natural_key_orders_job_numbers():
    paths = [Path("m/10/x"), Path("m/9/x"), Path("m/9b/x"), Path("m/a/x"), Path("m/2_b")]
    assert sorted(paths, key=readers.natural_key) == [
        Path("m/2_b"),
        Path("m/9/x"),
        Path("m/9b/x"),
        Path("m/10/x"),
        Path("m/a/x"),
    ]


# --- check_output: every command checks its output before working ------------------------


def test_check_output_refuses_device_link_folder_input_and_file_parent(tmp_path):
    source = tmp_path / "pairs.jsonl"
    source.write_text("{}\n")
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "elsewhere.json")
    (tmp_path / "adir").mkdir()
    cases = {
        "/dev/full": "is a device or special file",
        str(link): "is a symbolic link",
        str(tmp_path / "adir"): "is a folder",
        str(source): "is also an input",
        str(tmp_path / "." / "pairs.jsonl"): "is also an input",
        str(source / "out.json"): "is a file, not a folder",
    }
    for path, problem in cases.items():
        with pytest.raises(FileError, match=problem):
            checks.check_output(path, inputs=[source])
    assert Path("/dev/full").is_char_device() and not link.exists()  # nothing replaced
    assert (
        checks.check_output(tmp_path / "new" / "deeper" / "out.json", [source]).name == "out.json"
    )


def test_check_output_folder(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileError, match="is not a folder"):
        checks.check_output(tmp_path / "file", folder=True)
    assert checks.check_output(tmp_path / "report", folder=True) == tmp_path / "report"


def test_check_output_refuses_a_read_only_or_full_disk_as_root_too(tmp_path, monkeypatch):
    locked = tmp_path / "ro"
    locked.mkdir()
    disk_faults.read_only(monkeypatch, locked)
    for out, folder in ((locked / "out.json", False), (locked / "new" / "report", True)):
        with pytest.raises(FileError) as refused:
            checks.check_output(out, folder=folder)
        assert str(refused.value).startswith(f"{locked}: is not writable (Read-only file system)")
    assert list(locked.iterdir()) == []  # the probe left nothing
    assert checks.check_output(tmp_path / "free" / "out.json")  # beside it: writable
    disk_faults.full_disk(monkeypatch)
    with pytest.raises(FileError, match=r"is on a full disk \(0 kB free\)\. Fix: free some"):
        checks.check_output(tmp_path / "out.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ro"]


def test_a_name_too_long_is_one_sentence(tmp_path):
    with pytest.raises(FileError, match="cannot be used .*Fix: choose a shorter name"):
        checks.check_output(tmp_path / ("x" * 300 + ".json"))


def _fill(text: str):
    def fill(tmp: Path) -> None:
        (tmp / "weights.bin").write_text(text)

    return fill


def test_write_folder_replaces_the_folder_whole(tmp_path):
    target = tmp_path / "deep" / "adapter"
    atomic.write_folder(target, _fill("old"))
    atomic.write_folder(target, _fill("new"))
    assert (target / "weights.bin").read_text() == "new"
    assert oct(target.stat().st_mode & 0o777) == oct(0o755)
    assert sorted(p.name for p in target.parent.iterdir()) == ["adapter"]


def test_write_folder_failure_keeps_the_previous_folder_and_no_temp(tmp_path):
    target = tmp_path / "adapter"
    atomic.write_folder(target, _fill("old"))

    def crash(tmp: Path) -> None:
        (tmp / "weights.bin").write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic.write_folder(target, crash)
    assert (target / "weights.bin").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adapter"]


def test_write_folder_gives_files_the_modes_of_new_ones(tmp_path):
    def fill(tmp: Path) -> None:
        (tmp / "model.safetensors").write_bytes(b"w")
        (tmp / "model.safetensors").chmod(0o600)  # as safetensors writes it
        (tmp / "sub").mkdir(mode=0o700)
        (tmp / "sub" / "run.sh").write_text("#!/bin/sh\n")
        (tmp / "sub" / "run.sh").chmod(0o700)

    out = atomic.write_folder(tmp_path / "merged", fill)
    mask = os.umask(0)
    os.umask(mask)
    file, folder = oct(0o666 & ~mask), oct(0o777 & ~mask)  # 0o644 and 0o755 under umask 022
    modes = {p.name: oct(p.stat().st_mode & 0o777) for p in [out, *out.rglob("*")]}
    assert modes == {"merged": folder, "model.safetensors": file, "sub": folder, "run.sh": folder}
    assert oct(atomic.write_text(tmp_path / "a.json", "{}").stat().st_mode & 0o777) == file


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_write_folder_on_a_full_or_read_only_disk_is_one_sentence_and_keeps_the_old(
    tmp_path, monkeypatch, code
):
    target = tmp_path / "merged"
    atomic.write_folder(target, _fill("old"))

    def fail(tmp: Path) -> None:
        (tmp / "weights.bin").write_text("half")
        raise OSError(code, os.strerror(code))

    with pytest.raises(FileError, match=f"^{target}: cannot be written .*Fix: "):
        atomic.write_folder(target, fail)
    disk_faults.disk_fills(monkeypatch)  # the data written, the flush fails
    with pytest.raises(FileError, match="No space left on device"):
        atomic.write_folder(target, _fill("new"))
    assert (target / "weights.bin").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["merged"]


def test_a_write_folder_killed_between_its_renames_gets_the_old_folder_back(tmp_path):
    target = tmp_path / "merged"
    tmp = tmp_path / f".merged{atomic.TEMP_TAG}abc123"
    (tmp.parent / (tmp.name + atomic.OLD_SUFFIX)).mkdir()  # the old folder, moved aside
    (tmp.parent / (tmp.name + atomic.OLD_SUFFIX) / "weights.bin").write_text("old")
    tmp.mkdir()  # the new one, whole, not yet moved in
    (tmp / "weights.bin").write_text("new")
    atomic.remove_stale_temp_folders(target)  # the writer is gone (no lock)
    assert (target / "weights.bin").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["merged"]


# --- all_or_nothing: a command's outputs stay together ---------------------------------------


def test_all_or_nothing_puts_back_every_file_when_a_later_write_fails(tmp_path, monkeypatch):
    kept = atomic.write_text(tmp_path / "out" / "table.md", "old table")
    flushed = disk_faults.disk_fills(monkeypatch, after=2)
    with pytest.raises(FileError, match="csv: cannot be written"), atomic.all_or_nothing():
        atomic.write_text(kept, "new table")
        writers.write_json(tmp_path / "out" / "deep" / "new.json", {"a": 1})
        atomic.write_text(tmp_path / "out" / "table.csv", "a,b\n")  # the disk is full here
    assert len(flushed) == 2
    assert kept.read_text() == "old table"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["table.md"]  # deep/ went too


def test_all_or_nothing_keeps_everything_when_the_block_ends_well(tmp_path):
    kept = atomic.write_text(tmp_path / "a.txt", "old")
    with atomic.all_or_nothing() as written:
        atomic.write_text(kept, "new")
        atomic.write_text(tmp_path / "b.txt", "b")
    assert kept.read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == [
        "a.txt",
        "b.txt",
    ]
    with atomic.all_or_nothing() as written:  # a command returning a failing status
        atomic.write_text(kept, "newer")
        with atomic.kept_as_written():  # a run folder's status: stays whatever happens
            atomic.write_text(tmp_path / "status.json", "{}")
        written.discard()
    assert kept.read_text() == "new" and (tmp_path / "status.json").is_file()
    assert disk_faults.leftovers(tmp_path) == []


def test_an_output_is_never_an_input_never_contains_one_and_never_sits_inside_one(tmp_path):
    run = tmp_path / "runs" / "run"
    (run / "adapter").mkdir(parents=True)
    (run / "adapter" / "adapter_model.safetensors").write_bytes(b"weights")
    for out in (run, run / "adapter", tmp_path / "runs", run / "adapter" / "deeper"):
        with pytest.raises(FileError) as refused:
            checks.check_output(out, inputs=[run], folder=True, replace=True)
        assert str(out) in str(refused.value) and str(run) in str(refused.value)
    for out in (run / "adapter", run / "new"):  # folders files are added to: inside is refused
        with pytest.raises(FileError, match="inside the input"):
            checks.check_output(out, inputs=[run], folder=True)
    records = tmp_path / "safety.jsonl"
    records.write_text("{}\n")
    with pytest.raises(FileError, match="is also an input"):
        checks.check_output(tmp_path / "." / "safety.jsonl", inputs=[records])
    assert checks.check_output(tmp_path, inputs=[records], folder=True) == tmp_path  # adds files
    assert checks.check_output(tmp_path / "merged", [run], folder=True, replace=True)
    assert (run / "adapter" / "adapter_model.safetensors").read_bytes() == b"weights"


KILLED_WRITE = """
import os, signal, sys
from pathlib import Path
from tide_exp.files.atomic import write_folder

def fill(tmp):
    (tmp / "model.safetensors").write_bytes(b"x" * 1000)
    print("writing", flush=True)
    os.kill(os.getpid(), signal.SIG{signal})

write_folder(Path(sys.argv[1]), fill)
"""


def test_a_write_folder_killed_midway_leaves_a_temp_the_next_write_removes(tmp_path):
    import subprocess
    import sys

    target = tmp_path / "merged"
    script = KILLED_WRITE.format(signal="KILL")
    proc = subprocess.run([sys.executable, "-c", script, str(target)], capture_output=True)
    assert proc.returncode == -9 and b"writing" in proc.stdout
    assert [p for p in tmp_path.iterdir() if p.is_dir()]  # the killed write's temp folder
    live = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITE.format(signal="STOP"), str(tmp_path / "other")],
        stdout=subprocess.PIPE,
    )
    try:
        assert live.stdout.readline().strip() == b"writing"  # stopped, not dead: still writing
        atomic.write_folder(target, _fill("new"))
        atomic.write_folder(tmp_path / "other", _fill("mine"))  # another write of "other"
        left = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("."))
        assert len(left) == 2 and all(".other." in n for n in left), left  # only the live one
    finally:
        live.kill()
        live.wait()
    atomic.write_folder(tmp_path / "other", _fill("again"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["merged", "other"]
    assert (target / "weights.bin").read_text() == "new"
