"""One error root: every error class tide_exp defines is a TideError."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tide_exp
from tide_exp.errors import (
    ConfigError,
    DataSchemaError,
    NoRunsError,
    ResourceMissingError,
    TideError,
    check_choice,
)

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


_NAMES = st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=8)


@given(choices=st.lists(_NAMES, min_size=1, max_size=5, unique=True), value=_NAMES)
def test_check_choice_accepts_the_choices_and_names_key_choices_and_value_otherwise(choices, value):
    for choice in choices:
        check_choice("data.loss_on", choice, choices)
    if value in choices:
        return
    with pytest.raises(ConfigError) as caught:
        check_choice("data.loss_on", value, tuple(choices))
    message = str(caught.value)
    assert message.startswith("data.loss_on must be one of ") and message.endswith(f"{value!r}.")
    assert all(choice in message for choice in choices)


def test_check_choice_raises_the_class_it_is_given():
    with pytest.raises(DataSchemaError, match="format must be one of csv, jsonl, got 'xml'"):
        check_choice("format", "xml", ["csv", "jsonl"], DataSchemaError)


def test_an_os_error_the_user_can_fix_is_one_sentence_unless_only_the_context():
    import errno

    from tide_exp.errors import FileError, find_user_error

    full = OSError(errno.ENOSPC, "No space left on device", "/data/out.json")
    found = find_user_error(full)
    assert isinstance(found, FileError)
    assert str(found) == (
        "/data/out.json: No space left on device. "
        "Fix: free some disk space or choose a folder on another disk"
    )
    wrapped = RuntimeError("instantiate failed")
    wrapped.__cause__ = OSError(errno.EROFS, "Read-only file system", "/ro")
    assert "Fix: choose a folder on a writable disk" in str(find_user_error(wrapped))
    bug = TypeError("a bug met while handling it")
    bug.__context__ = full  # only the context: the bug keeps its traceback
    assert find_user_error(bug) is None
    assert find_user_error(OSError(errno.EIO, "Input/output error")) is None
