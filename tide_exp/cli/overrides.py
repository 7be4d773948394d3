"""Hydra overrides checked before Hydra sees them, so a typo is one sentence, not a lexer dump."""

from __future__ import annotations

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import OverrideParseException

from tide_exp.compat import hydra_args_parser
from tide_exp.errors import ConfigError

GRAMMAR = "https://hydra.cc/docs/advanced/override_grammar/basic/"


def check_overrides(argv: list[str]) -> None:
    """Parse the overrides in a Hydra command line.

    Raises:
        ConfigError: An override Hydra cannot parse; the message shows the usual fix (a value
            with ``~``, spaces or brackets needs quotes, or ``$HOME`` instead of ``~``).
    """
    args, _ = hydra_args_parser().parse_known_args(argv)
    parser = OverridesParser.create()
    for override in args.overrides or []:
        try:
            parser.parse_overrides([override])
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
