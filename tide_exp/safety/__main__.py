"""``python -m tide_exp.safety``: see :mod:`tide_exp.safety.cli`."""

import sys

from tide_exp.safety.cli import main

sys.exit(main())
