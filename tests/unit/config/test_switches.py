"""Every switch-like config value is checked against its choices (issue 31, class 4).

``resume=maybe`` started a job and ``resume=no`` resumed (a non-empty string is truthy);
``eval.validate_base``, ``logger.wandb.offline`` and the sweep summary's ``exit_on_failure``
took any word. The class: every boolean of every shipped config, and every key registered
with choices in :mod:`tide_exp.config.values`, refuses a value outside its choices with one
sentence naming the key, before the model loads.
"""

from __future__ import annotations

import functools
import re

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hypothesis import given
from hypothesis import strategies as st
from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import ValidationError

from tests.config_options import config_options
from tests.conftest import CONF_DIR, TEST_CONF_DIR
from tide_exp.config.compat import raw_node, raw_value
from tide_exp.config.compose import compose_config
from tide_exp.config.resolvers import register_resolvers
from tide_exp.config.validation import check_hydra_settings, check_values
from tide_exp.config.values import CHOICES, allowed_values, check_ranges
from tide_exp.errors import ConfigError

OURS_UNDER_HYDRA = ("hydra.callbacks.", "hydra.sweeper.")  # the rest of hydra.* is Hydra's
HYDRA_FLAGS = {"_partial_", "_recursive_", "_convert_"}


@functools.cache
def composed(option: str | None) -> DictConfig:
    """The root config with one ``group=option`` (``None``: the defaults), Hydra's node kept."""
    register_resolvers()
    GlobalHydra.instance().clear()
    with initialize_config_dir(version_base="1.3", config_dir=str(CONF_DIR)):
        overrides = [f"hydra.searchpath=[file://{TEST_CONF_DIR}]"] + ([option] if option else [])
        cfg = compose("config", overrides=overrides, return_hydra_config=True)
    GlobalHydra.instance().clear()
    writable(cfg)  # Hydra's structured nodes are read-only (the Optuna sampler)
    with open_dict(cfg):
        cfg.paths.output_dir = "/tmp/tide-switches"  # never written: values are checked only
    return cfg


def writable(node) -> None:
    if isinstance(node, DictConfig):
        OmegaConf.set_readonly(node, False)
        for key in node:
            writable(raw_node(node, key))


def booleans(node, path: str = "") -> list[str]:
    """Dotted keys whose value (as written, not interpolated) is true or false."""
    found = []
    if isinstance(node, DictConfig):
        for key in node:
            child = f"{path}.{key}" if path else str(key)
            value = raw_node(node, key)
            if isinstance(value, DictConfig):
                found += booleans(value, child)
            elif isinstance(raw_value(node, key), bool):
                found.append(child)
    return found


def switch_keys() -> list[tuple[str, str | None]]:
    """``(key, option it appears in)`` for every boolean of every shipped composition, once."""
    seen: dict[str, str | None] = {}
    for option in [None, *(f"{g}={o}" for g, o in config_options())]:
        for key in booleans(composed(option)):
            if key.startswith("hydra.") and not key.startswith(OURS_UNDER_HYDRA):
                continue
            if key.rpartition(".")[2] in HYDRA_FLAGS:  # instantiate's own (_partial_)
                continue
            seen.setdefault(key, option)
    return sorted(seen.items())


SWITCHES = switch_keys()


def with_value(option: str | None, key: str, value) -> DictConfig:
    cfg = composed(option).copy()
    HydraConfig().set_config(cfg)  # ${hydra:...} resolves as in a job
    with open_dict(cfg):
        OmegaConf.update(cfg, key, value, merge=False)
    return cfg


def refusal(cfg: DictConfig) -> str:
    with pytest.raises(ConfigError) as err:
        check_hydra_settings(cfg)  # before Hydra starts (tide_exp.cli.overrides)
        body = cfg.copy()
        with open_dict(body):
            del body.hydra  # a job's config has none
        check_values(body)
    return str(err.value)


def test_the_class_is_found():
    keys = {k for k, _ in SWITCHES}
    # The ones that took any word before: a guard that the walk finds them.
    assert {"resume", "eval.validate_base", "logger.wandb.offline"} <= keys
    assert "hydra.callbacks.sweep_summary.exit_on_failure" in keys


@pytest.mark.parametrize(("key", "option"), SWITCHES, ids=[k for k, _ in SWITCHES])
def test_every_boolean_refuses_a_word(key, option):
    try:
        cfg = with_value(option, key, "maybe")
    except ValidationError:  # a typed (structured) node: the override does not compose
        with pytest.raises(ConfigError, match=f"{re.escape(key)}=maybe do not compose"):
            compose_config([option or "seed=42", f"{key}=maybe"])
        return
    message = refusal(cfg)
    assert re.search(rf"(^|\s){re.escape(key)}[= ]", message), message
    assert "'maybe'" in message and "\n" not in message


@pytest.mark.parametrize("word", ["no", "off", "yes"])
def test_resume_no_is_refused_not_read_as_true(word):
    assert refusal(with_value(None, "resume", word)).startswith(
        f"resume='{word}' is not one of true, false"
    )


def first_compositions() -> dict[str, str | None]:
    """A shipped composition holding each registered key (as a value, not a node)."""
    first: dict[str, str | None] = {}
    for option in [None, *(f"{g}={o}" for g, o in config_options())]:
        cfg = composed(option)
        for key in CHOICES:
            node = OmegaConf.select(cfg, key, default="<absent>", throw_on_resolution_failure=False)
            if key not in first and not isinstance(node, DictConfig) and node != "<absent>":
                first[key] = option
    return first


FIRST = first_compositions()
OTHER_VALUES = st.one_of(
    st.text(alphabet=st.characters(blacklist_characters="${}\\'\""), max_size=12),
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)


def test_every_registered_key_is_in_a_shipped_config():
    assert set(FIRST) == set(CHOICES), set(CHOICES) - set(FIRST)


@given(key=st.sampled_from(sorted(FIRST)), value=OTHER_VALUES)
def test_a_registered_key_refuses_any_value_outside_its_choices(key, value):
    allowed = allowed_values(key)
    cfg = with_value(FIRST[key], key, value)
    value = OmegaConf.select(cfg, key)
    inside = any(value == a and type(value) is type(a) for a in allowed)
    if inside:
        check_ranges(cfg)
    else:
        with pytest.raises(ConfigError, match=f"^{re.escape(key)}="):
            check_ranges(cfg)
