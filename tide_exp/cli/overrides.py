"""Hydra overrides checked before Hydra sees them, so a typo is one sentence, not a lexer dump.

A key that moved (:data:`MOVED_KEYS`) is named with its new place; a run folder saved before the
move is read with its keys moved (:func:`move_saved_keys`).
"""

from __future__ import annotations

from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import OverrideParseException
from hydra.types import RunMode
from omegaconf import DictConfig, open_dict

from tide_exp.config.compat import hydra_args_parser, raw_node, raw_value
from tide_exp.config.compose import compose_config, known_names
from tide_exp.config.search_space import check_search_space
from tide_exp.config.suggest import did_you_mean, referenced_keys
from tide_exp.config.validation import check_hydra_settings, check_values
from tide_exp.errors import ConfigError

GRAMMAR = "https://hydra.cc/docs/advanced/override_grammar/basic/"

# Keys that moved, old -> new (a key below an old one moves with it: eval.generation_kwargs.top_p).
# The generation settings became one node, eval.generation (tide_exp.generation.GenerationSettings),
# which the callbacks take whole.
MOVED_KEYS: dict[str, str] = {
    "eval.batch_size": "eval.generation.batch_size",
    "eval.max_new_tokens": "eval.generation.max_new_tokens",
    "eval.generation_kwargs": "eval.generation.generation_kwargs",
    "eval.engine": "eval.generation.engine",
    "eval.merge": "eval.generation.merge",
    "eval.sort_by_length": "eval.generation.sort_by_length",
    # Issue 30 names it eval.decoding; it lives with the other generation settings.
    "eval.decoding": "eval.generation.decoding",
    "callbacks.generation_metrics.batch_size": "eval.generation.batch_size",
    "callbacks.generation_metrics.max_new_tokens": "eval.generation.max_new_tokens",
    "callbacks.generation_metrics.generation_kwargs": "eval.generation.generation_kwargs",
    "callbacks.generation_metrics.strip_think": "model.strip_think",
    "callbacks.generation_metrics.engine": "eval.generation.engine",
    "callbacks.generation_metrics.merge": "eval.generation.merge",
    "callbacks.generation_metrics.sort_by_length": "eval.generation.sort_by_length",
    "callbacks.safety_probe.batch_size": "eval.generation.batch_size",
    "callbacks.safety_probe.generation_kwargs": "eval.generation.generation_kwargs",
    "callbacks.safety_probe.strip_think": "model.strip_think",
    "callbacks.safety_probe.engine": "eval.generation.engine",
    "callbacks.safety_probe.merge": "eval.generation.merge",
    "callbacks.safety_probe.sort_by_length": "eval.generation.sort_by_length",
}


def moved_key(key: str) -> str | None:
    """The new place of ``key`` (or of a key below it), or ``None`` when it did not move."""
    for old, new in MOVED_KEYS.items():
        if key == old or key.startswith(f"{old}."):
            return new + key[len(old) :]
    return None


def check_moved(overrides: list[str]) -> None:
    """Stop at the first override of a key that moved, naming where it went.

    Raises:
        ConfigError: ``eval.max_new_tokens moved to eval.generation.max_new_tokens: ...``.
    """
    for override in overrides:
        sign = override[: len(override) - len(override.lstrip("+~"))]
        key, equals, value = override[len(sign) :].partition("=")
        new = moved_key(key.strip())
        if new is not None:
            write = f"{sign}{new}{equals}{value}"
            raise ConfigError(f"{key.strip()} moved to {new}: write {write} (docs/generation.md).")


def move_saved_keys(cfg: DictConfig) -> DictConfig:
    """A run's saved config from before the generation settings became ``eval.generation``,
    with its keys moved there (``MOVED_KEYS``), so ``tide chat --run`` reads it as a new one."""
    evaluation = cfg.get("eval")
    if not isinstance(evaluation, DictConfig) or "generation" in evaluation:
        return cfg
    from tide_exp.generation import GenerationSettings

    node: dict[str, Any] = {
        "_target_": f"{GenerationSettings.__module__}.{GenerationSettings.__qualname__}"
    }
    for old, new in MOVED_KEYS.items():
        section, _, name = old.partition(".")
        if section == "eval" and name in evaluation:
            node[new.rsplit(".", 1)[1]] = raw_value(evaluation, name)
    node["strip_think"] = "${model.strip_think}"
    with open_dict(cfg):
        for name in [k for k in MOVED_KEYS if k.startswith("eval.")]:
            evaluation.pop(name.partition(".")[2], None)
        evaluation.generation = node
    return cfg


