"""Checkpoints written beside their target and moved into place, and read with a clear error.

Lightning's own atomic save goes through fsspec, whose local transaction writes a temp file in
the system temp folder and moves it across file systems: a full disk there leaves half a
``last.ckpt`` that a resume then crashes on. Here the temp file sits in the checkpoint folder
(:func:`tide_exp.files.atomic.write_atomic`), a full disk is one sentence, and a checkpoint that cannot
be read names itself and the fix.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import torch
from pytorch_lightning.plugins.io import TorchCheckpointIO

from tide_exp.errors import FileError
from tide_exp.files.atomic import write_atomic


class AtomicCheckpointIO(TorchCheckpointIO):
    """``TorchCheckpointIO`` that saves atomically through :mod:`tide_exp.files`."""

    def save_checkpoint(
        self, checkpoint: dict[str, Any], path: Any, storage_options: Any | None = None
    ) -> None:
        if storage_options is not None:
            raise TypeError(f"{type(self).__name__} takes no storage_options")
        # Serialised in memory first (as Lightning does): torch's zip writer reports a full disk
        # as a RuntimeError ("iostream error"), a plain file write as ENOSPC.
        buffer = io.BytesIO()
        torch.save(checkpoint, buffer)
        write_atomic(Path(path), lambda tmp: tmp.write_bytes(buffer.getbuffer()))

    def load_checkpoint(self, path: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return super().load_checkpoint(path, *args, **kwargs)
        except (FileNotFoundError, IsADirectoryError):
            raise
        except Exception as err:  # noqa: BLE001 - torch raises many types for a damaged file
            raise FileError(
                path,
                f"is not a readable checkpoint ({type(err).__name__}: {str(err)[:120]})",
                "delete it to start the job over, or pass resume=false",
            ) from None
