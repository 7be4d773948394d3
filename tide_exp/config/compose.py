"""The shipped Hydra configs: where they are, and the root config composed outside a job."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

from tide_exp.config.resolvers import register_resolvers
from tide_exp.config.suggest import config_keys, did_you_mean, nearest
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


def compose_config(
    overrides: list[str] | None = None, config_name: str = "config", hydra: bool = False
):
    """The root config composed outside a Hydra job (commands such as chat and stats).

    Args:
        overrides: Hydra overrides, e.g. ``["model=qwen2_5_0_5b"]`` or
            ``["hydra.searchpath=[file:///my/conf]"]`` for your own config folders.
        config_name: The primary config under :func:`config_dir`.
        hydra: Keep Hydra's own node (``hydra.sweeper``, ``hydra.callbacks``...).

    Raises:
        ConfigError: The overrides do not compose (a key or option that does not exist, with
            the nearest existing name: ``lora.rank``: did you mean ``lora.r``?).
    """
    from hydra import compose
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    try:
        with _initialized():
            return compose(config_name, overrides=list(overrides or []), return_hydra_config=hydra)
    except (HydraException, OmegaConfBaseException) as err:  # a typo in an override: one line
        reason = " ".join(str(err).split("Config search path:")[0].split())
        suggestion = _suggestion(str(err), overrides or [], config_name)
        if suggestion:  # Hydra's "To append to your config use +modle=x" advises adding the typo
            reason = re.sub(r"\s*To append to your config use \S+", "", reason).rstrip(".")
        raise ConfigError(
            f"the overrides {' '.join(overrides or [])} do not compose: {reason}"
            f"{suggestion} "
            "(`tide train --cfg job` lists the keys; docs: https://hydra.cc/docs/advanced/override_grammar/basic/)"
        ) from None


@contextlib.contextmanager
def _initialized() -> Iterator[None]:
    """Hydra initialised on the shipped configs for the block (its global state cleared after)."""
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    register_resolvers()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(version_base="1.3", config_dir=str(config_dir())):
            yield
    finally:
        GlobalHydra.instance().clear()


def known_names(overrides: list[str], config_name: str = "config") -> tuple[list[str], set[str]]:
    """The dotted keys of the config composed from ``overrides`` alone, and the config groups
    (your own folders' too, through ``hydra.searchpath`` among the overrides)."""
    from hydra import compose
    from hydra.core.global_hydra import GlobalHydra

    with _initialized():
        groups = set(GlobalHydra.instance().config_loader().list_groups(""))
        cfg = compose(config_name, overrides=list(overrides))
    return config_keys(cfg), groups - {"hydra"}


def _options(group: str, searchpath: list[str]) -> list[str]:
    """The options of a config group (``model``: ``smollm2_135m``, ``qwen2_5_0_5b`` ...) in the
    shipped configs and the folders of ``hydra.searchpath=[file://...]``."""
    folders = [config_dir()] + [
        Path(found) for o in searchpath for found in re.findall(r"file://([^,\]]+)", o)
    ]
    return [p.stem for folder in folders for p in (folder / group).glob("*.yaml")]


def _suggestion(message: str, overrides: list[str], config_name: str) -> str:
    """``"; did you mean lora.r?"`` for the key, group or option a compose error names."""
    key = re.search(r"Could not override '([^']+)'", message)
    option = re.search(r"Could not find '([^']+)/([^']+)'", message)
    try:
        searchpath = [o for o in overrides if o.startswith("hydra.searchpath")]
        keys, groups = known_names(searchpath, config_name)
    except Exception:  # noqa: BLE001 - a suggestion is a courtesy, never a second error
        return ""
    if key:  # a group is shown as one is chosen: model=
        name = key.group(1)
        value = next(
            (o.split("=", 1)[1] for o in overrides if o.lstrip("+~").split("=", 1)[0] == name),
            None,
        )
        # modle=tiny_llama: model (which has that option) before module (nearer by spelling).
        fitting = [g for g in groups if value is not None and value in _options(g, searchpath)]
        found = nearest(name, fitting) or nearest(name, [*keys, *groups])
        return f"; did you mean {found}{'=' if found in groups else ''}?" if found else ""
    if option:
        listed = re.findall(r"^\t(\S+)$", message.split("Config search path:")[0], re.M)
        return did_you_mean(option.group(2), listed, f"{option.group(1)}={{}}")
    return ""