def check_overrides(argv: list[str]) -> None:
    """Parse the overrides in a Hydra command line, then compose the shipped config with them.

    Composing first turns an unknown key (``lora.rank=4``) or option (``model=gpt9``) into one
    sentence with the nearest name (``did you mean lora.r?``), as every other command gives it,
    instead of Hydra's error block and exit status 1. Then Hydra's own settings are checked
    (``hydra.sweeper.n_trials=0``, ``direction=maximise``, the sweep summary's switch), an added
    key that nothing reads is refused (:func:`check_added_keys`), and a sweep's search space is
    checked value by value (:func:`~tide_exp.config.search_space.check_search_space`; an
    experiment may set ``hydra.mode: MULTIRUN``, so it needs no ``-m``). The whole check is
    Hydra's when the command names its own primary config (``--config-name``...).

    Raises:
        ConfigError: An override Hydra cannot parse (the message shows the usual fix: a value
            with ``~``, spaces or brackets needs quotes, or ``$HOME`` instead of ``~``), one of a
            key that moved (:data:`MOVED_KEYS`), one the config does not compose with, an added
            key nothing reads, or a search-space value no job can run with.
    """
    args, _ = hydra_args_parser().parse_known_args(argv)
    modes = {"-m": args.multirun, "--run": args.run, "--cfg": args.cfg, "--info": args.info}
    chosen = [flag for flag, on in modes.items() if on]
    if len(chosen) > 1:  # Hydra's own check is a ValueError traceback
        raise ConfigError(
            f"{' and '.join(chosen)} do not go together; pass one of -m (a sweep), --cfg "
            "(print the config) or --info, as `tide train --help` shows."
        )
    parser = OverridesParser.create()
    plain, sweeps = [], []
    for override in args.overrides or []:
        try:
            parsed = parser.parse_overrides([override])[0]
        except OverrideParseException as err:
            key, _, value = override.partition("=")
            hint = f'{key}="{value}"' if value else override
            if value.startswith("~"):
                hint = f"{key}=$HOME{value[1:]} or {hint}"
            detail = str(err.message).splitlines()[0].split(":")[0]
            raise ConfigError(
                f"Hydra cannot parse the override {override!r} ({detail}); quote the value for "
                f"Hydra, e.g. '{hint}' (shell single quotes around it), see {GRAMMAR}."
            ) from None
        # A sweep's (also without -m: hydra.mode) is checked value by value below.
        (sweeps if parsed.is_sweep_override() else plain).append(override)
    own = args.config_name or args.config_path or args.config_dir or args.experimental_rerun
    if not own:
        check_moved(args.overrides or [])  # a sweep's too: eval.max_new_tokens=16,32
    if own or args.help or args.hydra_help or args.shell_completion:
        return
    cfg = compose_config(plain, hydra=True)
    check_hydra_settings(cfg)  # Hydra builds its callbacks and sweeper before any job
    added = [o for o in [*plain, *sweeps] if o.startswith("+")]
    if added:  # the keys before the additions: `++` may set one of them
        rest = [o for o in plain if o not in added]
        check_added_keys(cfg, added, known_names(rest)[0])
    if args.multirun or cfg.hydra.mode == RunMode.MULTIRUN:
        # The values every job shares first (a -m run of one job, +trainer.max_steps=0 beside a
        # sweep): each job refused them alone, the sweep ended with exit 1 and its folders written;
        # and a search-space entry is not blamed for them.
        check_values(compose_config(plain))
        check_search_space(cfg, plain, sweeps, compose_config)


# Keys the code reads when present that no shipped config sets (an experiment may add them).
OPTIONAL_KEYS = ("eval.not_computed",)


def check_added_keys(cfg: DictConfig, added: list[str], shipped: list[str]) -> None:
    """Stop at an added key (``+key=value``) that nothing reads.

    A key under a node with a ``_target_`` is its constructor's to accept (the signature check
    names it: ``+lora.rr=4``), and a new node with one is a new object (``+callbacks.x._target_``);
    any other added key must be one an interpolation of the config refers to (``+eval.metrics.x``
    joins ``${eval.metrics}``), or it would be carried along and ignored: ``+eval.num_promts=4``
    ran with 16 prompts, ``+sead=1`` with seed 42.

    Args:
        cfg: The config composed with the overrides.
        added: The overrides that add a key (``+key=value``, ``++key=value``).
        shipped: The keys of the config without them.

    Raises:
        ConfigError: ``eval.num_promts is not a setting ...; did you mean eval.num_prompts?``
    """
    read = referenced_keys(cfg)
    for override in added:
        key = override.lstrip("+").partition("=")[0].strip()
        if key in shipped or key.startswith("hydra.") or _built(cfg, key):
            continue
        if any(key == r or key.startswith(f"{r}.") for r in (*read, *OPTIONAL_KEYS)):
            continue
        near = [k for k in shipped if not key.startswith(f"{k}.")]  # not its own parent
        raise ConfigError(
            f"{key} is not a setting (no constructor takes it and nothing in the config refers "
            f"to it, so it would be ignored); remove it or fix its spelling"
            f"{did_you_mean(key, near)} (`tide train --cfg job` lists the keys)."
        )


def _built(cfg: DictConfig, key: str) -> bool:
    """Whether ``key`` lies in a node with a ``_target_`` (its constructor decides), or is one."""
    node: Any = cfg
    for part in key.split("."):
        if not isinstance(node, DictConfig) or part not in node:
            return False
        node = raw_node(node, part)
        if isinstance(node, DictConfig) and "_target_" in node:
            return True
    return False
