"""A sweep's search space checked before its first job: every value a job can get is a setting.

A sweep's jobs fail soft (each is recorded and the sweep goes on), so a value no job can run
with, ``lora.r=choice(0,-1)`` or ``lora.r=interval(4,16)`` (a fractional rank), used to fail every
job and then the Optuna search with a traceback. Here each value a sweep override or
``hydra.sweeper.params`` can give is composed and checked (:func:`check_values`), and an interval
whose ends cannot be searched (low above high, a log interval from 0) is refused, with one
sentence naming the entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import ChoiceSweep, IntervalSweep, Override, RangeSweep
from omegaconf import DictConfig

from tide_exp.config.validation import check_values
from tide_exp.errors import ConfigError


def search_entries(cfg: DictConfig, sweeps: Iterable[str]) -> dict[str, tuple[str, str]]:
    """``{key: (written entry, where)}`` for every swept key: ``hydra.sweeper.params`` first,
    then the command line's sweep overrides, which replace a params entry of the same key (as
    the sweepers read them)."""
    entries: dict[str, tuple[str, str]] = {}
    params = cfg.get("hydra", {}).get("sweeper", {}).get("params") or {}
    for key, spec in params.items():
        entries[str(key)] = (f"{key}={spec}", "hydra.sweeper.params")
    for text in sweeps:
        override = OverridesParser.create().parse_overrides([text])[0]
        entries[override.key_or_group] = (text, "the command line")
    return entries


def _number(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def trial_values(override: Override, entry: str) -> list[str]:
    """The values a job can get from one sweep entry, as override values (a range's and an
    interval's ends; a glob's options are Hydra's to pick, none here).

    Raises:
        ConfigError: An interval that cannot be searched.
    """
    value = override.value()
    if isinstance(value, ChoiceSweep):
        return list(override.sweep_string_iterator())
    if isinstance(value, RangeSweep):
        values = list(override.sweep_string_iterator())
        return values[:1] + values[-1:] if values else []
    if isinstance(value, IntervalSweep):
        low, high = value.start, value.end
        if low > high:
            raise ConfigError(
                f"the search space {entry}: its low end {low} is above its high end {high}; "
                "swap them."
            )
        if "log" in value.tags and low <= 0:
            raise ConfigError(
                f"the search space {entry}: a log interval needs a low end above 0 (it is "
                f"{low}); start it at a small positive value such as {high / 1000:g}."
            )
        return [_number(low), _number(high)]
    return []


def check_search_space(
    cfg: DictConfig, plain: list[str], sweeps: Iterable[str], compose: Callable[[list[str]], Any]
) -> None:
    """Compose the config with each value of each swept key (the other overrides as given) and
    check it as a job would, before the first job starts.

    Args:
        cfg: The config composed with ``plain`` (and Hydra's node: ``hydra.sweeper.params``).
        plain: The command line's overrides that are not sweeps.
        sweeps: The command line's sweep overrides (``lora.r=4,8``, ``lora.r=choice(0,-1)``).
        compose: Composes the root config from overrides (one sentence when they do not).

    Raises:
        ConfigError: One sentence naming the search-space entry and the value that fails.
    """
    from tide_exp.config.suggest import config_keys, did_you_mean

    keys = config_keys(cfg)  # unresolved: no interpolation is evaluated to find a key
    for key, (entry, where) in search_entries(cfg, sweeps).items():
        override = OverridesParser.create().parse_overrides([entry])[0]
        prefix = entry[: len(entry) - len(entry.lstrip("+~"))]
        if not prefix and key not in keys:
            # Hydra's own words ("Could not override") after the whole command line said less
            raise ConfigError(
                f"the search space {entry} ({where}) names {key}, which the config does not "
                f"have{did_you_mean(key, keys)} (a key nothing sets is added with "
                f"+{key}=...)"
            )
        for value in trial_values(override, f"{entry} ({where})"):
            try:
                check_values(compose([*plain, f"{prefix}{key}={value}"]))
            except ConfigError as err:
                raise ConfigError(
                    f"the search space {entry} ({where}) gives {key}={value}, which no job can "
                    f"run with: {err}"
                ) from None
