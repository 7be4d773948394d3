"""``python -m tide_exp``: ``tide train`` (:mod:`tide_exp.cli.train`)."""

import sys

from tide_exp.cli.train import main

if __name__ == "__main__":
    sys.exit(main())
