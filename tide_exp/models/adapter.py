"""A saved LoRA adapter (a run's ``adapter/``): found, checked cheaply, and loaded onto a base model.

A truncated, damaged or missing adapter is one :class:`~tide_exp.errors.FileError` naming the
folder, before the model loads (:func:`check_adapter`) or after (:func:`load_adapter`), never a
library traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tide_exp.errors import FileError, TideError
from tide_exp.files.readers import read_json
from tide_exp.runs.folder import RunFolder

ADAPTER_CONFIG = "adapter_config.json"  # what peft's save_pretrained writes first


def adapter_dir(run_dir: Path) -> Path:
    """The run's saved adapter folder; a run that did not finish has none."""
    adapter = RunFolder(run_dir).adapter_dir
    if not (adapter / ADAPTER_CONFIG).is_file():
        raise TideError(
            f"{run_dir}: no adapter/{ADAPTER_CONFIG}; the run did not finish (see its "
            "status.json and tide_exp.log), or pass a finished run folder."
        )
    return adapter


def _damaged(adapter: Path, err: BaseException) -> FileError:
    reason = " ".join(str(err).split())[:300] or type(err).__name__
    return FileError(
        adapter,
        f"the saved adapter cannot be loaded ({type(err).__name__}: {reason})",
        "the file is truncated or damaged: re-run the job to save it again, or use another run",
    )


def check_adapter(adapter: Path) -> Path:
    """Read the adapter's config and the header of its weights (cheap), so that a truncated,
    damaged or missing file is named before the model loads, as :func:`load_adapter` would
    name it after."""
    from safetensors import SafetensorError, safe_open

    adapter = Path(adapter)
    config = read_json(adapter / ADAPTER_CONFIG, "re-run the job to save the adapter again")
    if not isinstance(config, dict):
        raise FileError(adapter / ADAPTER_CONFIG, "is not a JSON object", "re-run the job")
    weights = adapter / "adapter_model.safetensors"
    if not weights.is_file() and not (adapter / "adapter_model.bin").is_file():
        raise FileError(
            adapter,
            "the saved adapter has no weights (adapter_model.safetensors)",
            "re-run the job to save it again, or use another run",
        )
    if weights.is_file():
        try:
            with safe_open(str(weights), "pt") as f:
                f.keys()
        except (SafetensorError, OSError) as err:
            raise _damaged(adapter, err) from None
    return adapter


def load_adapter(model: Any, adapter: Path) -> Any:
    """``PeftModel.from_pretrained(model, adapter)``; a truncated, corrupt or mismatched adapter
    is one :class:`~tide_exp.errors.FileError` naming the folder, not a library traceback."""
    from peft import PeftModel
    from safetensors import SafetensorError

    try:
        return PeftModel.from_pretrained(model, adapter)
    except (SafetensorError, OSError, ValueError, RuntimeError, KeyError, TypeError) as err:
        raise _damaged(adapter, err) from None
