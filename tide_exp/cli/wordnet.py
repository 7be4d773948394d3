"""WordNet 3.0 for METEOR, offline: ``tide wordnet {install,check}`` (``python -m tide_exp.cli.wordnet``).

``install`` copies Debian's WordNet 3.0 (``wordnet-base`` and ``wordnet-sense-index`` in
/usr/share/wordnet) and the shipped ``lexnames`` into an NLTK data folder; ``check`` loads it
through NLTK and prints its version. Online, ``python -m nltk.downloader wordnet`` gives the same
corpus. The assembly lives in :mod:`tide_exp.metrics.wordnet`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tide_exp.cli.conventions import cli_entry, command_parser
from tide_exp.cli.registry import Command
from tide_exp.files.checks import check_output
from tide_exp.metrics.wordnet import (
    DEBIAN_WORDNET_DIR,
    default_nltk_data_dir,
    install_wordnet,
    load_wordnet,
)

COMMAND = Command(
    name="wordnet",
    summary="install or check WordNet for METEOR",
    example="tide wordnet install",
    order=90,
)


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``tide wordnet``."""
    parser = command_parser("wordnet", __doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    install = sub.add_parser("install", help="copy Debian's WordNet 3.0 into an NLTK data folder")
    install.add_argument(
        "--nltk-data", default=None, help="NLTK data root (default: $NLTK_DATA or <venv>/nltk_data)"
    )
    install.add_argument("--source", default=str(DEBIAN_WORDNET_DIR), help="Debian WordNet folder")
    sub.add_parser("check", help="load WordNet through NLTK and print its version")
    return parser


@cli_entry
def main(argv: list[str] | None = None) -> int:
    """``tide wordnet install [--nltk-data DIR] [--source DIR]`` or ``tide wordnet check``."""
    args = build_parser().parse_args(argv)
    if args.command == "install":
        nltk_data = Path(args.nltk_data or default_nltk_data_dir())
        check_output(nltk_data / "corpora" / "wordnet", replace=True)  # before copying
        target = install_wordnet(nltk_data, args.source)
        print(f"WordNet installed in {target}")
        import nltk

        if not any(
            Path(p).resolve() == target.parents[1].resolve()
            for p in nltk.data.path
            if isinstance(p, str)
        ):
            print(
                f"note: NLTK does not search {target.parents[1]}; set NLTK_DATA={target.parents[1]}"
            )
    else:
        wn = load_wordnet()
        print(f"WordNet {wn.get_version()} found at {wn.root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
