"""Build hook: ship the top-level conf/ inside the wheel as ``tide_exp/conf``.

conf/ stays where Hydra projects keep it (the repository root); a wheel still needs it next to
the code, so ``build_py`` copies it in. Editable installs skip the copy and read the checkout's
conf/ directly (see :func:`tide_exp.config.compose.config_dir`). Everything else lives in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithConf(build_py):
    """``build_py`` that also copies conf/ to ``<build_lib>/tide_exp/conf``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # editable: tide_exp.config.compose.config_dir() finds the checkout's conf/
        source = Path(__file__).resolve().parent / "conf"
        target = Path(self.build_lib) / "tide_exp" / "conf"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithConf})
