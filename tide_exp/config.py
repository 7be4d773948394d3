"""OmegaConf resolvers used by conf/ (registered on import of the entry points)."""

from __future__ import annotations

from pathlib import Path

from omegaconf import OmegaConf

from tide_exp.errors import ConfigError


def _sweep_group(mode: str, sweep_dir: str) -> str | None:
    """W&B group: the sweep folder in a multirun (the same for every job), none for a single run."""
    return sweep_dir.replace("/", "_") if str(mode).endswith("MULTIRUN") else None


def _run_name(model: str, overrides: str) -> str:
    """W&B run name: the model slug, then the job's overrides (``model=...`` is left out)."""
    rest = ",".join(o for o in str(overrides).split(",") if o and not o.startswith("model="))
    return f"{model}:{rest}" if rest else str(model)


def _run_id(output_dir: str) -> str:
    """A W&B run id derived from the job folder, so a resumed job continues the same W&B run."""
    import hashlib

    return hashlib.sha1(str(output_dir).encode()).hexdigest()[:16]


RESOLVERS = {"tide_sweep_group": _sweep_group, "tide_run_name": _run_name, "tide_run_id": _run_id}


def register_resolvers() -> None:
    """Register the ``${tide_*:...}`` resolvers once per process."""
    for name, fn in RESOLVERS.items():
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, fn)


class _DropLitLoggerTip:
    """Filter for Lightning's advert for its hosted logger, printed at every Trainer start."""

    def filter(self, record: object) -> bool:
        return "litlogger" not in str(getattr(record, "msg", ""))


def quiet_third_party_logs() -> None:
    """Silence messages that repeat every run and say nothing about it."""
    import logging
    import warnings

    from transformers.utils import logging as hf_logging

    logging.getLogger("absl").setLevel(logging.WARNING)  # rouge-score: "Using default tokenizer."
    # One "Loading weights" bar per model loaded (base model, sentence encoder, BERTScore model).
    hf_logging.disable_progress_bar()
    logging.getLogger("pytorch_lightning.utilities.rank_zero").addFilter(_DropLitLoggerTip())
    warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\).*")
    warnings.filterwarnings(
        "ignore", message=r".*is_gradient_checkpointing.*is deprecated.*", category=FutureWarning
    )


def config_dir() -> Path:
    """The folder of the shipped Hydra configs.

    A wheel carries them as ``tide_exp/conf`` (setup.py copies the top-level conf/ in at build
    time); a checkout or editable install has them at the repository root. Your own config
    folders join through Hydra's search path (``hydra.searchpath=[file:///my/conf]``).
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "conf", here.parent / "conf"):
        if (candidate / "config.yaml").is_file():
            return candidate
    raise ConfigError(
        f"No tide_exp configs found in {here / 'conf'} or {here.parent / 'conf'}; "
        "reinstall the package (pip install tide_exp) or run from a checkout."
    )


def compose_config(overrides: list[str] | None = None, config_name: str = "config"):
    """The root config composed outside a Hydra job (commands such as chat and stats).

    Args:
        overrides: Hydra overrides, e.g. ``["model=qwen2_5_0_5b"]`` or
            ``["hydra.searchpath=[file:///my/conf]"]`` for your own config folders.
        config_name: The primary config under :func:`config_dir`.
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    register_resolvers()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(version_base="1.3", config_dir=str(config_dir())):
            return compose(config_name, overrides=list(overrides or []))
    finally:
        GlobalHydra.instance().clear()
