"""Hydra overrides checked before Hydra sees them, so a typo is one sentence, not a lexer dump."""

from __future__ import annotations

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import OverrideParseException

from tide_exp.config.compat import hydra_args_parser
from tide_exp.config.compose import compose_config
from tide_exp.errors import ConfigError

GRAMMAR = "https://hydra.cc/docs/advanced/override_grammar/basic/"


def check_overrides(argv: list[str]) -> None:
    """Parse the overrides in a Hydra command line, then compose the shipped config with them.

    Composing first turns an unknown key (``lora.rank=4``) or option (``model=gpt9``) into one
    sentence, as every other command gives it, instead of Hydra's error block and exit status 1.
    A sweep's overrides (``lora.r=4,8``, ``model=glob(*)``) are left to Hydra (an experiment may
    set ``hydra.mode: MULTIRUN``, so they need no ``-m``), and so is the whole check when the
    command names its own primary config (``--config-name``...).

    Raises:
        ConfigError: An override Hydra cannot parse (the message shows the usual fix: a value
            with ``~``, spaces or brackets needs quotes, or ``$HOME`` instead of ``~``), or one
            the config does not compose with.
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
    plain = []
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
        if not parsed.is_sweep_override():  # a sweep's (also without -m: hydra.mode) is Hydra's
            plain.append(override)
    own = args.config_name or args.config_path or args.config_dir or args.experimental_rerun
    if not (own or args.help or args.hydra_help or args.shell_completion):
        compose_config(plain)
