"""Checkpoints: a full disk leaves the previous last.ckpt whole; a damaged one is named on resume."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
import torch
from hydra.utils import instantiate

from tide_exp.callbacks.checkpoint_io import AtomicCheckpointIO
from tide_exp.errors import FileError


def _half_write_then_disk_full(self, data):
    with open(self, "wb") as f:
        f.write(b"PK\x03\x04 half a checkpoint")
    raise OSError(errno.ENOSPC, "No space left on device")


def test_disk_full_while_saving_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    io = AtomicCheckpointIO()
    path = tmp_path / "checkpoints" / "last.ckpt"
    io.save_checkpoint({"epoch": 1, "w": torch.ones(3)}, path)
    monkeypatch.setattr(Path, "write_bytes", _half_write_then_disk_full)
    with pytest.raises(FileError) as err:
        io.save_checkpoint({"epoch": 2, "w": torch.zeros(3)}, path)
    assert str(err.value) == (
        f"{path}: cannot be written (No space left on device). "
        "Fix: free some disk space or choose a folder on another disk"
    )
    monkeypatch.undo()
    assert io.load_checkpoint(path)["epoch"] == 1
    assert [p.name for p in path.parent.iterdir()] == ["last.ckpt"]  # no temp file left


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 half a checkpoint", b"\x80\x02}q\x00."])
def test_a_damaged_checkpoint_names_itself_and_the_fix(tmp_path, content):
    path = tmp_path / "last.ckpt"
    path.write_bytes(content)
    with pytest.raises(FileError) as err:
        AtomicCheckpointIO().load_checkpoint(path)
    message = str(err.value)
    assert message.startswith(f"{path}: is not a readable checkpoint")
    assert message.endswith("Fix: delete it to start the job over, or pass resume=false")


def test_every_trainer_config_saves_checkpoints_atomically(compose_cfg):
    cfg = compose_cfg()
    trainer = instantiate(cfg.trainer, _partial_=True)(logger=False, callbacks=[])
    assert isinstance(trainer.strategy.checkpoint_io, AtomicCheckpointIO)


def test_resuming_from_a_half_written_checkpoint_names_it(compose_cfg, tmp_path):
    from tide_exp.runs.run import run

    last = tmp_path / "checkpoints" / "last.ckpt"
    last.parent.mkdir()
    last.write_bytes(b"PK\x03\x04 half a checkpoint")  # what a full /tmp used to leave
    with pytest.raises(FileError) as err:
        run(compose_cfg("callbacks=none", "logger=none"))
    assert str(err.value).startswith(f"{last}: is not a readable checkpoint")


@pytest.fixture
def small_disk(tmp_path):
    """A 256 KiB tmpfs (needs root and mount; skipped where it cannot be had)."""
    import subprocess

    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)  # lazy: never left busy


def test_a_real_full_disk_keeps_the_previous_checkpoint(small_disk):
    io = AtomicCheckpointIO()
    path = small_disk / "checkpoints" / "last.ckpt"
    io.save_checkpoint({"epoch": 1, "w": torch.ones(8)}, path)
    with pytest.raises(FileError, match=r"\(No space left on device\)\. Fix: free some disk space"):
        io.save_checkpoint({"epoch": 2, "w": torch.ones(200_000)}, path)  # 800 KB > 256 KiB
    assert io.load_checkpoint(path)["epoch"] == 1
    assert [p.name for p in path.parent.iterdir()] == ["last.ckpt"]
