"""The config of ``tide chat`` and ``tide export``: a finished run's (its moved keys moved), or
the root config composed from overrides. The model itself is loaded by
:func:`tide_exp.models.configured.load_configured`."""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig, OmegaConf, open_dict

from tide_exp.cli.overrides import check_moved, move_saved_keys
from tide_exp.config.compose import compose_config
from tide_exp.config.resolvers import register_resolvers
from tide_exp.errors import FileError, TideError
from tide_exp.files.readers import read_yaml
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
    return move_saved_keys(cfg)  # a run from before eval.generation reads as a new one


def model_config(run: Path | None, overrides: list[str]) -> DictConfig:
    """The config of ``run`` with ``overrides`` applied, or the root config composed from them."""
    check_moved(overrides)  # eval.max_new_tokens=128: one sentence naming its new key
    if run is None:
        return compose_config(overrides)
    cfg = run_config(run)
    if overrides:
        cfg = OmegaConf.merge(cfg, OmegaConf.from_dotlist(overrides))
    return cfg
