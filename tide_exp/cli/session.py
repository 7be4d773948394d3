"""Models for the interactive and export commands: a base model from config, or a run's adapter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf, open_dict

from tide_exp.config.compose import compose_config
from tide_exp.config.resolvers import register_resolvers
from tide_exp.errors import FileError, TideError
from tide_exp.files.readers import read_json, read_yaml
from tide_exp.runs.folder import RunFolder


def run_config(run_dir: Path) -> DictConfig:
    """The composed config a run saved (``.hydra/config.yaml``), its output folder filled in."""
    path = RunFolder(run_dir).config_path
    if not path.is_file():
        raise TideError(
            f"{run_dir}: not a tide_exp run folder (no .hydra/config.yaml); point at a run "
            "folder such as outputs/DATE/TIME_MODEL or a sweep job multirun/DATE/TIME/0_MODEL."
        )
    saved = read_yaml(path, "repair it, or copy the run's settings from its .tide/config.yaml")
    if not isinstance(saved, dict) or not isinstance(saved.get("model"), dict):
        raise FileError(
            path,
            "holds no run config (no model section)",
            "point at a run folder whose .hydra/config.yaml the job wrote",
        )
    register_resolvers()
    cfg = OmegaConf.load(path)  # OmegaConf's reading, as Hydra wrote it (1e-4 is a number)
    with open_dict(cfg):
        cfg.paths.output_dir = str(run_dir)  # was ${hydra:runtime.output_dir}
    return cfg


def adapter_dir(run_dir: Path) -> Path:
    """The run's saved adapter folder; a run that did not finish has none."""
    adapter = RunFolder(run_dir).adapter_dir
    if not (adapter / "adapter_config.json").is_file():
        raise TideError(
            f"{run_dir}: no adapter/adapter_config.json; the run did not finish (see its "
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
    config = read_json(adapter / "adapter_config.json", "re-run the job to save the adapter again")
    if not isinstance(config, dict):
        raise FileError(adapter / "adapter_config.json", "is not a JSON object", "re-run the job")
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


def model_config(run: Path | None, overrides: list[str]) -> DictConfig:
    """The config of ``run`` with ``overrides`` applied, or the root config composed from them."""
    if run is None:
        return compose_config(overrides)
    cfg = run_config(run)
    if overrides:
        cfg = OmegaConf.merge(cfg, OmegaConf.from_dotlist(overrides))
    return cfg


def load_model(cfg: DictConfig, run: Path | None, **loader_overrides: Any):
    """Base model and tokenizer as ``cfg.model.loader`` builds them, with ``run``'s adapter on top.

    Returns:
        ``(model, tokenizer)``: a ``PeftModel`` when ``run`` is given, else the base model.
    """
    from hydra.utils import instantiate

    from tide_exp.runs.run import set_threads
    from tide_exp.tracking.console import quiet_third_party_logs

    quiet_third_party_logs()
    set_threads(cfg.get("threads"))
    loader = cfg.model.loader
    kwargs = {k: v for k, v in loader_overrides.items() if k in loader}
    loaded = instantiate(loader, **kwargs)
    model = loaded.model
    if run is not None:
        model = load_adapter(model, adapter_dir(run))
    model.eval()
    return model, loaded.tokenizer
