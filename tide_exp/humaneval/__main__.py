"""``python -m tide_exp.humaneval``."""

import sys

from tide_exp.humaneval.cli import main

sys.exit(main())
