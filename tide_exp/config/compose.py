"""The shipped Hydra configs: where they are, and the root config composed outside a job."""

from __future__ import annotations

from pathlib import Path

from tide_exp.config.resolvers import register_resolvers
from tide_exp.errors import ConfigError


def config_dir() -> Path:
    """The folder of the shipped Hydra configs.

    A wheel carries them as ``tide_exp/conf`` (setup.py copies the top-level conf/ in at build
    time); a checkout or editable install has them at the repository root. Your own config
    folders join through Hydra's search path (``hydra.searchpath=[file:///my/conf]``).
    """
    here = Path(__file__).resolve().parents[1]  # the tide_exp package
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
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    register_resolvers()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(version_base="1.3", config_dir=str(config_dir())):
            return compose(config_name, overrides=list(overrides or []))
    except (HydraException, OmegaConfBaseException) as err:  # a typo in an override: one line
        reason = " ".join(str(err).split())
        raise ConfigError(
            f"the overrides {' '.join(overrides or [])} do not compose: {reason} "
            "(`tide train --cfg job` lists the keys; docs: https://hydra.cc/docs/advanced/override_grammar/basic/)"
        ) from None
    finally:
        GlobalHydra.instance().clear()
