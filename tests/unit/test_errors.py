"""One error root: every error class tide_exp defines is a TideError."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import tide_exp
from tide_exp.errors import NoRunsError, ResourceMissingError, TideError

SKIP = {"tide_exp.__main__", "tide_exp.humaneval.__main__"}  # importing runs the command


def _modules():
    for info in pkgutil.walk_packages(tide_exp.__path__, "tide_exp."):
        if info.name not in SKIP and not info.name.endswith(".__main__"):
            yield importlib.import_module(info.name)


def test_every_error_class_is_a_tide_error():
    found = {}
    for module in _modules():
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, Exception)
                and obj.__module__ == module.__name__
            ):
                found[f"{module.__name__}.{name}"] = obj
    assert len(found) >= 10
    strays = [name for name, cls in found.items() if not issubclass(cls, TideError)]
    assert not strays, f"derive these from tide_exp.errors.TideError: {strays}"


def test_folded_errors_still_match_what_callers_caught():
    assert issubclass(ResourceMissingError, LookupError)
    assert issubclass(NoRunsError, FileNotFoundError)
    assert str(NoRunsError("no finished run under x")) == "no finished run under x"
