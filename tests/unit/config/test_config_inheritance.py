"""Options inherit their shared settings instead of copying them, so a new key is added once.

Each data option starts from conf/data_base/datamodule.yaml, each eval option from
conf/eval/default.yaml, each model from conf/model_base/chat.yaml (hub models through
conf/model_base/hub.yaml); an option file sets only what differs. Reading the YAML files as
written: a key an option sets to its base's value is a copy this test names.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

CONF = Path(__file__).resolve().parents[3] / "conf"


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _copies(option: dict, base: dict, prefix: str = "") -> list[str]:
    """Keys ``option`` sets to exactly its base's value (nested dicts compared key by key)."""
    found = []
    for key, value in option.items():
        if key == "defaults" or key not in base:
            continue
        if isinstance(value, dict) and isinstance(base[key], dict) and value:
            found += _copies(value, base[key], f"{prefix}{key}.")
        elif value == base[key]:
            found.append(f"{prefix}{key}")
    return found


CASES = (
    [
        (p, CONF / "data_base" / "datamodule.yaml", "/data_base/datamodule@_here_")
        for p in sorted((CONF / "data").glob("*.yaml"))
    ]
    + [
        (p, CONF / "eval" / "default.yaml", "default")
        for p in sorted((CONF / "eval").glob("study_*.yaml"))
    ]
    + [
        (p, CONF / "model_base" / "chat.yaml", None)
        for p in sorted((CONF / "model").glob("*.yaml"))
    ]
)


@pytest.mark.parametrize(("option", "base", "first"), CASES, ids=lambda v: getattr(v, "stem", None))
def test_option_inherits_and_sets_only_what_differs(option, base, first):
    config = _load(option)
    defaults = config.get("defaults", [])
    if first is not None:
        assert defaults and defaults[0] == first, f"{option}: list {first} first in defaults"
    else:  # models: the chat base directly, or the hub base that includes it
        assert defaults[0] in ("/model_base/chat@_here_", "/model_base/hub@_here_"), option
    copies = _copies(config, _load(base))
    assert not copies, f"{option.relative_to(CONF)} repeats {base.relative_to(CONF)}: {copies}"
